package handlers

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestResponseCache: public answers come from memory until the data
// changes, byte for byte what a fresh request gives, with their own
// headers; staff and writes are never served from it.
func TestResponseCache(t *testing.T) {
	f := newFixture(t)
	cache := NewResponseCache(time.Minute)
	h, err := New(f.store, slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: func() time.Time { return testNow },
		Cache: cache, RateLimit: -1, RateBurst: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(NewEngine(h))
	t.Cleanup(srv.Close)
	get := func(path string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	for _, path := range []string{"/api/v1/jurisdictions/OH/scorecard", "/states/OH", "/", "/es/states/OH", "/states/OH/widget"} {
		first, body1 := get(path)
		before := cache.Stats()
		second, body2 := get(path)
		after := cache.Stats()
		if first.StatusCode != 200 || second.StatusCode != 200 || body1 != body2 {
			t.Fatalf("%s: %d then %d, same body %v", path, first.StatusCode, second.StatusCode, body1 == body2)
		}
		if after.Hits != before.Hits+1 {
			t.Errorf("%s: second GET was not a cache hit (%+v → %+v)", path, before, after)
		}
		for _, k := range []string{"Content-Type", "ETag", "Cache-Control", "Content-Security-Policy", "X-Frame-Options", "Content-Length"} {
			if first.Header.Get(k) != second.Header.Get(k) {
				t.Errorf("%s: %s %q from the cache, %q fresh", path, k, second.Header.Get(k), first.Header.Get(k))
			}
		}
		if first.Header.Get("X-Request-Id") == second.Header.Get("X-Request-Id") {
			t.Errorf("%s: the cache repeated a request id", path)
		}
		if resp, body := get(path, "If-None-Match", first.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified || body != "" {
			t.Errorf("%s: revalidation from the cache: %d", path, resp.StatusCode)
		}
	}
	// Another query is another entry.
	_, all := get("/api/v1/activities?per_page=1")
	_, page2 := get("/api/v1/activities?per_page=1&page=2")
	if all == page2 {
		t.Errorf("two queries shared an entry")
	}

	// A staff session bypasses the cache.
	before := cache.Stats()
	get("/states/OH", "Cookie", SessionCookie+"=whatever")
	if after := cache.Stats(); after.Hits != before.Hits || after.Misses != before.Misses {
		t.Errorf("a request with a session cookie used the cache")
	}

	// A change made elsewhere shows after Invalidate, and not before.
	_, old := get("/api/v1/jurisdictions/OH/scorecard")
	rescoreAndPublish(t, f.store, "OH", testNow.Add(time.Hour), "manual")
	if _, body := get("/api/v1/jurisdictions/OH/scorecard"); body != old {
		t.Errorf("the cache changed without an invalidation")
	}
	cache.Invalidate()
	if _, body := get("/api/v1/jurisdictions/OH/scorecard"); body == old {
		t.Errorf("after Invalidate the old scorecard is still served")
	}

	// A write through this process invalidates; a refused one does not.
	get("/states/OH")
	n := cache.Stats().Invalidations
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/session", strings.NewReader(`{"email":"x@example.org","password":"nope"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cache.Stats().Invalidations != n {
		t.Errorf("a refused write invalidated the cache")
	}
	req, _ = http.NewRequest(http.MethodDelete, srv.URL+"/api/v1/session", nil)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cache.Stats().Invalidations != n+1 {
		t.Errorf("a successful write did not invalidate the cache")
	}

	// Entries expire.
	short := NewResponseCache(time.Millisecond)
	short.put("/x", short.gen.Load(), http.Header{}, []byte("x"), time.Now())
	time.Sleep(5 * time.Millisecond)
	if short.get("/x", time.Now()) != nil {
		t.Errorf("an expired entry was served")
	}
	// A response made before an invalidation is not stored after it.
	gen := short.gen.Load()
	short.Invalidate()
	short.put("/y", gen, http.Header{}, []byte("y"), time.Now())
	if short.get("/y", time.Now()) != nil {
		t.Errorf("a response older than the data was stored")
	}
}

// TestCacheable lists what may be shared.
func TestCacheable(t *testing.T) {
	for path, want := range map[string]bool{
		"/": true, "/states/OH": true, "/api/v1/jurisdictions": true, "/es/methodology": true,
		"/staff/": false, "/staff/review": false, "/reply/abc": false, "/api/v1/staff/review": false,
		"/api/v1/session": false, "/api/v1/audit": false, "/healthz": false, "/metrics": false,
		"/api/v1/export/activities.csv": false,
	} {
		if got := cacheable(httptest.NewRequest(http.MethodGet, path, nil)); got != want {
			t.Errorf("cacheable(%s) = %v, want %v", path, got, want)
		}
	}
	if cacheable(httptest.NewRequest(http.MethodPost, "/", nil)) {
		t.Errorf("a POST is cacheable")
	}
}

// TestCacheFillsOnce: after an invalidation, many requests for one page
// wait for the first to make it instead of all making it at once.
func TestCacheFillsOnce(t *testing.T) {
	rc := NewResponseCache(time.Minute)
	done, wait := rc.fill("/x")
	if done == nil || wait != nil {
		t.Fatal("the first caller does not make the answer")
	}
	_, wait2 := rc.fill("/x")
	if wait2 == nil {
		t.Fatal("a second caller was not told to wait")
	}
	rc.put("/x", rc.gen.Load(), http.Header{}, []byte("x"), time.Now())
	done()
	select {
	case <-wait2:
	case <-time.After(time.Second):
		t.Fatal("the waiter was not released")
	}
	if rc.get("/x", time.Now()) == nil {
		t.Error("the waiter finds nothing")
	}
	if d, w := rc.fill("/x"); d == nil || w != nil {
		t.Error("the key stayed claimed")
	}
}
