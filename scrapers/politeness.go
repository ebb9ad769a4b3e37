package scrapers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
	"golang.org/x/time/rate"
)

// RobotsAgent is the user-agent token Heard looks for in robots.txt, the
// product token of DefaultUserAgent. A group for "*" applies when the file
// names no group for it.
const RobotsAgent = "HeardBot"

// ErrDisallowedByRobots is returned, wrapped with the URL, when the host's
// robots.txt disallows the URL (or could not be read; see
// ErrRobotsUnavailable). No request is made for the URL itself.
var ErrDisallowedByRobots = errors.New("disallowed by robots.txt")

// ErrRobotsUnavailable is returned, together with ErrDisallowedByRobots,
// when a host's robots.txt answered 5xx or 429 or could not be reached.
// RFC 9309 says to assume then that everything is disallowed; the failure
// is remembered only for a few minutes.
var ErrRobotsUnavailable = errors.New("robots.txt unavailable")

const (
	// MaxCrawlDelay caps the Crawl-delay honoured: a host asking for more
	// still gets at most one request a minute, rather than holding up the
	// whole run. It is well below the usual rate of an hourly source.
	MaxCrawlDelay = time.Minute
	// robotsMaxBytes is how much of a robots.txt is read. Like Google, we
	// parse the first 512 KiB of a longer one and ignore the rest.
	robotsMaxBytes = 512 << 10
	// robotsFailureTTL is how long an unreachable robots.txt keeps its
	// host disallowed before it is asked for again.
	robotsFailureTTL = 5 * time.Minute
	// pruneAbove is the number of cached hosts past which stale entries
	// are dropped; sources number in the hundreds.
	pruneAbove = 1024
)

// politeness is the per-host state of a Fetcher: robots.txt rules and rate
// limiters.
type politeness struct {
	ignoreRobots  bool
	robotsTTL     time.Duration
	hostInterval  time.Duration
	hostIntervals map[string]time.Duration

	mu       sync.Mutex
	robots   map[string]*robotsEntry  // by scheme://host:port
	inFlight map[string]chan struct{} // robots.txt being fetched, by the same key
	limiters map[string]*rate.Limiter // by host:port
}

func newPoliteness(opts FetcherOptions, now func() time.Time) *politeness {
	p := &politeness{
		ignoreRobots:  opts.IgnoreRobots,
		robotsTTL:     opts.RobotsTTL,
		hostInterval:  opts.HostInterval,
		hostIntervals: map[string]time.Duration{},
		robots:        map[string]*robotsEntry{},
		inFlight:      map[string]chan struct{}{},
		limiters:      map[string]*rate.Limiter{},
	}
	if p.robotsTTL <= 0 {
		p.robotsTTL = DefaultRobotsTTL
	}
	switch {
	case p.hostInterval == 0:
		p.hostInterval = DefaultHostInterval
	case p.hostInterval < 0:
		p.hostInterval = 0
	}
	for host, d := range opts.HostIntervals {
		p.hostIntervals[strings.ToLower(host)] = max(d, 0)
	}
	return p
}

// robotsEntry is what a host's robots.txt says, until expires.
type robotsEntry struct {
	data       *robotstxt.RobotsData
	crawlDelay time.Duration
	// err is why the file could not be read; everything is disallowed.
	err     error
	expires time.Time
}

// hostKey is the host and port a URL is served from, the unit of rate
// limiting: "example.gov:443".
func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if strings.EqualFold(u.Scheme, "https") {
			port = "443"
		}
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// RobotsFetch is a request for a robots.txt made during a Fetch, so that the
// caller can record it like any other fetch.
type RobotsFetch struct {
	URL        string
	StatusCode int
	StartedAt  time.Time
	Duration   time.Duration
	Bytes      int
	// Error is why the file could not be read (everything is then
	// disallowed for a while); empty when it was read or absent.
	Error string
}

// robotsLog collects the robots.txt requests of one Fetch; it travels in
// the context so that redirect hops, checked inside the HTTP client, add
// theirs too.
type robotsLog struct {
	mu      sync.Mutex
	fetches []RobotsFetch
}

type robotsLogKey struct{}

func (l *robotsLog) add(r RobotsFetch) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fetches = append(l.fetches, r)
}

func (l *robotsLog) list() []RobotsFetch {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.fetches)
}

// robotsKey is the origin a robots.txt covers: scheme, host and port.
func robotsKey(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + hostKey(u)
}

// robotsRequestKey marks the context of a robots.txt request, whose
// redirects are not themselves checked against robots.txt.
type robotsRequestKey struct{}

func isRobotsRequest(ctx context.Context) bool { return ctx.Value(robotsRequestKey{}) != nil }

// checkRobots returns an error wrapping ErrDisallowedByRobots unless the
// robots.txt of u's origin allows RobotsAgent to fetch u, or ctx's error.
// It applies the file's Crawl-delay to the host's limiter.
func (f *Fetcher) checkRobots(ctx context.Context, u *url.URL) error {
	e, err := f.robotsFor(ctx, u)
	if err != nil {
		return err
	}
	f.applyCrawlDelay(u, e.crawlDelay)
	if e.err != nil {
		return fmt.Errorf("%w: %w: %w", ErrDisallowedByRobots, ErrRobotsUnavailable, e.err)
	}
	if !e.data.TestAgent(u.RequestURI(), RobotsAgent) {
		return fmt.Errorf("%w: %s", ErrDisallowedByRobots, u.Redacted())
	}
	return nil
}

// robotsFor returns the cached robots.txt of u's origin, fetching it when
// absent or expired. Concurrent callers for one origin share one fetch.
func (f *Fetcher) robotsFor(ctx context.Context, u *url.URL) (*robotsEntry, error) {
	key := robotsKey(u)
	for {
		f.mu.Lock()
		if e := f.robots[key]; e != nil && f.now().Before(e.expires) {
			f.mu.Unlock()
			return e, nil
		}
		if ch := f.inFlight[key]; ch != nil {
			f.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		f.inFlight[key] = ch
		f.mu.Unlock()

		e, err := f.fetchRobots(ctx, u)

		f.mu.Lock()
		delete(f.inFlight, key)
		close(ch)
		if err == nil {
			f.robots[key] = e
			if len(f.robots) > pruneAbove {
				now := f.now()
				for k, old := range f.robots {
					if !now.Before(old.expires) {
						delete(f.robots, k)
					}
				}
			}
		}
		f.mu.Unlock()
		return e, err
	}
}

// fetchRobots reads the robots.txt of u's origin, through the same
// transport, guard and rate limit as any fetch. Following RFC 9309 and
// Google: 2xx is parsed; 4xx (but 429) means no rules; 5xx, 429 and
// network errors mean everything is disallowed, briefly. The error is only
// ctx's, for the caller's context ending; nothing is cached then.
func (f *Fetcher) fetchRobots(ctx context.Context, u *url.URL) (entry *robotsEntry, err error) {
	ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	if err := f.wait(ctx, ru); err != nil {
		return nil, err
	}
	now := f.now()
	began, status, size := time.Now(), 0, 0
	defer func() {
		if entry == nil {
			return // the caller's context ended: nothing was learnt
		}
		rec := RobotsFetch{URL: ru.String(), StatusCode: status, StartedAt: began,
			Duration: time.Since(began), Bytes: size}
		if entry.err != nil {
			rec.Error = entry.err.Error()
		}
		if log, ok := ctx.Value(robotsLogKey{}).(*robotsLog); ok {
			log.add(rec)
		}
	}()
	unavailable := func(err error) *robotsEntry {
		return &robotsEntry{err: fmt.Errorf("fetch %s: %w", ru, err), expires: now.Add(min(robotsFailureTTL, f.robotsTTL))}
	}
	allowAll := &robotsEntry{data: mustAllowAll(), expires: now.Add(f.robotsTTL)}

	rctx, cancel := context.WithTimeout(context.WithValue(ctx, robotsRequestKey{}, true), f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, ru.String(), nil)
	if err != nil {
		return unavailable(err), nil
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", "text/plain, */*;q=0.5")
	hr, err := f.client.Do(req)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, ErrTooManyRedirects):
			// Google treats a robots.txt lost in redirects as absent.
			return allowAll, nil
		}
		return unavailable(f.timedOut(ctx, rctx, unwrapURLError(err))), nil
	}
	defer hr.Body.Close()
	status = hr.StatusCode
	switch code := hr.StatusCode; {
	case code == http.StatusTooManyRequests || code >= 500:
		return unavailable(&StatusError{Code: code, RetryAfter: retryAfter(hr.Header.Get("Retry-After"), now)}), nil
	case code < 200 || code > 299:
		return allowAll, nil
	}
	body, err := io.ReadAll(io.LimitReader(hr.Body, robotsMaxBytes+1))
	size = len(body)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return unavailable(f.timedOut(ctx, rctx, fmt.Errorf("read body: %w", unwrapURLError(err)))), nil
	}
	data, err := parseRobots(body)
	if err != nil {
		return unavailable(err), nil
	}
	return &robotsEntry{
		data:       data,
		crawlDelay: data.FindGroup(RobotsAgent).CrawlDelay,
		expires:    now.Add(f.robotsTTL),
	}, nil
}

func mustAllowAll() *robotstxt.RobotsData {
	data, err := robotstxt.FromStatusAndBytes(http.StatusNotFound, nil)
	if err != nil {
		panic(err)
	}
	return data
}

// parseRobots parses a robots.txt leniently. Past robotsMaxBytes the rest
// is dropped, with the line cut in the middle, which might otherwise widen
// a rule. The parser rejects a whole file for one bad line (a rule before
// any User-agent, an unreadable Crawl-delay), which is common by hand; such
// lines are dropped and the rest parsed, as RFC 9309 asks.
func parseRobots(body []byte) (*robotstxt.RobotsData, error) {
	if len(body) > robotsMaxBytes {
		body = body[:robotsMaxBytes]
		body = body[:bytes.LastIndexByte(body, '\n')+1]
	}
	data, err := robotstxt.FromBytes(body)
	if err == nil {
		return data, nil
	}
	if data, err2 := robotstxt.FromBytes(dropBadRobotsLines(body)); err2 == nil {
		return data, nil
	}
	return nil, fmt.Errorf("parse robots.txt: %w", err)
}

// dropBadRobotsLines removes the lines robotstxt refuses: rules before the
// first User-agent line and Crawl-delay values that are not a non-negative
// number.
func dropBadRobotsLines(body []byte) []byte {
	var out bytes.Buffer
	seenAgent := false
	for line := range bytes.Lines(body) {
		content, _, _ := bytes.Cut(line, []byte("#"))
		key, value, ok := bytes.Cut(content, []byte(":"))
		if ok {
			switch strings.ToLower(strings.TrimSpace(string(key))) {
			case "user-agent", "useragent":
				seenAgent = true
			case "allow", "disallow":
				if !seenAgent {
					continue
				}
			case "crawl-delay", "crawldelay":
				fields := strings.Fields(string(value))
				if !seenAgent || len(fields) == 0 {
					continue
				}
				if d, err := strconv.ParseFloat(fields[0], 64); err != nil || d < 0 || math.IsInf(d, 0) || math.IsNaN(d) {
					continue
				}
			}
		}
		out.Write(line)
	}
	return out.Bytes()
}

// limiter returns the rate limiter of u's host, made on first use with the
// host's interval and a burst of one.
func (f *Fetcher) limiter(u *url.URL) *rate.Limiter {
	key := hostKey(u)
	f.mu.Lock()
	defer f.mu.Unlock()
	if lim := f.limiters[key]; lim != nil {
		return lim
	}
	if len(f.limiters) > pruneAbove {
		// A limiter with its token back has no history worth keeping;
		// the Crawl-delay is applied again at the next robots check.
		now := f.now()
		for k, lim := range f.limiters {
			if lim.TokensAt(now) >= 1 {
				delete(f.limiters, k)
			}
		}
	}
	lim := rate.NewLimiter(every(f.intervalFor(key)), 1)
	f.limiters[key] = lim
	return lim
}

// intervalFor is the configured interval of a host:port, HostIntervals
// first by host:port, then by host.
func (p *politeness) intervalFor(key string) time.Duration {
	if d, ok := p.hostIntervals[key]; ok {
		return d
	}
	host, _, _ := net.SplitHostPort(key)
	if d, ok := p.hostIntervals[host]; ok {
		return d
	}
	return p.hostInterval
}

func every(d time.Duration) rate.Limit {
	if d <= 0 {
		return rate.Inf
	}
	return rate.Every(d)
}

// applyCrawlDelay slows u's host to the robots.txt Crawl-delay, capped at
// MaxCrawlDelay, when that is slower than the configured interval; it
// never speeds the host up.
func (f *Fetcher) applyCrawlDelay(u *url.URL, crawlDelay time.Duration) {
	lim := f.limiter(u)
	want := every(max(f.intervalFor(hostKey(u)), min(crawlDelay, MaxCrawlDelay)))
	if was := lim.Limit(); was != want {
		now := f.now()
		lim.SetLimitAt(now, want)
		if was == rate.Inf {
			// An unlimited limiter kept no account of the robots.txt
			// request just made; the delay runs from it.
			lim.ReserveN(now, 1)
		}
	}
}

// wait blocks until u's host may be sent another request, or ctx ends.
func (f *Fetcher) wait(ctx context.Context, u *url.URL) error {
	lim := f.limiter(u)
	if lim.Limit() == rate.Inf {
		return nil
	}
	now := f.now()
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return fmt.Errorf("rate limit of %s refused a request", hostKey(u))
	}
	if err := f.sleep(ctx, r.DelayFrom(now)); err != nil {
		r.CancelAt(f.now())
		return err
	}
	return nil
}
