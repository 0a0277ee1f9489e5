package jwt

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisDenylist is the Denylist shared by every instance: an entry is a
// Redis key prefix+key whose expiry is the entry's, so Redis forgets it by
// itself.
//
// Expiries are computed from this host's wall clock (time.Now), whatever
// clock the Service runs on: Redis counts a key's TTL on its own clock.
//
// A Redis call must never hang a request: build the client with short
// timeouts (e.g. DialTimeout 200ms, ReadTimeout and WriteTimeout 100ms,
// PoolTimeout 100ms) and ContextTimeoutEnabled: true, so that the caller's
// deadline bounds the socket I/O. It is safe for concurrent use.
type RedisDenylist struct {
	client *redis.Client
	prefix string
}

// NewRedisDenylist returns a RedisDenylist whose keys are prefix + key (e.g.
// "rampart:jwt:deny:" + "jti:..."). A nil client panics. The caller owns
// the client and closes it.
func NewRedisDenylist(client *redis.Client, prefix string) *RedisDenylist {
	if client == nil {
		panic("jwt: NewRedisDenylist needs a client")
	}
	return &RedisDenylist{client: client, prefix: prefix}
}

// Add implements Denylist with one SET prefix+key 1 PX (until - now).
// Redis errors are returned wrapped.
func (r *RedisDenylist) Add(ctx context.Context, key string, until time.Time) error {
	ttl := time.Until(until)
	if ttl < time.Millisecond {
		return nil
	}
	if err := r.client.Set(ctx, r.prefix+key, "1", ttl).Err(); err != nil {
		return fmt.Errorf("jwt: redis denylist add: %w", err)
	}
	return nil
}

// AnyListed implements Denylist with one EXISTS of every key, one round
// trip. Redis errors are returned wrapped.
func (r *RedisDenylist) AnyListed(ctx context.Context, keys ...string) (bool, error) {
	if len(keys) == 0 {
		return false, nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = r.prefix + k
	}
	n, err := r.client.Exists(ctx, full...).Result()
	if err != nil {
		return false, fmt.Errorf("jwt: redis denylist lookup: %w", err)
	}
	return n > 0, nil
}
