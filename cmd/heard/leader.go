package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// schedulerLockKey is the PostgreSQL session advisory lock whose holder
// leads the scheduler: the 64-bit FNV-1a hash of "heard-scheduler".
// Advisory locks are scoped to one database, so heard deployments sharing a
// server but not a database do not contend. In pg_locks it shows as
// locktype 'advisory', classid 1082376196, objid 2286885623, objsubid 1.
const schedulerLockKey int64 = 4648770366075771639

// Errors IsLeader returns when this process must not run scheduled jobs.
var (
	errNotLeader     = errors.New("another replica leads the scheduler")
	errLeaderLost    = errors.New("scheduler leadership lost")
	errElectorClosed = errors.New("scheduler elector closed")
)

// leaderElector is a gocron.Elector: the replica holding the scheduler's
// advisory lock leads, and only the leader runs scheduled jobs.
//
// The lock is taken with pg_try_advisory_lock, which never waits, on a
// connection taken out of the pool and pinned for as long as the process
// leads: a session lock belongs to its connection, so it must never go back
// to the pool while held. Each IsLeader call of the leader pings that
// connection (with a short timeout); if it has died the server has already
// released the lock, so the connection is dropped, the loss is reported,
// and the next call tries again on a fresh one. A follower tries the lock
// on every call and returns its connection to the pool when it is taken.
//
// Leadership is checked when a job starts, not while it runs, so a job may
// outlive its replica's leadership; the scrape job's FOR UPDATE SKIP LOCKED
// claim keeps such a hand-over from fetching a source twice.
type leaderElector struct {
	db             *sql.DB
	key            int64
	log            *slog.Logger
	pingTimeout    time.Duration
	acquireTimeout time.Duration

	mu     sync.Mutex
	conn   *sql.Conn // pinned and holding the lock; nil while following
	closed bool
}

var _ gocron.Elector = (*leaderElector)(nil)

func newLeaderElector(db *sql.DB, log *slog.Logger) *leaderElector {
	return &leaderElector{db: db, key: schedulerLockKey, log: log,
		pingTimeout: 2 * time.Second, acquireTimeout: 5 * time.Second}
}

// IsLeader returns nil when this process holds the scheduler lock, taking
// it if it is free.
func (e *leaderElector) IsLeader(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return errElectorClosed
	}
	if e.conn != nil {
		// A job context cancelled mid-ping must not cost the lock, so the
		// ping has its own deadline instead.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.pingTimeout)
		err := e.conn.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		discard(e.conn)
		e.conn = nil
		e.log.Warn("scheduler leadership lost", "lock", e.key, "err", err)
		return fmt.Errorf("%w: %w", errLeaderLost, err)
	}
	return e.acquire(ctx)
}

func (e *leaderElector) acquire(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, e.acquireTimeout)
	defer cancel()
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("scheduler leadership: connect: %w", err)
	}
	var got bool
	var pid int
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1), pg_backend_pid()`, e.key).Scan(&got, &pid); err != nil {
		// Whether the lock was taken is unknown: the connection must not go
		// back to the pool holding it.
		discard(conn)
		return fmt.Errorf("scheduler leadership: %w", err)
	}
	if !got {
		_ = conn.Close()
		return errNotLeader
	}
	e.conn = conn
	e.log.Info("scheduler leadership acquired", "lock", e.key, "backend_pid", pid)
	return nil
}

// Close releases the lock, if held, and the pinned connection; from then on
// IsLeader always refuses. Call it after the scheduler has shut down and
// before the pool closes, so another replica takes over at once rather than
// when the server notices the connection is gone.
func (e *leaderElector) Close(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.closed = true
	if e.conn == nil {
		return nil
	}
	conn := e.conn
	e.conn = nil
	var released bool
	err := conn.QueryRowContext(ctx, `SELECT pg_advisory_unlock($1)`, e.key).Scan(&released)
	if err != nil || !released {
		// Closing the connection ends the session, which releases the lock
		// all the same.
		discard(conn)
		if err == nil {
			err = errors.New("lock was not held")
		}
		e.log.Warn("scheduler leadership released by closing its connection", "lock", e.key, "err", err)
		return fmt.Errorf("release scheduler leadership: %w", err)
	}
	_ = conn.Close()
	e.log.Info("scheduler leadership released", "lock", e.key)
	return nil
}

// discard closes a pinned connection's session instead of returning it to
// the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
