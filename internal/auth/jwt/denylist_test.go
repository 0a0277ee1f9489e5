package jwt_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/auth/jwt"
)

func TestMemoryDenylistForgetsExpiredEntries(t *testing.T) {
	t.Parallel()
	c := newClock()
	d := jwt.NewMemoryDenylist(c.Now)
	ctx := context.Background()
	listed := func(keys ...string) bool {
		t.Helper()
		ok, err := d.AnyListed(ctx, keys...)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	_ = d.Add(ctx, "short", c.Now().Add(time.Second))
	_ = d.Add(ctx, "long", c.Now().Add(time.Hour))
	_ = d.Add(ctx, "past", c.Now().Add(-time.Second))
	if !listed("nope", "short") || !listed("long") || listed("past") || listed("nope") || listed() {
		t.Fatal("wrong answers before any expiry")
	}
	c.Advance(time.Second)
	if listed("short") || !listed("short", "long") {
		t.Fatal("an entry is still listed at its until")
	}
	if d.Len() != 2 {
		t.Fatalf("Len = %d before a sweep, want 2", d.Len())
	}
	c.Advance(2 * time.Minute)
	_ = d.Add(ctx, "new", c.Now().Add(time.Minute))
	if d.Len() != 2 || !listed("new") || !listed("long") {
		t.Fatalf("Len = %d after a sweep, want 2 (long and new)", d.Len())
	}
}

func TestMemoryDenylistGrowthIsBounded(t *testing.T) {
	t.Parallel()
	c := newClock()
	d := jwt.NewMemoryDenylist(c.Now)
	ctx := context.Background()
	peak := 0
	// 20 000 entries, each live for 100 ms of a clock that moves 1 ms per
	// write: about 100 are live at any time.
	for i := range 20_000 {
		_ = d.Add(ctx, fmt.Sprint(i), c.Now().Add(100*time.Millisecond))
		c.Advance(time.Millisecond)
		peak = max(peak, d.Len())
	}
	if peak > 2048 {
		t.Fatalf("the denylist held %d entries with about 100 live", peak)
	}
}

func TestRedisDenylist(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	prefix := redisPrefix(t, rdb)
	d := jwt.NewRedisDenylist(rdb, prefix)
	ctx := context.Background()
	if err := d.Add(ctx, "jti:a", time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := d.Add(ctx, "jti:past", time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	ttl, err := rdb.PTTL(ctx, prefix+"jti:a").Result()
	if err != nil || ttl <= 55*time.Second || ttl > time.Minute {
		t.Fatalf("PTTL = %v, %v; want about a minute", ttl, err)
	}
	if n, _ := rdb.Exists(ctx, prefix+"jti:past").Result(); n != 0 {
		t.Fatal("an entry whose until has passed was written")
	}
	for _, tc := range []struct {
		keys []string
		want bool
	}{{[]string{"jti:a"}, true}, {[]string{"fam:x", "jti:a"}, true}, {[]string{"fam:x"}, false}, {nil, false}} {
		if got, err := d.AnyListed(ctx, tc.keys...); err != nil || got != tc.want {
			t.Fatalf("AnyListed(%v) = %v, %v; want %v", tc.keys, got, err, tc.want)
		}
	}
	if err := d.Add(ctx, "jti:b", time.Now().Add(50*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got, _ := d.AnyListed(ctx, "jti:b"); got {
		t.Fatal("Redis still lists an entry after its until")
	}
}

func TestNewDenylistPicksRedisWhenThereIsAClient(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	defer rdb.Close()
	if _, ok := jwt.NewDenylist(rdb, "p:", nil).(*jwt.RedisDenylist); !ok {
		t.Fatal("NewDenylist with a client is not a RedisDenylist")
	}
	if _, ok := jwt.NewDenylist(nil, "p:", nil).(*jwt.MemoryDenylist); !ok {
		t.Fatal("NewDenylist without a client is not a MemoryDenylist")
	}
}

// TestRevokeIsSharedThroughRedis stands for two instances: both verify
// against one Redis, so a revocation on one is refused by the other.
func TestRevokeIsSharedThroughRedis(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	prefix := redisPrefix(t, redisClient(t))
	a := e.service(t, func(c *jwt.Config) { c.Denylist = jwt.NewRedisDenylist(redisClient(t), prefix) })
	b := e.service(t, func(c *jwt.Config) { c.Denylist = jwt.NewRedisDenylist(redisClient(t), prefix) })
	p, err := a.IssuePair(context.Background(), e.user(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, b, p.AccessToken)
	if err := a.Revoke(context.Background(), p.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := b.VerifyAccess(context.Background(), p.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("the other instance = %v, want ErrRevoked", err)
	}

	q, err := b.IssuePair(context.Background(), e.user(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	verify(t, a, q.AccessToken)
	if err := b.Revoke(context.Background(), q.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := a.VerifyAccess(context.Background(), q.AccessToken); !errors.Is(err, jwt.ErrRevoked) {
		t.Fatalf("a family revoked on the other instance = %v, want ErrRevoked", err)
	}
}

func TestRevocationFailsClosedWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	_ = l.Close()
	rdb := redis.NewClient(redisOptions(closed))
	t.Cleanup(func() { _ = rdb.Close() })
	down := e.service(t, func(c *jwt.Config) { c.Denylist = jwt.NewRedisDenylist(rdb, "jwttest:down:") })
	p, err := down.IssuePair(context.Background(), e.user(t), nil)
	if err != nil {
		t.Fatalf("IssuePair needs no Redis: %v", err)
	}
	if c, err := down.VerifyAccess(context.Background(), p.AccessToken); !errors.Is(err, jwt.ErrUnavailable) || c.UserID != [16]byte{} {
		t.Fatalf("VerifyAccess with Redis down = %+v, %v; want ErrUnavailable and no claims", c, err)
	}
	if err := down.Revoke(context.Background(), p.AccessToken); !errors.Is(err, jwt.ErrUnavailable) {
		t.Fatalf("Revoke with Redis down = %v, want ErrUnavailable", err)
	}
	if _, err := down.VerifyAccess(context.Background(), "garbage"); err != jwt.ErrInvalidToken { //nolint:errorlint
		t.Fatalf("an invalid token with Redis down = %v, want ErrInvalidToken", err)
	}
}
