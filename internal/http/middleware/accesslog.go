package middleware

import (
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"

	"github.com/rampart-dev/rampart/internal/logging"
)

// AccessLogConfig configures AccessLog.
type AccessLogConfig struct {
	Skipper echomw.Skipper
	// Logger receives one Info line per request (Warn for 5xx).
	Logger *slog.Logger
	// SensitiveParams are query parameter names (case-insensitive) whose
	// values are replaced by [REDACTED], in addition to every name that
	// logging.IsSensitiveKey matches.
	SensitiveParams []string
}

// DefaultSensitiveParams are redacted in every access log line.
var DefaultSensitiveParams = []string{
	"password", "passwd", "token", "secret", "api_key", "apikey", "access_token",
	"refresh_token", "signature", "sig", "auth", "code", "key", "expires",
}

// AccessLog returns the middleware logging to logger with the default params.
func AccessLog(logger *slog.Logger) echo.MiddlewareFunc {
	return AccessLogWithConfig(AccessLogConfig{Logger: logger})
}

// AccessLogWithConfig logs one structured line per request after it is
// handled: method, path, redacted query, route, status, duration, bytes,
// client ip and (through the context) the request id. It panics when
// cfg.Logger is nil.
func AccessLogWithConfig(cfg AccessLogConfig) echo.MiddlewareFunc {
	if cfg.Logger == nil {
		panic("middleware: AccessLog needs a Logger")
	}
	if cfg.Skipper == nil {
		cfg.Skipper = echomw.DefaultSkipper
	}
	sensitive := make(map[string]bool)
	for _, p := range append(append([]string{}, DefaultSensitiveParams...), cfg.SensitiveParams...) {
		sensitive[strings.ToLower(p)] = true
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper(c) {
				return next(c)
			}
			start := time.Now()
			err := next(c)
			if err != nil {
				// Let the error handler write the response now, so the status
				// logged is the one the client gets.
				c.Error(err)
			}
			req, res := c.Request(), c.Response()
			level := slog.LevelInfo
			if res.Status >= 500 {
				level = slog.LevelWarn
			}
			attrs := []slog.Attr{
				slog.String("method", req.Method),
				slog.String("path", req.URL.Path),
				slog.String("route", c.Path()),
				slog.Int("status", res.Status),
				slog.Duration("duration", time.Since(start)),
				slog.Int64("bytes", res.Size),
				slog.String("client_ip", c.RealIP()),
				slog.String("user_agent", req.UserAgent()),
			}
			if req.URL.RawQuery != "" {
				attrs = append(attrs, slog.String("query", RedactQuery(req.URL.RawQuery, sensitive)))
			}
			cfg.Logger.LogAttrs(req.Context(), level, "request", attrs...)
			return nil
		}
	}
}

// RedactQuery returns rawQuery with the value of every parameter whose
// lower-cased name is in sensitive (or is a secret by logging.IsSensitiveKey)
// replaced by [REDACTED]. An unparseable query is dropped entirely rather
// than logged raw.
func RedactQuery(rawQuery string, sensitive map[string]bool) string {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "[UNPARSEABLE]"
	}
	for name, vs := range values {
		if sensitive[strings.ToLower(name)] || logging.IsSensitiveKey(name) {
			for i := range vs {
				vs[i] = logging.Redacted
			}
		}
	}
	return values.Encode()
}
