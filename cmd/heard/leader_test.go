package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jmoiron/sqlx"

	"heard/models"
	"heard/models/modeltest"
)

// Two pools over one database stand for two replicas: each elector pins its
// own connection, exactly as separate processes would.
func twoReplicas(t *testing.T) (db1, db2 *sqlx.DB, url string) {
	t.Helper()
	db1, url = modeltest.NewDBWithURL(t)
	return db1, openPool(t, url), url
}

func openPool(t *testing.T, url string) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func newTestElector(t *testing.T, db *sqlx.DB) *leaderElector {
	t.Helper()
	e := newLeaderElector(db.DB, testLog(t))
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

// lockHolders lists the backends holding the scheduler lock in this
// database, as the server sees them.
func lockHolders(t *testing.T, db *sqlx.DB) []int {
	t.Helper()
	pids := []int{}
	err := db.Select(&pids, `SELECT pid FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1
		  AND classid = $1::bigint::oid AND objid = $2::bigint::oid
		  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
		schedulerLockKey>>32, schedulerLockKey&0xffffffff)
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

func TestSchedulerLockKey(t *testing.T) {
	h := fnv.New64a()
	h.Write([]byte("heard-scheduler"))
	if got := int64(h.Sum64()); got != schedulerLockKey {
		t.Errorf("schedulerLockKey = %d, want FNV-1a(heard-scheduler) = %d", schedulerLockKey, got)
	}
}

func TestLeaderElectorOneLeaderAndHandOver(t *testing.T) {
	ctx := context.Background()
	db1, db2, _ := twoReplicas(t)
	electors := []*leaderElector{newTestElector(t, db1), newTestElector(t, db2)}

	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, e := range electors {
		wg.Go(func() { errs[i] = e.IsLeader(ctx) })
	}
	wg.Wait()
	var leader, follower *leaderElector
	var leaderDB *sqlx.DB
	switch {
	case errs[0] == nil && errors.Is(errs[1], errNotLeader):
		leader, follower, leaderDB = electors[0], electors[1], db1
	case errs[1] == nil && errors.Is(errs[0], errNotLeader):
		leader, follower, leaderDB = electors[1], electors[0], db2
	default:
		t.Fatalf("IsLeader: %v, %v; want exactly one leader", errs[0], errs[1])
	}
	for range 3 {
		if err := leader.IsLeader(ctx); err != nil {
			t.Fatalf("leader: %v", err)
		}
		if err := follower.IsLeader(ctx); !errors.Is(err, errNotLeader) {
			t.Fatalf("follower: %v, want %v", err, errNotLeader)
		}
	}
	if h := lockHolders(t, db1); len(h) != 1 {
		t.Fatalf("lock holders %v, want one", h)
	}

	if err := leader.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if h := lockHolders(t, db1); len(h) != 0 {
		t.Fatalf("lock holders %v after Close, want none", h)
	}
	if err := leader.IsLeader(ctx); !errors.Is(err, errElectorClosed) {
		t.Errorf("closed elector: %v, want %v", err, errElectorClosed)
	}
	if err := follower.IsLeader(ctx); err != nil {
		t.Fatalf("follower after the leader closed: %v", err)
	}
	if h := lockHolders(t, db1); len(h) != 1 {
		t.Fatalf("lock holders %v, want one", h)
	}
	// The released connection went back to the closed leader's pool.
	if err := leaderDB.PingContext(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestLeaderElectorSurvivesKilledConnection(t *testing.T) {
	ctx := context.Background()
	db1, db2, url := twoReplicas(t)
	admin := openPool(t, url)
	e1, e2 := newTestElector(t, db1), newTestElector(t, db2)

	if err := e1.IsLeader(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e2.IsLeader(ctx); !errors.Is(err, errNotLeader) {
		t.Fatalf("second elector: %v, want %v", err, errNotLeader)
	}
	holders := lockHolders(t, admin)
	if len(holders) != 1 {
		t.Fatalf("lock holders %v", holders)
	}
	var killed bool
	if err := admin.Get(&killed, `SELECT pg_terminate_backend($1, 5000)`, holders[0]); err != nil || !killed {
		t.Fatalf("terminate the leader's backend: %v, %v", killed, err)
	}

	// The follower takes over on its very next call.
	if err := e2.IsLeader(ctx); err != nil {
		t.Fatalf("follower after the leader's connection died: %v", err)
	}
	// The old leader notices, then follows while the lock is taken.
	if err := e1.IsLeader(ctx); !errors.Is(err, errLeaderLost) {
		t.Fatalf("old leader: %v, want %v", err, errLeaderLost)
	}
	if err := e1.IsLeader(ctx); !errors.Is(err, errNotLeader) {
		t.Fatalf("old leader while the lock is held: %v, want %v", err, errNotLeader)
	}
	// Its pool did not get the dead connection back.
	if _, err := db1.Exec(`SELECT 1`); err != nil {
		t.Fatalf("old leader's pool: %v", err)
	}
	if err := e2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e1.IsLeader(ctx); err != nil {
		t.Fatalf("old leader once the lock is free: %v", err)
	}
	if h := lockHolders(t, admin); len(h) != 1 || h[0] == holders[0] {
		t.Fatalf("lock holders %v, want one new backend", h)
	}
}

// alwaysLeader lets every replica run every job, leaving the claim alone
// to keep sources from being fetched twice.
type alwaysLeader struct{}

func (alwaysLeader) IsLeader(context.Context) error { return nil }

// TestTwoSchedulersFetchEachSourceOnce runs two replicas' schedulers, ticking
// fast, against one database and one site: every due source is fetched and
// recorded exactly once, with the elector and, without it, by the claim's
// SKIP LOCKED alone.
func TestTwoSchedulersFetchEachSourceOnce(t *testing.T) {
	t.Run("elector", func(t *testing.T) {
		twoSchedulers(t, func(db *sqlx.DB) gocron.Elector { return newTestElector(t, db) })
	})
	t.Run("claim only", func(t *testing.T) {
		twoSchedulers(t, func(*sqlx.DB) gocron.Elector { return alwaysLeader{} })
	})
}

func twoSchedulers(t *testing.T, elector func(*sqlx.DB) gocron.Elector) {
	const n = 12
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db1, db2, _ := twoReplicas(t)

	var mu sync.Mutex
	hits := map[string]int{}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		time.Sleep(10 * time.Millisecond) // long enough for the replicas' work to overlap
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?>
<rss version="2.0"><channel><title>Department of Education news</title>
<item><guid>%[1]s</guid><title>Listening session on the ESSA state plan</title>
<description>Join a listening session on the draft ESSA state plan on March 3, 2027, 6-8 p.m.</description>
<link>https://example.org%[1]s</link></item>
</channel></rss>`, r.URL.Path)
	}))
	defer site.Close()

	store1, store2 := models.NewStore(db1), models.NewStore(db2)
	js, err := store1.Jurisdictions(ctx)
	if err != nil || len(js) < n {
		t.Fatalf("%d jurisdictions (%v)", len(js), err)
	}
	for i := range n {
		if _, err := store1.UpsertSource(ctx, models.Source{Jurisdiction: js[i].Code, Kind: models.KindRSS,
			URL: fmt.Sprintf("%s/feed/%02d.xml", site.URL, i), Enabled: true, FetchIntervalSec: 3600}); err != nil {
			t.Fatal(err)
		}
	}

	cfg := config{AllowPrivate: true, MaxFailures: 10}
	var pipes []*pipeline
	for _, replica := range []struct {
		store *models.Store
		db    *sqlx.DB
	}{{store1, db1}, {store2, db2}} {
		p := newPipeline(replica.store, testLog(t), cfg, hostPort(site.URL))
		p.elector = elector(replica.db)
		p.scrapeEvery = 100 * time.Millisecond
		pipes = append(pipes, p)
	}
	// Start both at once, so their immediate runs race.
	scheds := make([]gocron.Scheduler, len(pipes))
	errs := make([]error, len(pipes))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range pipes {
		wg.Go(func() {
			<-start
			scheds[i], errs[i] = p.startScheduler(ctx)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		defer scheds[i].Shutdown()
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		var done int
		if err := db1.Get(&done, `SELECT count(DISTINCT source_id) FROM scrape_runs WHERE status <> 'running'`); err != nil {
			t.Fatal(err)
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d sources scraped within 10s", done, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Several more ticks on both replicas: a second fetch would show now.
	time.Sleep(500 * time.Millisecond)
	for _, s := range scheds {
		if err := s.Shutdown(); err != nil {
			t.Fatal(err)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	if len(hits) != n {
		t.Errorf("%d paths fetched, want %d: %v", len(hits), n, hits)
	}
	for path, c := range hits {
		if c != 1 {
			t.Errorf("%s fetched %d times, want once", path, c)
		}
	}
	var runs []struct {
		Source int64  `db:"source_id"`
		Runs   int    `db:"runs"`
		Status string `db:"status"`
	}
	if err := db1.Select(&runs, `SELECT source_id, count(*) AS runs, min(status) AS status
		FROM scrape_runs GROUP BY source_id ORDER BY source_id`); err != nil {
		t.Fatal(err)
	}
	if len(runs) != n {
		t.Errorf("scrape runs for %d sources, want %d", len(runs), n)
	}
	for _, r := range runs {
		if r.Runs != 1 || r.Status != "ok" {
			t.Errorf("source %d: %d runs (%s), want one ok run", r.Source, r.Runs, r.Status)
		}
	}

	// With electors, exactly one replica leads.
	var leaders int
	for _, p := range pipes {
		if e, ok := p.elector.(*leaderElector); ok {
			if err := e.IsLeader(ctx); err == nil {
				leaders++
			}
		} else {
			leaders = -1
		}
	}
	if leaders >= 0 && leaders != 1 {
		t.Errorf("%d leaders, want one", leaders)
	}
}
