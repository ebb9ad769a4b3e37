package scrapers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// robotsSite serves a robots.txt (status 0 means 200) and a page at every
// other path, except /go, which redirects to /private/x. It counts
// requests by path and notes when they came.
type robotsSite struct {
	mu     sync.Mutex
	status int
	robots string
	hits   map[string]int
	times  []time.Time
	url    string
}

func newRobotsSite(t *testing.T, status int, robots string) *robotsSite {
	t.Helper()
	s := &robotsSite{status: status, robots: robots, hits: map[string]int{}}
	s.url = newTestServer(t, s.serveHTTP).URL
	return s
}

func (s *robotsSite) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[r.URL.Path]++
	s.times = append(s.times, time.Now())
	switch r.URL.Path {
	case "/robots.txt":
		if s.status != 0 {
			w.WriteHeader(s.status)
		}
		w.Write([]byte(s.robots))
	case "/go":
		http.Redirect(w, r, "/private/x", http.StatusFound)
	default:
		w.Write([]byte("page"))
	}
}

func (s *robotsSite) set(status int, robots string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.robots = status, robots
}

func (s *robotsSite) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func TestFetchRobots(t *testing.T) {
	const private = "User-agent: *\nDisallow: /private\n"
	tests := []struct {
		name    string
		status  int
		robots  string
		path    string
		allowed bool
		// unavailable: the error also wraps ErrRobotsUnavailable.
		unavailable bool
	}{
		{name: "disallowed path", robots: private, path: "/private/x"},
		{name: "allowed path", robots: private, path: "/public", allowed: true},
		{name: "empty file", robots: "", path: "/private/x", allowed: true},
		{name: "our own group wins", robots: "User-agent: HeardBot\nDisallow: /\n\nUser-agent: *\nDisallow:\n", path: "/x"},
		{name: "another bot's group", robots: "User-agent: OtherBot\nDisallow: /\n", path: "/x", allowed: true},
		{name: "agent matched without case", robots: "User-agent: heardbot\nDisallow: /x\n", path: "/x"},
		{name: "allow beats shorter disallow", robots: "User-agent: *\nDisallow: /a\nAllow: /a/b\n", path: "/a/b/c", allowed: true},
		{name: "query matched", robots: "User-agent: *\nDisallow: /*?print=\n", path: "/page?print=1"},
		{name: "query-less path allowed", robots: "User-agent: *\nDisallow: /*?print=\n", path: "/page", allowed: true},
		{name: "redirect checked too", robots: private, path: "/go"},
		{name: "sloppy file still read", robots: "Disallow: /early\nUser-agent: *\nDisallow: /private\nCrawl-delay: soon\n", path: "/private/x"},
		{name: "sloppy line dropped", robots: "Disallow: /early\nUser-agent: *\nDisallow: /private\n", path: "/early", allowed: true},
		{name: "404 allows all", status: 404, robots: "User-agent: *\nDisallow: /\n", path: "/x", allowed: true},
		{name: "403 allows all", status: 403, path: "/x", allowed: true},
		{name: "500 disallows all", status: 500, path: "/x", unavailable: true},
		{name: "503 disallows all", status: 503, path: "/x", unavailable: true},
		{name: "429 disallows all", status: 429, path: "/x", unavailable: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := newRobotsSite(t, tt.status, tt.robots)
			f, _ := newLocalFetcher(t, FetcherOptions{})
			resp, err := f.Fetch(context.Background(), site.url+tt.path, Conditional{})
			u, _ := url.Parse(tt.path)
			if tt.allowed {
				if err != nil || string(resp.Body) != "page" {
					t.Fatalf("err = %v, body %q; want the page", err, resp.Body)
				}
			} else {
				if !errors.Is(err, ErrDisallowedByRobots) || errors.Is(err, ErrRobotsUnavailable) != tt.unavailable {
					t.Fatalf("err = %v, want ErrDisallowedByRobots (unavailable: %v)", err, tt.unavailable)
				}
				if site.hitsOf("/private/x") != 0 || (tt.path != "/go" && site.hitsOf(u.Path) != 0) {
					t.Errorf("a disallowed page was requested: %v", site.hits)
				}
				if tt.path != "/go" && resp.Attempts != 0 {
					t.Errorf("%d attempts, want none", resp.Attempts)
				}
			}
			if n := site.hitsOf("/robots.txt"); n != 1 {
				t.Errorf("robots.txt requested %d times, want once", n)
			}
		})
	}
}

func TestFetchRobotsCache(t *testing.T) {
	site := newRobotsSite(t, 0, "User-agent: *\nDisallow: /private\n")
	f, clock := newLocalFetcher(t, FetcherOptions{RobotsTTL: time.Hour})
	ctx := context.Background()
	fetch := func(path string) error {
		t.Helper()
		_, err := f.Fetch(ctx, site.url+path, Conditional{})
		return err
	}
	for _, p := range []string{"/a", "/b", "/private/c", "/a"} {
		fetch(p)
	}
	if n := site.hitsOf("/robots.txt"); n != 1 {
		t.Fatalf("robots.txt requested %d times for four fetches, want once", n)
	}

	// After the TTL the file is read again, and its new rules apply.
	site.set(0, "User-agent: *\nDisallow: /a\n")
	clock.advance(59 * time.Minute)
	if err := fetch("/a"); err != nil || site.hitsOf("/robots.txt") != 1 {
		t.Fatalf("within the TTL: err = %v, robots.txt requested %d times", err, site.hitsOf("/robots.txt"))
	}
	clock.advance(time.Minute)
	if err := fetch("/a"); !errors.Is(err, ErrDisallowedByRobots) || site.hitsOf("/robots.txt") != 2 {
		t.Fatalf("after the TTL: err = %v, robots.txt requested %d times", err, site.hitsOf("/robots.txt"))
	}

	// An unreachable robots.txt blocks the host, but only for minutes.
	site.set(http.StatusServiceUnavailable, "")
	clock.advance(time.Hour)
	for range 3 {
		if err := fetch("/b"); !errors.Is(err, ErrRobotsUnavailable) {
			t.Fatalf("robots.txt 503: err = %v, want ErrRobotsUnavailable", err)
		}
	}
	if n := site.hitsOf("/robots.txt"); n != 3 {
		t.Fatalf("robots.txt requested %d times, want the failure cached", n)
	}
	site.set(http.StatusNotFound, "")
	clock.advance(robotsFailureTTL)
	if err := fetch("/b"); err != nil || site.hitsOf("/robots.txt") != 4 {
		t.Fatalf("after the failure expired: err = %v, robots.txt requested %d times", err, site.hitsOf("/robots.txt"))
	}
}

// TestFetchRobotsPerOrigin: each scheme, host and port has its own file.
func TestFetchRobotsPerOrigin(t *testing.T) {
	a := newRobotsSite(t, 0, "User-agent: *\nDisallow: /x\n")
	b := newRobotsSite(t, 0, "")
	f, _ := newLocalFetcher(t, FetcherOptions{})
	if _, err := f.Fetch(context.Background(), a.url+"/x", Conditional{}); !errors.Is(err, ErrDisallowedByRobots) {
		t.Errorf("a/x: err = %v, want disallowed", err)
	}
	if _, err := f.Fetch(context.Background(), b.url+"/x", Conditional{}); err != nil {
		t.Errorf("b/x: err = %v, want allowed", err)
	}
}

// TestFetchRobotsOversized: only the first 512 KiB are read, the line cut
// by the limit dropped, and the rest ignored.
func TestFetchRobotsOversized(t *testing.T) {
	head := "User-agent: *\nDisallow: /early\n"
	cut := "Disallow: /c"
	filler := strings.Repeat("# padding padding padding padding padding padding padding\n", (robotsMaxBytes-1000)/58)
	filler += strings.Repeat("#", robotsMaxBytes-len(head)-len(filler)-len(cut)-1) + "\n"
	robots := head + filler + cut + "ut-here\nDisallow: /late\n"
	if len(head+filler+cut) != robotsMaxBytes {
		t.Fatalf("the test file is cut at %d, want %d", len(head+filler+cut), robotsMaxBytes)
	}
	site := newRobotsSite(t, 0, robots)
	f, _ := newLocalFetcher(t, FetcherOptions{})
	for path, allowed := range map[string]bool{"/early": false, "/late": true, "/cat": true, "/cut-here": true} {
		_, err := f.Fetch(context.Background(), site.url+path, Conditional{})
		if allowed != (err == nil) {
			t.Errorf("%s: err = %v, want allowed %v", path, err, allowed)
		}
	}
}

// TestCrawlDelay measures the limiter on a fake clock: the waits it asks
// for are the Crawl-delay, when that is slower than the host interval.
func TestCrawlDelay(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		robots   string
		want     time.Duration
	}{
		{"crawl-delay slows", 10 * time.Millisecond, "User-agent: *\nCrawl-delay: 5\n", 5 * time.Second},
		{"fractional", 10 * time.Millisecond, "User-agent: *\nCrawl-delay: 0.5\n", 500 * time.Millisecond},
		{"never faster than the interval", time.Second, "User-agent: *\nCrawl-delay: 0.001\n", time.Second},
		{"capped", time.Second, "User-agent: *\nCrawl-delay: 3600\n", MaxCrawlDelay},
		{"our group's delay", 10 * time.Millisecond,
			"User-agent: *\nCrawl-delay: 9\n\nUser-agent: HeardBot\nCrawl-delay: 2\n", 2 * time.Second},
		{"none", 10 * time.Millisecond, "User-agent: *\nDisallow: /private\n", 10 * time.Millisecond},
		{"no robots.txt", 10 * time.Millisecond, "", 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			site := newRobotsSite(t, 0, tt.robots)
			f, clock := newLocalFetcher(t, FetcherOptions{HostInterval: tt.interval})
			for _, p := range []string{"/a", "/b", "/c"} {
				if _, err := f.Fetch(context.Background(), site.url+p, Conditional{}); err != nil {
					t.Fatal(err)
				}
			}
			// robots.txt, then three pages: each page waits one delay.
			got := clock.sleeps()
			if len(got) != 3 {
				t.Fatalf("waits %v, want three of %v", got, tt.want)
			}
			for _, d := range got {
				if d < tt.want-time.Millisecond || d > tt.want+time.Millisecond {
					t.Errorf("waits %v, want %v each", got, tt.want)
					break
				}
			}
		})
	}
}

// TestCrawlDelayWallClock checks the same on the real clock, with a
// delay short enough to keep the suite fast.
func TestCrawlDelayWallClock(t *testing.T) {
	site := newRobotsSite(t, 0, "User-agent: *\nCrawl-delay: 0.2\n")
	f := NewFetcher(FetcherOptions{AllowPrivateNetworks: true, HostInterval: -1})
	for _, p := range []string{"/a", "/b"} {
		if _, err := f.Fetch(context.Background(), site.url+p, Conditional{}); err != nil {
			t.Fatal(err)
		}
	}
	site.mu.Lock()
	defer site.mu.Unlock()
	if len(site.times) != 3 {
		t.Fatalf("%d requests, want robots.txt and two pages", len(site.times))
	}
	for i := 1; i < len(site.times); i++ {
		if gap := site.times[i].Sub(site.times[i-1]); gap < 150*time.Millisecond {
			t.Errorf("request %d came %v after the one before, want ≥ 200ms", i, gap)
		}
	}
}

func TestHostRateLimit(t *testing.T) {
	a := newRobotsSite(t, 0, "")
	b := newRobotsSite(t, 0, "")
	aHost, bHost := strings.TrimPrefix(a.url, "http://"), strings.TrimPrefix(b.url, "http://")
	tests := []struct {
		name      string
		interval  time.Duration
		intervals map[string]time.Duration
		fetches   []*robotsSite
		want      []time.Duration
	}{
		{"two hosts do not wait for each other", DefaultHostInterval, nil,
			[]*robotsSite{a, b}, nil},
		{"the same host waits a second", DefaultHostInterval, nil,
			[]*robotsSite{a, b, a}, []time.Duration{time.Second}},
		{"HostInterval", 3 * time.Second, nil,
			[]*robotsSite{a, a, a}, []time.Duration{3 * time.Second, 3 * time.Second}},
		{"HostIntervals 0 means no limit", DefaultHostInterval, map[string]time.Duration{aHost: 0},
			[]*robotsSite{a, a, a, b, b}, []time.Duration{time.Second}},
		{"HostIntervals by host:port before host", DefaultHostInterval,
			map[string]time.Duration{"127.0.0.1": 2 * time.Second, bHost: 0},
			[]*robotsSite{a, a, b, b}, []time.Duration{2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, clock := newLocalFetcher(t, FetcherOptions{HostInterval: tt.interval, HostIntervals: tt.intervals, IgnoreRobots: true})
			for _, s := range tt.fetches {
				if _, err := f.Fetch(context.Background(), s.url+"/p", Conditional{}); err != nil {
					t.Fatal(err)
				}
			}
			if got := clock.sleeps(); !equalDurations(got, tt.want) {
				t.Errorf("waits %v, want %v", got, tt.want)
			}
		})
	}
}

// TestHostRateLimitWallClock: the limiter really waits, and the wait
// respects ctx.
func TestHostRateLimitWallClock(t *testing.T) {
	site := newRobotsSite(t, 0, "")
	f := NewFetcher(FetcherOptions{AllowPrivateNetworks: true, IgnoreRobots: true, HostInterval: 100 * time.Millisecond})
	start := time.Now()
	for range 2 {
		if _, err := f.Fetch(context.Background(), site.url+"/p", Conditional{}); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took < 90*time.Millisecond {
		t.Errorf("two fetches took %v, want ≥ 100ms", took)
	}
	f = NewFetcher(FetcherOptions{AllowPrivateNetworks: true, IgnoreRobots: true, HostInterval: time.Hour})
	if _, err := f.Fetch(context.Background(), site.url+"/p", Conditional{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	resp, err := f.Fetch(ctx, site.url+"/p", Conditional{})
	if !errors.Is(err, context.DeadlineExceeded) || resp.Attempts != 0 {
		t.Errorf("err = %v after %d attempts, want the context's deadline before any", err, resp.Attempts)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if d := a[i] - b[i]; d < -time.Millisecond || d > time.Millisecond {
			return false
		}
	}
	return true
}

func TestHostKey(t *testing.T) {
	tests := []struct{ url, host, origin string }{
		{"http://Example.GOV/x", "example.gov:80", "http://example.gov:80"},
		{"https://example.gov", "example.gov:443", "https://example.gov:443"},
		{"HTTPS://example.gov:443/a", "example.gov:443", "https://example.gov:443"},
		{"https://a.example.gov:8443/a", "a.example.gov:8443", "https://a.example.gov:8443"},
		{"http://[::1]:8089/x", "[::1]:8089", "http://[::1]:8089"},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := hostKey(u); got != tt.host {
			t.Errorf("hostKey(%s) = %q, want %q", tt.url, got, tt.host)
		}
		if got := robotsKey(u); got != tt.origin {
			t.Errorf("robotsKey(%s) = %q, want %q", tt.url, got, tt.origin)
		}
	}
}
