package models_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"heard/models"
)

func TestStoreScoreRuns(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "MA")
	rubric, err := s.CurrentRubric(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, typ := range []models.ActivityType{models.TypePublicMeeting, models.TypeSurvey, models.TypeWebinar, models.TypeDraftPosted} {
		a := newActivity("MA", fmt.Sprintf("a%d", i))
		a.Type = typ
		mustUpsert(t, ctx, s, a, f.from(t0))
	}
	acts, _, err := s.Activities(ctx, models.ActivityFilter{Jurisdiction: "MA"})
	if err != nil {
		t.Fatal(err)
	}
	older := models.Score(rubric, "MA", acts[:1], t0.Add(-24*time.Hour))
	card := models.Score(rubric, "MA", acts, t0)
	stale := models.Score(rubric, "MA", acts[:2], t0.Add(-48*time.Hour))
	stale.Demo = true
	for _, c := range []models.Scorecard{older, card, stale} {
		if _, err := s.InsertScoreRun(ctx, c); err != nil {
			t.Fatalf("InsertScoreRun: %v", err)
		}
	}
	got, err := s.LatestScorecard(ctx, "ma", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ComputedAt.Equal(card.ComputedAt) || !equalFloat(got.Overall, card.Overall) || got.Coverage != card.Coverage ||
		got.Level != card.Level || got.EvidenceCount != 4 || got.Demo || got.RubricVersion != 1 || got.Jurisdiction != "MA" {
		t.Errorf("latest scorecard header = %+v, want that of %+v", got, card)
	}
	if len(got.Criteria) != 13 {
		t.Fatalf("%d criteria, want 13", len(got.Criteria))
	}
	var noEvidence int
	for i, c := range got.Criteria {
		want := card.Criteria[i]
		if c.Key != rubric.Criteria[i].Key || c.Status != want.Status || c.Rationale != want.Rationale ||
			!slices.Equal(c.EvidenceIDs, want.EvidenceIDs) || (c.Score == nil) != (want.Score == nil) ||
			(c.Score != nil && *c.Score != *want.Score) {
			t.Errorf("criterion %d = %+v, want %+v", i, c, want)
		}
		if c.Status == models.StatusNoEvidence {
			noEvidence++
			if c.Score != nil || c.EvidenceIDs == nil || len(c.EvidenceIDs) != 0 {
				t.Errorf("%s: no evidence stored as %+v", c.Key, c)
			}
		}
	}
	if modes := got.Criteria[4]; modes.Key != "modes" || modes.Score == nil || *modes.Score != 2 || len(modes.EvidenceIDs) != 3 {
		t.Errorf("modes = %+v, want 2 citing the three ways to take part", modes)
	}
	if noEvidence == 0 {
		t.Errorf("no criterion without evidence made the round trip")
	}
	if _, err := s.LatestScorecard(ctx, "RI", 1); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("scorecard of RI: %v, want ErrNotFound", err)
	}
	if _, err := s.LatestScorecard(ctx, "MA", 2); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("scorecard under rubric 2: %v, want ErrNotFound", err)
	}

	// A run with a criterion the rubric does not have is refused whole.
	bad := models.Score(rubric, "RI", nil, t0)
	bad.Criteria = append(bad.Criteria, models.CriterionScore{Key: "secret_sauce", Status: models.StatusNotScored,
		Rationale: "x", EvidenceIDs: models.Int64List{}})
	if _, err := s.InsertScoreRun(ctx, bad); err == nil {
		t.Errorf("run with an unknown criterion was stored")
	}
	if _, err := s.LatestScorecard(ctx, "RI", 1); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("half-stored run of RI: %v, want ErrNotFound", err)
	}

	demo := models.Score(rubric, "VT", nil, t0)
	demo.Demo = true
	if _, err := s.InsertScoreRun(ctx, demo); err != nil {
		t.Fatal(err)
	}
	sums, err := s.ScoreSummaries(ctx, 1, models.Draft)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 52 {
		t.Fatalf("%d summaries, want 52", len(sums))
	}
	if !slices.IsSortedFunc(sums, func(a, b models.ScoreSummary) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("summaries are not ordered by name")
	}
	for _, sum := range sums {
		switch sum.Code {
		case "MA":
			if sum.Level != card.Level || !equalFloat(sum.Overall, card.Overall) || sum.Coverage == nil ||
				*sum.Coverage != card.Coverage || sum.RubricVersion == nil || *sum.RubricVersion != 1 ||
				sum.UpdatedAt == nil || !sum.UpdatedAt.Equal(t0) || sum.Demo {
				t.Errorf("MA summary = %+v, want the run of %v", sum, t0)
			}
		case "VT":
			if sum.Level != models.LevelUnscored || sum.Overall != nil || sum.Coverage == nil || *sum.Coverage != 0 || !sum.Demo {
				t.Errorf("VT summary = %+v, want a demo run with nothing found", sum)
			}
		default:
			if sum.Level != models.LevelUnscored || sum.Overall != nil || sum.Coverage != nil ||
				sum.RubricVersion != nil || sum.UpdatedAt != nil || sum.Demo {
				t.Errorf("%s summary = %+v, want unscored with no run", sum.Code, sum)
			}
		}
	}
	none, err := s.ScoreSummaries(ctx, 2, models.Draft)
	if err != nil || len(none) != 52 || none[0].Level != models.LevelUnscored {
		t.Errorf("summaries under rubric 2: %d, %v", len(none), err)
	}
}

func equalFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func TestScrapeRunCount(t *testing.T) {
	var run models.ScrapeRun
	for _, o := range []models.UpsertOutcome{models.Inserted, models.Inserted, models.Updated, models.Unchanged, models.Unchanged, models.Unchanged} {
		run.Count(o)
	}
	if run.Found != 6 || run.Inserted != 2 || run.Updated != 1 || run.Unchanged != 3 || run.Cancelled != 0 {
		t.Errorf("counts = %+v, want 6 found: 2 inserted, 1 updated, 3 unchanged", run)
	}
}

func TestStoreScrapeRuns(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	src := mustSource(t, ctx, s, "MA", "https://doe.example.gov/a")
	other := mustSource(t, ctx, s, "MA", "https://doe.example.gov/b")
	first, err := s.StartScrapeRun(ctx, src.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.StartScrapeRun(ctx, src.ID, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartScrapeRun(ctx, other.ID, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || first.Status != "running" || first.SourceID != src.ID || second.ID == first.ID {
		t.Errorf("started runs %+v and %+v", first, second)
	}
	finished := t0.Add(5 * time.Minute)
	first.FinishedAt, first.Status, first.Error = &finished, "failed", "parse: no rows"
	first.Count(models.Inserted)
	first.Count(models.Unchanged)
	first.Cancelled = 1
	if err := s.FinishScrapeRun(ctx, first); err != nil {
		t.Fatal(err)
	}
	runs, err := s.ScrapeRunsBySource(ctx, src.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].ID != second.ID || runs[1].ID != first.ID {
		t.Fatalf("runs = %+v, want %d then %d", runs, second.ID, first.ID)
	}
	if r := runs[0]; r.Status != "running" || r.FinishedAt != nil || !r.StartedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("open run = %+v", r)
	}
	if r := runs[1]; r.Status != "failed" || r.FinishedAt == nil || !r.FinishedAt.Equal(finished) || r.Found != 2 ||
		r.Inserted != 1 || r.Unchanged != 1 || r.Updated != 0 || r.Cancelled != 1 || r.Error != "parse: no rows" {
		t.Errorf("finished run = %+v", r)
	}
	if latest, err := s.ScrapeRunsBySource(ctx, src.ID, 1); err != nil || len(latest) != 1 || latest[0].ID != second.ID {
		t.Errorf("latest run = %+v, %v; want only %d", latest, err, second.ID)
	}
	if none, err := s.ScrapeRunsBySource(ctx, 9999, 10); err != nil || none == nil || len(none) != 0 {
		t.Errorf("runs of an unknown source = %v, %v; want an empty list", none, err)
	}
	second.Status = "exploded"
	if err := s.FinishScrapeRun(ctx, second); err == nil {
		t.Errorf("a run finished with status %q was stored", second.Status)
	}
}

func TestStoreFetches(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	src := mustSource(t, ctx, s, "MA", "https://doe.example.gov/a")
	run, err := s.StartScrapeRun(ctx, src.ID, t0)
	if err != nil {
		t.Fatal(err)
	}
	key := mustSnapshot(t, ctx, s, "<html>ok</html>")
	fetches := []models.Fetch{
		{SourceID: src.ID, URL: src.URL, StatusCode: 503, StartedAt: t0, DurationMS: 40, Error: "503 Service Unavailable"},
		{SourceID: src.ID, ScrapeRunID: &run.ID, URL: src.URL, FinalURL: src.URL + "/", StatusCode: 200,
			StartedAt: t0.Add(time.Hour), DurationMS: 120, Bytes: 15, SHA256: &key},
		{SourceID: src.ID, URL: src.URL, StatusCode: 304, StartedAt: t0.Add(2 * time.Hour), DurationMS: 9},
	}
	for i := range fetches {
		id, err := s.InsertFetch(ctx, fetches[i])
		if err != nil {
			t.Fatal(err)
		}
		fetches[i].ID = id
	}
	got, err := s.FetchesBySource(ctx, src.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != fetches[2].ID || got[1].ID != fetches[1].ID || got[2].ID != fetches[0].ID {
		t.Fatalf("fetches = %+v, want newest first", got)
	}
	ok := got[1]
	if ok.StatusCode != 200 || ok.FinalURL != src.URL+"/" || ok.Bytes != 15 || ok.DurationMS != 120 ||
		ok.SHA256 == nil || *ok.SHA256 != key || ok.ScrapeRunID == nil || *ok.ScrapeRunID != run.ID || !ok.StartedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("fetch = %+v, want the 200 as inserted", ok)
	}
	if failed := got[2]; failed.SHA256 != nil || failed.ScrapeRunID != nil || failed.Error != "503 Service Unavailable" {
		t.Errorf("failed fetch = %+v", failed)
	}
	if latest, err := s.FetchesBySource(ctx, src.ID, 1); err != nil || len(latest) != 1 || latest[0].StatusCode != 304 {
		t.Errorf("latest fetch = %+v, %v", latest, err)
	}
	unknown := models.SHA256Hex([]byte("never stored"))
	if _, err := s.InsertFetch(ctx, models.Fetch{SourceID: src.ID, URL: src.URL, StartedAt: t0, SHA256: &unknown}); err == nil {
		t.Errorf("a fetch citing a snapshot never stored was recorded")
	}
}

func TestStoreInTx(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	errBoom := errors.New("boom")
	// write registers a source at url and stores url as a snapshot body.
	write := func(tx *models.Store, url string) error {
		if _, err := tx.UpsertSource(ctx, models.Source{Jurisdiction: "MA", Kind: models.KindHTML, URL: url}); err != nil {
			return err
		}
		_, err := tx.PutSnapshot(ctx, models.Snapshot{MediaType: "text/plain", Body: []byte(url)})
		return err
	}
	tests := []struct {
		name    string
		url     string
		fn      func(tx *models.Store, url string) error
		wantErr error // nil: any error
		visible bool
	}{
		{"commit", "https://doe.example.gov/ok", write, nil, true},
		{"error rolls back", "https://doe.example.gov/boom", func(tx *models.Store, url string) error {
			if err := write(tx, url); err != nil {
				return err
			}
			return fmt.Errorf("after writing: %w", errBoom)
		}, errBoom, false},
		{"nested call joins the outer transaction", "https://doe.example.gov/nested", func(tx *models.Store, url string) error {
			if err := tx.InTx(ctx, func(inner *models.Store) error { return write(inner, url) }); err != nil {
				return err
			}
			return errBoom
		}, errBoom, false},
		{"failed statement rolls back earlier ones", "https://doe.example.gov/partial", func(tx *models.Store, url string) error {
			if err := write(tx, url); err != nil {
				return err
			}
			_, err := tx.UpsertSource(ctx, models.Source{Jurisdiction: "ZZ", Kind: models.KindHTML, URL: "https://doe.example.gov/zz"})
			return err
		}, nil, false},
	}
	for _, tc := range tests {
		err := s.InTx(ctx, func(tx *models.Store) error { return tc.fn(tx, tc.url) })
		switch {
		case tc.visible && err != nil:
			t.Errorf("%s: InTx = %v", tc.name, err)
		case !tc.visible && err == nil:
			t.Errorf("%s: InTx succeeded, want an error", tc.name)
		case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
			t.Errorf("%s: InTx = %v, want %v", tc.name, err, tc.wantErr)
		}
		srcs, err := s.Sources(ctx, "MA")
		if err != nil {
			t.Fatal(err)
		}
		found := slices.ContainsFunc(srcs, func(src models.Source) bool { return src.URL == tc.url })
		_, snapErr := s.SnapshotBySHA256(ctx, models.SHA256Hex([]byte(tc.url)))
		if found != tc.visible || (snapErr == nil) != tc.visible {
			t.Errorf("%s: source visible %v, snapshot lookup %v; want visible %v", tc.name, found, snapErr, tc.visible)
		}
	}
	if n := count(t, ctx, s, "sources"); n != 1 {
		t.Errorf("%d sources after one committed transaction, want 1", n)
	}
}
