package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/rampart-dev/rampart/migrations"
)

// migrationLockKey is the pg_advisory_lock key every migrator takes, so two
// instances starting at once apply each migration exactly once: the second
// waits, then finds nothing left to do. It is the first 8 bytes of
// sha256("rampart:migrate"), fixed so that every version agrees on it.
const migrationLockKey int64 = 0x3f1c_52a9_7d04_e6b1

// MigrationState is one migration and whether it is applied. Source is "app"
// for ours (migrations/) and "river" for the job queue's schema.
type MigrationState struct {
	Source    string
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// Migrator applies the embedded goose migrations and River's own migrations.
// Every operation holds the advisory lock for its whole duration.
type Migrator struct {
	pool *pgxpool.Pool
	log  *slog.Logger
}

// NewMigrator returns a Migrator over pool; log receives one line per
// migration applied.
func NewMigrator(pool *pgxpool.Pool, log *slog.Logger) *Migrator {
	return &Migrator{pool: pool, log: log}
}

// Up applies every pending migration, ours first, then River's. It is safe to
// run from several processes at once.
func (m *Migrator) Up(ctx context.Context) error {
	return m.locked(ctx, func(p *goose.Provider, river *rivermigrate.Migrator[pgxTx]) error {
		results, err := p.Up(ctx)
		for _, r := range results {
			m.log.Info("migration applied", "source", "app", "version", r.Source.Version,
				"name", path.Base(r.Source.Path), "duration", r.Duration)
		}
		if err != nil {
			return fmt.Errorf("db: migrate up: %w", err)
		}
		res, err := river.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return fmt.Errorf("db: river migrate up: %w", err)
		}
		for _, v := range res.Versions {
			m.log.Info("migration applied", "source", "river", "version", v.Version, "name", v.Name)
		}
		return nil
	})
}

// Down rolls back the most recent of our migrations (River's schema is left
// in place). It returns ErrNotFound when nothing is applied.
func (m *Migrator) Down(ctx context.Context) error {
	return m.locked(ctx, func(p *goose.Provider, _ *rivermigrate.Migrator[pgxTx]) error {
		r, err := p.Down(ctx)
		if errors.Is(err, goose.ErrNoNextVersion) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("db: migrate down: %w", err)
		}
		m.log.Info("migration rolled back", "source", "app", "version", r.Source.Version,
			"name", path.Base(r.Source.Path), "duration", r.Duration)
		return nil
	})
}

// Reset rolls back all of our migrations. Tests use it for up/down/up.
func (m *Migrator) Reset(ctx context.Context) error {
	return m.locked(ctx, func(p *goose.Provider, _ *rivermigrate.Migrator[pgxTx]) error {
		if _, err := p.DownTo(ctx, 0); err != nil {
			return fmt.Errorf("db: migrate reset: %w", err)
		}
		return nil
	})
}

// Status lists every known migration, ours then River's, with its state.
func (m *Migrator) Status(ctx context.Context) ([]MigrationState, error) {
	var out []MigrationState
	err := m.locked(ctx, func(p *goose.Provider, river *rivermigrate.Migrator[pgxTx]) error {
		statuses, err := p.Status(ctx)
		if err != nil {
			return fmt.Errorf("db: migrate status: %w", err)
		}
		for _, s := range statuses {
			out = append(out, MigrationState{
				Source: "app", Version: s.Source.Version, Name: path.Base(s.Source.Path),
				Applied: s.State == goose.StateApplied, AppliedAt: s.AppliedAt,
			})
		}
		existing, err := river.ExistingVersions(ctx)
		if err != nil {
			return fmt.Errorf("db: river migrate status: %w", err)
		}
		applied := make(map[int]bool, len(existing))
		for _, e := range existing {
			applied[e.Version] = true
		}
		for _, v := range river.AllVersions() {
			out = append(out, MigrationState{Source: "river", Version: int64(v.Version), Name: v.Name, Applied: applied[v.Version]})
		}
		return nil
	})
	return out, err
}

// Pending returns the migrations not yet applied (empty when up to date).
func (m *Migrator) Pending(ctx context.Context) ([]MigrationState, error) {
	all, err := m.Status(ctx)
	if err != nil {
		return nil, err
	}
	var pending []MigrationState
	for _, s := range all {
		if !s.Applied {
			pending = append(pending, s)
		}
	}
	return pending, nil
}

// pgxTx is the transaction type of River's pgx driver.
type pgxTx = pgx.Tx

// locked holds the advisory lock on a dedicated connection while fn runs.
func (m *Migrator) locked(ctx context.Context, fn func(*goose.Provider, *rivermigrate.Migrator[pgxTx]) error) error {
	conn, err := m.pool.Acquire(ctx)
	if err != nil {
		return Translate(fmt.Errorf("db: acquire: %w", err))
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		return Translate(fmt.Errorf("db: migration lock: %w", err))
	}
	defer func() {
		// Unlock even when ctx is done; if that fails, drop the connection so
		// the session (and with it the lock) ends.
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey); err != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()

	sqlDB := stdlib.OpenDBFromPool(m.pool)
	defer func() { _ = sqlDB.Close() }()
	provider, err := newGooseProvider(sqlDB)
	if err != nil {
		return err
	}
	river, err := rivermigrate.New(riverpgxv5.New(m.pool), &rivermigrate.Config{Logger: m.log})
	if err != nil {
		return fmt.Errorf("db: river migrator: %w", err)
	}
	return fn(provider, river)
}

func newGooseProvider(sqlDB *sql.DB) (*goose.Provider, error) {
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS,
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("db: goose provider: %w", err)
	}
	return p, nil
}
