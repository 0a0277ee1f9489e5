package middleware_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

var rlLimit = middleware.Limit{Rate: 1000, Period: time.Hour}

// rlAllowAsync starts s.Allow(ctx, key) and returns where its error arrives.
func rlAllowAsync(ctx context.Context, s *middleware.RedisStore, key string) <-chan error {
	out := make(chan error, 1)
	go func() {
		_, err := s.Allow(ctx, key, rlLimit)
		out <- err
	}()
	return out
}

// rlWithin waits up to d for an error from errs.
func rlWithin(t *testing.T, errs <-chan error, d time.Duration) error {
	t.Helper()
	select {
	case err := <-errs:
		return err
	case <-time.After(d):
		t.Fatalf("Allow did not return within %v", d)
		return nil
	}
}

// rlEntered waits for the first pipeline of h to start.
func rlEntered(t *testing.T, h *rlPipelineHook) {
	t.Helper()
	select {
	case <-h.entered:
	case <-time.After(2 * time.Second):
		t.Fatal("no pipeline started within 2s")
	}
}

// rlEventually polls cond for up to two seconds.
func rlEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 2s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRateLimitRedisStoreCallerContext(t *testing.T) {
	t.Parallel()
	// One dispatcher whose pipeline is held at the gate: the first check is
	// in flight, the next ones wait in the queue.
	h := &rlPipelineHook{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	s := rlHookedStore(t, h, middleware.RedisStoreOptions{Dispatchers: 1})

	inFlightCtx, cancelInFlight := context.WithCancel(context.Background())
	inFlight := rlAllowAsync(inFlightCtx, s, "a")
	rlEntered(t, h)
	queuedCtx, cancelQueued := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelQueued()
	queued := rlAllowAsync(queuedCtx, s, "b")
	patient := rlAllowAsync(context.Background(), s, "c")
	rlEventually(t, "two checks queued", func() bool { return middleware.RedisStoreQueued(s) == 2 })

	t.Run("a caller whose check is in flight returns when cancelled", func(t *testing.T) {
		cancelInFlight()
		if err := rlWithin(t, inFlight, 100*time.Millisecond); !errors.Is(err, context.Canceled) {
			t.Fatalf("Allow returned %v, want context.Canceled", err)
		}
	})
	t.Run("a queued caller returns at its deadline", func(t *testing.T) {
		if err := rlWithin(t, queued, 150*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Allow returned %v, want context.DeadlineExceeded", err)
		}
	})
	t.Run("the other callers get their answers once Redis answers", func(t *testing.T) {
		close(h.gate)
		if err := rlWithin(t, patient, 2*time.Second); err != nil {
			t.Fatal(err)
		}
		if _, largest, checks := h.stats("evalsha"); largest != 1 || checks != 2 {
			t.Fatalf("sent %d checks, in pipelines of at most %d: the expired one must not be sent", checks, largest)
		}
	})
}

func TestRateLimitRedisStoreASlowPipelineDoesNotHoldUpTheOthers(t *testing.T) {
	t.Parallel()
	h := &rlPipelineHook{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	s := rlHookedStore(t, h, middleware.RedisStoreOptions{Dispatchers: 2})
	slow := rlAllowAsync(context.Background(), s, "a")
	rlEntered(t, h)
	// Within a millisecond the next check would wait for the first pipeline;
	// later, a second dispatcher takes it.
	time.Sleep(5 * time.Millisecond)
	if err := rlWithin(t, rlAllowAsync(context.Background(), s, "b"), time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-slow:
		t.Fatalf("the held check returned (%v) before its pipeline was released", err)
	default:
	}
	close(h.gate)
	if err := rlWithin(t, slow, 2*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestRateLimitRedisStoreFailsFastWhenItsQueueIsFull(t *testing.T) {
	t.Parallel()
	h := &rlPipelineHook{gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	s := rlHookedStore(t, h, middleware.RedisStoreOptions{Dispatchers: 1, MaxQueue: 1})
	first := rlAllowAsync(context.Background(), s, "a")
	rlEntered(t, h)
	second := rlAllowAsync(context.Background(), s, "b")
	rlEventually(t, "one check queued", func() bool { return middleware.RedisStoreQueued(s) == 1 })

	if _, err := s.Allow(context.Background(), "c", rlLimit); !errors.Is(err, middleware.ErrRedisStoreQueueFull) {
		t.Fatalf("Allow with a full queue returned %v, want ErrRedisStoreQueueFull", err)
	}
	close(h.gate)
	for _, errs := range []<-chan error{first, second} {
		if err := rlWithin(t, errs, 2*time.Second); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRateLimitRedisStoreDispatchersStop counts goroutines, so it does not
// run in parallel with other tests.
func TestRateLimitRedisStoreDispatchersStop(t *testing.T) {
	h := &rlPipelineHook{delay: 5 * time.Millisecond}
	s := rlHookedStore(t, h, middleware.RedisStoreOptions{})
	if _, err := s.Allow(context.Background(), "warm-up", rlLimit); err != nil {
		t.Fatal(err)
	}
	rlEventually(t, "the dispatcher of the warm-up check exits", func() bool { return middleware.RedisStoreDispatchers(s) == 0 })

	load := func() (stop func() []error) {
		done := make(chan struct{})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for range 50 {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					if _, err := s.Allow(context.Background(), "k", rlLimit); err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						return
					}
				}
			})
		}
		rlEventually(t, "dispatchers run", func() bool { return middleware.RedisStoreDispatchers(s) > 0 })
		return func() []error { close(done); wg.Wait(); return errs }
	}

	t.Run("dispatchers exit when the store is idle", func(t *testing.T) {
		before := runtime.NumGoroutine()
		if errs := load()(); len(errs) > 0 {
			t.Fatal(errs[0])
		}
		rlEventually(t, "no dispatcher runs", func() bool { return middleware.RedisStoreDispatchers(s) == 0 })
		rlEventually(t, "goroutines back to the count before", func() bool { return runtime.NumGoroutine() <= before })
	})

	t.Run("Close stops the dispatchers under load and fails later checks", func(t *testing.T) {
		before := runtime.NumGoroutine()
		stop := load()
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if n := middleware.RedisStoreDispatchers(s); n != 0 {
			t.Fatalf("%d dispatchers run after Close returned", n)
		}
		for _, err := range stop() {
			// Checks in flight at Close see their pipeline cancelled.
			if !errors.Is(err, middleware.ErrRedisStoreClosed) && !errors.Is(err, context.Canceled) {
				t.Fatalf("a check running at Close failed with %v", err)
			}
		}
		if _, err := s.Allow(context.Background(), "k", rlLimit); !errors.Is(err, middleware.ErrRedisStoreClosed) {
			t.Fatalf("Allow after Close returned %v, want ErrRedisStoreClosed", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("a second Close: %v", err)
		}
		rlEventually(t, "goroutines back to the count before", func() bool { return runtime.NumGoroutine() <= before })
	})
}

func TestRateLimitRedisStoreOptionsAreValidated(t *testing.T) {
	cases := []struct {
		name string
		opts middleware.RedisStoreOptions
	}{
		{"a negative MaxBatch panics", middleware.RedisStoreOptions{MaxBatch: -1}},
		{"negative Dispatchers panic", middleware.RedisStoreOptions{Dispatchers: -1}},
		{"a negative MaxQueue panics", middleware.RedisStoreOptions{MaxQueue: -1}},
	}
	rdb := redis.NewClient(&redis.Options{Addr: rlRedisAddr})
	t.Cleanup(func() { _ = rdb.Close() })
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			middleware.NewRedisStoreWithOptions(rdb, tc.opts)
		})
	}
}
