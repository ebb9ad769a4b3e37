package models_test

import (
	"errors"
	"testing"
	"time"

	"heard/models"
)

func TestStoreOverridesAndRescore(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "OH") // Ohio: no federally recognized tribes
	a := newActivity("OH", "tour")
	a.Type = models.TypeCommentPeriod
	start, end := t0, t0.Add(40*24*time.Hour)
	a.Start, a.End = &start, &end
	mustUpsert(t, ctx, s, a, f.from(t0))

	first, err := s.Rescore(ctx, "oh", t0, "manual")
	if err != nil {
		t.Fatal(err)
	}
	byKey := func(card models.Scorecard) map[string]models.CriterionScore {
		out := map[string]models.CriterionScore{}
		for _, c := range card.Criteria {
			out[c.Key] = c
		}
		return out
	}
	if c := byKey(first)["tribal"]; c.Status != models.StatusNotApplicable {
		t.Errorf("tribal in Ohio: %+v, want not applicable", c)
	}
	machine := byKey(first)["comment"]
	if machine.Status != models.StatusScored || *machine.Score != 2 {
		t.Fatalf("comment before override: %+v", machine)
	}

	bad := []models.Override{
		{Jurisdiction: "OH", RubricVersion: 1, CriterionKey: "comment", Kind: models.OverrideScore, Score: 5, Justification: "x", Author: "a"},
		{Jurisdiction: "OH", RubricVersion: 1, CriterionKey: "comment", Kind: models.OverrideScore, Score: 3, Justification: "  ", Author: "a"},
		{Jurisdiction: "OH", RubricVersion: 1, CriterionKey: "nope", Kind: models.OverrideNoneFound, Justification: "x", Author: "a"},
		{Jurisdiction: "OH", RubricVersion: 1, CriterionKey: "comment", Kind: "maybe", Justification: "x", Author: "a"},
	}
	for i, o := range bad {
		var verr *models.ValidationError
		if _, err := s.AddOverride(ctx, o); !errors.As(err, &verr) {
			t.Errorf("bad override %d: err %v, want a validation error", i, err)
		}
	}
	if _, err := s.AddOverride(ctx, models.Override{Jurisdiction: "OH", RubricVersion: 9, CriterionKey: "comment",
		Kind: models.OverrideNoneFound, Justification: "x", Author: "a"}); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("override under a missing rubric version: %v", err)
	}

	o, err := s.AddOverride(ctx, models.Override{Jurisdiction: "oh", RubricVersion: 1, CriterionKey: "comment",
		Kind: models.OverrideScore, Score: 3, Justification: "A second round on the revised draft was held; see the board minutes.",
		Author: "analyst@example.org", CreatedAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddOverride(ctx, models.Override{Jurisdiction: "OH", RubricVersion: 1, CriterionKey: "tribal",
		Kind: models.OverrideNoneFound, Justification: "Searched the agency site and minutes.", Author: "analyst@example.org",
		CreatedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	second, err := s.Rescore(ctx, "OH", t0.Add(2*time.Hour), "override")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.LatestScorecard(ctx, "OH", 1)
	if err != nil {
		t.Fatal(err)
	}
	if stored.ScoreRunID != second.ScoreRunID || stored.Trigger != "override" || stored.EvidenceThrough == nil {
		t.Errorf("stored run %+v", stored)
	}
	comment := byKey(stored)["comment"]
	if *comment.Score != 3 || comment.MachineStatus != models.StatusScored || *comment.MachineScore != 2 ||
		comment.Override == nil || comment.Override.ID != o.ID || comment.Override.Justification == "" {
		t.Errorf("comment after override: %+v (override %+v)", comment, comment.Override)
	}
	tribal := byKey(stored)["tribal"]
	if tribal.Status != models.StatusScored || *tribal.Score != 0 || tribal.MachineStatus != models.StatusNotApplicable {
		t.Errorf("tribal marked none found: %+v", tribal)
	}

	// Clearing withdraws the override; the history keeps all three.
	if _, err := s.AddOverride(ctx, models.Override{Jurisdiction: "OH", RubricVersion: 1, CriterionKey: "comment",
		Kind: models.OverrideCleared, Justification: "Minutes were of another plan.", Author: "editor@example.org",
		CreatedAt: t0.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	current, err := s.CurrentOverrides(ctx, "OH", 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := current["comment"]; ok || len(current) != 1 {
		t.Errorf("current overrides %+v, want only tribal", current)
	}
	third, err := s.Rescore(ctx, "OH", t0.Add(4*time.Hour), "override")
	if err != nil {
		t.Fatal(err)
	}
	if c := byKey(third)["comment"]; *c.Score != 2 || c.Override != nil {
		t.Errorf("comment after clearing: %+v", c)
	}
	hist, err := s.Overrides(ctx, "OH", 1)
	if err != nil || len(hist) != 3 || hist[0].Kind != models.OverrideCleared {
		t.Errorf("override history %+v (%v)", hist, err)
	}
	series, err := s.ScoreHistory(ctx, "OH", 1, models.Draft)
	if err != nil || len(series) != 3 || series[0].ScoreRunID != first.ScoreRunID || series[2].ScoreRunID != third.ScoreRunID {
		t.Errorf("score history %+v (%v)", series, err)
	}
}

// TestStoreRubricVersions: a new rubric version scores new runs under its own
// weights while the old version's runs stay served as they were.
func TestStoreRubricVersions(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	f := newFixture(t, ctx, s, "VT")
	mustUpsert(t, ctx, s, newActivity("VT", "a"), f.from(t0))
	v1, err := s.Rescore(ctx, "VT", t0, "manual")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO rubric_versions (version, published_at, notes)
		VALUES (2, $1, 'groups weigh more')`, t0); err != nil {
		t.Fatal(err)
	}
	_, err = s.DB().ExecContext(ctx, `
		INSERT INTO criteria (rubric_version, key, position, title, weight, description, signal, anchors, legal_source)
		SELECT 2, key, position, title, CASE key WHEN 'groups' THEN weight + 5 WHEN 'ongoing' THEN weight - 5 ELSE weight END,
			description, signal, anchors, legal_source FROM criteria WHERE rubric_version = 1`)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.Rescore(ctx, "VT", t0.Add(time.Hour), "manual")
	if err != nil {
		t.Fatal(err)
	}
	if v2.RubricVersion != 2 {
		t.Fatalf("new runs use version %d, want 2", v2.RubricVersion)
	}
	old, err := s.LatestScorecard(ctx, "VT", 1)
	if err != nil || old.ScoreRunID != v1.ScoreRunID || old.RubricVersion != 1 {
		t.Errorf("version 1 scorecard %+v (%v), want the run made under it", old, err)
	}
	r2, err := s.RubricByVersion(ctx, 2)
	if err != nil || r2.TotalWeight() != 100 {
		t.Errorf("rubric 2: weight %d (%v)", r2.TotalWeight(), err)
	}
	if *v1.Overall == *v2.Overall {
		t.Errorf("overall unchanged (%v) although weights changed", *v1.Overall)
	}
}

func TestScoreLeavesOutCancelledActivities(t *testing.T) {
	rubric := models.Rubric{Version: 1, Criteria: []models.Criterion{{Key: "modes", Weight: 100}}}
	start := t0
	acts := []models.Activity{}
	for i, typ := range []models.ActivityType{models.TypeSurvey, models.TypeWebinar, models.TypeTownHall, models.TypeFocusGroup, models.TypeListeningSession} {
		acts = append(acts, models.Activity{ID: int64(i + 1), Type: typ, Phase: models.PhaseDraft, Start: &start,
			Status: models.StatusCancelled})
	}
	card := models.Score(rubric, "OH", acts, t0)
	if c := card.Criteria[0]; c.Status != models.StatusNoEvidence || card.EvidenceCount != 0 {
		t.Errorf("five cancelled activities scored: %+v (evidence %d)", c, card.EvidenceCount)
	}
	acts[0].Status = models.StatusHeld
	card = models.Score(rubric, "OH", acts, t0)
	if c := card.Criteria[0]; c.Status != models.StatusScored || len(c.EvidenceIDs) != 1 || c.EvidenceIDs[0] != 1 {
		t.Errorf("the one held activity: %+v", c)
	}
}
