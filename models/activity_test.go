package models_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"heard/models"
)

func TestStoreSnapshots(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	body := []byte("%PDF-1.7 what we heard\x00\xff")
	key, err := s.PutSnapshot(ctx, models.Snapshot{MediaType: "application/pdf", Body: body, Text: "what we heard", Extractor: "pdftotext 22.02.0"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.PutSnapshot(ctx, models.Snapshot{MediaType: "application/octet-stream", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if key != models.SHA256Hex(body) || again != key || len(key) != 64 {
		t.Errorf("keys %q and %q, want both %q", key, again, models.SHA256Hex(body))
	}
	if n := count(t, ctx, s, "snapshots"); n != 1 {
		t.Errorf("%d snapshot rows after storing the same body twice, want 1", n)
	}
	snap, err := s.SnapshotBySHA256(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if string(snap.Body) != string(body) || snap.MediaType != "application/pdf" || snap.Size != len(body) ||
		snap.Text != "what we heard" || snap.SHA256 != key {
		t.Errorf("snapshot = %+v, want the first body, media type and text", snap)
	}
	mustSnapshot(t, ctx, s, "another body")
	if n := count(t, ctx, s, "snapshots"); n != 2 {
		t.Errorf("%d snapshot rows, want 2", n)
	}
	if _, err := s.SnapshotBySHA256(ctx, models.SHA256Hex([]byte("never stored"))); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("unknown snapshot: %v, want ErrNotFound", err)
	}
}

func TestStoreUpsertActivity(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "MA")
	start := time.Date(2017, 2, 1, 23, 0, 0, 0, time.UTC)
	a := newActivity("ma", "tour-1")
	a.Start = &start

	steps := []struct {
		name    string
		change  func(*models.Activity)
		src     models.ActivitySource
		want    models.UpsertOutcome
		title   string
		last    time.Time
		updated time.Time
		sources int
	}{
		{"first sight", nil, f.from(t0), models.Inserted, "Listening tour: tour-1", t0, t0, 1},
		{"seen again", nil, f.from(t0.Add(time.Hour)), models.Unchanged, "Listening tour: tour-1", t0.Add(time.Hour), t0, 1},
		{"an older copy", nil, f.from(t0.Add(-time.Hour)), models.Unchanged, "Listening tour: tour-1", t0.Add(time.Hour), t0, 1},
		{"retitled", func(a *models.Activity) { a.Title = "Listening tour (rescheduled)" }, f.from(t0.Add(2 * time.Hour)),
			models.Updated, "Listening tour (rescheduled)", t0.Add(2 * time.Hour), t0.Add(2 * time.Hour), 1},
		{"read from a new snapshot", func(a *models.Activity) { a.Title = "Listening tour (rescheduled)" },
			models.ActivitySource{SourceID: f.src.ID, URL: f.src.URL, SnapshotSHA256: mustSnapshot(t, ctx, s, "v2"), RetrievedAt: t0.Add(3 * time.Hour)},
			models.Unchanged, "Listening tour (rescheduled)", t0.Add(3 * time.Hour), t0.Add(2 * time.Hour), 2},
		{"read from a second URL", func(a *models.Activity) { a.Title = "Listening tour (rescheduled)" },
			models.ActivitySource{SourceID: f.src.ID, URL: f.src.URL + "?page=2", SnapshotSHA256: f.snap, RetrievedAt: t0.Add(4 * time.Hour)},
			models.Unchanged, "Listening tour (rescheduled)", t0.Add(4 * time.Hour), t0.Add(2 * time.Hour), 3},
		{"an audience added", func(a *models.Activity) {
			a.Title = "Listening tour (rescheduled)"
			a.AudienceGroups = append(a.AudienceGroups, "students")
		}, f.from(t0.Add(5 * time.Hour)), models.Updated, "Listening tour (rescheduled)", t0.Add(5 * time.Hour), t0.Add(5 * time.Hour), 3},
	}
	var id int64
	for _, st := range steps {
		b := a
		b.AudienceGroups = slices.Clone(a.AudienceGroups)
		if st.change != nil {
			st.change(&b)
		}
		gotID, outcome := mustUpsert(t, ctx, s, b, st.src)
		if id == 0 {
			id = gotID
		}
		if gotID != id || outcome != st.want {
			t.Errorf("%s: id %d, %s; want id %d, %s", st.name, gotID, outcome, id, st.want)
		}
		got := mustActivity(t, ctx, s, id)
		if got.Title != st.title || !got.LastSeen.Equal(st.last) || !got.FirstSeen.Equal(t0) || !got.UpdatedAt.Equal(st.updated) {
			t.Errorf("%s: title %q, first seen %v, last seen %v, updated %v; want %q, %v, %v, %v",
				st.name, got.Title, got.FirstSeen, got.LastSeen, got.UpdatedAt, st.title, t0, st.last, st.updated)
		}
		if len(got.Sources) != st.sources {
			t.Errorf("%s: %d sources, want %d: %+v", st.name, len(got.Sources), st.sources, got.Sources)
		}
	}
	got := mustActivity(t, ctx, s, id)
	if got.Jurisdiction != "MA" || got.ReviewStatus != "new" || !got.Start.Equal(start) ||
		!slices.Equal(got.AudienceGroups, models.StringList{"parents", "teachers", "students"}) ||
		!slices.Equal(got.Languages, models.StringList{"en", "es"}) || got.Features == nil {
		t.Errorf("stored activity = %+v", got)
	}
	if src := got.Sources[0]; src.RetrievedAt.Before(got.Sources[len(got.Sources)-1].RetrievedAt) || src.SourceID != f.src.ID {
		t.Errorf("sources not newest first: %+v", got.Sources)
	}
	if n := count(t, ctx, s, "activities"); n != 1 {
		t.Errorf("%d activity rows, want 1", n)
	}
	if n := count(t, ctx, s, "activity_sources"); n != 3 {
		t.Errorf("%d activity_sources rows, want 3 (one per distinct url and snapshot)", n)
	}
	// The same key in another state is another activity.
	if otherID, outcome := mustUpsert(t, ctx, s, newActivity("RI", "tour-1"), f.from(t0)); otherID == id || outcome != models.Inserted {
		t.Errorf("same key in RI: id %d, %s; want a new id, inserted", otherID, outcome)
	}
}

func TestStoreUpsertActivityInvalid(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "MA")
	start := t0
	before := t0.Add(-time.Hour)
	tests := []struct {
		name   string
		change func(*models.Activity, *models.ActivitySource)
		field  string // the field a *ValidationError must name; "" for another error
	}{
		{"bad type", func(a *models.Activity, _ *models.ActivitySource) { a.Type = "picnic" }, "activity_type"},
		{"empty title", func(a *models.Activity, _ *models.ActivitySource) { a.Title = "  " }, "title"},
		{"bad phase", func(a *models.Activity, _ *models.ActivitySource) { a.Phase = "" }, "plan_phase"},
		{"bad jurisdiction", func(a *models.Activity, _ *models.ActivitySource) { a.Jurisdiction = "Mass" }, "jurisdiction"},
		{"no dedupe key", func(a *models.Activity, _ *models.ActivitySource) { a.DedupeKey = "" }, "dedupe_key"},
		{"unknown group", func(a *models.Activity, _ *models.ActivitySource) {
			a.AudienceGroups = append(a.AudienceGroups, "aliens")
		}, "audience_groups"},
		{"ends before it starts", func(a *models.Activity, _ *models.ActivitySource) { a.Start, a.End = &start, &before }, "end"},
		{"no source at all", func(_ *models.Activity, src *models.ActivitySource) { *src = models.ActivitySource{} }, "sources"},
		{"no source URL", func(_ *models.Activity, src *models.ActivitySource) { src.URL = "" }, "sources"},
		{"no snapshot", func(_ *models.Activity, src *models.ActivitySource) { src.SnapshotSHA256 = "" }, "sources"},
		{"no source id", func(_ *models.Activity, src *models.ActivitySource) { src.SourceID = 0 }, "sources"},
		{"snapshot never stored", func(_ *models.Activity, src *models.ActivitySource) {
			src.SnapshotSHA256 = models.SHA256Hex([]byte("never stored"))
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, src := newActivity("MA", "bad"), f.from(t0)
			tc.change(&a, &src)
			id, outcome, err := s.UpsertActivity(ctx, a, src)
			var verr *models.ValidationError
			switch {
			case err == nil:
				t.Fatalf("stored as %d (%s), want an error", id, outcome)
			case tc.field != "" && !errors.As(err, &verr):
				t.Errorf("error %v (%T), want *ValidationError", err, err)
			case tc.field != "" && verr.Fields[tc.field] == "":
				t.Errorf("validation error %v does not name %s", err, tc.field)
			case tc.field == "" && errors.As(err, &verr):
				t.Errorf("error %v, want a storage error", err)
			}
			if n, m := count(t, ctx, s, "activities"), count(t, ctx, s, "activity_sources"); n != 0 || m != 0 {
				t.Errorf("%d activities and %d activity sources stored, want none", n, m)
			}
		})
	}
}

func TestStoreActivities(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	ma, ri := newFixture(t, ctx, s, "MA"), newFixture(t, ctx, s, "RI")
	day := func(n int) *time.Time {
		d := time.Date(2017, 3, n, 15, 0, 0, 0, time.UTC)
		return &d
	}
	// In insertion order: start day (0 for undated) and whether staff rejected it.
	rows := []struct {
		day      int
		rejected bool
	}{{3, false}, {1, false}, {5, false}, {0, false}, {3, false}, {0, false}, {4, true}, {2, false}}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		a := newActivity("MA", fmt.Sprintf("m%d", i))
		if r.day > 0 {
			a.Start = day(r.day)
		}
		ids[i], _ = mustUpsert(t, ctx, s, a, ma.from(t0))
		if r.rejected {
			if _, err := s.DB().ExecContext(ctx, `UPDATE activities SET review_status = 'rejected' WHERE id = $1`, ids[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	mustUpsert(t, ctx, s, newActivity("RI", "r0"), ri.from(t0))
	// Newest first, equal starts by id, undated last by id; the rejected one
	// (day 4, ids[6]) only on request.
	wantAll := []int64{ids[2], ids[0], ids[4], ids[7], ids[1], ids[3], ids[5]}
	withRejected := []int64{ids[2], ids[6], ids[0], ids[4], ids[7], ids[1], ids[3], ids[5]}

	list := func(f models.ActivityFilter) ([]int64, int) {
		t.Helper()
		acts, total, err := s.Activities(ctx, f)
		if err != nil {
			t.Fatalf("Activities(%+v): %v", f, err)
		}
		if acts == nil {
			t.Fatalf("Activities(%+v) returned nil, want a list", f)
		}
		out := []int64{}
		for _, a := range acts {
			out = append(out, a.ID)
			if len(a.Sources) == 0 {
				t.Errorf("activity %d listed without its sources", a.ID)
			}
		}
		return out, total
	}
	tests := []struct {
		name   string
		filter models.ActivityFilter
		want   []int64
		total  int
	}{
		{"all of MA", models.ActivityFilter{Jurisdiction: "MA"}, wantAll, 7},
		{"lower-case code", models.ActivityFilter{Jurisdiction: "ma"}, wantAll, 7},
		{"first page", models.ActivityFilter{Jurisdiction: "MA", Limit: 3}, wantAll[:3], 7},
		{"second page", models.ActivityFilter{Jurisdiction: "MA", Limit: 3, Offset: 3}, wantAll[3:6], 7},
		{"last page", models.ActivityFilter{Jurisdiction: "MA", Limit: 3, Offset: 6}, wantAll[6:], 7},
		{"past the last page", models.ActivityFilter{Jurisdiction: "MA", Limit: 3, Offset: 9}, []int64{}, 7},
		{"with rejected", models.ActivityFilter{Jurisdiction: "MA", IncludeRejected: true}, withRejected, 8},
		{"with rejected, past the end", models.ActivityFilter{Jurisdiction: "MA", IncludeRejected: true, Limit: 5, Offset: 8}, []int64{}, 8},
		{"every state", models.ActivityFilter{}, nil, 8},
		{"a state with none", models.ActivityFilter{Jurisdiction: "VT", Limit: 5, Offset: 5}, []int64{}, 0},
	}
	for _, tc := range tests {
		got, total := list(tc.filter)
		if total != tc.total || (tc.want != nil && !slices.Equal(got, tc.want)) {
			t.Errorf("%s: %v of %d, want %v of %d", tc.name, got, total, tc.want, tc.total)
		}
	}
	// Pages put together are the whole list, however often they are read.
	for range 3 {
		var paged []int64
		for off := 0; off < 7; off += 2 {
			page, _ := list(models.ActivityFilter{Jurisdiction: "MA", Limit: 2, Offset: off})
			paged = append(paged, page...)
		}
		if !slices.Equal(paged, wantAll) {
			t.Fatalf("pages of 2 = %v, want %v", paged, wantAll)
		}
	}
}

func TestStoreActivityTimeZone(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "IL")
	start := time.Date(2017, 7, 1, 23, 30, 0, 0, time.UTC)
	end := start.Add(90 * time.Minute)
	a := newActivity("IL", "chicago")
	a.TimeZone, a.Start, a.End = "America/Chicago", &start, &end
	id, _ := mustUpsert(t, ctx, s, a, f.from(t0))
	listed, _, err := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "IL"})
	if err != nil || len(listed) != 1 {
		t.Fatalf("Activities: %v, %v", listed, err)
	}
	for _, got := range []models.Activity{mustActivity(t, ctx, s, id), listed[0]} {
		if got.Start.Location().String() != "America/Chicago" || got.End.Location().String() != "America/Chicago" {
			t.Errorf("times in %s and %s, want America/Chicago", got.Start.Location(), got.End.Location())
		}
		if !got.Start.Equal(start) || !got.End.Equal(end) || got.Start.Format("2006-01-02 15:04") != "2017-07-01 18:30" {
			t.Errorf("start %v end %v, want %v and %v shown as 18:30 local", got.Start, got.End, start, end)
		}
	}
}
