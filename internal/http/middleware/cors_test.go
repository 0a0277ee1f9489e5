package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

var corsHeaderNames = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age",
}

const (
	defaultExpose   = "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
	defaultMethods  = "GET, HEAD, POST, PUT, PATCH, DELETE"
	defaultHeaders  = "Authorization, Content-Type, X-CSRF-Token, X-Request-Id"
	preflightVary   = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	appOrigin       = "https://example.com"
	secondAppOrigin = "http://localhost:5173"
)

// corsEcho serves /api through CORSWithConfig(cfg) for every method; the
// handler counts its calls in reached.
func corsEcho(cfg middleware.CORSConfig, reached *int) *echo.Echo {
	e := echo.New()
	e.Use(middleware.CORSWithConfig(cfg))
	e.Any("/api", func(c echo.Context) error {
		*reached++
		return c.String(http.StatusOK, "ok")
	})
	return e
}

func credentialed() middleware.CORSConfig {
	cfg := middleware.DefaultCORSConfig
	cfg.AllowOrigins = []string{appOrigin, secondAppOrigin}
	cfg.AllowCredentials = true
	return cfg
}

func TestCORS(t *testing.T) {
	type request struct {
		method, origin, reqMethod, reqHeaders string
	}
	get := func(origin string) request { return request{http.MethodGet, origin, "", ""} }
	preflight := func(origin, method, headers string) request {
		return request{http.MethodOptions, origin, method, headers}
	}
	allowedGet := map[string]string{
		"Access-Control-Allow-Origin": appOrigin, "Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers": defaultExpose,
	}
	allowedPreflight := map[string]string{
		"Access-Control-Allow-Origin": appOrigin, "Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods": defaultMethods, "Access-Control-Allow-Headers": defaultHeaders,
		"Access-Control-Max-Age": "600",
	}
	none := map[string]string{}
	cases := []struct {
		name        string
		cfg         middleware.CORSConfig
		req         request
		wantStatus  int
		wantReached bool
		wantVary    string
		want        map[string]string
	}{
		{"an allowed origin may read the response", credentialed(), get(appOrigin), 200, true, "Origin", allowedGet},
		{"a second allowed origin with a port may read it", credentialed(), get(secondAppOrigin), 200, true, "Origin", map[string]string{
			"Access-Control-Allow-Origin": secondAppOrigin, "Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": defaultExpose}},
		{"an origin differing only in case matches and is echoed as sent", credentialed(), get("HTTPS://Example.COM"), 200, true, "Origin", map[string]string{
			"Access-Control-Allow-Origin": "HTTPS://Example.COM", "Access-Control-Allow-Credentials": "true", "Access-Control-Expose-Headers": defaultExpose}},
		{"a look-alike domain gets nothing", credentialed(), get("https://evil-example.com"), 200, true, "Origin", none},
		{"a suffix attack gets nothing", credentialed(), get("https://example.com.evil.com"), 200, true, "Origin", none},
		{"a subdomain gets nothing", credentialed(), get("https://api.example.com"), 200, true, "Origin", none},
		{"the same host over http gets nothing", credentialed(), get("http://example.com"), 200, true, "Origin", none},
		{"the same host on another port gets nothing", credentialed(), get("https://example.com:8443"), 200, true, "Origin", none},
		{"an origin with a trailing slash gets nothing", credentialed(), get("https://example.com/"), 200, true, "Origin", none},
		{"the null origin gets nothing", credentialed(), get("null"), 200, true, "Origin", none},
		{"a request without Origin gets no CORS header but still Vary", credentialed(), get(""), 200, true, "Origin", none},
		{"an allowed preflight is answered here", credentialed(),
			preflight(appOrigin, "DELETE", "content-type, x-csrf-token"), 204, false, preflightVary, allowedPreflight},
		{"a preflight from a disallowed origin gets no CORS header", credentialed(),
			preflight("https://example.com.evil.com", "DELETE", ""), 204, false, preflightVary, none},
		{"a preflight from the null origin gets no CORS header", credentialed(),
			preflight("null", "POST", ""), 204, false, preflightVary, none},
		{"a preflight for a method not allowed gets no CORS header", credentialed(),
			preflight(appOrigin, "PROPFIND", ""), 204, false, preflightVary, none},
		{"a preflight for a lower-case method gets no CORS header", credentialed(),
			preflight(appOrigin, "patch", ""), 204, false, preflightVary, none},
		{"a preflight for a header not allowed gets no CORS header", credentialed(),
			preflight(appOrigin, "POST", "content-type, x-secret"), 204, false, preflightVary, none},
		{"a preflight header list in odd case and spacing is accepted", credentialed(),
			preflight(appOrigin, "PUT", " AUTHORIZATION ,,x-request-id"), 204, false, preflightVary, allowedPreflight},
		{"OPTIONS without Access-Control-Request-Method is an ordinary request", credentialed(),
			request{http.MethodOptions, appOrigin, "", ""}, 200, true, "Origin", allowedGet},
		{"any origin gets a star and no credentials", middleware.CORSPermissive(), get("https://anything.example"), 200, true, "Origin", map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": defaultExpose}},
		{"any origin answers preflights with a star", middleware.CORSPermissive(), preflight("https://anything.example", "POST", "content-type"), 204, false, preflightVary, map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": defaultMethods,
			"Access-Control-Allow-Headers": defaultHeaders, "Access-Control-Max-Age": "600"}},
		{"any origin still refuses the null origin", middleware.CORSPermissive(), get("null"), 200, true, "Origin", none},
		{"no configured origin allows nothing", middleware.DefaultCORSConfig, get(appOrigin), 200, true, "Origin", none},
		{"a config without methods, headers or max-age uses default methods only",
			middleware.CORSConfig{AllowOrigins: []string{appOrigin}}, preflight(appOrigin, "PATCH", ""), 204, false, preflightVary, map[string]string{
				"Access-Control-Allow-Origin": appOrigin, "Access-Control-Allow-Methods": defaultMethods}},
		{"a config without allowed headers refuses a preflight asking for one",
			middleware.CORSConfig{AllowOrigins: []string{appOrigin}}, preflight(appOrigin, "POST", "content-type"), 204, false, preflightVary, none},
		{"a configured default port matches the origin browsers send",
			middleware.CORSConfig{AllowOrigins: []string{"HTTPS://Example.com:443"}}, get(appOrigin), 200, true, "Origin", map[string]string{
				"Access-Control-Allow-Origin": appOrigin}},
		{"an IPv6 origin matches", middleware.CORSConfig{AllowOrigins: []string{"http://[::1]:8080"}}, get("http://[::1]:8080"), 200, true, "Origin", map[string]string{
			"Access-Control-Allow-Origin": "http://[::1]:8080"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reached := 0
			req := httptest.NewRequest(tc.req.method, "/api", nil)
			if tc.req.origin != "" {
				req.Header.Set("Origin", tc.req.origin)
			}
			if tc.req.reqMethod != "" {
				req.Header.Set("Access-Control-Request-Method", tc.req.reqMethod)
			}
			if tc.req.reqHeaders != "" {
				req.Header.Set("Access-Control-Request-Headers", tc.req.reqHeaders)
			}
			rec := httptest.NewRecorder()
			corsEcho(tc.cfg, &reached).ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || (reached == 1) != tc.wantReached {
				t.Errorf("status %d, handler reached %d times; want %d, reached %v", rec.Code, reached, tc.wantStatus, tc.wantReached)
			}
			if got := strings.Join(rec.Header().Values("Vary"), ", "); got != tc.wantVary {
				t.Errorf("Vary = %q, want %q", got, tc.wantVary)
			}
			for _, name := range corsHeaderNames {
				if got := strings.Join(rec.Header().Values(name), "|"); got != tc.want[name] {
					t.Errorf("%s = %q, want %q", name, got, tc.want[name])
				}
			}
		})
	}
}

func TestCORSKeepsVaryValuesSetBefore(t *testing.T) {
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Response().Header().Add("Vary", "Accept-Encoding")
			return next(c)
		}
	}, middleware.CORS(appOrigin), middleware.CORS(appOrigin))
	e.GET("/api", func(c echo.Context) error { return c.NoContent(http.StatusOK) })
	req := httptest.NewRequest(http.MethodGet, "/api", nil)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if got := strings.Join(rec.Header().Values("Vary"), ", "); got != "Accept-Encoding, Origin" {
		t.Errorf("Vary = %q", got)
	}
}

func TestCORSHeadersAreOnErrorResponses(t *testing.T) {
	e := echo.New()
	e.Use(middleware.CORS(appOrigin))
	e.GET("/api", func(c echo.Context) error { return echo.NewHTTPError(http.StatusUnauthorized) })
	req := httptest.NewRequest(http.MethodGet, "/api", nil)
	req.Header.Set("Origin", appOrigin)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("Access-Control-Allow-Origin") != appOrigin {
		t.Errorf("status %d, Allow-Origin %q: the client could not read the error", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
}

func TestCORSSkipperSkipsEverything(t *testing.T) {
	cfg := credentialed()
	cfg.Skipper = func(echo.Context) bool { return true }
	reached := 0
	req := httptest.NewRequest(http.MethodOptions, "/api", nil)
	req.Header.Set("Origin", appOrigin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	rec := httptest.NewRecorder()
	corsEcho(cfg, &reached).ServeHTTP(rec, req)
	if reached != 1 || len(rec.Header().Values("Vary")) != 0 || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("skipped preflight: reached %d, headers %v", reached, rec.Header())
	}
}

func TestCORSWithAnInvalidConfigPanicsAtConstruction(t *testing.T) {
	origins := func(o ...string) middleware.CORSConfig { return middleware.CORSConfig{AllowOrigins: o} }
	cases := []struct {
		name string
		cfg  middleware.CORSConfig
	}{
		{"credentials with any origin", middleware.CORSConfig{AllowOrigins: []string{"*"}, AllowCredentials: true}},
		{"a star beside other origins", origins("*", appOrigin)},
		{"a wildcard subdomain", origins("https://*.example.com")},
		{"an origin with a path", origins("https://example.com/app")},
		{"an origin with a trailing slash", origins("https://example.com/")},
		{"an origin with a query", origins("https://example.com?x=1")},
		{"an origin with an empty query", origins("https://example.com?")},
		{"an origin with a fragment", origins("https://example.com#top")},
		{"an origin with user info", origins("https://user@example.com")},
		{"an origin without a scheme", origins("example.com")},
		{"an origin without a host", origins("https://")},
		{"an origin with a bad port", origins("https://example.com:99999")},
		{"an origin with a non-numeric port", origins("https://example.com:http")},
		{"an origin with a space", origins("https://example.com ")},
		{"an origin with a Unicode host", origins("https://exämple.com")},
		{"the null origin", origins("null")},
		{"an empty origin", origins("")},
		{"a negative max-age", middleware.CORSConfig{MaxAge: -1}},
		{"an invalid method", middleware.CORSConfig{AllowMethods: []string{"GET POST"}}},
		{"an invalid allowed header", middleware.CORSConfig{AllowHeaders: []string{"X-Bad: 1"}}},
		{"an invalid exposed header", middleware.CORSConfig{ExposeHeaders: []string{"X-Bad\n"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			middleware.CORSWithConfig(tc.cfg)
		})
	}
}

func BenchmarkCORS(b *testing.B) {
	mw := middleware.CORSWithConfig(credentialed())
	request := func(method, origin, reqMethod string) *http.Request {
		req := httptest.NewRequest(method, "/api", nil)
		req.Header.Set("Origin", origin)
		if reqMethod != "" {
			req.Header.Set("Access-Control-Request-Method", reqMethod)
			req.Header.Set("Access-Control-Request-Headers", "content-type, x-csrf-token")
		}
		return req
	}
	b.Run("allowed request", func(b *testing.B) { benchMiddleware(b, mw, request(http.MethodGet, appOrigin, "")) })
	b.Run("disallowed request", func(b *testing.B) { benchMiddleware(b, mw, request(http.MethodGet, "https://evil.example", "")) })
	b.Run("allowed preflight", func(b *testing.B) { benchMiddleware(b, mw, request(http.MethodOptions, appOrigin, "POST")) })
}
