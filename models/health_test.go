package models_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"heard/models"
)

func upcoming(code, key string, start time.Time) models.Activity {
	a := newActivity(code, key)
	a.Status = models.StatusScheduled
	a.Start = &start
	return a
}

func TestStoreActivityHistory(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "OH")
	a := upcoming("OH", "town-hall", t0.Add(48*time.Hour))
	id, _ := mustUpsert(t, ctx, s, a, f.from(t0))
	mustUpsert(t, ctx, s, a, f.from(t0.Add(time.Hour))) // unchanged: no history

	a.Title = "Town hall (moved online)"
	a.Remote = true
	if _, outcome := mustUpsert(t, ctx, s, a, f.from(t0.Add(2*time.Hour))); outcome != models.Updated {
		t.Fatalf("outcome %s, want updated", outcome)
	}
	hist, err := s.ActivityHistory(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || hist[0].Kind != "updated" || !hist[0].ChangedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("history %+v, want one update at t0+2h", hist)
	}
	var before, after map[string]any
	if err := json.Unmarshal(hist[0].Before, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(hist[0].After, &after); err != nil {
		t.Fatal(err)
	}
	if before["title"] != "Listening tour: town-hall" || after["title"] != "Town hall (moved online)" ||
		before["remote"] != false || after["remote"] != true {
		t.Errorf("before %v after %v, want the changed title and remote flag", before, after)
	}
	for _, noise := range []string{"last_seen", "updated_at", "content_hash", "description"} {
		if _, ok := after[noise]; ok {
			t.Errorf("history records unchanged or bookkeeping field %q", noise)
		}
	}
}

func TestStoreCancelVanished(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "MN")
	other := mustSource(t, ctx, s, "MN", "https://doe.example.gov/mn/calendar")
	ids := map[string]int64{}
	for key, start := range map[string]time.Time{
		"kept":     t0.Add(24 * time.Hour),
		"vanished": t0.Add(48 * time.Hour),
		"past":     t0.Add(-48 * time.Hour),
		"shared":   t0.Add(72 * time.Hour),
	} {
		ids[key], _ = mustUpsert(t, ctx, s, upcoming("MN", key, start), f.from(t0))
	}
	// "shared" is also listed by another source that still lists it.
	if err := s.AddActivitySource(ctx, ids["shared"], models.ActivitySource{SourceID: other.ID, URL: other.URL,
		SnapshotSHA256: f.snap, RetrievedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordSourceSuccess(ctx, other.ID, "", "", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	run, err := s.StartScrapeRun(ctx, f.src.ID, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.CancelVanished(ctx, f.src.ID, []int64{ids["kept"]}, run.ID, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != ids["vanished"] {
		t.Fatalf("cancelled %v, want only %d (vanished)", got, ids["vanished"])
	}
	want := map[string]models.ActivityStatus{"kept": models.StatusScheduled, "vanished": models.StatusCancelled,
		"past": models.StatusScheduled, "shared": models.StatusScheduled}
	for key, status := range want {
		if a := mustActivity(t, ctx, s, ids[key]); a.Status != status {
			t.Errorf("%s: status %s, want %s", key, a.Status, status)
		}
	}
	if n := count(t, ctx, s, "activities"); n != 4 {
		t.Errorf("%d activities, want 4: cancelling never deletes", n)
	}
	hist, _ := s.ActivityHistory(ctx, ids["vanished"])
	if len(hist) != 1 || hist[0].Kind != "cancelled" || hist[0].ScrapeRunID == nil || *hist[0].ScrapeRunID != run.ID {
		t.Errorf("history of the cancelled activity: %+v", hist)
	}

	// Listed again: the same id comes back, restored, with its history.
	back := upcoming("MN", "vanished", t0.Add(48*time.Hour))
	id, outcome := mustUpsert(t, ctx, s, back, f.from(t0.Add(3*time.Hour)))
	if id != ids["vanished"] || outcome != models.Updated {
		t.Fatalf("reappearance: id %d outcome %s, want id %d updated", id, outcome, ids["vanished"])
	}
	if a := mustActivity(t, ctx, s, id); a.Status != models.StatusScheduled {
		t.Errorf("restored status %s", a.Status)
	}
	hist, _ = s.ActivityHistory(ctx, id)
	if len(hist) != 2 || hist[0].Kind != "restored" {
		t.Errorf("history after restoration: %+v", hist)
	}
}

func TestStoreSourceFailureBackoffAndDisable(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	src := mustSource(t, ctx, s, "VT", "https://doe.example.gov/vt/essa") // 1 hour interval
	wantNext := []time.Duration{time.Hour, 2 * time.Hour, 4 * time.Hour}
	for i, gap := range wantNext {
		disabled, err := s.RecordSourceFailure(ctx, src.ID, "HTTP 503", 3, t0)
		if err != nil {
			t.Fatal(err)
		}
		if disabled != (i == 2) {
			t.Errorf("failure %d: disabled=%v", i+1, disabled)
		}
		got, _ := s.Sources(ctx, "VT")
		if !got[0].NextFetchAt.Equal(t0.Add(gap)) || got[0].ConsecutiveFailures != i+1 {
			t.Errorf("failure %d: next %v failures %d, want next %v", i+1, got[0].NextFetchAt, got[0].ConsecutiveFailures, t0.Add(gap))
		}
	}
	health, err := s.SourcesHealth(ctx, "VT")
	if err != nil {
		t.Fatal(err)
	}
	if len(health) != 1 || health[0].Health != models.HealthDisabled ||
		!strings.Contains(health[0].DisabledReason, "3 consecutive failures") || health[0].LastError != "HTTP 503" {
		t.Fatalf("health %+v", health)
	}
	// Disabled sources are not claimed; enabling again starts afresh.
	if due, _ := s.ClaimDueSources(ctx, t0.Add(365*24*time.Hour), 10); len(due) != 0 {
		t.Errorf("claimed a disabled source: %+v", due)
	}
	src.Enabled = true
	if _, err := s.UpsertSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	health, _ = s.SourcesHealth(ctx, "VT")
	if health[0].Health != models.HealthPending || health[0].ConsecutiveFailures != 0 || health[0].DisabledReason != "" {
		t.Errorf("re-enabled source: %+v", health[0])
	}
	// Backoff is capped.
	for range 25 {
		if _, err := s.RecordSourceFailure(ctx, src.ID, "timeout", 0, t0); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := s.Sources(ctx, "VT")
	if !got[0].NextFetchAt.Equal(t0.Add(models.MaxBackoff)) || !got[0].Enabled {
		t.Errorf("after 25 failures with no limit: next %v enabled %v", got[0].NextFetchAt, got[0].Enabled)
	}
}

func TestStoreLastYieldAndHealth(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	src := mustSource(t, ctx, s, "RI", "https://doe.example.gov/ri/essa")
	finish := func(found int, status string, warnings ...string) models.ScrapeRun {
		t.Helper()
		run, err := s.StartScrapeRun(ctx, src.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		run.Found, run.Status, run.Warnings = found, status, warnings
		done := t0.Add(time.Minute)
		run.FinishedAt = &done
		if err := s.FinishScrapeRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		return run
	}
	if _, ok, err := s.LastYield(ctx, src.ID, 1<<40); ok || err != nil {
		t.Fatalf("a source never run has no yield: ok=%v err=%v", ok, err)
	}
	finish(7, "ok")
	finish(0, "failed")
	notModified := finish(0, "ok")
	if _, err := s.InsertFetch(ctx, models.Fetch{SourceID: src.ID, ScrapeRunID: &notModified.ID, URL: src.URL,
		StatusCode: 304, StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
	later := finish(0, "ok", "yielded no records; its previous run yielded 7 (has the page changed?)")
	found, ok, err := s.LastYield(ctx, src.ID, later.ID)
	if err != nil || !ok || found != 7 {
		t.Errorf("LastYield = %d, %v, %v; want 7 from the last parsed ok run", found, ok, err)
	}
	health, err := s.SourcesHealth(ctx, "RI")
	if err != nil {
		t.Fatal(err)
	}
	if health[0].Health != models.HealthWarning || health[0].LastRun == nil || health[0].LastRun.ID != later.ID ||
		len(health[0].LastRun.Warnings) != 1 {
		t.Errorf("health %+v last run %+v", health[0], health[0].LastRun)
	}
}

func TestStoreDisableDemoSources(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	add := func(url string, demo bool) {
		t.Helper()
		if _, err := s.UpsertSource(ctx, models.Source{Jurisdiction: "WY", Kind: models.KindRSS, URL: url,
			Enabled: true, Demo: demo}); err != nil {
			t.Fatal(err)
		}
	}
	add("http://127.0.0.1:8089/wy/news.xml", true)
	add("http://127.0.0.1:9999/wy/news.xml", true)
	add("https://edu.wyoming.gov/news/", false)
	if n, err := s.DisableDemoSourcesExcept(ctx, "http://127.0.0.1:8089"); err != nil || n != 1 {
		t.Fatalf("disabled %d (%v), want the old demo server's 1", n, err)
	}
	if n, err := s.DisableDemoSourcesExcept(ctx, ""); err != nil || n != 1 {
		t.Fatalf("disabled %d (%v), want the remaining demo source", n, err)
	}
	health, _ := s.SourcesHealth(ctx, "WY")
	for _, h := range health {
		if h.Demo == h.Enabled {
			t.Errorf("%s: demo %v enabled %v", h.URL, h.Demo, h.Enabled)
		}
	}
	// A jurisdiction read from demo sources alone is scored as demo data,
	// even with nothing collected yet.
	add("http://127.0.0.1:8089/vt/news.xml", false)
	if _, err := s.UpsertSource(ctx, models.Source{Jurisdiction: "VT", Kind: models.KindRSS,
		URL: "http://127.0.0.1:8089/vt/feed.xml", Enabled: true, Demo: true}); err != nil {
		t.Fatal(err)
	}
	card, err := s.Rescore(ctx, "VT", t0, "demo")
	if err != nil || !card.Demo {
		t.Errorf("Vermont with an enabled demo source: demo=%v (%v)", card.Demo, err)
	}
}
