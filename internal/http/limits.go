package http

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// limiters are the rate-limit tiers of DESIGN.md. With Redis configured they
// count in Redis (exact across instances); without it, in memory.
type limiters struct {
	// global: RATE_LIMIT_REQUESTS_PER_MINUTE per client IP on every route
	// but probes and assets; fails open when Redis is down.
	global echo.MiddlewareFunc
	// auth: RATE_LIMIT_AUTH_PER_MINUTE per client IP on the POSTs of login,
	// signup, magic link, password forgot/reset, 2FA and token; falls back to
	// a per-instance memory limiter when Redis is down (never unlimited).
	auth echo.MiddlewareFunc
	// cspReport: browsers' violation reports, 60 a minute per client IP.
	cspReport echo.MiddlewareFunc
	// api: RATE_LIMIT_API_PER_HOUR per API key or token (per user for
	// Basic and session credentials); it goes after requireAuth.
	api echo.MiddlewareFunc
	// webhook: deliveries, 1200 a minute per endpoint (a burst of retries
	// from a provider is fine; a flood is not).
	webhook echo.MiddlewareFunc
	// basic admits a Basic-auth attempt under the auth tier's limit per
	// client IP: each one is a login.
	basic func(r *http.Request) (bool, time.Duration, error)
}

func newLimiters(opts Options, m *metrics) limiters {
	var store middleware.RateLimitStore
	memory := middleware.NewMemoryStore(middleware.MemoryStoreOptions{})
	if opts.Redis != nil {
		store = middleware.NewRedisStore(opts.Redis, "rampart:rl:")
	} else {
		store = memory
	}
	onError := storeErrorReporter(opts.Logger, m)
	perMinute := func(n int) middleware.Limit {
		return middleware.Limit{Rate: n, Period: time.Minute, Burst: n}
	}

	global := middleware.DefaultRateLimitConfig
	global.Store, global.Limit, global.Name, global.OnStoreError = store, perMinute(opts.RateLimitRequestsPerMinute), "global", onError
	global.Skipper = func(c echo.Context) bool {
		p := c.Request().URL.Path
		return p == "/health" || p == "/ready" || p == "/metrics" || strings.HasPrefix(p, "/static/")
	}

	auth := middleware.DefaultRateLimitConfig
	auth.Store, auth.Limit, auth.Name, auth.OnStoreError = store, perMinute(opts.RateLimitAuthPerMinute), "auth", onError
	auth.Fallback = memory
	auth.Skipper = func(c echo.Context) bool { return c.Request().Method != "POST" }

	csp := middleware.DefaultRateLimitConfig
	csp.Store, csp.Limit, csp.Name, csp.OnStoreError = store, perMinute(60), "csp", onError

	api := middleware.DefaultRateLimitConfig
	api.Store, api.Name, api.OnStoreError = store, "api", onError
	api.Limit = middleware.Limit{Rate: opts.RateLimitAPIPerHour, Period: time.Hour, Burst: opts.RateLimitAPIPerHour}
	api.KeyFunc = keyByCredential

	hook := middleware.DefaultRateLimitConfig
	hook.Store, hook.Limit, hook.Name, hook.OnStoreError = store, perMinute(1200), "webhook", onError
	hook.KeyFunc = func(c echo.Context) (string, error) { return "ep:" + c.Param("endpoint_id"), nil }

	authLimit := auth.Limit
	return limiters{
		webhook:   middleware.RateLimitWithConfig(hook),
		global:    middleware.RateLimitWithConfig(global),
		auth:      middleware.RateLimitWithConfig(auth),
		cspReport: middleware.RateLimitWithConfig(csp),
		api:       middleware.RateLimitWithConfig(api),
		basic: func(r *http.Request) (bool, time.Duration, error) {
			key := "auth:basic:" + requestMetaFrom(r.Context()).IP
			res, err := store.Allow(r.Context(), key, authLimit)
			if err != nil && store != memory {
				onError(r.Context(), "auth", err)
				res, err = memory.Allow(r.Context(), key, authLimit)
			}
			if err != nil {
				return false, 0, err
			}
			return res.Allowed, res.RetryAfter, nil
		},
	}
}

// keyByCredential buckets API requests by the credential that
// authenticated them: the API key or token, else the user.
func keyByCredential(c echo.Context) (string, error) {
	u, ok := apiUser(c)
	if !ok {
		return "ip:" + c.RealIP(), nil
	}
	if u.CredentialID != "" {
		return u.Method + ":" + u.CredentialID, nil
	}
	return "user:" + u.ID.String(), nil
}

// storeErrorReporter counts every limiter store failure and logs at most one
// warning per tier every 10 seconds, so a Redis outage cannot flood the log.
func storeErrorReporter(log *slog.Logger, m *metrics) func(context.Context, string, error) {
	var last atomic.Int64
	return func(ctx context.Context, tier string, err error) {
		m.limiterErrors.WithLabelValues(tier).Inc()
		now := time.Now().UnixNano()
		prev := last.Load()
		if now-prev < int64(10*time.Second) || !last.CompareAndSwap(prev, now) {
			return
		}
		log.WarnContext(ctx, "rate-limit store failing; applying the failure policy", "tier", tier, "error", err)
	}
}
