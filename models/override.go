package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// OverrideKind says what a staff override does.
type OverrideKind string

// The override kinds.
const (
	// OverrideScore replaces the machine's score with the staff's.
	OverrideScore OverrideKind = "score"
	// OverrideNoneFound records that staff searched and found no evidence:
	// the criterion scores 0 rather than staying out of the total.
	OverrideNoneFound OverrideKind = "none_found"
	// OverrideCleared withdraws the override before it.
	OverrideCleared OverrideKind = "cleared"
)

// Override is a staff judgement on one criterion of one jurisdiction.
type Override struct {
	ID            int64        `db:"id" json:"id"`
	Jurisdiction  string       `db:"jurisdiction" json:"jurisdiction"`
	RubricVersion int          `db:"rubric_version" json:"rubric_version"`
	CriterionKey  string       `db:"criterion_key" json:"criterion_key"`
	Kind          OverrideKind `db:"kind" json:"kind"`
	// Score is the staff score, read for OverrideScore only.
	Score int `db:"-" json:"-"`
	// ScoreValue is Score as stored and published: null for the kinds that
	// carry no score of their own.
	ScoreValue    *int      `db:"score" json:"score"`
	Justification string    `db:"justification" json:"justification"`
	Author        string    `db:"author" json:"author"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
}

func (o *Override) fromDB() {
	if o.ScoreValue != nil {
		o.Score = *o.ScoreValue
	}
}

// Validate checks an override against the rubric before it is stored.
func (o Override) Validate(r Rubric) error {
	fields := map[string]string{}
	if _, ok := r.Criterion(o.CriterionKey); !ok {
		fields["criterion"] = fmt.Sprintf("no criterion %q in rubric version %d", o.CriterionKey, r.Version)
	}
	switch o.Kind {
	case OverrideScore:
		if o.Score < 0 || o.Score > 4 {
			fields["score"] = "must be a whole number from 0 to 4"
		}
	case OverrideNoneFound, OverrideCleared:
	default:
		fields["kind"] = "must be score, none_found or cleared"
	}
	if strings.TrimSpace(o.Justification) == "" {
		fields["justification"] = "is required: say why the machine's score is wrong"
	}
	if strings.TrimSpace(o.Author) == "" {
		fields["author"] = "is required"
	}
	if len(fields) > 0 {
		return &ValidationError{Fields: fields}
	}
	return nil
}

const overrideColumns = `id, jurisdiction, rubric_version, criterion_key, kind, score, justification, author, created_at`

// AddOverride stores a staff override (the history keeps every one) and
// returns it as stored. It does not rescore; the caller does.
func (s *Store) AddOverride(ctx context.Context, o Override) (Override, error) {
	r, err := s.RubricByVersion(ctx, o.RubricVersion)
	if err != nil {
		return o, err
	}
	o.Jurisdiction = NormalizeCode(o.Jurisdiction)
	if err := o.Validate(r); err != nil {
		return o, err
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = time.Now()
	}
	var score *int
	if o.Kind == OverrideScore {
		score = &o.Score
	}
	var out Override
	err = s.q.GetContext(ctx, &out, `
		INSERT INTO overrides (jurisdiction, rubric_version, criterion_key, kind, score, justification, author, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+overrideColumns,
		o.Jurisdiction, o.RubricVersion, o.CriterionKey, o.Kind, score, strings.TrimSpace(o.Justification),
		strings.TrimSpace(o.Author), o.CreatedAt)
	if err != nil {
		return o, wrapErr("add override", err)
	}
	out.fromDB()
	return out, nil
}

// CurrentOverrides returns the overrides in force for a jurisdiction under a
// rubric version, by criterion key; a cleared criterion has none.
func (s *Store) CurrentOverrides(ctx context.Context, code string, version int) (map[string]Override, error) {
	var rows []Override
	err := s.q.SelectContext(ctx, &rows, `
		SELECT DISTINCT ON (criterion_key) `+overrideColumns+`
		FROM overrides WHERE jurisdiction = $1 AND rubric_version = $2
		ORDER BY criterion_key, created_at DESC, id DESC`, NormalizeCode(code), version)
	if err != nil {
		return nil, fmt.Errorf("overrides of %s: %w", code, err)
	}
	out := map[string]Override{}
	for _, o := range rows {
		if o.Kind != OverrideCleared {
			o.fromDB()
			out[o.CriterionKey] = o
		}
	}
	return out, nil
}

// Overrides lists every override ever made for a jurisdiction under a rubric
// version, newest first: the history behind each published score.
func (s *Store) Overrides(ctx context.Context, code string, version int) ([]Override, error) {
	out := []Override{}
	err := s.q.SelectContext(ctx, &out, `SELECT `+overrideColumns+` FROM overrides
		WHERE jurisdiction = $1 AND rubric_version = $2 ORDER BY created_at DESC, id DESC`, NormalizeCode(code), version)
	if err != nil {
		return nil, fmt.Errorf("override history of %s: %w", code, err)
	}
	for i := range out {
		out[i].fromDB()
	}
	return out, nil
}

// OverridesByID loads overrides by id, for scorecards that cite them.
func (s *Store) OverridesByID(ctx context.Context, ids []int64) (map[int64]Override, error) {
	out := map[int64]Override{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Override
	if err := s.q.SelectContext(ctx, &rows, `SELECT `+overrideColumns+` FROM overrides WHERE id = ANY($1)`, Int64List(ids)); err != nil {
		return nil, fmt.Errorf("overrides by id: %w", err)
	}
	for _, o := range rows {
		o.fromDB()
		out[o.ID] = o
	}
	return out, nil
}

// RecordOverride is a staff override as every interface makes it: the
// override under the current rubric, its audit entry (with the override it
// replaces) and the rescore it causes, in one transaction, so the published
// score, the override history and the audit log never disagree.
func (s *Store) RecordOverride(ctx context.Context, o Override, actor User, now time.Time) (Override, Scorecard, error) {
	var saved Override
	var card Scorecard
	err := s.InTx(ctx, func(tx *Store) error {
		j, err := tx.JurisdictionByCode(ctx, o.Jurisdiction)
		if err != nil {
			return err
		}
		o.Jurisdiction = j.Code
		rubric, err := tx.CurrentRubric(ctx)
		if err != nil {
			return err
		}
		o.RubricVersion = rubric.Version
		current, err := tx.CurrentOverrides(ctx, j.Code, rubric.Version)
		if err != nil {
			return err
		}
		var before any
		if prev, ok := current[o.CriterionKey]; ok {
			before = prev
		}
		if saved, err = tx.AddOverride(ctx, o); err != nil {
			return err
		}
		target := fmt.Sprintf("jurisdiction/%s/criterion/%s", j.Code, saved.CriterionKey)
		if err := tx.AppendAudit(ctx, actor, "override."+string(saved.Kind), target, before, saved); err != nil {
			return err
		}
		card, err = tx.Rescore(ctx, j.Code, now, "override")
		return err
	})
	return saved, card, err
}
