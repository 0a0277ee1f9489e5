package middleware

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
)

// BodyLimitConfig configures BodyLimit.
type BodyLimitConfig struct {
	Skipper echomw.Skipper
	// Limit is the largest body accepted, in bytes; it must be positive.
	Limit int64
}

// DefaultBodyLimitConfig accepts bodies up to 1 MiB, enough for any form or
// JSON request of Rampart.
var DefaultBodyLimitConfig = BodyLimitConfig{Skipper: echomw.DefaultSkipper, Limit: 1 << 20}

// BodyLimit returns the middleware refusing bodies over limit bytes.
func BodyLimit(limit int64) echo.MiddlewareFunc {
	return BodyLimitWithConfig(BodyLimitConfig{Limit: limit})
}

// BodyLimitWithConfig answers 413 ("The request body is too large (limit 1
// MiB).") at once when Content-Length exceeds Limit, before any handler runs.
// Otherwise the body (chunked ones included) is wrapped with
// http.MaxBytesReader, so reading past Limit fails; a handler whose read hit
// the limit gets 413 whatever error it returned (c.Bind's 400, io.ReadAll's
// *http.MaxBytesError, a 422 from fields that a swallowed parse error left
// empty), or when it returned nil without writing. Echo's BodyLimit is not
// used. A Limit <= 0 panics at construction.
func BodyLimitWithConfig(cfg BodyLimitConfig) echo.MiddlewareFunc {
	if cfg.Limit <= 0 {
		panic("middleware: BodyLimit needs a positive Limit")
	}
	if cfg.Skipper == nil {
		cfg.Skipper = echomw.DefaultSkipper
	}
	limit := cfg.Limit
	msg := "The request body is too large (limit " + bodyLimitSize(limit) + ")."
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper(c) {
				return next(c)
			}
			req := c.Request()
			if req.ContentLength > limit {
				return echo.NewHTTPError(http.StatusRequestEntityTooLarge, msg)
			}
			if req.Body == nil || req.Body == http.NoBody {
				return next(c)
			}
			body := &limitedBody{ReadCloser: http.MaxBytesReader(innermostWriter(c.Response()), req.Body, limit)}
			req.Body = body
			err := next(c)
			var mbe *http.MaxBytesError
			hit := body.hit.Load() || errors.As(err, &mbe)
			if !hit || (err == nil && c.Response().Committed) {
				return err
			}
			// Internal is the MaxBytesError, never the handler's own
			// *echo.HTTPError, which Echo's default error handler would prefer.
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, msg).SetInternal(&http.MaxBytesError{Limit: limit})
		}
	}
}

// limitedBody records whether a read ran past the limit, so the middleware
// can answer 413 even when the handler turned that error into another.
type limitedBody struct {
	io.ReadCloser
	hit atomic.Bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if _, ok := err.(*http.MaxBytesError); ok {
		b.hit.Store(true)
	}
	return n, err
}

// innermostWriter unwraps response writers down to net/http's own, so
// http.MaxBytesReader can tell the server to close the connection instead of
// draining an oversized body.
func innermostWriter(w http.ResponseWriter) http.ResponseWriter {
	for range 16 {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
	return w
}

// bodyLimitSize prints n bytes as people read them: "1 MiB", "64 KiB",
// "1500 bytes".
func bodyLimitSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	case n == 1:
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
