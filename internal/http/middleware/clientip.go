package middleware

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"
)

// NewIPExtractor returns the one client-IP function of the application, set
// as e.IPExtractor so c.RealIP() uses it everywhere (rate limits, logs,
// filters). The client is the TCP peer, unless the peer is inside trusted:
// then X-Forwarded-For is walked from the right, skipping trusted hops, and
// the first untrusted address is the client. A malformed hop stops the walk
// at the last good address. Echo's default, which believes any
// X-Forwarded-For (GO-2026-6872), is never used.
func NewIPExtractor(trusted []netip.Prefix) echo.IPExtractor {
	return func(r *http.Request) string {
		return ClientIP(r, trusted).String()
	}
}

// ClientIP implements NewIPExtractor's rule and returns the address
// (IPv4-mapped IPv6 addresses unmapped). An unparseable peer address (never
// the case with net/http) yields the zero Addr.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := parseAddr(r.RemoteAddr, true)
	if !peer.IsValid() || !contains(trusted, peer) {
		return peer
	}
	client := peer
	values := r.Header.Values("X-Forwarded-For")
	for i := len(values) - 1; i >= 0; i-- {
		hops := strings.Split(values[i], ",")
		for j := len(hops) - 1; j >= 0; j-- {
			hop := parseAddr(strings.TrimSpace(hops[j]), false)
			if !hop.IsValid() {
				return client
			}
			client = hop
			if !contains(trusted, hop) {
				return hop
			}
		}
	}
	return client
}

func parseAddr(s string, withPort bool) netip.Addr {
	if withPort {
		if host, _, err := net.SplitHostPort(s); err == nil {
			s = host
		}
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}
	}
	return a.Unmap()
}

func contains(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
