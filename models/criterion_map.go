package models

import (
	"context"
	"fmt"
)

// CriterionScores returns, by jurisdiction code, the published result of one
// criterion in each jurisdiction's latest score run under the rubric
// version: what the national map shows when it is coloured by a criterion.
// Jurisdictions never scored under the version are absent from the map. A
// key the rubric version does not have is ErrNotFound.
func (s *Store) CriterionScores(ctx context.Context, rubricVersion int, key string, scope Scope) (map[string]CriterionScore, error) {
	var known bool
	err := s.q.GetContext(ctx, &known,
		`SELECT EXISTS (SELECT 1 FROM criteria WHERE rubric_version = $1 AND key = $2)`, rubricVersion, key)
	if err != nil {
		return nil, fmt.Errorf("criterion %q of rubric %d: %w", key, rubricVersion, err)
	}
	if !known {
		return nil, fmt.Errorf("criterion %q of rubric %d: %w", key, rubricVersion, ErrNotFound)
	}
	var rows []struct {
		Jurisdiction string `db:"jurisdiction"`
		CriterionScore
	}
	// The run is chosen as ScoreSummaries and Scorecard choose it, so the
	// map and the state pages never disagree.
	err = s.q.SelectContext(ctx, &rows, `
		SELECT j.code AS jurisdiction, cs.criterion_key, cs.status, cs.score::int AS score, cs.rationale,
			cs.evidence_ids, cs.machine_status, cs.machine_score::int AS machine_score, cs.override_id
		FROM jurisdictions j
		JOIN LATERAL (`+latestRun(scope, "r.id")+`) r ON true
		JOIN criterion_scores cs ON cs.score_run_id = r.id AND cs.criterion_key = $2
		ORDER BY j.code`, rubricVersion, key)
	if err != nil {
		return nil, fmt.Errorf("scores of criterion %q under rubric %d: %w", key, rubricVersion, err)
	}
	out := make(map[string]CriterionScore, len(rows))
	for _, r := range rows {
		out[r.Jurisdiction] = r.CriterionScore
	}
	return out, nil
}
