package handlers

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"heard/frontend"
	"heard/models"
)

// Languages: every page is served in English at its plain path and in
// Spanish under /es. The words live in frontend/i18n/{lang}.json, one flat
// object of message keys; pages use them through the template functions
// t and th, Go code through tr.

// langs are the page languages, English (the default) first.
var langs = []string{"en", "es"}

// langKey is the gin context key holding a request's page language.
const langKey = "lang"

// catalogs maps a language to its messages, read once from the embedded
// files; a broken catalog stops the program at start, like a broken
// template.
var catalogs = mustLoadCatalogs()

func mustLoadCatalogs() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range langs {
		b, err := fs.ReadFile(frontend.FS, "i18n/"+l+".json")
		if err != nil {
			panic(fmt.Sprintf("message catalog %s: %v", l, err))
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("message catalog %s: %v", l, err))
		}
		out[l] = m
	}
	return out
}

// tr is the message key in lang, falling back to English and then to the
// key itself, formatted with args (fmt.Sprintf) when there are any.
func tr(lang, key string, args ...any) string {
	msg, ok := catalogs[lang][key]
	if !ok {
		if msg, ok = catalogs["en"][key]; !ok {
			msg = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// setLang is the middleware of the /es routes.
func setLang(lang string) gin.HandlerFunc {
	return func(c *gin.Context) { c.Set(langKey, lang) }
}

// langOf is the request's page language: the one its route set, or, for a
// request no route matched (404 pages), the one its path starts with.
func langOf(c *gin.Context) string {
	if l := c.GetString(langKey); l != "" {
		return l
	}
	if p := c.Request.URL.Path; p == "/es" || strings.HasPrefix(p, "/es/") {
		return "es"
	}
	return "en"
}

// localPath is the site path p ("/", "/states/OH", "/?sort=name",
// "/methodology#x") in lang: unchanged in English, under /es in Spanish.
// Paths outside the pages (/api, /static, feeds) and absolute URLs are
// returned as they are.
func localPath(lang, p string) string {
	if lang == "en" || lang == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return p
	}
	for _, neutral := range []string{"/api/", "/static/"} {
		if strings.HasPrefix(p, neutral) {
			return p
		}
	}
	if strings.HasSuffix(path.Clean(strings.SplitN(strings.SplitN(p, "?", 2)[0], "#", 2)[0]), ".ics") ||
		strings.Contains(p, ".atom") || strings.Contains(p, "badge.svg") {
		return p
	}
	if p == "/" || strings.HasPrefix(p, "/?") || strings.HasPrefix(p, "/#") {
		return "/" + lang + p[1:]
	}
	return "/" + lang + p
}

// englishPath strips a language prefix from a request path.
func englishPath(p string) string {
	for _, l := range langs[1:] {
		if p == "/"+l {
			return "/"
		}
		if strings.HasPrefix(p, "/"+l+"/") {
			return p[len(l)+1:]
		}
	}
	return p
}

var monthsES = []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
	"septiembre", "octubre", "noviembre", "diciembre"}
var weekdaysES = []string{"dom.", "lun.", "mar.", "mié.", "jue.", "vie.", "sáb."}

// shortMonthES is the abbreviated month: "dic.", "mayo".
func shortMonthES(m time.Month) string {
	n := monthsES[m-1]
	if len([]rune(n)) <= 4 {
		return n
	}
	return string([]rune(n)[:3]) + "."
}

// longDate is "January 2, 2006" or "2 de enero de 2006".
func longDate(lang string, t time.Time) string {
	if lang == "es" {
		return fmt.Sprintf("%d de %s de %d", t.Day(), monthsES[t.Month()-1], t.Year())
	}
	return t.Format("January 2, 2006")
}

// funcsFor is pageFuncs with the words and dates of lang.
func funcsFor(lang string) template.FuncMap {
	f := maps.Clone(pageFuncs)
	// t escapes its message as text but leaves apostrophes as they are,
	// so "the rubric's weight" reads the same in the page source as it
	// did before the words moved to the catalog; in an attribute,
	// html/template escapes the value again for its context.
	f["t"] = func(key string, args ...any) template.HTML {
		return template.HTML(textEscaper.Replace(tr(lang, key, args...)))
	}
	// tr is the plain message, for passing one message into another.
	f["tr"] = func(key string, args ...any) string { return tr(lang, key, args...) }
	// th is t for messages holding markup: the catalog is ours, the
	// arguments are escaped.
	f["th"] = func(key string, args ...any) template.HTML {
		esc := make([]any, len(args))
		for i, a := range args {
			esc[i] = template.HTMLEscapeString(fmt.Sprint(a))
		}
		return template.HTML(tr(lang, key, esc...))
	}
	f["href"] = func(p string) string { return localPath(lang, p) }
	f["pagelang"] = func() string { return lang }
	f["label"] = func(v any) string { return labelIn(lang, v) }
	f["longdate"] = func(t time.Time) string { return longDate(lang, t) }
	if lang == "es" {
		f["date"] = func(t *time.Time) string {
			if t == nil {
				return tr(lang, "date.none")
			}
			return fmt.Sprintf("%d %s %d", t.Day(), shortMonthES(t.Month()), t.Year())
		}
		f["datetime"] = func(t *time.Time, allDay bool) string {
			if t == nil {
				return tr(lang, "date.none")
			}
			d := fmt.Sprintf("%s %d %s %d", weekdaysES[t.Weekday()], t.Day(), shortMonthES(t.Month()), t.Year())
			if allDay {
				return d
			}
			return d + t.Format(", 15:04 MST")
		}
		f["stamp"] = func(t *time.Time) string {
			if t == nil {
				return tr(lang, "date.never")
			}
			u := t.UTC()
			return fmt.Sprintf("%d %s %d %s", u.Day(), shortMonthES(u.Month()), u.Year(), u.Format("15:04 UTC"))
		}
	}
	return f
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;")

// vocabKey is the catalog key of a controlled-vocabulary value
// ("type.listening_session", "group.parents"), or "" for other values.
func vocabKey(v any) string {
	switch x := v.(type) {
	case models.ActivityType:
		return "type." + string(x)
	case models.PlanPhase:
		return "phase." + string(x)
	case models.Level:
		return "level." + string(x)
	case models.CriterionStatus:
		return "status." + string(x)
	case models.AudienceGroup:
		return "group." + string(x)
	case string:
		return "group." + x
	}
	return ""
}

// labelIn is a vocabulary value's label in lang, the model's English
// label where the catalog has none.
func labelIn(lang string, v any) string {
	if k := vocabKey(v); k != "" {
		if msg, ok := catalogs[lang][k]; ok {
			return msg
		}
	}
	return pageFuncs["label"].(func(any) string)(v)
}
