// Package http is Rampart's web layer: the Echo instance, the routes, the
// handlers, the error handler and (in middleware/) the middleware stack. It is
// the only package that imports Echo, so a move to Echo v5 stays mechanical.
package http

import (
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/internal/auth/jwt"
	"github.com/rampart-dev/rampart/internal/auth/perms"
	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/web"
)

// Options are the dependencies of the web layer, built by cmd/server.
type Options struct {
	Logger            *slog.Logger
	Pool              *pgxpool.Pool
	Redis             *redis.Client // nil when REDIS_URL is empty
	Assets            *web.Assets
	Registry          *prometheus.Registry // /metrics; request and pool metrics are registered on it
	TrustedProxies    []netip.Prefix
	AdminAllowedCIDRs []netip.Prefix
	Production        bool
	BaseURL           *url.URL // APP_BASE_URL: its origin is trusted by the CSRF origin check
	// CSRFKey signs CSRF tokens: keys.Derive(SECRET_KEY, keys.CSRF).
	CSRFKey                    []byte
	CORSAllowedOrigins         []string
	RateLimitRequestsPerMinute int
	RateLimitAuthPerMinute     int
	// Accounts runs sign-up, login, sessions, password reset and /admin.
	// When nil those pages are not registered (tests of the bare stack);
	// cmd/server always sets it.
	Accounts *account.Service
	// APIKeys, Tokens and Perms back the JSON API's authentication; the
	// /api/v1 routes are registered when all three (and Accounts) are set.
	APIKeys *apikey.Service
	Tokens  *jwt.Service
	Perms   *perms.Store
	// RateLimitAPIPerHour limits each API key or token (default 5000).
	RateLimitAPIPerHour int
	// Webhooks receives webhook deliveries and runs /account/webhooks;
	// those routes exist when it (and Accounts) is set.
	Webhooks *inbound.Service
}

// NewHandler builds the application's HTTP handler. It returns an error when
// a dependency is missing or a metric cannot be registered. Zero rate limits
// take DESIGN.md's defaults (600 and 10 a minute, 5000 an hour).
func NewHandler(opts Options) (http.Handler, error) {
	if opts.Logger == nil || opts.Pool == nil || opts.Assets == nil || opts.Registry == nil || len(opts.CSRFKey) < 32 {
		return nil, errMissingDependency
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Logger.SetOutput(slogWriter{opts.Logger})
	e.IPExtractor = middleware.NewIPExtractor(opts.TrustedProxies)
	e.HTTPErrorHandler = newErrorHandler(opts.Logger, opts.Assets)

	if opts.RateLimitRequestsPerMinute <= 0 {
		opts.RateLimitRequestsPerMinute = 600
	}
	if opts.RateLimitAuthPerMinute <= 0 {
		opts.RateLimitAuthPerMinute = 10
	}
	if opts.RateLimitAPIPerHour <= 0 {
		opts.RateLimitAPIPerHour = 5000
	}
	metrics, err := newMetrics(opts.Registry, opts.Pool)
	if err != nil {
		return nil, err
	}
	addRoutes(e, opts, metrics)
	return e, nil
}

type constError string

func (e constError) Error() string { return string(e) }

const errMissingDependency = constError("http: Logger, Pool, Assets, Registry and a 32-byte CSRFKey are required")

// slogWriter sends Echo's own (rare) log output to slog.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Warn("echo", "message", string(p))
	return len(p), nil
}
