package middleware

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
)

// Rate-limit response headers.
const (
	HeaderRateLimitLimit     = "X-RateLimit-Limit"
	HeaderRateLimitRemaining = "X-RateLimit-Remaining"
	HeaderRateLimitReset     = "X-RateLimit-Reset"
)

// DefaultRateLimitStoreTimeout is RateLimitConfig.StoreTimeout when unset.
const DefaultRateLimitStoreTimeout = 100 * time.Millisecond

// RateLimitConfig configures RateLimitWithConfig. Start from
// DefaultRateLimitConfig: a zero Headers field turns the headers off.
type RateLimitConfig struct {
	Skipper echomw.Skipper
	// Store counts requests (required).
	Store RateLimitStore
	// Fallback is used when Store errors, e.g. a MemoryStore for the auth
	// tier so that a Redis outage never leaves it unlimited. nil: requests
	// pass while Store fails (fail open).
	Fallback RateLimitStore
	// Limit is the rate per key (required, valid per Limit's rules).
	Limit Limit
	// KeyFunc names the bucket of a request; default KeyByIP. An error it
	// returns is returned unchanged (it may be an *echo.HTTPError).
	KeyFunc func(c echo.Context) (string, error)
	// Name namespaces the keys ("global", "auth", "api") so tiers sharing a
	// store never share buckets: 1 to 64 characters of [A-Za-z0-9_.-];
	// default "global". It is also passed to OnStoreError.
	Name string
	// OnStoreError is called, with the request's context, each time Store
	// (or Fallback) fails, before the failure policy applies: the app logs a
	// warning and counts it. nil: failures are absorbed silently.
	OnStoreError func(ctx context.Context, name string, err error)
	// StoreTimeout bounds each call to a store other than a *MemoryStore
	// (which never blocks), whatever the store does with its context; default
	// DefaultRateLimitStoreTimeout. A call that takes longer counts as a
	// store error (context.DeadlineExceeded).
	StoreTimeout time.Duration
	// Headers sets X-RateLimit-Limit, -Remaining and -Reset on every limited
	// response (true in DefaultRateLimitConfig). Retry-After is always set on
	// a 429.
	Headers bool
}

// DefaultRateLimitConfig keys by client IP under the name "global", with
// headers on and a 100 ms store timeout. Store and Limit must be set.
var DefaultRateLimitConfig = RateLimitConfig{
	Skipper:      echomw.DefaultSkipper,
	KeyFunc:      KeyByIP,
	Name:         "global",
	StoreTimeout: DefaultRateLimitStoreTimeout,
	Headers:      true,
}

// RateLimit limits each client IP to limit, counted in store, with
// DefaultRateLimitConfig (no fallback: fails open if store fails).
func RateLimit(store RateLimitStore, limit Limit) echo.MiddlewareFunc {
	cfg := DefaultRateLimitConfig
	cfg.Store, cfg.Limit = store, limit
	return RateLimitWithConfig(cfg)
}

var rateLimitName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// RateLimitWithConfig counts every request not skipped in the bucket
// Name + ":" + KeyFunc(c) and refuses it, once the bucket is empty, with
// echo.NewHTTPError(429, "Too many requests. Try again in N seconds.") and a
// Retry-After header of N (whole seconds, rounded up, at least 1). With
// Headers, limited responses (refused ones too) carry X-RateLimit-Limit (the
// burst), X-RateLimit-Remaining and X-RateLimit-Reset (seconds, rounded up,
// until the bucket is full again).
//
// When Store fails (or exceeds StoreTimeout), OnStoreError is called, then
// Fallback decides if set; otherwise the request passes, without rate-limit
// headers. A nil Store, an invalid Limit or Name, or a negative StoreTimeout
// panics.
func RateLimitWithConfig(cfg RateLimitConfig) echo.MiddlewareFunc {
	rl := newRateLimiter(cfg)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if rl.skipper(c) {
				return next(c)
			}
			key, err := rl.keyFunc(c)
			if err != nil {
				return err
			}
			res, ok := rl.allow(c.Request().Context(), rl.prefix+key)
			if !ok {
				return next(c)
			}
			h := c.Response().Header()
			if rl.headers {
				h[canonicalLimit] = rl.limitValue
				h[canonicalRemaining] = rl.intValue(res.Remaining)
				h[canonicalReset] = rl.intValue(ceilSeconds(res.ResetAfter))
			}
			if !res.Allowed {
				n := max(ceilSeconds(res.RetryAfter), 1)
				h.Set("Retry-After", strconv.Itoa(n))
				return echo.NewHTTPError(http.StatusTooManyRequests, tooManyMessage(n))
			}
			return next(c)
		}
	}
}

var (
	canonicalLimit     = http.CanonicalHeaderKey(HeaderRateLimitLimit)
	canonicalRemaining = http.CanonicalHeaderKey(HeaderRateLimitRemaining)
	canonicalReset     = http.CanonicalHeaderKey(HeaderRateLimitReset)
)

// maxPrecomputed bounds the table of ready-made header values.
const maxPrecomputed = 4096

type rateLimiter struct {
	skipper      echomw.Skipper
	store        RateLimitStore
	fallback     RateLimitStore
	limit        Limit
	keyFunc      func(c echo.Context) (string, error)
	name, prefix string
	onStoreError func(ctx context.Context, name string, err error)
	timeout      time.Duration
	headers      bool
	limitValue   []string
	// ints[n] is []string{strconv.Itoa(n)}: header values shared by every
	// response (capacity 1, so a later Header.Add copies instead of
	// writing into them), which keeps the hot path free of allocations.
	ints [][]string
}

func newRateLimiter(cfg RateLimitConfig) *rateLimiter {
	if cfg.Store == nil {
		panic("middleware: RateLimit needs a Store")
	}
	g, err := cfg.Limit.gcra()
	if err != nil {
		panic(err.Error())
	}
	if cfg.Name == "" {
		cfg.Name = DefaultRateLimitConfig.Name
	}
	if !rateLimitName.MatchString(cfg.Name) {
		panic(fmt.Sprintf("middleware: RateLimit name %q must be 1-64 characters of [A-Za-z0-9_.-]", cfg.Name))
	}
	if cfg.StoreTimeout < 0 {
		panic("middleware: RateLimit StoreTimeout must not be negative")
	}
	if cfg.StoreTimeout == 0 {
		cfg.StoreTimeout = DefaultRateLimitStoreTimeout
	}
	if cfg.Skipper == nil {
		cfg.Skipper = echomw.DefaultSkipper
	}
	if cfg.KeyFunc == nil {
		cfg.KeyFunc = KeyByIP
	}
	rl := &rateLimiter{
		skipper: cfg.Skipper, store: cfg.Store, fallback: cfg.Fallback, limit: cfg.Limit,
		keyFunc: cfg.KeyFunc, name: cfg.Name, prefix: cfg.Name + ":", onStoreError: cfg.OnStoreError,
		timeout: cfg.StoreTimeout, headers: cfg.Headers,
		limitValue: []string{strconv.FormatInt(g.burst, 10)},
	}
	n := min(max(g.burst, int64(ceilSeconds(time.Duration(g.offset)))), maxPrecomputed)
	rl.ints = make([][]string, n+1)
	for i := range rl.ints {
		rl.ints[i] = []string{strconv.Itoa(i)}[:1:1]
	}
	return rl
}

// allow asks Store, then Fallback, and reports false when the request should
// pass unlimited.
func (rl *rateLimiter) allow(ctx context.Context, key string) (Result, bool) {
	res, err := rl.call(ctx, rl.store, key)
	if err == nil {
		return res, true
	}
	if rl.onStoreError != nil {
		rl.onStoreError(ctx, rl.name, err)
	}
	if rl.fallback == nil {
		return Result{}, false
	}
	res, err = rl.call(ctx, rl.fallback, key)
	if err != nil {
		if rl.onStoreError != nil {
			rl.onStoreError(ctx, rl.name, fmt.Errorf("fallback: %w", err))
		}
		return Result{}, false
	}
	return res, true
}

type allowOutcome struct {
	res Result
	err error
}

// call runs store.Allow, bounded by rl.timeout for stores that may block.
// A *RedisStore returns as soon as its context ends, whatever the connection
// does, so it is called directly. Any other store runs in its own goroutine
// so that even one ignoring its context cannot hold the request past the
// timeout; that goroutine ends with the store's own timeouts.
func (rl *rateLimiter) call(ctx context.Context, store RateLimitStore, key string) (Result, error) {
	if m, ok := store.(*MemoryStore); ok {
		return m.Allow(ctx, key, rl.limit)
	}
	ctx, cancel := context.WithTimeout(ctx, rl.timeout)
	defer cancel()
	if r, ok := store.(*RedisStore); ok {
		res, err := r.Allow(ctx, key, rl.limit)
		if err != nil && ctx.Err() != nil {
			return Result{}, fmt.Errorf("rate limit store %q gave no answer within %v: %w", rl.name, rl.timeout, ctx.Err())
		}
		return res, err
	}
	done := make(chan allowOutcome, 1)
	go func() {
		res, err := store.Allow(ctx, key, rl.limit)
		done <- allowOutcome{res, err}
	}()
	select {
	case out := <-done:
		return out.res, out.err
	case <-ctx.Done():
		select {
		case out := <-done:
			return out.res, out.err
		default:
		}
		return Result{}, fmt.Errorf("rate limit store %q gave no answer within %v: %w", rl.name, rl.timeout, ctx.Err())
	}
}

func (rl *rateLimiter) intValue(n int) []string {
	if n >= 0 && n < len(rl.ints) {
		return rl.ints[n]
	}
	return []string{strconv.Itoa(n)}
}

// ceilSeconds rounds d up to whole seconds.
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}

func tooManyMessage(n int) string {
	if n == 1 {
		return "Too many requests. Try again in 1 second."
	}
	return "Too many requests. Try again in " + strconv.Itoa(n) + " seconds."
}
