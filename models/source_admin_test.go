package models_test

import (
	"errors"
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
