package scrapers

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"heard/models"
)

// waitForLockWait returns the pid of the backend of this test's database
// that waits for a lock while running a statement containing query.
func waitForLockWait(t *testing.T, store *models.Store, query string) int {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pids []int
		err := store.DB().Select(&pids, `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			  AND wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`, query)
		if err != nil {
			t.Fatal(err)
		}
		if len(pids) == 1 {
			return pids[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no backend waits on a lock running %q", query)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRunnerDatabaseLostMidTransaction: the database ends the runner's
// connection while the run's transaction has written its activities but
// not committed — as a restart of PostgreSQL does. None of them is
// stored, and the run is recorded as interrupted: no strike against the
// source, which is due again at once and then collects everything.
func TestRunnerDatabaseLostMidTransaction(t *testing.T) {
	ctx := context.Background()
	env := newRunnerEnv(t, FetcherOptions{})
	env.site.set(func(s *fakeSite) {
		s.body = rssOf(entry{"a", "Listening session", "x"}, entry{"b", "Town hall", "y"}, entry{"c", "Public hearing", "z"})
	})
	src := env.addSource(t, models.KindRSS, "/feed.xml", "")

	// Holding the source's row keeps the run's transaction waiting at its
	// last step, recording the source's success, after every activity.
	// FOR NO KEY UPDATE leaves the foreign keys of the rows it inserts be.
	hold, err := env.store.DB().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.ExecContext(ctx, `SELECT id FROM sources WHERE id = $1 FOR NO KEY UPDATE`, src.ID); err != nil {
		t.Fatal(err)
	}
	type result struct {
		run models.ScrapeRun
		err error
	}
	done := make(chan result, 1)
	go func() {
		run, err := env.runner.RunSource(ctx, src)
		done <- result{run, err}
	}()
	pid := waitForLockWait(t, env.store, "UPDATE sources SET consecutive_failures = 0")
	if _, err := env.store.DB().ExecContext(ctx, `SELECT pg_terminate_backend($1, 5000)`, pid); err != nil {
		t.Fatal(err)
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	var res result
	select {
	case res = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not end after its connection was")
	}
	if res.err == nil || res.run.Status != "failed" || !strings.HasPrefix(res.run.Error, interruptedPrefix) {
		t.Fatalf("run %+v, err %v; want a failed run marked interrupted", res.run, res.err)
	}
	if stored := env.lastRun(t, src.ID); stored.Status != "failed" || !strings.HasPrefix(stored.Error, interruptedPrefix) {
		t.Errorf("stored run %+v", stored)
	}
	if n := len(env.activities(t)); n != 0 {
		t.Errorf("%d activities stored by a run whose transaction never committed", n)
	}
	var linked int
	if err := env.store.DB().Get(&linked, `SELECT (SELECT count(*) FROM activity_sources)
		+ (SELECT count(*) FROM activity_history WHERE scrape_run_id = $1)
		+ (SELECT count(*) FROM fetches WHERE sha256 IS NOT NULL)`, res.run.ID); err != nil || linked != 0 {
		t.Errorf("%d rows of the interrupted run's work (sources, history, snapshot fetches) stored (%v)", linked, err)
	}
	s := env.source(t, src.ID)
	if s.ConsecutiveFailures != 0 || s.NextFetchAt.After(env.clock.now()) {
		t.Errorf("after the interrupted run: %d failures, next fetch %v (now %v)", s.ConsecutiveFailures, s.NextFetchAt, env.clock.now())
	}

	runs, err := env.runner.RunDue(ctx, 10)
	if err != nil || len(runs) != 1 {
		t.Fatalf("RunDue after the interruption: %v, %v", runs, err)
	}
	checkRun(t, runs[0], "ok", counts{3, 3, 0, 0})
	if n := len(env.activities(t)); n != 3 {
		t.Errorf("%d activities after the second run, want 3", n)
	}
}

// TestRunDueClaimsEachSourceAsItRuns: a shutdown during the first of three
// due sources leaves the other two due, not claimed and skipped until
// their next interval.
func TestRunDueClaimsEachSourceAsItRuns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := newRunnerEnv(t, FetcherOptions{})
	slow := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		cancel() // the shutdown arrives while the first source is fetched
		<-r.Context().Done()
	})
	env.url = slow.URL
	now := env.clock.now()
	var srcs []models.Source
	for i, path := range []string{"/a.xml", "/b.xml", "/c.xml"} {
		src := env.addSource(t, models.KindRSS, path, "")
		due := now.Add(time.Duration(i-3) * time.Minute)
		if _, err := env.store.DB().Exec(`UPDATE sources SET next_fetch_at = $2 WHERE id = $1`, src.ID, due); err != nil {
			t.Fatal(err)
		}
		src.NextFetchAt = due
		srcs = append(srcs, src)
	}
	runs, err := env.runner.RunDue(ctx, 10)
	if !errors.Is(err, context.Canceled) || len(runs) != 1 || runs[0].SourceID != srcs[0].ID {
		t.Fatalf("RunDue: %+v, %v; want the first source's run and the cancellation", runs, err)
	}
	if !strings.HasPrefix(runs[0].Error, interruptedPrefix) {
		t.Errorf("first run %+v, want interrupted", runs[0])
	}
	for i, src := range srcs {
		got := env.source(t, src.ID).NextFetchAt
		want := src.NextFetchAt
		if i == 0 {
			want = now // interrupted: due again at once
		}
		if !got.Equal(want) {
			t.Errorf("source %s: next fetch %v, want %v", src.URL, got, want)
		}
	}
	var n int
	if err := env.store.DB().Get(&n, `SELECT count(*) FROM scrape_runs`); err != nil || n != 1 {
		t.Errorf("%d runs recorded (%v), want 1", n, err)
	}
}

// TestRunnerRefusedFetchIsAFailure: a source whose server refuses the
// connection has failed — the network error is the source's, not the
// database's — and takes a strike.
func TestRunnerRefusedFetchIsAFailure(t *testing.T) {
	env := newRunnerEnv(t, FetcherOptions{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env.url = "http://" + ln.Addr().String()
	ln.Close()
	src := env.addSource(t, models.KindRSS, "/feed.xml", "")
	run, err := env.runner.RunSource(context.Background(), src)
	if err == nil || run.Status != "failed" || strings.HasPrefix(run.Error, interruptedPrefix) {
		t.Fatalf("run %+v, err %v; want a failure, not an interruption", run, err)
	}
	if s := env.source(t, src.ID); s.ConsecutiveFailures != 1 {
		t.Errorf("%d failures after a refused fetch, want 1", s.ConsecutiveFailures)
	}
}

// TestRunnerInterruptsAbandonedRuns: runs left running long past any
// run's length (their process was killed) are closed as interrupted and
// their sources made due; a run in progress, and a source run since, are
// left alone.
func TestRunnerInterruptsAbandonedRuns(t *testing.T) {
	ctx := context.Background()
	env := newRunnerEnv(t, FetcherOptions{})
	now := env.clock.now()
	later := now.Add(5 * time.Hour)
	start := func(src models.Source, at time.Time) models.ScrapeRun {
		t.Helper()
		run, err := env.store.StartScrapeRun(ctx, src.ID, at)
		if err != nil {
			t.Fatal(err)
		}
		return run
	}
	abandoned := env.addSource(t, models.KindRSS, "/abandoned.xml", "")
	running := env.addSource(t, models.KindRSS, "/running.xml", "")
	rerun := env.addSource(t, models.KindRSS, "/rerun.xml", "")
	for _, src := range []models.Source{abandoned, running, rerun} {
		if _, err := env.store.DB().Exec(`UPDATE sources SET next_fetch_at = $2 WHERE id = $1`, src.ID, later); err != nil {
			t.Fatal(err)
		}
	}
	lost := start(abandoned, now.Add(-2*time.Hour))
	current := start(running, now.Add(-10*time.Minute))
	old := start(rerun, now.Add(-3*time.Hour))
	since := start(rerun, now.Add(-2*time.Hour))
	finished := now.Add(-time.Hour)
	since.Status, since.FinishedAt = "ok", &finished
	if err := env.store.FinishScrapeRun(ctx, since); err != nil {
		t.Fatal(err)
	}

	n, err := env.runner.InterruptAbandoned(ctx)
	if err != nil || n != 2 {
		t.Fatalf("InterruptAbandoned: %d, %v; want 2", n, err)
	}
	status := func(id int64) (s struct {
		Status   string     `db:"status"`
		Error    string     `db:"error"`
		Finished *time.Time `db:"finished_at"`
	}) {
		t.Helper()
		if err := env.store.DB().Get(&s, `SELECT status, error, finished_at FROM scrape_runs WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, id := range []int64{lost.ID, old.ID} {
		if s := status(id); s.Status != "failed" || !strings.HasPrefix(s.Error, interruptedPrefix) || s.Finished == nil || !s.Finished.Equal(now) {
			t.Errorf("abandoned run %d: %+v", id, s)
		}
	}
	if s := status(current.ID); s.Status != "running" {
		t.Errorf("the run in progress was closed: %+v", s)
	}
	if s := status(since.ID); s.Status != "ok" {
		t.Errorf("the later run was changed: %+v", s)
	}
	for _, tt := range []struct {
		src  models.Source
		want time.Time
	}{{abandoned, now}, {running, later}, {rerun, later}} {
		s := env.source(t, tt.src.ID)
		if !s.NextFetchAt.Equal(tt.want) || s.ConsecutiveFailures != 0 {
			t.Errorf("%s: next fetch %v, %d failures; want %v and none", tt.src.URL, s.NextFetchAt, s.ConsecutiveFailures, tt.want)
		}
	}
	if n, err := env.runner.InterruptAbandoned(ctx); err != nil || n != 0 {
		t.Errorf("second InterruptAbandoned: %d, %v; want nothing left", n, err)
	}
}
