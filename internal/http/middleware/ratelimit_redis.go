package middleware

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// gcraScript is the GCRA of ratelimit_gcra.go in Redis, in microseconds of
// the Redis server's clock, for any number of checks at once. Each KEYS[i]
// holds a bucket's theoretical arrival time (TAT); ARGV[2i-1] is its
// emission interval in µs, ARGV[2i] its burst. The checks run in order and
// each adds {allowed, remaining, reset µs, retry µs} to the flat array
// returned. A key that appears more than once (a busy client, a global
// tier) is read once and written once, with the TAT of its last admitted
// check and a TTL equal to the time until its bucket is full again: the
// same outcome as a GET and SET per check, for a fraction of the work.
const gcraScript = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tats, written, order, out = {}, {}, {}, {}
for i, key in ipairs(KEYS) do
  local emission = tonumber(ARGV[2 * i - 1])
  local offset = emission * tonumber(ARGV[2 * i])
  local tat = tats[key]
  if tat == nil then
    tat = now
    local stored = redis.call('GET', key)
    if stored then tat = math.max(tonumber(stored), now) end
    tats[key] = tat
  end
  local nexttat = tat + emission
  local diff = now - (nexttat - offset)
  local n = #out
  if diff < 0 then
    out[n + 1], out[n + 2], out[n + 3], out[n + 4] = 0, 0, tat - now, -diff
  else
    if not written[key] then
      written[key] = true
      order[#order + 1] = key
    end
    tats[key] = nexttat
    out[n + 1], out[n + 2], out[n + 3], out[n + 4] = 1, math.floor(diff / emission), nexttat - now, 0
  end
end
for _, key in ipairs(order) do
  local ttl = tats[key] - now
  redis.call('SET', key, string.format('%.0f', tats[key]), 'PX', string.format('%.0f', math.max(1, math.ceil(ttl / 1000))))
end
return out
`

const (
	// DefaultRedisStoreMaxBatch is RedisStoreOptions.MaxBatch when unset.
	DefaultRedisStoreMaxBatch = 256
	// DefaultRedisStoreDispatchers is RedisStoreOptions.Dispatchers when
	// unset.
	DefaultRedisStoreDispatchers = 4
	// DefaultRedisStoreMaxQueue is RedisStoreOptions.MaxQueue when unset:
	// about 100 ms of checks at 80k a second.
	DefaultRedisStoreMaxQueue = 8192
)

// RedisStoreOptions configure NewRedisStoreWithOptions. Zero fields take the
// defaults; negative ones panic.
type RedisStoreOptions struct {
	// Prefix is prepended to every key (e.g. "rampart:rl:").
	Prefix string
	// MaxBatch is the most checks one pipeline carries; default
	// DefaultRedisStoreMaxBatch.
	MaxBatch int
	// Dispatchers is the most pipelines in flight at once, so that one slow
	// pipeline does not hold up every check; default
	// DefaultRedisStoreDispatchers. Each one in flight holds a connection of
	// the client's pipeline pool (PipelinePoolSize, 10 by default), so keep
	// the sum over the client's stores below that.
	Dispatchers int
	// MaxQueue is the most checks waiting for a dispatcher; once it is
	// reached Allow fails at once with ErrRedisStoreQueueFull instead of
	// piling up work that would miss its deadline. Default
	// DefaultRedisStoreMaxQueue.
	MaxQueue int
}

// RedisStore is the RateLimitStore shared by every instance: one Redis holds
// the counters, so a limit is exact across any number of replicas.
//
// Each check is a Lua script (EVALSHA, retried with EVAL when Redis answers
// NOSCRIPT, e.g. after a restart or SCRIPT FLUSH) that reads the bucket,
// decides with the Redis server's TIME (so instance clocks do not matter) and
// writes the new theoretical arrival time with a TTL equal to the time until
// the bucket is full again, so idle keys vanish by themselves. Redis runs each
// script atomically, which is what makes the count exact. (The one way to
// count a check twice is the client's own retry of a pipeline whose
// connection broke after Redis ran it: an error on the strict side.)
//
// Checks are batched automatically: Allow queues its check, and a
// dispatcher goroutine sends everything queued so far (at most MaxBatch
// checks) at once, so N concurrent checks cost about one round trip instead
// of N. With a plain client (*redis.Client, including a Sentinel failover
// client) the batch is one script call over all its keys, which costs Redis
// a fraction of N calls; with a cluster or ring client, whose keys live on
// different nodes, it is a pipeline of one call per check. (In one call, an
// error Redis raises for one key, e.g. a key of the wrong type, fails the
// whole batch: the limiter's failure policy then applies to all of them.) There is no batching window: a check arriving at an idle
// store is sent at once, and checks arriving while a pipeline is in flight
// wait for the next one. When the queue has not been taken from for a
// millisecond (a pipeline slower than any round trip should be), the next
// check starts another dispatcher, up to Dispatchers. Dispatchers start on
// demand and exit as soon as the queue is empty, so an idle store holds no
// goroutines.
//
// A Redis call must never hang a request: build the client with short
// timeouts (e.g. DialTimeout 200ms, ReadTimeout and WriteTimeout 100ms,
// PoolTimeout 100ms, MaxRetries 1) and ContextTimeoutEnabled: true, so the
// callers' deadlines also bound the socket I/O of their pipeline (it runs
// until the latest of them). Allow itself returns when its ctx ends, even
// with its check in flight, and RateLimitWithConfig additionally bounds every
// call by StoreTimeout.
//
// The app calls Close at shutdown, after the HTTP server has drained and
// before the Redis client is closed, so that no pipeline outlives the
// client. A store that is never closed leaks nothing once idle.
type RedisStore struct {
	prefix string
	batch  *redisBatcher
}

// NewRedisStore returns a store whose keys are prefix + key (e.g.
// "rampart:rl:" + "auth:ip:203.0.113.9"), with the default batching options.
// A nil client panics.
func NewRedisStore(client redis.UniversalClient, prefix string) *RedisStore {
	return NewRedisStoreWithOptions(client, RedisStoreOptions{Prefix: prefix})
}

// NewRedisStoreWithOptions is NewRedisStore with batching options. A nil
// client or a negative option panics.
func NewRedisStoreWithOptions(client redis.UniversalClient, opts RedisStoreOptions) *RedisStore {
	if client == nil {
		panic("middleware: NewRedisStore needs a client")
	}
	if opts.MaxBatch < 0 || opts.Dispatchers < 0 || opts.MaxQueue < 0 {
		panic("middleware: RedisStoreOptions must not be negative")
	}
	if opts.MaxBatch == 0 {
		opts.MaxBatch = DefaultRedisStoreMaxBatch
	}
	if opts.Dispatchers == 0 {
		opts.Dispatchers = DefaultRedisStoreDispatchers
	}
	if opts.MaxQueue == 0 {
		opts.MaxQueue = DefaultRedisStoreMaxQueue
	}
	return &RedisStore{prefix: opts.Prefix, batch: newRedisBatcher(client, opts)}
}

// Allow implements RateLimitStore with one script run, sent in the next
// pipeline. It returns an error for an invalid Limit, when Redis fails, when
// ctx ends first (wrapping ctx.Err(); the script may still run), when the
// queue is full (ErrRedisStoreQueueFull) or after Close
// (ErrRedisStoreClosed).
func (s *RedisStore) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	g, err := l.gcra()
	if err != nil {
		return Result{}, err
	}
	v, err := s.batch.do(ctx, s.prefix+key, g.emission/int64(time.Microsecond), g.burst)
	if err != nil {
		return Result{}, fmt.Errorf("rate limit redis: %w", err)
	}
	return Result{
		Allowed:    v[0] == 1,
		Limit:      int(g.burst),
		Remaining:  int(v[1]),
		ResetAfter: time.Duration(v[2]) * time.Microsecond,
		RetryAfter: time.Duration(v[3]) * time.Microsecond,
	}, nil
}

// Close stops the store: checks still queued fail with ErrRedisStoreClosed,
// pipelines in flight are cancelled (which interrupts their socket I/O only
// with ContextTimeoutEnabled; otherwise they end within the client's
// timeouts), and Close returns once every dispatcher has exited. Later Allow
// calls fail with ErrRedisStoreClosed. Close does not close the client,
// which the caller owns. It is idempotent, safe to call concurrently with
// Allow, and always returns nil.
func (s *RedisStore) Close() error {
	s.batch.close()
	return nil
}
