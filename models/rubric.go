package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Criterion is one of the rubric's criteria.
type Criterion struct {
	Key         string  `db:"key" json:"key"`
	Position    int     `db:"position" json:"position"`
	Title       string  `db:"title" json:"title"`
	Weight      int     `db:"weight" json:"weight"`
	Description string  `db:"description" json:"description"`
	Signal      string  `db:"signal" json:"signal"`
	Anchors     Anchors `db:"anchors" json:"anchors"`
	LegalSource string  `db:"legal_source" json:"legal_source"`
}

// Anchors are the descriptions of scores 0 to 4, by index.
type Anchors []string

// Scan implements sql.Scanner over a jsonb array.
func (a *Anchors) Scan(src any) error {
	b, ok := src.([]byte)
	if !ok {
		if s, isStr := src.(string); isStr {
			b = []byte(s)
		} else {
			return fmt.Errorf("anchors: cannot scan %T", src)
		}
	}
	return json.Unmarshal(b, (*[]string)(a))
}

// Rubric is one version of the rubric with its criteria in order.
type Rubric struct {
	Version     int         `db:"version" json:"version"`
	PublishedAt time.Time   `db:"published_at" json:"published_at"`
	Notes       string      `db:"notes" json:"notes"`
	Criteria    []Criterion `db:"-" json:"criteria"`
}

// TotalWeight is the sum of the criteria weights; 100 for a valid rubric.
func (r Rubric) TotalWeight() int {
	total := 0
	for _, c := range r.Criteria {
		total += c.Weight
	}
	return total
}

// Criterion returns the criterion with the key.
func (r Rubric) Criterion(key string) (Criterion, bool) {
	for _, c := range r.Criteria {
		if c.Key == key {
			return c, true
		}
	}
	return Criterion{}, false
}

// CurrentRubric returns the newest rubric version.
func (s *Store) CurrentRubric(ctx context.Context) (Rubric, error) {
	var v int
	if err := s.q.GetContext(ctx, &v, `SELECT max(version) FROM rubric_versions`); err != nil {
		return Rubric{}, wrapErr("current rubric", err)
	}
	return s.RubricByVersion(ctx, v)
}

// RubricByVersion returns one rubric version with its criteria.
func (s *Store) RubricByVersion(ctx context.Context, version int) (Rubric, error) {
	var r Rubric
	err := s.q.GetContext(ctx, &r, `SELECT version, published_at, notes FROM rubric_versions WHERE version = $1`, version)
	if err != nil {
		return r, wrapErr(fmt.Sprintf("rubric version %d", version), err)
	}
	r.Criteria = []Criterion{}
	err = s.q.SelectContext(ctx, &r.Criteria, `
		SELECT key, position, title, weight, description, signal, anchors, legal_source
		FROM criteria WHERE rubric_version = $1 ORDER BY position`, version)
	if err != nil {
		return r, fmt.Errorf("criteria of rubric %d: %w", version, err)
	}
	return r, nil
}

// RubricVersions lists every rubric version, newest first, without criteria.
func (s *Store) RubricVersions(ctx context.Context) ([]Rubric, error) {
	out := []Rubric{}
	if err := s.q.SelectContext(ctx, &out, `SELECT version, published_at, notes FROM rubric_versions
		ORDER BY version DESC`); err != nil {
		return nil, fmt.Errorf("rubric versions: %w", err)
	}
	return out, nil
}

// criterionText is a criterion's texts in another language; empty fields
// (and a null anchors) are left untranslated.
type criterionText struct {
	Key         string  `db:"key"`
	Title       string  `db:"title"`
	Description string  `db:"description"`
	Signal      string  `db:"signal"`
	Anchors     *string `db:"anchors"`
	LegalSource string  `db:"legal_source"`
}

// RubricIn returns one rubric version with its criteria's texts in lang
// where criterion_translations has them, field by field, and in English
// elsewhere. Keys, weights and positions are the version's own. "en" (or
// an empty lang) is RubricByVersion.
func (s *Store) RubricIn(ctx context.Context, version int, lang string) (Rubric, error) {
	r, err := s.RubricByVersion(ctx, version)
	if err != nil || lang == "" || lang == "en" {
		return r, err
	}
	var texts []criterionText
	if err := s.q.SelectContext(ctx, &texts, `
		SELECT key, title, description, signal, anchors::text AS anchors, legal_source
		FROM criterion_translations WHERE rubric_version = $1 AND lang = $2`, version, lang); err != nil {
		return r, fmt.Errorf("criteria of rubric %d in %s: %w", version, lang, err)
	}
	byKey := make(map[string]criterionText, len(texts))
	for _, t := range texts {
		byKey[t.Key] = t
	}
	for i, c := range r.Criteria {
		t, ok := byKey[c.Key]
		if !ok {
			continue
		}
		c.Title = or(t.Title, c.Title)
		c.Description = or(t.Description, c.Description)
		c.Signal = or(t.Signal, c.Signal)
		c.LegalSource = or(t.LegalSource, c.LegalSource)
		if t.Anchors != nil {
			var a Anchors
			if err := json.Unmarshal([]byte(*t.Anchors), (*[]string)(&a)); err == nil && len(a) == len(c.Anchors) {
				for j := range a {
					a[j] = or(a[j], c.Anchors[j])
				}
				c.Anchors = a
			}
		}
		r.Criteria[i] = c
	}
	return r, nil
}

// CurrentRubricIn is CurrentRubric with its texts in lang (see RubricIn).
func (s *Store) CurrentRubricIn(ctx context.Context, lang string) (Rubric, error) {
	var v int
	if err := s.q.GetContext(ctx, &v, `SELECT max(version) FROM rubric_versions`); err != nil {
		return Rubric{}, wrapErr("current rubric", err)
	}
	return s.RubricIn(ctx, v, lang)
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
