package middleware_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

func TestRateLimitKeys(t *testing.T) {
	user := func(c echo.Context) (string, bool) {
		id := c.Request().Header.Get("X-Test-User")
		return id, id != ""
	}
	hash := func(s string) string { sum := sha256.Sum256([]byte(s)); return hex.EncodeToString(sum[:]) }
	cases := []struct {
		name    string
		keyFunc func(echo.Context) (string, error)
		ip      string
		header  []string
		want    string
	}{
		{"KeyByIP keys an IPv4 client by its address", middleware.KeyByIP, "198.51.100.1", nil, "global:ip:198.51.100.1"},
		{"KeyByIP keys an IPv6 client by its /64", middleware.KeyByIP, "2001:db8:1:2:3:4:5:6", nil, "global:ip:2001:db8:1:2::"},
		{"KeyByIP keys an IPv4-mapped client as IPv4", middleware.KeyByIP, "::ffff:198.51.100.1", nil, "global:ip:198.51.100.1"},
		{"KeyByHeader keys by the SHA-256 of the value", middleware.KeyByHeader("X-Api-Key"), "198.51.100.1", []string{"X-Api-Key", "abcd.secret"}, "global:hdr:" + hash("abcd.secret")},
		{"KeyByHeader without the header keys by IP", middleware.KeyByHeader("X-Api-Key"), "198.51.100.1", nil, "global:ip:198.51.100.1"},
		{"KeyByUser keys by the user id", middleware.KeyByUser(user), "198.51.100.1", []string{"X-Test-User", "42"}, "global:user:42"},
		{"KeyByUser without a user keys by IP", middleware.KeyByUser(user), "198.51.100.1", nil, "global:ip:198.51.100.1"},
		{"KeyGlobal puts everyone in one bucket", middleware.KeyGlobal, "198.51.100.1", nil, "global:all"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			store := newRLKeyLog(nil)
			cfg := rlConfig(store, middleware.Limit{Rate: 10, Period: time.Minute})
			cfg.KeyFunc = tc.keyFunc
			rlGet(rlEcho(middleware.RateLimitWithConfig(cfg)), tc.ip, tc.header...)
			if got := store.last(); got != tc.want {
				t.Fatalf("key %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRateLimitBuckets(t *testing.T) {
	limit := middleware.Limit{Rate: 1, Period: time.Hour}
	cases := []struct {
		name    string
		keyFunc func(echo.Context) (string, error)
		second  string // the second request's client IP; the first is 198.51.100.1
		want    int
	}{
		{"a second IP has its own bucket", middleware.KeyByIP, "198.51.100.2", 200},
		{"the same IP shares its bucket", middleware.KeyByIP, "198.51.100.1", 429},
		{"a second IP shares the global bucket", middleware.KeyGlobal, "198.51.100.2", 429},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := rlConfig(middleware.NewMemoryStore(middleware.MemoryStoreOptions{}), limit)
			cfg.KeyFunc = tc.keyFunc
			e := rlEcho(middleware.RateLimitWithConfig(cfg))
			rlGet(e, "198.51.100.1")
			if got := rlGet(e, tc.second).Code; got != tc.want {
				t.Fatalf("second request: %d, want %d", got, tc.want)
			}
		})
	}
	t.Run("two addresses of one IPv6 /64 share a bucket", func(t *testing.T) {
		e := rlEcho(middleware.RateLimit(middleware.NewMemoryStore(middleware.MemoryStoreOptions{}), limit))
		rlGet(e, "2001:db8::1")
		if got := rlGet(e, "2001:db8::ffff:2").Code; got != 429 {
			t.Fatalf("second address of the /64: %d, want 429", got)
		}
		if got := rlGet(e, "2001:db8:0:1::1").Code; got != 200 {
			t.Fatalf("an address of the next /64: %d, want 200", got)
		}
	})
}

func TestRateLimitKeyByHeaderNeverStoresTheValueInRedis(t *testing.T) {
	t.Parallel()
	rdb := rlRedisClient(t)
	prefix := rlPrefix(t, rdb)
	cfg := rlConfig(middleware.NewRedisStore(rdb, prefix), middleware.Limit{Rate: 2, Period: time.Hour})
	cfg.Name, cfg.KeyFunc = "api", middleware.KeyByHeader("Authorization")
	e := rlEcho(middleware.RateLimitWithConfig(cfg))
	const token = "Bearer 0123abcd.0123456789abcdef0123456789abcdef"
	codes := []int{
		rlGet(e, "198.51.100.1", "Authorization", token).Code,
		rlGet(e, "198.51.100.2", "Authorization", token).Code,
		rlGet(e, "198.51.100.3", "Authorization", token).Code,
		rlGet(e, "198.51.100.3").Code,
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 429 || codes[3] != 200 {
		t.Fatalf("statuses %v, want one bucket per token across IPs and the IP without a token apart", codes)
	}
	sum := sha256.Sum256([]byte(token))
	want := map[string]bool{prefix + "api:hdr:" + hex.EncodeToString(sum[:]): true, prefix + "api:ip:198.51.100.3": true}
	keys := rlRedisKeys(t, rdb, prefix)
	for _, k := range keys {
		if strings.Contains(k, "0123456789abcdef0123456789abcdef") || strings.Contains(k, "Bearer") {
			t.Fatalf("the token appears in the Redis key %q", k)
		}
		if !want[k] {
			t.Fatalf("unexpected Redis key %q", k)
		}
	}
	if len(keys) != len(want) {
		t.Fatalf("Redis keys %v, want %v", keys, want)
	}
}
