package middleware_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// rlRedisAddr is the shared test Redis; tests use DB rlRedisDB and a unique
// key prefix each, so they run in parallel without colliding.
const (
	rlRedisAddr = "127.0.0.1:6379"
	rlRedisDB   = 15
)

// rlClock is a fake clock for MemoryStore.
type rlClock struct {
	mu sync.Mutex
	t  time.Time
}

func newRLClock() *rlClock { return &rlClock{t: time.Unix(1_700_000_000, 0)} }

func (c *rlClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *rlClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// rlRedisOptions are the client settings the RedisStore documentation asks
// for: short timeouts, and a context deadline that bounds socket I/O.
func rlRedisOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:                  addr,
		DB:                    rlRedisDB,
		DialTimeout:           200 * time.Millisecond,
		ReadTimeout:           200 * time.Millisecond,
		WriteTimeout:          200 * time.Millisecond,
		PoolTimeout:           200 * time.Millisecond,
		MaxRetries:            1,
		ContextTimeoutEnabled: true,
	}
}

// rlRedisClient returns a client of the shared test Redis, closed at cleanup.
func rlRedisClient(t testing.TB) *redis.Client {
	t.Helper()
	opts := rlRedisOptions(rlRedisAddr)
	opts.ReadTimeout = 2 * time.Second // the race detector and parallel tests slow things down
	opts.PoolTimeout = 2 * time.Second
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("the test Redis at %s does not answer: %v", rlRedisAddr, err)
	}
	return c
}

// rlPrefix returns a fresh key prefix whose keys are deleted at cleanup.
func rlPrefix(t testing.TB, c *redis.Client) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "rltest:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := c.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return prefix
}

// rlRedisKeys lists the keys under prefix.
func rlRedisKeys(t *testing.T, c *redis.Client, prefix string) []string {
	t.Helper()
	keys, err := c.Keys(context.Background(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// rlFreePort returns a TCP port nothing listens on right now.
func rlFreePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// rlRedisServer is a private redis-server process.
type rlRedisServer struct {
	t    *testing.T
	port string
	cmd  *exec.Cmd
}

func startRLRedisServer(t *testing.T, port string) *rlRedisServer {
	t.Helper()
	s := &rlRedisServer{t: t, port: port}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *rlRedisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", "--port", s.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("starting redis-server: %v", err)
	}
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + s.port, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			s.t.Fatalf("redis-server on port %s did not come up", s.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *rlRedisServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// rlBlackhole is a TCP server that accepts connections and never answers.
func rlBlackhole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// rlFailingStore always fails.
type rlFailingStore struct{ calls atomic.Int64 }

var errRLStoreDown = errors.New("store down")

func (s *rlFailingStore) Allow(context.Context, string, middleware.Limit) (middleware.Result, error) {
	s.calls.Add(1)
	return middleware.Result{}, errRLStoreDown
}

// rlErrorLog records OnStoreError calls.
type rlErrorLog struct {
	mu    sync.Mutex
	names []string
	errs  []error
}

func (l *rlErrorLog) record(_ context.Context, name string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.names = append(l.names, name)
	l.errs = append(l.errs, err)
}

func (l *rlErrorLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.errs)
}

func (l *rlErrorLog) last() (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) == 0 {
		return "", nil
	}
	return l.names[len(l.names)-1], l.errs[len(l.errs)-1]
}

// rlEcho returns an Echo instance with the app's IP extractor and mws on
// GET /, answering "ok".
func rlEcho(mws ...echo.MiddlewareFunc) *echo.Echo {
	e := echo.New()
	e.IPExtractor = middleware.NewIPExtractor(nil)
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "ok") }, mws...)
	return e
}

// rlGet sends GET / from the client address ip.
func rlGet(e *echo.Echo, ip string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = net.JoinHostPort(ip, "40000")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return serve(e, req)
}

// rlStatuses counts the statuses of n requests from ip.
func rlStatuses(e *echo.Echo, ip string, n int) map[int]int {
	out := map[int]int{}
	for range n {
		out[rlGet(e, ip).Code]++
	}
	return out
}
