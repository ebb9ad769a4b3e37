package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// soakLoad asks every live replica for loadPaths from a few clients at
// once, as a load balancer spreading visitors would. A replica is taken
// out before it is stopped, as the balancer's health check would.
type soakLoad struct {
	stop chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	targets []string
	results []loadResult
}

func startSoakLoad(clients int, targets ...string) *soakLoad {
	l := &soakLoad{stop: make(chan struct{}), targets: targets}
	for c := range clients {
		l.wg.Go(func() {
			for i := c; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				l.mu.Lock()
				base := l.targets[i%len(l.targets)]
				l.mu.Unlock()
				path := loadPaths[i%len(loadPaths)]
				status, body, took := httpGet(base + path)
				if len(body) > 200 {
					body = body[:200]
				}
				l.mu.Lock()
				l.results = append(l.results, loadResult{path: base + path, status: status, took: took, body: body})
				l.mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	return l
}

func (l *soakLoad) remove(base string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, t := range l.targets {
		if t == base {
			l.targets = append(l.targets[:i], l.targets[i+1:]...)
			return
		}
	}
}

func (l *soakLoad) add(base string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.targets = append(l.targets, base)
}

func (l *soakLoad) finish() []loadResult {
	close(l.stop)
	l.wg.Wait()
	return l.results
}

// TestSoakReplicasThroughFaults runs two replicas with the default
// scheduler tick under steady load for about two and a half minutes,
// through two restarts of PostgreSQL, a SIGKILL of the leader and a SIGTERM
// of the next, with sources falling due every 20 seconds from slow sites.
// It runs with `make soak` (HEARD_SOAK=1), which CI runs after the tests.
// Afterwards:
//
//   - every answer was 200 or 503, none slower than failFast;
//   - each hand-over of the lead took less than 30 seconds;
//   - every source holds its three activities exactly once, no fault left
//     a strike against any source, no two runs of a source overlapped, and
//     the only run left marked running is one the killed leader was in.
func TestSoakReplicasThroughFaults(t *testing.T) {
	if os.Getenv("HEARD_SOAK") == "" {
		t.Skip("a soak test: run it with `make soak` (HEARD_SOAK=1)")
	}
	cluster, url := startCluster(t)
	db := migratedDB(t, url)

	// Three slow sites, so a run is nearly always under way when a fault
	// strikes, with three feeds each, due every 20 seconds.
	var sources []int64
	for s := range 3 {
		site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/robots.txt" {
				http.NotFound(w, r)
				return
			}
			time.Sleep(1500 * time.Millisecond)
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, siteFeed(r.URL.Path, 3))
		}))
		t.Cleanup(site.Close)
		for f := range 3 {
			var id int64
			err := db.Get(&id, `INSERT INTO sources (jurisdiction, kind, url, fetch_interval, enabled)
				VALUES ('OH', 'rss', $1, interval '20 seconds', true) RETURNING id`, fmt.Sprintf("%s/site%d/feed%d.xml", site.URL, s, f))
			if err != nil {
				t.Fatal(err)
			}
			sources = append(sources, id)
		}
	}

	env := []string{"DATABASE_URL=" + url, "HEARD_ALLOW_PRIVATE_NETWORKS=1", "HEARD_RATE_LIMIT=-1"}
	replicas := []*heardProcess{startServe(t, "replica 1", env), startServe(t, "replica 2", env)}
	for _, r := range replicas {
		r.waitReady(t)
	}
	load := startSoakLoad(4, replicas[0].base, replicas[1].base)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// Each fault waits for a run to be under way, to strike in its midst.
	midRun := func() {
		t.Helper()
		eventually(t, 60*time.Second, "a run under way", func() bool { return runsUnderWay(t, db) > 0 })
	}
	restartPostgres := func() {
		t.Helper()
		midRun()
		if err := cluster.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		if _, err := cluster.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Log("PostgreSQL restarted")
	}
	// leaderOf finds the replica holding the scheduler's lock, as
	// PostgreSQL sees it: for a moment after a restart of the server, the
	// old leader may still think it leads (it notices at its next tick).
	leaderOf := func(among []*heardProcess) (leader *heardProcess) {
		t.Helper()
		eventually(t, 60*time.Second, "a leader", func() bool {
			leader = nil
			if h := lockHolders(t, db); len(h) == 1 {
				for _, r := range among {
					if holds(r, h[0]) {
						leader = r
					}
				}
			}
			return leader != nil
		})
		return leader
	}
	// stopLeader stops the leader with sig and returns how long the lead
	// took to pass to another replica, which a fresh replica then joins.
	stopLeader := func(sig syscall.Signal, n int) time.Duration {
		t.Helper()
		leader := leaderOf(replicas)
		var others []*heardProcess
		for _, r := range replicas {
			if r != leader {
				others = append(others, r)
			}
		}
		midRun()
		load.remove(leader.base)
		time.Sleep(500 * time.Millisecond) // the requests already sent to it are answered
		stopped := time.Now()
		leader.signal(t, sig)
		code := leader.wait(t, 40*time.Second)
		if sig == syscall.SIGTERM && code != 0 {
			t.Errorf("%s exited %d after SIGTERM, want 0", leader.name, code)
		}
		leaderOf(others)
		took := time.Since(stopped)
		fresh := startServe(t, fmt.Sprintf("replica %d", n), env)
		fresh.waitReady(t)
		replicas = append(others, fresh)
		load.add(fresh.base)
		t.Logf("%s of the leader: the lead passed on %v later", map[syscall.Signal]string{syscall.SIGKILL: "SIGKILL", syscall.SIGTERM: "SIGTERM"}[sig], took.Round(time.Millisecond))
		return took
	}

	time.Sleep(25 * time.Second)
	restartPostgres()
	time.Sleep(20 * time.Second)
	if took := stopLeader(syscall.SIGKILL, 3); took > 30*time.Second {
		t.Errorf("the lead passed on %v after the leader was killed, want within 30s", took)
	}
	time.Sleep(25 * time.Second)
	restartPostgres()
	time.Sleep(20 * time.Second)
	if took := stopLeader(syscall.SIGTERM, 4); took > 30*time.Second {
		t.Errorf("the lead passed on %v after the leader was stopped, want within 30s", took)
	}
	time.Sleep(25 * time.Second)
	results := load.finish()

	// Let the runs under way finish.
	eventually(t, 30*time.Second, "no run under way", func() bool { return runsUnderWay(t, db) <= 1 })
	checkSoakLoad(t, results)
	checkSoakRuns(t, db, sources)
}

// holds reports whether a live replica took the scheduler's lock on the
// backend pid.
func holds(p *heardProcess, pid int) bool {
	select {
	case <-p.exited:
		return false
	default:
	}
	return strings.Contains(p.log.String(), fmt.Sprintf(`msg="scheduler leadership acquired" lock=%d backend_pid=%d`+"\n", schedulerLockKey, pid))
}

func runsUnderWay(t *testing.T, db *sqlx.DB) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM scrape_runs WHERE status = 'running'`); err != nil {
		t.Fatal(err)
	}
	return n
}

func checkSoakLoad(t *testing.T, results []loadResult) {
	t.Helper()
	statuses := map[int]int{}
	for _, r := range results {
		statuses[r.status]++
		if r.status != http.StatusOK && r.status != http.StatusServiceUnavailable {
			t.Errorf("GET %s answered %d: %s", r.path, r.status, r.body)
		}
		if r.took > failFast {
			t.Errorf("GET %s took %v, want under %v", r.path, r.took, failFast)
		}
	}
	t.Logf("%d answers by status: %v", len(results), statuses)
	if statuses[http.StatusOK] < len(results)*3/4 {
		t.Errorf("only %d of %d answers were 200", statuses[http.StatusOK], len(results))
	}
}

func checkSoakRuns(t *testing.T, db *sqlx.DB, sources []int64) {
	t.Helper()
	for _, id := range sources {
		var s struct {
			Failures   int `db:"consecutive_failures"`
			Activities int `db:"activities"`
			OK         int `db:"ok"`
			Runs       int `db:"runs"`
			Overlaps   int `db:"overlaps"`
			// Interrupted runs are allowed, and logged to show the faults
			// struck while runs were under way.
			Interrupted int `db:"interrupted"`
		}
		err := db.Get(&s, `
			SELECT s.consecutive_failures,
				(SELECT count(DISTINCT activity_id) FROM activity_sources WHERE source_id = s.id) AS activities,
				(SELECT count(*) FROM scrape_runs WHERE source_id = s.id AND status = 'ok') AS ok,
				(SELECT count(*) FROM scrape_runs WHERE source_id = s.id) AS runs,
				(SELECT count(*) FROM scrape_runs WHERE source_id = s.id AND error LIKE 'interrupted: %') AS interrupted,
				(SELECT count(*) FROM scrape_runs a JOIN scrape_runs b ON a.source_id = b.source_id AND a.id < b.id
					WHERE a.source_id = s.id AND a.status <> 'running' AND b.started_at < a.finished_at) AS overlaps
			FROM sources s WHERE s.id = $1`, id)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("source %d: %d runs, %d ok, %d interrupted", id, s.Runs, s.OK, s.Interrupted)
		if s.Failures != 0 || s.Activities != 3 || s.OK < 2 || s.Overlaps != 0 {
			t.Errorf("source %d: %d failures, %d activities, %d ok runs of %d, %d overlapping; want none, 3, several, none",
				id, s.Failures, s.Activities, s.OK, s.Runs, s.Overlaps)
		}
	}
	var activities int
	if err := db.Get(&activities, `SELECT count(*) FROM activities`); err != nil {
		t.Fatal(err)
	}
	if want := 3 * len(sources); activities != want {
		t.Errorf("%d activities in all, want %d", activities, want)
	}
	if n := runsUnderWay(t, db); n > 1 {
		t.Errorf("%d runs left marked running; only the killed leader's may be", n)
	}
}
