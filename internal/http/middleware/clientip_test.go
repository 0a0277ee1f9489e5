package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// testTrusted are the proxies the ClientIP tests believe.
var testTrusted = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("2001:db8:1::/48"),
}

func TestClientIP(t *testing.T) {
	cases := []struct {
		name    string
		trusted []netip.Prefix
		peer    string
		xff     []string // one element per X-Forwarded-For header line
		want    string
	}{
		{"an untrusted peer without X-Forwarded-For is the client", testTrusted, "203.0.113.7:4444", nil, "203.0.113.7"},
		{"an untrusted peer's X-Forwarded-For is ignored", testTrusted, "203.0.113.7:4444", []string{"198.51.100.1"}, "203.0.113.7"},
		{"an untrusted peer cannot spoof a loopback client", testTrusted, "203.0.113.9:1", []string{"127.0.0.1"}, "203.0.113.9"},
		{"an untrusted peer cannot spoof a trusted hop to get its header believed", testTrusted, "203.0.113.9:1", []string{"127.0.0.1, 10.0.0.2"}, "203.0.113.9"},
		{"with no trusted proxies the header is never believed", nil, "10.0.0.1:1", []string{"198.51.100.1"}, "10.0.0.1"},
		{"a trusted peer without X-Forwarded-For is the client", testTrusted, "10.0.0.1:1234", nil, "10.0.0.1"},
		{"a trusted peer's single hop is the client", testTrusted, "10.0.0.1:1234", []string{"198.51.100.1"}, "198.51.100.1"},
		{"the right-most untrusted hop is the client", testTrusted, "10.0.0.1:1234", []string{"198.51.100.1, 203.0.113.5, 10.0.0.2"}, "203.0.113.5"},
		{"hops spoofed left of the real client are ignored", testTrusted, "10.0.0.1:1234", []string{"127.0.0.1, 203.0.113.5"}, "203.0.113.5"},
		{"several header lines are walked as one list", testTrusted, "10.0.0.1:1234", []string{"198.51.100.1", "203.0.113.5, 10.0.0.3"}, "203.0.113.5"},
		{"the walk crosses header lines when the last line is all trusted", testTrusted, "10.0.0.1:1234", []string{"198.51.100.1", "10.0.0.3"}, "198.51.100.1"},
		{"when every hop is trusted the left-most is the client", testTrusted, "10.0.0.1:1234", []string{"10.0.0.5, 10.0.0.4"}, "10.0.0.5"},
		{"a malformed hop stops the walk at the last good hop", testTrusted, "10.0.0.1:1234", []string{"198.51.100.1, not-an-ip, 10.0.0.4"}, "10.0.0.4"},
		{"a malformed right-most hop leaves the peer as the client", testTrusted, "10.0.0.1:1234", []string{"198.51.100.1, not-an-ip"}, "10.0.0.1"},
		{"a hop with a port is malformed", testTrusted, "10.0.0.1:1234", []string{"198.51.100.1:80"}, "10.0.0.1"},
		{"an empty hop is malformed", testTrusted, "10.0.0.1:1234", []string{"198.51.100.1, , 10.0.0.4"}, "10.0.0.4"},
		{"a hop with a zone is malformed", testTrusted, "10.0.0.1:1234", []string{"fe80::1%eth0"}, "10.0.0.1"},
		{"spaces around hops are ignored", testTrusted, "10.0.0.1:1234", []string{"  198.51.100.1  ,10.0.0.4 "}, "198.51.100.1"},
		{"an untrusted IPv6 peer with brackets and port is the client", testTrusted, "[2001:db8::1]:443", []string{"198.51.100.1"}, "2001:db8::1"},
		{"a trusted IPv6 peer's IPv6 hop is the client", testTrusted, "[2001:db8:1::5]:443", []string{"2001:db8:2::9"}, "2001:db8:2::9"},
		{"a bracketed IPv6 hop is accepted", testTrusted, "[2001:db8:1::5]:443", []string{"[2001:db8:2::9]"}, "2001:db8:2::9"},
		{"a trusted IPv6 peer's IPv4 hop is the client", testTrusted, "[2001:db8:1::5]:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"an IPv4-mapped peer is trusted as its IPv4 address", testTrusted, "[::ffff:10.0.0.1]:1234", []string{"198.51.100.1"}, "198.51.100.1"},
		{"an untrusted IPv4-mapped peer is returned unmapped", testTrusted, "[::ffff:203.0.113.9]:1234", []string{"127.0.0.1"}, "203.0.113.9"},
		{"an IPv4-mapped hop is returned unmapped", testTrusted, "10.0.0.1:1234", []string{"::ffff:198.51.100.1"}, "198.51.100.1"},
		{"a peer without a port is still parsed", testTrusted, "203.0.113.7", nil, "203.0.113.7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			got := middleware.ClientIP(req, tc.trusted)
			if got.String() != tc.want {
				t.Errorf("ClientIP = %v, want %s", got, tc.want)
			}
			if ext := middleware.NewIPExtractor(tc.trusted)(req); ext != tc.want {
				t.Errorf("NewIPExtractor(...)(req) = %q, want %q", ext, tc.want)
			}
		})
	}
}

func TestClientIPWithAnUnparseablePeerIsInvalid(t *testing.T) {
	for _, peer := range []string{"", "garbage", "[fe80::1%eth0]:80"} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = peer
		req.Header.Set("X-Forwarded-For", "198.51.100.1")
		if got := middleware.ClientIP(req, []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}); got.IsValid() {
			t.Errorf("ClientIP with peer %q = %v, want the zero Addr", peer, got)
		}
	}
}

// hopAddrs parses every comma-separated token of an X-Forwarded-For value the
// lenient way a reader would: spaces and brackets stripped, IPv4-mapped
// addresses unmapped.
func hopAddrs(xff string) []netip.Addr {
	var out []netip.Addr
	for tok := range strings.SplitSeq(xff, ",") {
		tok = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(tok), "["), "]")
		if a, err := netip.ParseAddr(tok); err == nil {
			out = append(out, a.Unmap())
		}
	}
	return out
}

func FuzzClientIP(f *testing.F) {
	for _, s := range []string{
		"", "198.51.100.1", "198.51.100.1, 10.0.0.2", "10.0.0.5, 10.0.0.4", "x, 10.0.0.4",
		"[2001:db8::1]", "::ffff:1.2.3.4", "fe80::1%eth0", ",,,", "1.2.3.4:80", "[", "]", "[[::1]]",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, xff string, trustedPeer bool) {
		peer := netip.MustParseAddr("203.0.113.9")
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = "203.0.113.9:5555"
		if trustedPeer {
			peer = netip.MustParseAddr("10.0.0.1")
			req.RemoteAddr = "10.0.0.1:5555"
		}
		req.Header["X-Forwarded-For"] = []string{xff}

		got := middleware.ClientIP(req, testTrusted)
		if !trustedPeer && got != peer {
			t.Fatalf("untrusted peer: ClientIP = %v, want the peer %v", got, peer)
		}
		if got == peer {
			return
		}
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() {
			t.Fatalf("ClientIP = %#v: want a valid, unzoned, unmapped address", got)
		}
		for _, a := range hopAddrs(xff) {
			if a == got {
				return
			}
		}
		t.Fatalf("ClientIP = %v: neither the peer nor an address in X-Forwarded-For %q", got, xff)
	})
}
