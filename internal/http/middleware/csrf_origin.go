package middleware

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// originPolicy is CSRF's Origin / Sec-Fetch-Site check.
type originPolicy struct {
	trusted map[string]bool
	proxies []netip.Prefix
}

func newOriginPolicy(trusted []string, proxies []netip.Prefix) *originPolicy {
	p := &originPolicy{trusted: make(map[string]bool, len(trusted))}
	for _, o := range trusted {
		n, ok := normalizeOrigin(strings.TrimSuffix(o, "/"))
		if !ok {
			panic("middleware: CSRF TrustedOrigins holds " + o + ", which is not an origin (scheme://host[:port])")
		}
		p.trusted[n] = true
	}
	for _, pr := range proxies {
		if !pr.IsValid() {
			panic("middleware: CSRF given an invalid trusted proxy prefix")
		}
	}
	p.proxies = unmapPrefixes(proxies)
	return p
}

// allows reports whether r may be an unsafe request of this site. Without
// either header (old clients, curl) it answers true and leaves the decision
// to the token. A repeated header is ambiguous and refused.
func (p *originPolicy) allows(r *http.Request) bool {
	origins := r.Header.Values("Origin")
	sites := r.Header.Values("Sec-Fetch-Site")
	if len(origins) > 1 || len(sites) > 1 {
		return false
	}
	origin, known := "", false
	if len(origins) == 1 {
		var ok bool
		if origin, ok = normalizeOrigin(origins[0]); !ok { // includes "null"
			return false
		}
		known = origin == p.ownOrigin(r) || p.trusted[origin]
		if !known {
			return false
		}
	}
	if len(sites) == 1 {
		switch sites[0] {
		case "same-origin", "none":
		case "same-site":
			return known && p.trusted[origin]
		default: // cross-site, or a value no browser sends
			return false
		}
	}
	return true
}

// ownOrigin is the origin r was sent to: its scheme and Host header. The
// scheme is https when the connection is TLS, or when the TCP peer is a
// trusted proxy whose last X-Forwarded-Proto hop says https; a header from
// anyone else is ignored (Echo's c.Scheme() believes it: GO-2026-6875).
// X-Forwarded-Host is never used; a proxy that rewrites Host needs the public
// origin in TrustedOrigins.
func (p *originPolicy) ownOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || p.forwardedHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + normalizeHost(scheme, r.Host)
}

func (p *originPolicy) forwardedHTTPS(r *http.Request) bool {
	values := r.Header.Values("X-Forwarded-Proto")
	if len(values) == 0 || len(p.proxies) == 0 {
		return false
	}
	peer := parseAddr(r.RemoteAddr, true)
	if !peer.IsValid() || !contains(p.proxies, peer) {
		return false
	}
	last := values[len(values)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(last), "https")
}

// normalizeOrigin returns s as browsers serialize an origin (lower-case
// scheme and host, default port dropped), or false when s is not an http(s)
// origin: "null", a path, a query, credentials, an opaque URL.
func normalizeOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || strings.Contains(s, "#") {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	return scheme + "://" + normalizeHost(scheme, u.Host), true
}

func normalizeHost(scheme, host string) string {
	host = strings.ToLower(host)
	switch {
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		return strings.TrimSuffix(host, ":443")
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		return strings.TrimSuffix(host, ":80")
	}
	return host
}
