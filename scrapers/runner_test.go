package scrapers

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"heard/models"
	"heard/models/modeltest"
)

// testExtract is a stand-in for Extract: every item is a public meeting,
// keyed by its GUID or link, except items about menus.
func testExtract(it Item, j models.Jurisdiction, _ time.Time) (models.Activity, bool) {
	if strings.Contains(strings.ToLower(it.Title), "menu") {
		return models.Activity{}, false
	}
	key := "guid:" + it.GUID
	if it.GUID == "" {
		key = "link:" + it.Link
	}
	return models.Activity{
		Jurisdiction: j.Code, DedupeKey: key, Type: models.TypePublicMeeting,
		Title: it.Title, Description: it.Description, URL: it.Link, TimeZone: j.TimeZone,
		Phase: models.PhasePreDraft, Status: models.StatusUnknown,
	}, true
}

// fakeSite serves one body at any path, with a switchable status and ETag.
type fakeSite struct {
	mu          sync.Mutex
	body        string
	contentType string
	status      int
	etag        string
	hits        int
	lastINM     string
}

func (s *fakeSite) set(fn func(s *fakeSite)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

// seen returns how often the site was hit and the last If-None-Match.
func (s *fakeSite) seen() (hits int, ifNoneMatch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits, s.lastINM
}

func (s *fakeSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits++
	s.lastINM = r.Header.Get("If-None-Match")
	if s.status != 0 && s.status != http.StatusOK {
		http.Error(w, "site trouble", s.status)
		return
	}
	if s.etag != "" {
		w.Header().Set("ETag", s.etag)
		if s.lastINM == s.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", cmp.Or(s.contentType, "application/rss+xml; charset=utf-8"))
	fmt.Fprint(w, s.body)
}

type entry struct{ guid, title, desc string }

// rssOf writes a feed of entries, each linked to /e/<guid>.
func rssOf(entries ...entry) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>`)
	for _, e := range entries {
		fmt.Fprintf(&b, `<item><guid>%s</guid><title>%s</title><link>/e/%s</link><description>%s</description></item>`,
			e.guid, html.EscapeString(e.title), e.guid, html.EscapeString(e.desc))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// testClock is an injected clock that moves only when told.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time          { return c.t }
func (c *testClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newTestClock() *testClock {
	return &testClock{t: time.Now().UTC().Truncate(time.Second).Add(time.Minute)}
}

// runnerEnv is a runner over a fresh database, a fake site and a clock.
type runnerEnv struct {
	store  *models.Store
	runner *Runner
	clock  *testClock
	site   *fakeSite
	url    string
	logs   *bytes.Buffer
}

func newRunnerEnv(t *testing.T, opts FetcherOptions) *runnerEnv {
	t.Helper()
	store := modeltest.NewStore(t)
	site := &fakeSite{}
	srv := newTestServer(t, site.ServeHTTP)
	env := &runnerEnv{store: store, clock: newTestClock(), site: site, url: srv.URL, logs: &bytes.Buffer{}}
	// The fake site listens on 127.0.0.1 and counts every request, so no
	// address guard, robots.txt or rate limit; retries stay, but quick.
	opts.AllowPrivateNetworks, opts.IgnoreRobots, opts.HostInterval = true, true, -1
	if opts.RetryBase == 0 {
		opts.RetryBase = time.Millisecond
	}
	env.runner = &Runner{
		Store:   store,
		Fetcher: NewFetcher(opts),
		Extract: testExtract,
		Now:     env.clock.now,
		Log:     slog.New(slog.NewTextHandler(env.logs, nil)),
	}
	return env
}

// guid is the dedupe key of an item with the GUID, scoped to the site.
func (e *runnerEnv) guid(g string) string {
	return sourceScopedKey("guid:"+g, e.url)
}

// addSource registers a source on the fake site.
func (e *runnerEnv) addSource(t *testing.T, kind models.SourceKind, path, settings string) models.Source {
	t.Helper()
	src, err := e.store.UpsertSource(context.Background(), models.Source{
		Jurisdiction: "MN", Kind: kind, URL: e.url + path, Name: path,
		Settings: []byte(cmp.Or(settings, "{}")), Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// source reloads a source as stored.
func (e *runnerEnv) source(t *testing.T, id int64) models.Source {
	t.Helper()
	srcs, err := e.store.Sources(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("source %d not found", id)
	return models.Source{}
}

func (e *runnerEnv) activities(t *testing.T) map[string]models.Activity {
	t.Helper()
	acts, _, err := e.store.Activities(context.Background(), models.ActivityFilter{Jurisdiction: "MN", IncludeRejected: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]models.Activity{}
	for _, a := range acts {
		out[a.DedupeKey] = a
	}
	return out
}

func (e *runnerEnv) lastFetch(t *testing.T, sourceID int64) models.Fetch {
	t.Helper()
	fs, err := e.store.FetchesBySource(context.Background(), sourceID, 1)
	if err != nil || len(fs) != 1 {
		t.Fatalf("last fetch: %v %v", fs, err)
	}
	return fs[0]
}

func (e *runnerEnv) lastRun(t *testing.T, sourceID int64) models.ScrapeRun {
	t.Helper()
	runs, err := e.store.ScrapeRunsBySource(context.Background(), sourceID, 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("last run: %v %v", runs, err)
	}
	return runs[0]
}

type counts struct{ found, inserted, updated, unchanged int }

func checkRun(t *testing.T, run models.ScrapeRun, status string, want counts) {
	t.Helper()
	got := counts{run.Found, run.Inserted, run.Updated, run.Unchanged}
	if run.Status != status || got != want {
		t.Errorf("run %d: status %q counts %+v (error %q), want %q %+v", run.ID, run.Status, got, run.Error, status, want)
	}
	if run.FinishedAt == nil {
		t.Errorf("run %d not finished", run.ID)
	}
}

func TestRunSourceLifecycle(t *testing.T) {
	ctx := context.Background()
	env := newRunnerEnv(t, FetcherOptions{})
	feed := []entry{
		{"m1", "Listening session in Duluth", "March 19, 6 p.m."},
		{"m2", "Town hall in Rochester", "April 2, 5:30 p.m."},
		{"m3", "Family webinar", "Online, May 8"},
		{"m4", "Lunch menu", "Tacos"}, // dropped by the extractor
	}
	env.site.set(func(s *fakeSite) { s.body = rssOf(feed...) })
	src := env.addSource(t, models.KindRSS, "/feed.xml", "")
	src.Demo = true

	// First run: everything is new.
	run, err := env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, run, "ok", counts{3, 3, 0, 0})
	checkRun(t, env.lastRun(t, src.ID), "ok", counts{3, 3, 0, 0})
	if run.Jurisdiction != "MN" || run.SourceID != src.ID {
		t.Errorf("run = %+v", run)
	}
	body := rssOf(feed...)
	sha := models.SHA256Hex([]byte(body))
	snap, err := env.store.SnapshotBySHA256(ctx, sha)
	if err != nil {
		t.Fatalf("snapshot of the feed: %v", err)
	}
	if snap.MediaType != "application/rss+xml" || !strings.Contains(snap.Text, "Town hall in Rochester") || !strings.Contains(snap.Text, "Tacos") {
		t.Errorf("snapshot = %q %q", snap.MediaType, snap.Text)
	}
	f := env.lastFetch(t, src.ID)
	if f.StatusCode != 200 || f.SHA256 == nil || *f.SHA256 != sha || f.Bytes != len(body) || f.Error != "" ||
		f.ScrapeRunID == nil || *f.ScrapeRunID != run.ID || f.FinalURL != src.URL {
		t.Errorf("fetch = %+v", f)
	}
	first := env.activities(t)
	if len(first) != 3 {
		t.Fatalf("got %d activities, want 3", len(first))
	}
	for key, a := range first {
		if len(a.Sources) != 1 {
			t.Fatalf("%s: %d sources, want 1", key, len(a.Sources))
		}
		p := a.Sources[0]
		if p.SourceID != src.ID || p.SnapshotSHA256 != sha || p.URL != src.URL || p.Note != a.URL || !p.RetrievedAt.Equal(env.clock.t) {
			t.Errorf("%s: provenance %+v", key, p)
		}
		if !a.Demo || !a.FirstSeen.Equal(env.clock.t) {
			t.Errorf("%s: demo %v first seen %v", key, a.Demo, a.FirstSeen)
		}
	}
	if a := first[env.guid("m2")]; a.URL != env.url+"/e/m2" || a.TimeZone != "America/Chicago" {
		t.Errorf("m2 = %+v", a)
	}

	// Second run, same body: nothing changes but last_seen.
	env.clock.advance(time.Hour)
	run, err = env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, run, "ok", counts{3, 0, 0, 3})
	second := env.activities(t)
	for key, a := range second {
		if first[key].ID != a.ID || !a.LastSeen.Equal(env.clock.t) || len(a.Sources) != 1 {
			t.Errorf("%s after an unchanged run: id %d (was %d), last seen %v, %d sources", key, a.ID, first[key].ID, a.LastSeen, len(a.Sources))
		}
	}

	// Third run: one description changed.
	feed[1].desc = "April 2, 6:30 p.m. (time changed)"
	env.site.set(func(s *fakeSite) { s.body = rssOf(feed...) })
	env.clock.advance(time.Hour)
	run, err = env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, run, "ok", counts{3, 0, 1, 2})
	third := env.activities(t)
	m2 := third[env.guid("m2")]
	if len(third) != 3 || m2.ID != first[env.guid("m2")].ID || m2.Description != feed[1].desc || len(m2.Sources) != 2 {
		t.Errorf("after an update: %d activities, m2 = %+v", len(third), m2)
	}

	// Fourth run: the site fails. Nothing stored changes.
	env.site.set(func(s *fakeSite) { s.status = http.StatusInternalServerError })
	env.clock.advance(time.Hour)
	run, err = env.runner.RunSource(ctx, src)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 500 {
		t.Fatalf("err = %v, want a 500 StatusError", err)
	}
	checkRun(t, run, "failed", counts{})
	if stored := env.lastRun(t, src.ID); stored.Status != "failed" || !strings.Contains(stored.Error, "500") || stored.ID != run.ID {
		t.Errorf("stored run = %+v", stored)
	}
	f = env.lastFetch(t, src.ID)
	if f.StatusCode != 500 || f.SHA256 != nil || f.Bytes == 0 || !strings.Contains(f.Error, "500") || *f.ScrapeRunID != run.ID {
		t.Errorf("failed fetch = %+v", f)
	}
	stored := env.source(t, src.ID)
	if stored.ConsecutiveFailures != 1 || !strings.Contains(stored.LastError, "500") {
		t.Errorf("source after failure: %d failures, last error %q", stored.ConsecutiveFailures, stored.LastError)
	}
	after := env.activities(t)
	for key, a := range third {
		b := after[key]
		if b.ID != a.ID || b.ContentHash != a.ContentHash || !b.LastSeen.Equal(a.LastSeen) || len(b.Sources) != len(a.Sources) {
			t.Errorf("%s changed by a failed run: %+v", key, b)
		}
	}

	// Fifth run: the site is back, the failure count clears.
	env.site.set(func(s *fakeSite) { s.status = 0 })
	env.clock.advance(time.Hour)
	if _, err := env.runner.RunSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	if stored := env.source(t, src.ID); stored.ConsecutiveFailures != 0 || stored.LastError != "" || stored.LastSuccessAt == nil {
		t.Errorf("source after recovery: %+v", stored)
	}

	if n := strings.Count(env.logs.String(), "msg=\"scrape run"); n != 5 {
		t.Errorf("logged %d run lines for 5 runs:\n%s", n, env.logs)
	}
}

func TestRunSourceNotModified(t *testing.T) {
	ctx := context.Background()
	env := newRunnerEnv(t, FetcherOptions{})
	env.site.set(func(s *fakeSite) { s.body, s.etag = rssOf(entry{"a", "Survey opens", "x"}), `"v1"` })
	src := env.addSource(t, models.KindRSS, "/feed.xml", "")

	run, err := env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, run, "ok", counts{1, 1, 0, 0})
	src = env.source(t, src.ID)
	if src.ETag != `"v1"` {
		t.Fatalf("etag not kept: %q", src.ETag)
	}

	run, err = env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, run, "ok", counts{})
	if _, inm := env.site.seen(); inm != `"v1"` {
		t.Errorf("If-None-Match sent = %q", inm)
	}
	f := env.lastFetch(t, src.ID)
	if f.StatusCode != 304 || f.SHA256 != nil || f.Error != "" || *f.ScrapeRunID != run.ID {
		t.Errorf("304 fetch = %+v", f)
	}
	if s := env.source(t, src.ID); s.ETag != `"v1"` || s.ConsecutiveFailures != 0 {
		t.Errorf("source after 304: %+v", s)
	}
	if n := len(env.activities(t)); n != 1 {
		t.Errorf("%d activities after 304, want 1", n)
	}
}

func TestRunSourceFailures(t *testing.T) {
	tests := []struct {
		name      string
		kind      models.SourceKind
		settings  string
		body      string
		wantErr   string
		wantIs    error
		wantFetch bool // a fetch row is recorded
		wantHits  int
	}{
		{"oversized body", models.KindRSS, "", strings.Repeat("<!-- padding -->", 100), "too large", ErrTooLarge, true, 1},
		{"malformed feed", models.KindRSS, "", "<rss><channel><item>", "parse feed", nil, true, 1},
		{"html without item selector", models.KindHTML, "", "<p>hi</p>", "no item selector", nil, true, 1},
		{"bad settings", models.KindHTML, "", "", "source settings", nil, false, 0},
		{"truncated calendar", models.KindICal, "", "BEGIN:VCALENDAR", "parse ical", nil, true, 1},
		{"malformed pdf", models.KindPDF, "", "%PDF-1.4 garbage", "unreadable PDF", ErrBadPDF, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			env := newRunnerEnv(t, FetcherOptions{MaxBytes: 1000})
			env.site.set(func(s *fakeSite) { s.body = tt.body })
			src := env.addSource(t, tt.kind, "/x", tt.settings)
			if tt.name == "bad settings" {
				src.Settings = []byte(`{"item": 7}`)
			}
			run, err := env.runner.RunSource(ctx, src)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want %v", err, tt.wantIs)
			}
			checkRun(t, run, "failed", counts{})
			if stored := env.lastRun(t, src.ID); stored.Status != "failed" || !strings.Contains(stored.Error, tt.wantErr) {
				t.Errorf("stored run = %+v", stored)
			}
			fetches, err := env.store.FetchesBySource(ctx, src.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			if (len(fetches) == 1) != tt.wantFetch || len(fetches) > 1 {
				t.Fatalf("%d fetches recorded, want one: %v", len(fetches), tt.wantFetch)
			}
			if tt.wantFetch && (!strings.Contains(fetches[0].Error, tt.wantErr) || fetches[0].SHA256 != nil || fetches[0].StatusCode != 200) {
				t.Errorf("fetch = %+v", fetches[0])
			}
			if hits, _ := env.site.seen(); hits != tt.wantHits {
				t.Errorf("site hit %d times, want %d", hits, tt.wantHits)
			}
			if s := env.source(t, src.ID); s.ConsecutiveFailures != 1 || !strings.Contains(s.LastError, tt.wantErr) {
				t.Errorf("source = %d failures, %q", s.ConsecutiveFailures, s.LastError)
			}
			if n := len(env.activities(t)); n != 0 {
				t.Errorf("%d activities stored by a failed run", n)
			}
			if _, err := env.store.SnapshotBySHA256(ctx, models.SHA256Hex([]byte(tt.body))); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("snapshot of a failed run stored: %v", err)
			}
		})
	}
}

func TestRunSourceHTMLDuplicateKeys(t *testing.T) {
	ctx := context.Background()
	env := newRunnerEnv(t, FetcherOptions{})
	page := `<html><body><ul>
		<li><a href="/meetings">Regional meeting, Bemidji</a></li>
		<li><a href="/meetings">Regional meeting, Mankato</a></li>
		<li><a href="/meetings">Regional meeting, Bemidji</a></li>
		<li><a href="/survey">Family survey</a></li>
	</ul></body></html>`
	env.site.set(func(s *fakeSite) { s.body, s.contentType = page, "text/html" })
	src := env.addSource(t, models.KindHTML, "/events", `{"item": "li"}`)

	run, err := env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, run, "ok", counts{3, 3, 0, 0})
	acts := env.activities(t)
	// Two items share a link and neither is stored yet: both are keyed by
	// their title and start, whatever their order on the page.
	keyOf := func(title string) string {
		return "link:" + env.url + "/meetings#" + models.SHA256Hex([]byte(identity(models.Activity{Title: title})))[:8]
	}
	for _, key := range []string{keyOf("Regional meeting, Bemidji"), keyOf("Regional meeting, Mankato"), "link:" + env.url + "/survey"} {
		if _, ok := acts[key]; !ok {
			t.Errorf("no activity %q in %v", key, acts)
		}
	}
	snap, err := env.store.SnapshotBySHA256(ctx, models.SHA256Hex([]byte(page)))
	if err != nil || snap.MediaType != "text/html" || !strings.Contains(snap.Text, "Regional meeting, Mankato Regional") {
		t.Errorf("snapshot = %+v, %v", snap, err)
	}

	// The same page again keeps the same keys: nothing new.
	env.clock.advance(time.Hour)
	run, err = env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, run, "ok", counts{3, 0, 0, 3})
}

func TestRunDue(t *testing.T) {
	ctx := context.Background()
	env := newRunnerEnv(t, FetcherOptions{})
	env.site.set(func(s *fakeSite) { s.body = rssOf(entry{"a", "Listening session", "x"}) })
	due := env.addSource(t, models.KindRSS, "/due.xml", "")
	broken := env.addSource(t, models.KindPDF, "/due.pdf", "") // due, and fails
	later := env.addSource(t, models.KindRSS, "/later.xml", "")
	off := env.addSource(t, models.KindRSS, "/off.xml", "")
	off.Enabled = false
	if _, err := env.store.UpsertSource(ctx, off); err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.DB().ExecContext(ctx,
		`UPDATE sources SET next_fetch_at = $2 WHERE id = $1`, later.ID, env.clock.t.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}

	runs, err := env.runner.RunDue(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, r := range runs {
		got[r.SourceID] = r.Status
	}
	want := map[int64]string{due.ID: "ok", broken.ID: "failed"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("RunDue ran %v, want %v", got, want)
	}

	runs, err = env.runner.RunDue(ctx, 10)
	if err != nil || len(runs) != 0 {
		t.Errorf("a second RunDue at the same moment ran %v (%v)", runs, err)
	}

	runs, err = env.runner.RunAll(ctx, "mn")
	if err != nil || len(runs) != 3 {
		t.Errorf("RunAll ran %d sources (%v), want the 3 enabled", len(runs), err)
	}
	runs, err = env.runner.RunAll(ctx, "WI")
	if err != nil || len(runs) != 0 {
		t.Errorf("RunAll of another state ran %v (%v)", runs, err)
	}
}

func TestRunDueStopsWhenCancelled(t *testing.T) {
	env := newRunnerEnv(t, FetcherOptions{})
	env.addSource(t, models.KindRSS, "/a.xml", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	runs, err := env.runner.RunDue(ctx, 10)
	if !errors.Is(err, context.Canceled) || len(runs) != 0 {
		t.Errorf("RunDue with a cancelled context: %v, %v", runs, err)
	}
}

func TestAssignKeys(t *testing.T) {
	env := newRunnerEnv(t, FetcherOptions{})
	ctx := context.Background()
	day := func(d int) *time.Time { t := time.Date(2027, 1, d, 18, 0, 0, 0, time.UTC); return &t }
	suffix := func(title string, start *time.Time) string {
		return "#" + models.SHA256Hex([]byte(identity(models.Activity{Title: title, Start: start})))[:8]
	}
	type in struct {
		key, title string
		start      *time.Time
	}
	tests := []struct {
		name  string
		items []in
		want  []string // "" for a duplicate
	}{
		{"distinct keys kept", []in{{"a", "A", nil}, {"b", "B", nil}}, []string{"a", "b"}},
		{"same item twice", []in{{"a", "A", day(1)}, {"a", "A", day(1)}}, []string{"a", ""}},
		{"same link and title, other dates", []in{{"a", "Board meeting", day(14)}, {"a", "Board meeting", day(21)}},
			[]string{"a" + suffix("Board meeting", day(14)), "a" + suffix("Board meeting", day(21))}},
		{"order does not matter", []in{{"a", "Board meeting", day(21)}, {"a", "Board meeting", day(14)}},
			[]string{"a" + suffix("Board meeting", day(21)), "a" + suffix("Board meeting", day(14))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []*found
			for _, it := range tt.items {
				items = append(items, &found{activity: models.Activity{DedupeKey: it.key, Title: it.title, Start: it.start}})
			}
			if err := env.store.InTx(ctx, func(tx *models.Store) error { return assignKeys(ctx, tx, "MN", items) }); err != nil {
				t.Fatal(err)
			}
			for i, f := range items {
				got := f.activity.DedupeKey
				if f.duplicate {
					got = ""
				}
				if got != tt.want[i] {
					t.Errorf("item %d: key %q, want %q", i, got, tt.want[i])
				}
			}
		})
	}
}

// TestAssignKeysKeepsStoredOwner: when a second item starts sharing a key,
// the activity already stored under it keeps the key and so its id.
func TestAssignKeysKeepsStoredOwner(t *testing.T) {
	env := newRunnerEnv(t, FetcherOptions{})
	env.site.set(func(s *fakeSite) {
		s.contentType = "text/html"
		s.body = `<ul><li class="m"><a href="/board">Board meeting</a> <time datetime="2027-01-14T18:00:00Z">Jan 14</time></li></ul>`
	})
	env.runner.Extract = func(it Item, j models.Jurisdiction, now time.Time) (models.Activity, bool) {
		a, ok := testExtract(it, j, now)
		if t, err := time.Parse(time.RFC3339, it.DateText); err == nil {
			a.Start = &t
		}
		return a, ok
	}
	src := env.addSource(t, models.KindHTML, "/meetings", `{"item": "li.m"}`)
	ctx := context.Background()
	if _, err := env.runner.RunSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	first := env.activities(t)["link:"+env.url+"/board"]
	env.site.set(func(s *fakeSite) {
		s.body = `<ul><li class="m"><a href="/board">Board meeting</a> <time datetime="2027-02-11T18:00:00Z">Feb 11</time></li>
			<li class="m"><a href="/board">Board meeting</a> <time datetime="2027-01-14T18:00:00Z">Jan 14</time></li></ul>`
	})
	env.clock.advance(time.Hour)
	run, err := env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, run, "ok", counts{2, 1, 0, 1})
	if again := env.activities(t)["link:"+env.url+"/board"]; again.ID != first.ID || !again.Start.Equal(*first.Start) {
		t.Errorf("the stored meeting lost its key: %+v, was %+v", again, first)
	}
}
