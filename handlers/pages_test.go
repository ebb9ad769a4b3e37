package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"heard/models"
	"heard/models/modeltest"
)

func TestRankPutsUncomparableTotalsLast(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	sum := func(code string, overall *float64, level models.Level) models.ScoreSummary {
		return models.ScoreSummary{Jurisdiction: models.Jurisdiction{Code: code}, Overall: overall, Level: level}
	}
	rows := rank([]models.ScoreSummary{
		sum("AA", f(37), models.LevelInsufficient),
		sum("BB", f(33), models.LevelLimited),
		sum("CC", nil, models.LevelUnscored),
		sum("DD", f(90), models.LevelExemplary),
		sum("EE", f(52), models.LevelDeveloping),
	})
	want := []struct {
		code string
		rank int
	}{{"DD", 1}, {"EE", 2}, {"BB", 3}, {"AA", 0}, {"CC", 0}}
	for i, w := range want {
		if rows[i].Code != w.code || rows[i].Rank != w.rank {
			t.Errorf("row %d: %s ranked %d, want %s ranked %d", i, rows[i].Code, rows[i].Rank, w.code, w.rank)
		}
	}
}

func TestDatetimeUsesAPStyle(t *testing.T) {
	loc := models.Jurisdiction{TimeZone: "America/Denver"}.Location()
	format := pageFuncs["datetime"].(func(*time.Time, bool) string)
	morning := time.Date(2026, 12, 12, 10, 0, 0, 0, loc)
	evening := time.Date(2026, 12, 12, 18, 30, 0, 0, loc)
	if got := format(&morning, false); got != "Sat, Dec 12, 2026, 10:00 a.m. MST" {
		t.Errorf("morning: %q", got)
	}
	if got := format(&evening, false); got != "Sat, Dec 12, 2026, 6:30 p.m. MST" {
		t.Errorf("evening: %q", got)
	}
	if got := format(&evening, true); got != "Sat, Dec 12, 2026" {
		t.Errorf("all day: %q", got)
	}
	if got := format(nil, false); got != "date not given" {
		t.Errorf("nil: %q", got)
	}
}

// TestNoDemoBannerWithoutDemoData: the banner marks demo data; a store with
// real data only must not carry it.
func TestNoDemoBannerWithoutDemoData(t *testing.T) {
	store := modeltest.NewStore(t)
	ctx := context.Background()
	if _, err := store.UpsertSource(ctx, models.Source{Jurisdiction: "OH", Kind: models.KindRSS,
		URL: "https://education.example.gov/feed", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	rescoreAndPublish(t, store, "OH", testNow, "manual")
	h, err := New(store, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	engine := NewEngine(h)
	for _, path := range []string{"/", "/states/OH", "/methodology", "/about", "/data"} {
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `class="demo-banner"`) {
			t.Errorf("%s: status %d, banner shown=%v", path, w.Code, strings.Contains(w.Body.String(), `class="demo-banner"`))
		}
	}
}

// TestDemoBannerOnEveryPageWithDemoSources: with demo sources enabled every
// page carries the banner, even pages that show no scorecard.
func TestDemoBannerOnEveryPageWithDemoSources(t *testing.T) {
	f := newFixture(t) // its source is a demo source
	for _, path := range []string{"/about", "/data", "/methodology", "/search?q=zz"} {
		_, body := f.get(t, path)
		if !strings.Contains(string(body), "Demonstration data") {
			t.Errorf("%s lacks the demo banner", path)
		}
	}
}

// TestStatePageStaysAPage: however much is collected, the state page lists
// a bounded number of activities per phase and per criterion and links to
// the rest.
func TestStatePageStaysAPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	src, err := f.store.UpsertSource(ctx, models.Source{Jurisdiction: "OH", Kind: models.KindRSS,
		URL: "http://127.0.0.1:1/many.xml", Enabled: true, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range phaseShown + 10 {
		start := testNow.Add(-time.Duration(i+1) * 24 * time.Hour)
		a := models.Activity{Jurisdiction: "OH", TimeZone: "America/New_York", Demo: true, DedupeKey: fmt.Sprintf("many:%d", i),
			Type: models.TypeWebinar, Title: fmt.Sprintf("Webinar number %d", i), Start: &start,
			Phase: models.PhaseImplementation, Status: models.StatusHeld, AudienceGroups: models.StringList{"teachers"}}
		if _, _, err := f.store.UpsertActivity(ctx, a, models.ActivitySource{SourceID: src.ID, URL: src.URL,
			SnapshotSHA256: f.snapshot, RetrievedAt: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	rescoreAndPublish(t, f.store, "OH", testNow.Add(time.Hour), "manual")
	resp, body := f.get(t, "/states/OH")
	if resp.StatusCode != 200 {
		t.Fatalf("state page: %d", resp.StatusCode)
	}
	page := string(body)
	if !strings.Contains(page, fmt.Sprintf("The %d most recent are listed", phaseShown)) ||
		!strings.Contains(page, "/api/v1/jurisdictions/OH/activities?phase=implementation") {
		t.Errorf("the implementation phase is not cut at %d with a link to the rest", phaseShown)
	}
	if n := strings.Count(page, "Webinar number"); n > phaseShown+evidenceShown*13 {
		t.Errorf("%d webinars listed", n)
	}
	if !strings.Contains(page, fmt.Sprintf("Implementation <span class=\"count\">(%d)</span>", phaseShown+10)) {
		t.Errorf("the phase heading does not count every activity")
	}
}
