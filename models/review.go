package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ReviewQueue lists activities no one has reviewed yet, newest first, with
// their sources (the snapshot passage they came from is one link away).
func (s *Store) ReviewQueue(ctx context.Context, limit, offset int) ([]Activity, int, error) {
	var ids []int64
	err := s.q.SelectContext(ctx, &ids, `SELECT id FROM activities WHERE review_status = 'new'
		ORDER BY first_seen DESC, id DESC LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("review queue: %w", err)
	}
	var total int
	if err := s.q.GetContext(ctx, &total, `SELECT count(*) FROM activities WHERE review_status = 'new'`); err != nil {
		return nil, 0, fmt.Errorf("count review queue: %w", err)
	}
	out := make([]Activity, 0, len(ids))
	for _, id := range ids {
		a, err := s.ActivityByID(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, nil
}

// ReviewActivity records a reviewer's decision, "accepted" or "rejected"
// (which needs a reason), and returns the activity before and after.
func (s *Store) ReviewActivity(ctx context.Context, id int64, decision, reason, reviewer string, at time.Time) (Activity, Activity, error) {
	fields := map[string]string{}
	if decision != "accepted" && decision != "rejected" {
		fields["decision"] = "must be accepted or rejected"
	}
	if decision == "rejected" && strings.TrimSpace(reason) == "" {
		fields["reason"] = "is required to reject"
	}
	if len(fields) > 0 {
		return Activity{}, Activity{}, &ValidationError{Fields: fields}
	}
	before, err := s.ActivityByID(ctx, id)
	if err != nil {
		return before, before, err
	}
	_, err = s.q.ExecContext(ctx, `UPDATE activities SET review_status = $2, review_reason = $3,
		reviewed_by = $4, reviewed_at = $5 WHERE id = $1`, id, decision, strings.TrimSpace(reason), reviewer, at)
	if err != nil {
		return before, before, wrapErr(fmt.Sprintf("review activity %d", id), err)
	}
	after, err := s.ActivityByID(ctx, id)
	return before, after, err
}
