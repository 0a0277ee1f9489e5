package apikey_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

// The shared test Redis: DB 15, and a channel of its own per test (pub/sub
// channels are not per database).
const (
	testRedisAddr = "127.0.0.1:6379"
	testRedisDB   = 15
)

// testHMACKey stands for keys.Derive(master, keys.APIKey).
var testHMACKey = []byte("0123456789abcdef0123456789abcdef")

// clock is a settable time source shared by services and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// queryCounter is a pgx tracer counting the queries a pool sends.
type queryCounter struct{ n atomic.Int64 }

func (q *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	q.n.Add(1)
	return ctx
}

func (q *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// fixture is one fresh database with a clock.
type fixture struct {
	url   string
	pool  *pgxpool.Pool
	clock *clock
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{url: dbtest.NewURL(t), clock: newClock()}
	f.pool, _ = f.countedPool(t)
	return f
}

// countedPool opens another pool on the fixture's database whose queries are
// counted.
func (f *fixture) countedPool(t testing.TB) (*pgxpool.Pool, *queryCounter) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(f.url)
	if err != nil {
		t.Fatal(err)
	}
	qc := &queryCounter{}
	cfg.ConnConfig.Tracer = qc
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, qc
}

// service builds a Service on pool with the fixture's clock; change applies
// further settings.
func (f *fixture) service(t testing.TB, pool *pgxpool.Pool, change func(*apikey.Config)) *apikey.Service {
	t.Helper()
	cfg := apikey.Config{Pool: pool, HMACKey: testHMACKey, Now: f.clock.Now}
	if change != nil {
		change(&cfg)
	}
	s, err := apikey.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func (f *fixture) user(t testing.TB) uuid.UUID {
	t.Helper()
	u, err := db.New(f.pool).CreateUser(context.Background(), db.CreateUserParams{
		Email: "u" + randomHex(t, 6) + "@example.com", PasswordHash: "x",
	})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// create issues a key that must be accepted.
func create(t testing.TB, s *apikey.Service, user uuid.UUID, scopes ...string) (string, apikey.Key) {
	t.Helper()
	if len(scopes) == 0 {
		scopes = []string{apikey.ScopeRead}
	}
	plain, k, err := s.Create(context.Background(), user, "test key", scopes, 0)
	if err != nil {
		t.Fatal(err)
	}
	return plain, k
}

func (f *fixture) countKeys(t testing.TB) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), "SELECT count(*) FROM api_keys").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// redisClient returns a client of the test Redis, or skips the test when
// Redis does not answer.
func redisClient(t testing.TB, name string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr: testRedisAddr, DB: testRedisDB, ClientName: name,
		DialTimeout: 500 * time.Millisecond, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
	})
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Skipf("the test Redis at %s does not answer: %v", testRedisAddr, err)
	}
	return c
}

// testChannel is a revocation channel no other test uses.
func testChannel(t testing.TB) string { return "apikeytest:" + randomHex(t, 8) }

// waitFor polls cond every 10 ms for up to 2 s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 2 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
