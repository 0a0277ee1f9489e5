package app

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/internal/auth/jwt"
	"github.com/rampart-dev/rampart/internal/auth/keys"
	"github.com/rampart-dev/rampart/internal/auth/seal"
	"github.com/rampart-dev/rampart/internal/config"
	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/jobs"
)

// newAPIKeys builds the API key service: secrets hashed with a key derived
// from SECRET_KEY, verified keys cached briefly, revocations broadcast over
// Redis when it is configured. Close it on shutdown.
func newAPIKeys(cfg *config.Config, pool *pgxpool.Pool, rdb *redis.Client, log *slog.Logger) (*apikey.Service, error) {
	hmacKey, err := keys.Derive(cfg.SecretKey, keys.APIKey)
	if err != nil {
		return nil, err
	}
	return apikey.New(apikey.Config{Pool: pool, HMACKey: hmacKey, Redis: rdb, Logger: log})
}

// newTokens builds the JWT service: HS256 under a key derived from
// SECRET_KEY (tokens signed under SECRET_KEY_PREVIOUS still verify), the
// lifetimes of JWT_ACCESS_TTL / JWT_REFRESH_TTL, and the access-token
// denylist in Redis when configured (shared by every instance), else in
// memory.
func newTokens(cfg *config.Config, pool *pgxpool.Pool, rdb *redis.Client) (*jwt.Service, error) {
	current, err := jwt.KeyFromMaster(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	var previous []jwt.Key
	if len(cfg.SecretKeyPrevious) > 0 {
		k, err := jwt.KeyFromMaster(cfg.SecretKeyPrevious)
		if err != nil {
			return nil, err
		}
		previous = append(previous, k)
	}
	return jwt.New(jwt.Config{
		Pool: pool, Key: current, Previous: previous,
		AccessTTL: cfg.JWTAccessTTL, RefreshTTL: cfg.JWTRefreshTTL,
		Denylist: jwt.NewDenylist(rdb, "rampart:jwt:deny:", nil),
	})
}

// newWebhooks builds the inbound webhook service: endpoint secrets sealed
// by box, processing jobs queued through the
// job client in the same transaction as each delivery.
func newWebhooks(cfg *config.Config, pool *pgxpool.Pool, box *seal.Box, jobsClient *jobs.Client, log *slog.Logger) (*inbound.Service, error) {
	return inbound.New(inbound.Config{Pool: pool, Seal: box, Jobs: jobsClient.River(), BaseURL: cfg.BaseURL, Logger: log})
}
