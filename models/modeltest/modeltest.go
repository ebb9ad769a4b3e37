package modeltest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver

	"heard/migrations"
	"heard/models"
)

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// ServerURL returns the test server's URL, skipping or failing the test when
// none is configured.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("HEARD_TEST_DATABASE_URL")
	if u == "" {
		u = os.Getenv("DATABASE_URL")
	}
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("HEARD_TEST_DATABASE_URL is not set: run the tests with `make test`, which starts PostgreSQL")
		}
		t.Skip("no PostgreSQL: set HEARD_TEST_DATABASE_URL or run `make test`")
	}
	return u
}

// withDatabase returns serverURL pointed at another database name.
func withDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// NewDB returns a connection to a fresh migrated database for this test.
func NewDB(t testing.TB) *sqlx.DB {
	t.Helper()
	db, _ := NewDBWithURL(t)
	return db
}

// NewDBWithURL is NewDB that also returns the database's URL, for tests that
// start a process or a second pool against it.
func NewDBWithURL(t testing.TB) (*sqlx.DB, string) {
	t.Helper()
	server := ServerURL(t)
	admin, err := sqlx.Open("postgres", server)
	if err != nil {
		t.Fatalf("open %s: %v", server, err)
	}
	defer admin.Close()
	templateOnce.Do(func() { templateName, templateErr = makeTemplate(server, admin) })
	if templateErr != nil {
		t.Fatalf("template database: %v", templateErr)
	}
	name := "heard_test_" + randomSuffix()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE `+templateName); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	dbURL, err := withDatabase(server, name)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		drop, err := sqlx.Open("postgres", server)
		if err != nil {
			return
		}
		defer drop.Close()
		_, _ = drop.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return db, dbURL
}

// NewStore returns a Store over a fresh migrated database.
func NewStore(t testing.TB) *models.Store {
	t.Helper()
	return models.NewStore(NewDB(t))
}

// makeTemplate returns a template database migrated to the embedded
// migrations. Its name carries a digest of the migration files, so it is
// made once and shared by every test binary and run until a migration
// changes; an advisory lock keeps binaries started together from racing.
func makeTemplate(server string, admin *sqlx.DB) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	digest, err := migrationsDigest()
	if err != nil {
		return "", err
	}
	name := "heard_tmpl_" + digest
	conn, err := admin.Connx(ctx)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7246001)`); err != nil {
		return "", fmt.Errorf("template lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(7246001)`)
	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return "", fmt.Errorf("look up template: %w", err)
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	tmplURL, err := withDatabase(server, building)
	if err != nil {
		return "", err
	}
	db, err := sqlx.Open("postgres", tmplURL)
	if err != nil {
		return "", err
	}
	_, err = migrations.Up(ctx, db.DB)
	db.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	// Renamed only once complete, so a half-built template is never used.
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	return name, nil
}

func migrationsDigest() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("digest migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
