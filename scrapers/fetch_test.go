package scrapers

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is the fetcher's clock in tests: it moves only when told or
// when the fetcher sleeps, and it records those sleeps, so rate limits and
// retry waits can be checked exactly and cost no time.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2027, 3, 15, 16, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.slept = append(c.slept, d)
		c.t = c.t.Add(d)
	}
	return nil
}

// sleeps are the waits so far.
func (c *fakeClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// newLocalFetcher returns a fetcher for httptest servers, which listen on
// 127.0.0.1: the address guard is off, there is no rate limit unless opts
// set one, and it runs on a fake clock (unless opts.Now is set), so
// waits are recorded instead of slept.
func newLocalFetcher(t *testing.T, opts FetcherOptions) (*Fetcher, *fakeClock) {
	t.Helper()
	opts.AllowPrivateNetworks = true
	if opts.HostInterval == 0 {
		opts.HostInterval = -1
	}
	clock := newFakeClock()
	if opts.Now == nil {
		opts.Now = clock.now
	}
	f := NewFetcher(opts)
	f.sleep = clock.sleep
	return f, clock
}

// newTestServer serves h until the test ends.
func newTestServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchOK(t *testing.T) {
	var gotUA, gotINM, gotIMS string
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotINM, gotIMS = r.UserAgent(), r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/feed", http.StatusFound)
		case "/sniff":
			w.Header()["Content-Type"] = nil // stop the server sniffing for us
			w.Write([]byte("<!DOCTYPE html><html><body>hi</body></html>"))
		default:
			w.Header().Set("Content-Type", "application/rss+xml; charset=UTF-8")
			w.Header().Set("ETag", `"v1"`)
			w.Header().Set("Last-Modified", "Tue, 05 Mar 2024 19:30:00 GMT")
			w.Write([]byte("<rss/>"))
		}
	})
	tests := []struct {
		name, path, wantType string
	}{
		{"plain", "/feed", "application/rss+xml"},
		{"redirect followed", "/moved", "application/rss+xml"},
		{"media type sniffed", "/sniff", "text/html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := newLocalFetcher(t, FetcherOptions{IgnoreRobots: true})
			resp, err := f.Fetch(context.Background(), srv.URL+tt.path, Conditional{})
			if err != nil {
				t.Fatal(err)
			}
			if gotUA != DefaultUserAgent {
				t.Errorf("User-Agent = %q, want %q", gotUA, DefaultUserAgent)
			}
			if gotINM != "" || gotIMS != "" {
				t.Errorf("unconditional fetch sent If-None-Match %q, If-Modified-Since %q", gotINM, gotIMS)
			}
			if resp.StatusCode != 200 || resp.MediaType != tt.wantType || resp.URL != srv.URL+tt.path {
				t.Errorf("response = %d %q for %q", resp.StatusCode, resp.MediaType, resp.URL)
			}
			if tt.path != "/sniff" && (resp.FinalURL != srv.URL+"/feed" || resp.ETag != `"v1"` || string(resp.Body) != "<rss/>") {
				t.Errorf("final %q etag %q body %q", resp.FinalURL, resp.ETag, resp.Body)
			}
			if resp.StartedAt.IsZero() || resp.Duration <= 0 || resp.Attempts != 1 {
				t.Errorf("timings not recorded: %v %v, %d attempts", resp.StartedAt, resp.Duration, resp.Attempts)
			}
		})
	}
}

func TestFetchUserAgentOption(t *testing.T) {
	var got string
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) { got = r.UserAgent() })
	f, _ := newLocalFetcher(t, FetcherOptions{UserAgent: "HeardTest/1", IgnoreRobots: true})
	if _, err := f.Fetch(context.Background(), srv.URL, Conditional{}); err != nil {
		t.Fatal(err)
	}
	if got != "HeardTest/1" {
		t.Errorf("User-Agent = %q", got)
	}
}

func TestFetchConditional(t *testing.T) {
	const etag, lastMod = `"abc"`, "Tue, 05 Mar 2024 19:30:00 GMT"
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			w.Header().Set("ETag", etag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write([]byte("fresh"))
	})
	f, _ := newLocalFetcher(t, FetcherOptions{IgnoreRobots: true})
	resp, err := f.Fetch(context.Background(), srv.URL, Conditional{ETag: etag, LastModified: lastMod})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.NotModified || resp.StatusCode != 304 || len(resp.Body) != 0 || resp.ETag != etag {
		t.Errorf("conditional fetch = %+v, want 304 not modified", resp)
	}
	resp, err = f.Fetch(context.Background(), srv.URL, Conditional{ETag: `"other"`})
	if err != nil {
		t.Fatal(err)
	}
	if resp.NotModified || string(resp.Body) != "fresh" {
		t.Errorf("stale validator gave %+v", resp)
	}
}

func TestFetchErrors(t *testing.T) {
	const limit = 1000
	big := strings.Repeat("x", limit+1)
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big-declared":
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			w.Write([]byte(big))
		case "/big-chunked":
			// Flushing before the end makes the server send no length.
			for i := 0; i < len(big); i += 100 {
				w.Write([]byte(big[i:min(i+100, len(big))]))
				w.(http.Flusher).Flush()
			}
		case "/exact":
			w.Write([]byte(big[:limit]))
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/to-ftp":
			http.Redirect(w, r, "ftp://example.gov/file", http.StatusFound)
		case "/slow":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		case "/boom":
			http.Error(w, "internal error", http.StatusInternalServerError)
		case "/gone":
			w.WriteHeader(http.StatusNotFound)
		}
	})
	tests := []struct {
		name    string
		url     string
		check   func(error) bool
		status  int
		hasBody bool
	}{
		{"size cap by Content-Length", srv.URL + "/big-declared", isErr(ErrTooLarge), 200, false},
		{"size cap while reading", srv.URL + "/big-chunked", isErr(ErrTooLarge), 200, false},
		{"redirect loop", srv.URL + "/loop", isErr(ErrTooManyRedirects), 302, false},
		{"redirect to other scheme", srv.URL + "/to-ftp", contains("not allowed"), 302, false},
		{"slow server", srv.URL + "/slow", isErr(context.DeadlineExceeded), 0, false},
		{"server error", srv.URL + "/boom", statusIs(500), 500, true},
		{"not found", srv.URL + "/gone", statusIs(404), 404, false},
		{"file scheme", "file:///etc/passwd", contains(`scheme "file" not allowed`), 0, false},
		{"ftp scheme", "ftp://example.gov/x", contains(`scheme "ftp" not allowed`), 0, false},
		{"no host", "http:///path", contains("no host"), 0, false},
		{"unparseable", "http://[::1", contains("fetch"), 0, false},
	}
	// Retries are on: the errors must read the same after them, and the
	// fake clock makes the waits between them free.
	f, _ := newLocalFetcher(t, FetcherOptions{MaxBytes: limit, Timeout: 200 * time.Millisecond, IgnoreRobots: true})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := f.Fetch(context.Background(), tt.url, Conditional{})
			if err == nil {
				t.Fatal("want an error")
			}
			if !tt.check(err) {
				t.Errorf("unexpected error: %v", err)
			}
			if resp == nil {
				t.Fatal("a failed fetch must still return a response")
			}
			if resp.URL != tt.url || resp.StartedAt.IsZero() || resp.StatusCode != tt.status {
				t.Errorf("response = url %q started %v status %d, want status %d", resp.URL, resp.StartedAt, resp.StatusCode, tt.status)
			}
			if (len(resp.Body) > 0) != tt.hasBody {
				t.Errorf("body %q, want some: %v", resp.Body, tt.hasBody)
			}
		})
	}

	resp, err := f.Fetch(context.Background(), srv.URL+"/exact", Conditional{})
	if err != nil || len(resp.Body) != limit {
		t.Errorf("a body exactly at the cap: %v, %d bytes", err, len(resp.Body))
	}
}

func TestFetchCancelled(t *testing.T) {
	var hits atomic.Int32
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	f, _ := newLocalFetcher(t, FetcherOptions{IgnoreRobots: true})
	resp, err := f.Fetch(ctx, srv.URL, Conditional{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if resp.Attempts != 1 || hits.Load() != 1 {
		t.Errorf("%d attempts, %d requests; a cancelled fetch is not retried", resp.Attempts, hits.Load())
	}
}

func TestFetchRedirectLimit(t *testing.T) {
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if n > 0 {
			http.Redirect(w, r, "/"+strconv.Itoa(n-1), http.StatusFound)
			return
		}
		w.Write([]byte("arrived"))
	})
	tests := []struct {
		redirects, max int
		ok             bool
	}{
		{5, 0, true}, // the default allows five
		{6, 0, false},
		{2, 2, true},
		{3, 2, false},
	}
	for _, tt := range tests {
		f, _ := newLocalFetcher(t, FetcherOptions{MaxRedirects: tt.max, IgnoreRobots: true})
		resp, err := f.Fetch(context.Background(), srv.URL+"/"+strconv.Itoa(tt.redirects), Conditional{})
		if tt.ok && (err != nil || string(resp.Body) != "arrived") {
			t.Errorf("%d redirects, max %d: %v", tt.redirects, tt.max, err)
		}
		if !tt.ok && !errors.Is(err, ErrTooManyRedirects) {
			t.Errorf("%d redirects, max %d: err = %v, want ErrTooManyRedirects", tt.redirects, tt.max, err)
		}
	}
}

func isErr(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

func contains(s string) func(error) bool {
	return func(err error) bool { return strings.Contains(err.Error(), s) }
}

func statusIs(code int) func(error) bool {
	return func(err error) bool {
		var se *StatusError
		return errors.As(err, &se) && se.Code == code
	}
}

func TestFetchGzip(t *testing.T) {
	const page = "<html><body>compressed</body></html>"
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Write([]byte(page))
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		zw := gzip.NewWriter(w)
		zw.Write([]byte(page))
		zw.Close()
	})
	f, _ := newLocalFetcher(t, FetcherOptions{IgnoreRobots: true})
	resp, err := f.Fetch(context.Background(), srv.URL, Conditional{})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != page || resp.MediaType != "text/html" {
		t.Errorf("body %q type %q, want the page decompressed", resp.Body, resp.MediaType)
	}

	// The cap counts decompressed bytes, so a small bomb is still refused.
	f, _ = newLocalFetcher(t, FetcherOptions{MaxBytes: int64(len(page) - 1), IgnoreRobots: true})
	_, err = f.Fetch(context.Background(), srv.URL, Conditional{})
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

// TestFetchGzipBomb serves a few KiB of gzip, declared with its small
// Content-Length, that inflate to a MiB: the cap must count the inflated
// bytes, and the refusal must not be retried.
func TestFetchGzipBomb(t *testing.T) {
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zw.Write(make([]byte, 1<<20))
	zw.Close()
	const limit = 64 << 10
	if bomb.Len() >= limit {
		t.Fatalf("bomb is %d bytes compressed, want it under the %d-byte cap", bomb.Len(), limit)
	}
	var hits atomic.Int32
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(bomb.Len()))
		w.Write(bomb.Bytes())
	})
	f, _ := newLocalFetcher(t, FetcherOptions{MaxBytes: limit, IgnoreRobots: true})
	resp, err := f.Fetch(context.Background(), srv.URL, Conditional{})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if len(resp.Body) != 0 || resp.Attempts != 1 || hits.Load() != 1 {
		t.Errorf("body %d bytes, %d attempts, %d requests; want none kept, one attempt", len(resp.Body), resp.Attempts, hits.Load())
	}
}
