package models_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jmoiron/sqlx"

	"heard/models"
)

// TestIsUnavailable classifies real errors from PostgreSQL and lib/pq: a
// server that cannot be reached and a connection the server ended are
// unavailability; a wrong statement, a missing row and a duplicate are not.
func TestIsUnavailable(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	db := s.DB()

	// No server listens on this socket.
	gone, err := sqlx.Open("postgres", "postgres://heard@/heard?host=/nonexistent-heard-socket&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer gone.Close()
	dialErr := gone.PingContext(ctx)

	// The server ends a connection, as it does to every one when it stops.
	conn, err := db.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pid int
	if err := conn.GetContext(ctx, &pid, `SELECT pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `SELECT pg_terminate_backend($1, 5000)`, pid); err != nil {
		t.Fatal(err)
	}
	_, terminatedErr := conn.ExecContext(ctx, `SELECT 1`)

	_, syntaxErr := db.ExecContext(ctx, `SELEKT 1`)
	_, notFoundErr := s.JurisdictionByCode(ctx, "ZZ")
	src := mustSource(t, ctx, s, "OH", "https://example.org/essa")
	_, conflictErr := db.ExecContext(ctx, `INSERT INTO sources (id, jurisdiction, kind, url) VALUES ($1, 'OH', 'html', 'https://example.org/x')`, src.ID)

	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"no server", dialErr, true},
		{"no server, wrapped", fmt.Errorf("claim due sources: %w", dialErr), true},
		{"connection ended by the server", terminatedErr, true},
		{"syntax error", syntaxErr, false},
		{"not found", notFoundErr, false},
		{"unique violation", conflictErr, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if tt.want && tt.err == nil {
			t.Errorf("%s: no error to classify", tt.name)
			continue
		}
		if got := models.IsUnavailable(tt.err); got != tt.want {
			t.Errorf("%s: IsUnavailable(%T %v) = %v, want %v", tt.name, tt.err, tt.err, got, tt.want)
		}
	}
	// The pool itself recovers: the ended connection is not reused.
	if err := db.PingContext(ctx); err != nil {
		t.Errorf("pool after a connection was ended: %v", err)
	}
}
