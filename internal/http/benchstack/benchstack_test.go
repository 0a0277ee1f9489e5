package benchstack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/http/benchstack"
)

func build(tb testing.TB) map[string]http.Handler {
	tb.Helper()
	f, err := os.Create(filepath.Join(tb.TempDir(), "access.log"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.Close() })
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: 15})
	tb.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		rdb = nil
	}
	opts := benchstack.Options{LogTo: f, RedisPrefix: "bench:" + tb.Name() + ":"}
	if rdb != nil {
		opts.Redis = rdb
	}
	return benchstack.Build(opts)
}

// TestEveryVariantAnswersHello keeps the benchmarked handlers honest: each
// serves the same response, and ours carries the security headers.
func TestEveryVariantAnswersHello(t *testing.T) {
	for name, h := range build(t) {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/hello", nil)
			req.RemoteAddr = "192.0.2.1:1234"
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || rec.Body.String() != "Hello, World!" {
				t.Fatalf("status %d body %q", rec.Code, rec.Body)
			}
			if name == benchstack.Rampart || name == benchstack.RampartRedis {
				for _, h := range []string{"X-Request-Id", "Content-Security-Policy", "X-RateLimit-Remaining", "X-Frame-Options"} {
					if rec.Header().Get(h) == "" {
						t.Errorf("%s missing", h)
					}
				}
			}
		})
	}
}

// BenchmarkStacks measures each variant's per-request cost in process (no
// network): the middleware overhead alone. bench/run.sh measures req/s over
// real HTTP, where the ratios that matter are reported.
func BenchmarkStacks(b *testing.B) {
	handlers := build(b)
	for _, name := range benchstack.Names() {
		h, ok := handlers[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest(http.MethodGet, "/hello", nil)
				req.RemoteAddr = "192.0.2.1:1234"
				for pb.Next() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
				}
			})
		})
	}
}
