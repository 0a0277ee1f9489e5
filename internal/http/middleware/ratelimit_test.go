package middleware_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// rlKeyLog is a MemoryStore that records the keys it is asked about.
type rlKeyLog struct {
	*middleware.MemoryStore
	mu   sync.Mutex
	keys []string
}

func newRLKeyLog(now func() time.Time) *rlKeyLog {
	return &rlKeyLog{MemoryStore: middleware.NewMemoryStore(middleware.MemoryStoreOptions{Now: now})}
}

func (s *rlKeyLog) Allow(ctx context.Context, key string, l middleware.Limit) (middleware.Result, error) {
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return s.MemoryStore.Allow(ctx, key, l)
}

func (s *rlKeyLog) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1]
}

// rlConfig returns DefaultRateLimitConfig with store and limit.
func rlConfig(store middleware.RateLimitStore, limit middleware.Limit) middleware.RateLimitConfig {
	cfg := middleware.DefaultRateLimitConfig
	cfg.Store, cfg.Limit = store, limit
	return cfg
}

func TestRateLimitSetsHeadersAndRefusesWith429(t *testing.T) {
	clock := newRLClock()
	store := middleware.NewMemoryStore(middleware.MemoryStoreOptions{Now: clock.Now})
	e := rlEcho(middleware.RateLimit(store, middleware.Limit{Rate: 10, Period: time.Minute, Burst: 3}))
	type want struct {
		code                      int
		remaining, reset, retryAt string
	}
	steps := []struct {
		name    string
		advance time.Duration
		want    want
	}{
		{"the first request sees two more and a reset of one interval", 0, want{200, "2", "6", ""}},
		{"the second request sees one more", 0, want{200, "1", "12", ""}},
		{"the third request empties the bucket", 0, want{200, "0", "18", ""}},
		{"the fourth request is refused with Retry-After", 0, want{429, "0", "18", "6"}},
		{"Retry-After and Reset round up to whole seconds", 500 * time.Millisecond, want{429, "0", "18", "6"}},
		{"after the interval one request passes again", 6 * time.Second, want{200, "0", "18", ""}},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		rec := rlGet(e, "198.51.100.1")
		h := rec.Header()
		got := want{rec.Code, h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-Reset"), h.Get("Retry-After")}
		if got != st.want || h.Get("X-RateLimit-Limit") != "3" {
			t.Fatalf("%s: got %+v limit %q, want %+v limit 3", st.name, got, h.Get("X-RateLimit-Limit"), st.want)
		}
		if rec.Code == http.StatusTooManyRequests {
			var body struct{ Message string }
			_ = json.Unmarshal(rec.Body.Bytes(), &body)
			if body.Message != "Too many requests. Try again in 6 seconds." {
				t.Fatalf("%s: message %q", st.name, body.Message)
			}
		}
	}
}

func TestRateLimitRetryAfterIsAtLeastOneSecond(t *testing.T) {
	clock := newRLClock()
	store := middleware.NewMemoryStore(middleware.MemoryStoreOptions{Now: clock.Now})
	e := rlEcho(middleware.RateLimit(store, middleware.Limit{Rate: 10, Period: time.Second, Burst: 1}))
	rlGet(e, "198.51.100.1")
	rec := rlGet(e, "198.51.100.1")
	var body struct{ Message string }
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "1" || rec.Header().Get("X-RateLimit-Reset") != "1" ||
		body.Message != "Too many requests. Try again in 1 second." {
		t.Fatalf("got %d, Retry-After %q, Reset %q, message %q", rec.Code, rec.Header().Get("Retry-After"),
			rec.Header().Get("X-RateLimit-Reset"), body.Message)
	}
}

func TestRateLimitHeaderValuesBeyondThePrecomputedTable(t *testing.T) {
	store := middleware.NewMemoryStore(middleware.MemoryStoreOptions{Now: newRLClock().Now})
	e := rlEcho(middleware.RateLimit(store, middleware.Limit{Rate: 10_000, Period: 100 * time.Hour}))
	h := rlGet(e, "198.51.100.1").Header()
	if h.Get("X-RateLimit-Limit") != "10000" || h.Get("X-RateLimit-Remaining") != "9999" || h.Get("X-RateLimit-Reset") != "36" {
		t.Fatalf("headers %v", h)
	}
}

func TestRateLimitNamesSeparateTiersSharingAStore(t *testing.T) {
	store := middleware.NewMemoryStore(middleware.MemoryStoreOptions{})
	limit := middleware.Limit{Rate: 1, Period: time.Hour}
	mw := func(name string) echo.MiddlewareFunc {
		cfg := rlConfig(store, limit)
		cfg.Name = name
		return middleware.RateLimitWithConfig(cfg)
	}
	e := echo.New()
	ok := func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }
	e.GET("/global", ok, mw("global"))
	e.GET("/auth", ok, mw("auth"))
	e.GET("/auth2", ok, mw("auth"))
	get := func(path string) int {
		req, _ := http.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = "198.51.100.1:1"
		return serve(e, req).Code
	}
	if get("/global") != 204 || get("/auth") != 204 {
		t.Fatal("the first request of each tier was refused")
	}
	if get("/auth2") != 429 {
		t.Fatal("two routes under one name do not share the bucket")
	}
}

func TestRateLimitSkipperSkipsCounting(t *testing.T) {
	store := newRLKeyLog(nil)
	cfg := rlConfig(store, middleware.Limit{Rate: 1, Period: time.Hour})
	cfg.Skipper = func(c echo.Context) bool { return c.Request().Header.Get("X-Skip") == "1" }
	e := rlEcho(middleware.RateLimitWithConfig(cfg))
	for range 3 {
		rec := rlGet(e, "198.51.100.1", "X-Skip", "1")
		if rec.Code != 200 || rec.Header().Get("X-RateLimit-Limit") != "" {
			t.Fatalf("a skipped request: %d, headers %v", rec.Code, rec.Header())
		}
	}
	if len(store.keys) != 0 {
		t.Fatalf("skipped requests reached the store: %v", store.keys)
	}
	if rlGet(e, "198.51.100.1").Code != 200 || rlGet(e, "198.51.100.1").Code != 429 {
		t.Fatal("requests not skipped are not limited")
	}
}

func TestRateLimitWithoutHeadersStillSetsRetryAfter(t *testing.T) {
	cfg := rlConfig(middleware.NewMemoryStore(middleware.MemoryStoreOptions{}), middleware.Limit{Rate: 1, Period: time.Hour})
	cfg.Headers = false
	e := rlEcho(middleware.RateLimitWithConfig(cfg))
	first, second := rlGet(e, "198.51.100.1"), rlGet(e, "198.51.100.1")
	for _, rec := range []http.Header{first.Header(), second.Header()} {
		for _, name := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
			if rec.Get(name) != "" {
				t.Fatalf("%s set with Headers off", name)
			}
		}
	}
	if second.Code != 429 || second.Header().Get("Retry-After") != "3600" {
		t.Fatalf("refusal %d with Retry-After %q", second.Code, second.Header().Get("Retry-After"))
	}
}

func TestRateLimitReturnsTheKeyFuncError(t *testing.T) {
	cfg := rlConfig(middleware.NewMemoryStore(middleware.MemoryStoreOptions{}), middleware.Limit{Rate: 1, Period: time.Hour})
	cfg.KeyFunc = func(echo.Context) (string, error) { return "", echo.NewHTTPError(http.StatusUnauthorized) }
	if got := rlGet(rlEcho(middleware.RateLimitWithConfig(cfg)), "198.51.100.1").Code; got != 401 {
		t.Fatalf("status %d, want the KeyFunc's 401", got)
	}
}

func TestRateLimitInvalidConfigurationPanicsAtConstruction(t *testing.T) {
	store := middleware.NewMemoryStore(middleware.MemoryStoreOptions{})
	valid := middleware.Limit{Rate: 1, Period: time.Second}
	cases := []struct {
		name  string
		build func()
	}{
		{"a missing store panics", func() { middleware.RateLimit(nil, valid) }},
		{"a zero limit panics", func() { middleware.RateLimit(store, middleware.Limit{}) }},
		{"a negative burst panics", func() { middleware.RateLimit(store, middleware.Limit{Rate: 1, Period: time.Second, Burst: -1}) }},
		{"a rate above one per microsecond panics", func() { middleware.RateLimit(store, middleware.Limit{Rate: 10_000_000, Period: time.Second}) }},
		{"a name with a colon panics", func() {
			cfg := rlConfig(store, valid)
			cfg.Name = "auth:x"
			middleware.RateLimitWithConfig(cfg)
		}},
		{"a name longer than 64 characters panics", func() {
			cfg := rlConfig(store, valid)
			cfg.Name = strings.Repeat("a", 65)
			middleware.RateLimitWithConfig(cfg)
		}},
		{"a negative store timeout panics", func() {
			cfg := rlConfig(store, valid)
			cfg.StoreTimeout = -time.Second
			middleware.RateLimitWithConfig(cfg)
		}},
		{"KeyByHeader without a name panics", func() { middleware.KeyByHeader("") }},
		{"KeyByUser without a function panics", func() { middleware.KeyByUser(nil) }},
		{"a memory store with negative MaxKeys panics", func() { middleware.NewMemoryStore(middleware.MemoryStoreOptions{MaxKeys: -1}) }},
		{"a Redis store without a client panics", func() { middleware.NewRedisStore(nil, "p:") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			tc.build()
		})
	}
}

func TestRateLimitWithConfigFillsZeroFieldsWithDefaults(t *testing.T) {
	store := newRLKeyLog(nil)
	e := rlEcho(middleware.RateLimitWithConfig(middleware.RateLimitConfig{Store: store, Limit: middleware.Limit{Rate: 1, Period: time.Hour}}))
	if rlGet(e, "198.51.100.1").Code != 200 || rlGet(e, "198.51.100.1").Code != 429 {
		t.Fatal("a minimal config does not limit")
	}
	if got := store.last(); got != "global:ip:198.51.100.1" {
		t.Fatalf("key %q, want the default name and IP key", got)
	}
}
