package models_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"heard/models"
)

func TestStoreSourceByIDAndAddSource(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	added, err := s.AddSource(ctx, models.Source{Jurisdiction: "oh", Kind: models.KindRSS,
		URL: "https://education.example.gov/news.rss", Name: "News", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.SourceByID(ctx, added.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Jurisdiction != "OH" || got.URL != added.URL || !got.Enabled || got.Verified || string(got.Settings) != "{}" {
		t.Errorf("SourceByID = %+v", got)
	}
	if _, err := s.SourceByID(ctx, added.ID+1000); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("SourceByID of a missing id: %v, want ErrNotFound", err)
	}
	_, err = s.AddSource(ctx, models.Source{Jurisdiction: "OH", Kind: models.KindAtom, URL: added.URL, Name: "Again"})
	if !errors.Is(err, models.ErrConflict) {
		t.Errorf("adding the same URL twice: %v, want ErrConflict", err)
	}
	if again, _ := s.SourceByID(ctx, added.ID); again.Kind != models.KindRSS || again.Name != "News" {
		t.Errorf("a refused add changed the source: %+v", again)
	}
}

func TestStoreSetSourceEnabled(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	src := mustSource(t, ctx, s, "VT", "https://education.example.gov/essa")
	later := time.Now().Add(30 * 24 * time.Hour)
	// Failing until disabled automatically: the reason is kept when it is
	// disabled again by hand.
	if _, err := s.RecordSourceFailure(ctx, src.ID, "boom", 1, t0); err != nil {
		t.Fatal(err)
	}
	setNextFetch(t, ctx, s, src.ID, later)
	off, err := s.SetSourceEnabled(ctx, src.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if off.Enabled || off.ConsecutiveFailures != 1 || reason(t, s, src.ID) != "disabled after 1 consecutive failures" {
		t.Errorf("disabling a disabled source = %+v, reason %q", off, reason(t, s, src.ID))
	}
	on, err := s.SetSourceEnabled(ctx, src.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if !on.Enabled || on.ConsecutiveFailures != 0 || !on.NextFetchAt.Before(later) || reason(t, s, src.ID) != "" {
		t.Errorf("enabling = %+v, reason %q; want a clean slate due now", on, reason(t, s, src.ID))
	}
	off, err = s.SetSourceEnabled(ctx, src.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if off.Enabled || reason(t, s, src.ID) != "disabled by hand" {
		t.Errorf("disabling by hand = %+v, reason %q", off, reason(t, s, src.ID))
	}
	if _, err := s.SetSourceEnabled(ctx, src.ID+1000, true); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("enabling a missing source: %v, want ErrNotFound", err)
	}
}

func reason(t *testing.T, s *models.Store, id int64) string {
	t.Helper()
	var r string
	if err := s.DB().Get(&r, `SELECT disabled_reason FROM sources WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStoreSyncSource(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	entry := models.Source{Jurisdiction: "ny", Kind: models.KindHTML, URL: "https://sea.example.gov/essa",
		Name: "ESSA", Settings: []byte(`{}`)}
	sync := func(src models.Source) (models.Source, models.SyncOutcome) {
		t.Helper()
		got, outcome, err := s.SyncSource(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		return got, outcome
	}
	added, outcome := sync(entry)
	if outcome != models.SyncAdded || added.ID == 0 || added.Enabled || added.Verified || added.Jurisdiction != "NY" {
		t.Fatalf("first sync = %+v, %s; want a disabled, unverified NY source added", added, outcome)
	}
	// The same entry, its settings spelt differently, changes nothing.
	respelt := entry
	respelt.Settings = []byte(`{ }`)
	if _, outcome := sync(respelt); outcome != models.SyncUnchanged {
		t.Errorf("second sync: %s, want unchanged", outcome)
	}

	// The registry gains selectors and says enabled: the row takes the
	// selectors but stays disabled until someone enables it.
	entry.Name, entry.Settings, entry.Enabled = "ESSA hub", []byte(`{ "item": "li.news" }`), true
	updated, outcome := sync(entry)
	if outcome != models.SyncUpdated || updated.Name != "ESSA hub" || updated.Enabled || updated.ID != added.ID {
		t.Errorf("sync with new selectors = %+v, %s; want updated, still disabled", updated, outcome)
	}
	if _, outcome := sync(entry); outcome != models.SyncUnchanged {
		t.Errorf("sync after update: %s, want unchanged", outcome)
	}

	// Enabled by hand, then the registry is synced again with enabled
	// false: the hand's choice stands. The same for disabled by hand.
	if _, err := s.SetSourceEnabled(ctx, added.ID, true); err != nil {
		t.Fatal(err)
	}
	entry.Enabled, entry.Name = false, "ESSA hub (renamed)"
	if got, outcome := sync(entry); outcome != models.SyncUpdated || !got.Enabled {
		t.Errorf("sync after enabling by hand = %+v, %s; want updated and still enabled", got, outcome)
	}
	if _, err := s.SetSourceEnabled(ctx, added.ID, false); err != nil {
		t.Fatal(err)
	}
	entry.Enabled = true
	if got, _ := sync(entry); got.Enabled {
		t.Errorf("sync re-enabled a source disabled by hand: %+v", got)
	}

	// A verified row keeps what the person checked.
	if _, err := s.DB().ExecContext(ctx, `UPDATE sources SET verified = true WHERE id = $1`, added.ID); err != nil {
		t.Fatal(err)
	}
	entry.Name = "Something else"
	kept, outcome := sync(entry)
	if outcome != models.SyncKept || kept.Name != "ESSA hub (renamed)" || !kept.Verified {
		t.Errorf("sync over a verified source = %+v, %s; want it kept as it was", kept, outcome)
	}
	entry.Name = "ESSA hub (renamed)"
	if _, outcome := sync(entry); outcome != models.SyncUnchanged {
		t.Errorf("sync of a verified source that matches: %s, want unchanged", outcome)
	}
}

// finishRun records a finished run of the source with the status.
func finishRun(t *testing.T, ctx context.Context, s *models.Store, sourceID int64, status string) models.ScrapeRun {
	t.Helper()
	run, err := s.StartScrapeRun(ctx, sourceID, t0)
	if err != nil {
		t.Fatal(err)
	}
	done := t0.Add(time.Minute)
	run.Status, run.FinishedAt = status, &done
	if err := s.FinishScrapeRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	return run
}

func TestStoreSourcesOverview(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	pending := mustSource(t, ctx, s, "OH", "https://education.example.gov/oh/a")
	ok := mustSource(t, ctx, s, "OH", "https://education.example.gov/oh/b")
	okRun := finishRun(t, ctx, s, ok.ID, "ok")
	// Failures in a row, though the latest run (a 304, say) was fine.
	striking := mustSource(t, ctx, s, "OH", "https://education.example.gov/oh/c")
	finishRun(t, ctx, s, striking.ID, "ok")
	if _, err := s.RecordSourceFailure(ctx, striking.ID, "HTTP 503", 0, t0); err != nil {
		t.Fatal(err)
	}
	// An interrupted run: no failure counted, but the latest run failed.
	interrupted := mustSource(t, ctx, s, "OH", "https://education.example.gov/oh/d")
	finishRun(t, ctx, s, interrupted.ID, "ok")
	failedRun := finishRun(t, ctx, s, interrupted.ID, "failed")
	// Recovered: failed once, then succeeded.
	recovered := mustSource(t, ctx, s, "OH", "https://education.example.gov/oh/e")
	finishRun(t, ctx, s, recovered.ID, "failed")
	finishRun(t, ctx, s, recovered.ID, "ok")
	off := mustSource(t, ctx, s, "OH", "https://education.example.gov/oh/f")
	finishRun(t, ctx, s, off.ID, "failed")
	if _, err := s.SetSourceEnabled(ctx, off.ID, false); err != nil {
		t.Fatal(err)
	}
	other := mustSource(t, ctx, s, "VT", "https://education.example.gov/vt/a")

	all, total, err := s.SourcesOverview(ctx, models.SourceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]models.SourceBadge{pending.ID: models.BadgeRunning, ok.ID: models.BadgeRunning,
		striking.ID: models.BadgeFailing, interrupted.ID: models.BadgeFailing, recovered.ID: models.BadgeRunning,
		off.ID: models.BadgeDisabled, other.ID: models.BadgeRunning}
	if total != len(want) || len(all) != len(want) {
		t.Fatalf("%d sources of %d, want %d", len(all), total, len(want))
	}
	for i, o := range all {
		if o.Health != want[o.ID] {
			t.Errorf("source %s: badge %q, want %q", o.URL, o.Health, want[o.ID])
		}
		if i > 0 && (all[i-1].Jurisdiction > o.Jurisdiction || all[i-1].Jurisdiction == o.Jurisdiction && all[i-1].ID > o.ID) {
			t.Errorf("not ordered by jurisdiction and id: %d after %d", o.ID, all[i-1].ID)
		}
		switch o.ID {
		case pending.ID:
			if o.LastRun != nil || o.FetchIntervalSec != 3600 || string(o.Settings) != "{}" {
				t.Errorf("pending source: %+v, last run %+v", o, o.LastRun)
			}
		case ok.ID:
			if o.LastRun == nil || o.LastRun.ID != okRun.ID || o.LastRun.Status != "ok" {
				t.Errorf("ok source's last run %+v, want run %d", o.LastRun, okRun.ID)
			}
		case interrupted.ID:
			if o.LastRun == nil || o.LastRun.ID != failedRun.ID || o.ConsecutiveFailures != 0 {
				t.Errorf("interrupted source: %+v, last run %+v", o, o.LastRun)
			}
		case off.ID:
			if o.DisabledReason != "disabled by hand" {
				t.Errorf("disabled source's reason %q", o.DisabledReason)
			}
		}
	}

	// Filters and paging, with the total of the filter, not of the page.
	for _, tt := range []struct {
		f     models.SourceFilter
		ids   []int64
		total int
	}{
		{models.SourceFilter{Health: models.BadgeFailing}, []int64{striking.ID, interrupted.ID}, 2},
		{models.SourceFilter{Health: models.BadgeDisabled, Jurisdiction: "oh"}, []int64{off.ID}, 1},
		{models.SourceFilter{Health: models.BadgeDisabled, Jurisdiction: "VT"}, nil, 0},
		{models.SourceFilter{Jurisdiction: "vt"}, []int64{other.ID}, 1},
		{models.SourceFilter{Health: models.BadgeRunning, Limit: 2, Offset: 2}, []int64{recovered.ID, other.ID}, 4},
		{models.SourceFilter{Health: models.BadgeRunning, Limit: 2, Offset: 10}, nil, 4},
		{models.SourceFilter{Jurisdiction: "CA"}, nil, 0},
	} {
		got, total, err := s.SourcesOverview(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, 0, len(got))
		for _, o := range got {
			ids = append(ids, o.ID)
		}
		if !slices.Equal(ids, tt.ids) && !(len(ids) == 0 && len(tt.ids) == 0) || total != tt.total {
			t.Errorf("%+v: ids %v total %d, want %v total %d", tt.f, ids, total, tt.ids, tt.total)
		}
		if got == nil {
			t.Errorf("%+v: nil, want an empty list", tt.f)
		}
	}

	one, err := s.SourceOverviewByID(ctx, interrupted.ID)
	if err != nil || one.Health != models.BadgeFailing || one.LastRun == nil || one.LastRun.ID != failedRun.ID {
		t.Errorf("SourceOverviewByID = %+v (%v)", one, err)
	}
	if _, err := s.SourceOverviewByID(ctx, other.ID+1000); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("SourceOverviewByID of a missing id: %v, want ErrNotFound", err)
	}
}

func TestStoreUpdateSource(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	src := mustSource(t, ctx, s, "OH", "https://education.example.gov/oh/essa") // html, 1 hour, unverified
	far := time.Now().Add(30 * 24 * time.Hour)
	setNextFetch(t, ctx, s, src.ID, far)
	str := func(v string) *string { return &v }
	i64 := func(v int64) *int64 { return &v }
	yes, no := true, false
	checked := 0
	check := func(kind models.SourceKind, raw []byte) map[string]string {
		checked++
		if kind != models.KindHTML {
			t.Errorf("settings checked for kind %q, want the source's html", kind)
		}
		if strings.Contains(string(raw), "[") {
			return map[string]string{"item": "is not a CSS selector"}
		}
		return nil
	}

	// Refused edits name every bad field and change nothing.
	for _, tt := range []struct {
		u      models.SourceUpdate
		fields []string
	}{
		{models.SourceUpdate{}, []string{"body"}},
		{models.SourceUpdate{Name: str("  ")}, []string{"name"}},
		{models.SourceUpdate{Name: str(strings.Repeat("n", 201))}, []string{"name"}},
		{models.SourceUpdate{Settings: json.RawMessage(`["li"]`)}, []string{"settings"}},
		{models.SourceUpdate{Settings: json.RawMessage(`{"item": "li["}`), CheckSettings: check}, []string{"settings.item"}},
		{models.SourceUpdate{FetchIntervalSec: i64(299), Name: str(""), Enabled: &no}, []string{"fetch_interval_seconds", "name"}},
		{models.SourceUpdate{FetchIntervalSec: i64(31 * 24 * 3600)}, []string{"fetch_interval_seconds"}},
	} {
		_, _, err := s.UpdateSource(ctx, src.ID, tt.u)
		var invalid *models.ValidationError
		if !errors.As(err, &invalid) || len(invalid.Fields) != len(tt.fields) {
			t.Errorf("%+v: %v, want a ValidationError naming %v", tt.u, err, tt.fields)
			continue
		}
		for _, f := range tt.fields {
			if invalid.Fields[f] == "" {
				t.Errorf("%+v: %v does not name %s", tt.u, invalid.Fields, f)
			}
		}
	}
	if got, _ := s.SourceByID(ctx, src.ID); !got.Enabled || got.Name != "ESSA hub" || !got.UpdatedAt.Equal(src.UpdatedAt) {
		t.Errorf("refused edits changed the source: %+v", got)
	}
	if _, _, err := s.UpdateSource(ctx, src.ID+1000, models.SourceUpdate{Name: str("x")}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("editing a missing source: %v, want ErrNotFound", err)
	}

	// Settings and name: stored, checked for the source's kind, and the
	// source is now verified, so the registry sync keeps them.
	before, after, err := s.UpdateSource(ctx, src.ID, models.SourceUpdate{Name: str("  ESSA hub (events)  "),
		Settings: json.RawMessage(`{"item": "li.event", "follow": "/events/"}`), CheckSettings: check})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 || before.Name != "ESSA hub" || before.Verified || after.Name != "ESSA hub (events)" || !after.Verified ||
		!strings.Contains(string(after.Settings), `"li.event"`) || after.FetchIntervalSec != 3600 || !after.NextFetchAt.Equal(before.NextFetchAt) {
		t.Errorf("edit of name and settings: before %+v after %+v", before, after)
	}
	_, outcome, err := s.SyncSource(ctx, models.Source{Jurisdiction: "OH", Kind: models.KindHTML, URL: src.URL,
		Name: "Registry name", Settings: json.RawMessage(`{"item": "li"}`)})
	if err != nil || outcome != models.SyncKept {
		t.Errorf("sync after a staff edit: %q (%v), want kept", outcome, err)
	}

	// A shorter interval brings the next fetch forward; a longer one does
	// not push it back. Verified can be taken back explicitly.
	_, after, err = s.UpdateSource(ctx, src.ID, models.SourceUpdate{FetchIntervalSec: i64(600), Verified: &no})
	if err != nil {
		t.Fatal(err)
	}
	if after.FetchIntervalSec != 600 || after.Verified || !after.NextFetchAt.Before(time.Now().Add(11*time.Minute)) {
		t.Errorf("interval 600: %+v", after)
	}
	next := after.NextFetchAt
	_, after, err = s.UpdateSource(ctx, src.ID, models.SourceUpdate{FetchIntervalSec: i64(7 * 24 * 3600)})
	if err != nil || after.FetchIntervalSec != 7*24*3600 || !after.NextFetchAt.Equal(next) || after.Verified {
		t.Errorf("a longer interval: %+v (%v), want the next fetch kept at %v", after, err, next)
	}

	// Enabled follows SetSourceEnabled: off by hand, then a clean slate.
	if _, err := s.RecordSourceFailure(ctx, src.ID, "HTTP 500", 0, t0); err != nil {
		t.Fatal(err)
	}
	_, after, err = s.UpdateSource(ctx, src.ID, models.SourceUpdate{Enabled: &no, Verified: &yes})
	if err != nil || after.Enabled || !after.Verified || reason(t, s, src.ID) != "disabled by hand" {
		t.Errorf("disable: %+v (%v), reason %q", after, err, reason(t, s, src.ID))
	}
	_, after, err = s.UpdateSource(ctx, src.ID, models.SourceUpdate{Enabled: &yes})
	if err != nil || !after.Enabled || after.ConsecutiveFailures != 0 || reason(t, s, src.ID) != "" ||
		after.NextFetchAt.After(time.Now().Add(time.Minute)) {
		t.Errorf("enable: %+v (%v); want a clean slate due now", after, err)
	}
}

func TestStoreFetchHistory(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	src := mustSource(t, ctx, s, "OH", "https://education.example.gov/oh/essa")
	quiet := mustSource(t, ctx, s, "OH", "https://education.example.gov/oh/quiet")
	key := mustSnapshot(t, ctx, s, "<p>hello</p>")
	for i := range 5 {
		f := models.Fetch{SourceID: src.ID, URL: src.URL, FinalURL: src.URL, StatusCode: 200,
			StartedAt: t0.Add(time.Duration(i) * time.Hour), DurationMS: 10 * i, Bytes: 12, Attempts: 1}
		if i == 4 {
			f.SHA256 = &key
		}
		if _, err := s.InsertFetch(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	page, total, err := s.FetchHistory(ctx, src.ID, 2, 0)
	if err != nil || total != 5 || len(page) != 2 || !page[0].StartedAt.Equal(t0.Add(4*time.Hour)) ||
		page[0].SHA256 == nil || *page[0].SHA256 != key || page[0].Purpose != "source" || page[1].SHA256 != nil {
		t.Fatalf("first page %+v total %d (%v)", page, total, err)
	}
	page, total, err = s.FetchHistory(ctx, src.ID, 2, 4)
	if err != nil || total != 5 || len(page) != 1 || !page[0].StartedAt.Equal(t0) {
		t.Errorf("last page %+v total %d (%v)", page, total, err)
	}
	page, total, err = s.FetchHistory(ctx, src.ID, 2, 10)
	if err != nil || total != 5 || page == nil || len(page) != 0 {
		t.Errorf("past the end %+v total %d (%v), want [] of 5", page, total, err)
	}
	page, total, err = s.FetchHistory(ctx, quiet.ID, 50, 0)
	if err != nil || total != 0 || page == nil || len(page) != 0 {
		t.Errorf("a source never fetched: %+v total %d (%v), want []", page, total, err)
	}
}
