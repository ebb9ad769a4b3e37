package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Cache-Control of successful public GETs, by route class. Nothing is
// fingerprinted and scores change when a scrape lands, so API answers and
// pages are fresh for a minute and then revalidated with If-None-Match (a 304
// costs the query but not the transfer). The stylesheet changes only with a
// release, so it keeps five minutes. Handlers that know better set their own
// header first (snapshots are immutable by construction).
const (
	cacheAPI    = "public, max-age=60"
	cachePages  = "public, max-age=60"
	cacheStatic = "public, max-age=300"
	// cacheNone is for errors and throttling: a cached 404 or 429 outlives
	// its cause.
	cacheNone = "no-store"
)

// cachePolicy is the default Cache-Control of a successful GET of path.
func cachePolicy(path string) string {
	switch {
	case strings.HasPrefix(path, "/static/"):
		return cacheStatic
	case strings.HasPrefix(path, "/api/"):
		return cacheAPI
	default:
		return cachePages
	}
}

// conditionalPath reports whether conditionalGET handles path. Health and
// metrics are for operators and must never be served from a cache; exports
// are streamed and too large to buffer, so they set their own headers.
func conditionalPath(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return false
	}
	return !strings.HasPrefix(path, "/api/v1/export/")
}

// conditionalGET gives every successful public GET a strong ETag (the first
// 128 bits of the SHA-256 of its body) and a Cache-Control, answers a
// matching If-None-Match with 304 and marks errors no-store. It buffers the
// body to hash it, which suits Heard's small JSON and HTML answers; a handler
// that flushes (a stream) falls back to passing its writes through, and one
// that sets its own ETag is passed through and only compared.
//
// HEAD runs the GET handler into the buffer and drops the body, so HEAD
// reports the same ETag and Content-Length as GET.
//
// With a ResponseCache, a cacheable request is answered from it when it can
// be, and a buffered 200 is stored in it; any successful write through this
// process invalidates it.
func conditionalGET(cache *ResponseCache) gin.HandlerFunc {
	return func(c *gin.Context) {
		method := c.Request.Method
		if method != http.MethodGet && method != http.MethodHead {
			c.Next()
			if cache != nil && c.Writer.Status() < 400 {
				cache.Invalidate()
			}
			return
		}
		if !conditionalPath(c.Request.URL.Path) {
			c.Next()
			return
		}
		var key string
		var gen uint64
		if cache != nil && cacheable(c.Request) {
			key = c.Request.URL.RequestURI()
			if e := cache.get(key, time.Now()); e != nil {
				serveCached(c, e, method == http.MethodHead)
				return
			}
			// One request makes a missing answer; the others asking for
			// it meanwhile wait for it, then take it from the cache (or,
			// when it could not be stored, make their own).
			done, wait := cache.fill(key)
			if wait != nil {
				select {
				case <-wait:
				case <-c.Request.Context().Done():
				}
				if e := cache.get(key, time.Now()); e != nil {
					serveCached(c, e, method == http.MethodHead)
					return
				}
			} else {
				defer done()
			}
			gen = cache.gen.Load()
		}
		orig := c.Writer
		w := &cachingWriter{
			ResponseWriter: orig,
			ifNoneMatch:    strings.Join(c.Request.Header.Values("If-None-Match"), ","),
			policy:         cachePolicy(c.Request.URL.Path),
			head:           method == http.MethodHead,
			status:         orig.Status(), // gin sets 404 this way for unmatched routes
		}
		// http.FileServer leaves the body out for HEAD; a matched route sees
		// GET so the body can be hashed. An unmatched one keeps HEAD so the
		// 404 names the method the client used.
		if w.head && c.FullPath() != "" {
			c.Request.Method = http.MethodGet
		}
		finished := false
		defer func() {
			c.Request.Method = method
			c.Writer = orig
			if !finished && !w.committed() {
				// A panic: drop whatever was buffered so the recovery
				// handler writes a clean 500 on the real writer.
				h := orig.Header()
				h.Del("ETag")
				h.Del("Content-Length")
				h.Set("Cache-Control", cacheNone)
			}
		}()
		c.Writer = w
		c.Next()
		w.finish()
		finished = true
		if key != "" && w.stored != nil && w.Header().Get("Set-Cookie") == "" {
			cache.put(key, gen, storedHeader(w.Header()), w.stored, time.Now())
		}
	}
}

// serveCached answers from the cache, with the stored headers over those
// the middleware set, and 304 when the client's copy is current.
func serveCached(c *gin.Context, e *cachedResponse, head bool) {
	// The stored header replaces what the middleware set, except the
	// request's own id: a handler may have removed a default (the
	// framable widget drops X-Frame-Options).
	h := c.Writer.Header()
	for k := range h {
		if _, ok := e.header[k]; !ok && k != "X-Request-Id" {
			delete(h, k)
		}
	}
	for k, v := range e.header {
		h[k] = v
	}
	if etagMatches(strings.Join(c.Request.Header.Values("If-None-Match"), ","), e.header.Get("ETag")) {
		h.Del("Content-Type")
		h.Del("Content-Length")
		h.Del("Content-Encoding")
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		c.Abort()
		return
	}
	c.Status(http.StatusOK)
	c.Writer.WriteHeaderNow()
	if !head {
		_, _ = c.Writer.Write(e.body)
	}
	c.Abort()
}

// writeMode is what cachingWriter does with a response once its status and
// headers are known.
type writeMode int

const (
	modeUndecided   writeMode = iota // nothing written yet
	modeBuffer                       // 200 without a validator: hash it at the end
	modePass                         // other statuses, own ETags, streams
	modeNotModified                  // the client's copy is current: 304, body dropped
)

// cachingWriter is the gin.ResponseWriter conditionalGET puts in front of
// the real one. Status and headers stay pending until the first write, when
// the mode is chosen; nothing reaches the client before then.
type cachingWriter struct {
	gin.ResponseWriter
	ifNoneMatch string
	policy      string
	head        bool
	status      int
	mode        writeMode
	buf         bytes.Buffer
	// stored is the complete body of a buffered 200, for the cache.
	stored []byte
}

// committed reports whether anything has reached the real writer.
func (w *cachingWriter) committed() bool {
	return w.mode == modePass || w.mode == modeNotModified
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (w *cachingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *cachingWriter) WriteHeader(code int) {
	if code > 0 && w.mode == modeUndecided {
		w.status = code
	}
}

func (w *cachingWriter) WriteHeaderNow() { w.decide() }

func (w *cachingWriter) Write(p []byte) (int, error) {
	w.decide()
	switch {
	case w.mode == modeBuffer:
		return w.buf.Write(p)
	case w.mode == modeNotModified, w.head:
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (w *cachingWriter) WriteString(s string) (int, error) {
	w.decide()
	switch {
	case w.mode == modeBuffer:
		return w.buf.WriteString(s)
	case w.mode == modeNotModified, w.head:
		return len(s), nil
	}
	return w.ResponseWriter.WriteString(s)
}

// Flush means the handler streams: send what is buffered and stop buffering.
func (w *cachingWriter) Flush() {
	w.decide()
	if w.mode == modeBuffer {
		w.mode = modePass
		w.ResponseWriter.WriteHeader(w.status)
		w.ResponseWriter.WriteHeaderNow()
		if !w.head {
			_, _ = w.ResponseWriter.Write(w.buf.Bytes())
		}
		w.buf.Reset()
	}
	if w.mode == modePass {
		w.ResponseWriter.Flush()
	}
}

func (w *cachingWriter) Status() int {
	if w.mode == modeNotModified {
		return http.StatusNotModified
	}
	return w.status
}

func (w *cachingWriter) Size() int {
	switch w.mode {
	case modeUndecided:
		return -1
	case modeBuffer:
		return w.buf.Len()
	case modeNotModified:
		return 0
	}
	return w.ResponseWriter.Size()
}

func (w *cachingWriter) Written() bool { return w.mode != modeUndecided }

// decide chooses the mode at the first write, when the handler has set its
// status and headers.
func (w *cachingWriter) decide() {
	if w.mode != modeUndecided {
		return
	}
	h := w.Header()
	switch {
	case w.status >= 400:
		h.Del("ETag")
		h.Set("Cache-Control", cacheNone)
		w.pass()
	case w.status != http.StatusOK:
		w.pass()
	case h.Get("ETag") != "":
		if h.Get("Cache-Control") == "" {
			h.Set("Cache-Control", w.policy)
		}
		if etagMatches(w.ifNoneMatch, h.Get("ETag")) {
			w.notModified()
			return
		}
		w.pass()
	default:
		w.mode = modeBuffer
	}
}

func (w *cachingWriter) pass() {
	w.mode = modePass
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.WriteHeaderNow()
}

// notModified sends a 304 with the validators and caching headers of the
// 200 it stands for, and none of the body's.
func (w *cachingWriter) notModified() {
	w.mode = modeNotModified
	h := w.Header()
	h.Del("Content-Type")
	h.Del("Content-Length")
	h.Del("Content-Encoding")
	w.ResponseWriter.WriteHeader(http.StatusNotModified)
	w.ResponseWriter.WriteHeaderNow()
}

// finish sends a buffered response once the handlers are done.
func (w *cachingWriter) finish() {
	if w.mode == modeUndecided {
		// Nothing written (a bare status, or gin's own 404 to come): hand
		// the status on and let gin send it.
		if w.status >= 400 {
			w.Header().Del("ETag")
			w.Header().Set("Cache-Control", cacheNone)
		}
		w.ResponseWriter.WriteHeader(w.status)
		return
	}
	if w.mode != modeBuffer {
		return
	}
	body := w.buf.Bytes()
	w.stored = body
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", w.policy)
	}
	if etagMatches(w.ifNoneMatch, etag) {
		w.notModified()
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.mode = modePass
	w.ResponseWriter.WriteHeader(w.status)
	w.ResponseWriter.WriteHeaderNow()
	if !w.head {
		_, _ = w.ResponseWriter.Write(body)
	}
}

// etagMatches reports whether an If-None-Match value names etag, by the weak
// comparison RFC 9110 prescribes for it: W/ prefixes are ignored, lists are
// searched and * matches any current representation. A malformed value
// matches nothing, so the client gets the full response.
func etagMatches(ifNoneMatch, etag string) bool {
	if ifNoneMatch == "" || etag == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	s := ifNoneMatch
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return false
		}
		if s[0] == '*' {
			return true
		}
		tag, rest, ok := scanETag(s)
		if !ok {
			return false
		}
		if strings.TrimPrefix(tag, "W/") == want {
			return true
		}
		s = rest
	}
}

// scanETag splits one entity tag, W/ and quotes included, off the front of s.
func scanETag(s string) (tag, rest string, ok bool) {
	start := 0
	if strings.HasPrefix(s, "W/") {
		start = 2
	}
	if len(s)-start < 2 || s[start] != '"' {
		return "", "", false
	}
	end := strings.IndexByte(s[start+1:], '"')
	if end < 0 {
		return "", "", false
	}
	end += start + 2
	return s[:end], s[end:], true
}

// Default per-client limits of the public API: a page of the site makes a
// handful of API calls, a script may poll steadily at 10 a second, and a
// burst of 60 lets a notebook fetch all 52 scorecards at once.
const (
	DefaultRateLimit rate.Limit = 10
	DefaultRateBurst int        = 60
)

const (
	// limiterIdle drops a client's bucket after this long unused; by then
	// it has long refilled, so forgetting it changes nothing for the client.
	limiterIdle = 10 * time.Minute
	// limiterSweepEvery bounds how often a request pays for the sweep.
	limiterSweepEvery = time.Minute
)

// rateLimits resolves Options.RateLimit and RateBurst: zero means the
// default, and a negative value of either turns the limit off.
func (o Options) rateLimits() (limit rate.Limit, burst int, on bool) {
	if o.RateLimit < 0 || o.RateBurst < 0 {
		return 0, 0, false
	}
	limit, burst = o.RateLimit, o.RateBurst
	if limit == 0 {
		limit = DefaultRateLimit
	}
	if burst == 0 {
		burst = DefaultRateBurst
	}
	return limit, burst, true
}

// checkTrustedProxies rejects entries gin's SetTrustedProxies would refuse,
// so that a typo fails New rather than silently trusting no one.
func checkTrustedProxies(proxies []string) error {
	for _, p := range proxies {
		if strings.Contains(p, "/") {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return fmt.Errorf("trusted proxy %q: not a CIDR", p)
			}
		} else if net.ParseIP(p) == nil {
			return fmt.Errorf("trusted proxy %q: not an IP address", p)
		}
	}
	return nil
}

// limitKeyFunc names the bucket a request draws from and that bucket's rate
// and burst. Researcher API tokens (issue 6) plug in here: a key per token
// with a higher limit, falling back to perClientIP.
type limitKeyFunc func(c *gin.Context) (key string, limit rate.Limit, burst int)

// perClientIP gives each client address one bucket. IPv6 clients are keyed
// by their /64, the block a single subscriber usually holds, so rotating
// addresses within it does not multiply the allowance.
func perClientIP(limit rate.Limit, burst int) limitKeyFunc {
	return func(c *gin.Context) (string, rate.Limit, int) {
		return "ip:" + clientBlock(c.ClientIP()), limit, burst
	}
}

func clientBlock(ip string) string {
	addr := net.ParseIP(ip)
	if addr == nil || addr.To4() != nil {
		return ip
	}
	return addr.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// rateLimiter holds a token bucket per key, forgetting idle ones.
type rateLimiter struct {
	key limitKeyFunc
	now func() time.Time // real time even under a test's frozen Options.Now

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

func newRateLimiter(key limitKeyFunc) *rateLimiter {
	return &rateLimiter{key: key, now: time.Now, buckets: map[string]*bucket{}}
}

// wait takes a token from key's bucket and returns zero, or, when the bucket
// is empty, takes nothing and returns how long until a token is due.
func (l *rateLimiter) wait(key string, limit rate.Limit, burst int) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(limit, burst)}
		l.buckets[key] = b
	} else {
		// A key's allowance can change (a token upgraded); keep its tokens.
		if b.lim.Limit() != limit {
			b.lim.SetLimitAt(now, limit)
		}
		if b.lim.Burst() != burst {
			b.lim.SetBurstAt(now, burst)
		}
	}
	b.lastSeen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Second
	}
	d := r.DelayFrom(now)
	if d > 0 {
		r.CancelAt(now)
	}
	return d
}

// sweep drops buckets unused for limiterIdle, at most once a sweep period.
// l.mu must be held.
func (l *rateLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < limiterSweepEvery {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if now.Sub(b.lastSeen) >= limiterIdle {
			delete(l.buckets, k)
		}
	}
}

// len is the number of buckets held, for tests.
func (l *rateLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// middleware answers 429 with Retry-After once a client of the API has
// spent its bucket. Pages and static files are not limited: they are cheap
// and cacheable, and a reader must never be locked out of the site.
func (l *rateLimiter) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !isAPI(c) {
			c.Next()
			return
		}
		key, limit, burst := l.key(c)
		d := l.wait(key, limit, burst)
		if d <= 0 {
			c.Next()
			return
		}
		secs := int(math.Ceil(d.Seconds()))
		if secs < 1 {
			secs = 1
		}
		c.Header("Retry-After", strconv.Itoa(secs))
		c.Header("Cache-Control", cacheNone)
		respondError(c, http.StatusTooManyRequests, "rate_limited",
			fmt.Sprintf("Too many requests from this client; try again in %d s.", secs), nil)
	}
}
