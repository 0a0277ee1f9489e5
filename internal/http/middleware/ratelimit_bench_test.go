package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// rlBenchKeys is how many distinct clients the benchmarks spread over.
const rlBenchKeys = 10_000

// rlBenchLimit is high enough that no benchmark request is refused, yet its
// header values are all in the middleware's precomputed table, as for the
// app's tiers (600/min, 10/min, 5000/h).
var rlBenchLimit = middleware.Limit{Rate: 4000, Period: time.Minute}

func BenchmarkMemoryStoreAllow(b *testing.B) {
	s := middleware.NewMemoryStore(middleware.MemoryStoreOptions{})
	keys := make([]string, rlBenchKeys)
	for i := range keys {
		keys[i] = fmt.Sprintf("global:ip:10.0.%d.%d", i/256, i%256)
	}
	var worker atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(worker.Add(1)) * 7919
		for pb.Next() {
			if _, err := s.Allow(context.Background(), keys[i%len(keys)], rlBenchLimit); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// benchRateLimit runs the middleware, with a no-op handler, for requests
// spread over rlBenchKeys client IPs.
func benchRateLimit(b *testing.B, mw echo.MiddlewareFunc) {
	e := echo.New()
	e.IPExtractor = middleware.NewIPExtractor(nil)
	h := mw(func(echo.Context) error { return nil })
	addrs := make([]string, rlBenchKeys)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("10.1.%d.%d:40000", i/256, i%256)
	}
	var worker atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(worker.Add(1)) * 7919
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		rec := httptest.NewRecorder()
		c := e.NewContext(req, rec)
		for pb.Next() {
			req.RemoteAddr = addrs[i%len(addrs)]
			c.Reset(req, rec)
			if err := h(c); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkRateLimitMemory(b *testing.B) {
	benchRateLimit(b, middleware.RateLimit(middleware.NewMemoryStore(middleware.MemoryStoreOptions{}), rlBenchLimit))
}

func BenchmarkRateLimitRedis(b *testing.B) {
	rdb := rlRedisClient(b)
	store := middleware.NewRedisStore(rdb, rlPrefix(b, rdb))
	benchRateLimit(b, middleware.RateLimit(store, rlBenchLimit))
}
