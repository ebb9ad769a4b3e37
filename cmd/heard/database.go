package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver

	"heard/cmd/heard/embedded"
	"heard/migrations"
	"heard/models"
)

// appName tags heard's connections, so they can be told apart in
// pg_stat_activity.
const appName = "heard"

// database is an open pool and how to let go of it.
type database struct {
	DB      *sqlx.DB
	URL     string
	cluster *embedded.Cluster
	// users is held with a shared flock for as long as this process uses
	// the embedded cluster: the last process out is the one that can take
	// it exclusively, and only it stops the server.
	users *os.File
	log   *slog.Logger
}

// openDatabase connects to DATABASE_URL, or starts (or joins) the embedded
// cluster when it is unset, and logs which database is in use.
func openDatabase(ctx context.Context, cfg config, log *slog.Logger) (*database, error) {
	d := &database{log: log}
	if cfg.DatabaseURL != "" {
		d.URL = cfg.DatabaseURL
		log.Info("using database from DATABASE_URL", "database", redact(d.URL))
	} else {
		d.cluster = embedded.New(cfg.DataDir, log)
		// Registered as a user before starting, so that a process stopping
		// the cluster at this moment either sees us or finishes first.
		users, err := joinUsers(cfg.DataDir)
		if err != nil {
			return nil, err
		}
		d.users = users
		if _, err := d.cluster.Start(ctx); err != nil {
			users.Close()
			return nil, fmt.Errorf("embedded database: %w", err)
		}
		d.URL = d.cluster.URL("heard")
		log.Info("using embedded database", "dir", d.cluster.Dir(), "database", redact(d.URL))
	}
	db, err := sqlx.Open("postgres", withConnDefaults(d.URL))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", redact(d.URL), err)
	}
	d.DB = db
	return d, nil
}

// Close closes the pool and, for the embedded cluster, stops the server
// unless `heard db start` asked to keep it or another heard process still
// uses it.
func (d *database) Close(ctx context.Context) {
	if d.DB != nil {
		d.DB.Close()
	}
	if d.cluster == nil {
		return
	}
	defer d.users.Close() // releases our shared lock
	last := syscall.Flock(int(d.users.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
	switch {
	case keepRunning(d.cluster):
		d.log.Info("leaving embedded database running (started with `heard db start`)")
	case !last:
		d.log.Info("leaving embedded database running for other heard processes")
	default:
		if err := d.cluster.Stop(ctx); err != nil {
			d.log.Error("stop embedded database", "err", err)
		}
	}
}

// joinUsers opens the users file of the data directory and takes a shared
// lock on it, waiting while another process holds it exclusively to stop
// the cluster.
func joinUsers(dataDir string) (*os.File, error) {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dataDir, "postgres.users"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("embedded database users file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock embedded database users file: %w", err)
	}
	return f, nil
}

func keepMarker(c *embedded.Cluster) string {
	return filepath.Join(filepath.Dir(c.Dir()), "postgres.keep")
}

func keepRunning(c *embedded.Cluster) bool {
	_, err := os.Stat(keepMarker(c))
	return err == nil
}

// openStore opens the database, applies pending migrations, and returns a
// Store over it: what every one-shot command needs. The caller closes d.
func openStore(ctx context.Context, cfg config, log *slog.Logger) (*database, *models.Store, error) {
	d, err := openDatabase(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	if err := migrateUp(ctx, d.DB, log); err != nil {
		d.Close(ctx)
		return nil, nil, err
	}
	return d, models.NewStore(d.DB), nil
}

// migrateUp applies pending migrations and logs what it applied.
func migrateUp(ctx context.Context, db *sqlx.DB, log *slog.Logger) error {
	applied, err := migrations.Up(ctx, db.DB)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		log.Info("applied migrations", "versions", applied)
	}
	return nil
}

// connectTimeout bounds, in seconds, the making of a connection (lib/pq's
// connect_timeout): a server that does not answer at all — its machine
// down, the network cut — would otherwise hold every request for the
// minutes TCP takes to give up, where it should be answered 503 at once.
// A healthy server connects in milliseconds.
const connectTimeout = "3"

// withConnDefaults sets heard's application_name and connect_timeout on a
// database URL, unless it sets them itself.
func withConnDefaults(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return raw
	}
	q := u.Query()
	if q.Get("application_name") == "" {
		q.Set("application_name", appName)
	}
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", connectTimeout)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// redact hides a password in a database URL before it is logged.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "password") {
			return "(connection string hidden)"
		}
		return raw
	}
	return u.Redacted()
}
