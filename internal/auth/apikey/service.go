package apikey

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/db"
)

// Defaults for Config's zero values.
const (
	DefaultCacheTTL        = 30 * time.Second
	DefaultMaxCacheEntries = 10_000
	DefaultChannel         = "rampart:apikey:revoked"
)

// Config configures New.
type Config struct {
	// Pool is the PostgreSQL pool; required.
	Pool *pgxpool.Pool
	// HMACKey keys the stored hash of every secret; at least HMACKeyMin
	// bytes, from keys.Derive(master, keys.APIKey). It is copied. Changing
	// it invalidates every key.
	HMACKey []byte
	// Redis, when set, carries revocations between instances: New subscribes
	// to Channel and Revoke publishes there. While the subscription is not
	// confirmed (at start, or after Redis drops it) the cache is off and
	// every Authenticate reads PostgreSQL, so a missed message can never
	// leave a revoked key usable. Nil: no subscription; a revocation made
	// by another instance takes effect here within CacheTTL.
	Redis *redis.Client
	// Channel is the Redis pub/sub channel; default DefaultChannel. Every
	// instance of one deployment must use the same.
	Channel string
	// CacheTTL is how long a key row read from PostgreSQL is reused;
	// default DefaultCacheTTL, negative turns the cache off.
	CacheTTL time.Duration
	// MaxCacheEntries bounds the cache; default DefaultMaxCacheEntries.
	MaxCacheEntries int
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger receives warnings (Redis trouble, failed last-used writes);
	// default discards them.
	Logger *slog.Logger
}

// Service issues and checks API keys. It is safe for concurrent use. Call
// Close when done with it if Config.Redis was set.
type Service struct {
	pool    *pgxpool.Pool
	hasher  *hasher
	dummy   [hashSize]byte // compared against when a prefix is unknown
	rdb     *redis.Client
	channel string
	ttl     time.Duration
	cache   *cache
	now     func() time.Time
	log     *slog.Logger
	random  io.Reader
	watch   *watcher // nil without Redis
}

// New validates cfg and returns a Service. With cfg.Redis set it starts a
// goroutine holding the revocation subscription, which Close stops; New does
// not wait for Redis, so an unreachable Redis does not fail start-up (the
// cache simply stays off until the subscription is confirmed).
func New(cfg Config) (*Service, error) {
	var errs []error
	if cfg.Pool == nil {
		errs = append(errs, errors.New("apikey: Config.Pool is required"))
	}
	if len(cfg.HMACKey) < HMACKeyMin {
		errs = append(errs, fmt.Errorf("apikey: Config.HMACKey is %d bytes, want at least %d", len(cfg.HMACKey), HMACKeyMin))
	} else if bytes.Count(cfg.HMACKey, cfg.HMACKey[:1]) == len(cfg.HMACKey) {
		errs = append(errs, errors.New("apikey: Config.HMACKey is one byte repeated; derive it with keys.Derive"))
	}
	if cfg.MaxCacheEntries < 0 {
		errs = append(errs, errors.New("apikey: Config.MaxCacheEntries must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &Service{
		pool:    cfg.Pool,
		hasher:  newHasher(cfg.HMACKey),
		rdb:     cfg.Redis,
		channel: orDefault(cfg.Channel, DefaultChannel),
		ttl:     cfg.CacheTTL,
		cache:   newCache(orDefault(cfg.MaxCacheEntries, DefaultMaxCacheEntries)),
		now:     cfg.Now,
		log:     cfg.Logger,
		random:  rand.Reader,
	}
	s.dummy = s.hasher.sum("no key has this secret: a prefix was unknown")
	if s.ttl == 0 {
		s.ttl = DefaultCacheTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case s.ttl < 0:
	case s.rdb == nil:
		s.cache.enable()
	default:
		s.watch = startWatcher(s)
	}
	return s, nil
}

// Close stops the revocation subscription (if any) and turns the cache off.
// It is safe to call more than once; the Service still works afterwards, on
// PostgreSQL alone.
func (s *Service) Close() error {
	if s.watch != nil {
		s.watch.stop()
	}
	s.cache.disable()
	return nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// translate maps db.ErrNotFound to ErrNotFound and wraps other errors
// (already translated at the db edge) with what was being done.
func translate(op string, err error) error {
	err = db.Translate(err)
	if errors.Is(err, db.ErrNotFound) {
		return ErrNotFound
	}
	return fmt.Errorf("apikey: %s: %w", op, err)
}

func fromRow(r db.ApiKey) Key {
	return Key{
		ID:         r.ID,
		UserID:     r.UserID,
		Prefix:     r.Prefix,
		Name:       r.Name,
		Scopes:     r.Scopes,
		CreatedAt:  r.CreatedAt,
		ExpiresAt:  r.ExpiresAt,
		LastUsedAt: r.LastUsedAt,
		RevokedAt:  r.RevokedAt,
	}
}
