package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
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
// name and that the scrape job claims a due source, stores what it found and
// rescores the jurisdiction, without waiting for the next tick.
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
	if !slices.Equal(names, []string{jobNightlyRescore, jobScrapeDue}) {
		t.Errorf("jobs %v", names)
	}

	deadline := time.Now().Add(20 * time.Second)
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
