package handlers

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apognu/gocal"
	"github.com/mmcdole/gofeed"

	"heard/models"
)

// Activities the feed tests add to the fixture's Ohio.
var (
	hardTitle = `Hearing, part 1; budget \ plan — ñandú`
	hardDesc  = "Testimony on the draft plan, section 3; bring copies, if you can.\n" +
		strings.Repeat("Every district, every school; every family: heard. ", 6) + "Fin."
	nyc = models.Zone("America/New_York")
)

// addActivity stores a into the fixture's Ohio, read from the fixture's
// source, and returns its id.
func addActivity(t *testing.T, f *fixture, a models.Activity) int64 {
	t.Helper()
	ctx := context.Background()
	src, err := f.store.UpsertSource(ctx, models.Source{Jurisdiction: "OH", Kind: models.KindRSS,
		URL: "http://127.0.0.1:1/feed.xml", Name: "Test feed", Enabled: true, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	a.Jurisdiction, a.TimeZone = "OH", "America/New_York"
	if a.Phase == "" {
		a.Phase = models.PhaseComment
	}
	a.DedupeKey = "test:" + a.Title
	id, _, err := f.store.UpsertActivity(ctx, a, models.ActivitySource{SourceID: src.ID,
		URL: "http://127.0.0.1:1/feed.xml", SnapshotSHA256: f.snapshot, RetrievedAt: testNow})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// feedFixture is the fixture with a hard-to-escape remote hearing, an
// all-day workshop and a cancelled meeting added.
func feedFixture(t *testing.T) (f *fixture, hearing, allDay, cancelled int64) {
	t.Helper()
	f = newFixture(t)
	start := testNow.Add(5 * 24 * time.Hour)
	hearing = addActivity(t, f, models.Activity{Type: models.TypePublicMeeting, Title: hardTitle, Description: hardDesc,
		URL: "https://education.example.gov/join?ids=1,2", Start: &start, End: ptr(start.Add(90 * time.Minute)),
		Remote: true, Location: "Room 5; State House, Columbus", Status: models.StatusScheduled})
	day := time.Date(2026, 12, 1, 0, 0, 0, 0, nyc)
	allDay = addActivity(t, f, models.Activity{Type: models.TypeFocusGroup, Title: "Two-day focus groups",
		Start: &day, End: ptr(time.Date(2026, 12, 2, 23, 59, 59, 0, nyc)), AllDay: true, Status: models.StatusScheduled})
	cancelled = addActivity(t, f, models.Activity{Type: models.TypeTownHall, Title: "Town hall in Dayton",
		Start: ptr(testNow.Add(9 * 24 * time.Hour)), Status: models.StatusCancelled})
	return f, hearing, allDay, cancelled
}

func TestUpcomingICS(t *testing.T) {
	f, hearing, allDay, cancelled := feedFixture(t)
	resp, body := f.get(t, "/states/OH/upcoming.ics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	resp2, body2 := f.get(t, "/states/OH/upcoming.ics")
	if !bytes.Equal(body, body2) || resp.Header.Get("ETag") == "" || resp.Header.Get("ETag") != resp2.Header.Get("ETag") {
		t.Errorf("two requests differ (ETags %q, %q): UIDs and DTSTAMPs must be stable",
			resp.Header.Get("ETag"), resp2.Header.Get("ETag"))
	}
	checkContentLines(t, body)
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "X-WR-CALNAME:Ohio: chances to be heard (Heard)\r\n"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("calendar lacks %q", want)
		}
	}
	if bytes.Contains(body, []byte("What we heard")) {
		t.Error("a past activity is in the calendar of upcoming ones")
	}

	p := gocal.NewParser(bytes.NewReader(body))
	p.Start, p.End = ptr(testNow.AddDate(-1, 0, 0)), ptr(testNow.AddDate(1, 0, 0))
	if err := p.Parse(); err != nil {
		t.Fatal(err)
	}
	events := map[string]gocal.Event{}
	for _, e := range p.Events {
		events[e.Uid] = e
	}
	uid := func(id int64) string { return "activity-" + strconv.FormatInt(id, 10) + "@heard" }
	if len(events) != 5 {
		t.Errorf("%d events (%v), want the listening session, comment period, hearing, focus groups and cancelled town hall", len(events), events)
	}

	e, ok := events[uid(hearing)]
	if !ok {
		t.Fatalf("no event %s", uid(hearing))
	}
	start := testNow.Add(5 * 24 * time.Hour)
	if e.Summary != hardTitle {
		t.Errorf("summary %q, want %q", e.Summary, hardTitle)
	}
	if got := strings.ReplaceAll(e.Description, `\n`, "\n"); !strings.Contains(got, hardDesc) ||
		!strings.Contains(got, "Source: https://education.example.gov/join?ids=1,2") ||
		!strings.Contains(got, "Join or register: https://education.example.gov/join?ids=1,2") {
		t.Errorf("description does not round-trip:\n%s", got)
	}
	if strings.Contains(e.Description, "demonstration data") || strings.HasPrefix(e.Summary, "[Demo]") {
		t.Error("real activity labelled as demo")
	}
	if !e.Start.Equal(start) || !e.End.Equal(start.Add(90*time.Minute)) || e.Start.Location() != time.UTC {
		t.Errorf("times %v – %v, want %v in UTC", e.Start, e.End, start)
	}
	if e.Location != "Room 5; State House, Columbus" || e.URL != "https://education.example.gov/join?ids=1,2" || e.Status != "CONFIRMED" {
		t.Errorf("location %q, url %q, status %q", e.Location, e.URL, e.Status)
	}

	e = events[uid(allDay)]
	if e.RawStart.Params["VALUE"] != "DATE" || e.RawStart.Value != "20261201" || e.RawEnd.Value != "20261203" {
		t.Errorf("all-day event: start %+v end %+v, want dates 20261201 to 20261203 (exclusive)", e.RawStart, e.RawEnd)
	}
	if e = events[uid(cancelled)]; e.Status != "CANCELLED" {
		t.Errorf("cancelled meeting: status %q", e.Status)
	}
	if e = events[uid(f.activity)]; !strings.HasPrefix(e.Summary, "[Demo] ") || !strings.Contains(e.Description, "demonstration data") {
		t.Errorf("demo activity not labelled: %q / %q", e.Summary, e.Description)
	}
}

// checkContentLines holds a calendar to RFC 5545 §3.1: CRLF line ends,
// lines of at most 75 octets, never a UTF-8 sequence split by folding.
func checkContentLines(t *testing.T, body []byte) {
	t.Helper()
	if !bytes.HasSuffix(body, []byte("\r\n")) {
		t.Error("calendar does not end in CRLF")
	}
	folded := 0
	for i, line := range strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i+1, line)
		}
		if strings.HasPrefix(line, " ") {
			folded++
		}
	}
	if folded == 0 {
		t.Error("no line was folded; the test data should need folding")
	}
}

func TestICSFolding(t *testing.T) {
	for _, value := range []string{
		strings.Repeat("é", 100),
		strings.Repeat("a", 74) + "€" + strings.Repeat("b", 200),
		"short",
		strings.Repeat("x", 69), // exactly 75 with "SUMMARY:"... minus one
	} {
		var w icsWriter
		w.raw("SUMMARY", value)
		out := w.buf.String()
		for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(line) > 75 || !utf8.ValidString(line) {
				t.Errorf("bad line %q (%d octets)", line, len(line))
			}
		}
		if got := strings.ReplaceAll(out, "\r\n ", ""); got != "SUMMARY:"+value+"\r\n" {
			t.Errorf("unfolding gives %q", got)
		}
	}
	var w icsWriter
	w.text("DESCRIPTION", "a,b;c\\d\r\ne\nf\x00g")
	if got, want := w.buf.String(), `DESCRIPTION:a\,b\;c\\d\ne\nf g`+"\r\n"; got != want {
		t.Errorf("escaped %q, want %q", got, want)
	}
}

func TestFeedAtom(t *testing.T) {
	f, hearing, _, cancelled := feedFixture(t)
	resp, body := f.get(t, "/states/OH/feed.atom")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	for _, want := range []string{`<feed xmlns="http://www.w3.org/2005/Atom">`,
		`<link rel="self" type="application/atom+xml" href="` + f.srv.URL + `/states/OH/feed.atom">`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("feed lacks %s", want)
		}
	}
	feed, err := gofeed.NewParser().ParseString(string(body))
	if err != nil {
		t.Fatal(err)
	}
	if feed.FeedType != "atom" || !strings.Contains(feed.Title, "Ohio") || feed.UpdatedParsed == nil || feed.Link != f.srv.URL+"/states/OH" {
		t.Errorf("feed head: type %s title %q updated %v link %q", feed.FeedType, feed.Title, feed.UpdatedParsed, feed.Link)
	}
	acts, _, err := f.store.Activities(context.Background(), models.ActivityFilter{Jurisdiction: "OH"})
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != len(acts) || len(acts) != 6 {
		t.Fatalf("%d entries, want all %d activities", len(feed.Items), len(acts))
	}
	byID := map[string]models.Activity{}
	for _, a := range acts {
		byID[uuid5("heard:activity:"+strconv.FormatInt(a.ID, 10))] = a
	}
	seen := map[string]bool{}
	for i, it := range feed.Items {
		a, ok := byID[it.GUID]
		if !ok || seen[it.GUID] || !strings.HasPrefix(it.GUID, "urn:uuid:") {
			t.Errorf("entry %d: id %q unknown or repeated", i, it.GUID)
			continue
		}
		seen[it.GUID] = true
		if it.UpdatedParsed == nil || !it.UpdatedParsed.Equal(a.UpdatedAt.Truncate(time.Second)) {
			t.Errorf("%s: updated %v, want %v", a.Title, it.UpdatedParsed, a.UpdatedAt)
		}
		if i > 0 && feed.Items[i-1].UpdatedParsed.Before(*it.UpdatedParsed) {
			t.Errorf("entry %d is newer than the one before it", i)
		}
		if len(it.Authors) == 0 || it.Authors[0].Name != "Heard" {
			t.Errorf("%s: authors %v", a.Title, it.Authors)
		}
		wantLink := "http://127.0.0.1:1/feed.xml"
		if a.ID == hearing {
			wantLink = "https://education.example.gov/join?ids=1,2"
		}
		if it.Link != wantLink {
			t.Errorf("%s: link %q, want %q", a.Title, it.Link, wantLink)
		}
		if a.Demo != strings.HasPrefix(it.Title, "[Demo] ") || a.Demo != strings.Contains(it.Description, "demonstration data") {
			t.Errorf("%s: demo %v, but title %q, summary %q", a.Title, a.Demo, it.Title, it.Description)
		}
		if a.ID == hearing && (it.Title != hardTitle || !strings.Contains(it.Description, hardDesc)) {
			t.Errorf("hearing: title %q, summary %q", it.Title, it.Description)
		}
		if a.ID == cancelled && !strings.Contains(it.Title, "Cancelled: ") {
			t.Errorf("cancelled entry title %q", it.Title)
		}
	}
	_, again := f.get(t, "/states/OH/feed.atom")
	if !bytes.Equal(body, again) {
		t.Error("the feed changed between two requests")
	}
}

func TestAtomDocumentKeepsNewest(t *testing.T) {
	var acts []models.Activity
	for i := range 60 {
		acts = append(acts, models.Activity{ID: int64(i + 1), Title: fmt.Sprint("Activity ", i+1), Type: models.TypeWebinar,
			UpdatedAt: testNow.Add(time.Duration(i) * time.Hour), FirstSeen: testNow})
	}
	sum := models.ScoreSummary{Jurisdiction: models.Jurisdiction{Code: "OH", Name: "Ohio"}}
	body, err := atomDocument(sum, acts, "https://heard.example")
	if err != nil {
		t.Fatal(err)
	}
	feed, err := gofeed.NewParser().ParseString(string(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(feed.Items) != atomLimit || feed.Items[0].Title != "Activity 60" || feed.Items[atomLimit-1].Title != "Activity 11" {
		t.Errorf("%d entries from %q to %q, want the newest 50", len(feed.Items), feed.Items[0].Title, feed.Items[len(feed.Items)-1].Title)
	}
	if !feed.UpdatedParsed.Equal(testNow.Add(59 * time.Hour)) {
		t.Errorf("feed updated %v, want its newest entry's", feed.UpdatedParsed)
	}
	empty, err := atomDocument(sum, nil, "https://heard.example")
	if err != nil {
		t.Fatal(err)
	}
	if feed, err := gofeed.NewParser().ParseString(string(empty)); err != nil || feed.UpdatedParsed == nil {
		t.Errorf("an empty feed: %v, %s", err, empty)
	}
}

// badgeDoc is what a badge must decode to.
type badgeDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2000/svg svg"`
	Role    string   `xml:"role,attr"`
	Title   string   `xml:"title"`
	Texts   []string `xml:"text"`
}

// wellFormed reads every token of an XML document and the element names in it.
func wellFormed(t *testing.T, body []byte) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(body))
	var names []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, body)
		}
		if s, ok := tok.(xml.StartElement); ok {
			names = append(names, s.Name.Local)
		}
	}
}

func TestBadge(t *testing.T) {
	f := newFixture(t)
	var card struct {
		Data scorecardJSON `json:"data"`
	}
	f.getJSON(t, "/api/v1/jurisdictions/OH/scorecard", http.StatusOK, &card)
	for _, tt := range []struct{ path, title, text string }{
		{"/states/OH/badge.svg", fmt.Sprintf("Ohio: %s, %.0f/100", card.Data.LevelLabel, *card.Data.Overall), "Heard OH"},
		{"/states/TX/badge.svg", "Texas: Not yet scored", "Heard TX"},
	} {
		resp, body := f.get(t, tt.path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" {
			t.Fatalf("%s: status %d, type %q", tt.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		for _, name := range wellFormed(t, body) {
			switch name {
			case "svg", "title", "rect", "text":
			default:
				t.Errorf("%s: element <%s> in a badge", tt.path, name)
			}
		}
		var doc badgeDoc
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Role != "img" || doc.Title != tt.title || len(doc.Texts) != 2 || doc.Texts[0] != tt.text {
			t.Errorf("%s: role %q title %q texts %q; want title %q", tt.path, doc.Role, doc.Title, doc.Texts, tt.title)
		}
		if bytes.Contains(bytes.ToLower(body), []byte("<script")) || bytes.Contains(body, []byte("href")) {
			t.Errorf("%s: badge holds a script or a link", tt.path)
		}
	}
}

func TestBadgeEscapesText(t *testing.T) {
	overall := 88.0
	sum := models.ScoreSummary{Jurisdiction: models.Jurisdiction{Code: "ZZ", Name: `<script>alert("x")</script> & Co`},
		Overall: &overall, Coverage: &overall, Level: models.LevelExemplary}
	var buf bytes.Buffer
	if err := xml.NewEncoder(&buf).Encode(newBadge(sum)); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, buf.Bytes())
	if bytes.Contains(buf.Bytes(), []byte("<script")) {
		t.Errorf("unescaped name: %s", buf.Bytes())
	}
	var doc badgeDoc
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Title != sum.Name+": Exemplary, 88/100" {
		t.Errorf("title %q (%v)", doc.Title, err)
	}
}

// TestBadgeContrast holds every level's badge text to WCAG AA (4.5:1).
func TestBadgeContrast(t *testing.T) {
	for _, l := range models.Levels {
		c, ok := levelColours[l]
		if !ok {
			t.Errorf("no badge colours for %s", l)
			continue
		}
		if r := contrast(c.Fill, c.Text); r < 4.5 {
			t.Errorf("%s: %s on %s has contrast %.2f", l, c.Text, c.Fill, r)
		}
	}
	if r := contrast(badgeInk, "#ffffff"); r < 4.5 {
		t.Errorf("state code contrast %.2f", r)
	}
}

func contrast(a, b string) float64 {
	lum := func(hex string) float64 {
		v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
		ch := func(c uint64) float64 {
			s := float64(c) / 255
			if s <= 0.03928 {
				return s / 12.92
			}
			return math.Pow((s+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(v>>16&0xff) + 0.7152*ch(v>>8&0xff) + 0.0722*ch(v&0xff)
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

func TestWidget(t *testing.T) {
	f, _, _, _ := feedFixture(t)
	var card struct {
		Data scorecardJSON `json:"data"`
	}
	f.getJSON(t, "/api/v1/jurisdictions/OH/scorecard", http.StatusOK, &card)
	resp, body := f.get(t, "/states/OH/widget")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if xfo := resp.Header.Get("X-Frame-Options"); xfo != "" {
		t.Errorf("widget sends X-Frame-Options %q", xfo)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") || strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("widget CSP %q must allow framing", csp)
	}
	page := string(body)
	for _, want := range []string{"<h1>", ">Ohio</a>", card.Data.LevelLabel, "level-" + string(card.Data.Level),
		"Coverage: ", "Listening session for parents &amp; teachers", "Public comment on the draft plan", "25 days left", "closes <time datetime=\"2026-12-17T07:00:00-05:00\">Thu, Dec 17, 2026, 7:00 a.m. EST</time>",
		`href="/static/widget.css"`, `<a href="/states/OH" target="_top">Full scorecard</a>`, "Demonstration data",
		"join or register"} {
		if !strings.Contains(page, want) {
			t.Errorf("widget lacks %q", want)
		}
	}
	if n := strings.Count(page, "<li>"); n != 3 {
		t.Errorf("widget lists %d chances, want the next 3", n)
	}
	for _, unwanted := range []string{`class="site"`, "<script", `src="http`, "style="} {
		if strings.Contains(page, unwanted) {
			t.Errorf("widget holds %q", unwanted)
		}
	}
	resp, body = f.get(t, "/static/widget.css")
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(".level-strong")) {
		t.Errorf("widget stylesheet: %d", resp.StatusCode)
	}
}

func TestStatePageUpcomingAndShare(t *testing.T) {
	f, _, _, _ := feedFixture(t)
	_, body := f.get(t, "/states/OH")
	page := string(body)
	for _, want := range []string{
		`<link rel="alternate" type="application/atom+xml"`, `href="/states/OH/feed.atom"`,
		`<link rel="canonical" href="` + f.srv.URL + `/states/OH">`,
		`href="/states/OH/upcoming.ics"`, "25 days left",
		`<a href="https://education.example.gov/join?ids=1,2" rel="nofollow">join or register</a>`,
		"Fri, Nov 27, 2026, 7:00 a.m. EST", // the hearing
		"Share and embed", `<img src="/states/OH/badge.svg" alt="Ohio: `,
		"&lt;iframe src=&#34;" + f.srv.URL + "/states/OH/widget&#34;", "&lt;img src=&#34;" + f.srv.URL + "/states/OH/badge.svg&#34;",
		`class="rationale"`, `class="timeline"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("state page lacks %q", want)
		}
	}
	if strings.Contains(page, "Town hall in Dayton") && strings.Index(page, "Town hall in Dayton") < strings.Index(page, "criteria-h") {
		t.Error("a cancelled meeting is listed as a chance to be heard")
	}
	_, css := f.get(t, "/static/style.css")
	if !regexp.MustCompile(`(?s)@media print \{.*\.share.*\.timeline|@media print \{.*\.timeline.*\.share`).Match(css) {
		t.Error("print styles do not hide the timeline and the embed section")
	}
}

func TestChancesCountDaysInTheJurisdictionsZone(t *testing.T) {
	period := func(start, end time.Time) models.Activity {
		return models.Activity{Type: models.TypeCommentPeriod, Start: &start, End: &end}
	}
	// 6 p.m. in New York is already tomorrow in UTC.
	now := time.Date(2026, 11, 22, 18, 0, 0, 0, nyc)
	past := now.AddDate(0, 0, -3)
	for _, tt := range []struct {
		a    models.Activity
		want string
	}{
		{period(past, time.Date(2026, 11, 22, 22, 0, 0, 0, nyc)), "closes today"},
		{period(past, time.Date(2026, 11, 23, 0, 30, 0, 0, nyc)), "1 day left"},
		{period(past, time.Date(2026, 12, 2, 9, 0, 0, 0, nyc)), "10 days left"},
		{period(now.Add(time.Hour), now.AddDate(0, 1, 0)), "opens today"},
		{period(now.AddDate(0, 0, 4), now.AddDate(0, 1, 0)), "opens in 4 days"},
		{models.Activity{Type: models.TypeWebinar, Start: &now, End: &now}, ""},
	} {
		if got := chances("en", []models.Activity{tt.a}, nyc, now.UTC())[0].Countdown; got != tt.want {
			t.Errorf("%v – %v: %q, want %q", tt.a.Start, tt.a.End, got, tt.want)
		}
	}
	remote := chances("en", []models.Activity{{Remote: true, URL: "javascript:alert(1)"}, {Remote: true, URL: "https://x.example/j"}}, nyc, now)
	if remote[0].JoinURL != "" || remote[1].JoinURL != "https://x.example/j" {
		t.Errorf("join links %q, %q", remote[0].JoinURL, remote[1].JoinURL)
	}
}

func TestFeedsOfUnknownStates(t *testing.T) {
	f := newFixture(t)
	for _, suffix := range []string{"/upcoming.ics", "/feed.atom", "/badge.svg", "/widget"} {
		resp, body := f.get(t, "/states/ZZ"+suffix)
		if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "Not found") {
			t.Errorf("ZZ%s: status %d", suffix, resp.StatusCode)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("ZZ%s: Cache-Control %q", suffix, cc)
		}
		resp, _ = f.get(t, "/states/oh"+suffix)
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/states/OH"+suffix {
			t.Errorf("oh%s: status %d at %s, want a redirect to /states/OH%s", suffix, resp.StatusCode, resp.Request.URL.Path, suffix)
		}
	}
}
