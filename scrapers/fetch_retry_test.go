package scrapers

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// answer is one scripted response: a status and a Retry-After header.
type answer struct {
	status     int
	retryAfter string
}

// scriptedServer answers the i-th request with script[i], repeating the
// last answer, and counts requests. A 302 redirects to the same path.
func scriptedServer(t *testing.T, body string, script ...answer) (url string, hits *atomic.Int32) {
	t.Helper()
	hits = &atomic.Int32{}
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		n := int(hits.Add(1)) - 1
		a := script[min(n, len(script)-1)]
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		if a.status == http.StatusFound {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
			return
		}
		w.WriteHeader(a.status)
		fmt.Fprint(w, body)
	})
	return srv.URL + "/page", hits
}

func TestFetchRetries(t *testing.T) {
	clockStart := newFakeClock().now()
	httpDate := clockStart.Add(2 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name     string
		opts     FetcherOptions
		body     string
		script   []answer
		attempts int
		check    func(error) bool // nil: success wanted
		// waits bounds each wait between attempts: [lo, hi].
		waits [][2]time.Duration
	}{
		{name: "503 then 200", script: []answer{{503, ""}, {200, ""}}, attempts: 2,
			waits: [][2]time.Duration{{0, time.Second}}},
		{name: "502 twice then 200", script: []answer{{502, ""}, {502, ""}, {200, ""}}, attempts: 3,
			waits: [][2]time.Duration{{0, time.Second}, {0, 2 * time.Second}}},
		{name: "429 with Retry-After seconds", script: []answer{{429, "1"}, {200, ""}}, attempts: 2,
			waits: [][2]time.Duration{{time.Second, time.Second}}},
		{name: "429 with Retry-After date", script: []answer{{429, httpDate}, {200, ""}}, attempts: 2,
			waits: [][2]time.Duration{{2 * time.Second, 2 * time.Second}}},
		{name: "Retry-After beyond RetryMax", opts: FetcherOptions{RetryMax: 30 * time.Second},
			script: []answer{{503, "120"}, {200, ""}}, attempts: 1, check: retryAfterErr(503, 2*time.Minute)},
		{name: "500 until retries run out", script: []answer{{500, ""}}, attempts: 4, check: statusIs(500),
			waits: [][2]time.Duration{{0, time.Second}, {0, 2 * time.Second}, {0, 4 * time.Second}}},
		{name: "backoff capped by RetryMax", opts: FetcherOptions{RetryBase: 10 * time.Second, RetryMax: 15 * time.Second},
			script: []answer{{500, ""}}, attempts: 4, check: statusIs(500),
			waits: [][2]time.Duration{{0, 10 * time.Second}, {0, 15 * time.Second}, {0, 15 * time.Second}}},
		{name: "MaxRetries set", opts: FetcherOptions{MaxRetries: 1}, script: []answer{{503, ""}}, attempts: 2,
			check: statusIs(503), waits: [][2]time.Duration{{0, time.Second}}},
		{name: "retries off", opts: FetcherOptions{MaxRetries: -1}, script: []answer{{503, ""}, {200, ""}}, attempts: 1,
			check: statusIs(503)},
		{name: "404 not retried", script: []answer{{404, ""}, {200, ""}}, attempts: 1, check: statusIs(404)},
		{name: "too large not retried", opts: FetcherOptions{MaxBytes: 10}, body: strings.Repeat("x", 11),
			script: []answer{{200, ""}}, attempts: 1, check: isErr(ErrTooLarge)},
		{name: "redirect loop not retried", script: []answer{{302, ""}}, attempts: 1, check: isErr(ErrTooManyRedirects)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, hits := scriptedServer(t, tt.body, tt.script...)
			tt.opts.IgnoreRobots = true
			f, clock := newLocalFetcher(t, tt.opts)
			resp, err := f.Fetch(context.Background(), url, Conditional{})
			if tt.check == nil && err != nil {
				t.Fatalf("err = %v, want success", err)
			}
			if tt.check != nil && (err == nil || !tt.check(err)) {
				t.Fatalf("unexpected error: %v", err)
			}
			wantHits := tt.attempts
			if tt.name == "redirect loop not retried" {
				wantHits = DefaultMaxRedirects + 1
			}
			if resp.Attempts != tt.attempts || int(hits.Load()) != wantHits {
				t.Errorf("%d attempts, %d requests; want %d attempts", resp.Attempts, hits.Load(), tt.attempts)
			}
			got := clock.sleeps()
			if len(got) != len(tt.waits) {
				t.Fatalf("waits %v, want %d within %v", got, len(tt.waits), tt.waits)
			}
			for i, w := range tt.waits {
				if got[i] < w[0] || got[i] > w[1] {
					t.Errorf("wait %d = %v, want within %v", i, got[i], w)
				}
			}
		})
	}
}

func retryAfterErr(code int, d time.Duration) func(error) bool {
	return func(err error) bool {
		var se *StatusError
		return errors.As(err, &se) && se.Code == code && se.RetryAfter == d &&
			strings.Contains(err.Error(), "Retry-After "+d.String())
	}
}

// TestFetchNoRetryAfterCancel: a context that ends while waiting to retry
// ends the fetch, with the context's error.
func TestFetchNoRetryAfterCancel(t *testing.T) {
	url, hits := scriptedServer(t, "", answer{503, ""}, answer{200, ""})
	f, _ := newLocalFetcher(t, FetcherOptions{IgnoreRobots: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.sleep = func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}
	resp, err := f.Fetch(ctx, url, Conditional{})
	if !errors.Is(err, context.Canceled) || resp.Attempts != 1 || hits.Load() != 1 {
		t.Errorf("err = %v after %d attempts, %d requests; want context.Canceled after one", err, resp.Attempts, hits.Load())
	}
}

// closingServer accepts connections and closes them at once, except those
// numbered in serve, which get a 200 "ok".
func closingServer(t *testing.T, serve ...int) (url string, accepted *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = &atomic.Int32{}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			n := int(accepted.Add(1))
			for _, s := range serve {
				if s == n {
					if _, err := http.ReadRequest(bufio.NewReader(conn)); err == nil {
						fmt.Fprint(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
					}
				}
			}
			conn.Close()
		}
	}()
	return "http://" + ln.Addr().String() + "/", accepted
}

func TestFetchRetriesNetworkErrors(t *testing.T) {
	tests := []struct {
		name     string
		serve    []int
		opts     FetcherOptions
		attempts int
		ok       bool
	}{
		{"dropped then served", []int{2}, FetcherOptions{}, 2, true},
		{"always dropped", nil, FetcherOptions{}, 4, false},
		{"retries off", []int{2}, FetcherOptions{MaxRetries: -1}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, accepted := closingServer(t, tt.serve...)
			tt.opts.IgnoreRobots = true
			f, _ := newLocalFetcher(t, tt.opts)
			resp, err := f.Fetch(context.Background(), url, Conditional{})
			if tt.ok && (err != nil || string(resp.Body) != "ok") {
				t.Errorf("err = %v, body %q", err, resp.Body)
			}
			var se *StatusError
			if !tt.ok && (err == nil || errors.As(err, &se) || resp.StatusCode != 0) {
				t.Errorf("err = %v, status %d; want a network error", err, resp.StatusCode)
			}
			if resp.Attempts != tt.attempts || int(accepted.Load()) != tt.attempts {
				t.Errorf("%d attempts over %d connections, want %d", resp.Attempts, accepted.Load(), tt.attempts)
			}
		})
	}
}

// TestBackoff checks the full-jitter bounds with a seeded source: every
// wait within [0, min(max, base·2ⁿ⁻¹)], and the draws spread over it.
func TestBackoff(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	const base, maxDelay = time.Second, 30 * time.Second
	for attempt := 1; attempt <= 70; attempt++ {
		ceiling := maxDelay
		if attempt <= 5 {
			ceiling = base << (attempt - 1)
		}
		lo, hi := time.Duration(1<<62), time.Duration(0)
		for range 500 {
			d := backoff(attempt, base, maxDelay, rnd.Int64N)
			if d < 0 || d > ceiling {
				t.Fatalf("attempt %d: backoff %v outside [0, %v]", attempt, d, ceiling)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo > ceiling/10 || hi < ceiling*9/10 {
			t.Errorf("attempt %d: draws within [%v, %v], want them spread over [0, %v]", attempt, lo, hi, ceiling)
		}
	}
	if d := backoff(3, 0, maxDelay, rnd.Int64N); d != 0 {
		t.Errorf("zero base: %v", d)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2027, 3, 15, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"1", time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"1.5", 0},
		{"99999999999999999999999", time.Duration(1<<63 - 1)},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{"Monday, 15-Mar-27 16:00:05 GMT", 5 * time.Second}, // RFC 850
		{"Mon Mar 15 16:00:07 2027", 7 * time.Second},       // asctime
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
