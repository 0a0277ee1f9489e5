package middleware

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

// FuzzCSRFOrigin feeds the origin check arbitrary headers: it must never
// panic, never admit a cross-site request, and admit an Origin only when it
// is the request's own or a trusted one.
func FuzzCSRFOrigin(f *testing.F) {
	p := newOriginPolicy([]string{"https://app.example.com"}, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")})
	f.Add("example.com", "http://example.com", "same-origin", "", "192.0.2.1:1")
	f.Add("example.com", "https://example.com", "", "https", "10.0.0.1:1")
	f.Add("example.com", "https://app.example.com", "same-site", "", "192.0.2.1:1")
	f.Add("example.com", "null", "cross-site", "http, https", "[::1]:1")
	f.Add("EXAMPLE.com:80", "http://example.com:80/", "none", "HTTPS", "garbage")
	f.Fuzz(func(t *testing.T, host, origin, site, proto, peer string) {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.Host, r.RemoteAddr = host, peer
		set := func(name, v string) {
			if v != "" {
				r.Header.Set(name, v)
			}
		}
		set("Origin", origin)
		set("Sec-Fetch-Site", site)
		set("X-Forwarded-Proto", proto)
		if !p.allows(r) {
			return
		}
		if site != "" && site != "same-origin" && site != "none" && site != "same-site" {
			t.Fatalf("Sec-Fetch-Site %q was admitted", site)
		}
		if origin != "" {
			n, ok := normalizeOrigin(origin)
			if !ok || (n != p.ownOrigin(r) && !p.trusted[n]) {
				t.Fatalf("Origin %q was admitted for host %q", origin, host)
			}
		}
	})
}
