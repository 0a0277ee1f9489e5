// Package benchstack builds the handlers that the middleware benchmarks
// compare side by side: bare Echo, Echo with its own built-in middleware, and
// Rampart's stack with the in-memory and the Redis rate-limit store. Each
// answers GET /hello with a short text body. It exists for `make bench`
// (bench/) and the Go benchmarks beside it; the application never uses it.
package benchstack

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/internal/logging"
)

// Variant names, in the order they are reported.
const (
	Bare         = "echo-bare"
	BareHeaders  = "echo-bare-headers"
	EchoBuiltin  = "echo-builtin"
	Rampart      = "rampart"
	RampartRedis = "rampart-redis"
)

// Names lists the variants in report order.
func Names() []string { return []string{Bare, BareHeaders, EchoBuiltin, Rampart, RampartRedis} }

// Options configure the variants.
type Options struct {
	// LogTo receives the access log of the non-bare variants (a file, so
	// the cost of writing it is part of the measurement).
	LogTo io.Writer
	// Redis backs the RampartRedis variant; nil leaves that variant out.
	Redis redis.UniversalClient
	// RedisPrefix namespaces the benchmark's rate-limit keys.
	RedisPrefix string
}

// Build returns one handler per variant.
func Build(opts Options) map[string]http.Handler {
	ours := rampart(opts.LogTo, middleware.NewMemoryStore(middleware.MemoryStoreOptions{}))
	out := map[string]http.Handler{
		Bare:        bare(),
		BareHeaders: bareWithHeadersOf(ours),
		EchoBuiltin: echoBuiltin(opts.LogTo),
		Rampart:     ours,
	}
	if opts.Redis != nil {
		out[RampartRedis] = rampart(opts.LogTo, middleware.NewRedisStore(opts.Redis, opts.RedisPrefix))
	}
	return out
}

func hello(c echo.Context) error { return c.String(http.StatusOK, "Hello, World!") }

func newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	return e
}

func bare() http.Handler {
	e := newEcho()
	e.GET("/hello", hello)
	return e
}

// bareWithHeadersOf is bare Echo answering with the response headers h
// sends, as constants: no middleware, only the cost of the header bytes
// themselves (net/http sorting and writing them, the client reading them).
// It is the ceiling for any stack that sends those headers.
func bareWithHeadersOf(h http.Handler) http.Handler {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/hello", nil)
	req.RemoteAddr = "192.0.2.1:1234"
	h.ServeHTTP(rec, req)
	headers := rec.Header().Clone()
	headers.Del(echo.HeaderContentType)
	e := newEcho()
	e.GET("/hello", func(c echo.Context) error {
		dst := c.Response().Header()
		for k, v := range headers {
			dst[k] = v
		}
		return hello(c)
	})
	return e
}

// generous is a limit no benchmark reaches, so every request takes the
// "allowed" path through the limiter, as nearly all real traffic does.
var generous = middleware.Limit{Rate: 50_000_000, Period: time.Minute, Burst: 50_000_000}

// echoBuiltin is Echo's own equivalent of our stack: RequestID,
// RequestLogger (to slog), Secure, CORS, RateLimiter (memory store), CSRF.
func echoBuiltin(logTo io.Writer) http.Handler {
	e := newEcho()
	log := slog.New(slog.NewJSONHandler(logTo, nil))
	e.Use(
		echomw.RequestID(),
		echomw.RequestLoggerWithConfig(echomw.RequestLoggerConfig{
			LogMethod: true, LogURI: true, LogStatus: true, LogLatency: true, LogRequestID: true,
			LogRemoteIP: true, LogResponseSize: true, LogUserAgent: true,
			LogValuesFunc: func(c echo.Context, v echomw.RequestLoggerValues) error {
				log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
					slog.String("method", v.Method), slog.String("uri", v.URI), slog.Int("status", v.Status),
					slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID),
					slog.String("remote_ip", v.RemoteIP), slog.Int64("bytes", v.ResponseSize),
					slog.String("user_agent", v.UserAgent))
				return nil
			},
		}),
		echomw.Recover(),
		echomw.SecureWithConfig(echomw.SecureConfig{
			XSSProtection: "1; mode=block", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
			HSTSMaxAge: 63072000, ContentSecurityPolicy: "default-src 'self'", ReferrerPolicy: "same-origin",
		}),
		echomw.CORSWithConfig(echomw.CORSConfig{AllowOrigins: []string{"https://app.example.com"}}),
		echomw.RateLimiter(echomw.NewRateLimiterMemoryStoreWithConfig(echomw.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(1 << 30), Burst: 1 << 30, ExpiresIn: 3 * time.Minute,
		})),
		echomw.CSRF(),
	)
	e.GET("/hello", hello)
	return e
}

// rampart is our stack as internal/http/routes.go wires it globally, with
// the logger cmd/server uses (JSON, redacting, buffered).
func rampart(logTo io.Writer, store middleware.RateLimitStore) http.Handler {
	e := newEcho()
	e.IPExtractor = middleware.NewIPExtractor(nil)
	log, _ := logging.NewBuffered(logTo, logging.FormatJSON, slog.LevelInfo) // flushed by its timer; lives as long as the process
	limit := middleware.DefaultRateLimitConfig
	limit.Store, limit.Limit = store, generous
	csrf := middleware.DefaultCSRFConfig
	csrf.Key = []byte("benchmark-key-benchmark-key-benchmark-key")
	e.Use(
		middleware.RequestID(),
		middleware.AccessLog(log),
		middleware.Recover(log),
		middleware.SecureHeaders(),
		middleware.BodyLimit(1<<20),
		middleware.RateLimitWithConfig(limit),
		middleware.CORS("https://app.example.com"),
		middleware.CSRFWithConfig(csrf),
	)
	e.GET("/hello", hello)
	return e
}
