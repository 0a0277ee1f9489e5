package middleware_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

func TestRateLimitGCRAOnTheMemoryStore(t *testing.T) {
	type step struct {
		advance time.Duration
		want    middleware.Result
	}
	ok := func(limit, remaining int, reset time.Duration) middleware.Result {
		return middleware.Result{Allowed: true, Limit: limit, Remaining: remaining, ResetAfter: reset}
	}
	no := func(limit int, reset, retry time.Duration) middleware.Result {
		return middleware.Result{Limit: limit, ResetAfter: reset, RetryAfter: retry}
	}
	ms := time.Millisecond
	cases := []struct {
		name  string
		limit middleware.Limit
		steps []step
	}{
		{"a burst is admitted at once and the next request is refused", middleware.Limit{Rate: 10, Period: time.Second, Burst: 3}, []step{
			{0, ok(3, 2, 100*ms)}, {0, ok(3, 1, 200*ms)}, {0, ok(3, 0, 300*ms)}, {0, no(3, 300*ms, 100*ms)},
		}},
		{"a refused request is not counted and its retry time shrinks", middleware.Limit{Rate: 10, Period: time.Second, Burst: 3}, []step{
			{0, ok(3, 2, 100*ms)}, {0, ok(3, 1, 200*ms)}, {0, ok(3, 0, 300*ms)},
			{40 * ms, no(3, 260*ms, 60*ms)}, {0, no(3, 260*ms, 60*ms)},
		}},
		{"one request is admitted again after Period/Rate", middleware.Limit{Rate: 10, Period: time.Second, Burst: 3}, []step{
			{0, ok(3, 2, 100*ms)}, {0, ok(3, 1, 200*ms)}, {0, ok(3, 0, 300*ms)},
			{100 * ms, ok(3, 0, 300*ms)}, {0, no(3, 300*ms, 100*ms)},
			{250 * ms, ok(3, 1, 150*ms)}, {0, ok(3, 0, 250*ms)},
		}},
		{"an idle key is full again after ResetAfter", middleware.Limit{Rate: 10, Period: time.Second, Burst: 3}, []step{
			{0, ok(3, 2, 100*ms)}, {0, ok(3, 1, 200*ms)}, {200 * ms, ok(3, 2, 100*ms)}, {time.Hour, ok(3, 2, 100*ms)},
		}},
		{"a zero burst means a burst of Rate", middleware.Limit{Rate: 2, Period: time.Minute}, []step{
			{0, ok(2, 1, 30*time.Second)}, {0, ok(2, 0, time.Minute)}, {0, no(2, time.Minute, 30*time.Second)},
			{29 * time.Second, no(2, 31*time.Second, time.Second)}, {time.Second, ok(2, 0, time.Minute)},
		}},
		{"a burst of one spaces every request by the interval", middleware.Limit{Rate: 60, Period: time.Minute, Burst: 1}, []step{
			{0, ok(1, 0, time.Second)}, {999 * ms, no(1, ms, ms)}, {ms, ok(1, 0, time.Second)},
		}},
		{"a burst above the rate admits more at once but refills at the rate", middleware.Limit{Rate: 1, Period: time.Minute, Burst: 3}, []step{
			{0, ok(3, 2, time.Minute)}, {0, ok(3, 1, 2*time.Minute)}, {0, ok(3, 0, 3*time.Minute)},
			{0, no(3, 3*time.Minute, time.Minute)}, {time.Minute, ok(3, 0, 3*time.Minute)},
		}},
		{"an interval that is not whole microseconds is truncated to them", middleware.Limit{Rate: 3, Period: time.Second, Burst: 1}, []step{
			{0, ok(1, 0, 333333*time.Microsecond)}, {333332 * time.Microsecond, no(1, time.Microsecond, time.Microsecond)},
			{time.Microsecond, ok(1, 0, 333333*time.Microsecond)},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newRLClock()
			s := middleware.NewMemoryStore(middleware.MemoryStoreOptions{Now: clock.Now})
			for i, st := range tc.steps {
				clock.Advance(st.advance)
				got, err := s.Allow(context.Background(), "k", tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if got != st.want {
					t.Fatalf("step %d: got %+v, want %+v", i, got, st.want)
				}
			}
		})
	}
}

func TestRateLimitStoresRejectInvalidLimits(t *testing.T) {
	cases := []struct {
		name  string
		limit middleware.Limit
	}{
		{"a zero rate is invalid", middleware.Limit{Rate: 0, Period: time.Second}},
		{"a negative rate is invalid", middleware.Limit{Rate: -1, Period: time.Second}},
		{"a zero period is invalid", middleware.Limit{Rate: 1}},
		{"a negative burst is invalid", middleware.Limit{Rate: 1, Period: time.Second, Burst: -1}},
		{"more than one event per microsecond is invalid", middleware.Limit{Rate: 2_000_000, Period: time.Second}},
		{"a window longer than a century is invalid", middleware.Limit{Rate: 1, Period: 24 * time.Hour, Burst: 40_000}},
	}
	stores := map[string]middleware.RateLimitStore{
		"memory": middleware.NewMemoryStore(middleware.MemoryStoreOptions{}),
		"redis":  middleware.NewRedisStore(rlRedisClient(t), "rltest:invalid:"),
	}
	for _, tc := range cases {
		for kind, s := range stores {
			t.Run(tc.name+" by the "+kind+" store", func(t *testing.T) {
				if _, err := s.Allow(context.Background(), "k", tc.limit); err == nil {
					t.Fatalf("Allow(%+v) succeeded", tc.limit)
				}
			})
		}
	}
}

func TestRateLimitMemoryStoreStaysWithinMaxKeys(t *testing.T) {
	cases := []struct {
		name    string
		maxKeys int
	}{
		{"a store of one shard stays within MaxKeys", 10},
		{"a store of several shards stays within MaxKeys", 1000},
		{"a store of 64 shards stays within MaxKeys", 20_000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newRLClock()
			s := middleware.NewMemoryStore(middleware.MemoryStoreOptions{MaxKeys: tc.maxKeys, Now: clock.Now})
			l := middleware.Limit{Rate: 1, Period: time.Hour}
			for i := range 10 * tc.maxKeys {
				if _, err := s.Allow(context.Background(), fmt.Sprintf("key-%d", i), l); err != nil {
					t.Fatal(err)
				}
				if i%997 == 0 && s.Len() > tc.maxKeys {
					t.Fatalf("after %d keys the store holds %d > %d", i+1, s.Len(), tc.maxKeys)
				}
			}
			if n := s.Len(); n > tc.maxKeys || n < tc.maxKeys*9/10 {
				t.Fatalf("the store holds %d keys, want at most %d and close to it", n, tc.maxKeys)
			}
		})
	}
}

func TestRateLimitMemoryStoreEvictsExpiredKeysBeforeTheLeastRecentlyUsed(t *testing.T) {
	clock := newRLClock()
	s := middleware.NewMemoryStore(middleware.MemoryStoreOptions{MaxKeys: 3, Now: clock.Now})
	hourly := middleware.Limit{Rate: 1, Period: time.Hour}
	secondly := middleware.Limit{Rate: 1, Period: time.Second}
	allow := func(key string, l middleware.Limit) bool {
		t.Helper()
		res, err := s.Allow(context.Background(), key, l)
		if err != nil {
			t.Fatal(err)
		}
		return res.Allowed
	}
	allow("oldest-but-live", hourly)
	clock.Advance(time.Second)
	allow("recent-but-expiring-1", secondly)
	allow("recent-but-expiring-2", secondly)
	clock.Advance(5 * time.Second)

	allow("new", hourly)
	if n := s.Len(); n != 2 {
		t.Fatalf("after the insert the store holds %d keys, want 2 (both expired keys dropped)", n)
	}
	if allow("oldest-but-live", hourly) {
		t.Fatal("the least recently used live key was evicted instead of the expired ones")
	}
}

func TestRateLimitMemoryStoreEvictsTheLeastRecentlyUsedKeyWhenNoneExpired(t *testing.T) {
	clock := newRLClock()
	s := middleware.NewMemoryStore(middleware.MemoryStoreOptions{MaxKeys: 2, Now: clock.Now})
	hourly := middleware.Limit{Rate: 1, Period: time.Hour}
	allow := func(key string) bool {
		t.Helper()
		res, err := s.Allow(context.Background(), key, hourly)
		if err != nil {
			t.Fatal(err)
		}
		return res.Allowed
	}
	allow("a")
	allow("b")
	allow("a") // refused, but used: b is now the least recently used
	allow("c")
	if allow("a") {
		t.Fatal("the recently used key a was evicted")
	}
	if !allow("b") {
		t.Fatal("the least recently used key b was not evicted (its bucket is still empty)")
	}
	if n := s.Len(); n != 2 {
		t.Fatalf("the store holds %d keys, want 2", n)
	}
}

func TestRateLimitMemoryStorePrunesExpiredKeysAsNewKeysArrive(t *testing.T) {
	clock := newRLClock()
	s := middleware.NewMemoryStore(middleware.MemoryStoreOptions{MaxKeys: 10, Now: clock.Now})
	l := middleware.Limit{Rate: 1, Period: time.Second}
	for i := range 5 {
		_, _ = s.Allow(context.Background(), fmt.Sprintf("old-%d", i), l)
	}
	clock.Advance(time.Minute)
	for i := range 5 {
		_, _ = s.Allow(context.Background(), fmt.Sprintf("new-%d", i), l)
	}
	if n := s.Len(); n != 5 {
		t.Fatalf("the store holds %d keys, want the 5 new ones only", n)
	}
}

func TestRateLimitMemoryStoreAdmitsExactlyBurstToConcurrentRequests(t *testing.T) {
	clock := newRLClock() // never advanced: every request arrives at the same instant
	s := middleware.NewMemoryStore(middleware.MemoryStoreOptions{Now: clock.Now})
	l := middleware.Limit{Rate: 1, Period: time.Minute, Burst: 25}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 200 {
		wg.Go(func() {
			<-start
			for range 5 {
				res, err := s.Allow(context.Background(), "one-key", l)
				if err != nil {
					t.Error(err)
				}
				if res.Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	if got := allowed.Load(); got != 25 {
		t.Fatalf("%d requests admitted, want exactly the burst of 25", got)
	}
}

func TestRateLimitMemoryStoreKeysAreIndependent(t *testing.T) {
	clock := newRLClock()
	s := middleware.NewMemoryStore(middleware.MemoryStoreOptions{Now: clock.Now})
	l := middleware.Limit{Rate: 1, Period: time.Hour}
	for i := range 100 {
		res, _ := s.Allow(context.Background(), fmt.Sprintf("k%d", i), l)
		if !res.Allowed {
			t.Fatalf("the first request of key k%d was refused", i)
		}
	}
}
