package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"heard/models"
	"heard/models/modeltest"
)

const feed = `<?xml version="1.0"?>
<rss version="2.0"><channel><title>Department of Education news</title>
<item><guid>essa-1</guid><title>Listening session on the ESSA state plan for parents and teachers</title>
<description>Join a listening session on the draft ESSA state plan on March 3, 2027, 6-8 p.m. at the Capitol. Spanish interpretation provided.</description>
<link>https://example.org/news/1</link></item>
</channel></rss>`

// TestSchedulerRunsNamedJobs checks that the gocron jobs are registered by
// name, that the scrape job claims a due source, stores what it found and
// rescores the jurisdiction, and that a run a killed process left marked
// running is closed, all without waiting for the next tick.
func TestSchedulerRunsNamedJobs(t *testing.T) {
	store := modeltest.NewStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feed)
	}))
	defer site.Close()
	src, err := store.UpsertSource(ctx, models.Source{Jurisdiction: "VT", Kind: models.KindRSS,
		URL: site.URL + "/feed.xml", Enabled: true, FetchIntervalSec: 3600})
	if err != nil {
		t.Fatal(err)
	}

	// A run begun two hours ago by a process that is gone, of a source not
	// due for another day (and switched off since, so that it is not run
	// once it is due again).
	gone, err := store.UpsertSource(ctx, models.Source{Jurisdiction: "VT", Kind: models.KindRSS,
		URL: site.URL + "/gone.xml", FetchIntervalSec: 3600})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.DB().ExecContext(ctx, `UPDATE sources SET next_fetch_at = now() + interval '1 day' WHERE id = $1`, gone.ID); err != nil {
		t.Fatal(err)
	}
	abandoned, err := store.StartScrapeRun(ctx, gone.ID, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	// The fixture site listens on loopback, which only this switch allows.
	p := newPipeline(store, slog.New(slog.NewTextHandler(io.Discard, nil)), config{AllowPrivate: true, MaxFailures: 10})
	sched, err := p.startScheduler(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, j := range sched.Jobs() {
		names = append(names, j.Name())
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{jobInterruptAbandon, jobNightlyRescore, jobScrapeDue}) {
		t.Errorf("jobs %v", names)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		runs, err := store.ScrapeRunsBySource(ctx, gone.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) > 0 && runs[len(runs)-1].ID == abandoned.ID && runs[len(runs)-1].Status == "failed" {
			if !strings.HasPrefix(runs[len(runs)-1].Error, "interrupted: ") {
				t.Errorf("abandoned run closed as %+v, want interrupted", runs[len(runs)-1])
			}
			var due bool
			if err := store.DB().GetContext(ctx, &due, `SELECT next_fetch_at <= now() FROM sources WHERE id = $1`, gone.ID); err != nil || !due {
				t.Errorf("the abandoned run's source is not due again (%v)", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned run was not closed within 20s: %+v", runs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	deadline = time.Now().Add(20 * time.Second)
	for {
		if _, err := store.LatestScorecard(ctx, "VT", 1); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scrape job did not collect and rescore Vermont within 20s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := sched.Shutdown(); err != nil {
		t.Fatal(err)
	}
	runs, err := store.ScrapeRunsBySource(ctx, src.ID, 10)
	if err != nil || len(runs) != 1 || runs[0].Status != "ok" || runs[0].Inserted != 1 {
		t.Fatalf("scrape runs %+v (%v), want one ok run inserting 1", runs, err)
	}
	srcs, err := store.Sources(ctx, "VT")
	if err != nil {
		t.Fatal(err)
	}
	if next := srcs[0].NextFetchAt; next.Before(time.Now().Add(50 * time.Minute)) {
		t.Errorf("next fetch at %v, want about an hour from now", next)
	}
	acts, _, err := store.Activities(ctx, models.ActivityFilter{Jurisdiction: "VT"})
	if err != nil || len(acts) != 1 || acts[0].Type != models.TypeListeningSession {
		t.Fatalf("activities %+v (%v)", acts, err)
	}
}

// TestServeRunsSourceNow: `heard serve` wires the staff API to the
// pipeline, so "run now" collects like a scheduled run, rescoring the
// jurisdiction, and settings are checked as the scrapers read them.
func TestServeRunsSourceNow(t *testing.T) {
	db, url := modeltest.NewDBWithURL(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("HEARD_ALLOW_PRIVATE_NETWORKS", "1") // the fixture site is on loopback
	store := models.NewStore(db)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feed)
	}))
	defer site.Close()
	src, err := store.AddSource(ctx, models.Source{Jurisdiction: "VT", Kind: models.KindRSS,
		URL: site.URL + "/feed.xml", Enabled: true, FetchIntervalSec: 3600})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddUser(ctx, "editor@example.org", models.RoleEditor, "correct horse battery"); err != nil {
		t.Fatal(err)
	}

	addr := freeAddr(t)
	done := make(chan int, 1)
	var stderr syncBuffer
	go func() { done <- run(ctx, []string{"serve", "--no-scheduler", "--addr", addr}, io.Discard, &stderr) }()
	base := "http://" + addr
	waitReady(t, base, done, &stderr, 60*time.Second)

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	send := func(method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := send("POST", "/api/v1/session", `{"email":"editor@example.org","password":"correct horse battery"}`); code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	path := "/api/v1/staff/sources/" + strconv.FormatInt(src.ID, 10)

	code, body := send("POST", path+"/run", "")
	var got struct {
		Data struct {
			Run models.ScrapeRun `json:"run"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || code != 200 || got.Data.Run.Status != "ok" || got.Data.Run.Inserted != 1 {
		t.Fatalf("run now: %d %s", code, body)
	}
	card, err := store.LatestScorecard(ctx, "VT", 1)
	if err != nil || card.Trigger != "scrape" || card.EvidenceCount != 1 {
		t.Errorf("after run now, Vermont's scorecard %+v (%v), want a rescore on the new evidence", card, err)
	}
	if after, _ := store.SourceByID(ctx, src.ID); after.LastSuccessAt == nil || after.NextFetchAt.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("after run now: %+v, want a success and the next scheduled fetch an interval away", after)
	}

	code, body = send("PATCH", path, `{"settings":{"keywords":["ESSA"],"detail":"main["}}`)
	if code != 400 || !strings.Contains(body, `"settings.detail"`) {
		t.Errorf("PATCH with a bad selector: %d %s, want 400 naming settings.detail", code, body)
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
}
