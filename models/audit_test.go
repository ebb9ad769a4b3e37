package models_test

import (
	"testing"

	"heard/models"
)

func TestStoreAuditLog(t *testing.T) {
	t.Parallel()
	s, ctx := newStore(t)
	u, err := s.AddUser(ctx, "admin@example.org", models.RoleAdmin, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(ctx, u, "override.score", "jurisdiction/OH/criterion/comment", nil, map[string]int{"score": 3}); err != nil {
		t.Fatal(err)
	}
	entries, total, err := s.AuditLog(ctx, 10, 0)
	if err != nil || total != 1 || entries[0].Actor != "admin@example.org" || entries[0].ActorID == nil || *entries[0].ActorID != u.ID {
		t.Fatalf("audit log %+v total %d: %v", entries, total, err)
	}
}
