package jwt_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/auth/jwt"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

// The shared test Redis; tests use DB redisDB and a unique key prefix each,
// so they run in parallel without colliding.
const (
	redisAddr = "127.0.0.1:6379"
	redisDB   = 15
)

// clock is a fake clock. It starts at the current second, so that the
// expiries a RedisDenylist computes from the wall clock agree with it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

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

// testKey returns the Key of a master made of one repeated byte.
func testKey(t testing.TB, b byte) jwt.Key {
	t.Helper()
	k, err := jwt.KeyFromMaster(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// env is one test's database, clock, denylist and Service.
type env struct {
	pool  *pgxpool.Pool
	clock *clock
	deny  *jwt.MemoryDenylist
	key   jwt.Key
	svc   *jwt.Service
}

const (
	testAccessTTL  = 15 * time.Minute
	testRefreshTTL = 24 * time.Hour
)

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{pool: dbtest.New(t), clock: newClock(), key: testKey(t, 'k')}
	e.deny = jwt.NewMemoryDenylist(e.clock.Now)
	e.svc = e.service(t, nil)
	return e
}

// service returns another Service on e's database and clock, by default
// with e's key and denylist; change may alter its Config.
func (e *env) service(t testing.TB, change func(*jwt.Config)) *jwt.Service {
	t.Helper()
	cfg := jwt.Config{
		Pool: e.pool, Key: e.key, AccessTTL: testAccessTTL, RefreshTTL: testRefreshTTL,
		Denylist: e.deny, Now: e.clock.Now,
	}
	if change != nil {
		change(&cfg)
	}
	s, err := jwt.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// user creates a user and returns its id.
func (e *env) user(t testing.TB) uuid.UUID {
	t.Helper()
	u, err := db.New(e.pool).CreateUser(context.Background(), db.CreateUserParams{
		Email: uuid.NewString() + "@example.com", PasswordHash: "unused",
	})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// issue starts a family for userID.
func (e *env) issue(t testing.TB, userID uuid.UUID, custom map[string]any) jwt.Pair {
	t.Helper()
	p, err := e.svc.IssuePair(context.Background(), userID, custom)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// count runs a count(*) query.
func (e *env) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// verify returns the claims of an access token, failing the test on error.
func verify(t testing.TB, s *jwt.Service, token string) jwt.Claims {
	t.Helper()
	c, err := s.VerifyAccess(context.Background(), token)
	if err != nil {
		t.Fatalf("VerifyAccess = %v", err)
	}
	return c
}

// segments decodes the header and payload of a token.
func segments(t testing.TB, token string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d segments", token, len(parts))
	}
	var out [2]map[string]any
	for i := range out {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out[0], out[1]
}

// seg is the base64url segment of v's JSON.
func seg(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// sign signs claims under header with method and key, whatever they are.
func sign(t testing.TB, method gojwt.SigningMethod, key any, header map[string]any, claims gojwt.MapClaims) string {
	t.Helper()
	tok := &gojwt.Token{Header: header, Claims: claims, Method: method}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// redisClient returns a client of the shared test Redis, closed at cleanup;
// the test is skipped when that Redis does not answer.
func redisClient(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(redisOptions(redisAddr))
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Skipf("the test Redis at %s does not answer: %v", redisAddr, err)
	}
	return c
}

// redisOptions are the client settings RedisDenylist asks for, with
// timeouts that leave room for the race detector.
func redisOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:                  addr,
		DB:                    redisDB,
		DialTimeout:           200 * time.Millisecond,
		ReadTimeout:           2 * time.Second,
		WriteTimeout:          2 * time.Second,
		PoolTimeout:           2 * time.Second,
		MaxRetries:            1,
		ContextTimeoutEnabled: true,
	}
}

// redisPrefix returns a fresh key prefix whose keys are deleted at cleanup.
func redisPrefix(t testing.TB, c *redis.Client) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "jwttest:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := c.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return prefix
}
