package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"heard/migrations"
	"heard/models"
	"heard/models/modeltest"
)

// failFast is how long any request may take while the database is down:
// it must be answered 503, not left hanging.
const failFast = 5 * time.Second

// loadPaths are what the load of TestPostgresRestart asks for: pages, the
// public API and readiness.
var loadPaths = []string{"/", "/states/OH", "/es/states/OH", "/api/v1/jurisdictions",
	"/api/v1/jurisdictions/OH/overrides", "/api/v1/activities?jurisdiction=OH", "/readyz"}

// loadResult is one answer of the load, in the phase it was asked.
type loadResult struct {
	phase  int32 // 0 before the stop, 1 while down, 2 after the restart
	path   string
	status int
	took   time.Duration
	body   string
}

// loadGenerator asks for loadPaths from a few clients at once until it is
// stopped, keeping every answer.
type loadGenerator struct {
	phase   atomic.Int32
	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	results []loadResult
}

func startLoad(base string, clients int) *loadGenerator {
	l := &loadGenerator{stop: make(chan struct{})}
	for c := range clients {
		l.wg.Go(func() {
			for i := c; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				path := loadPaths[i%len(loadPaths)]
				status, body, took := httpGet(base + path)
				// The phase the answer came in: one asked for just before
				// the server stopped may well be a 503.
				phase := l.phase.Load()
				if len(body) > 200 {
					body = body[:200]
				}
				l.mu.Lock()
				l.results = append(l.results, loadResult{phase, path, status, took, body})
				l.mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	return l
}

func (l *loadGenerator) finish() []loadResult {
	close(l.stop)
	l.wg.Wait()
	return l.results
}

// migratedDB opens url and applies the migrations.
func migratedDB(t *testing.T, url string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := migrations.Up(context.Background(), db.DB); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestPostgresRestart stops PostgreSQL under a serving heard, in the middle
// of a scrape's transaction and of a steady load of requests, and starts
// it again:
//
//   - the scrape's activities, written but not committed, are gone; the
//     run is recorded as interrupted once the server is back (no strike
//     against the source) and the scheduler, having lost and retaken its
//     lead, runs the source again, which stores them all once;
//   - while the server is down every request — pages, API, readiness — is
//     answered 503 within failFast, never 500, never left hanging;
//   - afterwards every request is answered 200 again, without a restart of
//     heard.
func TestPostgresRestart(t *testing.T) {
	t.Parallel()
	cluster, url := startCluster(t)
	db := migratedDB(t, url)
	site := newFaultSite(t)
	release := site.hold("/slow.xml")
	source := site.addSource(t, db, "/slow.xml", time.Now().Add(-time.Minute))
	later := site.addSource(t, db, "/later.xml", time.Now().Add(24*time.Hour))

	heard := startServe(t, "heard", []string{"DATABASE_URL=" + url, "HEARD_ALLOW_PRIVATE_NETWORKS=1",
		"HEARD_SCHEDULER_TICK=200ms", "HEARD_RATE_LIMIT=-1"})
	heard.waitReady(t)
	for _, path := range loadPaths {
		if status, body, _ := httpGet(heard.base + path); status != http.StatusOK {
			t.Fatalf("GET %s before the restart: %d %.300s", path, status, body)
		}
	}
	load := startLoad(heard.base, 4)

	// The scrape is under way; its transaction gets as far as it can.
	site.waitArrived(t, "/slow.xml")
	unhold := holdSource(t, db, source)
	close(release)
	waitBlockedRun(t, db)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stopped := time.Now()
	load.phase.Store(1) // a server shutting down refuses new connections
	if err := cluster.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	unhold() // its connection is gone with the server
	t.Logf("PostgreSQL stopped in %v", time.Since(stopped).Round(time.Millisecond))
	for _, path := range []string{"/readyz", "/api/v1/jurisdictions", "/states/OH"} {
		status, body, took := httpGet(heard.base + path)
		if status != http.StatusServiceUnavailable || took > failFast {
			t.Errorf("GET %s while PostgreSQL is down: %d after %v, want 503 within %v: %.300s", path, status, took, failFast, body)
		}
	}
	time.Sleep(2 * time.Second) // the load goes on meanwhile
	load.phase.Store(2)
	if _, err := cluster.Start(ctx); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()

	// Heard recovers by itself: every path answers again...
	var lastRefusal string
	took := eventually(t, 20*time.Second, "every path answering 200 again", func() bool {
		for _, path := range loadPaths {
			if status, body, _ := httpGet(heard.base + path); status != http.StatusOK {
				lastRefusal = fmt.Sprintf("GET %s: %d %.200s", path, status, body)
				return false
			}
		}
		return true
	})
	t.Logf("every path answered 200 again %v after PostgreSQL was back (the last refusal: %q)", took.Round(time.Millisecond), lastRefusal)
	// ...and the scheduler retakes its lead and runs the interrupted source.
	eventually(t, 30*time.Second, "the interrupted source run again", func() bool {
		runs := runsOf(t, db, source)
		return len(runs) == 2 && runs[1].Status == "ok"
	})
	t.Logf("the interrupted source was run again %v after PostgreSQL was back", time.Since(restarted).Round(time.Millisecond))
	// The scheduler ticks on: a source falling due now is run too, by a
	// job started after the restart, once the scheduler has noticed its
	// lock went with the server and taken it again.
	if _, err := db.Exec(`UPDATE sources SET next_fetch_at = now() WHERE id = $1`, later); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "a source due after the restart run", func() bool {
		runs := runsOf(t, db, later)
		return len(runs) == 1 && runs[0].Status == "ok"
	})
	results := load.finish()

	runs := runsOf(t, db, source)
	if runs[0].Status != "failed" || !strings.HasPrefix(runs[0].Error, "interrupted: ") {
		t.Errorf("the run cut short by the restart: %+v, want failed and marked interrupted", runs[0])
	}
	// Had any of the first run's activities been kept, the second run
	// would have found them stored already.
	if runs[1].Inserted != 3 {
		t.Errorf("the second run inserted %d activities, want all 3", runs[1].Inserted)
	}
	if n := activitiesOf(t, db, source); n != 3 {
		t.Errorf("%d activities stored, want 3", n)
	}
	var failures int
	if err := db.Get(&failures, `SELECT consecutive_failures FROM sources WHERE id = $1`, source); err != nil || failures != 0 {
		t.Errorf("the source has %d failures (%v); a restart of the database is none of its doing", failures, err)
	}
	if !strings.Contains(heard.log.String(), "scheduler leadership lost") || !heard.leads(2) {
		t.Errorf("the scheduler did not lose and retake its lead:\n%s", heard.log.String())
	}

	byPhase := map[int32]map[int]int{0: {}, 1: {}, 2: {}}
	for _, r := range results {
		byPhase[r.phase][r.status]++
		if r.status != http.StatusOK && r.status != http.StatusServiceUnavailable {
			t.Errorf("GET %s answered %d (phase %d): %s", r.path, r.status, r.phase, r.body)
		}
		if r.took > failFast {
			t.Errorf("GET %s took %v (phase %d), want under %v", r.path, r.took, r.phase, failFast)
		}
	}
	t.Logf("load answers by phase (before, down, after) and status: %v", byPhase)
	if byPhase[1][http.StatusServiceUnavailable] == 0 {
		t.Errorf("no 503 while PostgreSQL was down: %v", byPhase[1])
	}
	if byPhase[0][http.StatusServiceUnavailable] != 0 {
		t.Errorf("503 before PostgreSQL was stopped: %v", byPhase[0])
	}
}

// TestShutdownDuringRequest: SIGTERM while a staff "run now" request waits
// for a slow source. The server stops taking connections but finishes the
// request: the run completes and is answered 200, its activities stored,
// and heard exits 0.
func TestShutdownDuringRequest(t *testing.T) {
	t.Parallel()
	db, url := modeltest.NewDBWithURL(t)
	if _, err := models.NewStore(db).AddUser(context.Background(), "editor@example.org", models.RoleEditor, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	site := newFaultSite(t)
	// Not due: only the request runs it.
	source := site.addSource(t, db, "/slow.xml", time.Now().Add(24*time.Hour))
	release := site.hold("/slow.xml")
	heard := startServe(t, "heard", []string{"DATABASE_URL=" + url, "HEARD_ALLOW_PRIVATE_NETWORKS=1"})
	heard.waitReady(t)
	cookie := login(t, heard.base, "editor@example.org", "correct horse battery staple")

	type answer struct {
		status int
		body   string
	}
	answered := make(chan answer, 1)
	go func() {
		status, body, _ := httpDo("POST", heard.base+"/api/v1/staff/sources/"+itoa(source)+"/run", "", cookie)
		answered <- answer{status, body}
	}()
	site.waitArrived(t, "/slow.xml")
	heard.signal(t, syscall.SIGTERM)
	eventually(t, 5*time.Second, "the server refusing new connections", func() bool {
		status, _, _ := httpGet(heard.base + "/healthz")
		return status == 0
	})
	close(release)
	var a answer
	select {
	case a = <-answered:
	case <-time.After(30 * time.Second):
		t.Fatal("the request in flight was not answered")
	}
	if a.status != http.StatusOK || !strings.Contains(a.body, `"status":"ok"`) {
		t.Errorf("run now during shutdown: %d %s; want 200 with an ok run", a.status, a.body)
	}
	if code := heard.wait(t, 30*time.Second); code != 0 {
		t.Errorf("heard exited %d after SIGTERM, want 0", code)
	}
	runs := runsOf(t, db, source)
	if len(runs) != 1 || runs[0].Status != "ok" || runs[0].Inserted != 3 {
		t.Errorf("runs %+v, want one ok run that inserted 3", runs)
	}
	if n := activitiesOf(t, db, source); n != 3 {
		t.Errorf("%d activities stored, want 3", n)
	}
}

// TestShutdownDuringScrape: SIGTERM while a scheduled scrape's transaction
// has written its activities but not committed. The transaction is rolled
// back, the run recorded as interrupted (no strike, due again at once) and
// heard exits 0: nothing of the run is stored.
func TestShutdownDuringScrape(t *testing.T) {
	t.Parallel()
	db, url := modeltest.NewDBWithURL(t)
	site := newFaultSite(t)
	release := site.hold("/slow.xml")
	source := site.addSource(t, db, "/slow.xml", time.Now().Add(-time.Minute))
	heard := startServe(t, "heard", []string{"DATABASE_URL=" + url, "HEARD_ALLOW_PRIVATE_NETWORKS=1",
		"HEARD_SCHEDULER_TICK=200ms"})
	heard.waitReady(t)

	site.waitArrived(t, "/slow.xml")
	unhold := holdSource(t, db, source)
	close(release)
	waitBlockedRun(t, db)
	heard.signal(t, syscall.SIGTERM)
	// The shutdown cancels the blocked statement; then the row is let go,
	// so that the interrupted run can be recorded.
	eventually(t, 10*time.Second, "the run's statement cancelled", func() bool { return !runBlocked(t, db) })
	unhold()
	if code := heard.wait(t, 30*time.Second); code != 0 {
		t.Errorf("heard exited %d after SIGTERM, want 0", code)
	}

	runs := runsOf(t, db, source)
	if len(runs) != 1 || runs[0].Status != "failed" || !strings.HasPrefix(runs[0].Error, "interrupted: ") {
		t.Fatalf("runs %+v, want one run, failed and marked interrupted", runs)
	}
	if n := activitiesOf(t, db, source); n != 0 {
		t.Errorf("%d activities of the interrupted run stored, want none", n)
	}
	var s struct {
		Failures int  `db:"consecutive_failures"`
		Due      bool `db:"due"`
	}
	if err := db.Get(&s, `SELECT consecutive_failures, next_fetch_at <= now() AS due FROM sources WHERE id = $1`, source); err != nil {
		t.Fatal(err)
	}
	if s.Failures != 0 || !s.Due {
		t.Errorf("after the interrupted run: %d failures, due %v; want none and due again", s.Failures, s.Due)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
