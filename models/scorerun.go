package models

import (
	"cmp"
	"context"
	"fmt"
	"time"
)

// InsertScoreRun stores a scorecard as a new score run and returns its id.
func (s *Store) InsertScoreRun(ctx context.Context, card Scorecard) (int64, error) {
	var id int64
	err := s.InTx(ctx, func(tx *Store) error {
		err := tx.q.GetContext(ctx, &id, `
			INSERT INTO score_runs (jurisdiction, rubric_version, computed_at, overall, coverage, level,
				evidence_count, demo, trigger, evidence_through)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			NormalizeCode(card.Jurisdiction), card.RubricVersion, card.ComputedAt, card.Overall,
			card.Coverage, card.Level, card.EvidenceCount, card.Demo, cmp.Or(card.Trigger, "manual"),
			card.EvidenceThrough)
		if err != nil {
			return wrapErr("insert score run", err)
		}
		for _, c := range card.Criteria {
			machine := cmp.Or(c.MachineStatus, c.Status)
			machineScore := c.MachineScore
			if c.MachineStatus == "" {
				machineScore = c.Score
			}
			_, err := tx.q.ExecContext(ctx, `
				INSERT INTO criterion_scores (score_run_id, rubric_version, criterion_key, status, score,
					rationale, evidence_ids, machine_status, machine_score, override_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				id, card.RubricVersion, c.Key, c.Status, c.Score, c.Rationale, c.EvidenceIDs,
				machine, machineScore, c.OverrideID)
			if err != nil {
				return wrapErr("insert criterion score "+c.Key, err)
			}
		}
		return nil
	})
	return id, err
}

// ScoreSummary is a jurisdiction with its latest overall score.
type ScoreSummary struct {
	Jurisdiction
	Overall       *float64   `db:"overall" json:"overall"`
	Coverage      *float64   `db:"coverage" json:"coverage"`
	Level         Level      `db:"level" json:"level"`
	RubricVersion *int       `db:"rubric_version" json:"rubric_version"`
	UpdatedAt     *time.Time `db:"updated_at" json:"updated_at"`
	Demo          bool       `db:"demo" json:"demo"`
}

// ScoreSummaries returns every jurisdiction, ordered by name, with the
// score run under the rubric version that scope sees (level "unscored" when
// it has none).
func (s *Store) ScoreSummaries(ctx context.Context, rubricVersion int, scope Scope) ([]ScoreSummary, error) {
	out := []ScoreSummary{}
	err := s.q.SelectContext(ctx, &out, `
		SELECT j.code, j.fips, j.name, j.time_zone, j.census_region, j.tile_row, j.tile_col,
			j.federally_recognized_tribes,
			r.overall::float8 AS overall, r.coverage::float8 AS coverage,
			coalesce(r.level, 'unscored') AS level, r.rubric_version,
			r.computed_at AS updated_at, coalesce(r.demo, false) AS demo
		FROM jurisdictions j
		LEFT JOIN LATERAL (`+latestRun(scope, "r.overall, r.coverage, r.level, r.rubric_version, r.computed_at, r.demo")+`) r ON true
		ORDER BY j.name`, rubricVersion)
	if err != nil {
		return nil, fmt.Errorf("score summaries: %w", err)
	}
	return out, nil
}

const scoreRunColumns = `r.id, r.jurisdiction, r.rubric_version, r.computed_at, r.overall::float8 AS overall,
	r.coverage::float8 AS coverage, r.level, r.evidence_count, r.evidence_through, r.trigger, r.demo`

// LatestScorecard returns the jurisdiction's newest score run under the
// rubric version, published or not: the draft staff work on.
func (s *Store) LatestScorecard(ctx context.Context, code string, rubricVersion int) (Scorecard, error) {
	return s.Scorecard(ctx, code, rubricVersion, Draft)
}

// Scorecard returns the score run of the jurisdiction under the rubric
// version that scope sees, with its criteria in rubric order and the
// overrides they cite; a published one carries its publication and the
// agency's reply.
func (s *Store) Scorecard(ctx context.Context, code string, rubricVersion int, scope Scope) (Scorecard, error) {
	var card Scorecard
	err := s.q.GetContext(ctx, &card, `SELECT r.*
		FROM jurisdictions j, LATERAL (`+latestRun(scope, scoreRunColumns)+`) r
		WHERE j.code = $2`, rubricVersion, NormalizeCode(code))
	if err != nil {
		return Scorecard{}, wrapErr("scorecard of "+code, err)
	}
	if scope == Published {
		var review ScorecardReview
		err := s.q.GetContext(ctx, &review, `SELECT `+reviewColumns+` FROM scorecard_reviews
			WHERE jurisdiction = $1 AND state = 'published' AND score_run_id = $2
			ORDER BY published_at DESC, id DESC LIMIT 1`, card.Jurisdiction, card.ScoreRunID)
		if err != nil {
			return card, wrapErr("publication of "+code, err)
		}
		card.Publication = review.Publication()
	}
	err = s.loadCriteria(ctx, &card)
	return card, err
}

// ScorecardRun returns one score run with its criteria.
func (s *Store) ScorecardRun(ctx context.Context, id int64) (Scorecard, error) {
	var card Scorecard
	if err := s.q.GetContext(ctx, &card, `SELECT `+scoreRunColumns+` FROM score_runs r WHERE r.id = $1`, id); err != nil {
		return card, wrapErr(fmt.Sprintf("score run %d", id), err)
	}
	err := s.loadCriteria(ctx, &card)
	return card, err
}

// loadCriteria reads a run's criteria in rubric order and the overrides
// they cite.
func (s *Store) loadCriteria(ctx context.Context, card *Scorecard) error {
	card.Criteria = []CriterionScore{}
	err := s.q.SelectContext(ctx, &card.Criteria, `
		SELECT cs.criterion_key, cs.status, cs.score::int AS score, cs.rationale, cs.evidence_ids,
			cs.machine_status, cs.machine_score::int AS machine_score, cs.override_id
		FROM criterion_scores cs
		JOIN criteria c ON c.rubric_version = cs.rubric_version AND c.key = cs.criterion_key
		WHERE cs.score_run_id = $1 ORDER BY c.position`, card.ScoreRunID)
	if err != nil {
		return fmt.Errorf("criterion scores of run %d: %w", card.ScoreRunID, err)
	}
	var ids []int64
	for _, c := range card.Criteria {
		if c.OverrideID != nil {
			ids = append(ids, *c.OverrideID)
		}
	}
	byID, err := s.OverridesByID(ctx, ids)
	if err != nil {
		return err
	}
	for i, c := range card.Criteria {
		if c.OverrideID != nil {
			o := byID[*c.OverrideID]
			card.Criteria[i].Override = &o
		}
	}
	return nil
}

// ScoreHistory lists a jurisdiction's score runs under a rubric version,
// oldest first, without their criteria: the series of its overall score.
// The Published scope lists the runs that were published, in the order
// they were; Draft lists every run.
func (s *Store) ScoreHistory(ctx context.Context, code string, rubricVersion int, scope Scope) ([]Scorecard, error) {
	out := []Scorecard{}
	query := `SELECT ` + scoreRunColumns + ` FROM score_runs r
		WHERE jurisdiction = $1 AND rubric_version = $2 ORDER BY computed_at, id`
	if scope == Published {
		query = `SELECT ` + scoreRunColumns + ` FROM score_runs r
			JOIN (SELECT score_run_id, min(published_at) AS published_at FROM scorecard_reviews
				WHERE jurisdiction = $1 AND state = 'published' GROUP BY score_run_id) p ON p.score_run_id = r.id
			WHERE r.rubric_version = $2 ORDER BY p.published_at, r.id`
	}
	err := s.q.SelectContext(ctx, &out, query, NormalizeCode(code), rubricVersion)
	if err != nil {
		return nil, fmt.Errorf("score history of %s: %w", code, err)
	}
	return out, nil
}
