package middleware_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// TestRateLimitRedisStoreMatchesTheMemoryStore replays rapid requests on both
// stores: with intervals of seconds or more, no refill happens in between, so
// the answers must be identical.
func TestRateLimitRedisStoreMatchesTheMemoryStore(t *testing.T) {
	t.Parallel()
	rdb := rlRedisClient(t)
	cases := []struct {
		name  string
		limit middleware.Limit
	}{
		{"a burst below the rate", middleware.Limit{Rate: 10, Period: time.Hour, Burst: 5}},
		{"the default burst", middleware.Limit{Rate: 37, Period: time.Hour}},
		{"a burst of one", middleware.Limit{Rate: 3, Period: time.Minute, Burst: 1}},
		{"a burst above the rate", middleware.Limit{Rate: 1, Period: time.Minute, Burst: 4}},
		{"the auth tier's limit", middleware.Limit{Rate: 10, Period: time.Minute}},
	}
	for _, tc := range cases {
		t.Run(tc.name+" gives the same answers on Redis", func(t *testing.T) {
			t.Parallel()
			rs := middleware.NewRedisStore(rdb, rlPrefix(t, rdb))
			ms := middleware.NewMemoryStore(middleware.MemoryStoreOptions{Now: newRLClock().Now})
			burst := tc.limit.Burst
			if burst == 0 {
				burst = tc.limit.Rate
			}
			for i := range burst + 3 {
				want, _ := ms.Allow(context.Background(), "k", tc.limit)
				got, err := rs.Allow(context.Background(), "k", tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if got.Allowed != want.Allowed || got.Remaining != want.Remaining || got.Limit != want.Limit {
					t.Fatalf("request %d: redis %+v, memory %+v", i, got, want)
				}
				// Redis's clock runs on between calls: its times may be
				// shorter than the frozen clock's, by well under a second.
				if d := want.ResetAfter - got.ResetAfter; d < 0 || d > time.Second {
					t.Fatalf("request %d: redis ResetAfter %v, memory %v", i, got.ResetAfter, want.ResetAfter)
				}
				if d := want.RetryAfter - got.RetryAfter; d < 0 || d > time.Second || got.Allowed != (got.RetryAfter == 0) {
					t.Fatalf("request %d: redis RetryAfter %v, memory %v", i, got.RetryAfter, want.RetryAfter)
				}
			}
		})
	}
}

func TestRateLimitRedisStoreRefillsAfterTheInterval(t *testing.T) {
	t.Parallel()
	rdb := rlRedisClient(t)
	s := middleware.NewRedisStore(rdb, rlPrefix(t, rdb))
	l := middleware.Limit{Rate: 2, Period: time.Second, Burst: 2} // one request every 500 ms
	ctx := context.Background()
	admitted := 0
	var last middleware.Result
	for range 5 {
		res, err := s.Allow(ctx, "k", l)
		if err != nil {
			t.Fatal(err)
		}
		if res.Allowed {
			admitted++
		}
		last = res
	}
	if admitted != 2 || last.Allowed || last.RetryAfter <= 0 || last.RetryAfter > 500*time.Millisecond {
		t.Fatalf("admitted %d of 5 (want 2); last %+v", admitted, last)
	}
	time.Sleep(last.RetryAfter + 20*time.Millisecond)
	if res, err := s.Allow(ctx, "k", l); err != nil || !res.Allowed {
		t.Fatalf("after RetryAfter the request is still refused: %+v, %v", res, err)
	}
}

func TestRateLimitRedisStoreKeysExpireWhenTheBucketIsFull(t *testing.T) {
	t.Parallel()
	rdb := rlRedisClient(t)
	prefix := rlPrefix(t, rdb)
	s := middleware.NewRedisStore(rdb, prefix)
	if _, err := s.Allow(context.Background(), "k", middleware.Limit{Rate: 10, Period: time.Hour, Burst: 5}); err != nil {
		t.Fatal(err)
	}
	ttl, err := rdb.PTTL(context.Background(), prefix+"k").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 5*time.Minute || ttl > 6*time.Minute {
		t.Fatalf("the key's TTL is %v, want the 6 minutes until the bucket is full", ttl)
	}
}

// TestRateLimitTwoRedisStoresShareOneLimitExactly stands for two instances
// under load: their checks are batched into pipelines, yet each one is
// counted exactly once.
func TestRateLimitTwoRedisStoresShareOneLimitExactly(t *testing.T) {
	t.Parallel()
	a, b := rlRedisClient(t), rlRedisClient(t)
	prefix := rlPrefix(t, a)
	stores := []*middleware.RedisStore{middleware.NewRedisStore(a, prefix), middleware.NewRedisStore(b, prefix)}
	for _, s := range stores {
		t.Cleanup(func() { _ = s.Close() })
	}
	l := middleware.Limit{Rate: 37, Period: time.Hour}
	const goroutines = 200
	const checks = 2 * goroutines * 2 // two stores, two checks per goroutine
	var allowed, failed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, s := range stores {
		for range goroutines {
			wg.Go(func() {
				<-start
				for range 2 {
					res, err := s.Allow(context.Background(), "shared", l)
					switch {
					case err != nil:
						failed.Add(1)
						t.Error(err)
					case res.Allowed:
						allowed.Add(1)
					}
				}
			})
		}
	}
	close(start)
	wg.Wait()
	if failed.Load() == 0 && allowed.Load() != 37 {
		t.Fatalf("%d of %d requests admitted across two instances, want exactly 37", allowed.Load(), checks)
	}
	pipelines := middleware.RedisStorePipelines(stores[0]) + middleware.RedisStorePipelines(stores[1])
	if pipelines >= checks/4 {
		t.Fatalf("%d checks took %d pipelines: they were hardly batched", checks, pipelines)
	}
	t.Logf("%d checks in %d pipelines", checks, pipelines)
}

func TestRateLimitRedisStoreAgainstABlackholeReturnsWithinTheTimeout(t *testing.T) {
	t.Parallel()
	opts := rlRedisOptions(rlBlackhole(t))
	opts.ReadTimeout, opts.WriteTimeout, opts.DialTimeout = 5*time.Second, 5*time.Second, 5*time.Second
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	s := middleware.NewRedisStore(rdb, "rltest:blackhole:")

	const timeout = middleware.DefaultRateLimitStoreTimeout
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	_, err := s.Allow(ctx, "k", middleware.Limit{Rate: 1, Period: time.Second})
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("Allow against a server that never answers succeeded")
	}
	if elapsed > timeout+250*time.Millisecond {
		t.Fatalf("Allow took %v, want about the %v timeout", elapsed, timeout)
	}
}

// TestRateLimitWhenRedisStops runs both tiers on a private redis-server that
// is killed and restarted. The restarted server has an empty script cache,
// so the store working again also shows the EVALSHA -> EVAL fallback.
func TestRateLimitWhenRedisStops(t *testing.T) {
	port := rlFreePort(t)
	srv := startRLRedisServer(t, port)
	rdb := redis.NewClient(rlRedisOptions("127.0.0.1:" + port))
	t.Cleanup(func() { _ = rdb.Close() })
	store := middleware.NewRedisStore(rdb, "rltest:stops:")
	limit := middleware.Limit{Rate: 3, Period: time.Hour}

	var ordinaryErrs, authErrs rlErrorLog
	ordinary := rlEcho(middleware.RateLimitWithConfig(middleware.RateLimitConfig{
		Store: store, Limit: limit, Name: "global", Headers: true, OnStoreError: ordinaryErrs.record,
	}))
	auth := rlEcho(middleware.RateLimitWithConfig(middleware.RateLimitConfig{
		Store: store, Limit: limit, Name: "auth", Headers: true, OnStoreError: authErrs.record,
		Fallback: middleware.NewMemoryStore(middleware.MemoryStoreOptions{}),
	}))

	t.Run("while Redis runs both tiers are limited by it", func(t *testing.T) {
		if got := rlStatuses(ordinary, "198.51.100.1", 5); got[200] != 3 || got[429] != 2 {
			t.Fatalf("ordinary tier statuses %v, want 3 x 200 and 2 x 429", got)
		}
		if got := rlStatuses(auth, "198.51.100.1", 5); got[200] != 3 || got[429] != 2 {
			t.Fatalf("auth tier statuses %v, want 3 x 200 and 2 x 429", got)
		}
		if ordinaryErrs.count()+authErrs.count() != 0 {
			t.Fatal("OnStoreError was called while Redis runs")
		}
	})

	srv.stop()

	t.Run("with Redis stopped the ordinary tier fails open and reports the error", func(t *testing.T) {
		got := rlStatuses(ordinary, "198.51.100.1", 5)
		if got[200] != 5 {
			t.Fatalf("ordinary tier statuses %v, want every request through", got)
		}
		if name, err := ordinaryErrs.last(); ordinaryErrs.count() != 5 || name != "global" || err == nil {
			t.Fatalf("OnStoreError called %d times, last (%q, %v)", ordinaryErrs.count(), name, err)
		}
		if rec := rlGet(ordinary, "198.51.100.1"); rec.Header().Get(middleware.HeaderRateLimitLimit) != "" {
			t.Fatal("a request that passed unlimited carries rate-limit headers")
		}
	})

	t.Run("with Redis stopped the auth tier keeps limiting in memory", func(t *testing.T) {
		got := rlStatuses(auth, "198.51.100.1", 5)
		if got[200] != 3 || got[429] != 2 {
			t.Fatalf("auth tier statuses %v, want 3 x 200 then 2 x 429 from the fallback", got)
		}
		if name, _ := authErrs.last(); authErrs.count() != 5 || name != "auth" {
			t.Fatalf("OnStoreError called %d times for %q, want 5 for auth", authErrs.count(), name)
		}
	})

	srv.start()

	t.Run("after Redis restarts the same store works again", func(t *testing.T) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := store.Allow(context.Background(), "probe", limit)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the store still fails after the restart: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		before := ordinaryErrs.count()
		rec := rlGet(ordinary, "203.0.113.50")
		if rec.Code != 200 || rec.Header().Get(middleware.HeaderRateLimitRemaining) != "2" {
			t.Fatalf("first request after restart: %d, remaining %q", rec.Code, rec.Header().Get(middleware.HeaderRateLimitRemaining))
		}
		if got := rlStatuses(ordinary, "203.0.113.50", 4); got[200] != 2 || got[429] != 2 {
			t.Fatalf("ordinary tier statuses %v after restart, want it limited again", got)
		}
		if ordinaryErrs.count() != before {
			t.Fatal("OnStoreError was called after the restart")
		}
	})
}

func TestRateLimitMiddlewareFallsBackWhenRedisNeverAnswers(t *testing.T) {
	t.Parallel()
	// Default client options: no ContextTimeoutEnabled, 5 s read timeout.
	// The middleware must still answer within StoreTimeout.
	rdb := redis.NewClient(&redis.Options{Addr: rlBlackhole(t)})
	t.Cleanup(func() { _ = rdb.Close() })
	var errs rlErrorLog
	const timeout = 100 * time.Millisecond
	e := rlEcho(middleware.RateLimitWithConfig(middleware.RateLimitConfig{
		Store: middleware.NewRedisStore(rdb, "rltest:blackhole:"), Limit: middleware.Limit{Rate: 2, Period: time.Hour},
		Name: "auth", Headers: true, StoreTimeout: timeout, OnStoreError: errs.record,
		Fallback: middleware.NewMemoryStore(middleware.MemoryStoreOptions{}),
	}))
	codes := make([]int, 3)
	for i := range codes {
		start := time.Now()
		rec := rlGet(e, "198.51.100.7")
		if elapsed := time.Since(start); elapsed > timeout+250*time.Millisecond {
			t.Fatalf("request %d took %v with a %v store timeout", i, elapsed, timeout)
		}
		codes[i] = rec.Code
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 {
		t.Fatalf("statuses %v, want the fallback's 200, 200, 429", codes)
	}
	if _, err := errs.last(); errs.count() != 3 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("OnStoreError called %d times, last error %v, want 3 deadline errors", errs.count(), err)
	}
}
