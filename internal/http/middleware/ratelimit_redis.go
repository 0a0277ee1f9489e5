package middleware

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcraScript is the GCRA of ratelimit_gcra.go in Redis, in microseconds of
// the Redis server's clock. KEYS[1] holds the bucket's theoretical arrival
// time (TAT); ARGV[1] is the emission interval in µs, ARGV[2] the burst.
// It returns {allowed, remaining, reset µs, retry µs}.
const gcraScript = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local emission = tonumber(ARGV[1])
local offset = emission * tonumber(ARGV[2])
local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then tat = math.max(tonumber(stored), now) end
local nexttat = tat + emission
local diff = now - (nexttat - offset)
if diff < 0 then
  return {0, 0, tat - now, -diff}
end
local ttl = nexttat - now
redis.call('SET', KEYS[1], string.format('%.0f', nexttat), 'PX', string.format('%.0f', math.ceil(ttl / 1000)))
return {1, math.floor(diff / emission), ttl, 0}
`

// RedisStore is the RateLimitStore shared by every instance: one Redis holds
// the counters, so a limit is exact across any number of replicas.
//
// Each Allow is one round trip: a Lua script (EVALSHA, falling back to EVAL
// when Redis answers NOSCRIPT, e.g. after a restart) that reads the bucket,
// decides with the Redis server's TIME (so instance clocks do not matter) and
// writes the new theoretical arrival time with a TTL equal to the time until
// the bucket is full again, so idle keys vanish by themselves.
//
// A Redis call must never hang a request: build the client with short
// timeouts (e.g. DialTimeout 200ms, ReadTimeout and WriteTimeout 100ms,
// PoolTimeout 100ms, MaxRetries 1) and ContextTimeoutEnabled: true, so the
// ctx deadline given to Allow also bounds the socket I/O. RateLimitWithConfig
// additionally bounds every call by StoreTimeout.
type RedisStore struct {
	client redis.UniversalClient
	prefix string
	script *redis.Script
}

// NewRedisStore returns a store whose keys are prefix + key (e.g.
// "rampart:rl:" + "auth:ip:203.0.113.9"). A nil client panics.
func NewRedisStore(client redis.UniversalClient, prefix string) *RedisStore {
	if client == nil {
		panic("middleware: NewRedisStore needs a client")
	}
	return &RedisStore{client: client, prefix: prefix, script: redis.NewScript(gcraScript)}
}

// Allow implements RateLimitStore with one script run. It returns an error
// for an invalid Limit, or when Redis fails or ctx ends first.
func (s *RedisStore) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	g, err := l.gcra()
	if err != nil {
		return Result{}, err
	}
	emissionUS := g.emission / int64(time.Microsecond)
	v, err := s.script.Run(ctx, s.client, []string{s.prefix + key}, emissionUS, g.burst).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("rate limit redis: %w", err)
	}
	if len(v) != 4 {
		return Result{}, fmt.Errorf("rate limit redis: script returned %d values, want 4", len(v))
	}
	return Result{
		Allowed:    v[0] == 1,
		Limit:      int(g.burst),
		Remaining:  int(v[1]),
		ResetAfter: time.Duration(v[2]) * time.Microsecond,
		RetryAfter: time.Duration(v[3]) * time.Microsecond,
	}, nil
}
