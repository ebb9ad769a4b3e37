package handlers

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha1"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"heard/models"
)

// The per-state subscriptions: /states/{code}/upcoming.ics, a calendar of
// the chances still to be heard, and /states/{code}/feed.atom, the newest
// and most recently changed activities. Both are written by hand, small
// enough to check against RFC 5545 and RFC 4287 line by line.

const (
	// icsLimit bounds a calendar; a state has a handful of upcoming events.
	icsLimit = 500
	// atomLimit is how many activities the feed carries.
	atomLimit = 50
)

// stateSummary resolves the {code} of a per-state route, redirecting a
// lower-case code to the canonical one as the state page does. It answers
// the request itself (404 page, redirect) and reports false when the
// handler should stop.
func (h *Handler) stateSummary(c *gin.Context) (models.ScoreSummary, bool) {
	code := c.Param("code")
	if upper := models.NormalizeCode(code); code != upper {
		c.Redirect(http.StatusMovedPermanently, strings.Replace(c.Request.URL.Path, "/states/"+code, "/states/"+upper, 1))
		return models.ScoreSummary{}, false
	}
	sum, _, err := h.summaryFor(c.Request.Context(), code)
	if err != nil {
		h.pageErr(c, err)
		return models.ScoreSummary{}, false
	}
	return sum, true
}

var hostPattern = regexp.MustCompile(`^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$`)

// origin is the scheme and host the client reached Heard at, for the
// absolute links feeds and embed snippets need. X-Forwarded-Proto counts
// only when the operator has declared a reverse proxy; a Host that is not a
// plain host name falls back to localhost rather than reaching the output.
func (h *Handler) origin(c *gin.Context) string {
	scheme := "http"
	if c.Request.TLS != nil {
		scheme = "https"
	} else if len(h.opts.TrustedProxies) > 0 {
		if p := c.GetHeader("X-Forwarded-Proto"); p == "http" || p == "https" {
			scheme = p
		}
	}
	host := c.Request.Host
	if !hostPattern.MatchString(host) {
		host = "localhost"
	}
	return scheme + "://" + host
}

// demoTitle marks a demonstration activity in its title, where a calendar
// or feed reader shows it with nothing else around; a cancelled one says so
// too.
func demoTitle(a models.Activity) string {
	t := strings.TrimSpace(a.Title)
	if a.Status == models.StatusCancelled {
		t = "Cancelled: " + t
	}
	if a.Demo && !strings.HasPrefix(t, "[Demo]") {
		t = "[Demo] " + t
	}
	return t
}

// whenText is the pages' date and time format, the activity's own zone
// abbreviation included.
var whenText = pageFuncs["datetime"].(func(*time.Time, bool) string)

const (
	demoNote     = "Heard demonstration data: this activity is synthetic and describes no real state's actions."
	demoFeedNote = "Heard demonstration data: these activities are synthetic and describe no real state's actions."
)

// sourceLink is where a reader can check an activity: its own page, else
// the first page Heard read it from.
func sourceLink(a models.Activity) string {
	for _, u := range append([]string{a.URL}, sourceURLs(a)...) {
		if safe := httpURL(u); safe != "" {
			return safe
		}
	}
	return ""
}

func sourceURLs(a models.Activity) []string {
	out := make([]string, len(a.Sources))
	for i, s := range a.Sources {
		out[i] = s.URL
	}
	return out
}

// httpURL returns u normalized if it is an absolute http(s) URL, else "".
// Scraped links reach calendars and feed readers that may open them.
func httpURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return p.String()
}

// uuid5 is the RFC 9562 name-based (SHA-1) UUID of name in the URL
// namespace: a permanent id that needs no stored state and no domain of
// Heard's own, which tag URIs would.
func uuid5(name string) string {
	ns := [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	sum := sha1.Sum(append(ns[:], name...))
	u := sum[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// --- iCalendar ---

func (h *Handler) upcomingICS(c *gin.Context) {
	sum, ok := h.stateSummary(c)
	if !ok {
		return
	}
	acts, err := h.calendarActivities(c.Request.Context(), sum.Code)
	if err != nil {
		h.pageErr(c, err)
		return
	}
	body := icsCalendar(sum, acts, h.origin(c))
	c.Header("Content-Disposition", `inline; filename="heard-`+strings.ToLower(sum.Code)+`-upcoming.ics"`)
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", body)
}

// calendarActivities are the state page's upcoming activities plus the
// cancelled ones still ahead, so a subscribed calendar drops a cancelled
// meeting instead of keeping it.
func (h *Handler) calendarActivities(ctx context.Context, code string) ([]models.Activity, error) {
	acts, err := h.upcoming(ctx, code, icsLimit)
	if err != nil {
		return nil, err
	}
	now := h.opts.Now()
	ahead, _, err := h.store.Activities(ctx, models.ActivityFilter{Jurisdiction: code, From: &now})
	if err != nil {
		return nil, err
	}
	for _, a := range ahead {
		if a.Status == models.StatusCancelled && len(acts) < icsLimit {
			acts = append(acts, a)
		}
	}
	slices.SortStableFunc(acts, func(a, b models.Activity) int {
		return cmp.Or(activityWhen(a).Compare(activityWhen(b)), cmp.Compare(a.ID, b.ID))
	})
	return acts, nil
}

// icsCalendar renders acts as an RFC 5545 calendar. Timed events are in UTC
// (no VTIMEZONE needed); all-day events are dates in the jurisdiction's
// zone with RFC 5545's exclusive DTEND. DTSTAMP is the activity's last
// change: in a calendar without METHOD it means "last revised", and it keeps
// the body, and so its ETag, stable between changes.
func icsCalendar(sum models.ScoreSummary, acts []models.Activity, origin string) []byte {
	var w icsWriter
	loc := sum.Location()
	page := origin + "/states/" + sum.Code
	name := sum.Name + ": chances to be heard (Heard)"
	desc := "Upcoming public meetings, comment periods and other chances to be heard on " + sum.Name +
		"'s ESSA plan, collected by Heard. Scorecard: " + page
	if sum.Demo {
		desc += "\n" + demoFeedNote
	}
	w.raw("BEGIN", "VCALENDAR")
	w.raw("VERSION", "2.0")
	w.raw("PRODID", "-//Heard//Chances to be heard//EN")
	w.raw("CALSCALE", "GREGORIAN")
	w.text("NAME", name)
	w.text("X-WR-CALNAME", name)
	w.text("DESCRIPTION", desc)
	w.text("X-WR-CALDESC", desc)
	w.raw("URL", page)
	w.raw("REFRESH-INTERVAL;VALUE=DURATION", "PT6H")
	w.raw("X-PUBLISHED-TTL", "PT6H")
	for _, a := range acts {
		icsEvent(&w, a, loc, page)
	}
	w.raw("END", "VCALENDAR")
	return w.buf.Bytes()
}

func icsEvent(w *icsWriter, a models.Activity, loc *time.Location, page string) {
	start, end := a.Start, a.End
	if start == nil {
		// A comment period known only by its deadline: the deadline.
		start, end = a.End, nil
	}
	if start == nil {
		return // undated: nothing a calendar can place
	}
	w.raw("BEGIN", "VEVENT")
	w.raw("UID", "activity-"+strconv.FormatInt(a.ID, 10)+"@heard")
	w.raw("DTSTAMP", icsUTC(a.UpdatedAt))
	w.raw("CREATED", icsUTC(a.FirstSeen))
	w.raw("LAST-MODIFIED", icsUTC(a.UpdatedAt))
	if a.AllDay {
		first := start.In(loc)
		last := first
		if end != nil && end.After(*start) {
			last = end.In(loc) // the stored end is the last moment of the last day
		}
		w.raw("DTSTART;VALUE=DATE", first.Format("20060102"))
		w.raw("DTEND;VALUE=DATE", civilDate(last).AddDate(0, 0, 1).Format("20060102"))
	} else {
		w.raw("DTSTART", icsUTC(*start))
		if end != nil && end.After(*start) {
			w.raw("DTEND", icsUTC(*end))
		} else {
			// No end known: RFC 5545 reads that as ending at the start;
			// saying so keeps parsers that insist on an end from dropping it.
			w.raw("DURATION", "PT0S")
		}
	}
	w.text("SUMMARY", demoTitle(a))
	w.text("DESCRIPTION", icsDescription(a, page))
	switch {
	case a.Location != "":
		w.text("LOCATION", a.Location)
	case a.Remote:
		w.text("LOCATION", "Online")
	}
	if u := sourceLink(a); u != "" {
		w.raw("URL", u)
	}
	w.text("CATEGORIES", a.Type.Label())
	switch a.Status {
	case models.StatusCancelled:
		w.raw("STATUS", "CANCELLED")
	case models.StatusScheduled:
		w.raw("STATUS", "CONFIRMED")
	}
	if a.Type == models.TypeCommentPeriod {
		w.raw("TRANSP", "TRANSPARENT") // weeks to comment, not a busy block
	}
	w.raw("END", "VEVENT")
}

func icsDescription(a models.Activity, page string) string {
	lines := []string{a.Type.Label() + " · " + a.Phase.Label()}
	if a.Status == models.StatusCancelled {
		lines = append(lines, "This activity has been cancelled.")
	}
	if d := strings.TrimSpace(a.Description); d != "" {
		lines = append(lines, d)
	}
	if len(a.Languages) > 0 {
		names := make([]string, len(a.Languages))
		for i, l := range a.Languages {
			names[i] = models.LanguageName(l)
		}
		lines = append(lines, "Languages: "+strings.Join(names, ", "))
	}
	if a.Interpretation {
		lines = append(lines, "Interpretation offered.")
	}
	if s := strings.TrimSpace(a.Accessibility); s != "" {
		lines = append(lines, "Accessibility: "+s)
	}
	if u := httpURL(a.URL); a.Remote && u != "" {
		lines = append(lines, "Join or register: "+u)
	}
	if u := sourceLink(a); u != "" {
		lines = append(lines, "Source: "+u)
	}
	lines = append(lines, "Scorecard: "+page)
	if a.Demo {
		lines = append(lines, demoNote)
	}
	return strings.Join(lines, "\n")
}

func icsUTC(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// civilDate is midnight UTC of t's date where t is: a date without a zone,
// so that day arithmetic never meets a DST change.
func civilDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// icsWriter writes content lines with CRLF endings, folded at 75 octets
// without splitting a UTF-8 sequence (RFC 5545 §3.1).
type icsWriter struct{ buf bytes.Buffer }

var icsEscaper = strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)

// text writes a TEXT property, escaped (§3.3.11) and stripped of the
// control characters TEXT may not hold.
func (w *icsWriter) text(name, value string) {
	value = strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(value, "\uFFFD"))
	w.raw(name, icsEscaper.Replace(value))
}

// raw writes a property whose value is already in its iCalendar form.
func (w *icsWriter) raw(name, value string) {
	line := name + ":" + value
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		w.buf.WriteString(line[:cut])
		w.buf.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space is one of the 75
	}
	w.buf.WriteString(line)
	w.buf.WriteString("\r\n")
}

// --- Atom ---

type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Subtitle  atomText    `xml:"subtitle"`
	Updated   string      `xml:"updated"`
	Links     []atomLink  `xml:"link"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Entries   []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID        string       `xml:"id"`
	Title     atomText     `xml:"title"`
	Updated   string       `xml:"updated"`
	Published string       `xml:"published"`
	Links     []atomLink   `xml:"link"`
	Author    atomPerson   `xml:"author"`
	Category  atomCategory `xml:"category"`
	Summary   atomText     `xml:"summary"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type atomLink struct {
	Rel   string `xml:"rel,attr"`
	Type  string `xml:"type,attr,omitempty"`
	Href  string `xml:"href,attr"`
	Title string `xml:"title,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr"`
}

func (h *Handler) feedAtom(c *gin.Context) {
	sum, ok := h.stateSummary(c)
	if !ok {
		return
	}
	acts, _, err := h.store.Activities(c.Request.Context(), models.ActivityFilter{Jurisdiction: sum.Code})
	if err != nil {
		h.pageErr(c, err)
		return
	}
	body, err := atomDocument(sum, acts, h.origin(c))
	if err != nil {
		h.pageErr(c, err)
		return
	}
	c.Data(http.StatusOK, "application/atom+xml; charset=utf-8", body)
}

// atomDocument renders the state's atomLimit most recently changed
// activities, newest first. Entry ids are name-based UUIDs of the activity
// id, so an edited activity updates its entry instead of adding one.
func atomDocument(sum models.ScoreSummary, acts []models.Activity, origin string) ([]byte, error) {
	acts = slices.Clone(acts)
	slices.SortStableFunc(acts, func(a, b models.Activity) int {
		return cmp.Or(b.UpdatedAt.Compare(a.UpdatedAt), cmp.Compare(b.ID, a.ID))
	})
	if len(acts) > atomLimit {
		acts = acts[:atomLimit]
	}
	page := origin + "/states/" + sum.Code
	heard := atomPerson{Name: "Heard", URI: origin + "/"}
	subtitle := "New and changed engagement activities on " + sum.Name + "'s ESSA plan, with links to their sources."
	if sum.Demo {
		subtitle += " " + demoFeedNote
	}
	f := atomFeed{
		ID:       uuid5("heard:feed:states/" + sum.Code),
		Title:    atomText{Type: "text", Text: sum.Name + ": engagement activities (Heard)"},
		Subtitle: atomText{Type: "text", Text: subtitle},
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: page + "/feed.atom"},
			{Rel: "alternate", Type: "text/html", Href: page},
		},
		Author:    heard,
		Generator: "Heard",
		Entries:   make([]atomEntry, 0, len(acts)),
	}
	// With no entries, the feed last changed when the state was scored.
	updated := time.Unix(0, 0)
	if sum.UpdatedAt != nil {
		updated = *sum.UpdatedAt
	}
	for i, a := range acts {
		if i == 0 {
			updated = a.UpdatedAt
		}
		e := atomEntry{
			ID:        uuid5("heard:activity:" + strconv.FormatInt(a.ID, 10)),
			Title:     atomText{Type: "text", Text: demoTitle(a)},
			Updated:   a.UpdatedAt.UTC().Format(time.RFC3339),
			Published: a.FirstSeen.UTC().Format(time.RFC3339),
			Author:    heard,
			Category:  atomCategory{Term: string(a.Type), Label: a.Type.Label()},
			Summary:   atomText{Type: "text", Text: atomSummary(a)},
		}
		if u := sourceLink(a); u != "" {
			e.Links = append(e.Links, atomLink{Rel: "alternate", Type: "text/html", Href: u, Title: "Source"})
		}
		e.Links = append(e.Links, atomLink{Rel: "related", Type: "application/json",
			Href: origin + "/api/v1/activities/" + strconv.FormatInt(a.ID, 10), Title: "Heard's record"})
		f.Entries = append(f.Entries, e)
	}
	f.Updated = updated.UTC().Format(time.RFC3339)
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("atom feed %s: %w", sum.Code, err)
	}
	buf.WriteString("\n")
	return buf.Bytes(), nil
}

func atomSummary(a models.Activity) string {
	parts := []string{a.Type.Label() + " (" + a.Phase.Label() + ")"}
	if a.Start != nil {
		parts = append(parts, "When: "+whenText(a.Start, a.AllDay))
	}
	if a.End != nil {
		parts = append(parts, "Until: "+whenText(a.End, a.AllDay))
	}
	if a.Status == models.StatusCancelled {
		parts = append(parts, "Cancelled.")
	}
	if a.Location != "" {
		parts = append(parts, "Where: "+a.Location)
	} else if a.Remote {
		parts = append(parts, "Where: online")
	}
	if d := strings.TrimSpace(a.Description); d != "" {
		parts = append(parts, d)
	}
	if a.Demo {
		parts = append(parts, demoNote)
	}
	return strings.Join(parts, "\n")
}
