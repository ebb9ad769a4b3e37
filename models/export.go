package models

import (
	"context"
	"fmt"
	"time"
)

// ScorecardRow is one criterion of a jurisdiction's latest score run: a row
// of the scorecards bulk export.
type ScorecardRow struct {
	Jurisdiction     string          `db:"jurisdiction"`
	JurisdictionName string          `db:"jurisdiction_name"`
	RubricVersion    int             `db:"rubric_version"`
	CriterionKey     string          `db:"criterion_key"`
	CriterionTitle   string          `db:"criterion_title"`
	Weight           int             `db:"weight"`
	Status           CriterionStatus `db:"status"`
	Score            *int            `db:"score"`
	// OverrideScore is the staff override in force when the run was made
	// (Score is then the same number); null when the machine's score stands.
	OverrideScore *int      `db:"override_score"`
	Level         Level     `db:"level"`
	Overall       *float64  `db:"overall"`
	Coverage      float64   `db:"coverage"`
	Rationale     string    `db:"rationale"`
	EvidenceIDs   Int64List `db:"evidence_ids"`
	ScoreRunID    int64     `db:"score_run_id"`
	ComputedAt    time.Time `db:"computed_at"`
	Demo          bool      `db:"demo"`
}

// ScorecardRows calls fn with every criterion of the score run scope sees
// of each jurisdiction under the rubric version, by jurisdiction code and then
// rubric order. Jurisdictions never scored under the version have no rows.
// Rows are read one at a time from the cursor, so an export of any size
// runs in constant memory; an error from fn stops the walk and is returned.
func (s *Store) ScorecardRows(ctx context.Context, rubricVersion int, scope Scope, fn func(ScorecardRow) error) error {
	rows, err := s.q.QueryxContext(ctx, `
		SELECT j.code AS jurisdiction, j.name AS jurisdiction_name, r.rubric_version,
			c.key AS criterion_key, c.title AS criterion_title, c.weight::int AS weight,
			coalesce(cs.status, 'not_scored') AS status, cs.score::int AS score,
			CASE WHEN cs.override_id IS NOT NULL THEN cs.score::int END AS override_score,
			r.level, r.overall::float8 AS overall, r.coverage::float8 AS coverage,
			coalesce(cs.rationale, 'Not scored yet.') AS rationale,
			coalesce(cs.evidence_ids, '{}') AS evidence_ids,
			r.id AS score_run_id, r.computed_at, r.demo
		FROM jurisdictions j
		JOIN LATERAL (`+latestRun(scope, "r.id, r.rubric_version, r.computed_at, r.overall, r.coverage, r.level, r.demo")+`) r ON true
		JOIN criteria c ON c.rubric_version = r.rubric_version
		LEFT JOIN criterion_scores cs ON cs.score_run_id = r.id AND cs.criterion_key = c.key
		ORDER BY j.code, c.position`, rubricVersion)
	if err != nil {
		return fmt.Errorf("scorecard rows of rubric %d: %w", rubricVersion, err)
	}
	defer rows.Close()
	for rows.Next() {
		var row ScorecardRow
		if err := rows.StructScan(&row); err != nil {
			return fmt.Errorf("scan scorecard row: %w", err)
		}
		row.ComputedAt = row.ComputedAt.UTC()
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("scorecard rows of rubric %d: %w", rubricVersion, err)
	}
	return nil
}

// ActivityRow is an activity with the provenance of its most recent
// source row: a row of the activities bulk export.
type ActivityRow struct {
	Activity
	SourceURL      string     `db:"source_url"`
	SnapshotSHA256 string     `db:"snapshot_sha256"`
	RetrievedAt    *time.Time `db:"retrieved_at"`
}

// ActivityRows calls fn with every activity, of one jurisdiction when code
// is not empty, in id order, each with its most recently retrieved source.
// Activities staff rejected, and reports from the public staff have not
// accepted, are left out, as they are from the public listing and from
// scoring. Start and end are in the activity's own time
// zone; the other times are UTC. Rows are read one at a time from the
// cursor; an error from fn stops the walk and is returned.
func (s *Store) ActivityRows(ctx context.Context, code string, fn func(ActivityRow) error) error {
	// The code is compared as char(2), the column's type, so that the
	// planner's estimates hold and it walks the primary key in id order:
	// the first row leaves before the last is read, with no sort to wait on.
	rows, err := s.q.QueryxContext(ctx, `
		SELECT a.id, a.jurisdiction, a.activity_type, a.title, a.description, a.url,
			a.start_at, a.end_at, a.all_day, a.time_zone, a.location, a.region, a.remote,
			a.languages, a.interpretation, a.accessibility, a.audience_groups, a.features,
			a.plan_phase, a.status, a.review_status, a.demo, a.first_seen, a.last_seen, a.updated_at,
			coalesce(src.url, '') AS source_url, coalesce(src.snapshot_sha256, '') AS snapshot_sha256,
			src.retrieved_at
		FROM activities a
		LEFT JOIN LATERAL (
			SELECT url, snapshot_sha256, retrieved_at FROM activity_sources
			WHERE activity_id = a.id ORDER BY retrieved_at DESC, url LIMIT 1
		) src ON true
		WHERE ($1::bpchar = '' OR a.jurisdiction = $1::bpchar) AND a.review_status <> 'rejected'
			AND a.deleted_at IS NULL
			AND (a.origin <> 'public' OR a.review_status = 'accepted')
		ORDER BY a.id`, NormalizeCode(code))
	if err != nil {
		return fmt.Errorf("activity rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var row ActivityRow
		if err := rows.StructScan(&row); err != nil {
			return fmt.Errorf("scan activity row: %w", err)
		}
		row.inZone()
		if err := fn(row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("activity rows: %w", err)
	}
	return nil
}

// inZone shows start and end in the activity's time zone and every other
// time in UTC.
func (r *ActivityRow) inZone() {
	loc := Zone(r.TimeZone)
	if r.Start != nil {
		t := r.Start.In(loc)
		r.Start = &t
	}
	if r.End != nil {
		t := r.End.In(loc)
		r.End = &t
	}
	r.FirstSeen, r.LastSeen, r.UpdatedAt = r.FirstSeen.UTC(), r.LastSeen.UTC(), r.UpdatedAt.UTC()
	if r.RetrievedAt != nil {
		t := r.RetrievedAt.UTC()
		r.RetrievedAt = &t
	}
}
