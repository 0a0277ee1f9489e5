package middleware

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"golang.org/x/net/http/httpguts"
)

// CORSConfig configures CORS. Origins are compared exactly (ASCII
// case-insensitively) on scheme://host[:port]: no suffixes, patterns or
// wildcard subdomains, so https://example.com.evil.com never passes for
// https://example.com. "*" alone allows any origin, without credentials.
// The origin "null" (sandboxed frames, file: pages) is never allowed.
type CORSConfig struct {
	Skipper echomw.Skipper
	// AllowOrigins lists the origins, e.g. "https://app.example.com"; empty
	// allows none.
	AllowOrigins []string
	// AllowMethods is sent in preflight answers and a preflight asking for
	// another method fails; empty uses DefaultCORSConfig's list.
	AllowMethods []string
	// AllowHeaders is sent in preflight answers and a preflight asking for a
	// header outside it fails; empty allows only CORS-safelisted headers.
	AllowHeaders []string
	// ExposeHeaders lists the response headers scripts may read.
	ExposeHeaders []string
	// AllowCredentials lets cookies and Authorization cross; never with "*".
	AllowCredentials bool
	// MaxAge is how long, in seconds, browsers may cache a preflight; 0
	// sends no Access-Control-Max-Age (browser default, a few seconds).
	MaxAge int
}

// DefaultCORSConfig allows no origin until AllowOrigins is set (see CORS),
// methods GET HEAD POST PUT PATCH DELETE, the headers the API reads, exposes
// the request id and rate-limit headers, and caches preflights for 10 minutes.
var DefaultCORSConfig = CORSConfig{
	Skipper:       echomw.DefaultSkipper,
	AllowMethods:  []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
	AllowHeaders:  []string{"Authorization", "Content-Type", "X-CSRF-Token", "X-Request-Id"},
	ExposeHeaders: []string{"X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"},
	MaxAge:        600,
}

// CORSPermissive is DefaultCORSConfig allowing any origin, without
// credentials. For local development only: never use it in production,
// where it lets every site on the web call the API from a visitor's browser.
func CORSPermissive() CORSConfig {
	cfg := DefaultCORSConfig
	cfg.AllowOrigins = []string{"*"}
	return cfg
}

// CORS returns the middleware with DefaultCORSConfig allowing origins.
func CORS(origins ...string) echo.MiddlewareFunc {
	cfg := DefaultCORSConfig
	cfg.AllowOrigins = origins
	return CORSWithConfig(cfg)
}

// CORSWithConfig answers cross-origin requests. Every response gets
// Vary: Origin, preflights also Vary: Access-Control-Request-Method,
// Access-Control-Request-Headers, so caches never mix answers. A preflight
// (OPTIONS with Origin and Access-Control-Request-Method) is answered 204
// here without calling the handler: with Allow-Origin, Allow-Methods,
// Allow-Headers, Max-Age and Allow-Credentials when origin, method and
// every requested header are allowed, with no Access-Control-* header
// otherwise (the browser then blocks the request). Other requests from an
// allowed origin get Allow-Origin (the request's origin, or "*" for any
// origin), Allow-Credentials and Expose-Headers, then the handler runs; from
// any other origin the handler runs without them. An origin that is not
// scheme://host[:port] (a path, query, wildcard, "null", non-ASCII host),
// "*" beside other origins or with AllowCredentials, an invalid method or
// header name, or a negative MaxAge panics at construction.
func CORSWithConfig(cfg CORSConfig) echo.MiddlewareFunc {
	cc := newCORS(cfg)
	skipper := cfg.Skipper
	if skipper == nil {
		skipper = echomw.DefaultSkipper
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skipper(c) {
				return next(c)
			}
			if cc.handle(c) {
				return c.NoContent(http.StatusNoContent)
			}
			return next(c)
		}
	}
}

// corsPolicy is the validated, pre-rendered form of a CORSConfig.
type corsPolicy struct {
	anyOrigin   bool
	origins     map[string]struct{} // lower-case scheme://host[:port]
	methods     []string
	headers     []string
	credentials bool
	// Header values, "" when not sent.
	allowMethods, allowHeaders, expose, maxAge string
}

const (
	corsVaryPreflight = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	corsAllowOrigin   = "Access-Control-Allow-Origin"
	corsAllowCreds    = "Access-Control-Allow-Credentials"
)

func newCORS(cfg CORSConfig) *corsPolicy {
	cc := &corsPolicy{origins: map[string]struct{}{}, credentials: cfg.AllowCredentials}
	for _, o := range cfg.AllowOrigins {
		if o == "*" {
			cc.anyOrigin = true
			continue
		}
		cc.origins[normaliseCORSOrigin(o)] = struct{}{}
	}
	switch {
	case cc.anyOrigin && len(cc.origins) > 0:
		panic("middleware: CORS origin \"*\" must stand alone")
	case cc.anyOrigin && cfg.AllowCredentials:
		panic("middleware: CORS cannot allow credentials from any origin (\"*\"); list the origins")
	case cfg.MaxAge < 0:
		panic("middleware: CORS MaxAge is negative")
	}
	methods := cfg.AllowMethods
	if len(methods) == 0 {
		methods = DefaultCORSConfig.AllowMethods
	}
	for _, m := range methods {
		if !httpguts.ValidHeaderFieldName(m) { // a method is an HTTP token, as a header name is
			panic(fmt.Sprintf("middleware: CORS method %q is not a valid token", m))
		}
		cc.methods = append(cc.methods, strings.ToUpper(m))
	}
	for _, h := range append(append([]string{}, cfg.AllowHeaders...), cfg.ExposeHeaders...) {
		if !httpguts.ValidHeaderFieldName(h) {
			panic(fmt.Sprintf("middleware: CORS header %q is not a valid header name", h))
		}
	}
	cc.headers = append([]string{}, cfg.AllowHeaders...)
	cc.allowMethods = strings.Join(cc.methods, ", ")
	cc.allowHeaders = strings.Join(cfg.AllowHeaders, ", ")
	cc.expose = strings.Join(cfg.ExposeHeaders, ", ")
	if cfg.MaxAge > 0 {
		cc.maxAge = strconv.Itoa(cfg.MaxAge)
	}
	return cc
}

// handle sets the CORS headers for c and reports whether c is a preflight,
// which the middleware answers itself.
func (cc *corsPolicy) handle(c echo.Context) (preflight bool) {
	req := c.Request()
	h := c.Response().Header()
	origin := req.Header.Get("Origin")
	method := req.Header.Get("Access-Control-Request-Method")
	preflight = req.Method == http.MethodOptions && origin != "" && method != ""
	allow := cc.allowOrigin(origin)
	if preflight && !(cc.methodAllowed(method) && cc.headersAllowed(req.Header.Values("Access-Control-Request-Headers"))) {
		allow = ""
	}
	w := headerWriter{h: h, vals: make([]string, 0, 7)}
	if preflight {
		w.vary(corsVaryPreflight)
	} else {
		w.vary("Origin")
	}
	if allow == "" {
		return preflight
	}
	w.set(corsAllowOrigin, allow)
	if cc.credentials {
		w.set(corsAllowCreds, "true")
	}
	if !preflight {
		w.set("Access-Control-Expose-Headers", cc.expose)
		return false
	}
	w.set("Access-Control-Allow-Methods", cc.allowMethods)
	w.set("Access-Control-Allow-Headers", cc.allowHeaders)
	w.set("Access-Control-Max-Age", cc.maxAge)
	return true
}

// methodAllowed compares exactly: methods are case-sensitive, and browsers
// send a non-standard casing ("patch") as written.
func (cc *corsPolicy) methodAllowed(m string) bool {
	for _, a := range cc.methods {
		if a == m {
			return true
		}
	}
	return false
}

// headersAllowed reports whether every header named in the
// Access-Control-Request-Headers values is in AllowHeaders.
func (cc *corsPolicy) headersAllowed(values []string) bool {
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			item = strings.TrimSpace(item)
			if item != "" && !cc.headerAllowed(item) {
				return false
			}
		}
	}
	return true
}

func (cc *corsPolicy) headerAllowed(name string) bool {
	for _, a := range cc.headers {
		if strings.EqualFold(a, name) {
			return true
		}
	}
	return false
}
