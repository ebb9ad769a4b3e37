package scrapers

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"heard/models"
	"heard/models/modeltest"
)

// The hostile fixture site: a web server that attacks whoever reads it,
// one path per attack, each the kind of thing a broken or malicious site
// does to a crawler: bodies that drip a byte at a time, redirects without
// end, a 10 GB Content-Length, gzip bombs, invalid UTF-8, markup nested a
// hundred thousand deep, pages of endless items, a body that never ends, a
// connection reset halfway, headers that never end. Every attack must end
// in a recorded run within a bound set by the fetcher's timeout, with
// memory bounded by its body cap and nothing already stored lost.

// The hostile fetcher's limits: a timeout short enough that the attacks
// that run into it are quick, yet long enough to read a body of the cap
// on a loaded machine, and a small body cap, so the memory bounds are
// tight.
const (
	hostileTimeout  = hostileSlowdown * time.Second
	hostileMaxBytes = 2 << 20
	// hostileRetries is fewer than the default three, to keep the attacks
	// that time out on every attempt quick: each retry costs them a
	// whole timeout more, and the bounds below count them.
	hostileRetries  = 1
	hostileAttempts = 1 + hostileRetries
	// dripEvery is how often a dripping attack sends its next byte: well
	// inside the timeout, so that no per-read deadline would end it.
	dripEvery = 10 * time.Millisecond
	// tenGB is the Content-Length the oversized attacks declare.
	tenGB = 10 << 30
	// hostileMemSlack is how far past the body cap the heap may grow
	// during a run. Most attacks never get past the fetcher and stay under
	// 20 MiB; the rest are parsed, and the parsers hold a tree of the body:
	// the calendar parser, the hungriest, peaks at 55 to 70 MiB with a
	// calendar of 20,000 small events at the cap (the garbage collector
	// lets the heap reach twice what is live before it runs).
	hostileMemSlack = 96 << 20
)

// The pages every hostile source serves before the attack starts, in each
// kind: one engagement activity Extract keeps, so each source has a good
// earlier run whose activity the attack must not touch.
const (
	seedTitle = "Listening session on the ESSA state plan"
	seedHTML  = `<html><body><ul><li class="m"><a href="/e/seed">` + seedTitle +
		`</a><p>Thursday, March 4, 2027, 6-8 p.m., Duluth public library. Families and educators welcome.</p></li></ul></body></html>`
	seedRSS = `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News</title>` +
		`<item><guid>seed</guid><title>` + seedTitle + `</title><link>/e/seed</link>` +
		`<description>Thursday, March 4, 2027, 6-8 p.m., Duluth public library. Families and educators welcome.</description></item>` +
		`</channel></rss>`
	seedICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Heard//hostile//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:seed@hostile\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270304T000000Z\r\nDTEND:20270304T020000Z\r\n" +
		"SUMMARY:" + seedTitle + "\r\nDESCRIPTION:Families and educators welcome.\r\nLOCATION:Duluth public library\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
)

// hostileSettings are the settings of every hostile source of a kind.
var hostileSettings = map[models.SourceKind]string{models.KindHTML: `{"item": "li.m"}`}

// seedPage is the good page of a kind, with its Content-Type.
func seedPage(kind models.SourceKind) (body, contentType string) {
	switch kind {
	case models.KindHTML:
		return seedHTML, "text/html; charset=utf-8"
	case models.KindICal:
		return seedICS, "text/calendar; charset=utf-8"
	}
	return seedRSS, "application/rss+xml; charset=utf-8"
}

// hostileSite is the fixture server. Until attack is called it serves its
// seed page at every path; then each path runs the attack its first
// segment names (see hostileAttacks). /robots.txt is a 404 (everything
// allowed) unless robots names the attack that answers it.
type hostileSite struct {
	*httptest.Server
	// done ends every attack still running when the test ends; a dripping
	// handler would otherwise hold the server's Close.
	done chan struct{}

	mu       sync.Mutex
	seed     string
	seedType string
	attacked bool
	robots   string
}

func newHostileSite(t *testing.T, kind models.SourceKind) *hostileSite {
	t.Helper()
	s := &hostileSite{done: make(chan struct{})}
	s.seed, s.seedType = seedPage(kind)
	s.Server = httptest.NewServer(s)
	t.Cleanup(func() {
		close(s.done)
		s.Server.Close()
	})
	return s
}

// attack switches the site from its seed page to the attacks, robots.txt
// answered by the attack named robots (none when empty).
func (s *hostileSite) attack(robots string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attacked, s.robots = true, robots
}

func (s *hostileSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	attacked, robots, seed, seedType := s.attacked, s.robots, s.seed, s.seedType
	s.mu.Unlock()
	name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/robots.txt" && robots == "":
		http.NotFound(w, r)
		return
	case r.URL.Path == "/robots.txt":
		name = robots
	case !attacked:
		w.Header().Set("Content-Type", seedType)
		io.WriteString(w, seed)
		return
	}
	attack := hostileAttacks[name]
	if attack == nil {
		http.NotFound(w, r)
		return
	}
	attack(s, w, r)
}

// stopped reports whether the attack on r should stop: the client went
// away or the test ended.
func (s *hostileSite) stopped(r *http.Request) bool {
	select {
	case <-r.Context().Done():
		return true
	case <-s.done:
		return true
	default:
		return false
	}
}

// drip writes p a byte every dripEvery, then keeps dripping spaces, until
// the client gives up.
func (s *hostileSite) drip(w io.Writer, flush func(), r *http.Request, p string) {
	for i := 0; !s.stopped(r); i++ {
		b := byte(' ')
		if i < len(p) {
			b = p[i]
		}
		if _, err := w.Write([]byte{b}); err != nil {
			return
		}
		flush()
		select {
		case <-time.After(dripEvery):
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
}

// stream writes chunk until the client gives up.
func (s *hostileSite) stream(w io.Writer, flush func(), r *http.Request, chunk []byte) {
	for !s.stopped(r) {
		if _, err := w.Write(chunk); err != nil {
			return
		}
		flush()
	}
}

// hijack takes the raw connection, for attacks net/http would not let a
// handler make: broken headers, resets.
func hijack(w http.ResponseWriter) (net.Conn, *bufio.ReadWriter) {
	conn, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	return conn, rw
}

type hostileAttack func(s *hostileSite, w http.ResponseWriter, r *http.Request)

// hostileAttacks are the attacks by the first segment of their path.
var hostileAttacks = map[string]hostileAttack{
	// The seed page, attacked only through robots.txt.
	"seed": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", s.seedType)
		io.WriteString(w, s.seed)
	},
	// The seed page with header values that are not UTF-8, which HTTP
	// allows and PostgreSQL text does not.
	"bad-headers": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=\xff")
		w.Header().Set("ETag", "\"\xe9t\xe9\"")
		w.Header().Set("Last-Modified", "Caf\xe9")
		io.WriteString(w, s.seed)
	},
	// A page that arrives one byte every dripEvery, forever: each read
	// succeeds, so only the fetch's overall timeout ends it.
	"drip": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusOK)
		s.drip(w, w.(http.Flusher).Flush, r, seedHTML)
	},
	// Headers that never end, dripped: the status line, then one header
	// whose value never finishes.
	"drip-headers": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		conn, rw := hijack(w)
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Drip: ")
		s.drip(rw, func() { rw.Flush() }, r, "")
	},
	// Headers that never end, as fast as the client reads them.
	"endless-headers": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		conn, rw := hijack(w)
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n")
		line := []byte("X-Flood: " + strings.Repeat("a", 1000) + "\r\n")
		s.stream(rw, func() {}, r, line) // the buffer flushes itself when full
	},
	// A redirect to itself, for ever.
	"redirect-self": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	},
	// Two pages redirecting to each other.
	"redirect-cycle": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		next := "/redirect-cycle/a"
		if strings.HasSuffix(r.URL.Path, "/a") {
			next = "/redirect-cycle/b"
		}
		http.Redirect(w, r, next, http.StatusMovedPermanently)
	},
	// A redirect to a new page every time: no loop to detect.
	"redirect-onward": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/redirect-onward/"))
		http.Redirect(w, r, "/redirect-onward/"+strconv.Itoa(n+1), http.StatusTemporaryRedirect)
	},
	// A 10 GB Content-Length, and a body that really streams it.
	"huge-streamed": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(tenGB))
		s.stream(w, w.(http.Flusher).Flush, r, make([]byte, 32<<10))
	},
	// A 10 GB Content-Length that lies: the body is a small good page.
	"huge-lie": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(tenGB))
		io.WriteString(w, seedHTML)
	},
	// A Content-Length under the cap that lies the other way: the body
	// stops short and the connection closes.
	"short-lie": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		conn, rw := hijack(w)
		defer conn.Close()
		fmt.Fprintf(rw, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s", 64<<10, seedHTML[:40])
		rw.Flush()
	},
	// gzip of zeros without end, sent as Content-Encoding: gzip: a few KB
	// on the wire for every 10 MB inflated, and no end to it.
	"gzip-bomb": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", "gzip")
		zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
		s.stream(zw, func() {}, r, make([]byte, 64<<10))
	},
	// A chunked feed that never ends.
	"endless": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>`)
		s.stream(w, w.(http.Flusher).Flush, r, []byte(strings.Repeat(`<item><title>Forever</title></item>`, 1000)))
	},
	// A reset (RST, not FIN) halfway through a body.
	"reset": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		conn, rw := hijack(w)
		fmt.Fprintf(rw, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s", 64<<10, seedHTML[:40])
		rw.Flush()
		conn.(*net.TCPConn).SetLinger(0)
		conn.Close()
	},
	// Pages with bytes that are not UTF-8 (Latin-1 é, a lone 0xFF, a
	// truncated sequence) and a NUL, which PostgreSQL text refuses.
	"invalid-utf8": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		const bad = "Caf\xe9 \xff town hall \xe2\x82 for fam\x00ilies"
		switch {
		case strings.HasSuffix(r.URL.Path, ".html"):
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, strings.Replace(seedHTML, "</ul>",
				`<li class="m"><a href="/e/bad">Community forum on the ESSA plan: `+bad+`</a></li></ul>`, 1))
		case strings.HasSuffix(r.URL.Path, ".ics"):
			w.Header().Set("Content-Type", "text/calendar")
			io.WriteString(w, strings.Replace(seedICS, "END:VCALENDAR",
				"BEGIN:VEVENT\r\nUID:bad@hostile\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270311T000000Z\r\n"+
					"SUMMARY:Community forum on the ESSA plan: "+bad+"\r\nDESCRIPTION:"+bad+"\r\nEND:VEVENT\r\nEND:VCALENDAR", 1))
		default:
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, strings.Replace(seedRSS, "</channel>",
				`<item><guid>bad</guid><title>Community forum on the ESSA plan: `+bad+`</title></item></channel>`, 1))
		}
	},
	// Markup nested 100,000 deep.
	"deep": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		const depth = 100_000
		switch {
		case strings.HasSuffix(r.URL.Path, ".html"):
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<html><body><ul><li class="m"><a href="/e/deep">Deep</a>`+
				strings.Repeat("<div>", depth)+"x"+strings.Repeat("</div>", depth)+`</li></ul></body></html>`)
		case strings.HasSuffix(r.URL.Path, ".ics"):
			// Half as deep, to fit under the body cap.
			w.Header().Set("Content-Type", "text/calendar")
			io.WriteString(w, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"+strings.Repeat("BEGIN:VEVENT\r\n", depth/2)+
				strings.Repeat("END:VEVENT\r\n", depth/2)+"END:VCALENDAR\r\n")
		default:
			// Namespaced elements, which the feed parser keeps as
			// extensions, a level of Go values for each.
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, `<?xml version="1.0"?><rss version="2.0" xmlns:x="http://example.org/x"><channel><title>News</title>`+
				`<item><guid>deep</guid><title>Deep</title>`+strings.Repeat("<x:d>", depth)+strings.Repeat("</x:d>", depth)+
				`</item></channel></rss>`)
		}
	},
	// A feed as wide as the cap allows: one item with hundreds of
	// thousands of empty extension elements, each a map of Go values in
	// the feed parser.
	"wide": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		const head = `<?xml version="1.0"?><rss version="2.0" xmlns:x="http://example.org/x"><channel><title>News</title>` +
			`<item><guid>wide</guid><title>Wide</title>`
		const tail, el = `</item></channel></rss>`, `<x:w/>`
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, head+strings.Repeat(el, (hostileMaxBytes-len(head)-len(tail))/len(el))+tail)
	},
	// A good list page whose items link to detail pages that drip.
	"drip-details": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		var links strings.Builder
		for i := range 3 {
			fmt.Fprintf(&links, `<li class="m"><a href="/drip/%d">Town hall %d on the ESSA state plan</a></li>`, i, i)
		}
		io.WriteString(w, strings.Replace(seedHTML, "</ul>", links.String()+"</ul>", 1))
	},
	// A calendar whose error quotes it at length: an END line of a
	// megabyte that closes nothing (the calendar parser keeps 30 KB of it).
	"long-error": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/calendar")
		io.WriteString(w, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:"+strings.Repeat("\xe9X", 512<<10)+"\r\n")
	},
	// As many items as fit under the body cap, each one an engagement
	// activity the extractor would keep.
	"many": func(s *hostileSite, w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		item := func(i int) string {
			return fmt.Sprintf(`<li class="m"><a href="/e/%d">Listening session %d on the ESSA state plan</a></li>`, i, i)
		}
		head, tail := `<html><body><ul>`, `</ul></body></html>`
		switch {
		case strings.HasSuffix(r.URL.Path, ".ics"):
			item = func(i int) string {
				return fmt.Sprintf("BEGIN:VEVENT\r\nUID:%d@hostile\r\nDTSTART:20270304T000000Z\r\nSUMMARY:Listening session %d on the ESSA state plan\r\nEND:VEVENT\r\n", i, i)
			}
			head, tail = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "END:VCALENDAR\r\n"
			w.Header().Set("Content-Type", "text/calendar")
		case strings.HasSuffix(r.URL.Path, ".xml"):
			item = func(i int) string {
				return fmt.Sprintf(`<item><guid>%d</guid><title>Listening session %d on the ESSA state plan</title></item>`, i, i)
			}
			head, tail = `<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>`, `</channel></rss>`
			w.Header().Set("Content-Type", "application/rss+xml")
		default:
			w.Header().Set("Content-Type", "text/html")
		}
		b.WriteString(head)
		for i := 0; b.Len()+len(item(i))+len(tail) <= hostileMaxBytes; i++ {
			b.WriteString(item(i))
		}
		b.WriteString(tail)
		io.WriteString(w, b.String())
	},
}

// hostileEnv is one database for every hostile source, each its own site.
type hostileEnv struct {
	store *models.Store
	clock *testClock
	// heavy is held alone by each case that reads or parses much, so that
	// its heap is measured alone; the cases that mostly wait out timeouts
	// share it, and run in parallel with each other.
	heavy sync.RWMutex
}

// runner is a production runner — the real extractor, robots.txt honoured,
// a retry — whose fetcher may dial the loopback site, with the hostile
// limits. Each run gets a fresh one, so robots.txt is asked for again.
func (e *hostileEnv) runner() *Runner {
	return &Runner{
		Store: e.store,
		Fetcher: NewFetcher(FetcherOptions{
			AllowPrivateNetworks: true,
			HostInterval:         -1,
			Timeout:              hostileTimeout,
			MaxBytes:             hostileMaxBytes,
			MaxRetries:           hostileRetries,
			RetryBase:            time.Millisecond,
			RetryMax:             hostileRetryMax,
		}),
		Extract: Extract,
		Now:     e.clock.now,
		Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// hostileRetryMax bounds each wait between retries.
const hostileRetryMax = 10 * time.Millisecond

// memWatch samples the heap while a run goes on: HeapInuse at its peak,
// and TotalAlloc, every byte allocated however soon freed.
type memWatch struct {
	stop, done chan struct{}
	base       runtime.MemStats
	peak       uint64
}

func watchMemory() *memWatch {
	runtime.GC()
	m := &memWatch{stop: make(chan struct{}), done: make(chan struct{})}
	runtime.ReadMemStats(&m.base)
	m.peak = m.base.HeapInuse
	go func() {
		defer close(m.done)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			m.peak = max(m.peak, ms.HeapInuse)
			select {
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

// end stops the sampling and returns how far the heap grew at its peak
// and how much was allocated.
func (m *memWatch) end() (peakGrowth, allocated uint64) {
	close(m.stop)
	<-m.done
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.peak = max(m.peak, ms.HeapInuse)
	return m.peak - m.base.HeapInuse, ms.TotalAlloc - m.base.TotalAlloc
}

type hostileCase struct {
	name string
	// path is the source's URL on the site, kind its kind; settings
	// replace the kind's usual ones.
	path     string
	kind     models.SourceKind
	settings string
	// robots names the attack that answers robots.txt, if any.
	robots string

	// ok is set for attacks the run reads around, ending "ok"; the others
	// must end "failed".
	ok bool
	// errIs and errHas are what the error must be and say.
	errIs  error
	errHas string
	// status and attempts are the source fetch's, as recorded.
	status, attempts int
	// timeouts is how many fetch timeouts the attack costs: the run must
	// take at least that long, and not much longer.
	timeouts int
	// check looks further at a run.
	check func(t *testing.T, env *hostileEnv, src models.Source, run models.ScrapeRun)
}

// TestHostileSite runs a source against each attack of the hostile site,
// after a good run of the same source, and checks that the attack ends in
// a recorded run within a bound set by the fetch timeout, with the heap
// bounded by the body cap and the good run's activity untouched.
//
// Each case measures the heap, which is the whole process's: the cases
// that read or parse much run one at a time, and those that mostly wait
// out timeouts, with little to read, run in parallel with each other.
func TestHostileSite(t *testing.T) {
	env := &hostileEnv{store: modeltest.NewStore(t), clock: newTestClock()}
	// Extraction reads dates against now: the seed's March 2027 meeting
	// is upcoming.
	env.clock.t = time.Date(2027, 1, 10, 12, 0, 0, 0, time.UTC)
	timedOut := fmt.Sprintf("no complete response within %v", hostileTimeout)
	tests := []hostileCase{
		{name: "body dripped a byte at a time", path: "/drip", kind: models.KindHTML,
			errIs: context.DeadlineExceeded, errHas: timedOut + ": read body",
			status: 200, attempts: hostileAttempts, timeouts: hostileAttempts},
		{name: "headers dripped without end", path: "/drip-headers", kind: models.KindHTML,
			errIs: context.DeadlineExceeded, errHas: timedOut,
			attempts: hostileAttempts, timeouts: hostileAttempts},
		{name: "headers flooded without end", path: "/endless-headers", kind: models.KindHTML,
			errHas: "headers exceeded", attempts: hostileAttempts},
		{name: "redirect to itself", path: "/redirect-self", kind: models.KindRSS,
			errIs: ErrTooManyRedirects, status: 302, attempts: 1},
		{name: "redirect cycle", path: "/redirect-cycle/a", kind: models.KindRSS,
			errIs: ErrTooManyRedirects, status: 301, attempts: 1},
		{name: "redirects onward without end", path: "/redirect-onward/0", kind: models.KindRSS,
			errIs: ErrTooManyRedirects, status: 307, attempts: 1},
		{name: "10 GB Content-Length, streamed", path: "/huge-streamed", kind: models.KindHTML,
			errIs: ErrTooLarge, errHas: "Content-Length 10737418240", status: 200, attempts: 1},
		{name: "10 GB Content-Length, a lie", path: "/huge-lie", kind: models.KindHTML,
			errIs: ErrTooLarge, errHas: "Content-Length 10737418240", status: 200, attempts: 1},
		{name: "Content-Length longer than the body", path: "/short-lie", kind: models.KindHTML,
			errIs: io.ErrUnexpectedEOF, status: 200, attempts: hostileAttempts},
		{name: "gzip bomb", path: "/gzip-bomb", kind: models.KindHTML,
			errIs: ErrTooLarge, errHas: "body exceeds", status: 200, attempts: 1},
		{name: "chunked body without end", path: "/endless", kind: models.KindRSS,
			errIs: ErrTooLarge, errHas: "body exceeds", status: 200, attempts: 1},
		{name: "connection reset mid-body", path: "/reset", kind: models.KindHTML,
			errIs: syscall.ECONNRESET, status: 200, attempts: hostileAttempts},
		{name: "invalid UTF-8 in HTML", path: "/invalid-utf8/p.html", kind: models.KindHTML, ok: true,
			status: 200, attempts: 1, check: checkReadAround},
		{name: "invalid UTF-8 in a calendar", path: "/invalid-utf8/p.ics", kind: models.KindICal, ok: true,
			status: 200, attempts: 1, check: checkReadAround},
		{name: "invalid UTF-8 in a feed", path: "/invalid-utf8/p.xml", kind: models.KindRSS,
			errHas: "parse feed: XML syntax error on line 1: invalid UTF-8", status: 200, attempts: 1},
		{name: "invalid UTF-8 in headers", path: "/bad-headers", kind: models.KindRSS, ok: true,
			status: 200, attempts: 1, check: checkValidatorsDropped},
		{name: "HTML nested 100,000 deep", path: "/deep/p.html", kind: models.KindHTML,
			errHas: "parse html: html: open stack of elements exceeds 512 nodes", status: 200, attempts: 1},
		{name: "feed nested 100,000 deep", path: "/deep/p.xml", kind: models.KindRSS,
			errHas: "parse feed: elements nested deeper than 512", status: 200, attempts: 1},
		{name: "calendar nested 50,000 deep", path: "/deep/p.ics", kind: models.KindICal,
			errHas: "parse ical: components nested deeper than 8", status: 200, attempts: 1},
		{name: "page of endless items", path: "/many/p.html", kind: models.KindHTML,
			errHas: `parse html: item selector "li.m" matches`, status: 200, attempts: 1},
		{name: "feed of endless items", path: "/many/p.xml", kind: models.KindRSS,
			errHas: "parse feed: more than 5000 items", status: 200, attempts: 1},
		{name: "calendar of endless events", path: "/many/p.ics", kind: models.KindICal,
			errHas: "parse ical: more than 5000 events", status: 200, attempts: 1},
		{name: "feed of endless elements", path: "/wide/p.xml", kind: models.KindRSS,
			errHas: "parse feed: more than 100000 elements", status: 200, attempts: 1},
		{name: "error quoting the page", path: "/long-error/p.ics", kind: models.KindICal,
			errHas: "parse ical: END:XXXX", status: 200, attempts: 1, check: checkErrorCut},
		{name: "robots.txt dripped", path: "/seed", kind: models.KindRSS, robots: "drip",
			errIs: ErrRobotsUnavailable, errHas: timedOut, timeouts: 1, check: checkRobotsRecorded},
		{name: "robots.txt gzip bomb", path: "/seed", kind: models.KindRSS, robots: "gzip-bomb", ok: true,
			status: 200, attempts: 1, check: checkRobotsRecorded},
		{name: "robots.txt redirect loop", path: "/seed", kind: models.KindRSS, robots: "redirect-self", ok: true,
			status: 200, attempts: 1},
		{name: "detail pages dripped", path: "/drip-details", kind: models.KindHTML, ok: true,
			settings: `{"item": "li.m", "follow": "/drip/"}`, status: 200, attempts: 1,
			timeouts: hostileAttempts, check: checkStoppedFollowing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.timeouts > 0 {
				// Mostly waiting, with little to read: in parallel with
				// the others that wait, never with a heavy case.
				t.Parallel()
				env.heavy.RLock()
				defer env.heavy.RUnlock()
			} else {
				env.heavy.Lock()
				defer env.heavy.Unlock()
			}
			runHostile(t, env, tt)
		})
	}
}

func runHostile(t *testing.T, env *hostileEnv, tt hostileCase) {
	ctx := context.Background()
	site := newHostileSite(t, tt.kind)
	src, err := env.store.UpsertSource(ctx, models.Source{
		Jurisdiction: "MN", Kind: tt.kind, URL: site.URL + tt.path, Name: tt.name,
		Settings: []byte(cmp.Or(tt.settings, hostileSettings[tt.kind], "{}")), Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}

	// A good run first, whose activity the attack must leave as it is.
	seedRun, err := env.runner().RunSource(ctx, src)
	if err != nil || seedRun.Inserted != 1 {
		t.Fatalf("seed run %+v: %v", seedRun, err)
	}
	seed := seedActivity(t, env.store, src.ID)

	site.attack(tt.robots)
	runner := env.runner()
	mem := watchMemory()
	began := time.Now()
	run, err := runner.RunSource(ctx, src)
	took := time.Since(began)
	peak, allocated := mem.end()
	t.Logf("run %s in %v, heap peak +%.1f MiB, %.1f MiB allocated; %.300v",
		run.Status, took.Round(time.Millisecond), float64(peak)/(1<<20), float64(allocated)/(1<<20), err)

	// The outcome, as returned and as stored.
	stored := lastRunOf(t, env.store, src.ID)
	source := sourceByID(t, env.store, src.ID)
	if tt.ok {
		if err != nil || run.Status != "ok" || stored.Status != "ok" || source.ConsecutiveFailures != 0 {
			t.Fatalf("run %s (stored %s, %d failures): %v; want it read around the attack",
				run.Status, stored.Status, source.ConsecutiveFailures, err)
		}
	} else {
		if err == nil {
			t.Fatalf("run %s without an error", run.Status)
		}
		if tt.errIs != nil && !errors.Is(err, tt.errIs) {
			t.Errorf("err = %v, want %v", err, tt.errIs)
		}
		if !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("err = %v, want it to say %q", err, tt.errHas)
		}
		if stored.ID != run.ID || stored.Status != "failed" || stored.FinishedAt == nil || stored.Error == "" ||
			!strings.Contains(stored.Error, tt.errHas) {
			t.Errorf("stored run %+v, want run %d failed with %q", stored, run.ID, tt.errHas)
		}
		if source.ConsecutiveFailures != 1 || source.LastError != stored.Error {
			t.Errorf("source: %d failures, last error %q; want 1, the run's", source.ConsecutiveFailures, source.LastError)
		}
	}
	f := sourceFetchOf(t, env.store, src.ID, run.ID)
	if f.StatusCode != tt.status || f.Attempts != tt.attempts {
		t.Errorf("fetch recorded with status %d after %d attempts, want %d after %d", f.StatusCode, f.Attempts, tt.status, tt.attempts)
	}
	if tt.ok && (f.Error != "" || f.SHA256 == nil) {
		t.Errorf("fetch of an ok run recorded as %+v", f)
	}
	if !tt.ok && (f.Error != stored.Error || f.SHA256 != nil) {
		t.Errorf("fetch recorded as %+v, want the run's error and no snapshot", f)
	}
	if f.Bytes > hostileMaxBytes {
		t.Errorf("fetch recorded %d bytes read, more than the cap", f.Bytes)
	}

	// Within the timeouts it ran into, and not much longer.
	least := time.Duration(tt.timeouts) * hostileTimeout
	most := least + time.Duration(tt.attempts)*hostileRetryMax + hostileSlack
	if took < least || took > most {
		t.Errorf("run took %v, want %v to %v", took, least, most)
	}
	// The heap bounded by the body cap, however much the attack offered.
	if limit := uint64(hostileMaxBytes + hostileMemSlack); peak > limit {
		t.Errorf("heap grew %d MiB at its peak, more than %d MiB", peak>>20, limit>>20)
	}
	if limit := uint64(hostileAllocFactor*hostileMaxBytes + hostileMemSlack); allocated > limit {
		t.Errorf("the run allocated %d MiB, more than %d MiB", allocated>>20, limit>>20)
	}

	// What the good run stored is there as it was.
	after, err := env.store.ActivityByID(ctx, seed.ID)
	if err != nil {
		t.Fatalf("the seed activity: %v", err)
	}
	if after.Title != seed.Title || after.Description != seed.Description || after.ContentHash != seed.ContentHash ||
		after.Status != seed.Status || after.DeletedAt != nil || len(after.Sources) < len(seed.Sources) {
		t.Errorf("the seed activity changed:\n%+v\nwas\n%+v", after, seed)
	}
	if !tt.ok && (!after.LastSeen.Equal(seed.LastSeen) || len(after.Sources) != len(seed.Sources)) {
		t.Errorf("a failed run touched the seed activity: last seen %v (was %v), %d sources (was %d)",
			after.LastSeen, seed.LastSeen, len(after.Sources), len(seed.Sources))
	}
	if tt.check != nil {
		tt.check(t, env, src, run)
	}
}

// hostileSlack is what a run may take beyond the timeouts it runs into:
// the database writes, parsing a body of the cap, a loaded machine.
const hostileSlack = hostileSlowdown * 3 * time.Second

// hostileAllocFactor bounds all a run allocates, freed or not, as a
// multiple of the body cap: it grows with the body read, never with what
// the attack offered. Reading a body into a growing buffer allocates about
// twice its size; parsing allocates far more, the calendar parser some 125
// bytes for each byte of a calendar.
const hostileAllocFactor = 160

// checkReadAround: a page with bytes that are not UTF-8 is read, the bytes
// replaced, rather than refused, so a stray Latin-1 byte does not stop a
// source; the stored text and the snapshot's are valid UTF-8.
func checkReadAround(t *testing.T, env *hostileEnv, src models.Source, run models.ScrapeRun) {
	t.Helper()
	if run.Inserted != 1 {
		t.Errorf("run %+v, want the new item inserted", run)
	}
	var title string
	if err := env.store.DB().Get(&title, `SELECT a.title FROM activities a JOIN activity_sources s ON s.activity_id = a.id
		WHERE s.source_id = $1 AND a.title LIKE 'Community forum%' LIMIT 1`, src.ID); err != nil {
		t.Fatal(err)
	}
	if !utf8.ValidString(title) || !strings.Contains(title, "Caf\uFFFD \uFFFD town hall") || strings.Contains(title, "\x00") {
		t.Errorf("title stored as %q", title)
	}
	f := sourceFetchOf(t, env.store, src.ID, run.ID)
	snap, err := env.store.SnapshotBySHA256(context.Background(), *f.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.ValidString(snap.Text) || !strings.Contains(snap.Text, "\uFFFD") || utf8.Valid(snap.Body) {
		t.Errorf("snapshot text %.200q; want valid UTF-8 text and the body as served", snap.Text)
	}
}

// checkValidatorsDropped: validators PostgreSQL cannot store are dropped,
// so the next fetch is unconditional.
func checkValidatorsDropped(t *testing.T, env *hostileEnv, src models.Source, run models.ScrapeRun) {
	t.Helper()
	if s := sourceByID(t, env.store, src.ID); s.ETag != "" || s.LastModified != "" {
		t.Errorf("validators stored: %q, %q", s.ETag, s.LastModified)
	}
}

// checkErrorCut: an error as long as the page is recorded cut short.
func checkErrorCut(t *testing.T, env *hostileEnv, src models.Source, run models.ScrapeRun) {
	t.Helper()
	stored := lastRunOf(t, env.store, src.ID)
	if len(stored.Error) > maxErrorLen+100 || !strings.Contains(stored.Error, "(cut from ") || !utf8.ValidString(stored.Error) {
		t.Errorf("error recorded in %d bytes: %.100q…", len(stored.Error), stored.Error)
	}
}

// checkRobotsRecorded: the robots.txt request is on record, bounded.
func checkRobotsRecorded(t *testing.T, env *hostileEnv, src models.Source, run models.ScrapeRun) {
	t.Helper()
	for _, f := range fetchesOfRun(t, env.store, src.ID, run.ID) {
		if f.Purpose != "robots" {
			continue
		}
		if f.Bytes > robotsMaxBytes+1 || (run.Status == "failed") != (f.Error != "") {
			t.Errorf("robots.txt fetch recorded as %+v", f)
		}
		return
	}
	t.Error("no robots.txt fetch recorded")
}

// checkStoppedFollowing: after one detail page dripped past its timeout,
// the others were not asked for, and the run said so.
func checkStoppedFollowing(t *testing.T, env *hostileEnv, src models.Source, run models.ScrapeRun) {
	t.Helper()
	details := 0
	for _, f := range fetchesOfRun(t, env.store, src.ID, run.ID) {
		if f.Purpose == "detail" {
			details++
			if !strings.Contains(f.Error, "no complete response") {
				t.Errorf("detail fetch recorded as %+v", f)
			}
		}
	}
	if details != 1 || run.Inserted != 3 || !strings.Contains(strings.Join(run.Warnings, "\n"), "stopped following detail pages") {
		t.Errorf("%d detail fetches, run %+v; want one, the items stored from the list, and a warning", details, run)
	}
}

// seedActivity is the one activity a source's first run stored.
func seedActivity(t *testing.T, store *models.Store, sourceID int64) models.Activity {
	t.Helper()
	var id int64
	if err := store.DB().Get(&id, `SELECT activity_id FROM activity_sources WHERE source_id = $1`, sourceID); err != nil {
		t.Fatal(err)
	}
	a, err := store.ActivityByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func lastRunOf(t *testing.T, store *models.Store, sourceID int64) models.ScrapeRun {
	t.Helper()
	runs, err := store.ScrapeRunsBySource(context.Background(), sourceID, 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("last run: %v %v", runs, err)
	}
	return runs[0]
}

func sourceByID(t *testing.T, store *models.Store, id int64) models.Source {
	t.Helper()
	srcs, err := store.Sources(context.Background(), "MN")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("source %d not found", id)
	return models.Source{}
}

func fetchesOfRun(t *testing.T, store *models.Store, sourceID, runID int64) []models.Fetch {
	t.Helper()
	all, err := store.FetchesBySource(context.Background(), sourceID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []models.Fetch
	for _, f := range all {
		if f.ScrapeRunID != nil && *f.ScrapeRunID == runID {
			out = append(out, f)
		}
	}
	return out
}

// sourceFetchOf is the run's fetch of the source's own URL.
func sourceFetchOf(t *testing.T, store *models.Store, sourceID, runID int64) models.Fetch {
	t.Helper()
	for _, f := range fetchesOfRun(t, store, sourceID, runID) {
		if f.Purpose == "source" {
			return f
		}
	}
	t.Fatalf("run %d recorded no fetch of its source", runID)
	return models.Fetch{}
}
