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

// ScoreSummaries returns every jurisdiction, ordered by name, with its latest
// score run under the rubric version (level "unscored" when it has none).
func (s *Store) ScoreSummaries(ctx context.Context, rubricVersion int) ([]ScoreSummary, error) {
	out := []ScoreSummary{}
	err := s.q.SelectContext(ctx, &out, `
		SELECT j.code, j.fips, j.name, j.time_zone, j.census_region, j.tile_row, j.tile_col,
			j.federally_recognized_tribes,
			r.overall::float8 AS overall, r.coverage::float8 AS coverage,
			coalesce(r.level, 'unscored') AS level, r.rubric_version,
			r.computed_at AS updated_at, coalesce(r.demo, false) AS demo
		FROM jurisdictions j
		LEFT JOIN LATERAL (
			SELECT overall, coverage, level, rubric_version, computed_at, demo FROM score_runs
			WHERE jurisdiction = j.code AND rubric_version = $1
			ORDER BY computed_at DESC, id DESC LIMIT 1
		) r ON true
		ORDER BY j.name`, rubricVersion)
	if err != nil {
		return nil, fmt.Errorf("score summaries: %w", err)
	}
	return out, nil
}

const scoreRunColumns = `id, jurisdiction, rubric_version, computed_at, overall::float8 AS overall,
	coverage::float8 AS coverage, level, evidence_count, evidence_through, trigger, demo`

// LatestScorecard returns the jurisdiction's newest score run under the
// rubric version, with its criteria in rubric order and the overrides they
// cite.
func (s *Store) LatestScorecard(ctx context.Context, code string, rubricVersion int) (Scorecard, error) {
	var card Scorecard
	err := s.q.GetContext(ctx, &card, `SELECT `+scoreRunColumns+`
		FROM score_runs WHERE jurisdiction = $1 AND rubric_version = $2
		ORDER BY computed_at DESC, id DESC LIMIT 1`, NormalizeCode(code), rubricVersion)
	if err != nil {
		return Scorecard{}, wrapErr("scorecard of "+code, err)
	}
	card.Criteria = []CriterionScore{}
	err = s.q.SelectContext(ctx, &card.Criteria, `
		SELECT cs.criterion_key, cs.status, cs.score::int AS score, cs.rationale, cs.evidence_ids,
			cs.machine_status, cs.machine_score::int AS machine_score, cs.override_id
		FROM criterion_scores cs
		JOIN criteria c ON c.rubric_version = cs.rubric_version AND c.key = cs.criterion_key
		WHERE cs.score_run_id = $1 ORDER BY c.position`, card.ScoreRunID)
	if err != nil {
		return card, fmt.Errorf("criterion scores of run %d: %w", card.ScoreRunID, err)
	}
	var ids []int64
	for _, c := range card.Criteria {
		if c.OverrideID != nil {
			ids = append(ids, *c.OverrideID)
		}
	}
	byID, err := s.OverridesByID(ctx, ids)
	if err != nil {
		return card, err
	}
	for i, c := range card.Criteria {
		if c.OverrideID != nil {
			o := byID[*c.OverrideID]
			card.Criteria[i].Override = &o
		}
	}
	return card, nil
}

// ScoreHistory lists a jurisdiction's score runs under a rubric version,
// oldest first, without their criteria: the series of its overall score.
func (s *Store) ScoreHistory(ctx context.Context, code string, rubricVersion int) ([]Scorecard, error) {
	out := []Scorecard{}
	err := s.q.SelectContext(ctx, &out, `SELECT `+scoreRunColumns+`
		FROM score_runs WHERE jurisdiction = $1 AND rubric_version = $2
		ORDER BY computed_at, id`, NormalizeCode(code), rubricVersion)
	if err != nil {
		return nil, fmt.Errorf("score history of %s: %w", code, err)
	}
	return out, nil
}
