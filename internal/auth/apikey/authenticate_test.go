package apikey_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
)

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, func(c *apikey.Config) { c.CacheTTL = -1 })
	user := f.user(t)
	ctx := context.Background()
	good, goodKey := create(t, s, user)
	revoked, revokedKey := create(t, s, user)
	if err := s.Revoke(ctx, user, revokedKey.ID); err != nil {
		t.Fatal(err)
	}
	expiring, _, err := s.Create(ctx, user, "short", []string{"read"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(24 * time.Hour)
	wrongSecret := good[:9] + flip(good[9:])
	unknownPrefix := flip(good[:8]) + good[8:]
	cases := []struct {
		name    string
		in      string
		wantErr error
	}{
		{"a valid key is accepted", good, nil},
		{"a wrong secret is refused", wrongSecret, apikey.ErrInvalidKey},
		{"an unknown prefix is refused", unknownPrefix, apikey.ErrInvalidKey},
		{"a revoked key is refused", revoked, apikey.ErrInvalidKey},
		{"a key at its expiry is refused", expiring, apikey.ErrInvalidKey},
		{"an empty string is not a key", "", apikey.ErrNotAPIKey},
		{"a key in upper case is not a key", "ABCDEF01" + good[8:], apikey.ErrNotAPIKey},
		{"a key with a trailing space is not a key", good + " ", apikey.ErrNotAPIKey},
		{"a JWT is not a key", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", apikey.ErrNotAPIKey},
		{"a session cookie value is not a key", "rjS0Ln1nQd0bS0lIrqUNiWt3Fq3v0m4yVqR3KXx5bA0", apikey.ErrNotAPIKey},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k, err := s.Authenticate(ctx, tc.in)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Authenticate = %+v, %v; want %v", k, err, tc.wantErr)
			}
			if tc.wantErr != nil {
				return
			}
			if k.ID != goodKey.ID || k.UserID != user || k.Prefix != goodKey.Prefix || k.Name != "test key" {
				t.Fatalf("Authenticate = %+v, want the key %+v", k, goodKey)
			}
		})
	}
}

// flip changes every hex digit of s to another.
func flip(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == 'f' {
			b[i] = '0'
		} else if c == '9' {
			b[i] = 'a'
		} else {
			b[i] = c + 1
		}
	}
	return string(b)
}

func TestLastUsedIsWrittenAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ttl  time.Duration
	}{
		{"with the cache", time.Hour},
		{"without the cache", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			s := f.service(t, f.pool, func(c *apikey.Config) { c.CacheTTL = tc.ttl })
			user := f.user(t)
			plain, k := create(t, s, user)
			ctx := context.Background()
			stored := func() *time.Time {
				got, err := s.Get(ctx, user, k.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.LastUsedAt
			}
			if stored() != nil {
				t.Fatal("a new key has a last use")
			}
			t0 := f.clock.Now()
			steps := []struct {
				advance time.Duration
				want    time.Time
			}{
				{0, t0},
				{10 * time.Second, t0},
				{50 * time.Second, t0}, // exactly a minute later: not yet
				{time.Second, t0.Add(61 * time.Second)},
				{30 * time.Second, t0.Add(61 * time.Second)},
				{30 * time.Second, t0.Add(61 * time.Second)},
				{time.Second, t0.Add(122 * time.Second)},
			}
			for i, st := range steps {
				f.clock.Advance(st.advance)
				for range 3 {
					got, err := s.Authenticate(ctx, plain)
					if err != nil {
						t.Fatal(err)
					}
					if got.LastUsedAt == nil || !got.LastUsedAt.Equal(st.want) {
						t.Fatalf("step %d: Authenticate reports last use %v, want %v", i, got.LastUsedAt, st.want)
					}
				}
				if got := stored(); got == nil || !got.Equal(st.want) {
					t.Fatalf("step %d at %v: stored last use %v, want %v", i, f.clock.Now().Sub(t0), got, st.want)
				}
			}
		})
	}
}

func TestTheCacheSparesPostgreSQL(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pool, queries := f.countedPool(t)
	s := f.service(t, pool, nil)
	plain, k := create(t, s, f.user(t))
	ctx := context.Background()
	if _, err := s.Authenticate(ctx, plain); err != nil {
		t.Fatal(err)
	}
	before := queries.n.Load()
	for range 100 {
		if _, err := s.Authenticate(ctx, plain); err != nil {
			t.Fatal(err)
		}
	}
	if n := queries.n.Load() - before; n != 0 {
		t.Fatalf("100 cached authentications sent %d queries, want 0", n)
	}
	wrong := plain[:9] + flip(plain[9:])
	for range 10 {
		if _, err := s.Authenticate(ctx, wrong); !errors.Is(err, apikey.ErrInvalidKey) {
			t.Fatalf("a wrong secret for a cached key: Authenticate = %v, want ErrInvalidKey", err)
		}
	}
	if n := queries.n.Load() - before; n != 0 {
		t.Fatalf("wrong secrets for a cached key sent %d queries, want 0", n)
	}
	if _, err := s.Authenticate(ctx, plain); err != nil {
		t.Fatalf("after wrong secrets the right one is refused: %v", err)
	}

	// Expected and documented: a row deleted behind the Service's back (not
	// revoked through it) is still honoured until CacheTTL.
	if _, err := f.pool.Exec(ctx, "DELETE FROM api_keys WHERE id = $1", k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, plain); err != nil {
		t.Fatalf("within CacheTTL the cached row should still answer: %v", err)
	}
	f.clock.Advance(apikey.DefaultCacheTTL)
	if _, err := s.Authenticate(ctx, plain); !errors.Is(err, apikey.ErrInvalidKey) {
		t.Fatalf("after CacheTTL a deleted key: Authenticate = %v, want ErrInvalidKey", err)
	}
}

func TestACachedKeyStillExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, func(c *apikey.Config) { c.CacheTTL = 72 * time.Hour })
	plain, _, err := s.Create(context.Background(), f.user(t), "short", []string{"read"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(24*time.Hour - time.Second)
	if _, err := s.Authenticate(context.Background(), plain); err != nil {
		t.Fatalf("a second before its expiry: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := s.Authenticate(context.Background(), plain); !errors.Is(err, apikey.ErrInvalidKey) {
		t.Fatalf("at its expiry a cached key: Authenticate = %v, want ErrInvalidKey", err)
	}
}

func TestTheCacheIsBounded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, func(c *apikey.Config) { c.MaxCacheEntries = 16 })
	user := f.user(t)
	var plains []string
	for range 40 {
		p, _ := create(t, s, user)
		plains = append(plains, p)
	}
	for _, p := range plains {
		if _, err := s.Authenticate(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	// 16 shards of one entry each.
	if n := apikey.CacheLen(s); n > 16 {
		t.Fatalf("the cache holds %d rows, want at most 16", n)
	}
}

func TestTheReturnedKeyIsTheCallers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	plain, _ := create(t, s, f.user(t), "read")
	k, err := s.Authenticate(context.Background(), plain)
	if err != nil {
		t.Fatal(err)
	}
	k.Scopes[0] = "write"
	again, err := s.Authenticate(context.Background(), plain)
	if err != nil || again.HasScope(apikey.ScopeWrite) {
		t.Fatalf("changing a returned key changed the cache: %+v, %v", again, err)
	}
}

func TestRevocationWithoutRedisReachesOtherInstancesWithinTheCacheTTL(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.service(t, f.pool, nil)
	b := f.service(t, f.pool, nil)
	user := f.user(t)
	plain, k := create(t, a, user)
	ctx := context.Background()
	for _, s := range []*apikey.Service{a, b} {
		if _, err := s.Authenticate(ctx, plain); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Revoke(ctx, user, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, plain); !errors.Is(err, apikey.ErrInvalidKey) {
		t.Fatalf("the revoking instance: Authenticate = %v, want ErrInvalidKey at once", err)
	}
	// Documented: without Redis, B honours its cached row until CacheTTL.
	f.clock.Advance(apikey.DefaultCacheTTL - time.Second)
	if _, err := b.Authenticate(ctx, plain); err != nil {
		t.Fatalf("within CacheTTL, B answers from its cache: %v", err)
	}
	f.clock.Advance(time.Second)
	if _, err := b.Authenticate(ctx, plain); !errors.Is(err, apikey.ErrInvalidKey) {
		t.Fatalf("after CacheTTL, B: Authenticate = %v, want ErrInvalidKey", err)
	}
}
