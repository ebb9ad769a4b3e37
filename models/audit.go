package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEntry is one staff write as kept in the append-only audit log.
type AuditEntry struct {
	ID      int64           `db:"id" json:"id"`
	ActorID *int64          `db:"actor_id" json:"actor_id"`
	Actor   string          `db:"actor" json:"actor"`
	Action  string          `db:"action" json:"action"`
	Target  string          `db:"target" json:"target"`
	Before  json.RawMessage `db:"before" json:"before"`
	After   json.RawMessage `db:"after" json:"after"`
	At      time.Time       `db:"at" json:"at"`
}

// AppendAudit records a staff write. Call it on the Store of the write's
// own transaction, so the record and the change commit or fail together.
func (s *Store) AppendAudit(ctx context.Context, actor User, action, target string, before, after any) error {
	b, err := jsonOrNull(before)
	if err != nil {
		return err
	}
	a, err := jsonOrNull(after)
	if err != nil {
		return err
	}
	var actorID *int64
	if actor.ID != 0 {
		actorID = &actor.ID
	}
	_, err = s.q.ExecContext(ctx, `
		INSERT INTO audit_log (actor_id, actor, action, target, before, after)
		VALUES ($1, $2, $3, $4, $5, $6)`, actorID, actor.Email, action, target, b, a)
	if err != nil {
		return wrapErr("append audit "+action, err)
	}
	return nil
}

func jsonOrNull(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit value: %w", err)
	}
	return b, nil
}

// AuditLog lists audit entries newest first, with the total.
func (s *Store) AuditLog(ctx context.Context, limit, offset int) ([]AuditEntry, int, error) {
	out := []AuditEntry{}
	err := s.q.SelectContext(ctx, &out, `
		SELECT id, actor_id, actor, action, target, coalesce(before, 'null') AS before,
			coalesce(after, 'null') AS after, at FROM audit_log
		ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("audit log: %w", err)
	}
	var total int
	if err := s.q.GetContext(ctx, &total, `SELECT count(*) FROM audit_log`); err != nil {
		return nil, 0, fmt.Errorf("count audit log: %w", err)
	}
	return out, total, nil
}
