package scrapers

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"heard/models"
)

// pages is a fixture site serving a body per path, switchable mid-test.
type pages struct {
	mu    sync.Mutex
	paths map[string]string
	types map[string]string
}

func (p *pages) set(path, contentType, body string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paths[path], p.types[path] = body, contentType
}

func (p *pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	body, ok := p.paths[r.URL.Path]
	ct := p.types[r.URL.Path]
	p.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Write([]byte(body))
}

// newPagesEnv is a runner env whose site serves per-path pages.
func newPagesEnv(t *testing.T) (*runnerEnv, *pages) {
	t.Helper()
	env := newRunnerEnv(t, FetcherOptions{})
	site := &pages{paths: map[string]string{}, types: map[string]string{}}
	env.url = newTestServer(t, site.ServeHTTP).URL
	return env, site
}

// startsExtract is testExtract with the feed's pubDate as the start, so
// that items can be upcoming.
func startsExtract(it Item, j models.Jurisdiction, now time.Time) (models.Activity, bool) {
	a, ok := testExtract(it, j, now)
	if it.Published != nil {
		a.Start = it.Published
		a.Status = models.StatusHeld
		if it.Published.After(now) {
			a.Status = models.StatusScheduled
		}
	}
	return a, ok
}

func feedWithDates(now time.Time, items ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>`)
	for i, title := range items {
		when := now.Add(time.Duration(i+1) * 24 * time.Hour).Format(time.RFC1123Z)
		b.WriteString(`<item><guid>` + title + `</guid><title>` + title + `</title><pubDate>` + when + `</pubDate></item>`)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

func TestRunnerFollowsDetailPages(t *testing.T) {
	ctx := context.Background()
	env, site := newPagesEnv(t)
	site.set("/meetings", "text/html", `<ul>
		<li class="m"><a href="/detail/1">Listening session in Duluth</a></li>
		<li class="m"><a href="/detail/2">Listening session in Bemidji</a></li>
		<li class="m"><a href="/elsewhere">Board agenda</a></li></ul>`)
	site.set("/detail/1", "text/html", `<html><nav>menu</nav><main>Thursday, March 4, 6-8 p.m., Duluth library. Spanish interpretation.</main></html>`)
	// /detail/2 is missing: a warning, not a failed run.
	src := env.addSource(t, models.KindHTML, "/meetings", `{"item": "li.m", "follow": "/detail/", "detail": "main"}`)
	run, err := env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, run, "ok", counts{3, 3, 0, 0})
	if len(run.Warnings) != 1 || !strings.Contains(run.Warnings[0], "/detail/2") {
		t.Errorf("warnings %q, want one about /detail/2", run.Warnings)
	}
	acts := env.activities(t)
	duluth := acts["link:"+env.url+"/detail/1"]
	if !strings.Contains(duluth.Description, "March 4, 6-8 p.m., Duluth library") || strings.Contains(duluth.Description, "menu") {
		t.Errorf("the detail page's main text was not added: %q", duluth.Description)
	}
	if len(duluth.Sources) != 2 {
		t.Fatalf("sources %+v, want the list page and the detail page", duluth.Sources)
	}
	var detailSnap string
	for _, s := range duluth.Sources {
		if s.URL == env.url+"/detail/1" {
			detailSnap = s.SnapshotSHA256
		}
	}
	snap, err := env.store.SnapshotBySHA256(ctx, detailSnap)
	if err != nil || !strings.Contains(string(snap.Body), "Duluth library") {
		t.Errorf("detail snapshot %q: %v", snap.Body, err)
	}
	if b := acts["link:"+env.url+"/detail/2"]; len(b.Sources) != 1 {
		t.Errorf("an item whose detail page failed keeps its list source only: %+v", b.Sources)
	}
	fetches, err := env.store.FetchesBySource(ctx, src.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	purposes := map[string]int{}
	for _, f := range fetches {
		purposes[f.Purpose]++
		if f.URL == env.url+"/detail/2" && (f.StatusCode != 404 || f.Error == "") {
			t.Errorf("failed detail fetch recorded as %+v", f)
		}
	}
	if purposes["source"] != 1 || purposes["detail"] != 2 {
		t.Errorf("fetch purposes %v, want 1 source and 2 detail", purposes)
	}
}

func TestRunnerCancelsVanishedAndWarnsOnEmpty(t *testing.T) {
	ctx := context.Background()
	env, site := newPagesEnv(t)
	env.runner.Extract = startsExtract
	now := env.clock.now()
	site.set("/feed", "application/rss+xml", feedWithDates(now, "alpha", "beta", "gamma"))
	// Feeds drop old items as new ones come: this one says its listing is
	// complete.
	src := env.addSource(t, models.KindRSS, "/feed", `{"cancel_vanished": true}`)
	if _, err := env.runner.RunSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	plain := env.addSource(t, models.KindRSS, "/feed?plain", "")
	if _, err := env.runner.RunSource(ctx, plain); err != nil {
		t.Fatal(err)
	}

	// beta disappears from the feed: cancelled, not deleted.
	env.clock.advance(time.Hour)
	site.set("/feed", "application/rss+xml", feedWithDates(now, "alpha", "gamma"))
	run, err := env.runner.RunSource(ctx, plain)
	if err != nil {
		t.Fatal(err)
	}
	if run.Cancelled != 0 {
		t.Fatalf("a feed cancelled what scrolled off it: %+v", run)
	}
	run, err = env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if run.Cancelled != 1 || run.Found != 2 {
		t.Fatalf("run %+v, want 2 found and 1 cancelled", run)
	}
	acts := env.activities(t)
	if len(acts) != 3 || acts[env.guid("beta")].Status != models.StatusCancelled || acts[env.guid("alpha")].Status != models.StatusScheduled {
		t.Fatalf("statuses after beta vanished: %v", acts)
	}

	// A feed that suddenly yields nothing warns and cancels nothing.
	env.clock.advance(time.Hour)
	site.set("/feed", "application/rss+xml", feedWithDates(now))
	run, err = env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if run.Cancelled != 0 || len(run.Warnings) != 1 || !strings.Contains(run.Warnings[0], "previous run yielded 2") {
		t.Fatalf("empty run %+v, want a warning and no cancellation", run)
	}
	if stored := env.lastRun(t, src.ID); len(stored.Warnings) != 1 {
		t.Errorf("warning not stored: %+v", stored)
	}
	if acts := env.activities(t); acts[env.guid("alpha")].Status != models.StatusScheduled {
		t.Errorf("an empty page cancelled alpha")
	}
	health, err := env.store.SourcesHealth(ctx, "MN")
	if err != nil || health[0].Health != models.HealthWarning {
		t.Errorf("health %+v (%v), want warning", health, err)
	}

	// beta comes back: same id, restored.
	env.clock.advance(time.Hour)
	site.set("/feed", "application/rss+xml", feedWithDates(now, "alpha", "beta", "gamma"))
	if _, err := env.runner.RunSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	back := env.activities(t)[env.guid("beta")]
	if back.ID != acts[env.guid("beta")].ID || back.Status != models.StatusScheduled {
		t.Errorf("beta back as %+v, want id %d scheduled", back, acts[env.guid("beta")].ID)
	}
}

func TestRunnerDisablesFailingSource(t *testing.T) {
	ctx := context.Background()
	env, _ := newPagesEnv(t) // every path 404s
	env.runner.MaxFailures = 2
	src := env.addSource(t, models.KindRSS, "/gone.xml", "")
	for i := range 2 {
		if _, err := env.runner.RunSource(ctx, src); err == nil {
			t.Fatalf("run %d succeeded against a 404", i+1)
		}
	}
	stored := env.source(t, src.ID)
	if stored.Enabled || stored.ConsecutiveFailures != 2 {
		t.Errorf("after 2 failures: enabled=%v failures=%d", stored.Enabled, stored.ConsecutiveFailures)
	}
	if runs, err := env.runner.RunAll(ctx, "MN"); err != nil || len(runs) != 0 {
		t.Errorf("RunAll ran a disabled source: %v %v", runs, err)
	}
}

func TestRunnerReadsCalendarsAndPDFs(t *testing.T) {
	requirePDFTool(t)
	ctx := context.Background()
	env, site := newPagesEnv(t)
	env.runner.Extract = Extract
	ics, err := os.ReadFile("testdata/ical/comment_period.ics")
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := os.ReadFile("testdata/pdf/comment_notice.pdf")
	if err != nil {
		t.Fatal(err)
	}
	site.set("/calendar.ics", "text/calendar", string(ics))
	site.set("/notice.pdf", "application/pdf", string(pdf))
	env.clock.t = time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)

	cal := env.addSource(t, models.KindICal, "/calendar.ics", "")
	run, err := env.runner.RunSource(ctx, cal)
	if err != nil {
		t.Fatal(err)
	}
	if run.Inserted == 0 {
		t.Fatalf("calendar run %+v inserted nothing", run)
	}
	var period *models.Activity
	for _, a := range env.activities(t) {
		if a.Type == models.TypeCommentPeriod {
			period = &a
		}
	}
	if period == nil || period.Start == nil || period.Start.Format("2006-01-02") != "2027-01-15" || !period.AllDay {
		t.Fatalf("comment period from the calendar: %+v", period)
	}

	doc := env.addSource(t, models.KindPDF, "/notice.pdf", "")
	if _, err := env.runner.RunSource(ctx, doc); err != nil {
		t.Fatal(err)
	}
	f := env.lastFetch(t, doc.ID)
	snap, err := env.store.SnapshotBySHA256(ctx, *f.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if snap.MediaType != "application/pdf" || !strings.HasPrefix(snap.Extractor, "pdftotext ") || !strings.Contains(snap.Text, "omment") {
		t.Errorf("PDF snapshot: media %q extractor %q text %.80q", snap.MediaType, snap.Extractor, snap.Text)
	}
}

func TestRunnerRecordsRobotsAndHonoursIt(t *testing.T) {
	ctx := context.Background()
	env, site := newPagesEnv(t)
	env.runner.Fetcher = NewFetcher(FetcherOptions{AllowPrivateNetworks: true, HostInterval: -1, RetryBase: time.Millisecond})
	site.set("/robots.txt", "text/plain", "User-agent: *\nDisallow: /private\n")
	site.set("/feed", "application/rss+xml", rssOf(entry{"a", "Listening session", "x"}))
	site.set("/private/feed", "application/rss+xml", rssOf(entry{"b", "Secret", "y"}))

	open := env.addSource(t, models.KindRSS, "/feed", "")
	if _, err := env.runner.RunSource(ctx, open); err != nil {
		t.Fatal(err)
	}
	fetches, err := env.store.FetchesBySource(ctx, open.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	byPurpose := map[string]models.Fetch{}
	for _, f := range fetches {
		byPurpose[f.Purpose] = f
	}
	if rb, ok := byPurpose["robots"]; !ok || rb.StatusCode != 200 || rb.URL != env.url+"/robots.txt" || rb.Bytes == 0 {
		t.Errorf("robots.txt fetch not recorded: %+v", fetches)
	}

	closed := env.addSource(t, models.KindRSS, "/private/feed", "")
	_, err = env.runner.RunSource(ctx, closed)
	if !errors.Is(err, ErrDisallowedByRobots) {
		t.Fatalf("err = %v, want ErrDisallowedByRobots", err)
	}
	f := env.lastFetch(t, closed.ID)
	if f.Purpose != "source" || f.StatusCode != 0 || !strings.Contains(f.Error, "robots") || f.Attempts != 0 {
		t.Errorf("refused fetch recorded as %+v", f)
	}
	if all, _ := env.store.FetchesBySource(ctx, closed.ID, 10); len(all) != 1 {
		t.Errorf("robots.txt was fetched again instead of cached: %+v", all)
	}
	if acts := env.activities(t); len(acts) != 1 {
		t.Errorf("activities %v, want only the open feed's", acts)
	}
}

func TestRunnerPublishedDateAndSourceContext(t *testing.T) {
	ctx := context.Background()
	env, site := newPagesEnv(t)
	env.runner.Extract = Extract
	env.clock.t = time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
	// A news list dated by posting day, and a table whose rows only make
	// sense under the page's heading.
	site.set("/news", "text/html", `<ul><li class="n"><time class="posted" datetime="2027-01-05">Posted Jan. 5</time>
		<a href="/n/1">Evening webinar for families on the ESSA state plan</a>
		<p>Join us Wednesday, February 3, 2027, 6:30-7:30 p.m. on Zoom.</p></li></ul>`)
	site.set("/forums", "text/html", `<h1>Community forums</h1><table>
		<tr class="r"><td>Fresno</td><td>March 4, 2027, 6-8 p.m.</td></tr>
		<tr class="r"><td>Redding</td><td>March 9, 2027, 6-8 p.m.</td></tr></table>`)
	news := env.addSource(t, models.KindHTML, "/news", `{"item": "li.n", "published": "time.posted", "description": "p"}`)
	if _, err := env.runner.RunSource(ctx, news); err != nil {
		t.Fatal(err)
	}
	var webinar models.Activity
	for _, a := range env.activities(t) {
		webinar = a
	}
	if webinar.Start == nil || webinar.Start.Format("2006-01-02 15:04") != "2027-02-03 18:30" {
		t.Fatalf("webinar start %v, want Feb 3 6:30 p.m. from the text, not the posting date", webinar.Start)
	}

	bare := env.addSource(t, models.KindHTML, "/forums", `{"item": "tr.r", "title": "td"}`)
	run, err := env.runner.RunSource(ctx, bare)
	if err != nil {
		t.Fatal(err)
	}
	if run.Found != 0 {
		t.Fatalf("rows without context were kept: %+v", run)
	}
	withContext := env.addSource(t, models.KindHTML, "/forums?ctx",
		`{"item": "tr.r", "title": "td", "context": "ESSA state plan community forums for parents and the public"}`)
	site.set("/forums", "text/html", `<h1>Community forums</h1><table>
		<tr class="r"><td>Fresno</td><td>March 4, 2027, 6-8 p.m.</td></tr>
		<tr class="r"><td>Redding</td><td>March 9, 2027, 6-8 p.m.</td></tr></table>`)
	run, err = env.runner.RunSource(ctx, withContext)
	if err != nil {
		t.Fatal(err)
	}
	if run.Found != 2 {
		t.Fatalf("rows with the source's context: %+v, want 2 found", run)
	}
	for _, a := range env.activities(t) {
		if a.Title == "Fresno" && (a.Type != models.TypeTownHall || !a.HasGroup(models.GroupParents)) {
			t.Errorf("Fresno read as %s with groups %v", a.Type, a.AudienceGroups)
		}
	}
}

// TestRunnerKeepsDetailWhenDetailPageFails: a detail page that fails this
// time does not reduce what was read from it before.
func TestRunnerKeepsDetailWhenDetailPageFails(t *testing.T) {
	ctx := context.Background()
	env, site := newPagesEnv(t)
	site.set("/meetings", "text/html", `<ul><li class="m"><a href="/detail/1">Listening session</a></li></ul>`)
	site.set("/detail/1", "text/html", `<main>March 4, 6-8 p.m. Spanish interpretation.</main>`)
	src := env.addSource(t, models.KindHTML, "/meetings", `{"item": "li.m", "follow": "/detail/"}`)
	if _, err := env.runner.RunSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	before := env.activities(t)["link:"+env.url+"/detail/1"]

	site.mu.Lock()
	delete(site.paths, "/detail/1") // now 404s
	site.mu.Unlock()
	env.clock.advance(time.Hour)
	run, err := env.runner.RunSource(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	checkRun(t, run, "ok", counts{1, 0, 0, 1})
	after := env.activities(t)["link:"+env.url+"/detail/1"]
	if after.ID != before.ID || after.Description != before.Description || !strings.Contains(after.Description, "interpretation") {
		t.Errorf("description went from %q to %q", before.Description, after.Description)
	}
	if !after.LastSeen.After(before.LastSeen) {
		t.Errorf("last seen not moved: %v", after.LastSeen)
	}
	if f, _ := env.store.FetchesBySource(ctx, src.ID, 10); len(f) != 4 {
		t.Errorf("%d fetch rows, want 4 (two list pages, two detail pages)", len(f))
	}
}

// TestRunnerInterruptedRunIsNoFailure: a run cut short by shutdown leaves no
// strike against the source, which is due again at once.
func TestRunnerInterruptedRunIsNoFailure(t *testing.T) {
	env, _ := newPagesEnv(t)
	release := make(chan struct{})
	slow := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	env.url = slow.URL
	src := env.addSource(t, models.KindRSS, "/feed", "")
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	run, err := env.runner.RunSource(ctx, src)
	if !errors.Is(err, context.Canceled) || run.Status != "failed" {
		t.Fatalf("run %+v err %v, want a failed run for the cancellation", run, err)
	}
	stored := env.source(t, src.ID)
	if stored.ConsecutiveFailures != 0 || stored.NextFetchAt.After(env.clock.now()) {
		t.Errorf("after an interrupted run: failures %d, next fetch %v (now %v)", stored.ConsecutiveFailures, stored.NextFetchAt, env.clock.now())
	}
}

// TestRunnerCapsRetryAfter: a server asking to be left alone for years
// gets the longest backoff, not the years.
func TestRunnerCapsRetryAfter(t *testing.T) {
	env, _ := newPagesEnv(t)
	busy := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "999999999")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	env.url = busy.URL
	src := env.addSource(t, models.KindRSS, "/feed", "")
	if _, err := env.runner.RunSource(context.Background(), src); err == nil {
		t.Fatal("a 503 run succeeded")
	}
	next := env.source(t, src.ID).NextFetchAt
	if want := env.clock.now().Add(models.MaxBackoff); !next.Equal(want) {
		t.Errorf("next fetch %v, want %v (the longest backoff)", next, want)
	}
}
