package apikey_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/internal/testutil"
)

// withRedis sets a Redis client and channel on a Config.
func withRedis(c *redis.Client, channel string, ttl time.Duration) func(*apikey.Config) {
	return func(cfg *apikey.Config) {
		cfg.Redis, cfg.Channel, cfg.CacheTTL = c, channel, ttl
	}
}

func waitSubscribed(t *testing.T, s *apikey.Service, n int64) {
	t.Helper()
	waitFor(t, "the revocation subscription is confirmed", func() bool { return apikey.Subscriptions(s) >= n })
}

func TestRevocationOnOneInstanceReachesAnotherThroughRedis(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	channel := testChannel(t)
	// A long TTL: only the published revocation can explain B refusing the key.
	a := f.service(t, f.pool, withRedis(redisClient(t, "apikeytest-a"), channel, time.Hour))
	bPool, bQueries := f.countedPool(t)
	b := f.service(t, bPool, withRedis(redisClient(t, "apikeytest-b"), channel, time.Hour))
	waitSubscribed(t, a, 1)
	waitSubscribed(t, b, 1)
	user := f.user(t)
	plain, k := create(t, a, user)
	ctx := context.Background()
	for range 2 {
		if _, err := b.Authenticate(ctx, plain); err != nil {
			t.Fatal(err)
		}
	}
	before := bQueries.n.Load()
	if _, err := b.Authenticate(ctx, plain); err != nil || bQueries.n.Load() != before {
		t.Fatalf("B does not answer from its cache: %v, %d queries", err, bQueries.n.Load()-before)
	}
	if err := a.Revoke(ctx, user, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, plain); !errors.Is(err, apikey.ErrInvalidKey) {
		t.Fatalf("the revoking instance: Authenticate = %v, want ErrInvalidKey at once", err)
	}
	waitFor(t, "B refuses the revoked key", func() bool {
		_, err := b.Authenticate(ctx, plain)
		return errors.Is(err, apikey.ErrInvalidKey)
	})
}

func TestALostSubscriptionEmptiesTheCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	name := "apikeytest-" + randomHex(t, 6)
	rdb := redisClient(t, name)
	s := f.service(t, f.pool, withRedis(rdb, testChannel(t), time.Hour))
	waitSubscribed(t, s, 1)
	user := f.user(t)
	plain, k := create(t, s, user)
	ctx := context.Background()
	if _, err := s.Authenticate(ctx, plain); err != nil {
		t.Fatal(err)
	}
	// A revocation whose message this instance never receives.
	if _, err := f.pool.Exec(ctx, "UPDATE api_keys SET revoked_at = now() WHERE id = $1", k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, plain); err != nil {
		t.Fatalf("before the connection drops the cached row answers: %v", err)
	}
	killClients(t, name)
	waitSubscribed(t, s, 2)
	if _, err := s.Authenticate(ctx, plain); !errors.Is(err, apikey.ErrInvalidKey) {
		t.Fatalf("after the subscription was lost and renewed: Authenticate = %v, want ErrInvalidKey", err)
	}
}

// killClients drops every connection to Redis named name.
func killClients(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	admin := redisClient(t, "apikeytest-admin")
	list, err := admin.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		fields := map[string]string{}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			fields[k] = v
		}
		if fields["name"] != name {
			continue
		}
		if err := admin.Do(ctx, "CLIENT", "KILL", "ID", fields["id"]).Err(); err == nil {
			killed++
		}
	}
	if killed == 0 {
		t.Fatalf("no Redis connection is named %s", name)
	}
}

func TestWithRedisUnreachableTheCacheStaysOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pool, queries := f.countedPool(t)
	logs := &testutil.SyncBuffer{}
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = down.Close() })
	s := f.service(t, pool, func(c *apikey.Config) {
		withRedis(down, testChannel(t), time.Hour)(c)
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	user := f.user(t)
	plain, k := create(t, s, user)
	ctx := context.Background()
	for range 3 {
		before := queries.n.Load()
		if _, err := s.Authenticate(ctx, plain); err != nil {
			t.Fatal(err)
		}
		if queries.n.Load() == before {
			t.Fatal("a key was answered from the cache while no revocation could reach it")
		}
	}
	if err := s.Revoke(ctx, user, k.ID); err != nil {
		t.Fatalf("Revoke with Redis down = %v, want nil (the revocation is in PostgreSQL)", err)
	}
	if _, err := s.Authenticate(ctx, plain); !errors.Is(err, apikey.ErrInvalidKey) {
		t.Fatalf("Authenticate of a revoked key = %v", err)
	}
	for _, want := range []string{"revocation subscription failed", "publishing a revocation to Redis failed"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logs.String())
		}
	}
	done := make(chan struct{})
	go func() { _ = s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not return within 2 s")
	}
}
