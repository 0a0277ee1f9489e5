package db_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

func openEmpty(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := db.Open(context.Background(), dbtest.NewEmptyURL(t), db.PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func tableExists(t *testing.T, pool *pgxpool.Pool, name string) bool {
	t.Helper()
	var ok bool
	if err := pool.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestMigrationsGoUpDownAndUpAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := openEmpty(t)
	m := db.NewMigrator(pool, slog.New(slog.DiscardHandler))

	pending, err := m.Pending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) == 0 {
		t.Fatal("an empty database reports no pending migrations")
	}

	if err := m.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	for _, table := range []string{
		"users", "sessions", "permissions", "mail_outbox", "one_time_tokens", "audit_events",
		"totp_authenticators", "recovery_codes", "login_challenges", "groups", "api_keys",
		"jwt_families", "jwt_refresh_tokens", "webhook_endpoints", "webhook_deliveries", "subscriptions", "river_job",
	} {
		if !tableExists(t, pool, table) {
			t.Errorf("after up, table %s is missing", table)
		}
	}
	if pending, _ := m.Pending(ctx); len(pending) != 0 {
		t.Fatalf("after up, %d migrations still pending", len(pending))
	}

	if err := m.Down(ctx); err != nil {
		t.Fatalf("down: %v", err)
	}
	if tableExists(t, pool, "webhook_deliveries") {
		t.Error("down did not roll back the latest migration (webhook_deliveries)")
	}
	if !tableExists(t, pool, "jwt_families") {
		t.Error("down rolled back more than one migration")
	}

	if err := m.Reset(ctx); err != nil {
		t.Fatalf("reset: %v", err)
	}
	if tableExists(t, pool, "users") {
		t.Error("reset left the users table")
	}
	if err := m.Down(ctx); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("down with nothing applied: got %v, want ErrNotFound", err)
	}

	if err := m.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if !tableExists(t, pool, "audit_events") {
		t.Error("up after reset did not recreate audit_events")
	}
}

func TestMigratorsRunningAtOnceApplyEachMigrationOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.NewEmptyURL(t)

	const instances = 4
	errs := make([]error, instances)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range instances {
		// Separate pools, as separate server processes would have.
		pool, err := db.Open(ctx, url, db.PoolOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		wg.Go(func() {
			<-start
			errs[i] = db.NewMigrator(pool, slog.New(slog.DiscardHandler)).Up(ctx)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrator %d failed: %v", i, err)
		}
	}

	pool, err := db.Open(ctx, url, db.PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var applied, distinct int
	err = pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT version_id)
		FROM goose_db_version WHERE is_applied AND version_id > 0`).Scan(&applied, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	if applied != distinct || applied == 0 {
		t.Errorf("goose recorded %d applications of %d migrations; want each exactly once", applied, distinct)
	}
	states, err := db.NewMigrator(pool, slog.New(slog.DiscardHandler)).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if !s.Applied {
			t.Errorf("%s migration %d not applied", s.Source, s.Version)
		}
	}
}
