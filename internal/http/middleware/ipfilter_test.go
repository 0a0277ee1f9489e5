package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(ss))
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestIPFilter(t *testing.T) {
	cases := []struct {
		name    string
		cfg     middleware.IPFilterConfig
		trusted []netip.Prefix
		peer    string
		xff     string
		want    int
	}{
		{"an address inside the allow list is admitted", middleware.IPFilterConfig{Allow: prefixes("127.0.0.0/8")}, nil, "127.0.0.1:1", "", http.StatusOK},
		{"an address outside the allow list is refused", middleware.IPFilterConfig{Allow: prefixes("127.0.0.0/8")}, nil, "203.0.113.9:1", "", http.StatusForbidden},
		{"the block list wins over the allow list", middleware.IPFilterConfig{Allow: prefixes("10.0.0.0/8"), Block: prefixes("10.1.0.0/16")}, nil, "10.1.2.3:1", "", http.StatusForbidden},
		{"an allowed address outside the block list is admitted", middleware.IPFilterConfig{Allow: prefixes("10.0.0.0/8"), Block: prefixes("10.1.0.0/16")}, nil, "10.2.0.1:1", "", http.StatusOK},
		{"a block list alone admits everyone else", middleware.IPFilterConfig{Block: prefixes("203.0.113.0/24")}, nil, "198.51.100.1:1", "", http.StatusOK},
		{"a block list alone refuses its own addresses", middleware.IPFilterConfig{Block: prefixes("203.0.113.0/24")}, nil, "203.0.113.5:1", "", http.StatusForbidden},
		{"an empty filter admits everyone", middleware.IPFilterConfig{}, nil, "198.51.100.1:1", "", http.StatusOK},
		{"an IPv4-mapped IPv6 client matches an IPv4 allow prefix", middleware.IPFilterConfig{Allow: prefixes("127.0.0.0/8")}, nil, "[::ffff:127.0.0.1]:1", "", http.StatusOK},
		{"an IPv4-mapped allow prefix matches an IPv4 client", middleware.IPFilterConfig{Allow: prefixes("::ffff:10.0.0.0/104")}, nil, "10.0.0.9:1", "", http.StatusOK},
		{"an IPv4-mapped block prefix refuses an IPv4 client", middleware.IPFilterConfig{Block: prefixes("::ffff:10.0.0.0/104")}, nil, "10.0.0.9:1", "", http.StatusForbidden},
		{"an IPv6 address inside an IPv6 allow prefix is admitted", middleware.IPFilterConfig{Allow: prefixes("::1/128")}, nil, "[::1]:1", "", http.StatusOK},
		{"an IPv6 address outside an IPv6 allow prefix is refused", middleware.IPFilterConfig{Allow: prefixes("::1/128")}, nil, "[::2]:1", "", http.StatusForbidden},
		{"an IPv4 client does not match an IPv6-only allow list", middleware.IPFilterConfig{Allow: prefixes("::1/128")}, nil, "127.0.0.1:1", "", http.StatusForbidden},
		{"a spoofed X-Forwarded-For from an untrusted peer cannot get in", middleware.IPFilterConfig{Allow: prefixes("127.0.0.0/8")}, prefixes("10.0.0.0/8"), "203.0.113.9:1", "127.0.0.1", http.StatusForbidden},
		{"a spoofed X-Forwarded-For without any trusted proxy cannot get in", middleware.IPFilterConfig{Allow: prefixes("127.0.0.0/8")}, nil, "203.0.113.9:1", "127.0.0.1", http.StatusForbidden},
		{"an allowed client behind a trusted proxy is admitted", middleware.IPFilterConfig{Allow: prefixes("192.168.0.0/16")}, prefixes("10.0.0.0/8"), "10.0.0.1:1", "192.168.1.5", http.StatusOK},
		{"a trusted proxy inside the allow list does not admit the client it forwards", middleware.IPFilterConfig{Allow: prefixes("10.0.0.0/8")}, prefixes("10.0.0.0/8"), "10.0.0.1:1", "203.0.113.9", http.StatusForbidden},
		{"an unparseable client address is refused", middleware.IPFilterConfig{Block: prefixes("203.0.113.0/24")}, nil, "garbage", "", http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := echo.New()
			e.IPExtractor = middleware.NewIPExtractor(tc.trusted)
			reached := false
			e.GET("/admin", func(c echo.Context) error {
				reached = true
				return c.String(http.StatusOK, "admin")
			}, middleware.IPFilterWithConfig(tc.cfg))
			req := httptest.NewRequest(http.MethodGet, "/admin", nil)
			req.RemoteAddr = tc.peer
			if tc.xff != "" {
				req.Header.Set("X-Forwarded-For", tc.xff)
			}
			rec := serve(e, req)
			if rec.Code != tc.want {
				t.Errorf("status = %d, want %d", rec.Code, tc.want)
			}
			if reached != (tc.want == http.StatusOK) {
				t.Errorf("handler reached = %v with status %d", reached, rec.Code)
			}
		})
	}
}

func TestIPFilterAllowsOnlyTheGivenPrefixes(t *testing.T) {
	e := echo.New()
	e.IPExtractor = middleware.NewIPExtractor(nil)
	e.GET("/", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }, middleware.IPFilter(prefixes("127.0.0.0/8")))
	for peer, want := range map[string]int{"127.0.0.1:1": http.StatusNoContent, "198.51.100.1:1": http.StatusForbidden} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = peer
		if got := serve(e, req).Code; got != want {
			t.Errorf("IPFilter from %s: status %d, want %d", peer, got, want)
		}
	}
}

func TestIPFilterWithAnInvalidPrefixPanicsAtConstruction(t *testing.T) {
	cases := []struct {
		name string
		cfg  middleware.IPFilterConfig
	}{
		{"a zero allow prefix panics", middleware.IPFilterConfig{Allow: []netip.Prefix{{}}}},
		{"a zero block prefix panics", middleware.IPFilterConfig{Block: []netip.Prefix{{}}}},
		{"a zero prefix among valid ones panics", middleware.IPFilterConfig{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), {}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("IPFilterWithConfig did not panic")
				}
			}()
			middleware.IPFilterWithConfig(tc.cfg)
		})
	}
}
