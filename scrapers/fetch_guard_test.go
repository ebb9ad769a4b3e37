package scrapers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// TestDialGuardControl classifies addresses by calling the dialer's
// Control function directly; nothing is dialled.
func TestDialGuardControl(t *testing.T) {
	guard := newDialGuard([]string{"127.0.0.1:8089", "[::1]:8089"}, guardedPorts)
	tests := []struct {
		network, addr string
		allowed       bool
	}{
		// Special-purpose IPv4.
		{"tcp4", "10.1.2.3:80", false},
		{"tcp4", "172.16.0.1:443", false},
		{"tcp4", "172.31.255.255:80", false},
		{"tcp4", "192.168.1.1:80", false},
		{"tcp4", "169.254.169.254:80", false}, // cloud metadata
		{"tcp4", "100.64.0.1:80", false},      // CGNAT
		{"tcp4", "127.0.0.1:80", false},
		{"tcp4", "0.0.0.0:80", false},
		{"tcp4", "224.0.0.1:80", false},
		{"tcp4", "255.255.255.255:80", false},
		{"tcp4", "198.18.0.1:80", false},
		// Special-purpose IPv6.
		{"tcp6", "[::1]:80", false},
		{"tcp6", "[::]:80", false},
		{"tcp6", "[fe80::1]:80", false},
		{"tcp6", "[fc00::1]:443", false},
		{"tcp6", "[fd12:3456::1]:443", false},
		{"tcp6", "[ff02::1]:80", false},
		{"tcp6", "[::ffff:127.0.0.1]:80", false},
		{"tcp6", "[::ffff:10.0.0.1]:80", false},
		{"tcp6", "[2001:db8::1]:80", false},
		// Public addresses, on the allowed ports only.
		{"tcp4", "93.184.216.34:80", true},
		{"tcp4", "93.184.216.34:443", true},
		{"tcp4", "93.184.216.34:8080", true},
		{"tcp4", "93.184.216.34:8443", true},
		{"tcp4", "93.184.216.34:22", false},
		{"tcp4", "93.184.216.34:5432", false},
		{"tcp6", "[2606:2800:220:1::1]:443", true},
		{"tcp6", "[2606:2800:220:1::1]:25", false},
		{"udp4", "93.184.216.34:443", false},
		// AllowHosts: exactly the ip:port listed.
		{"tcp4", "127.0.0.1:8089", true},
		{"tcp6", "[::1]:8089", true},
		{"tcp6", "[0:0::1]:8089", true},
		{"tcp4", "127.0.0.1:8090", false},
		{"tcp4", "127.0.0.2:8089", false},
	}
	for _, tt := range tests {
		err := guard.control(tt.network, tt.addr, nil)
		if tt.allowed && err != nil {
			t.Errorf("%s %s refused: %v", tt.network, tt.addr, err)
		}
		if !tt.allowed && !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s %s: err = %v, want ErrForbiddenAddress", tt.network, tt.addr, err)
		}
	}
}

// guardedFetcher is a fetcher with the production transport and address
// guard, except that the guard allows any port: httptest servers listen on
// random ones, and the address, not the port, is what these tests refuse.
// No rate limit, and a fake clock.
func guardedFetcher(t *testing.T, opts FetcherOptions) *Fetcher {
	t.Helper()
	clock := newFakeClock()
	opts.HostInterval, opts.Now = -1, clock.now
	if opts.AllowPrivateNetworks {
		opts.Transport = newTransport(nil)
	} else {
		opts.Transport = newTransport(newDialGuard(opts.AllowHosts, nil))
	}
	f := NewFetcher(opts)
	f.sleep = clock.sleep
	return f
}

// countingServer is a test server that counts its requests and redirects
// /to?u=URL to URL.
func countingServer(t *testing.T) (srv *url.URL, hits *atomic.Int32) {
	t.Helper()
	hits = &atomic.Int32{}
	s := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/to" {
			http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusFound)
			return
		}
		w.Write([]byte("reached"))
	})
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u, hits
}

func TestFetchAddressGuard(t *testing.T) {
	a, aHits := countingServer(t)
	b, bHits := countingServer(t)
	tests := []struct {
		name       string
		opts       FetcherOptions
		url        string
		ok         bool
		aHit, bHit int32
	}{
		{name: "loopback refused", opts: FetcherOptions{IgnoreRobots: true}, url: a.String() + "/"},
		{name: "refused for robots.txt too", url: a.String() + "/"},
		{name: "hostname resolving to loopback", opts: FetcherOptions{IgnoreRobots: true},
			url: "http://localhost:" + a.Port() + "/"},
		{name: "AllowHosts lets that host through", opts: FetcherOptions{AllowHosts: []string{a.Host}},
			url: a.String() + "/", ok: true, aHit: 2}, // robots.txt and the page
		{name: "AllowHosts is exact about the port", opts: FetcherOptions{AllowHosts: []string{a.Host}, IgnoreRobots: true},
			url: b.String() + "/"},
		{name: "redirect to a forbidden address", opts: FetcherOptions{AllowHosts: []string{a.Host}, IgnoreRobots: true},
			url: a.String() + "/to?u=" + url.QueryEscape(b.String()+"/"), aHit: 1},
		{name: "guard off", opts: FetcherOptions{AllowPrivateNetworks: true, IgnoreRobots: true},
			url: a.String() + "/to?u=" + url.QueryEscape(b.String()+"/"), ok: true, aHit: 1, bHit: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aHits.Store(0)
			bHits.Store(0)
			resp, err := guardedFetcher(t, tt.opts).Fetch(context.Background(), tt.url, Conditional{})
			if tt.ok && (err != nil || string(resp.Body) != "reached") {
				t.Errorf("err = %v, body %q; want the page", err, resp.Body)
			}
			if !tt.ok {
				if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), "prohibited IP") {
					t.Fatalf("err = %v, want ErrForbiddenAddress for the IP", err)
				}
				if resp.Attempts > 1 {
					t.Errorf("a refused address was retried: %d attempts", resp.Attempts)
				}
			}
			if aHits.Load() != tt.aHit || bHits.Load() != tt.bHit {
				t.Errorf("requests reaching a: %d, b: %d; want %d, %d", aHits.Load(), bHits.Load(), tt.aHit, tt.bHit)
			}
		})
	}
}

// TestFetchAddressGuardDefault goes through NewFetcher's own guard, as in
// production: zero options refuse a loopback server (here for its port as
// well as its address), name the address, and make no request.
func TestFetchAddressGuardDefault(t *testing.T) {
	a, hits := countingServer(t)
	f := NewFetcher(FetcherOptions{HostInterval: -1})
	resp, err := f.Fetch(context.Background(), a.String()+"/x", Conditional{})
	if !errors.Is(err, ErrForbiddenAddress) || !strings.Contains(err.Error(), a.Host) {
		t.Errorf("err = %v; want ErrForbiddenAddress naming %s", err, a.Host)
	}
	if hits.Load() != 0 || resp.Attempts != 0 {
		t.Errorf("%d requests, %d attempts; want robots.txt refused before any", hits.Load(), resp.Attempts)
	}
	f = NewFetcher(FetcherOptions{HostInterval: -1, AllowHosts: []string{a.Host}})
	if _, err := f.Fetch(context.Background(), a.String()+"/x", Conditional{}); err != nil {
		t.Errorf("AllowHosts %s: %v", a.Host, err)
	}
}

func TestAllowPrivateNetworksFromEnv(t *testing.T) {
	tests := []struct {
		value string
		want  bool
	}{
		{"", false}, {"0", false}, {"false", false}, {"yes", false}, {"2", false},
		{"1", true}, {"true", true}, {"TRUE", true}, {" 1 ", true},
	}
	for _, tt := range tests {
		t.Setenv("HEARD_ALLOW_PRIVATE_NETWORKS", tt.value)
		if got := AllowPrivateNetworksFromEnv(); got != tt.want {
			t.Errorf("HEARD_ALLOW_PRIVATE_NETWORKS=%q: %v, want %v", tt.value, got, tt.want)
		}
	}
}
