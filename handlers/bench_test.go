package handlers

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkPublicReads measures the scorecard, jurisdictions and state-page
// endpoints through the router over the fixture store (rate limit off).
func BenchmarkPublicReads(b *testing.B) {
	f := newBenchFixture(b)
	for _, path := range []string{
		"/api/v1/jurisdictions",
		"/api/v1/jurisdictions/OH/scorecard",
		"/api/v1/jurisdictions/OH/activities?per_page=50",
		"/states/OH",
		"/",
	} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				f.ServeHTTP(w, httptest.NewRequestWithContext(context.Background(), http.MethodGet, path, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, w.Code)
				}
			}
		})
	}
}

// newBenchFixture is the test fixture's engine, rebuilt without a rate limit.
func newBenchFixture(b *testing.B) http.Handler {
	b.Helper()
	f := newFixture(b)
	h, err := New(f.store, slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{Now: func() time.Time { return testNow }, RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	return NewEngine(h)
}
