package handlers

import (
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"heard/frontend"
	"heard/models"
)

// templateKey finds the literal message keys of t, th and tr in the
// templates: {{t "key"}}, (th "key" …), (tr "key").
var templateKey = regexp.MustCompile(`(?:\{\{-?|\()\s*(?:t|th|tr)\s+"([^"]+)"`)

// dynamicKeys are the keys templates and handlers build from data
// (print "national.sorted." .Data.Sort), which the scan cannot see.
func dynamicKeys() []string {
	keys := []string{"national.dir.asc", "national.dir.desc"}
	for _, s := range []string{"name", "score", "coverage", "updated"} {
		keys = append(keys, "national.sorted."+s)
	}
	for _, s := range []string{"pending", "ok", "warning", "failing", "disabled"} {
		keys = append(keys, "health."+s)
	}
	for _, s := range []string{"running", "ok", "failed"} {
		keys = append(keys, "run."+s)
	}
	for _, s := range []string{"scrape", "override", "nightly", "manual", "demo"} {
		keys = append(keys, "trigger."+s)
	}
	for _, s := range []string{"scorecards", "activities"} {
		keys = append(keys, "data.export."+s)
	}
	// The report form's messages (submission.go): one per field, and the
	// failures no field explains.
	for _, s := range append(slices.Clone(submitFields), "body", "rate_limited", "unavailable") {
		keys = append(keys, "submit.err."+s)
	}
	for _, li := range criterionLegend {
		keys = append(keys, li.Label)
	}
	for _, s := range []string{"0", "1", "2", "3", "4", "no_evidence_spoken", "not_applicable", "not_applicable_spoken"} {
		keys = append(keys, "cscore."+s)
	}
	for _, l := range models.Levels {
		keys = append(keys, "level."+string(l))
	}
	for _, s := range []models.CriterionStatus{models.StatusScored, models.StatusNoEvidence, models.StatusNotApplicable, models.StatusNotScored} {
		keys = append(keys, "status."+string(s))
	}
	for _, v := range models.ActivityTypes {
		keys = append(keys, "type."+string(v))
	}
	for _, v := range models.PlanPhases {
		keys = append(keys, "phase."+string(v))
	}
	for _, v := range models.AudienceGroups {
		keys = append(keys, "group."+string(v))
	}
	return keys
}

// TestCatalogsComplete: both languages have the same keys, none empty,
// and every key the templates and handlers use exists, so no page shows a
// bare key or falls back to English unnoticed.
func TestCatalogsComplete(t *testing.T) {
	for _, l := range langs {
		for k, v := range catalogs[l] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: %s is empty", l, k)
			}
		}
	}
	for k := range catalogs["en"] {
		if _, ok := catalogs["es"][k]; !ok {
			t.Errorf("es lacks %s", k)
		}
	}
	for k := range catalogs["es"] {
		if _, ok := catalogs["en"][k]; !ok {
			t.Errorf("en lacks %s (only in es)", k)
		}
	}
	// The same format verbs in both, so an argument is never dropped.
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for k, en := range catalogs["en"] {
		if a, b := verbs.FindAllString(en, -1), verbs.FindAllString(catalogs["es"][k], -1); !slices.Equal(a, b) {
			t.Errorf("%s: verbs en %v, es %v", k, a, b)
		}
	}
	files, err := fs.Glob(frontend.FS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v %v", files, err)
	}
	used := dynamicKeys()
	for _, f := range files {
		b, err := fs.ReadFile(frontend.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
			used = append(used, m[1])
		}
	}
	if len(used) < 150 {
		t.Errorf("only %d keys found in use; is the scan broken?", len(used))
	}
	for _, k := range used {
		for _, l := range langs {
			if _, ok := catalogs[l][k]; !ok {
				t.Errorf("%s catalog lacks %q", l, k)
			}
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/": "/es", "/?sort=name#rank-h": "/es?sort=name#rank-h", "/states/OH": "/es/states/OH",
		"/methodology#criterion-tribal": "/es/methodology#criterion-tribal",
		"/states/OH/upcoming.ics":       "/states/OH/upcoming.ics", "/states/OH/feed.atom": "/states/OH/feed.atom",
		"/api/v1/rubric": "/api/v1/rubric", "/static/style.css": "/static/style.css", "https://x.example/": "https://x.example/",
	} {
		if got := localPath("es", in); got != want {
			t.Errorf("localPath(es, %q) = %q, want %q", in, got, want)
		}
		if got := localPath("en", in); got != in {
			t.Errorf("localPath(en, %q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{"/es": "/", "/es/states/OH": "/states/OH", "/estonia": "/estonia", "/": "/"} {
		if got := englishPath(in); got != want {
			t.Errorf("englishPath(%q) = %q, want %q", in, got, want)
		}
	}
}

var (
	htmlLang = regexp.MustCompile(`<html lang="([a-z]+)">`)
	hrefAttr = regexp.MustCompile(`<a [^>]*href="(/[^"]*)"`)
)

// switchLink is the header's language switch.
func switchLink(body string) (href, hreflang string) {
	m := regexp.MustCompile(`<li class="lang-switch"><a href="([^"]*)" hreflang="([a-z]+)" lang="[a-z]+">`).FindStringSubmatch(body)
	if m == nil {
		return "", ""
	}
	return strings.ReplaceAll(m[1], "&amp;", "&"), m[2]
}

// TestPagesInSpanish: every page is served under /es in Spanish, with the
// demo banner, both hreflang alternates, a switch back to the same English
// page (query kept), and internal links that stay in Spanish; the English
// page switches to the same Spanish one.
func TestPagesInSpanish(t *testing.T) {
	f := newFixture(t) // its source is a demo source
	pages := []struct {
		path   string
		status int
		words  []string
	}{
		{"/", 200, []string{"Mapa nacional", "Clasificación", "Próximas oportunidades para hacerse oír"}},
		{"/?criterion=tribal&sort=name", 200, []string{"Consulta con las tribus por estado", "Leyenda: Consulta con las tribus"}},
		{"/states/OH", 200, []string{"Los trece criterios", "Participación de todos los grupos que exige la ley",
			"Período de comentarios públicos y aviso", "Sesión de escucha", "(explicación en inglés)", "quedan 25 días", "Antes del borrador"}},
		{"/methodology", 200, []string{"Cómo se hace una puntuación", "Participación de todos los grupos que exige la ley",
			"Acceso en otros idiomas", "No hay pruebas de que se consultara a ningún grupo nombrado.", "Fuente legal:", "Ejemplar"}},
		{"/data", 200, []string{"Descarga de datos y diccionario de datos", "Cómo están escritos los archivos", "Referencia de la API"}},
		{"/about", 200, []string{"Qué es Heard", "plan estatal de ESSA", "Cómo citar Heard"}},
		{"/search", 200, []string{"Escriba el nombre de un estado"}},
		{"/submit", 200, []string{"Informar de una actividad que falta", "¿Qué pasó?", "Elija un estado"}},
		{"/search?q=zz", 404, []string{"Ningún estado coincide con «zz»"}},
		{"/no-such-page", 404, []string{"Página no encontrada"}},
		{"/states/ZZ", 404, []string{"No tenemos ninguna página para ese estado o territorio."}},
	}
	for _, p := range pages {
		es := localPath("es", p.path)
		resp, b := f.get(t, es)
		body := string(b)
		if resp.StatusCode != p.status {
			t.Errorf("%s: status %d, want %d", es, resp.StatusCode, p.status)
			continue
		}
		if m := htmlLang.FindStringSubmatch(body); m == nil || m[1] != "es" {
			t.Errorf("%s: html lang %v", es, m)
		}
		if !strings.Contains(body, "Datos de demostración") {
			t.Errorf("%s lacks the Spanish demo banner", es)
		}
		if strings.Contains(body, "Demonstration data") {
			t.Errorf("%s has the English demo banner", es)
		}
		for _, w := range p.words {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", es, w)
			}
		}
		if href, hl := switchLink(body); href != p.path || hl != "en" {
			t.Errorf("%s: switch to %q (%s), want %q (en)", es, href, hl, p.path)
		}
		if !strings.Contains(body, `<link rel="alternate" hreflang="en" href="`+strings.ReplaceAll(p.path, "&", "&amp;")+`">`) ||
			!strings.Contains(body, `<link rel="alternate" hreflang="es" href="`+strings.ReplaceAll(es, "&", "&amp;")+`">`) {
			t.Errorf("%s lacks the hreflang alternates", es)
		}
		for _, m := range hrefAttr.FindAllStringSubmatch(body, -1) {
			h := strings.ReplaceAll(m[1], "&amp;", "&")
			if h == p.path {
				continue // the switch to English
			}
			if h == "/" || (!strings.HasPrefix(h, "/es") && !strings.HasPrefix(h, "/api/") &&
				!strings.HasSuffix(h, ".ics") && !strings.HasSuffix(h, ".atom") && !strings.HasPrefix(h, "/static/")) {
				t.Errorf("%s links to %q, outside Spanish", es, h)
			}
		}

		// And the English page switches to this one.
		resp, b = f.get(t, p.path)
		if resp.StatusCode != p.status {
			t.Errorf("%s: status %d, want %d", p.path, resp.StatusCode, p.status)
			continue
		}
		if m := htmlLang.FindStringSubmatch(string(b)); m == nil || m[1] != "en" {
			t.Errorf("%s: html lang %v", p.path, m)
		}
		if href, hl := switchLink(string(b)); href != es || hl != "es" {
			t.Errorf("%s: switch to %q (%s), want %q (es)", p.path, href, hl, es)
		}
		if !strings.Contains(string(b), "Demonstration data") {
			t.Errorf("%s lacks the demo banner", p.path)
		}
	}
}

// TestSpanishRedirectsStayInSpanish: the search and the canonical-code
// redirect of a Spanish page land on a Spanish page.
func TestSpanishRedirectsStayInSpanish(t *testing.T) {
	f := newFixture(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]string{"/es/search?q=ohio": "/es/states/OH", "/es/states/oh": "/es/states/OH",
		"/search?q=ohio": "/states/OH"} {
		resp, err := client.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != want {
			t.Errorf("%s redirects to %q, want %q", path, loc, want)
		}
	}
}

// TestSpanishWidget: the widget is served in Spanish too, linking to the
// Spanish scorecard.
func TestSpanishWidget(t *testing.T) {
	f := newFixture(t)
	resp, b := f.get(t, "/es/states/OH/widget")
	body := string(b)
	if resp.StatusCode != 200 || !strings.Contains(body, `<html lang="es">`) || !strings.Contains(body, `href="/es/states/OH"`) ||
		!strings.Contains(body, "Datos de demostración") || !strings.Contains(body, "Próximas oportunidades") {
		t.Errorf("Spanish widget: %d\n%s", resp.StatusCode, body)
	}
}
