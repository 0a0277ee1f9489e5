// Package db owns everything that talks to PostgreSQL: the connection pool,
// the transaction helper, the migration runner, the sqlc-generated queries and
// the translation of pgx errors into this package's sentinel errors.
package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolOptions tunes the pool; zero values take the defaults noted per field.
type PoolOptions struct {
	MaxConns          int32         // default: pgxpool's (max(4, GOMAXPROCS))
	ConnectTimeout    time.Duration // default 5s: a dead database must fail fast, not hang requests
	HealthCheckPeriod time.Duration // default 15s
}

// Open parses url, builds a pool and pings the database once. It returns an
// error wrapping ErrUnavailable when the database does not answer, so callers
// can tell "misconfigured" from "down". The caller closes the pool.
func Open(ctx context.Context, url string, opts PoolOptions) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx echoes the URL (with its password) in parse errors; never pass it on.
		return nil, fmt.Errorf("db: DATABASE_URL is not a valid PostgreSQL URL")
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	cfg.ConnConfig.ConnectTimeout = orDefault(opts.ConnectTimeout, 5*time.Second)
	cfg.HealthCheckPeriod = orDefault(opts.HealthCheckPeriod, 15*time.Second)
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		cfg.ConnConfig.RuntimeParams["application_name"] = "rampart"
	}

	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: create pool: %w", Translate(err))
	}
	pingCtx, cancel := context.WithTimeout(ctx, cfg.ConnConfig.ConnectTimeout)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: ping: %w", Translate(err))
	}
	return pool, nil
}

// Ping checks that the database answers within ctx; it is what /ready calls.
// The error wraps ErrUnavailable.
func Ping(ctx context.Context, pool *pgxpool.Pool) error {
	if err := pool.Ping(ctx); err != nil {
		return Translate(err)
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
