package handlers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

var etagForm = regexp.MustCompile(`^"[0-9a-f]{32}"$`)

func TestETagMatches(t *testing.T) {
	const etag = `"0123abcd"`
	tests := []struct {
		header string
		want   bool
	}{
		{`"0123abcd"`, true},
		{`W/"0123abcd"`, true},
		{`*`, true},
		{`"nope", "0123abcd"`, true},
		{`"nope",W/"0123abcd"`, true},
		{` "a,b" , "0123abcd"`, true},
		{`"nope"`, false},
		{`"nope", W/"other"`, false},
		{`0123abcd`, false},
		{`"0123abcd`, false},
		{``, false},
		{`W/`, false},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.header, etag); got != tt.want {
			t.Errorf("If-None-Match %q: match %v, want %v", tt.header, got, tt.want)
		}
	}
	if !etagMatches(`"0123abcd"`, `W/"0123abcd"`) {
		t.Error("a weak current ETag should match its strong form (weak comparison)")
	}
}

// serve runs one request through an engine; header holds extra request
// headers and remote the peer address ("" keeps httptest's).
func serve(h http.Handler, method, path, remote string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	if remote != "" {
		req.RemoteAddr = remote
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// cacheEngine is a bare engine with conditionalGET and test routes.
func cacheEngine(body *string) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(conditionalGET(nil))
	thing := func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"data": *body}) }
	r.GET("/api/v1/thing", thing)
	r.HEAD("/api/v1/thing", thing)
	r.GET("/api/v1/missing", func(c *gin.Context) {
		c.Header("ETag", `"stale"`)
		respondError(c, http.StatusNotFound, "not_found", "No such thing.", nil)
	})
	r.GET("/api/v1/aborted", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"data": "done"})
		c.Abort()
	})
	r.GET("/api/v1/own", func(c *gin.Context) {
		c.Header("ETag", `"own-tag"`)
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
		c.Data(http.StatusOK, "text/plain", []byte("own body"))
	})
	r.GET("/api/v1/empty", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	r.GET("/page", func(c *gin.Context) { c.Data(http.StatusOK, "text/html", []byte("<p>page</p>")) })
	r.GET("/moved", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/page") })
	return r
}

func TestConditionalGET(t *testing.T) {
	body := "first"
	r := cacheEngine(&body)

	first := serve(r, "GET", "/api/v1/thing", "", nil)
	etag := first.Header().Get("ETag")
	if first.Code != 200 || !etagForm.MatchString(etag) {
		t.Fatalf("first GET: %d, ETag %q", first.Code, etag)
	}
	if cc := first.Header().Get("Cache-Control"); cc != cacheAPI {
		t.Errorf("Cache-Control %q, want %q", cc, cacheAPI)
	}
	if cl := first.Header().Get("Content-Length"); cl != strconv.Itoa(first.Body.Len()) {
		t.Errorf("Content-Length %q for a %d-byte body", cl, first.Body.Len())
	}
	if again := serve(r, "GET", "/api/v1/thing", "", nil); again.Header().Get("ETag") != etag || again.Body.String() != first.Body.String() {
		t.Errorf("same data, different ETag: %q then %q", etag, again.Header().Get("ETag"))
	}

	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, `W/"x",W/` + etag, "*"} {
		rec := serve(r, "GET", "/api/v1/thing", "", map[string]string{"If-None-Match": inm})
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Errorf("If-None-Match %s: %d with %d bytes, want an empty 304", inm, rec.Code, rec.Body.Len())
		}
		if rec.Header().Get("ETag") != etag || rec.Header().Get("Cache-Control") != cacheAPI {
			t.Errorf("If-None-Match %s: 304 lost its headers: %v", inm, rec.Header())
		}
		if rec.Header().Get("Content-Type") != "" || rec.Header().Get("Content-Length") != "" {
			t.Errorf("If-None-Match %s: 304 describes a body: %v", inm, rec.Header())
		}
	}
	if rec := serve(r, "GET", "/api/v1/thing", "", map[string]string{"If-None-Match": `"0000"`}); rec.Code != 200 || rec.Body.String() != first.Body.String() {
		t.Errorf("mismatched If-None-Match: %d %q, want the full 200", rec.Code, rec.Body)
	}

	head := serve(r, "HEAD", "/api/v1/thing", "", nil)
	if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("ETag") != etag ||
		head.Header().Get("Content-Length") != strconv.Itoa(first.Body.Len()) {
		t.Errorf("HEAD: %d, %d body bytes, headers %v; want GET's ETag and length without the body", head.Code, head.Body.Len(), head.Header())
	}
	if rec := serve(r, "HEAD", "/api/v1/thing", "", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified {
		t.Errorf("conditional HEAD: %d, want 304", rec.Code)
	}

	body = "second"
	changed := serve(r, "GET", "/api/v1/thing", "", map[string]string{"If-None-Match": etag})
	if changed.Code != 200 || changed.Header().Get("ETag") == etag || !strings.Contains(changed.Body.String(), "second") {
		t.Errorf("changed data: %d, ETag %q (was %q)", changed.Code, changed.Header().Get("ETag"), etag)
	}
}

func TestConditionalGETLeavesOthersAlone(t *testing.T) {
	body := "x"
	r := cacheEngine(&body)

	miss := serve(r, "GET", "/api/v1/missing", "", nil)
	if miss.Code != 404 || miss.Header().Get("ETag") != "" || miss.Header().Get("Cache-Control") != cacheNone {
		t.Errorf("error: %d, headers %v; want no ETag and no-store", miss.Code, miss.Header())
	}
	var e errorBody
	if err := json.Unmarshal(miss.Body.Bytes(), &e); err != nil || e.Error.Code != "not_found" {
		t.Errorf("error body %q (%v)", miss.Body, err)
	}
	if rec := serve(r, "GET", "/api/v1/missing", "", map[string]string{"If-None-Match": "*"}); rec.Code != 404 {
		t.Errorf("If-None-Match * on an error: %d, want the 404", rec.Code)
	}
	if rec := serve(r, "GET", "/no-route", "", nil); rec.Code != 404 || rec.Header().Get("Cache-Control") != cacheNone ||
		rec.Body.String() != "404 page not found" {
		t.Errorf("unknown route: %d, headers %v", rec.Code, rec.Header())
	}

	aborted := serve(r, "GET", "/api/v1/aborted", "", nil)
	if aborted.Code != 200 || !etagForm.MatchString(aborted.Header().Get("ETag")) || !strings.Contains(aborted.Body.String(), "done") {
		t.Errorf("handler that aborts: %d %q, headers %v", aborted.Code, aborted.Body, aborted.Header())
	}

	own := serve(r, "GET", "/api/v1/own", "", nil)
	if own.Header().Get("ETag") != `"own-tag"` || own.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" || own.Body.String() != "own body" {
		t.Errorf("handler's own ETag: headers %v, body %q", own.Header(), own.Body)
	}
	if rec := serve(r, "GET", "/api/v1/own", "", map[string]string{"If-None-Match": `W/"own-tag"`}); rec.Code != 304 || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match on the handler's own ETag: %d %q", rec.Code, rec.Body)
	}

	if rec := serve(r, "GET", "/api/v1/empty", "", nil); rec.Code != 204 || rec.Header().Get("ETag") != "" {
		t.Errorf("204: %d, headers %v", rec.Code, rec.Header())
	}
	moved := serve(r, "GET", "/moved", "", nil)
	if moved.Code != 301 || moved.Header().Get("Location") != "/page" || moved.Header().Get("ETag") != "" {
		t.Errorf("redirect: %d, headers %v", moved.Code, moved.Header())
	}
	if rec := serve(r, "GET", "/page", "", nil); rec.Header().Get("Cache-Control") != cachePages || rec.Header().Get("ETag") == "" {
		t.Errorf("page: headers %v", rec.Header())
	}
	if rec := serve(r, "POST", "/api/v1/thing", "", nil); rec.Header().Get("Cache-Control") != "" {
		t.Errorf("POST touched: %v", rec.Header())
	}
}

func TestCachePolicy(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v1/jurisdictions": cacheAPI, "/static/style.css": cacheStatic, "/": cachePages, "/states/OH": cachePages,
	} {
		if got := cachePolicy(path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	for path, want := range map[string]bool{
		"/healthz": false, "/readyz": false, "/metrics": false, "/api/v1/export/activities.csv": false,
		"/api/v1/jurisdictions": true, "/": true, "/static/style.css": true,
	} {
		if got := conditionalPath(path); got != want {
			t.Errorf("conditionalPath(%s) = %v", path, got)
		}
	}
}

// TestStreamsAreNotBuffered reads an export's first chunk while its handler
// is still running, and checks that a stream elsewhere still flushes.
func TestStreamsAreNotBuffered(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(conditionalGET(nil))
	release := make(chan struct{})
	raw := make(chan bool, 2)
	stream := func(c *gin.Context) {
		_, wrapped := c.Writer.(*cachingWriter)
		raw <- !wrapped
		c.Header("Content-Type", "text/csv")
		c.String(http.StatusOK, "first\n")
		c.Writer.Flush()
		select {
		case <-release:
		case <-time.After(2 * time.Second):
		}
		c.String(http.StatusOK, "second\n")
	}
	r.GET("/api/v1/export/test.csv", stream)
	r.GET("/api/v1/stream", stream)
	srv := httptest.NewServer(r)
	defer srv.Close()

	for _, path := range []string{"/api/v1/export/test.csv", "/api/v1/stream"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if err != nil || line != "first\n" {
			t.Fatalf("%s: first chunk %q (%v) not readable before the handler finished", path, line, err)
		}
		release <- struct{}{}
		rest, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(rest) != "second\n" {
			t.Errorf("%s: rest %q", path, rest)
		}
		if isRaw := <-raw; isRaw != (path == "/api/v1/export/test.csv") {
			t.Errorf("%s: handler saw the raw writer: %v", path, isRaw)
		}
		if path == "/api/v1/export/test.csv" && resp.Header.Get("ETag") != "" {
			t.Errorf("export got an ETag: %v", resp.Header)
		}
	}
}

// testEngine is NewEngine over no store, for routes that need none.
func testEngine(t *testing.T, opts Options) *gin.Engine {
	t.Helper()
	h, err := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return NewEngine(h)
}

func TestPanicUnderBufferingStillAnswers500(t *testing.T) {
	quiet := gin.DefaultErrorWriter
	gin.DefaultErrorWriter = io.Discard // the recovery's stack dump
	r := testEngine(t, Options{})
	gin.DefaultErrorWriter = quiet
	r.GET("/api/v1/test/panic", func(c *gin.Context) {
		c.Header("Content-Length", "5")
		c.String(http.StatusOK, "half-")
		panic("boom")
	})
	rec := serve(r, "GET", "/api/v1/test/panic", "", nil)
	var e errorBody
	if rec.Code != 500 || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Code != "internal" {
		t.Fatalf("panic: %d %q", rec.Code, rec.Body)
	}
	if rec.Header().Get("ETag") != "" || rec.Header().Get("Cache-Control") != cacheNone || rec.Header().Get("Content-Length") == "5" {
		t.Errorf("panic: headers %v", rec.Header())
	}
}

// fetch is f.get with request headers.
func (f *fixture) fetch(t *testing.T, method, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestETagsOnPublicRoutes(t *testing.T) {
	f := newFixture(t)
	const path = "/api/v1/jurisdictions/OH/activities"
	first, body := f.get(t, path)
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || !etagForm.MatchString(etag) || first.Header.Get("Cache-Control") != cacheAPI {
		t.Fatalf("%s: %d, headers %v", path, first.StatusCode, first.Header)
	}
	if again, _ := f.get(t, path); again.Header.Get("ETag") != etag {
		t.Errorf("ETag not stable: %q then %q", etag, again.Header.Get("ETag"))
	}
	resp, got := f.fetch(t, "GET", path, map[string]string{"If-None-Match": `"x", ` + etag})
	if resp.StatusCode != 304 || len(got) != 0 || resp.Header.Get("ETag") != etag {
		t.Errorf("If-None-Match: %d, %d bytes, headers %v", resp.StatusCode, len(got), resp.Header)
	}

	// New evidence changes the representation and so its ETag.
	ctx := context.Background()
	a, err := f.store.ActivityByID(ctx, f.activity)
	if err != nil {
		t.Fatal(err)
	}
	a.Title = "Listening session (moved online)"
	src := a.Sources[0]
	src.RetrievedAt = testNow.Add(time.Hour)
	if _, _, err := f.store.UpsertActivity(ctx, a, src); err != nil {
		t.Fatal(err)
	}
	resp, got = f.fetch(t, "GET", path, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag || string(got) == string(body) {
		t.Errorf("after new evidence: %d, ETag %q (was %q)", resp.StatusCode, resp.Header.Get("ETag"), etag)
	}

	for _, p := range []string{"/healthz", "/readyz"} {
		if resp, _ := f.get(t, p); resp.Header.Get("ETag") != "" || resp.Header.Get("Cache-Control") != "" {
			t.Errorf("%s: headers %v, want neither ETag nor Cache-Control", p, resp.Header)
		}
	}
	for p, want := range map[string]string{"/static/style.css": cacheStatic, "/": cachePages, "/methodology": cachePages} {
		resp, _ := f.get(t, p)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != want || !etagForm.MatchString(resp.Header.Get("ETag")) {
			t.Errorf("%s: %d, headers %v; want %q", p, resp.StatusCode, resp.Header, want)
		}
	}
	css, cssBody := f.get(t, "/static/style.css")
	head, headBody := f.fetch(t, "HEAD", "/static/style.css", nil)
	if head.StatusCode != 200 || len(headBody) != 0 || head.Header.Get("ETag") != css.Header.Get("ETag") ||
		head.Header.Get("Content-Length") != strconv.Itoa(len(cssBody)) {
		t.Errorf("HEAD stylesheet: %d, headers %v; GET had ETag %s and %d bytes", head.StatusCode, head.Header, css.Header.Get("ETag"), len(cssBody))
	}
	if resp, _ := f.fetch(t, "GET", "/static/style.css", map[string]string{"If-None-Match": css.Header.Get("ETag")}); resp.StatusCode != 304 {
		t.Errorf("conditional stylesheet: %d", resp.StatusCode)
	}

	for _, p := range []string{"/api/v1/jurisdictions/ZZ", "/api/v1/nope", "/states/ZZ", "/static/nope.css"} {
		resp, _ := f.get(t, p)
		if resp.StatusCode != 404 || resp.Header.Get("ETag") != "" || resp.Header.Get("Cache-Control") != cacheNone {
			t.Errorf("%s: %d, headers %v; want a no-store 404 without ETag", p, resp.StatusCode, resp.Header)
		}
	}

	snap := "/api/v1/snapshots/" + f.snapshot
	resp, _ = f.get(t, snap)
	if resp.Header.Get("ETag") != `"`+f.snapshot+`"` || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("snapshot lost its own validator: %v", resp.Header)
	}
	if resp, got := f.fetch(t, "GET", snap, map[string]string{"If-None-Match": `"` + f.snapshot + `"`}); resp.StatusCode != 304 || len(got) != 0 {
		t.Errorf("conditional snapshot: %d, %d bytes", resp.StatusCode, len(got))
	}
}

func TestRateLimit(t *testing.T) {
	r := testEngine(t, Options{RateBurst: 3})
	const ip = "198.51.100.7:4000"
	for i := range 3 {
		if rec := serve(r, "GET", "/api/v1/nope", ip, nil); rec.Code != 404 {
			t.Fatalf("request %d: %d, want the route's own 404", i+1, rec.Code)
		}
	}
	rec := serve(r, "GET", "/api/v1/nope", ip, nil)
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("request over the burst: %d, want 429", rec.Code)
	}
	if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("Retry-After %q, want whole seconds ≥ 1", rec.Header().Get("Retry-After"))
	}
	var e errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code != "rate_limited" || e.Error.Message == "" {
		t.Errorf("429 body %q (%v)", rec.Body, err)
	}
	if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") || rec.Header().Get("Cache-Control") != cacheNone {
		t.Errorf("429 headers %v", rec.Header())
	}
	if rec := serve(r, "GET", "/api/v1/nope", "203.0.113.9:4000", nil); rec.Code != 404 {
		t.Errorf("another client: %d, want it unaffected", rec.Code)
	}
	if rec := serve(r, "GET", "/no-such-page", ip, nil); rec.Code != 404 {
		t.Errorf("a page was rate limited: %d", rec.Code)
	}

	// By default X-Forwarded-For is the client's say-so, not its identity.
	r = testEngine(t, Options{RateBurst: 2})
	codes := ""
	for i := range 3 {
		rec := serve(r, "GET", "/api/v1/nope", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "10.0.0." + strconv.Itoa(i+1)})
		codes += strconv.Itoa(rec.Code) + " "
	}
	if codes != "404 404 429 " {
		t.Errorf("forged X-Forwarded-For escaped the limit: %s", codes)
	}

	// Behind a trusted proxy each forwarded client has its own bucket.
	r = testEngine(t, Options{RateBurst: 2, TrustedProxies: []string{"127.0.0.1", "::1"}})
	for i := range 4 {
		rec := serve(r, "GET", "/api/v1/nope", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "10.0.0." + strconv.Itoa(i+1)})
		if rec.Code != 404 {
			t.Errorf("forwarded client %d: %d", i+1, rec.Code)
		}
	}
	codes = ""
	for range 3 {
		rec := serve(r, "GET", "/api/v1/nope", "127.0.0.1:5000", map[string]string{"X-Forwarded-For": "10.9.9.9"})
		codes += strconv.Itoa(rec.Code) + " "
	}
	if codes != "404 404 429 " {
		t.Errorf("one forwarded client: %s", codes)
	}

	r = testEngine(t, Options{RateLimit: -1})
	for i := range 200 {
		if rec := serve(r, "GET", "/api/v1/nope", ip, nil); rec.Code != 404 {
			t.Fatalf("limit off, request %d: %d", i+1, rec.Code)
		}
	}
}

func TestRateLimitDefaults(t *testing.T) {
	tests := []struct {
		opts  Options
		limit rate.Limit
		burst int
		on    bool
	}{
		{Options{}, DefaultRateLimit, DefaultRateBurst, true},
		{Options{RateLimit: 2.5, RateBurst: 5}, 2.5, 5, true},
		{Options{RateBurst: 5}, DefaultRateLimit, 5, true},
		{Options{RateLimit: -1}, 0, 0, false},
		{Options{RateBurst: -1}, 0, 0, false},
	}
	for _, tt := range tests {
		limit, burst, on := tt.opts.rateLimits()
		if limit != tt.limit || burst != tt.burst || on != tt.on {
			t.Errorf("%+v: %v %d %v", tt.opts, limit, burst, on)
		}
	}
	r := testEngine(t, Options{})
	for i := range DefaultRateBurst {
		if rec := serve(r, "GET", "/api/v1/nope", "", nil); rec.Code != 404 {
			t.Fatalf("request %d of the default burst: %d", i+1, rec.Code)
		}
	}
	if rec := serve(r, "GET", "/api/v1/nope", "", nil); rec.Code != 429 || rec.Header().Get("Retry-After") != "1" {
		t.Errorf("past the default burst: %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	if _, err := New(nil, nil, Options{TrustedProxies: []string{"10.0.0.0/8", "not-an-ip"}}); err == nil {
		t.Error("New accepted a malformed trusted proxy")
	}
}

// fakeClock is a settable clock for the limiter.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestRateLimiterRetryAfterAndEviction(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	lim := newRateLimiter(func(c *gin.Context) (string, rate.Limit, int) { return c.Query("who"), 0.1, 1 })
	lim.now = clock.now
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(lim.middleware())
	r.GET("/api/v1/x", func(c *gin.Context) { c.String(200, "ok") })
	r.GET("/page", func(c *gin.Context) { c.String(200, "ok") })

	if rec := serve(r, "GET", "/api/v1/x?who=a", "", nil); rec.Code != 200 {
		t.Fatalf("first: %d", rec.Code)
	}
	// One token per 10 s: the client is told to come back in 10 s, and the
	// refused request must not have spent that token.
	clock.advance(time.Second)
	for range 3 {
		if rec := serve(r, "GET", "/api/v1/x?who=a", "", nil); rec.Code != 429 || rec.Header().Get("Retry-After") != "9" {
			t.Fatalf("refused: %d, Retry-After %q, want 429 and 9", rec.Code, rec.Header().Get("Retry-After"))
		}
	}
	if rec := serve(r, "GET", "/page?who=a", "", nil); rec.Code != 200 {
		t.Errorf("non-API path limited: %d", rec.Code)
	}
	clock.advance(9 * time.Second)
	if rec := serve(r, "GET", "/api/v1/x?who=a", "", nil); rec.Code != 200 {
		t.Errorf("after Retry-After: %d, want 200 (refusals must not queue)", rec.Code)
	}

	serve(r, "GET", "/api/v1/x?who=b", "", nil)
	if n := lim.len(); n != 2 {
		t.Fatalf("%d buckets, want 2", n)
	}
	clock.advance(limiterIdle - time.Second)
	serve(r, "GET", "/api/v1/x?who=b", "", nil) // b stays fresh; a is 10 min idle soon
	clock.advance(2 * time.Second)
	serve(r, "GET", "/api/v1/x?who=c", "", nil) // within the sweep period: no sweep
	if n := lim.len(); n != 3 {
		t.Fatalf("%d buckets before the sweep is due, want 3", n)
	}
	clock.advance(limiterSweepEvery)
	serve(r, "GET", "/api/v1/x?who=c", "", nil)
	if n := lim.len(); n != 2 {
		t.Errorf("%d buckets after the sweep, want 2 (a evicted, b and c kept)", n)
	}
}

func TestClientBlock(t *testing.T) {
	for ip, want := range map[string]string{
		"198.51.100.7":         "198.51.100.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"2001:db8:1:3::1":      "2001:db8:1:3::/64",
		"":                     "",
		"::ffff:198.51.100.7":  "::ffff:198.51.100.7",
	} {
		if got := clientBlock(ip); got != want {
			t.Errorf("clientBlock(%q) = %q, want %q", ip, got, want)
		}
	}
}

// TestAccessLogJSON: at debug level every request is one JSON line with
// its route, status, size, duration and the request id it was answered
// with; at the default level successes are not logged.
func TestAccessLogJSON(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := New(nil, log, Options{})
	if err != nil {
		t.Fatal(err)
	}
	engine := NewEngine(h)
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.Header.Set("X-Request-Id", "trace-me-42")
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, req)
	var line struct {
		Msg        string  `json:"msg"`
		Route      string  `json:"route"`
		Status     int     `json:"status"`
		Bytes      int     `json:"bytes"`
		DurationMS float64 `json:"duration_ms"`
		RequestID  string  `json:"request_id"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &line); err != nil {
		t.Fatalf("access log %q: %v", buf.String(), err)
	}
	if line.Msg != "request" || line.Route != "/healthz" || line.Status != 200 || line.Bytes == 0 ||
		line.RequestID != "trace-me-42" || w.Header().Get("X-Request-Id") != "trace-me-42" {
		t.Errorf("access log line %+v", line)
	}
	buf.Reset()
	quiet, _ := New(nil, slog.New(slog.NewJSONHandler(&buf, nil)), Options{})
	NewEngine(quiet).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if buf.Len() != 0 {
		t.Errorf("a success logged at the default level: %s", buf.String())
	}
}
