package handlers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"heard/models"
	"heard/models/modeltest"
	"heard/scrapers"
)

// newSourcesFixture is a staff fixture whose handler has the options opts
// makes for its store, so that "run now" can be backed by a real runner.
func newSourcesFixture(t *testing.T, opts func(store *models.Store) Options) *staffFixture {
	t.Helper()
	store := modeltest.NewStore(t)
	for _, r := range models.Roles {
		if _, err := store.AddUser(context.Background(), string(r)+"@example.org", r, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	o := opts(store)
	o.Now = func() time.Time { return testNow }
	h, err := New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewEngine(h))
	t.Cleanup(srv.Close)
	return &staffFixture{srv: srv, store: store, h: h}
}

// withChecker gives the handler the scrapers' own settings check.
func withChecker(*models.Store) Options { return Options{CheckSettings: scrapers.CheckSettings} }

// runnerFor runs sources the way cmd does, with a real runner whose fetcher
// may reach the loopback test site.
func runnerFor(store *models.Store) SourceRunner {
	runner := &scrapers.Runner{
		Store: store,
		Fetcher: scrapers.NewFetcher(scrapers.FetcherOptions{AllowPrivateNetworks: true, IgnoreRobots: true,
			HostInterval: -1, MaxRetries: -1}),
		Extract: scrapers.Extract,
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	return func(ctx context.Context, id int64) (models.ScrapeRun, error) {
		src, err := store.SourceByID(ctx, id)
		if err != nil {
			return models.ScrapeRun{}, err
		}
		return runner.RunSource(ctx, src)
	}
}

func addSource(t *testing.T, store *models.Store, code string, kind models.SourceKind, url string) models.Source {
	t.Helper()
	src, err := store.AddSource(context.Background(), models.Source{Jurisdiction: code, Kind: kind, URL: url,
		Name: "Source " + url, Enabled: true, FetchIntervalSec: 3600})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// finishedRun records a finished run of the source.
func finishedRun(t *testing.T, store *models.Store, sourceID int64, status string) models.ScrapeRun {
	t.Helper()
	ctx := context.Background()
	run, err := store.StartScrapeRun(ctx, sourceID, testNow)
	if err != nil {
		t.Fatal(err)
	}
	done := testNow.Add(time.Second)
	run.Status, run.FinishedAt = status, &done
	if status == "failed" {
		run.Error = "HTTP 503"
	}
	if err := store.FinishScrapeRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	return run
}

// sourceList is the body of GET /api/v1/staff/sources.
type sourceList struct {
	Data []models.SourceOverview `json:"data"`
	Meta listMeta                `json:"meta"`
}

// decode unmarshals a response body, failing the test when it is not JSON.
func decode(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
}

func TestStaffSourcesList(t *testing.T) {
	f := newStaffFixture(t, false)
	ctx := context.Background()
	running := addSource(t, f.store, "OH", models.KindRSS, "https://education.example.gov/oh/news.rss")
	finishedRun(t, f.store, running.ID, "ok")
	failing := addSource(t, f.store, "OH", models.KindRSS, "https://education.example.gov/oh/board.rss")
	finishedRun(t, f.store, failing.ID, "failed")
	if _, err := f.store.RecordSourceFailure(ctx, failing.ID, "HTTP 503", 0, testNow); err != nil {
		t.Fatal(err)
	}
	off := addSource(t, f.store, "VT", models.KindICal, "https://education.example.gov/vt/events.ics")
	if _, err := f.store.SetSourceEnabled(ctx, off.ID, false); err != nil {
		t.Fatal(err)
	}
	viewer := f.login(t, "viewer@example.org", nil)

	if resp, body := f.do(t, "GET", "/api/v1/staff/sources", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: %d %s, want 401", resp.StatusCode, body)
	}
	resp, body := f.do(t, "GET", "/api/v1/staff/sources", "", viewer)
	var all sourceList
	decode(t, body, &all)
	if resp.StatusCode != 200 || all.Meta.Total != 3 || len(all.Data) != 3 || all.Meta.PerPage != 50 {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("staff list Cache-Control %q, want no-store", cc)
	}
	for _, s := range all.Data {
		want := map[int64]models.SourceBadge{running.ID: models.BadgeRunning, failing.ID: models.BadgeFailing,
			off.ID: models.BadgeDisabled}[s.ID]
		if s.Health != want || s.FetchIntervalSec != 3600 || string(s.Settings) != "{}" {
			t.Errorf("source %d: %+v, want badge %q with its settings and schedule", s.ID, s, want)
		}
	}
	// The raw JSON carries the badge, settings, schedule and latest run.
	for _, part := range []string{`"health":"failing"`, `"settings":{}`, `"fetch_interval_seconds":3600`,
		`"next_fetch_at":`, `"last_run":{`, `"disabled_reason":"disabled by hand"`, `"last_error":"HTTP 503"`} {
		if !strings.Contains(body, part) {
			t.Errorf("list lacks %s: %s", part, body)
		}
	}

	for _, tt := range []struct {
		query string
		ids   []int64
		total int
	}{
		{"?health=failing", []int64{failing.ID}, 1},
		{"?health=running&state=oh", []int64{running.ID}, 1},
		{"?health=disabled", []int64{off.ID}, 1},
		{"?state=vt", []int64{off.ID}, 1},
		{"?per_page=2&page=2", []int64{off.ID}, 3},
		{"?per_page=2&page=9", nil, 3},
		{"?state=CA", nil, 0},
	} {
		resp, body := f.do(t, "GET", "/api/v1/staff/sources"+tt.query, "", viewer)
		var got sourceList
		decode(t, body, &got)
		var ids []int64
		for _, s := range got.Data {
			ids = append(ids, s.ID)
		}
		if resp.StatusCode != 200 || got.Meta.Total != tt.total || len(ids) != len(tt.ids) || (len(ids) > 0 && ids[0] != tt.ids[0]) {
			t.Errorf("%s: %d ids %v total %d, want %v total %d", tt.query, resp.StatusCode, ids, got.Meta.Total, tt.ids, tt.total)
		}
		if !strings.Contains(body, `"data":[`) {
			t.Errorf("%s: data is not a list: %s", tt.query, body)
		}
	}

	// Every bad parameter is named at once.
	resp, body = f.do(t, "GET", "/api/v1/staff/sources?health=ok&state=XX&per_page=0", "", viewer)
	var e struct{ Error apiError }
	decode(t, body, &e)
	if resp.StatusCode != http.StatusBadRequest || e.Error.Fields["health"] == "" || e.Error.Fields["state"] == "" ||
		e.Error.Fields["per_page"] == "" {
		t.Errorf("bad filters: %d %s, want 400 naming health, state and per_page", resp.StatusCode, body)
	}
}

func TestStaffSourceDetailAndFetches(t *testing.T) {
	f := newStaffFixture(t, false)
	ctx := context.Background()
	src := addSource(t, f.store, "OH", models.KindRSS, "https://education.example.gov/oh/news.rss")
	quiet := addSource(t, f.store, "OH", models.KindRSS, "https://education.example.gov/oh/quiet.rss")
	key, err := f.store.PutSnapshot(ctx, models.Snapshot{MediaType: "application/rss+xml", Body: []byte("<rss/>")})
	if err != nil {
		t.Fatal(err)
	}
	var lastRun models.ScrapeRun
	for i := range 25 {
		run := finishedRun(t, f.store, src.ID, "ok")
		lastRun = run
		fetch := models.Fetch{SourceID: src.ID, ScrapeRunID: &run.ID, URL: src.URL, FinalURL: src.URL + "?v=2",
			StatusCode: 200, StartedAt: testNow.Add(time.Duration(i) * time.Minute), DurationMS: 40, Bytes: 6, Attempts: 1}
		if i%2 == 0 {
			fetch.SHA256 = &key
		} else {
			fetch.StatusCode, fetch.Error, fetch.Attempts = 503, "HTTP 503", 3
		}
		if _, err := f.store.InsertFetch(ctx, fetch); err != nil {
			t.Fatal(err)
		}
	}
	viewer := f.login(t, "viewer@example.org", nil)

	resp, body := f.do(t, "GET", "/api/v1/staff/sources/"+itoa(src.ID), "", viewer)
	var detail struct{ Data sourceDetailJSON }
	decode(t, body, &detail)
	d := detail.Data
	if resp.StatusCode != 200 || d.Source.ID != src.ID || d.Source.Health != models.BadgeRunning ||
		len(d.Runs) != 20 || d.Runs[0].ID != lastRun.ID || len(d.Fetches) != 20 ||
		d.FetchesMeta != (listMeta{Page: 1, PerPage: 20, Total: 25}) {
		t.Fatalf("detail: %d %s", resp.StatusCode, body)
	}
	// Newest first: the 25th fetch (i = 24) kept its body.
	newest := d.Fetches[0]
	if !newest.StartedAt.Equal(testNow.Add(24*time.Minute)) || newest.SnapshotURL == nil ||
		*newest.SnapshotURL != "/api/v1/snapshots/"+key || d.Fetches[1].SnapshotURL != nil || d.Fetches[1].Error != "HTTP 503" {
		t.Errorf("detail fetches %+v, %+v", newest, d.Fetches[1])
	}
	// The snapshot link leads to the body.
	if resp, snap := f.do(t, "GET", *newest.SnapshotURL, "", nil); resp.StatusCode != 200 || snap != "<rss/>" {
		t.Errorf("snapshot link: %d %q", resp.StatusCode, snap)
	}

	resp, body = f.do(t, "GET", "/api/v1/staff/sources/"+itoa(src.ID)+"/fetches?per_page=10&page=3", "", viewer)
	var page struct {
		Data []fetchJSON `json:"data"`
		Meta listMeta    `json:"meta"`
	}
	decode(t, body, &page)
	if resp.StatusCode != 200 || page.Meta != (listMeta{Page: 3, PerPage: 10, Total: 25}) || len(page.Data) != 5 ||
		!page.Data[4].StartedAt.Equal(testNow) {
		t.Errorf("fetches page 3: %d %s", resp.StatusCode, body)
	}
	for _, part := range []string{`"url":`, `"final_url":`, `"status_code":503`, `"purpose":"source"`, `"attempts":3`,
		`"duration_ms":40`, `"bytes":6`, `"sha256":"` + key, `"snapshot_url":"/api/v1/snapshots/`, `"error":"HTTP 503"`} {
		if !strings.Contains(body, part) {
			t.Errorf("fetches lack %s: %s", part, body)
		}
	}
	resp, body = f.do(t, "GET", "/api/v1/staff/sources/"+itoa(quiet.ID)+"/fetches", "", viewer)
	if resp.StatusCode != 200 || !strings.Contains(body, `"data":[]`) || !strings.Contains(body, `"total":0`) {
		t.Errorf("a source never fetched: %d %s, want an empty list", resp.StatusCode, body)
	}

	for _, tt := range []struct {
		path   string
		status int
		field  string
	}{
		{"/api/v1/staff/sources/999999", 404, ""},
		{"/api/v1/staff/sources/999999/fetches", 404, ""},
		{"/api/v1/staff/sources/abc", 400, "id"},
		{"/api/v1/staff/sources/0/fetches", 400, "id"},
		{"/api/v1/staff/sources/" + itoa(src.ID) + "/fetches?per_page=500", 400, "per_page"},
	} {
		resp, body := f.do(t, "GET", tt.path, "", viewer)
		if resp.StatusCode != tt.status || (tt.field != "" && !strings.Contains(body, `"`+tt.field+`"`)) {
			t.Errorf("%s: %d %s, want %d naming %q", tt.path, resp.StatusCode, body, tt.status, tt.field)
		}
	}
}

func TestStaffSourcePatch(t *testing.T) {
	f := newSourcesFixture(t, withChecker)
	ctx := context.Background()
	src := addSource(t, f.store, "OH", models.KindHTML, "https://education.example.gov/oh/events")
	editor := f.login(t, "editor@example.org", nil)
	viewer := f.login(t, "viewer@example.org", nil)
	path := "/api/v1/staff/sources/" + itoa(src.ID)

	for _, tt := range []struct {
		cookie *http.Cookie
		body   string
		status int
		fields []string
	}{
		{nil, `{"name":"x"}`, http.StatusUnauthorized, nil},
		{viewer, `{"name":"x"}`, http.StatusForbidden, nil},
		{editor, `{}`, http.StatusBadRequest, []string{"body"}},
		{editor, `not json`, http.StatusBadRequest, []string{"body"}},
		{editor, `{"name":"x"} {"name":"y"}`, http.StatusBadRequest, []string{"body"}},
		{editor, `{"nmae":"x"}`, http.StatusBadRequest, []string{"nmae"}},
		{editor, `{"enabled":"yes"}`, http.StatusBadRequest, []string{"enabled"}},
		{editor, `{"fetch_interval_seconds":"hourly"}`, http.StatusBadRequest, []string{"fetch_interval_seconds"}},
		{editor, `{"fetch_interval_seconds":60,"name":" "}`, http.StatusBadRequest, []string{"fetch_interval_seconds", "name"}},
		{editor, `{"settings":["li"]}`, http.StatusBadRequest, []string{"settings"}},
		{editor, `{"settings":null}`, http.StatusBadRequest, []string{"settings"}},
		{editor, `{"settings":{"item":"li[","follow":"("}}`, http.StatusBadRequest, []string{"settings.item", "settings.follow"}},
		{editor, `{"settings":{"title":"h3"}}`, http.StatusBadRequest, []string{"settings.item"}},
		{editor, `{"settings":{"item":"li","itme":"li"}}`, http.StatusBadRequest, []string{"settings.itme"}},
		{editor, `{"name":"` + strings.Repeat("x", maxSourcePatch) + `"}`, http.StatusBadRequest, []string{"body"}},
	} {
		resp, body := f.do(t, "PATCH", path, tt.body, tt.cookie)
		var e struct{ Error apiError }
		decode(t, body, &e)
		if resp.StatusCode != tt.status || len(e.Error.Fields) != len(tt.fields) {
			t.Errorf("PATCH %.80s: %d %s, want %d naming %v", tt.body, resp.StatusCode, body, tt.status, tt.fields)
			continue
		}
		for _, field := range tt.fields {
			if e.Error.Fields[field] == "" {
				t.Errorf("PATCH %.80s: %s does not name %s", tt.body, body, field)
			}
		}
	}
	if resp, _ := f.do(t, "PATCH", "/api/v1/staff/sources/999999", `{"name":"x"}`, editor); resp.StatusCode != 404 {
		t.Errorf("PATCH of a missing source: %d, want 404", resp.StatusCode)
	}
	if _, total, _ := f.store.AuditLog(ctx, 10, 0); total != 0 {
		t.Fatalf("refused edits left %d audit entries", total)
	}
	if got, _ := f.store.SourceByID(ctx, src.ID); got.Name != src.Name || !got.UpdatedAt.Equal(src.UpdatedAt) {
		t.Fatalf("refused edits changed the source: %+v", got)
	}

	resp, body := f.do(t, "PATCH", path, `{"name":"Events page","settings":{"item":"li.event","follow":"/events/\\d+"},
		"fetch_interval_seconds":1800,"enabled":false}`, editor)
	var got struct{ Data models.SourceOverview }
	decode(t, body, &got)
	if resp.StatusCode != 200 || got.Data.Name != "Events page" || got.Data.FetchIntervalSec != 1800 || got.Data.Enabled ||
		!got.Data.Verified || got.Data.Health != models.BadgeDisabled || got.Data.DisabledReason != "disabled by hand" ||
		!strings.Contains(string(got.Data.Settings), `"li.event"`) {
		t.Fatalf("edit: %d %s", resp.StatusCode, body)
	}
	stored, err := f.store.SourceByID(ctx, src.ID)
	if err != nil || stored.Name != "Events page" || stored.Enabled {
		t.Errorf("stored after the edit: %+v (%v)", stored, err)
	}
	log, total, err := f.store.AuditLog(ctx, 10, 0)
	if err != nil || total != 1 {
		t.Fatalf("audit log: %d entries (%v)", total, err)
	}
	var before, after models.Source
	if err := json.Unmarshal(log[0].Before, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(log[0].After, &after); err != nil {
		t.Fatal(err)
	}
	if log[0].Action != "source.update" || log[0].Actor != "editor@example.org" || log[0].Target != "source/"+itoa(src.ID) ||
		before.Name != src.Name || !before.Enabled || before.Verified || after.Name != "Events page" || after.Enabled ||
		after.FetchIntervalSec != 1800 || !after.Verified {
		t.Errorf("audit entry %+v\nbefore %+v\nafter %+v", log[0], before, after)
	}

	// Switched back on, by an admin: a clean slate.
	admin := f.login(t, "admin@example.org", nil)
	resp, body = f.do(t, "PATCH", path, `{"enabled":true}`, admin)
	decode(t, body, &got)
	if resp.StatusCode != 200 || !got.Data.Enabled || got.Data.Health != models.BadgeRunning || got.Data.DisabledReason != "" {
		t.Errorf("enable: %d %s", resp.StatusCode, body)
	}
}

// TestStaffSourcePatchWithoutChecker: a server that cannot check settings
// refuses to change them, but still edits the rest.
func TestStaffSourcePatchWithoutChecker(t *testing.T) {
	f := newStaffFixture(t, false)
	src := addSource(t, f.store, "OH", models.KindRSS, "https://education.example.gov/oh/news.rss")
	editor := f.login(t, "editor@example.org", nil)
	path := "/api/v1/staff/sources/" + itoa(src.ID)
	resp, body := f.do(t, "PATCH", path, `{"settings":{"keywords":["ESSA"]}}`, editor)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"unavailable"`) {
		t.Errorf("settings without a checker: %d %s, want 503", resp.StatusCode, body)
	}
	if resp, body := f.do(t, "PATCH", path, `{"verified":true}`, editor); resp.StatusCode != 200 || !strings.Contains(body, `"verified":true`) {
		t.Errorf("verified without a checker: %d %s", resp.StatusCode, body)
	}
}

const runFeed = `<?xml version="1.0"?>
<rss version="2.0"><channel><title>Department of Education news</title>
<item><guid>essa-1</guid><title>Listening session on the ESSA state plan for parents and teachers</title>
<description>Join a listening session on the draft ESSA state plan on March 3, 2027, 6-8 p.m. at the Capitol. Spanish interpretation provided.</description>
<link>https://example.org/news/1</link></item>
</channel></rss>`

func TestStaffSourceRun(t *testing.T) {
	var failing atomic.Bool
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "down for maintenance", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, runFeed)
	}))
	defer site.Close()
	f := newSourcesFixture(t, func(store *models.Store) Options { return Options{RunSource: runnerFor(store)} })
	ctx := context.Background()
	src := addSource(t, f.store, "VT", models.KindRSS, site.URL+"/feed.xml")
	editor := f.login(t, "editor@example.org", nil)
	viewer := f.login(t, "viewer@example.org", nil)
	path := "/api/v1/staff/sources/" + itoa(src.ID) + "/run"

	if resp, _ := f.do(t, "POST", path, "", viewer); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer ran a source: %d", resp.StatusCode)
	}
	if resp, _ := f.do(t, "POST", "/api/v1/staff/sources/999999/run", "", editor); resp.StatusCode != http.StatusNotFound {
		t.Errorf("running a missing source: %d, want 404", resp.StatusCode)
	}

	resp, body := f.do(t, "POST", path, "", editor)
	var got struct{ Data sourceRunJSON }
	decode(t, body, &got)
	run := got.Data.Run
	if resp.StatusCode != 200 || run.ID == 0 || run.Status != "ok" || run.Inserted != 1 ||
		got.Data.Source.LastRun == nil || got.Data.Source.LastRun.ID != run.ID || got.Data.Source.Health != models.BadgeRunning {
		t.Fatalf("run: %d %s", resp.StatusCode, body)
	}
	acts, total, err := f.store.Activities(ctx, models.ActivityFilter{Jurisdiction: "VT"})
	if err != nil || total != 1 || !strings.Contains(acts[0].Title, "Listening session") {
		t.Errorf("the run stored %d activities (%v), want the listening session", total, err)
	}
	log, n, err := f.store.AuditLog(ctx, 10, 0)
	if err != nil || n != 1 {
		t.Fatalf("audit after the run: %d entries (%v), want 1", n, err)
	}
	var summary models.ScrapeRun
	if err := json.Unmarshal(log[0].After, &summary); err != nil {
		t.Fatal(err)
	}
	if log[0].Action != "source.run" || log[0].Target != "source/"+itoa(src.ID) || log[0].Actor != "editor@example.org" ||
		string(log[0].Before) != "null" || summary.ID != run.ID || summary.Status != "ok" || summary.Inserted != 1 {
		t.Errorf("audit after the run: %+v, run %+v", log[0], summary)
	}

	// A failing site: the run is answered as failed, and the source shows it.
	failing.Store(true)
	resp, body = f.do(t, "POST", path, "", editor)
	decode(t, body, &got)
	if resp.StatusCode != 200 || got.Data.Run.Status != "failed" || !strings.Contains(got.Data.Run.Error, "500") ||
		got.Data.Source.Health != models.BadgeFailing || got.Data.Source.ConsecutiveFailures != 1 {
		t.Errorf("failed run: %d %s", resp.StatusCode, body)
	}
	if _, n, _ := f.store.AuditLog(ctx, 10, 0); n != 2 {
		t.Errorf("a failed run is audited too: %d entries, want 2", n)
	}

	// A disabled source is not run.
	if _, err := f.store.SetSourceEnabled(ctx, src.ID, false); err != nil {
		t.Fatal(err)
	}
	resp, body = f.do(t, "POST", path, "", editor)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "disabled by hand") {
		t.Errorf("running a disabled source: %d %s, want 409 saying why", resp.StatusCode, body)
	}
	if runs, _ := f.store.ScrapeRunsBySource(ctx, src.ID, 10); len(runs) != 2 {
		t.Errorf("%d runs, want the 2 asked for while enabled", len(runs))
	}
}

// TestStaffSourceRunUnavailable: without a runner, "run now" says so.
func TestStaffSourceRunUnavailable(t *testing.T) {
	f := newStaffFixture(t, false)
	src := addSource(t, f.store, "OH", models.KindRSS, "https://education.example.gov/oh/news.rss")
	editor := f.login(t, "editor@example.org", nil)
	resp, body := f.do(t, "POST", "/api/v1/staff/sources/"+itoa(src.ID)+"/run", "", editor)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "scheduler") {
		t.Errorf("run without a runner: %d %s, want 503", resp.StatusCode, body)
	}
	if _, n, _ := f.store.AuditLog(context.Background(), 10, 0); n != 0 {
		t.Errorf("an unavailable run was audited")
	}
}

// TestOpenAPIStaffSources validates real requests to the staff source API
// and their responses against openapi.yaml, and sees every one of its
// paths answer a success and an error.
func TestOpenAPIStaffSources(t *testing.T) {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, runFeed)
	}))
	defer site.Close()
	f := newSourcesFixture(t, func(store *models.Store) Options {
		return Options{RunSource: runnerFor(store), CheckSettings: scrapers.CheckSettings, RateLimit: -1}
	})
	ctx := context.Background()
	feed := addSource(t, f.store, "VT", models.KindRSS, site.URL+"/feed.xml")
	page := addSource(t, f.store, "OH", models.KindHTML, "https://education.example.gov/oh/events")
	off := addSource(t, f.store, "OH", models.KindPDF, "https://education.example.gov/oh/plan.pdf")
	if _, err := f.store.SetSourceEnabled(ctx, off.ID, false); err != nil {
		t.Fatal(err)
	}
	failing := addSource(t, f.store, "OH", models.KindICal, "https://education.example.gov/oh/events.ics")
	if _, err := f.store.RecordSourceFailure(ctx, failing.ID, "HTTP 503", 0, testNow); err != nil {
		t.Fatal(err)
	}
	editor := f.login(t, "editor@example.org", nil)
	viewer := f.login(t, "viewer@example.org", nil)
	s := newSpecChecker(t)
	feedPath := "/api/v1/staff/sources/" + itoa(feed.ID)
	pagePath := "/api/v1/staff/sources/" + itoa(page.ID)

	// A run first, so that sources, runs and fetches carry every field.
	s.do(t, f.srv.URL, apiCase{method: "POST", path: feedPath + "/run", cookie: editor, status: 200})
	for _, tc := range []apiCase{
		{path: "/api/v1/staff/sources", cookie: viewer, status: 200},
		{path: "/api/v1/staff/sources?state=oh&health=disabled&page=1&per_page=10", cookie: viewer, status: 200},
		{path: "/api/v1/staff/sources?health=running&page=5", cookie: viewer, status: 200},
		{path: "/api/v1/staff/sources?state=XX", cookie: viewer, status: 400},
		{path: "/api/v1/staff/sources?health=ok&per_page=0", cookie: viewer, status: 400, offSpec: true},
		{path: "/api/v1/staff/sources", status: 401},

		{path: feedPath, cookie: viewer, status: 200},
		{path: pagePath, cookie: viewer, status: 200},
		{path: "/api/v1/staff/sources/999999", cookie: viewer, status: 404},
		{path: "/api/v1/staff/sources/abc", cookie: viewer, status: 400, offSpec: true},
		{path: feedPath, status: 401},

		{path: feedPath + "/fetches", cookie: viewer, status: 200},
		{path: feedPath + "/fetches?page=2&per_page=1", cookie: viewer, status: 200},
		{path: "/api/v1/staff/sources/999999/fetches", cookie: viewer, status: 404},
		{path: feedPath + "/fetches?per_page=500", cookie: viewer, status: 400, offSpec: true},
		{path: feedPath + "/fetches", status: 401},

		{method: "PATCH", path: pagePath, cookie: editor, status: 200,
			body: `{"name":"Events","settings":{"item":"li.event","follow":"/events/\\d+"},"fetch_interval_seconds":1800}`},
		{method: "PATCH", path: pagePath, cookie: editor, status: 200, body: `{"enabled":false,"verified":false}`},
		{method: "PATCH", path: pagePath, cookie: editor, status: 400, body: `{"settings":{"item":"li["}}`},
		{method: "PATCH", path: pagePath, cookie: editor, status: 400, body: `{"nmae":"x"}`, offSpec: true},
		{method: "PATCH", path: pagePath, cookie: editor, status: 400, body: `{"fetch_interval_seconds":60}`, offSpec: true},
		{method: "PATCH", path: pagePath, cookie: editor, status: 400, body: `{}`, offSpec: true},
		{method: "PATCH", path: pagePath, cookie: viewer, status: 403, body: `{"name":"x"}`},
		{method: "PATCH", path: "/api/v1/staff/sources/999999", cookie: editor, status: 404, body: `{"name":"x"}`},

		{method: "POST", path: "/api/v1/staff/sources/" + itoa(off.ID) + "/run", cookie: editor, status: 409},
		{method: "POST", path: feedPath + "/run", cookie: viewer, status: 403},
		{method: "POST", path: "/api/v1/staff/sources/999999/run", cookie: editor, status: 404},
		{method: "POST", path: "/api/v1/staff/sources/0/run", cookie: editor, status: 400, offSpec: true},
	} {
		s.do(t, f.srv.URL, tc)
	}

	// A server without a runner or a settings check says so.
	bare := newStaffFixture(t, false)
	bareSrc := addSource(t, bare.store, "OH", models.KindRSS, "https://education.example.gov/oh/news.rss")
	bareEditor := bare.login(t, "editor@example.org", nil)
	barePath := "/api/v1/staff/sources/" + itoa(bareSrc.ID)
	s.do(t, bare.srv.URL, apiCase{method: "POST", path: barePath + "/run", cookie: bareEditor, status: 503})
	s.do(t, bare.srv.URL, apiCase{method: "PATCH", path: barePath, cookie: bareEditor, status: 503,
		body: `{"settings":{"keywords":["ESSA"]}}`})

	for path := range s.doc.Paths.Map() {
		if !strings.HasPrefix(path, "/api/v1/staff/sources") {
			continue
		}
		var ok, failed bool
		for status := range s.seen[path] {
			ok = ok || status < 300
			failed = failed || status >= 400
		}
		if !ok || !failed {
			t.Errorf("%s: the test saw statuses %v; want a success and an error", path, s.seen[path])
		}
	}
}
