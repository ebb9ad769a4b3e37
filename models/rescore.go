package models

import (
	"context"
	"fmt"
	"time"
)

// Rescore scores one jurisdiction's current evidence and overrides under
// the current rubric and stores the result as a new score run, noting what
// triggered it.
func (s *Store) Rescore(ctx context.Context, code string, now time.Time, trigger string) (Scorecard, error) {
	rubric, err := s.CurrentRubric(ctx)
	if err != nil {
		return Scorecard{}, err
	}
	j, err := s.JurisdictionByCode(ctx, code)
	if err != nil {
		return Scorecard{}, err
	}
	acts, _, err := s.Activities(ctx, ActivityFilter{Jurisdiction: j.Code, WithoutSources: true})
	if err != nil {
		return Scorecard{}, err
	}
	overrides, err := s.CurrentOverrides(ctx, j.Code, rubric.Version)
	if err != nil {
		return Scorecard{}, err
	}
	card := ScoreWith(ScoreInput{Rubric: rubric, Jurisdiction: j, Activities: acts, Overrides: overrides, Now: now})
	card.Trigger = trigger
	if !card.Demo {
		// A jurisdiction read only from demo sources is demo data even while
		// they have yielded nothing.
		if err := s.q.GetContext(ctx, &card.Demo, `SELECT EXISTS (SELECT 1 FROM sources
			WHERE jurisdiction = $1 AND demo AND enabled)`, j.Code); err != nil {
			return card, fmt.Errorf("demo sources of %s: %w", j.Code, err)
		}
	}
	id, err := s.InsertScoreRun(ctx, card)
	if err != nil {
		return card, fmt.Errorf("rescore %s: %w", j.Code, err)
	}
	card.ScoreRunID = id
	return card, nil
}

// DisableDemoSourcesExcept disables demo sources whose URL does not start
// with baseURL: those of an earlier demo server, now gone. An empty baseURL
// disables every demo source, as a server not in demo mode does.
func (s *Store) DisableDemoSourcesExcept(ctx context.Context, baseURL string) (int64, error) {
	res, err := s.q.ExecContext(ctx, `
		UPDATE sources SET enabled = false, disabled_reason = 'demo corpus not served', updated_at = now()
		WHERE demo AND enabled AND ($1 = '' OR left(url, length($1)) <> $1)`, baseURL)
	if err != nil {
		return 0, fmt.Errorf("disable old demo sources: %w", err)
	}
	return res.RowsAffected()
}

// HasDemoSources reports whether any enabled source is a demo source: then
// what is shown is demonstration data.
func (s *Store) HasDemoSources(ctx context.Context) (bool, error) {
	var demo bool
	if err := s.q.GetContext(ctx, &demo, `SELECT EXISTS (SELECT 1 FROM sources WHERE demo AND enabled)`); err != nil {
		return false, fmt.Errorf("demo sources: %w", err)
	}
	return demo, nil
}
