package middleware_test

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// securityHeaderNames are every header SecureHeaders may set.
var securityHeaderNames = []string{
	"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy",
	"Cross-Origin-Resource-Policy", "Permissions-Policy", "Reporting-Endpoints",
	"Strict-Transport-Security", "Content-Security-Policy", "Content-Security-Policy-Report-Only",
}

var cspNonceInHeader = regexp.MustCompile(`'nonce-([A-Za-z0-9+/]{24})'`)

const strictPolicy = "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'strict-dynamic'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; report-uri /csp-report; report-to csp"

// secureHeadersEcho serves GET / through SecureHeadersWithConfig(cfg); the
// handler records the request context's nonces in seen (when non-nil).
func secureHeadersEcho(cfg middleware.SecureHeadersConfig, seen *[2]string) *echo.Echo {
	e := echo.New()
	e.Use(middleware.SecureHeadersWithConfig(cfg))
	e.GET("/", func(c echo.Context) error {
		if seen != nil {
			ctx := c.Request().Context()
			*seen = [2]string{middleware.CSPNonce(ctx), templ.GetNonce(ctx)}
		}
		return c.String(http.StatusOK, "ok")
	})
	return e
}

// securityHeaders returns the security headers of rec, with the CSP nonce
// replaced by {nonce}; absent headers are absent from the map.
func securityHeaders(t *testing.T, h http.Header) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range securityHeaderNames {
		if vs := h.Values(name); len(vs) > 0 {
			if len(vs) != 1 {
				t.Errorf("%s sent %d times: %q", name, len(vs), vs)
			}
			out[name] = cspNonceInHeader.ReplaceAllString(vs[0], "'nonce-{nonce}'")
		}
	}
	return out
}

func TestSecureHeadersPresetsSendExactlyTheirHeaders(t *testing.T) {
	strict := map[string]string{
		"X-Content-Type-Options":       "nosniff",
		"X-Frame-Options":              "DENY",
		"Referrer-Policy":              "same-origin",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
		"Permissions-Policy":           middleware.DefaultPermissionsPolicy,
		"Reporting-Endpoints":          `csp="/csp-report"`,
		"Strict-Transport-Security":    "max-age=63072000; includeSubDomains",
		"Content-Security-Policy":      strictPolicy,
	}
	with := func(changes map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range strict {
			out[k] = v
		}
		for k, v := range changes {
			if v == "" {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
		return out
	}
	cases := []struct {
		name string
		cfg  middleware.SecureHeadersConfig
		tls  bool
		want map[string]string
	}{
		{"strict over TLS sends every header with HSTS", middleware.SecureHeadersStrict(), true, strict},
		{"strict over plain HTTP leaves HSTS out", middleware.SecureHeadersStrict(), false, with(map[string]string{"Strict-Transport-Security": ""})},
		{"relaxed lets our own origin frame the page", middleware.SecureHeadersRelaxed(), true, with(map[string]string{
			"X-Frame-Options":         "SAMEORIGIN",
			"Content-Security-Policy": strings.Replace(strictPolicy, "frame-ancestors 'none'", "frame-ancestors 'self'", 1),
		})},
		{"dev never sends HSTS, even over TLS", middleware.SecureHeadersDev(), true, with(map[string]string{"Strict-Transport-Security": ""})},
		{"empty sends nothing", middleware.SecureHeadersEmpty(), true, map[string]string{}},
		{"preload is added when asked for", func() middleware.SecureHeadersConfig {
			cfg := middleware.SecureHeadersStrict()
			cfg.HSTSPreload = true
			return cfg
		}(), true, with(map[string]string{"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload"})},
		{"report-only mode uses the report-only header", func() middleware.SecureHeadersConfig {
			cfg := middleware.SecureHeadersStrict()
			cfg.CSPReportOnly = true
			return cfg
		}(), true, with(map[string]string{"Content-Security-Policy": "", "Content-Security-Policy-Report-Only": strictPolicy})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.tls {
				req.TLS = &tls.ConnectionState{}
			}
			rec := httptest.NewRecorder()
			secureHeadersEcho(tc.cfg, nil).ServeHTTP(rec, req)
			got := securityHeaders(t, rec.Header())
			for _, name := range securityHeaderNames {
				if got[name] != tc.want[name] {
					t.Errorf("%s = %q, want %q", name, got[name], tc.want[name])
				}
			}
		})
	}
}

func TestSecureHeadersAreOnResponsesWrittenByTheErrorHandler(t *testing.T) {
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		he := err.(*echo.HTTPError)
		_ = c.JSON(he.Code, map[string]string{"error": "not found", "nonce": middleware.CSPNonce(c.Request().Context())})
	}
	e.Use(middleware.SecureHeadersWithConfig(middleware.SecureHeadersStrict()))
	e.GET("/missing", func(c echo.Context) error { return echo.NewHTTPError(http.StatusNotFound) })
	req := httptest.NewRequest(http.MethodGet, "/missing", nil)
	req.TLS = &tls.ConnectionState{}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d, want 404", rec.Code)
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["error"] != "not found" {
		t.Fatalf("the error handler's JSON is missing: %q (%v)", rec.Body.String(), err)
	}
	got := securityHeaders(t, rec.Header())
	for _, name := range []string{"X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy",
		"Permissions-Policy", "Strict-Transport-Security", "Content-Security-Policy"} {
		if got[name] == "" {
			t.Errorf("%s missing on the error response", name)
		}
	}
	m := cspNonceInHeader.FindStringSubmatch(rec.Header().Get("Content-Security-Policy"))
	if m == nil || body["nonce"] != m[1] {
		t.Errorf("the error handler saw nonce %q, the header carries %q", body["nonce"], m)
	}
}

func TestSecureHeadersGiveEachRequestItsOwnNonce(t *testing.T) {
	var seen [2]string
	e := secureHeadersEcho(middleware.SecureHeadersStrict(), &seen)
	nonces := map[string]bool{}
	for range 50 {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		m := cspNonceInHeader.FindStringSubmatch(rec.Header().Get("Content-Security-Policy"))
		if m == nil {
			t.Fatalf("no nonce in %q", rec.Header().Get("Content-Security-Policy"))
		}
		nonce := m[1]
		if raw, err := base64.StdEncoding.DecodeString(nonce); err != nil || len(raw) < 16 {
			t.Fatalf("nonce %q is not >= 128 bits of standard base64 (%v)", nonce, err)
		}
		if seen[0] != nonce || seen[1] != nonce {
			t.Fatalf("header nonce %q, CSPNonce %q, templ.GetNonce %q: all must agree", nonce, seen[0], seen[1])
		}
		if nonces[nonce] {
			t.Fatalf("nonce %q repeated", nonce)
		}
		nonces[nonce] = true
	}
}

func TestSecureHeadersNonceReachesTemplComponents(t *testing.T) {
	e := echo.New()
	e.Use(middleware.SecureHeaders())
	e.GET("/", func(c echo.Context) error {
		c.Response().WriteHeader(http.StatusOK)
		return templ.JSONScript("data", map[string]int{"n": 1}).Render(c.Request().Context(), c.Response())
	})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	m := cspNonceInHeader.FindStringSubmatch(rec.Header().Get("Content-Security-Policy"))
	if m == nil || !strings.Contains(rec.Body.String(), `nonce="`+m[1]+`"`) {
		t.Errorf("templ rendered %q; want the header's nonce %v", rec.Body.String(), m)
	}
}

func TestSecureHeadersWithoutANoncePolicyPutNoNonceInTheContext(t *testing.T) {
	cfg := middleware.SecureHeadersEmpty()
	cfg.CSP = middleware.NewCSP().DefaultSrc("'self'")
	var seen [2]string
	rec := httptest.NewRecorder()
	secureHeadersEcho(cfg, &seen).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := rec.Header().Get("Content-Security-Policy"); got != "default-src 'self'" {
		t.Errorf("CSP = %q", got)
	}
	if seen != [2]string{} {
		t.Errorf("nonces %q in the context, want none", seen)
	}
}

func TestSecureHeadersLetAHandlerOverrideOneHeaderForItsResponseOnly(t *testing.T) {
	e := echo.New()
	e.Use(middleware.SecureHeaders())
	e.GET("/embed", func(c echo.Context) error {
		c.Response().Header().Set("X-Frame-Options", "SAMEORIGIN")
		c.Response().Header()["Referrer-Policy"][0] = "no-referrer"
		return c.NoContent(http.StatusOK)
	})
	e.GET("/", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/embed", nil))
	if got := rec.Header().Get("X-Frame-Options"); got != "SAMEORIGIN" {
		t.Errorf("override lost: %q", got)
	}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := rec.Header().Get("X-Frame-Options") + " " + rec.Header().Get("Referrer-Policy"); got != "DENY same-origin" {
		t.Errorf("the next response carries %q: an override leaked", got)
	}
}

func TestSecureHeadersSkipperSkipsEverything(t *testing.T) {
	cfg := middleware.SecureHeadersStrict()
	cfg.Skipper = func(echo.Context) bool { return true }
	var seen [2]string
	rec := httptest.NewRecorder()
	secureHeadersEcho(cfg, &seen).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := securityHeaders(t, rec.Header()); len(got) != 0 || seen != [2]string{} {
		t.Errorf("skipped request got headers %v and nonces %q", got, seen)
	}
}

func TestSecureHeadersWithAnInvalidConfigPanicsAtConstruction(t *testing.T) {
	strictWith := func(f func(*middleware.SecureHeadersConfig)) middleware.SecureHeadersConfig {
		cfg := middleware.SecureHeadersStrict()
		f(&cfg)
		return cfg
	}
	cases := []struct {
		name string
		cfg  middleware.SecureHeadersConfig
	}{
		{"an invalid CSP", strictWith(func(c *middleware.SecureHeadersConfig) { c.CSP.ScriptSrc("'self'", "'unsafe-inline'") })},
		{"X-Frame-Options ALLOW-FROM", strictWith(func(c *middleware.SecureHeadersConfig) { c.XFrameOptions = "ALLOW-FROM https://x" })},
		{"a header value with a newline", strictWith(func(c *middleware.SecureHeadersConfig) { c.ReferrerPolicy = "same-origin\r\nX-Evil: 1" })},
		{"a negative HSTS max-age", strictWith(func(c *middleware.SecureHeadersConfig) { c.HSTSMaxAge = -1 })},
		{"includeSubDomains without a max-age", strictWith(func(c *middleware.SecureHeadersConfig) { c.HSTSMaxAge = 0 })},
		{"preload without includeSubDomains", strictWith(func(c *middleware.SecureHeadersConfig) {
			c.HSTSPreload, c.HSTSIncludeSubdomains = true, false
		})},
		{"preload with a max-age under a year", strictWith(func(c *middleware.SecureHeadersConfig) {
			c.HSTSPreload, c.HSTSMaxAge = true, 86400
		})},
		{"an invalid trusted proxy prefix", strictWith(func(c *middleware.SecureHeadersConfig) { c.TrustedProxies = []netip.Prefix{{}} })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			middleware.SecureHeadersWithConfig(tc.cfg)
		})
	}
}
