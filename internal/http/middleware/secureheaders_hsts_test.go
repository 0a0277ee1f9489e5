package middleware_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

func TestSecureHeadersSendHSTSOnlyOverHTTPS(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	cases := []struct {
		name  string
		tls   bool
		peer  string
		proto []string
		want  bool
	}{
		{"a TLS connection gets HSTS", true, "203.0.113.9:1234", nil, true},
		{"plain HTTP without a proxy gets none", false, "203.0.113.9:1234", nil, false},
		{"a trusted proxy saying https gets HSTS", false, "10.1.2.3:1234", []string{"https"}, true},
		{"a trusted IPv6 proxy saying https gets HSTS", false, "[fd00::1]:1234", []string{"https"}, true},
		{"a trusted proxy saying HTTPS in capitals gets HSTS", false, "10.1.2.3:1234", []string{"HTTPS"}, true},
		{"a trusted proxy saying http gets none", false, "10.1.2.3:1234", []string{"http"}, false},
		{"a trusted proxy without X-Forwarded-Proto gets none", false, "10.1.2.3:1234", nil, false},
		{"the entry the trusted proxy appended wins over a client's", false, "10.1.2.3:1234", []string{"https, http"}, false},
		{"the last header the trusted proxy added wins", false, "10.1.2.3:1234", []string{"http", "https"}, true},
		{"a spoofed X-Forwarded-Proto from an untrusted peer is ignored", false, "203.0.113.9:1234", []string{"https"}, false},
		{"an IPv4-mapped untrusted peer is still untrusted", false, "[::ffff:203.0.113.9]:1234", []string{"https"}, false},
		{"an IPv4-mapped trusted peer is trusted", false, "[::ffff:10.1.2.3]:1234", []string{"https"}, true},
		{"an unparseable peer is untrusted", false, "garbage", []string{"https"}, false},
	}
	cfg := middleware.SecureHeadersStrict()
	cfg.TrustedProxies = proxies
	e := secureHeadersEcho(cfg, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.RemoteAddr = tc.peer
			if tc.tls {
				req.TLS = &tls.ConnectionState{}
			}
			for _, p := range tc.proto {
				req.Header.Add("X-Forwarded-Proto", p)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if got := rec.Header().Get("Strict-Transport-Security") != ""; got != tc.want {
				t.Errorf("HSTS sent = %v, want %v", got, tc.want)
			}
			if got := middleware.RequestIsHTTPS(req, proxies); got != tc.want {
				t.Errorf("RequestIsHTTPS = %v, want %v", got, tc.want)
			}
		})
	}
}
