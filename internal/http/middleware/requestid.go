// Package middleware holds Rampart's HTTP middleware. Each piece follows
// Echo's shape: an XxxConfig with a Skipper, a DefaultXxxConfig, Xxx() and
// XxxWithConfig(cfg); an invalid configuration panics at construction (start
// up), never per request.
package middleware

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"log/slog"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"

	"github.com/rampart-dev/rampart/internal/logging"
)

// HeaderRequestID is the request id header, inbound and outbound.
const HeaderRequestID = "X-Request-Id"

// RequestIDConfig configures RequestID.
type RequestIDConfig struct {
	Skipper echomw.Skipper
	// AlwaysGenerate ignores any inbound id: for edges that trust no client.
	AlwaysGenerate bool
	// Generator returns a new id; default: 128 random bits, URL-safe base64 (22 chars).
	Generator func() string
}

// DefaultRequestIDConfig keeps a valid inbound id and generates one otherwise.
var DefaultRequestIDConfig = RequestIDConfig{Skipper: echomw.DefaultSkipper, Generator: NewRequestID}

// requestIDAttr is the log attribute holding the request id.
const requestIDAttr = "request_id"

// RequestID returns the middleware with DefaultRequestIDConfig.
func RequestID() echo.MiddlewareFunc { return RequestIDWithConfig(DefaultRequestIDConfig) }

// RequestIDWithConfig gives every request an id: the inbound X-Request-Id when
// it is 1-128 printable ASCII characters (and AlwaysGenerate is off), else a
// fresh one. The id is set on the response, stored in the request context
// (RequestIDFromContext) and added to every log line logged with that context.
func RequestIDWithConfig(cfg RequestIDConfig) echo.MiddlewareFunc {
	if cfg.Skipper == nil {
		cfg.Skipper = echomw.DefaultSkipper
	}
	if cfg.Generator == nil {
		cfg.Generator = NewRequestID
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper(c) {
				return next(c)
			}
			req := c.Request()
			id := req.Header.Get(HeaderRequestID)
			if cfg.AlwaysGenerate || !ValidRequestID(id) {
				id = cfg.Generator()
			}
			c.Response().Header()[HeaderRequestID] = []string{id}
			// One context value serves both the log lines and
			// RequestIDFromContext.
			c.SetRequest(req.WithContext(logging.WithAttrs(req.Context(), slog.String(requestIDAttr, id))))
			return next(c)
		}
	}
}

// RequestIDFromContext returns the request id stored by RequestID, or "".
func RequestIDFromContext(ctx context.Context) string {
	attrs := logging.Attrs(ctx)
	for i := len(attrs) - 1; i >= 0; i-- {
		if attrs[i].Key == requestIDAttr {
			return attrs[i].Value.String()
		}
	}
	return ""
}

// ValidRequestID reports whether id may be kept: 1 to 128 characters, each
// printable ASCII (0x20-0x7E), so it cannot inject lines or control bytes
// into logs and responses.
func ValidRequestID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// NewRequestID returns 128 random bits as 22 characters of unpadded URL-safe
// base64.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}
