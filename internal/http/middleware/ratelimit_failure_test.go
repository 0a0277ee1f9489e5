package middleware_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

func TestRateLimitStoreFailurePolicy(t *testing.T) {
	limit := middleware.Limit{Rate: 2, Period: time.Hour}
	cases := []struct {
		name     string
		fallback middleware.RateLimitStore
		want     []int
		errors   int
	}{
		{"without a fallback requests pass (fail open)", nil, []int{200, 200, 200, 200}, 4},
		{"with a memory fallback requests stay limited", middleware.NewMemoryStore(middleware.MemoryStoreOptions{}), []int{200, 200, 429, 429}, 4},
		{"when the fallback fails too requests pass", &rlFailingStore{}, []int{200, 200, 200, 200}, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var errs rlErrorLog
			cfg := rlConfig(&rlFailingStore{}, limit)
			cfg.Name, cfg.Fallback, cfg.OnStoreError = "auth", tc.fallback, errs.record
			e := rlEcho(middleware.RateLimitWithConfig(cfg))
			for i, want := range tc.want {
				if got := rlGet(e, "198.51.100.1").Code; got != want {
					t.Fatalf("request %d: %d, want %d", i, got, want)
				}
			}
			name, err := errs.last()
			if errs.count() != tc.errors || name != "auth" || !errors.Is(err, errRLStoreDown) {
				t.Fatalf("OnStoreError called %d times (want %d), last (%q, %v)", errs.count(), tc.errors, name, err)
			}
		})
	}
	t.Run("without OnStoreError a failing store still fails open", func(t *testing.T) {
		e := rlEcho(middleware.RateLimit(&rlFailingStore{}, limit))
		if got := rlStatuses(e, "198.51.100.1", 3); got[200] != 3 {
			t.Fatalf("statuses %v", got)
		}
	})
}

// rlStuckStore ignores its context and answers after delay.
type rlStuckStore struct{ delay time.Duration }

func (s rlStuckStore) Allow(context.Context, string, middleware.Limit) (middleware.Result, error) {
	time.Sleep(s.delay)
	return middleware.Result{Allowed: true, Limit: 1}, nil
}

func TestRateLimitStoreTimeoutBoundsAStoreThatIgnoresItsContext(t *testing.T) {
	var errs rlErrorLog
	cfg := rlConfig(rlStuckStore{delay: 2 * time.Second}, middleware.Limit{Rate: 1, Period: time.Hour})
	cfg.StoreTimeout, cfg.OnStoreError = 20*time.Millisecond, errs.record
	cfg.Fallback = middleware.NewMemoryStore(middleware.MemoryStoreOptions{})
	e := rlEcho(middleware.RateLimitWithConfig(cfg))
	start := time.Now()
	codes := []int{rlGet(e, "198.51.100.1").Code, rlGet(e, "198.51.100.1").Code}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("two requests took %v with a 20ms store timeout", elapsed)
	}
	if codes[0] != 200 || codes[1] != 429 {
		t.Fatalf("statuses %v, want the fallback's 200 then 429", codes)
	}
	if _, err := errs.last(); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("OnStoreError got %v, want a deadline error", err)
	}
}
