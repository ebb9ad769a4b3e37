package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"heard/migrations"
	"heard/models"
	"heard/models/modeltest"
)

// requirePGTool skips the test when a PostgreSQL client program is missing
// where deploy/backup.sh and restore.sh look for it (PATH, then
// /usr/lib/postgresql/*/bin), and fails it under CI=true, where a missing
// tool must not pass for a passing test.
func requirePGTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	if found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name); len(found) > 0 {
		return
	}
	msg := name + " is neither on PATH nor under /usr/lib/postgresql/*/bin: install postgresql-client"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// buildHeard builds the heard binary into a temporary directory, for the
// scripts that call it.
func buildHeard(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		//lint:ignore SA1019 only a fallback for when go is not on PATH
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "heard")
	out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// emptyDatabase creates an empty database on the test server, dropped
// when the test ends, and returns its URL.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	server := modeltest.ServerURL(t)
	admin, err := sqlx.Open("postgres", server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "heard_restore_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		if drop, err := sqlx.Open("postgres", server); err == nil {
			_, _ = drop.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			drop.Close()
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// runScript runs one of the deploy scripts with extra environment and
// returns its exit code, stdout and stderr.
func runScript(t *testing.T, env []string, script string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(filepath.Join("deploy", script), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return code, stdout.String(), stderr.String()
}

// tableDigests maps every table of the public schema to its row count and a
// digest of every row, so two databases can be compared value for value.
func tableDigests(t *testing.T, db *sqlx.DB) map[string]string {
	t.Helper()
	var tables []string
	if err := db.Select(&tables, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		var row struct {
			N      int    `db:"n"`
			Digest string `db:"digest"`
		}
		err := db.Get(&row, `SELECT count(*) AS n, coalesce(md5(string_agg(r::text, E'\n' ORDER BY r::text)), '')
			AS digest FROM `+table+` r`)
		if err != nil {
			t.Fatalf("digest %s: %v", table, err)
		}
		out[table] = strconv.Itoa(row.N) + " rows, md5 " + row.Digest
	}
	return out
}

// seedForBackup stores, through the real pipeline and the models, one of
// everything a backup must carry: a source with its fetches, snapshot, run
// and activity, a score run, a user and an audit entry.
func seedForBackup(t *testing.T, store *models.Store) {
	t.Helper()
	ctx := context.Background()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feed)
	}))
	defer site.Close()
	src, err := store.AddSource(ctx, models.Source{Jurisdiction: "VT", Kind: models.KindRSS,
		URL: site.URL + "/feed.xml", Enabled: true, FetchIntervalSec: 3600})
	if err != nil {
		t.Fatal(err)
	}
	// The fixture site listens on loopback, which only this switch allows.
	p := newPipeline(store, slog.New(slog.NewTextHandler(io.Discard, nil)), config{AllowPrivate: true, MaxFailures: 10})
	if run, err := p.runSource(ctx, src.ID); err != nil || run.Inserted != 1 {
		t.Fatalf("run source: %+v, %v; want one activity inserted", run, err)
	}
	if _, err := p.rescore(ctx, []string{"VT"}, "manual"); err != nil {
		t.Fatal(err)
	}
	editor, err := store.AddUser(ctx, "editor@example.org", models.RoleEditor, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	err = store.InTx(ctx, func(tx *models.Store) error {
		return tx.AppendAudit(ctx, editor, "source.update", "source/"+strconv.FormatInt(src.ID, 10),
			map[string]any{"name": ""}, map[string]any{"name": "Vermont news"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestBackupAndRestore runs deploy/backup.sh and deploy/restore.sh as an
// operator would: a database migrated and filled by the real code is dumped,
// restored into an empty database, and the two compared table by table and
// value by value; the restored database then works for the models, keeps
// its audit log append-only, and takes a second restore over itself.
func TestBackupAndRestore(t *testing.T) {
	requirePGTool(t, "pg_dump")
	requirePGTool(t, "pg_restore")
	db, sourceURL := modeltest.NewDBWithURL(t)
	seedForBackup(t, models.NewStore(db))
	want := tableDigests(t, db)
	for _, table := range []string{"activities", "activity_sources", "snapshots", "fetches", "scrape_runs",
		"score_runs", "criterion_scores", "users", "audit_log", "goose_db_version"} {
		if strings.HasPrefix(want[table], "0 rows") || want[table] == "" {
			t.Fatalf("the seed left %s empty (%q): the comparison would prove nothing", table, want[table])
		}
	}

	// Backup: one dump under a dated name, private, with its checksum, and
	// nothing left over.
	dir := t.TempDir()
	code, stdout, stderr := runScript(t, []string{"DATABASE_URL=" + sourceURL}, "backup.sh", dir)
	if code != 0 {
		t.Fatalf("backup.sh: exit %d\n%s", code, stderr)
	}
	dump := strings.TrimSpace(stdout)
	if !regexp.MustCompile(`/heard-\d{8}T\d{6}Z\.dump$`).MatchString(dump) || filepath.Dir(dump) != dir {
		t.Fatalf("backup.sh printed %q, want %s/heard-<UTC time>.dump", stdout, dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if base := filepath.Base(dump); !slices.Equal(names, []string{base, base + ".sha256"}) {
		t.Errorf("backup directory holds %q, want only the dump and its checksum", names)
	}
	body, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if line, _ := os.ReadFile(dump + ".sha256"); string(line) != hex.EncodeToString(sum[:])+"  "+filepath.Base(dump)+"\n" {
		t.Errorf("checksum file %q does not match the dump (sha256 %x) in sha256sum's format", line, sum)
	}
	if fi, err := os.Stat(dump); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("dump mode %v (%v), want 0600: it holds password hashes", fi.Mode().Perm(), err)
	}

	// Restore into an empty database.
	heard := buildHeard(t)
	targetURL := emptyDatabase(t)
	env := []string{"HEARD_BIN=" + heard}
	code, stdout, stderr = runScript(t, env, "restore.sh", dump, targetURL)
	if code != 0 {
		t.Fatalf("restore.sh: exit %d\n%s\n%s", code, stdout, stderr)
	}
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(stdout, "applied") != len(files) || strings.Contains(stdout, "pending") {
		t.Errorf("restore.sh should end with the migration status, all %d applied:\n%s", len(files), stdout)
	}
	target, err := sqlx.Open("postgres", targetURL)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	compare := func(when string) {
		t.Helper()
		got := tableDigests(t, target)
		for table, w := range want {
			if got[table] != w {
				t.Errorf("%s: table %s: restored %q, backed up %q", when, table, got[table], w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d tables restored, %d backed up", when, len(got), len(want))
		}
	}
	compare("after restore")

	// The restored database serves the models as the original did.
	ctx := context.Background()
	restored := models.NewStore(target)
	acts, _, err := restored.Activities(ctx, models.ActivityFilter{Jurisdiction: "VT"})
	if err != nil || len(acts) != 1 || !strings.HasPrefix(acts[0].Title, "Listening session on the ESSA state plan") {
		t.Errorf("restored activities %+v (%v)", acts, err)
	}
	if card, err := restored.LatestScorecard(ctx, "VT", 1); err != nil || card.Trigger != "manual" || len(card.Criteria) == 0 {
		t.Errorf("restored scorecard %+v (%v)", card, err)
	}
	var snapshotOK bool
	if err := target.Get(&snapshotOK, `SELECT bool_and(sha256 = encode(sha256(body), 'hex')) FROM snapshots`); err != nil || !snapshotOK {
		t.Errorf("restored snapshot bodies do not hash to their keys (%v)", err)
	}
	audit, _, err := restored.AuditLog(ctx, 10, 0)
	if err != nil || len(audit) != 1 || audit[0].Action != "source.update" || !strings.Contains(string(audit[0].After), "Vermont news") {
		t.Fatalf("restored audit log %+v (%v)", audit, err)
	}

	// The audit log is still append-only, and its sequence carries on.
	if _, err := target.Exec(`UPDATE audit_log SET action = 'forged'`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("UPDATE of the restored audit log: %v, want the append-only trigger's refusal", err)
	}
	if _, err := target.Exec(`DELETE FROM audit_log`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("DELETE from the restored audit log: %v, want the append-only trigger's refusal", err)
	}
	admin, err := restored.AddUser(ctx, "admin@example.org", models.RoleAdmin, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := restored.InTx(ctx, func(tx *models.Store) error {
		return tx.AppendAudit(ctx, admin, "test.after-restore", "none", nil, nil)
	}); err != nil {
		t.Fatal(err)
	}
	if after, _, err := restored.AuditLog(ctx, 10, 0); err != nil || len(after) != 2 || after[0].ID <= audit[0].ID {
		t.Errorf("audit log after a new entry: %+v (%v), want a second entry with a later id", after, err)
	}

	// A dump that does not match its checksum is refused before the target
	// is touched.
	bad := filepath.Join(t.TempDir(), filepath.Base(dump))
	corrupt := slices.Clone(body)
	corrupt[len(corrupt)/2] ^= 0xff
	if err := os.WriteFile(bad, corrupt, 0o600); err != nil {
		t.Fatal(err)
	}
	line, _ := os.ReadFile(dump + ".sha256")
	if err := os.WriteFile(bad+".sha256", line, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runScript(t, env, "restore.sh", bad, targetURL)
	if code == 0 || !strings.Contains(stderr, "does not match its checksum") {
		t.Errorf("restore.sh of a corrupt dump: exit %d, %s; want a refusal naming the checksum", code, stderr)
	}
	if n := tableDigests(t, target)["audit_log"]; !strings.HasPrefix(n, "2 rows") {
		t.Errorf("a refused restore changed the target: audit_log %s", n)
	}

	// Restoring again over the restored database (--clean) replaces what
	// changed since, the append-only audit log included: dropping a table
	// is not one of the writes its triggers refuse.
	code, stdout, stderr = runScript(t, env, "restore.sh", dump, targetURL)
	if code != 0 {
		t.Fatalf("second restore.sh: exit %d\n%s\n%s", code, stdout, stderr)
	}
	compare("after restoring over it")
}

// TestBackupAndRestoreRefuseBadCalls: mistakes in calling the scripts are
// reported before anything is dumped or dropped.
func TestBackupAndRestoreRefuseBadCalls(t *testing.T) {
	dir := t.TempDir()
	orphan := filepath.Join(dir, "heard-20250101T000000Z.dump")
	if err := os.WriteFile(orphan, []byte("PGDMP"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env    []string
		script string
		args   []string
		code   int
		want   string
	}{
		{nil, "backup.sh", nil, 2, "usage"},
		{[]string{"DATABASE_URL="}, "backup.sh", []string{dir}, 2, "DATABASE_URL is not set"},
		{[]string{"DATABASE_URL=postgres:///x"}, "backup.sh", []string{filepath.Join(dir, "missing")}, 2, "is not a directory"},
		{nil, "restore.sh", []string{orphan}, 2, "usage"},
		{nil, "restore.sh", []string{filepath.Join(dir, "missing.dump"), "postgres:///x"}, 2, "is not a file"},
		{nil, "restore.sh", []string{orphan, "postgres:///x"}, 1, ".sha256 is missing"},
	}
	for _, tt := range tests {
		code, _, stderr := runScript(t, tt.env, tt.script, tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s %q: exit %d, %q; want exit %d mentioning %q", tt.script, tt.args, code, stderr, tt.code, tt.want)
		}
	}
}
