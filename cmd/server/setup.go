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
// production, text otherwise, buffered (one write per batch rather than per
// access-log line; warnings and errors are flushed at once). Configuration
// warnings are logged. The caller runs closeLog before returning, which
// flushes the rest.
func loadConfig(getenv func(string) string, stderr io.Writer) (cfg *config.Config, log *slog.Logger, closeLog func() error, err error) {
	cfg, err = config.Load(getenv)
	if err != nil {
		return nil, nil, nil, err
	}
	log, closeLog = logging.NewBuffered(stderr, logFormat(cfg), slog.LevelInfo)
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}
	return cfg, log, closeLog, nil
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
