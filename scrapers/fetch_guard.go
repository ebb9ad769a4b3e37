package scrapers

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// ErrForbiddenAddress is returned, wrapped with the address, when the
// fetcher refuses to connect to an address: loopback, private, link-local,
// CGNAT, multicast, unspecified or another special-purpose range, IPv4 or
// IPv6, or a port other than 80, 443, 8080 and 8443. Source URLs come from people and
// from redirects, so without the guard a source could make Heard read its
// own network.
var ErrForbiddenAddress = errors.New("forbidden network address")

// guardedPorts are the ports the address guard lets the fetcher dial: the
// web's two and their usual alternates. State agency sites rarely use
// others; one that does needs a change here.
var guardedPorts = []uint16{80, 443, 8080, 8443}

// AllowPrivateNetworksFromEnv reports whether HEARD_ALLOW_PRIVATE_NETWORKS
// asks for the address guard to be off ("1" or "true"), for development
// against sources on the local network.
func AllowPrivateNetworksFromEnv() bool {
	return AllowPrivateNetworks(os.Getenv("HEARD_ALLOW_PRIVATE_NETWORKS"))
}

// AllowPrivateNetworks reads a value of HEARD_ALLOW_PRIVATE_NETWORKS: only
// "1" or "true" lift the guard.
func AllowPrivateNetworks(value string) bool {
	v := strings.TrimSpace(value)
	return v == "1" || strings.EqualFold(v, "true")
}

// dialGuard decides, for each connection, whether its address may be
// dialled. It runs as the dialer's Control function, after name resolution
// and for every hop of a redirect, so neither a hostname that resolves to a
// private address nor a redirect to one gets through.
type dialGuard struct {
	allow    map[string]bool
	guardian *ssrf.Guardian
}

// newDialGuard returns a guard that lets through allowHosts and, of other
// addresses, public ones on ports (any port when ports is empty).
func newDialGuard(allowHosts []string, ports []uint16) *dialGuard {
	g := &dialGuard{
		allow:    map[string]bool{},
		guardian: ssrf.New(ssrf.WithPorts(ports...)),
	}
	for _, h := range allowHosts {
		g.allow[canonicalAddr(h)] = true
	}
	return g
}

// canonicalAddr spells an ip:port the way the dialer does, so "[::1]:80"
// and "[0:0::1]:80" match; anything else is kept as it is.
func canonicalAddr(addr string) string {
	if ap, err := netip.ParseAddrPort(strings.TrimSpace(addr)); err == nil {
		return ap.String()
	}
	return strings.TrimSpace(addr)
}

// control is a net.Dialer Control function.
func (g *dialGuard) control(network, address string, c syscall.RawConn) error {
	if g.allow[canonicalAddr(address)] {
		return nil
	}
	if err := g.guardian.Safe(network, address, c); err != nil {
		return fmt.Errorf("%w %s: %w", ErrForbiddenAddress, address, err)
	}
	return nil
}

// newTransport bounds each stage of a request, so a server that accepts
// the connection and then stalls cannot hold a fetch slot for the whole
// timeout before anything is known, and puts guard (when not nil) in the
// dialer. Proxies from the environment are not used: the guard would see
// only the proxy's address, never the site's.
func newTransport(guard *dialGuard) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if guard != nil {
		d.Control = guard.control
	}
	t.DialContext = d.DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = 15 * time.Second
	return t
}
