package scrapers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultUserAgent names Heard to the sites it reads, with a page to learn
// why it calls, so an operator who sees it in a log can find us.
const DefaultUserAgent = "HeardBot/0.1 (+https://github.com/heard; ESSA engagement tracker)"

// The fetcher's defaults, used for zero FetcherOptions fields.
const (
	DefaultFetchTimeout = 30 * time.Second
	DefaultMaxBytes     = 10 << 20
	DefaultMaxRedirects = 5
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
}

// Error says which status the server answered.
func (e *StatusError) Error() string {
	return fmt.Sprintf("http status %d %s", e.Code, http.StatusText(e.Code))
}

// FetcherOptions configure a Fetcher; zero fields take the defaults.
type FetcherOptions struct {
	// UserAgent is sent with every request; default DefaultUserAgent.
	UserAgent string
	// Timeout bounds a whole request, body included; default 30s.
	Timeout time.Duration
	// MaxBytes caps a body; default 10 MiB.
	MaxBytes int64
	// MaxRedirects is how many redirects a fetch follows; default 5.
	MaxRedirects int
	// Transport replaces the default transport, for tests.
	Transport http.RoundTripper
}

// Fetcher makes the HTTP requests of the scrapers: one identifying user
// agent, conditional requests, bounded time, bounded bodies and redirects.
type Fetcher struct {
	client       *http.Client
	userAgent    string
	timeout      time.Duration
	maxBytes     int64
	maxRedirects int
}

// NewFetcher returns a Fetcher with opts, defaults filled in.
func NewFetcher(opts FetcherOptions) *Fetcher {
	f := &Fetcher{
		userAgent:    opts.UserAgent,
		timeout:      opts.Timeout,
		maxBytes:     opts.MaxBytes,
		maxRedirects: opts.MaxRedirects,
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
	rt := opts.Transport
	if rt == nil {
		rt = defaultTransport()
	}
	f.client = &http.Client{Transport: rt, CheckRedirect: f.checkRedirect}
	return f
}

// defaultTransport bounds each stage of a request, so a server that accepts
// the connection and then stalls cannot hold a fetch slot for the whole
// timeout before anything is known.
func defaultTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 15 * time.Second
	return t
}

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	// via holds the requests already made, the first of them not a redirect.
	if len(via) > f.maxRedirects {
		return fmt.Errorf("%w: more than %d", ErrTooManyRedirects, f.maxRedirects)
	}
	if err := checkScheme(req.URL); err != nil {
		return err
	}
	return nil
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
	StartedAt   time.Time
	Duration    time.Duration
}

// Fetch GETs rawURL, sending cond's validators. A 304 answer gives a
// Response with NotModified set and no error. Errors are ErrTooLarge,
// ErrTooManyRedirects (both wrapped), *StatusError, or the transport's.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, cond Conditional) (*Response, error) {
	resp := &Response{URL: rawURL, StartedAt: time.Now()}
	defer func() { resp.Duration = time.Since(resp.StartedAt) }()

	u, err := url.Parse(rawURL)
	if err != nil {
		return resp, fmt.Errorf("fetch %q: %w", rawURL, err)
	}
	if err := checkScheme(u); err != nil {
		return resp, fmt.Errorf("fetch %q: %w", rawURL, err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return resp, fmt.Errorf("fetch %s: %w", rawURL, err)
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
		return resp, fmt.Errorf("fetch %s: %w", rawURL, unwrapURLError(err))
	}
	defer hr.Body.Close()
	resp.StatusCode = hr.StatusCode
	resp.FinalURL = hr.Request.URL.String()
	resp.ETag = hr.Header.Get("ETag")
	resp.LastModified = hr.Header.Get("Last-Modified")

	if hr.StatusCode == http.StatusNotModified {
		resp.NotModified = true
		return resp, nil
	}
	if hr.ContentLength > f.maxBytes {
		return resp, fmt.Errorf("fetch %s: %w: Content-Length %d exceeds %d bytes",
			rawURL, ErrTooLarge, hr.ContentLength, f.maxBytes)
	}
	// One byte past the cap tells an oversized body from one exactly at it.
	body, err := io.ReadAll(io.LimitReader(hr.Body, f.maxBytes+1))
	if err != nil {
		return resp, fmt.Errorf("fetch %s: read body: %w", rawURL, unwrapURLError(err))
	}
	if int64(len(body)) > f.maxBytes {
		return resp, fmt.Errorf("fetch %s: %w: body exceeds %d bytes", rawURL, ErrTooLarge, f.maxBytes)
	}
	resp.Body = body
	resp.MediaType = mediaType(hr.Header.Get("Content-Type"), body)
	if hr.StatusCode < 200 || hr.StatusCode > 299 {
		return resp, fmt.Errorf("fetch %s: %w", rawURL, &StatusError{Code: hr.StatusCode})
	}
	return resp, nil
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
// of body when the header is missing.
func mediaType(contentType string, body []byte) string {
	if strings.TrimSpace(contentType) == "" {
		contentType = http.DetectContentType(body)
	}
	if mt, _, err := mime.ParseMediaType(contentType); err == nil {
		return mt
	}
	mt, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}
