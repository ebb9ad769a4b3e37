package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"heard/cmd/heard/embedded"
	"heard/models"
	"heard/models/modeltest"
)

// runAsHeard, set in a child's environment, makes the test binary run
// heard's main instead of the tests (see TestMain), so that a test can
// start real heard processes and signal or kill them without building a
// binary first.
const runAsHeard = "HEARD_TEST_RUN_AS_HEARD"

func TestMain(m *testing.M) {
	if os.Getenv(runAsHeard) == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// heardProcess is `heard serve` running as a child process.
type heardProcess struct {
	name string
	base string // http://host:port
	cmd  *exec.Cmd
	log  *syncBuffer

	exited chan struct{} // closed once the process has exited
	code   int           // its exit code, once exited
}

// startServe starts `heard serve` on a free loopback port with env on top
// of this process's environment less any heard or PostgreSQL settings. It
// returns at once; waitReady waits for the server. The process is killed
// when the test ends, if it is still running.
func startServe(t *testing.T, name string, env []string, args ...string) *heardProcess {
	t.Helper()
	addr := freeAddr(t)
	p := &heardProcess{name: name, base: "http://" + addr, log: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], append([]string{"serve", "--addr", addr}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HEARD_") && !strings.HasPrefix(kv, "DATABASE_URL=") && !strings.HasPrefix(kv, "PG") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(append(p.cmd.Env, runAsHeard+"=1"), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("log of %s:\n%s", p.name, p.log.String())
		}
	})
	return p
}

// waitReady waits until /readyz answers 200.
func (p *heardProcess) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if status, _, _ := httpGet(p.base + "/readyz"); status == http.StatusOK {
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("%s exited with %d before it was ready:\n%s", p.name, p.code, p.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready in time:\n%s", p.name, p.log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *heardProcess) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s: %v", p.name, err)
	}
}

// wait waits for the process to exit and returns its exit code.
func (p *heardProcess) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %v:\n%s", p.name, timeout, p.log.String())
		return -1
	}
}

// leads reports whether the process has logged taking the scheduler's
// lead at least n times.
func (p *heardProcess) leads(n int) bool {
	return strings.Count(p.log.String(), "scheduler leadership acquired") >= n
}

// httpClient gives up well after any answer heard owes: a request that
// hangs shows as an error, not as a stuck test.
var httpClient = &http.Client{Timeout: 15 * time.Second}

// httpGet GETs url and returns the status (0 when no answer came), the
// body and how long it took.
func httpGet(url string) (int, string, time.Duration) {
	return httpDo("GET", url, "", nil)
}

func httpDo(method, url, body string, cookie *http.Cookie) (int, string, time.Duration) {
	start := time.Now()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, err.Error(), 0
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, err.Error(), time.Since(start)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), time.Since(start)
}

// login signs in through the API and returns the session cookie.
func login(t *testing.T, base, email, password string) *http.Cookie {
	t.Helper()
	resp, err := httpClient.Post(base+"/api/v1/session", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "heard_session" && c.Value != "" {
			return c
		}
	}
	b, _ := io.ReadAll(resp.Body)
	t.Fatalf("login %s: %d %s", email, resp.StatusCode, b)
	return nil
}

// startCluster starts a PostgreSQL cluster of the test's own, which it may
// stop and start at will, and stops it when the test ends. It returns the
// cluster and the URL of its database "heard", not yet migrated.
func startCluster(t *testing.T) (*embedded.Cluster, string) {
	t.Helper()
	modeltest.ServerURL(t) // the server binaries come with the test server; same skip rule
	// Short, and traversable by the postgres user when the tests run as
	// root (t.TempDir's parents are not).
	dir, err := os.MkdirTemp("", "heard-fault-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := embedded.New(dir, nil)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stop the test's cluster: %v", err)
		}
		os.RemoveAll(dir)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return c, c.URL("heard")
}

// siteFeed is an RSS feed of n listening sessions, their GUIDs under path.
func siteFeed(path string, n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Department of Education news</title>`)
	for i := range n {
		fmt.Fprintf(&b, `<item><guid>%[1]s#%[2]d</guid><title>Listening session %[2]d on the ESSA state plan</title>
<description>Join listening session %[2]d on the draft ESSA state plan on March %[2]d, 2027, 6-8 p.m.</description>
<link>https://example.org%[1]s/%[2]d</link></item>`, path, i+1)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// holdSource locks a source's row the way a concurrent editor would, so
// that a run's transaction stops at its last step — recording the source's
// success — with every activity written but nothing committed. FOR NO KEY
// UPDATE leaves the foreign keys of the rows the run inserts alone. The
// returned function releases the row.
func holdSource(t *testing.T, db *sqlx.DB, id int64) (release func()) {
	t.Helper()
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`SELECT id FROM sources WHERE id = $1 FOR NO KEY UPDATE`, id); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { _ = tx.Rollback() }) }
	t.Cleanup(release)
	return release
}

// waitBlockedRun waits until a heard connection waits on the held row,
// inside the run's transaction.
func waitBlockedRun(t *testing.T, db *sqlx.DB) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !runBlocked(t, db) {
		if time.Now().After(deadline) {
			t.Fatal("the run's transaction never reached the held source row")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func runBlocked(t *testing.T, db *sqlx.DB) bool {
	t.Helper()
	var n int
	err := db.Get(&n, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'heard' AND wait_event_type = 'Lock'
		  AND query LIKE '%UPDATE sources SET consecutive_failures = 0%'`)
	if err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// faultSite is a fixture site of RSS feeds, each of three listening
// sessions: robots.txt is missing, every request is counted, and a path
// can be held, so that a request for it arrives (reported on arrived) and
// is answered only once released.
type faultSite struct {
	srv     *httptest.Server
	arrived chan string

	mu   sync.Mutex
	hits map[string]int
	held map[string]chan struct{}
}

func newFaultSite(t *testing.T) *faultSite {
	t.Helper()
	s := &faultSite{arrived: make(chan string, 16), hits: map[string]int{}, held: map[string]chan struct{}{}}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		s.mu.Lock()
		s.hits[r.URL.Path]++
		release := s.held[r.URL.Path]
		delete(s.held, r.URL.Path) // held once
		s.mu.Unlock()
		if release != nil {
			s.arrived <- r.URL.Path
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, siteFeed(r.URL.Path, 3))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// hold makes the next request for path wait; closing the returned channel
// answers it.
func (s *faultSite) hold(path string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	s.held[path] = ch
	return ch
}

func (s *faultSite) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// waitArrived waits for the held request for path.
func (s *faultSite) waitArrived(t *testing.T, path string) {
	t.Helper()
	select {
	case got := <-s.arrived:
		if got != path {
			t.Fatalf("held request for %s arrived, want %s", got, path)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no request for %s arrived", path)
	}
}

// addSource registers an enabled RSS source of Ohio at path on the site,
// next fetched at due.
func (s *faultSite) addSource(t *testing.T, db *sqlx.DB, path string, due time.Time) int64 {
	t.Helper()
	src, err := models.NewStore(db).UpsertSource(context.Background(), models.Source{Jurisdiction: "OH",
		Kind: models.KindRSS, URL: s.srv.URL + path, Enabled: true, FetchIntervalSec: 3600})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE sources SET next_fetch_at = $2 WHERE id = $1`, src.ID, due); err != nil {
		t.Fatal(err)
	}
	return src.ID
}

// sourceRun is a scrape run as the fault tests check it.
type sourceRun struct {
	ID       int64  `db:"id"`
	Status   string `db:"status"`
	Error    string `db:"error"`
	Inserted int    `db:"inserted"`
}

// runsOf lists a source's runs, oldest first.
func runsOf(t *testing.T, db *sqlx.DB, source int64) []sourceRun {
	t.Helper()
	runs := []sourceRun{}
	if err := db.Select(&runs, `SELECT id, status, error, inserted FROM scrape_runs WHERE source_id = $1 ORDER BY id`, source); err != nil {
		t.Fatal(err)
	}
	return runs
}

// activitiesOf counts the activities a source has read.
func activitiesOf(t *testing.T, db *sqlx.DB, source int64) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(DISTINCT activity_id) FROM activity_sources WHERE source_id = $1`, source); err != nil {
		t.Fatal(err)
	}
	return n
}

// eventually polls cond every 50ms until it holds or timeout passes,
// and reports how long it took.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}
