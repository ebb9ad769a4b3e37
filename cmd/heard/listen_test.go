package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"heard/handlers"
	"heard/models/modeltest"
)

// TestListenForChanges: a change committed on any connection drops the
// cache; a change rolled back does not.
func TestListenForChanges(t *testing.T) {
	db, url := modeltest.NewDBWithURL(t)
	cache := handlers.NewResponseCache(time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	<-listenForChanges(ctx, url, cache, slog.New(slog.NewTextHandler(io.Discard, nil)))
	waitInvalidations := func(n uint64) bool {
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if cache.Stats().Invalidations >= n {
				return true
			}
			time.Sleep(20 * time.Millisecond)
		}
		return false
	}
	base := cache.Stats().Invalidations

	tx := db.MustBegin()
	tx.MustExec(`UPDATE jurisdictions SET name = name WHERE code = 'OH'`)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if got := cache.Stats().Invalidations; got != base {
		t.Fatalf("a rolled-back change invalidated the cache (%d → %d)", base, got)
	}
	db.MustExec(`UPDATE jurisdictions SET name = name WHERE code = 'OH'`)
	if !waitInvalidations(base + 1) {
		t.Fatalf("a committed change was not notified")
	}
	// A statement that changes no row notifies nothing.
	db.MustExec(`UPDATE sources SET enabled = false WHERE false`)
	time.Sleep(300 * time.Millisecond)
	if got := cache.Stats().Invalidations; got != base+1 {
		t.Fatalf("a statement that changed nothing invalidated the cache (%d, want %d)", got, base+1)
	}
	// A change of many rows notifies once per transaction and table.
	db.MustExec(`UPDATE jurisdictions SET name = name`)
	if !waitInvalidations(base + 2) {
		t.Fatalf("a second change was not notified")
	}
	time.Sleep(300 * time.Millisecond)
	if got := cache.Stats().Invalidations; got != base+2 {
		t.Errorf("52 rows changed in one statement gave %d notifications", got-base-1)
	}
}
