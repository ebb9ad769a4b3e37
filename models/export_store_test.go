package models_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"heard/models"
)

func TestStoreScorecardRows(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	rubric, err := s.CurrentRubric(ctx)
	if err != nil {
		t.Fatal(err)
	}
	collect := func(version int) []models.ScorecardRow {
		t.Helper()
		var rows []models.ScorecardRow
		if err := s.ScorecardRows(ctx, version, models.Draft, func(r models.ScorecardRow) error {
			rows = append(rows, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	if rows := collect(rubric.Version); len(rows) != 0 {
		t.Fatalf("%d rows before any score run, want none", len(rows))
	}

	for _, code := range []string{"VT", "MA"} {
		f := newFixture(t, ctx, s, code)
		mustUpsert(t, ctx, s, newActivity(code, "a1"), f.from(t0))
		if _, err := s.Rescore(ctx, code, t0, "manual"); err != nil {
			t.Fatal(err)
		}
	}
	// Only the newest run of a jurisdiction is exported.
	latest, err := s.Rescore(ctx, "MA", t0.Add(time.Hour), "manual")
	if err != nil {
		t.Fatal(err)
	}
	rows := collect(rubric.Version)
	n := len(rubric.Criteria)
	if len(rows) != 2*n {
		t.Fatalf("%d rows, want %d (two jurisdictions × %d criteria)", len(rows), 2*n, n)
	}
	for i, r := range rows {
		wantCode := "MA"
		if i >= n {
			wantCode = "VT"
		}
		cr := rubric.Criteria[i%n]
		if r.Jurisdiction != wantCode || r.CriterionKey != cr.Key || r.CriterionTitle != cr.Title ||
			r.Weight != cr.Weight || r.RubricVersion != rubric.Version {
			t.Errorf("row %d: %s/%s v%d, want %s/%s v%d", i, r.Jurisdiction, r.CriterionKey, r.RubricVersion,
				wantCode, cr.Key, rubric.Version)
		}
		if r.OverrideScore != nil {
			t.Errorf("row %d: override_score %d, want none yet", i, *r.OverrideScore)
		}
		if r.EvidenceIDs == nil || r.ComputedAt.Location() != time.UTC {
			t.Errorf("row %d: evidence %v, computed_at %v", i, r.EvidenceIDs, r.ComputedAt)
		}
	}
	card, err := s.LatestScorecard(ctx, "MA", rubric.Version)
	if err != nil {
		t.Fatal(err)
	}
	for i, cs := range card.Criteria {
		r := rows[i]
		if r.ScoreRunID != latest.ScoreRunID || !r.ComputedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("%s: run %d at %v, want the latest run %d", r.CriterionKey, r.ScoreRunID, r.ComputedAt, latest.ScoreRunID)
		}
		if r.Status != cs.Status || !slices.Equal(r.EvidenceIDs, cs.EvidenceIDs) || r.Rationale != cs.Rationale ||
			(r.Score == nil) != (cs.Score == nil) || (r.Score != nil && *r.Score != *cs.Score) {
			t.Errorf("%s: row %+v differs from the scorecard %+v", r.CriterionKey, r, cs)
		}
		if r.Level != card.Level || r.Coverage != card.Coverage || r.JurisdictionName != "Massachusetts" {
			t.Errorf("%s: run fields %s %v %q", r.CriterionKey, r.Level, r.Coverage, r.JurisdictionName)
		}
	}

	// A version without score runs has no rows; an error from fn stops the walk.
	if rows := collect(rubric.Version + 1); len(rows) != 0 {
		t.Errorf("%d rows for an unknown rubric version", len(rows))
	}
	stop := errors.New("stop")
	calls := 0
	err = s.ScorecardRows(ctx, rubric.Version, models.Draft, func(models.ScorecardRow) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("fn error: got %v after %d calls, want stop after 1", err, calls)
	}
}

func TestStoreActivityRows(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	oh, ca := newFixture(t, ctx, s, "OH"), newFixture(t, ctx, s, "CA")
	start := time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC)
	a := newActivity("OH", "ohio")
	a.Start, a.Title = &start, `Session "A", with a comma`
	ohID, _ := mustUpsert(t, ctx, s, a, oh.from(t0))
	// Read again later from another page: the newer source row is exported.
	later := models.ActivitySource{SourceID: oh.src.ID, URL: oh.src.URL + "/calendar",
		SnapshotSHA256: mustSnapshot(t, ctx, s, "<html>calendar</html>"), RetrievedAt: t0.Add(time.Hour)}
	if err := s.AddActivitySource(ctx, ohID, later); err != nil {
		t.Fatal(err)
	}
	c := newActivity("CA", "california")
	c.TimeZone = "America/Los_Angeles"
	c.Start = &start
	caID, _ := mustUpsert(t, ctx, s, c, ca.from(t0))
	rejectedID, _ := mustUpsert(t, ctx, s, newActivity("CA", "rejected"), ca.from(t0))
	if _, err := s.DB().ExecContext(ctx, `UPDATE activities SET review_status = 'rejected' WHERE id = $1`, rejectedID); err != nil {
		t.Fatal(err)
	}

	collect := func(code string) map[int64]models.ActivityRow {
		t.Helper()
		out := map[int64]models.ActivityRow{}
		var ids []int64
		if err := s.ActivityRows(ctx, code, func(r models.ActivityRow) error {
			out[r.ID] = r
			ids = append(ids, r.ID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.IsSorted(ids) {
			t.Errorf("rows not in id order: %v", ids)
		}
		return out
	}
	all := collect("")
	if len(all) != 2 {
		t.Fatalf("%d rows, want 2 (the rejected activity left out)", len(all))
	}
	o := all[ohID]
	if o.SourceURL != later.URL || o.SnapshotSHA256 != later.SnapshotSHA256 || o.RetrievedAt == nil ||
		!o.RetrievedAt.Equal(later.RetrievedAt) {
		t.Errorf("Ohio provenance: %q %q %v, want the newest source row", o.SourceURL, o.SnapshotSHA256, o.RetrievedAt)
	}
	if o.Title != a.Title || !slices.Equal(o.Languages, a.Languages) || !slices.Equal(o.AudienceGroups, a.AudienceGroups) {
		t.Errorf("Ohio fields: %+v", o.Activity)
	}
	if got := o.Start.Format(time.RFC3339); got != "2026-03-10T19:30:00-04:00" {
		t.Errorf("Ohio start %s, want it in New York time", got)
	}
	if got := all[caID].Start.Format(time.RFC3339); got != "2026-03-10T16:30:00-07:00" {
		t.Errorf("California start %s, want it in Los Angeles time", got)
	}
	if o.FirstSeen.Location() != time.UTC || o.UpdatedAt.Location() != time.UTC {
		t.Errorf("first_seen %v, updated_at %v: want UTC", o.FirstSeen, o.UpdatedAt)
	}
	if rows := collect("ca"); len(rows) != 1 || rows[caID].ID != caID {
		t.Errorf("California only: %v", rows)
	}
	if rows := collect("WY"); len(rows) != 0 {
		t.Errorf("Wyoming: %d rows, want none", len(rows))
	}
}
