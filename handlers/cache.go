package handlers

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ResponseCache keeps the answers to anonymous public GETs — the pages, the
// scorecards, the JSON of the public API — in memory, so that most reads
// cost a map lookup rather than queries and a template. Every entry belongs
// to a generation; Invalidate starts a new one and so drops them all at
// once. Heard invalidates when the data changes: after any write this
// process serves, and when PostgreSQL notifies a change made anywhere (a
// scrape, a score run, another replica's staff write; see cmd/heard's
// listener). Entries also expire after a TTL, which bounds how stale a page
// can get should a notification be lost, and the days-left countdowns with
// it.
type ResponseCache struct {
	ttl        time.Duration
	maxEntries int
	maxBody    int

	gen     atomic.Uint64
	mu      sync.RWMutex
	entries map[string]*cachedResponse
	// filling holds, by key, a channel closed when the request making
	// that answer is done: requests for the same key wait for it rather
	// than all making the answer at once after an invalidation.
	filling map[string]chan struct{}

	hits, misses, invalidations atomic.Uint64
}

// cachedResponse is one stored 200.
type cachedResponse struct {
	gen     uint64
	expires time.Time
	header  http.Header
	body    []byte
}

// Cache sizes: a page is tens of kilobytes and there are a few hundred
// public URLs worth keeping; anything past these limits is served uncached.
const (
	DefaultCacheTTL   = 60 * time.Second
	defaultCacheItems = 4096
	maxCachedBody     = 2 << 20
)

// NewResponseCache returns a cache whose entries live at most ttl (0 means
// DefaultCacheTTL).
func NewResponseCache(ttl time.Duration) *ResponseCache {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	return &ResponseCache{ttl: ttl, maxEntries: defaultCacheItems, maxBody: maxCachedBody,
		entries: map[string]*cachedResponse{}, filling: map[string]chan struct{}{}}
}

// Invalidate drops every entry: the data they were made from has changed.
func (rc *ResponseCache) Invalidate() {
	if rc == nil {
		return
	}
	rc.gen.Add(1)
	rc.invalidations.Add(1)
	rc.mu.Lock()
	clear(rc.entries)
	rc.mu.Unlock()
}

// CacheStats are the cache's counters since it was made.
type CacheStats struct {
	Hits, Misses, Invalidations uint64
	Entries                     int
}

// Stats reports the counters, for /metrics.
func (rc *ResponseCache) Stats() CacheStats {
	rc.mu.RLock()
	n := len(rc.entries)
	rc.mu.RUnlock()
	return CacheStats{Hits: rc.hits.Load(), Misses: rc.misses.Load(), Invalidations: rc.invalidations.Load(), Entries: n}
}

func (rc *ResponseCache) get(key string, now time.Time) *cachedResponse {
	rc.mu.RLock()
	e := rc.entries[key]
	rc.mu.RUnlock()
	if e == nil || e.gen != rc.gen.Load() || now.After(e.expires) {
		rc.misses.Add(1)
		return nil
	}
	rc.hits.Add(1)
	return e
}

// fill claims the making of key's answer. The first caller gets done,
// to call once the answer is made (and stored, if it can be); the others
// get wait, closed at that moment, after which they look again.
func (rc *ResponseCache) fill(key string) (done func(), wait <-chan struct{}) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if ch, ok := rc.filling[key]; ok {
		return nil, ch
	}
	ch := make(chan struct{})
	rc.filling[key] = ch
	return func() {
		rc.mu.Lock()
		delete(rc.filling, key)
		rc.mu.Unlock()
		close(ch)
	}, nil
}

// put stores a response made under generation gen, unless the data has
// changed since it was made (it may show the old data) or the cache is
// full.
func (rc *ResponseCache) put(key string, gen uint64, header http.Header, body []byte, now time.Time) {
	if len(body) > rc.maxBody || gen != rc.gen.Load() {
		return
	}
	e := &cachedResponse{gen: gen, expires: now.Add(rc.ttl), header: header, body: body}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.entries) >= rc.maxEntries {
		// Full: make room by dropping what has expired; if nothing has,
		// serve this one uncached rather than evict live entries.
		for k, old := range rc.entries {
			if old.gen != gen || now.After(old.expires) {
				delete(rc.entries, k)
			}
		}
		if len(rc.entries) >= rc.maxEntries {
			return
		}
	}
	if gen == rc.gen.Load() {
		rc.entries[key] = e
	}
}

// cacheable reports whether the answer to r may come from, or go to, the
// shared cache: a GET or HEAD of a public URL by a client without a staff
// session. Staff pages and staff API answers are private; exports stream;
// health and metrics must be live.
func cacheable(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if _, err := r.Cookie(SessionCookie); err == nil {
		return false
	}
	p := r.URL.Path
	if !conditionalPath(p) {
		return false
	}
	for _, private := range []string{"/staff", "/reply/", "/api/v1/staff/", "/api/v1/session", "/api/v1/audit", "/api/v1/replies/"} {
		if strings.HasPrefix(p, private) {
			return false
		}
	}
	return true
}

// storedHeader is the part of a response's header a cache hit repeats:
// everything the handlers and the header middleware set, less what belongs
// to one request or one client.
func storedHeader(h http.Header) http.Header {
	out := h.Clone()
	for _, k := range []string{"X-Request-Id", "Set-Cookie", "Date", "Retry-After", "X-Ratelimit-Limit", "X-Ratelimit-Remaining"} {
		out.Del(k)
	}
	return out
}
