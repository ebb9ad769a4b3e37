package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"heard/models"
	"heard/models/modeltest"
)

// cacheHits reads heard_cache_hits_total from a replica's /metrics.
func cacheHits(t *testing.T, base string) int {
	t.Helper()
	status, body, _ := httpGet(base + "/metrics")
	m := regexp.MustCompile(`(?m)^heard_cache_hits_total (\d+)$`).FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		t.Fatalf("/metrics: %d without heard_cache_hits_total", status)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestTwoServeReplicas runs two `heard serve` processes on one database,
// as two machines behind a load balancer would:
//
//   - every due source is fetched once, by whichever replica leads the
//     scheduler, however many ticks both replicas make;
//   - a staff write through one replica reaches the other's response
//     cache, which PostgreSQL's notification empties within a second or
//     two (its entries would otherwise live a minute);
//   - killing the leader with SIGKILL — no chance to let go of anything —
//     hands the lead to the other, which then runs the jobs.
func TestTwoServeReplicas(t *testing.T) {
	t.Parallel()
	db, url := modeltest.NewDBWithURL(t)
	ctx := context.Background()
	store := models.NewStore(db)
	if _, err := store.AddUser(ctx, "editor@example.org", models.RoleEditor, "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	site := newFaultSite(t)
	// The fetcher waits a second between requests to one host, which
	// these sources share.
	const n = 4
	var sources []int64
	for i := range n {
		sources = append(sources, site.addSource(t, db, fmt.Sprintf("/feed/%d.xml", i), time.Now().Add(-time.Minute)))
	}

	env := []string{"DATABASE_URL=" + url, "HEARD_ALLOW_PRIVATE_NETWORKS=1",
		"HEARD_SCHEDULER_TICK=200ms", "HEARD_RATE_LIMIT=-1"}
	replicas := []*heardProcess{startServe(t, "replica A", env), startServe(t, "replica B", env)}
	for _, r := range replicas {
		r.waitReady(t)
	}

	// Once per tick: every source fetched and recorded exactly once, then
	// some ten more ticks of both replicas in which nothing is due.
	eventually(t, 30*time.Second, "every source scraped", func() bool {
		var done int
		if err := db.Get(&done, `SELECT count(DISTINCT source_id) FROM scrape_runs WHERE status <> 'running'`); err != nil {
			t.Fatal(err)
		}
		return done == n
	})
	time.Sleep(2 * time.Second)
	for i, id := range sources {
		path := fmt.Sprintf("/feed/%d.xml", i)
		if hits := site.hitsOf(path); hits != 1 {
			t.Errorf("%s fetched %d times, want once", path, hits)
		}
		if runs := runsOf(t, db, id); len(runs) != 1 || runs[0].Status != "ok" {
			t.Errorf("source %d: runs %+v, want one ok run", id, runs)
		}
	}
	if h := lockHolders(t, db); len(h) != 1 {
		t.Fatalf("scheduler lock holders %v, want one", h)
	}
	var leader, follower *heardProcess
	switch {
	case replicas[0].leads(1) && !replicas[1].leads(1):
		leader, follower = replicas[0], replicas[1]
	case replicas[1].leads(1) && !replicas[0].leads(1):
		leader, follower = replicas[1], replicas[0]
	default:
		t.Fatalf("want exactly one replica to have led: A %v, B %v", replicas[0].leads(1), replicas[1].leads(1))
	}

	// A cached answer on one replica, a write through the other.
	overrides := "/api/v1/jurisdictions/OH/overrides"
	for i := range 2 {
		status, body, _ := httpGet(follower.base + overrides)
		if status != http.StatusOK || !strings.Contains(body, `"data":[]`) {
			t.Fatalf("GET %s on the follower (%d): %d %s", overrides, i, status, body)
		}
	}
	hits := cacheHits(t, follower.base)
	if status, body, _ := httpGet(follower.base + overrides); status != http.StatusOK || !strings.Contains(body, `"data":[]`) {
		t.Fatalf("GET %s: %d %s", overrides, status, body)
	}
	if got := cacheHits(t, follower.base); got != hits+1 {
		t.Fatalf("the follower's answer did not come from its cache (hits %d → %d)", hits, got)
	}
	cookie := login(t, leader.base, "editor@example.org", "correct horse battery staple")
	status, body, _ := httpDo("PUT", leader.base+"/api/v1/jurisdictions/OH/criteria/comment/override",
		`{"score":3,"justification":"Second round of comment held; see the minutes."}`, cookie)
	if status != http.StatusOK {
		t.Fatalf("override through the leader: %d %s", status, body)
	}
	took := eventually(t, 5*time.Second, "the override seen through the other replica", func() bool {
		_, body, _ := httpGet(follower.base + overrides)
		return strings.Contains(body, "Second round of comment held")
	})
	if took > 2*time.Second {
		t.Errorf("the other replica showed the override after %v, want within 2s", took)
	}
	t.Logf("the other replica's cache dropped the old answer %v after the write", took.Round(time.Millisecond))

	// SIGKILL the leader: its connections close with it, the database
	// releases its lock, and the follower takes the lead at its next tick.
	killed := time.Now()
	leader.signal(t, syscall.SIGKILL)
	leader.wait(t, 10*time.Second)
	took = eventually(t, 30*time.Second, "the follower leading", func() bool { return follower.leads(1) })
	t.Logf("the follower took the lead %v after the leader was killed", took.Round(time.Millisecond))
	if h := lockHolders(t, db); len(h) != 1 {
		t.Errorf("scheduler lock holders %v after the hand-over, want one", h)
	}
	// The new leader runs the jobs: a source made due is fetched again.
	if _, err := db.Exec(`UPDATE sources SET next_fetch_at = now() WHERE id = $1`, sources[0]); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the due source fetched by the new leader", func() bool {
		runs := runsOf(t, db, sources[0])
		return len(runs) == 2 && runs[1].Status == "ok"
	})
	if d := time.Since(killed); d > 30*time.Second {
		t.Errorf("jobs resumed %v after the leader was killed, want within 30s", d)
	}
	if hits := site.hitsOf("/feed/0.xml"); hits != 2 {
		t.Errorf("/feed/0.xml fetched %d times in all, want twice", hits)
	}
}
