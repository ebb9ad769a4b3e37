package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// querier is what a Store runs statements on: the database or a transaction.
type querier interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// Store holds every SQL statement Heard runs. A Store made by InTx runs its
// methods inside that transaction.
type Store struct {
	db *sqlx.DB
	q  querier
}

// NewStore returns a Store over db.
func NewStore(db *sqlx.DB) *Store { return &Store{db: db, q: db} }

// DB is the underlying pool, for health checks.
func (s *Store) DB() *sqlx.DB { return s.db }

// InTx runs fn with a Store bound to one transaction, committing when fn
// returns nil and rolling back otherwise. Nested calls reuse the transaction.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if _, nested := s.q.(*sqlx.Tx); nested {
		return fn(s)
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&Store{db: s.db, q: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// wrapErr maps driver errors to the package's sentinel errors.
func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return fmt.Errorf("%s: %w: %s", what, ErrConflict, pqErr.Detail)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
