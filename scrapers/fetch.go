package scrapers

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultUserAgent names Heard to the sites it reads, with a page to learn
// why it calls, so an operator who sees it in a log can find us. Its
// product token is RobotsAgent.
const DefaultUserAgent = "HeardBot/0.1 (+https://github.com/heard; ESSA engagement tracker)"

// The fetcher's defaults, used for zero FetcherOptions fields.
const (
	DefaultFetchTimeout = 30 * time.Second
	DefaultMaxBytes     = 10 << 20
	DefaultMaxRedirects = 5
	DefaultHostInterval = time.Second
	DefaultMaxRetries   = 3
	DefaultRetryBase    = time.Second
	DefaultRetryMax     = 30 * time.Second
	DefaultRobotsTTL    = 24 * time.Hour
)

// ErrTooLarge is returned when a body is larger than the fetcher's cap. The
// body is refused rather than truncated: half a page parses into half the
// activities, which would look like the rest had been withdrawn.
var ErrTooLarge = errors.New("response body too large")

// ErrTooManyRedirects is returned when a fetch follows more redirects than
// the fetcher allows.
var ErrTooManyRedirects = errors.New("too many redirects")

// StatusError is returned for a response whose status is neither 2xx nor
// 304 Not Modified.
type StatusError struct {
	Code int
	// RetryAfter is the wait the server asked for in a Retry-After header,
	// zero when it sent none.
	RetryAfter time.Duration
}

// Error says which status the server answered, and how long it asked us to
// wait when it did.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("http status %d %s", e.Code, http.StatusText(e.Code))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (Retry-After %v)", e.RetryAfter)
	}
	return msg
}

// FetcherOptions configure a Fetcher. Zero fields take the production
// defaults: a guard against private addresses, robots.txt honoured, one
// request per second per host, three retries.
type FetcherOptions struct {
	// UserAgent is sent with every request; default DefaultUserAgent.
	// robots.txt is always matched against RobotsAgent.
	UserAgent string
	// Timeout bounds one attempt, body included; default 30s. Waiting for
	// the host's rate limit and between retries is not counted.
	Timeout time.Duration
	// MaxBytes caps a body, counted after decompression; default 10 MiB.
	MaxBytes int64
	// MaxRedirects is how many redirects a fetch follows; default 5.
	MaxRedirects int

	// HostInterval is the least time between two requests to one host
	// (host:port); default 1s, negative for no limit. A longer robots.txt
	// Crawl-delay (up to MaxCrawlDelay) slows the host further.
	HostInterval time.Duration
	// HostIntervals overrides HostInterval for the hosts named, as
	// "host:port" or a bare host; 0 means no limit. The loopback demo
	// corpus, 104 sources on one host, needs one.
	HostIntervals map[string]time.Duration

	// MaxRetries is how many times a fetch is retried after a network
	// error, a 5xx or a 429; default 3, negative for none.
	MaxRetries int
	// RetryBase and RetryMax shape the backoff between retries: full
	// jitter over RetryBase·2ⁿ, at most RetryMax (defaults 1s and 30s). A
	// server's Retry-After replaces the backoff; one longer than RetryMax
	// ends the fetch instead.
	RetryBase, RetryMax time.Duration

	// RobotsTTL is how long a host's robots.txt is trusted; default 24h.
	RobotsTTL time.Duration
	// IgnoreRobots skips robots.txt. Only for tests of other things:
	// production always honours it.
	IgnoreRobots bool

	// AllowPrivateNetworks turns the address guard off, so loopback and
	// private addresses and any port may be dialled: for tests, and for
	// HEARD_ALLOW_PRIVATE_NETWORKS=1 (see AllowPrivateNetworksFromEnv).
	AllowPrivateNetworks bool
	// AllowHosts lists "ip:port" addresses (IP literals, as dialled after
	// name resolution) the guard lets through anyway, such as the demo
	// corpus on "127.0.0.1:8089".
	AllowHosts []string

	// Transport replaces the default transport, for tests. The address
	// guard lives in the default transport's dialer, so a replacement
	// brings its own (or none).
	Transport http.RoundTripper
	// Now is the clock for robots.txt expiry, rate limits and Retry-After
	// dates; nil means time.Now.
	Now func() time.Time
}

// Fetcher makes the HTTP requests of the scrapers politely and safely: one
// identifying user agent, robots.txt honoured, a rate limit per host,
// retries with backoff for transient failures, conditional requests,
// bounded time, bodies and redirects, and no connections to private or
// special-purpose addresses. It is safe for concurrent use.
type Fetcher struct {
	client       *http.Client
	userAgent    string
	timeout      time.Duration
	maxBytes     int64
	maxRedirects int
	maxRetries   int
	retryBase    time.Duration
	retryMax     time.Duration
	now          func() time.Time
	// sleep waits d or until ctx ends; tests replace it to run without
	// waiting.
	sleep func(ctx context.Context, d time.Duration) error
	// int64N draws the jitter of backoffs.
	int64N func(n int64) int64

	*politeness
}

// NewFetcher returns a Fetcher with opts, defaults filled in.
func NewFetcher(opts FetcherOptions) *Fetcher {
	f := &Fetcher{
		userAgent:    opts.UserAgent,
		timeout:      opts.Timeout,
		maxBytes:     opts.MaxBytes,
		maxRedirects: opts.MaxRedirects,
		maxRetries:   opts.MaxRetries,
		retryBase:    opts.RetryBase,
		retryMax:     opts.RetryMax,
		now:          opts.Now,
		sleep:        sleepCtx,
		int64N:       rand.Int64N,
	}
	if f.userAgent == "" {
		f.userAgent = DefaultUserAgent
	}
	if f.timeout <= 0 {
		f.timeout = DefaultFetchTimeout
	}
	if f.maxBytes <= 0 {
		f.maxBytes = DefaultMaxBytes
	}
	if f.maxRedirects <= 0 {
		f.maxRedirects = DefaultMaxRedirects
	}
	switch {
	case f.maxRetries == 0:
		f.maxRetries = DefaultMaxRetries
	case f.maxRetries < 0:
		f.maxRetries = 0
	}
	if f.retryBase <= 0 {
		f.retryBase = DefaultRetryBase
	}
	if f.retryMax <= 0 {
		f.retryMax = DefaultRetryMax
	}
	if f.now == nil {
		f.now = time.Now
	}
	f.politeness = newPoliteness(opts, f.now)
	rt := opts.Transport
	if rt == nil {
		var guard *dialGuard
		if !opts.AllowPrivateNetworks {
			guard = newDialGuard(opts.AllowHosts, guardedPorts)
		}
		rt = newTransport(guard)
	}
	f.client = &http.Client{Transport: rt, CheckRedirect: f.checkRedirect}
	return f
}

// refusedRedirect marks a redirect the fetcher would not follow, which no
// retry would change.
type refusedRedirect struct{ err error }

func (e *refusedRedirect) Error() string { return e.err.Error() }
func (e *refusedRedirect) Unwrap() error { return e.err }

// checkRedirect holds each hop to the rules of the first request: the
// redirect limit, the schemes, the target's robots.txt and its host's rate
// limit. The address guard sees the hop when it is dialled.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	// via holds the requests already made, the first of them not a redirect.
	if len(via) > f.maxRedirects {
		return &refusedRedirect{fmt.Errorf("%w: more than %d", ErrTooManyRedirects, f.maxRedirects)}
	}
	if err := checkScheme(req.URL); err != nil {
		return &refusedRedirect{err}
	}
	ctx := req.Context()
	if !f.ignoreRobots && !isRobotsRequest(ctx) {
		if err := f.checkRobots(ctx, req.URL); err != nil {
			return &refusedRedirect{err}
		}
	}
	return f.wait(ctx, req.URL)
}

// Conditional carries the validators of an earlier response, so an
// unchanged resource costs the server a 304 and Heard no parsing.
type Conditional struct {
	ETag         string
	LastModified string
}

// Response is what a fetch learnt. Fetch returns one even when it fails,
// holding what was known by then, so the fetch can be recorded.
type Response struct {
	// URL is the URL asked for; FinalURL the one answered after redirects.
	URL      string
	FinalURL string
	// StatusCode is 0 when no response arrived.
	StatusCode int
	// MediaType is the Content-Type without parameters, sniffed from the
	// body when the server sent none.
	MediaType string
	Body      []byte
	// ETag and LastModified are the response's validators.
	ETag         string
	LastModified string
	// NotModified is true for a 304 answer to a conditional request.
	NotModified bool
	// StartedAt is when the first attempt began, after robots.txt and the
	// host's rate limit allowed it; Duration runs from then to the end of
	// the last attempt, waits between retries included.
	StartedAt time.Time
	Duration  time.Duration
	// Attempts is how many times the request was tried: 1 without
	// retries, 0 when it was refused (robots.txt, ctx) before any try.
	Attempts int
	// Robots are the robots.txt requests this fetch had to make (none when
	// the host's file was cached).
	Robots []RobotsFetch
}

// Fetch GETs rawURL, sending cond's validators. A 304 answer gives a
// Response with NotModified set and no error.
//
// Before the request, the host's robots.txt must allow the URL and its
// rate limit must allow a request; ctx bounds those waits. Network errors,
// 5xx and 429 answers are retried with backoff (or after the server's
// Retry-After); everything else fails at once. Errors wrap
// ErrDisallowedByRobots (and ErrRobotsUnavailable), ErrForbiddenAddress,
// ErrTooLarge, ErrTooManyRedirects, a *StatusError, ctx's error, or the
// transport's.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, cond Conditional) (*Response, error) {
	resp := &Response{URL: rawURL, StartedAt: time.Now()}
	robots := &robotsLog{}
	ctx = context.WithValue(ctx, robotsLogKey{}, robots)
	defer func() {
		resp.Duration = time.Since(resp.StartedAt)
		resp.Robots = robots.list()
	}()

	u, err := url.Parse(rawURL)
	if err != nil {
		return resp, fmt.Errorf("fetch %q: %w", rawURL, err)
	}
	if err := checkScheme(u); err != nil {
		return resp, fmt.Errorf("fetch %q: %w", rawURL, err)
	}
	if !f.ignoreRobots {
		if err := f.checkRobots(ctx, u); err != nil {
			return resp, fmt.Errorf("fetch %s: %w", rawURL, err)
		}
	}
	for attempt := 1; ; attempt++ {
		if err := f.wait(ctx, u); err != nil {
			return resp, fetchError(rawURL, resp.Attempts, err)
		}
		if attempt == 1 {
			resp.StartedAt = time.Now()
		}
		resp.Attempts = attempt
		err := f.attempt(ctx, u, cond, resp)
		if err == nil {
			return resp, nil
		}
		if attempt > f.maxRetries || !retryable(ctx, err) {
			return resp, fetchError(rawURL, attempt, err)
		}
		delay := backoff(attempt, f.retryBase, f.retryMax, f.int64N)
		var se *StatusError
		if errors.As(err, &se) && se.RetryAfter > 0 {
			if se.RetryAfter > f.retryMax {
				return resp, fmt.Errorf("%w; not retried: the server's Retry-After is longer than %v",
					fetchError(rawURL, attempt, err), f.retryMax)
			}
			delay = se.RetryAfter
		}
		if serr := f.sleep(ctx, delay); serr != nil {
			return resp, fmt.Errorf("fetch %s: %w (waiting to retry after %d attempts; last: %v)",
				rawURL, serr, attempt, err)
		}
	}
}

func fetchError(rawURL string, attempts int, err error) error {
	if attempts > 1 {
		return fmt.Errorf("fetch %s: %w (after %d attempts)", rawURL, err, attempts)
	}
	return fmt.Errorf("fetch %s: %w", rawURL, err)
}

// attempt makes one request, within the per-attempt timeout, and records
// its answer in resp.
func (f *Fetcher) attempt(ctx context.Context, u *url.URL, cond Conditional, resp *Response) (err error) {
	resp.FinalURL, resp.StatusCode, resp.MediaType, resp.Body = "", 0, "", nil
	resp.ETag, resp.LastModified, resp.NotModified = "", "", false

	actx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	defer func() { err = f.timedOut(ctx, actx, err) }()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", "text/html, application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")
	if cond.ETag != "" {
		req.Header.Set("If-None-Match", cond.ETag)
	}
	if cond.LastModified != "" {
		req.Header.Set("If-Modified-Since", cond.LastModified)
	}

	hr, err := f.client.Do(req)
	if err != nil {
		if hr != nil {
			// A refused redirect: the last answer is worth recording.
			resp.StatusCode, resp.FinalURL = hr.StatusCode, hr.Request.URL.String()
		}
		return unwrapURLError(err)
	}
	defer hr.Body.Close()
	resp.StatusCode = hr.StatusCode
	resp.FinalURL = hr.Request.URL.String()
	resp.ETag = storableValidator(hr.Header.Get("ETag"))
	resp.LastModified = storableValidator(hr.Header.Get("Last-Modified"))

	if hr.StatusCode == http.StatusNotModified {
		resp.NotModified = true
		return nil
	}
	if hr.ContentLength > f.maxBytes {
		return fmt.Errorf("%w: Content-Length %d exceeds %d bytes", ErrTooLarge, hr.ContentLength, f.maxBytes)
	}
	// One byte past the cap tells an oversized body from one exactly at it.
	// The transport has already undone any gzip, so a small compressed
	// body that inflates past the cap is caught here too.
	body, err := io.ReadAll(io.LimitReader(hr.Body, f.maxBytes+1))
	if err != nil {
		return fmt.Errorf("read body: %w", unwrapURLError(err))
	}
	if int64(len(body)) > f.maxBytes {
		return fmt.Errorf("%w: body exceeds %d bytes", ErrTooLarge, f.maxBytes)
	}
	resp.Body = body
	resp.MediaType = mediaType(hr.Header.Get("Content-Type"), body)
	if hr.StatusCode < 200 || hr.StatusCode > 299 {
		return &StatusError{Code: hr.StatusCode, RetryAfter: retryAfter(hr.Header.Get("Retry-After"), f.now())}
	}
	return nil
}

// timedOut names the fetch timeout in err when that timeout, rather than
// the caller's context, ended a request made under requestCtx. A server
// that drips its answer a byte at a time, or never ends its headers,
// leaves the transport nothing clearer to say than "context deadline
// exceeded"; the record should say which limit ended the request.
func (f *Fetcher) timedOut(ctx, requestCtx context.Context, err error) error {
	if err != nil && ctx.Err() == nil && requestCtx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no complete response within %v: %w", f.timeout, err)
	}
	return err
}

// storableValidator is an ETag or Last-Modified as Heard can keep it. HTTP
// lets header values carry any byte, but PostgreSQL text takes only valid
// UTF-8, and a validator changed to fit would never match again: one that
// does not fit is dropped, so the next fetch is unconditional. Kept, it
// would make recording every successful run of the source fail.
func storableValidator(v string) string {
	if !utf8.ValidString(v) {
		return ""
	}
	return v
}

// retryable reports whether an attempt's error is worth another try: a 5xx
// or 429 answer, or a network failure. Refusals of our own (robots.txt, the
// address guard, the size cap, a redirect not followed), certificate and
// unknown-host errors, and the caller's context ending are final.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code == http.StatusTooManyRequests || (se.Code >= 500 && se.Code <= 599)
	}
	var (
		refused *refusedRedirect
		cert    *tls.CertificateVerificationError
		dns     *net.DNSError
	)
	switch {
	case errors.Is(err, ErrForbiddenAddress), errors.Is(err, ErrTooLarge),
		errors.Is(err, ErrTooManyRedirects), errors.Is(err, ErrDisallowedByRobots),
		errors.Is(err, context.Canceled),
		errors.As(err, &refused), errors.As(err, &cert):
		return false
	case errors.As(err, &dns) && dns.IsNotFound:
		return false
	}
	return true
}

// backoff is the wait before retry number attempt (1 for the first): "full
// jitter", uniform over [0, min(max, base·2^(attempt-1))], so clients that
// failed together do not return together.
func backoff(attempt int, base, maxDelay time.Duration, int64N func(int64) int64) time.Duration {
	if base <= 0 {
		return 0
	}
	ceiling := maxDelay
	if shift := attempt - 1; shift < 62 && base<<shift > 0 && base<<shift>>shift == base {
		ceiling = min(base<<shift, maxDelay)
	}
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(int64N(int64(ceiling) + 1))
}

// retryAfter reads a Retry-After header, in delta-seconds or as an
// HTTP-date; zero when absent, unreadable or already past.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if strings.Trim(h, "0123456789") == "" {
		// delta-seconds; one too large to parse is as good as forever.
		const forever = time.Duration(math.MaxInt64)
		secs, err := strconv.ParseInt(h, 10, 64)
		if err != nil || secs > int64(forever/time.Second) {
			return forever
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func checkScheme(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return errors.New("url has no host")
		}
		return nil
	}
	return fmt.Errorf("scheme %q not allowed: only http and https", u.Scheme)
}

// unwrapURLError drops the *url.Error layer the client adds ("Get
// \"…\": …"), since the caller's message already names the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// mediaType is the Content-Type without its parameters, or the sniffed type
// of body when the header is missing. A header that does not parse is kept
// as far as its first ";", made valid UTF-8 to be storable.
func mediaType(contentType string, body []byte) string {
	if strings.TrimSpace(contentType) == "" {
		contentType = http.DetectContentType(body)
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToValidUTF8(strings.ToLower(strings.TrimSpace(mt)), "\uFFFD")
}
