package middleware_test

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// discardResponseWriter is a reusable ResponseWriter for benchmarks, so they
// measure the middleware rather than httptest.ResponseRecorder.
type discardResponseWriter struct{ h http.Header }

func (w *discardResponseWriter) Header() http.Header         { return w.h }
func (w *discardResponseWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardResponseWriter) WriteHeader(int)             {}

// benchMiddleware runs req through mw b.N times with one reused writer and
// Echo context, so only the middleware's own allocations are counted (Echo
// itself allocates a closure per middleware per request for e.Use).
func benchMiddleware(b *testing.B, mw echo.MiddlewareFunc, req *http.Request) {
	b.Helper()
	h := func(c echo.Context) error { return c.NoContent(http.StatusOK) }
	if mw != nil {
		h = mw(h)
	}
	w := &discardResponseWriter{h: http.Header{}}
	c := echo.New().NewContext(req, w)
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		c.Reset(req, w)
		if err := h(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSecureHeaders(b *testing.B) {
	tlsReq := httptest.NewRequest(http.MethodGet, "/", nil)
	tlsReq.TLS = &tls.ConnectionState{}
	static := middleware.SecureHeadersStrict()
	static.CSP = middleware.NewCSP().DefaultSrc("'self'")
	cases := []struct {
		name string
		mw   echo.MiddlewareFunc
	}{
		{"without middleware (baseline)", nil},
		{"strict with nonce", middleware.SecureHeaders()},
		{"strict with a static policy", middleware.SecureHeadersWithConfig(static)},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) { benchMiddleware(b, tc.mw, tlsReq) })
	}
}
