package middleware_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// rlPipelineHook records the script pipelines of a client (not those of
// connection set-up) and can slow them all down (delay) or hold the first
// one until gate is closed.
type rlPipelineHook struct {
	delay   time.Duration
	gate    chan struct{}
	entered chan struct{} // gets a value, if there is room, as each pipeline starts

	mu      sync.Mutex
	sizes   []int
	names   map[string]int
	maxCmds int // the most commands one pipeline carried
}

func (h *rlPipelineHook) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *rlPipelineHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (h *rlPipelineHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if name := cmds[0].Name(); name != "evalsha" && name != "eval" {
			return next(ctx, cmds)
		}
		h.mu.Lock()
		first := len(h.sizes) == 0
		if h.names == nil {
			h.names = map[string]int{}
		}
		checks := 0
		for _, c := range cmds {
			n := rlChecksIn(c)
			checks += n
			h.names[c.Name()] += n
		}
		h.sizes = append(h.sizes, checks)
		h.maxCmds = max(h.maxCmds, len(cmds))
		h.mu.Unlock()
		select {
		case h.entered <- struct{}{}:
		default:
		}
		if first && h.gate != nil {
			select {
			case <-h.gate:
			case <-ctx.Done():
				for _, c := range cmds {
					c.SetErr(ctx.Err())
				}
				return ctx.Err()
			}
		}
		time.Sleep(h.delay)
		return next(ctx, cmds)
	}
}

// rlChecksIn is the number of rate-limit checks a script command carries:
// its number of keys (one per check; a plain client sends a batch as one
// call over all its keys, a cluster or ring client one call per check).
func rlChecksIn(c redis.Cmder) int {
	if args := c.Args(); len(args) > 2 {
		if n, ok := args[2].(int); ok {
			return n
		}
	}
	return 1
}

// stats returns the number of pipelines, the most checks one carried, and
// how many checks went in commands named name.
func (h *rlPipelineHook) stats(name string) (pipelines, largest, named int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, n := range h.sizes {
		largest = max(largest, n)
	}
	return len(h.sizes), largest, h.names[name]
}

// rlHookedStore returns a store on its own client of the test Redis, whose
// pipelines go through h; both are closed at cleanup.
func rlHookedStore(t *testing.T, h *rlPipelineHook, opts middleware.RedisStoreOptions) *middleware.RedisStore {
	t.Helper()
	rdb := rlRedisClient(t)
	rdb.AddHook(h)
	opts.Prefix = rlPrefix(t, rdb)
	s := middleware.NewRedisStoreWithOptions(rdb, opts)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rlConcurrently runs n Allow calls on s for key at once and counts the
// admitted ones; any error fails the test.
func rlConcurrently(t *testing.T, s *middleware.RedisStore, n int, key string, l middleware.Limit) int {
	t.Helper()
	var allowed atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			res, err := s.Allow(context.Background(), key, l)
			if err != nil {
				t.Error(err)
			} else if res.Allowed {
				allowed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	return int(allowed.Load())
}

func TestRateLimitRedisStoreBatchesConcurrentChecks(t *testing.T) {
	t.Parallel()
	limit := middleware.Limit{Rate: 150, Period: time.Hour}
	cases := []struct {
		name         string
		opts         middleware.RedisStoreOptions
		callers      int
		maxPipelines int // at most this many round trips
		minPipelines int // at least this many (MaxBatch bounds each one)
		largest      int // no pipeline carries more checks
	}{
		{"a lone check is sent in a pipeline of its own", middleware.RedisStoreOptions{}, 1, 1, 1, 1},
		{"200 concurrent checks share a few round trips", middleware.RedisStoreOptions{}, 200, 20, 1, 200},
		{"a pipeline carries at most MaxBatch checks", middleware.RedisStoreOptions{MaxBatch: 8, Dispatchers: 2}, 200, 40, 25, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Each round trip takes 10 ms more, as over a slow network: checks
			// arriving meanwhile must wait for the next pipeline.
			h := &rlPipelineHook{delay: 10 * time.Millisecond}
			s := rlHookedStore(t, h, tc.opts)
			allowed := rlConcurrently(t, s, tc.callers, "k", limit)
			if want := min(tc.callers, 150); allowed != want {
				t.Errorf("%d of %d checks admitted, want exactly %d", allowed, tc.callers, want)
			}
			pipelines, largest, _ := h.stats("evalsha")
			if pipelines < tc.minPipelines || pipelines > tc.maxPipelines || largest > tc.largest {
				t.Fatalf("%d checks took %d pipelines of at most %d, want %d to %d of at most %d",
					tc.callers, pipelines, largest, tc.minPipelines, tc.maxPipelines, tc.largest)
			}
			if got := middleware.RedisStorePipelines(s); got != int64(pipelines) {
				t.Fatalf("the store counted %d pipelines, the client saw %d", got, pipelines)
			}
		})
	}
}

// A plain client's batch is one script call over all its keys; a sharded
// client's (here a ring, as a cluster would) is one call per check, since
// its keys may live on different nodes. Both count exactly, including
// repeats of one key inside a batch.
func TestRateLimitRedisStoreBatchShapePerClient(t *testing.T) {
	t.Parallel()
	limit := middleware.Limit{Rate: 150, Period: time.Hour}
	for _, tc := range []struct {
		name      string
		client    func(t *testing.T) redis.UniversalClient
		oneCallOf bool // a pipeline carries one command for many checks
	}{
		{"plain client", func(t *testing.T) redis.UniversalClient { return rlRedisClient(t) }, true},
		{"ring", func(t *testing.T) redis.UniversalClient {
			opts := rlRedisOptions(rlRedisAddr)
			ring := redis.NewRing(&redis.RingOptions{
				Addrs: map[string]string{"only": rlRedisAddr}, DB: opts.DB,
				ReadTimeout: 2 * time.Second, WriteTimeout: time.Second, PoolTimeout: 2 * time.Second,
				ContextTimeoutEnabled: true,
			})
			t.Cleanup(func() { _ = ring.Close() })
			return ring
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &rlPipelineHook{delay: 10 * time.Millisecond}
			rdb := tc.client(t)
			rdb.AddHook(h)
			prefix := rlPrefix(t, rlRedisClient(t))
			s := middleware.NewRedisStoreWithOptions(rdb, middleware.RedisStoreOptions{Prefix: prefix})
			t.Cleanup(func() { _ = s.Close() })
			if allowed := rlConcurrently(t, s, 200, "k", limit); allowed != 150 {
				t.Fatalf("%d of 200 checks admitted, want exactly 150", allowed)
			}
			pipelines, largest, checks := h.stats("evalsha")
			if checks != 200 || pipelines > 20 {
				t.Fatalf("200 checks went as %d checks in %d pipelines", checks, pipelines)
			}
			if tc.oneCallOf && (h.maxCmds != 1 || largest < 2) {
				t.Fatalf("plain client: pipelines of up to %d commands, %d checks: want one call for many checks", h.maxCmds, largest)
			}
			if !tc.oneCallOf && h.maxCmds != largest {
				t.Fatalf("ring: %d commands for up to %d checks: want one call per check", h.maxCmds, largest)
			}
		})
	}
}

// TestRateLimitRedisStoreRetriesABatchAfterScriptFlush empties the script
// cache of a private Redis: every EVALSHA of the next pipeline answers
// NOSCRIPT and must be retried with EVAL, counting each check exactly once.
func TestRateLimitRedisStoreRetriesABatchAfterScriptFlush(t *testing.T) {
	t.Parallel()
	port := rlFreePort(t)
	startRLRedisServer(t, port)
	rdb := redis.NewClient(rlRedisOptions("127.0.0.1:" + port))
	t.Cleanup(func() { _ = rdb.Close() })
	h := &rlPipelineHook{delay: 5 * time.Millisecond}
	rdb.AddHook(h)
	s := middleware.NewRedisStore(rdb, "rltest:flush:")
	t.Cleanup(func() { _ = s.Close() })
	limit := middleware.Limit{Rate: 37, Period: time.Hour}

	if _, err := s.Allow(context.Background(), "warm", limit); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	if allowed := rlConcurrently(t, s, 100, "k", limit); allowed != 37 {
		t.Fatalf("%d of 100 checks admitted after SCRIPT FLUSH, want exactly 37", allowed)
	}
	if _, _, evals := h.stats("eval"); evals == 0 {
		t.Fatal("no check was retried with EVAL after SCRIPT FLUSH")
	}
	if n, err := rdb.Get(context.Background(), "rltest:flush:k").Int64(); err != nil || n == 0 {
		t.Fatalf("the bucket was not written: %v", err)
	}
}

// BenchmarkRateLimitRedisConcurrent is BenchmarkRateLimitRedis with 32
// goroutines per CPU, as under the load test's 64 connections, so that
// concurrent checks share pipelines; per Dispatchers (the most in flight).
func BenchmarkRateLimitRedisConcurrent(b *testing.B) {
	for _, d := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("dispatchers=%d", d), func(b *testing.B) {
			rdb := rlRedisClient(b)
			store := middleware.NewRedisStoreWithOptions(rdb, middleware.RedisStoreOptions{Prefix: rlPrefix(b, rdb), Dispatchers: d})
			b.Cleanup(func() { _ = store.Close() })
			b.SetParallelism(32)
			benchRateLimit(b, middleware.RateLimit(store, rlBenchLimit))
			b.ReportMetric(float64(b.N)/float64(middleware.RedisStorePipelines(store)), "checks/pipeline")
		})
	}
}

// Checks of one key batched together (a busy client, a global tier) are
// applied one after the other, exactly as separate calls would be: every
// admitted check sees a distinct remaining count, and the bucket is stored
// once with the TTL of a full refill.
func TestRateLimitRedisStoreRepeatedKeysInABatch(t *testing.T) {
	t.Parallel()
	rdb := rlRedisClient(t)
	prefix := rlPrefix(t, rdb)
	s := middleware.NewRedisStoreWithOptions(rdb, middleware.RedisStoreOptions{Prefix: prefix})
	t.Cleanup(func() { _ = s.Close() })
	limit := middleware.Limit{Rate: 150, Period: time.Hour} // one token every 24 s: none comes back during the test

	var mu sync.Mutex
	remaining := map[string][]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 300 {
		key := "k"
		if i%3 == 2 {
			key = "j"
		}
		wg.Go(func() {
			<-start
			res, err := s.Allow(context.Background(), key, limit)
			if err != nil {
				t.Error(err)
				return
			}
			if res.Allowed {
				mu.Lock()
				remaining[key] = append(remaining[key], res.Remaining)
				mu.Unlock()
			} else if res.RetryAfter <= 0 {
				t.Errorf("a refused check of %s says retry after %v", key, res.RetryAfter)
			}
		})
	}
	close(start)
	wg.Wait()
	for key, want := range map[string]int{"k": 150, "j": 100} {
		got := remaining[key]
		if len(got) != want {
			t.Fatalf("%s: %d checks admitted, want %d", key, len(got), want)
		}
		slices.Sort(got)
		for i, r := range got {
			if r != 150-want+i {
				t.Fatalf("%s: remaining counts %v, want each of %d..149 once", key, got, 150-want)
			}
		}
		ttl, err := rdb.PTTL(context.Background(), prefix+key).Result()
		full := time.Duration(want) * 24 * time.Second
		if err != nil || ttl > full || ttl < full-time.Minute {
			t.Fatalf("%s: stored with TTL %v (%v), want just under %v: the time until the bucket is full", key, ttl, err, full)
		}
	}
}
