package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"heard/migrations"
	"heard/models/modeltest"
)

func runHeard(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--bogus"}, 2, "bogus"},
		{[]string{"migrate"}, 2, "migrate takes up or status"},
		{[]string{"migrate", "sideways"}, 2, "migrate takes up or status"},
		{[]string{"db", "explode"}, 2, "db takes start, stop or url"},
		{[]string{"score", "extra"}, 2, "unexpected argument"},
	}
	for _, tt := range tests {
		code, _, stderr := runHeard(t, context.Background(), tt.args...)
		if code != tt.code || !strings.Contains(stderr, tt.want) {
			t.Errorf("heard %v: exit %d, stderr %q; want exit %d mentioning %q", tt.args, code, stderr, tt.code, tt.want)
		}
	}
	code, stdout, _ := runHeard(t, context.Background(), "help")
	if code != 0 || !strings.Contains(stdout, "heard serve") {
		t.Errorf("help: exit %d, %q", code, stdout)
	}
}

func TestMigrateScoreAndStateFlag(t *testing.T) {
	_, url := modeltest.NewDBWithURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	code, stdout, stderr := runHeard(t, ctx, "migrate", "status")
	if code != 0 || strings.Count(stdout, "applied") < 3 {
		t.Fatalf("migrate status: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runHeard(t, ctx, "score", "--state", "wy")
	if code != 0 || !strings.Contains(stdout, "WY") || strings.Contains(stdout, "OH") {
		t.Fatalf("score --state wy: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "Not yet scored") && !strings.Contains(stdout, "-") {
		t.Errorf("a state with no evidence should show no overall score: %s", stdout)
	}
	code, _, stderr = runHeard(t, ctx, "scrape", "--state", "ZZ")
	if code != 2 || !strings.Contains(stderr, "ZZ") {
		t.Errorf("scrape --state ZZ: exit %d, %s", code, stderr)
	}
	if !strings.Contains(stderr, "using database from DATABASE_URL") {
		t.Errorf("the log does not say which database is in use: %s", stderr)
	}
}

// TestEmbeddedDatabaseCommands runs `heard db` against a private cluster in
// a temporary data directory.
func TestEmbeddedDatabaseCommands(t *testing.T) {
	modeltest.ServerURL(t) // binaries come with the test server; same skip rule
	dir, err := os.MkdirTemp("", "heard-db-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HEARD_DATA_DIR", dir)
	t.Setenv("DATABASE_URL", "")
	ctx := context.Background()
	t.Cleanup(func() {
		runHeard(t, ctx, "db", "stop")
		os.RemoveAll(dir)
	})
	code, stdout, stderr := runHeard(t, ctx, "db", "start")
	if code != 0 || !strings.Contains(stdout, "host="+filepath.Join(dir, "postgres")) && !strings.Contains(stdout, "host=%2F") {
		t.Fatalf("db start: exit %d\n%s\n%s", code, stdout, stderr)
	}
	_, urlOut, _ := runHeard(t, ctx, "db", "url")
	if urlOut != stdout {
		t.Errorf("db url %q differs from db start %q", urlOut, stdout)
	}
	// A second process on the same directory joins the running cluster and,
	// since `db start` asked to keep it, leaves it running on exit.
	code, stdout, stderr = runHeard(t, ctx, "migrate", "up")
	if code != 0 || !strings.Contains(stderr, "using embedded database") {
		t.Fatalf("migrate up on the embedded database: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, stderr = runHeard(t, ctx, "migrate", "status"); code != 0 {
		t.Fatalf("cluster was stopped by the first process: %s", stderr)
	}
	if code, _, stderr = runHeard(t, ctx, "db", "stop"); code != 0 {
		t.Fatalf("db stop: %s", stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "postgres.keep")); !os.IsNotExist(err) {
		t.Errorf("db stop left the keep marker: %v", err)
	}
}

// syncBuffer is a bytes.Buffer that a server goroutine writes while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitReady waits until the serve started in-process at base answers
// /readyz with 200, failing the test if it exits first (done receives its
// exit code) or is not ready within timeout.
func waitReady(t *testing.T, base string, done <-chan int, stderr *syncBuffer, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited early with %d:\n%s", code, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready in time:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServeDemoEndToEnd is the walking skeleton: serve --demo collects the
// demo corpus over HTTP, stores and scores it, serves it, and shuts down
// cleanly on cancellation.
func TestServeDemoEndToEnd(t *testing.T) {
	db, url := modeltest.NewDBWithURL(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("HEARD_ALLOW_PRIVATE_NETWORKS", "") // the address guard on, as in production
	t.Setenv("HEARD_DEMO_ADDR", "127.0.0.1:0")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	var stderr syncBuffer
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--no-scheduler", "--addr", addr}, io.Discard, &stderr)
	}()

	base := "http://" + addr
	waitReady(t, base, done, &stderr, 90*time.Second)

	var list struct {
		Data []struct {
			Code    string   `json:"code"`
			Level   string   `json:"level"`
			Overall *float64 `json:"overall"`
			Demo    bool     `json:"demo"`
		} `json:"data"`
	}
	resp, err := http.Get(base + "/api/v1/jurisdictions")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Data) != 52 {
		t.Fatalf("%d jurisdictions, want 52", len(list.Data))
	}
	levels := map[string]int{}
	for _, j := range list.Data {
		levels[j.Level]++
		if !j.Demo || j.Overall == nil {
			t.Errorf("%s: demo=%v overall=%v; every jurisdiction should be scored from demo data", j.Code, j.Demo, j.Overall)
		}
	}
	if len(levels) < 3 {
		t.Errorf("levels across the demo corpus %v: scores should differ across states", levels)
	}
	resp, err = http.Get(base + "/states/OH")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Demonstration data") || !strings.Contains(string(page), "/api/v1/snapshots/") {
		t.Errorf("state page lacks the demo banner or evidence snapshot links")
	}

	// The demo's collection and scoring are counted, and the state page
	// read twice came from the cache the second time.
	resp, err = http.Get(base + "/states/OH")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`heard_scrape_runs_total\{kind="(html|rss|atom|ical|pdf)",status="ok"\} [1-9]`),
		regexp.MustCompile(`heard_score_runs_total\{outcome="ok",trigger="demo"\} 52`),
		// At least one: a request is counted just after its answer is sent,
		// so the last may not be counted yet.
		regexp.MustCompile(`heard_http_requests_total\{code="200",method="GET",route="/states/:code"\} [1-9]`),
		regexp.MustCompile(`heard_cache_hits_total [1-9]`),
		regexp.MustCompile(`go_goroutines \d+`),
	} {
		if !want.Match(metrics) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// A public report naming Heard's own address: the evidence reader is
	// wired with the guard on, which refuses it, and the report is kept,
	// failed, for review.
	report := `{"jurisdiction":"OH","url":"http://` + addr + `/api/v1/staff/me","description":"Our own server"}`
	resp, err = http.Post(base+"/api/v1/submissions", "application/json", strings.NewReader(report))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("public report: status %d, want 202", resp.StatusCode)
	}
	var stored struct {
		Status string `db:"status"`
		Error  string `db:"error"`
	}
	if err := db.Get(&stored, `SELECT status, error FROM submissions WHERE url LIKE $1`, "http://"+addr+"/%"); err != nil {
		t.Fatalf("the report was not stored: %v", err)
	}
	if stored.Status != "failed" || !strings.Contains(stored.Error, "forbidden network address") {
		t.Errorf("report of Heard's own address stored as %+v; want failed by the address guard", stored)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after shutdown:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down within 30s")
	}
	if !strings.Contains(stderr.String(), "demo corpus collected and scored") {
		t.Errorf("log lacks the demo pipeline summary:\n%s", stderr.String())
	}
}

func TestConfigRateLimits(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c := configFromEnv(env(nil))
	if c.RateLimit != 0 || c.RateBurst != 0 || c.TrustedProxies != nil || len(c.Problems) != 0 {
		t.Errorf("defaults: %+v", c)
	}
	c = configFromEnv(env(map[string]string{"HEARD_RATE_LIMIT": "2.5", "HEARD_RATE_BURST": "20",
		"HEARD_TRUSTED_PROXIES": " 127.0.0.1, ::1 ,,10.0.0.0/8"}))
	if c.RateLimit != 2.5 || c.RateBurst != 20 || strings.Join(c.TrustedProxies, "|") != "127.0.0.1|::1|10.0.0.0/8" {
		t.Errorf("set: %+v", c)
	}
	c = configFromEnv(env(map[string]string{"HEARD_RATE_LIMIT": "-1"}))
	if c.RateLimit != -1 {
		t.Errorf("off: %+v", c)
	}
	c = configFromEnv(env(map[string]string{"HEARD_RATE_LIMIT": "ten", "HEARD_RATE_BURST": "1.5"}))
	if c.RateLimit != 0 || c.RateBurst != 0 || len(c.Problems) != 2 {
		t.Errorf("unreadable values should fall back to the defaults and be reported: %+v", c)
	}
}

func TestConfigSchedulerTick(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "HEARD_SCHEDULER_TICK" {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		value    string
		want     time.Duration
		problems int
	}{
		{"", defaultSchedulerTick, 0},
		{"2s", 2 * time.Second, 0},
		{"100ms", 100 * time.Millisecond, 0},
		{"10ms", defaultSchedulerTick, 1}, // the database would be asked for a lock all the time
		{"soon", defaultSchedulerTick, 1},
		{"-5s", defaultSchedulerTick, 1},
	}
	for _, tt := range tests {
		c := configFromEnv(env(tt.value))
		if c.SchedulerTick != tt.want || len(c.Problems) != tt.problems {
			t.Errorf("HEARD_SCHEDULER_TICK=%q: tick %v, problems %v; want %v and %d", tt.value, c.SchedulerTick, c.Problems, tt.want, tt.problems)
		}
	}
	if defaultSchedulerTick > 15*time.Second {
		t.Errorf("default tick %v: a follower must take over a dead leader within 30 seconds", defaultSchedulerTick)
	}
}

func TestOverrideCommand(t *testing.T) {
	_, url := modeltest.NewDBWithURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	code, stdout, stderr := runHeard(t, ctx, "override", "--state", "oh", "--criterion", "comment", "--score", "3",
		"--justification", "Second round held; see minutes.", "--author", "analyst")
	if code != 0 || !strings.Contains(stdout, "on OH/comment recorded") {
		t.Fatalf("override: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = runHeard(t, ctx, "override", "--state", "OH", "--criterion", "tribal", "--none-found",
		"--justification", "Searched.", "--author", "analyst")
	if code != 0 {
		t.Fatalf("none found: exit %d %s", code, stdout)
	}
	for _, args := range [][]string{
		{"override", "--state", "OH", "--criterion", "comment", "--score", "3", "--author", "a"},        // no justification
		{"override", "--state", "OH", "--criterion", "comment", "--score", "9", "--justification", "x"}, // out of range
		{"override", "--state", "OH", "--criterion", "comment", "--score", "2", "--clear", "--justification", "x"},
		{"override", "--state", "ZZ", "--criterion", "comment", "--score", "2", "--justification", "x"},
		{"override", "--state", "OH", "--criterion", "nope", "--none-found", "--justification", "x", "--author", "a"},
	} {
		if code, _, stderr := runHeard(t, ctx, args...); code != 2 {
			t.Errorf("heard %v: exit %d, want 2 (%s)", args, code, stderr)
		}
	}
}

// TestEmbeddedClusterStopsWithLastUser: two processes on one data
// directory share the cluster, which stops when the last one closes, and
// not before, however idle the other's connections.
func TestEmbeddedClusterStopsWithLastUser(t *testing.T) {
	modeltest.ServerURL(t) // the server binaries come with the test server; same skip rule
	dir, err := os.MkdirTemp("", "heard-share-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ctx := context.Background()
	cfg := config{DataDir: dir}
	log := newLogger(io.Discard, "", 0)
	first, err := openDatabase(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	second, err := openDatabase(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.cluster.Stop(ctx) })
	second.DB.Close() // an idle peer: no open connections at all
	first.Close(ctx)
	if !first.cluster.Running(ctx) {
		t.Fatal("the first process to leave stopped the cluster under the second")
	}
	second.DB = nil
	second.Close(ctx)
	if second.cluster.Running(ctx) {
		t.Error("the last process to leave did not stop the cluster")
	}
}

func TestReadinessRefusesNewerSchema(t *testing.T) {
	db, _ := modeltest.NewDBWithURL(t)
	ready := readiness(&database{DB: db})
	ctx := context.Background()
	if err := ready(ctx); err != nil {
		t.Fatalf("a current schema is not ready: %v", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES (9999, true)`); err != nil {
		t.Fatal(err)
	}
	if err := ready(ctx); !errors.Is(err, migrations.ErrSchemaTooNew) {
		t.Errorf("readiness with a newer schema: %v, want ErrSchemaTooNew", err)
	}
}

func TestTokenCommand(t *testing.T) {
	_, url := modeltest.NewDBWithURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	code, stdout, stderr := runHeard(t, ctx, "token", "create", "--name", "Policy lab", "--by", "admin")
	if code != 0 || !strings.Contains(stdout, "heard_") {
		t.Fatalf("token create: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = runHeard(t, ctx, "token", "list")
	if code != 0 || !strings.Contains(stdout, "Policy lab") || strings.Contains(stdout, "heard_") {
		t.Fatalf("token list (must not show secrets): %d\n%s", code, stdout)
	}
	if code, stdout, _ = runHeard(t, ctx, "token", "revoke", "1"); code != 0 || !strings.Contains(stdout, "revoked") {
		t.Fatalf("token revoke: %d %s", code, stdout)
	}
	for _, args := range [][]string{{"token"}, {"token", "create"}, {"token", "revoke", "x"}, {"token", "frob"}} {
		if code, _, _ := runHeard(t, ctx, args...); code != 2 {
			t.Errorf("heard %v: exit %d, want 2", args, code)
		}
	}
}

// TestConnDefaults: heard names its connections and gives up connecting
// to a server that does not answer, unless the URL says otherwise.
func TestConnDefaults(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://heard@db.example.org/heard?sslmode=require",
			"postgres://heard@db.example.org/heard?application_name=heard&connect_timeout=3&sslmode=require"},
		{"postgres://heard@/heard?host=/run/postgresql&connect_timeout=10&application_name=replica-2",
			"postgres://heard@/heard?application_name=replica-2&connect_timeout=10&host=%2Frun%2Fpostgresql"},
		{"host=/run/postgresql dbname=heard", "host=/run/postgresql dbname=heard"}, // not a URL: left alone
	}
	for _, tt := range tests {
		if got := withConnDefaults(tt.in); got != tt.want {
			t.Errorf("withConnDefaults(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
