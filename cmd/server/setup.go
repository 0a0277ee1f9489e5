package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/config"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/logging"
)

// loadConfig reads the configuration once and builds the logger: JSON in
// production, text otherwise. Configuration warnings are logged.
func loadConfig(getenv func(string) string, stderr io.Writer) (*config.Config, *slog.Logger, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return nil, nil, err
	}
	log := logging.New(stderr, logFormat(cfg), slog.LevelInfo)
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	return cfg, log, nil
}

func logFormat(cfg *config.Config) logging.Format {
	if cfg.IsProduction() {
		return logging.FormatJSON
	}
	return logging.FormatText
}

// openDB opens the pool or explains why it could not.
func openDB(ctx context.Context, cfg *config.Config) (*pgxpool.Pool, error) {
	pool, err := db.Open(ctx, cfg.DatabaseURL, db.PoolOptions{})
	if err != nil {
		return nil, fmt.Errorf("database: %w (is PostgreSQL running, and is DATABASE_URL right?)", err)
	}
	return pool, nil
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
