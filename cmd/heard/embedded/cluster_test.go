package embedded

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq"
)

// requireServer skips when PostgreSQL is not installed, except in CI where a
// missing install means the tests silently stopped testing anything.
func requireServer(t *testing.T) {
	t.Helper()
	if _, err := findBinaries(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %v", err)
		}
		t.Skip(err)
	}
}

// newDataDir returns a fresh data directory that the postgres user can
// traverse when the tests run as root: t.TempDir's parents are 0700. Its path
// is short, to stay within the unix socket path limit.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "heard-pg-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// newCluster returns a cluster in dataDir that is stopped when the test
// ends, whatever happened to it.
func newCluster(t *testing.T, dataDir string) *Cluster {
	t.Helper()
	c := New(dataDir, nil)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("cleanup Stop: %v", err)
		}
	})
	return c
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func start(t *testing.T, c *Cluster, wantStarted bool) {
	t.Helper()
	started, err := c.Start(testContext(t))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if started != wantStarted {
		t.Fatalf("Start: started = %v, want %v", started, wantStarted)
	}
}

// ping checks that URL really reaches database "heard" and that it is the
// database the URL names.
func ping(t *testing.T, c *Cluster) {
	t.Helper()
	db, err := sql.Open("postgres", c.URL("heard"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var one int
	var name string
	if err := db.QueryRowContext(testContext(t), "SELECT 1, current_database()").Scan(&one, &name); err != nil {
		t.Fatalf("query via %s: %v", c.URL("heard"), err)
	}
	if one != 1 || name != "heard" {
		t.Fatalf("got %d, %q; want 1, \"heard\"", one, name)
	}
}

func postmasterPID(t *testing.T, c *Cluster) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.Dir(), "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	return pid
}

// waitDead waits until pid has died, but not until it has been reaped:
// a zombie postmaster still looks alive to pg_ctl, which Start must cope with.
func waitDead(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive after SIGKILL", pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLifecycle(t *testing.T) {
	requireServer(t)
	dataDir := newDataDir(t)
	a := newCluster(t, dataDir)
	b := newCluster(t, dataDir)

	if want := filepath.Join(dataDir, "postgres"); a.Dir() != want {
		t.Fatalf("Dir = %q, want %q", a.Dir(), want)
	}
	if a.Running(testContext(t)) {
		t.Fatal("Running before Start")
	}

	start(t, a, true)
	if !a.Running(testContext(t)) {
		t.Fatal("not Running after Start")
	}
	ping(t, a)

	// A second heard on the same data dir shares the server.
	start(t, b, false)
	ping(t, a)
	ping(t, b)

	// A crashed server leaves postmaster.pid behind; it must not stop the
	// next start.
	pid := postmasterPID(t, a)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitDead(t, pid)
	if a.Running(testContext(t)) {
		t.Fatal("Running after kill -9")
	}
	start(t, a, true)
	ping(t, a)

	if err := a.Stop(testContext(t)); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if a.Running(testContext(t)) || b.Running(testContext(t)) {
		t.Fatal("Running after Stop")
	}
	if err := b.Stop(testContext(t)); err != nil {
		t.Fatalf("Stop when not running: %v", err)
	}

	// Restart of an existing cluster keeps its data, including "heard".
	start(t, b, true)
	ping(t, b)
}

func TestConcurrentStart(t *testing.T) {
	requireServer(t)
	dataDir := newDataDir(t)
	clusters := []*Cluster{newCluster(t, dataDir), newCluster(t, dataDir)}

	ctx := testContext(t)
	var wg sync.WaitGroup
	started := make([]bool, len(clusters))
	errs := make([]error, len(clusters))
	for i, c := range clusters {
		wg.Go(func() { started[i], errs[i] = c.Start(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := len(slices.DeleteFunc(started, func(s bool) bool { return !s })); n != 1 {
		t.Fatalf("%d Starts reported started=true, want exactly 1", n)
	}
	for _, c := range clusters {
		ping(t, c)
	}
}

func TestMissingBinaries(t *testing.T) {
	t.Setenv("PATH", "")
	old := serverBinGlob
	serverBinGlob = filepath.Join(t.TempDir(), "nonexistent", "*", "bin")
	t.Cleanup(func() { serverBinGlob = old })

	c := New(newDataDir(t), nil)
	_, err := c.Start(testContext(t))
	if !errors.Is(err, ErrNoServerBinaries) {
		t.Fatalf("Start error = %v, want ErrNoServerBinaries", err)
	}
	for _, want := range []string{"postgresql", "apt-get install postgresql"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if c.Running(testContext(t)) {
		t.Error("Running without binaries")
	}
	if err := c.Stop(testContext(t)); err != nil {
		t.Errorf("Stop without a cluster: %v", err)
	}
}

// TestUntraversableParent checks that a root-run heard names the directory
// the server user cannot enter instead of surfacing an initdb failure.
func TestUntraversableParent(t *testing.T) {
	requireServer(t)
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another user")
	}
	if _, err := user.Lookup("postgres"); err != nil {
		t.Skip("no postgres user")
	}
	private := filepath.Join(newDataDir(t), "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := New(filepath.Join(private, "data"), nil).Start(testContext(t))
	if err == nil || !strings.Contains(err.Error(), "directory "+private+" ") {
		t.Fatalf("Start error = %v, want one naming %s", err, private)
	}
}

func TestURL(t *testing.T) {
	tests := []struct {
		dataDir, database, want string
	}{
		{"/srv/heard", "heard", "postgres://heard@/heard?host=/srv/heard/postgres&port=5432&sslmode=disable"},
		{"/srv/heard", "postgres", "postgres://heard@/postgres?host=/srv/heard/postgres&port=5432&sslmode=disable"},
		{"/srv/my data&x", "a b", "postgres://heard@/a%20b?host=/srv/my%20data%26x/postgres&port=5432&sslmode=disable"},
	}
	for _, tt := range tests {
		if got := New(tt.dataDir, nil).URL(tt.database); got != tt.want {
			t.Errorf("New(%q).URL(%q) = %q, want %q", tt.dataDir, tt.database, got, tt.want)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	dirs := []string{
		"/usr/lib/postgresql/9.6/bin",
		"/usr/lib/postgresql/16/bin",
		"/usr/lib/postgresql/10/bin",
		"/usr/lib/postgresql/15/bin",
	}
	sortNewestFirst(dirs)
	want := []string{
		"/usr/lib/postgresql/16/bin",
		"/usr/lib/postgresql/15/bin",
		"/usr/lib/postgresql/10/bin",
		"/usr/lib/postgresql/9.6/bin",
	}
	if !slices.Equal(dirs, want) {
		t.Fatalf("order = %q, want %q", dirs, want)
	}
}
