package models

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ReviewItem is an activity awaiting review with the passage of the
// snapshot it was read from.
type ReviewItem struct {
	Activity
	// Passage is the stretch of the newest snapshot's text around where
	// the activity's title appears (its opening when the title is not
	// found): what the reviewer checks the record against.
	Passage string `json:"passage"`
}

// ReviewQueue lists activities no one has reviewed yet, newest first, with
// their sources and the snapshot passage each came from.
func (s *Store) ReviewQueue(ctx context.Context, limit, offset int) ([]ReviewItem, int, error) {
	var ids []int64
	err := s.q.SelectContext(ctx, &ids, `SELECT id FROM activities WHERE review_status = 'new' AND deleted_at IS NULL
		ORDER BY first_seen DESC, id DESC LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("review queue: %w", err)
	}
	var total int
	if err := s.q.GetContext(ctx, &total, `SELECT count(*) FROM activities WHERE review_status = 'new' AND deleted_at IS NULL`); err != nil {
		return nil, 0, fmt.Errorf("count review queue: %w", err)
	}
	out := make([]ReviewItem, 0, len(ids))
	for _, id := range ids {
		a, err := s.ActivityByID(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		item := ReviewItem{Activity: a}
		if item.Passage, err = s.Passage(ctx, a); err != nil {
			return nil, 0, err
		}
		out = append(out, item)
	}
	return out, total, nil
}

// passageRadius is how much text a passage shows each side of the match.
const passageRadius = 280

// Passage returns the stretch of the text of the activity's newest
// snapshot around its title, or the text's opening.
func (s *Store) Passage(ctx context.Context, a Activity) (string, error) {
	if len(a.Sources) == 0 {
		return "", nil
	}
	var text string
	err := s.q.GetContext(ctx, &text, `SELECT text FROM snapshots WHERE sha256 = $1`, a.Sources[0].SnapshotSHA256)
	if err != nil {
		return "", wrapErr("snapshot text", err)
	}
	return passage(text, a.Title), nil
}

// passage cuts text to about passageRadius runes each side of the first
// case-insensitive occurrence of needle, on word boundaries, with an
// ellipsis where it was cut.
func passage(text, needle string) string {
	text = strings.Join(strings.Fields(text), " ")
	runes := []rune(text)
	at := 0
	if needle = strings.Join(strings.Fields(needle), " "); needle != "" {
		// Lower-casing can change a few characters' lengths; an index past
		// the text is then ignored.
		if i := strings.Index(strings.ToLower(text), strings.ToLower(needle)); i >= 0 && i <= len(text) {
			at = len([]rune(text[:i]))
		}
	}
	from, to := max(0, at-passageRadius), min(len(runes), at+len([]rune(needle))+passageRadius)
	for from > 0 && from < at && runes[from-1] != ' ' {
		from++
	}
	for to < len(runes) && to > at && runes[to] != ' ' {
		to--
	}
	out := strings.TrimSpace(string(runes[from:to]))
	if from > 0 {
		out = "…" + out
	}
	if to < len(runes) {
		out += "…"
	}
	return out
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
