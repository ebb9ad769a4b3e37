package models_test

import (
	"errors"
	"testing"
	"time"

	"heard/models"
)

func TestStoreCriterionScores(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	rubric, err := s.CurrentRubric(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// card is an evidence-free scorecard with the language criterion set
	// to status and score.
	card := func(code string, at time.Time, status models.CriterionStatus, score *int) models.Scorecard {
		c := models.Score(rubric, code, nil, at)
		for i := range c.Criteria {
			if c.Criteria[i].Key == "language" {
				c.Criteria[i].Status, c.Criteria[i].Score = status, score
				c.Criteria[i].MachineStatus, c.Criteria[i].MachineScore = status, score
			}
		}
		return c
	}
	three, one := 3, 1
	for _, c := range []models.Scorecard{
		card("MA", t0.Add(-time.Hour), models.StatusScored, &one),
		card("MA", t0, models.StatusScored, &three), // the latest run wins
		card("WY", t0, models.StatusNoEvidence, nil),
	} {
		if _, err := s.InsertScoreRun(ctx, c); err != nil {
			t.Fatalf("InsertScoreRun: %v", err)
		}
	}
	got, err := s.CriterionScores(ctx, rubric.Version, "language", models.Draft)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d jurisdictions (%v), want MA and WY only", len(got), got)
	}
	if ma := got["MA"]; ma.Key != "language" || ma.Status != models.StatusScored || ma.Score == nil || *ma.Score != 3 {
		t.Errorf("MA: %+v, want the latest run's 3", ma)
	}
	if wy := got["WY"]; wy.Status != models.StatusNoEvidence || wy.Score != nil || wy.Rationale == "" {
		t.Errorf("WY: %+v, want no evidence with a rationale", wy)
	}
	if _, ok := got["OH"]; ok {
		t.Errorf("OH was never scored but is in the map")
	}

	for _, tc := range []struct {
		version int
		key     string
	}{{rubric.Version, "no_such_criterion"}, {rubric.Version + 1, "language"}} {
		if _, err := s.CriterionScores(ctx, tc.version, tc.key, models.Draft); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("CriterionScores(%d, %q): %v, want ErrNotFound", tc.version, tc.key, err)
		}
	}
	empty, err := s.CriterionScores(ctx, rubric.Version, rubric.Criteria[0].Key, models.Draft)
	if err != nil || empty == nil {
		t.Errorf("a criterion of the rubric: %v, %v", empty, err)
	}
}
