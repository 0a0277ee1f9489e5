// Package dbtest gives each test its own PostgreSQL database, cloned from a
// template that is migrated once per set of migrations. Cloning a template
// takes tens of milliseconds, so every test can have a clean, fully migrated
// database and still run in parallel with the others.
//
// The server is found through TEST_DATABASE_URL, else DATABASE_URL, else the
// local default; only its host, port and credentials are used.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/migrations"
)

// templateLockKey serialises template creation across test processes
// (go test runs packages in parallel).
const templateLockKey int64 = 0x5a17_e3d0_c2b9_4f61

// DefaultServerURL is used when neither TEST_DATABASE_URL nor DATABASE_URL is set.
const DefaultServerURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// ServerURL returns the URL of the test server's maintenance database.
func ServerURL() string {
	for _, name := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(name); v != "" {
			return withDatabase(v, "postgres")
		}
	}
	return DefaultServerURL
}

// New creates a fresh migrated database for t, returns a pool on it and drops
// the database when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dbURL := NewURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := db.Open(ctx, dbURL, db.PoolOptions{})
	if err != nil {
		t.Fatalf("dbtest: open: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// NewURL creates a fresh migrated database for t and returns its URL, for
// tests that start a whole server with DATABASE_URL. The database is dropped
// (forcefully) when the test ends.
func NewURL(t testing.TB) string {
	t.Helper()
	name := "rampart_test_" + randomHex(t, 8)
	createFromTemplate(t, name)
	t.Cleanup(func() { drop(t, name) })
	return withDatabase(ServerURL(), name)
}

// NewEmptyURL creates an empty (unmigrated) database, for tests of the
// migration runner itself.
func NewEmptyURL(t testing.TB) string {
	t.Helper()
	name := "rampart_test_" + randomHex(t, 8)
	admin := connect(t)
	defer admin.Close(context.Background())
	if _, err := admin.Exec(context.Background(), "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() { drop(t, name) })
	return withDatabase(ServerURL(), name)
}

func createFromTemplate(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := connect(t)
	defer admin.Close(ctx)

	tmpl := templateName(t)
	if err := ensureTemplate(ctx, admin, tmpl); err != nil {
		t.Fatalf("dbtest: template %s: %v", tmpl, err)
	}
	sql := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{tmpl}.Sanitize())
	// Another process may be connected to the template for a moment while it
	// checks it; retry briefly rather than fail.
	var err error
	for range 50 {
		if _, err = admin.Exec(ctx, sql); err == nil {
			return
		}
		if !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("dbtest: create database from template: %v", err)
}

// ensureTemplate builds the template under an advisory lock: it is created
// under a temporary name, migrated, then renamed, so a half-built template is
// never used.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, tmpl string) error {
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLockKey); err != nil {
		return err
	}
	defer admin.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLockKey) //nolint:errcheck

	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tmpl).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := tmpl + "_building"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{building}.Sanitize()); err != nil {
		return err
	}
	pool, err := db.Open(ctx, withDatabase(ServerURL(), building), db.PoolOptions{})
	if err != nil {
		return err
	}
	err = db.NewMigrator(pool, slog.New(slog.DiscardHandler)).Up(ctx)
	pool.Close()
	if err != nil {
		return err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s",
		pgx.Identifier{building}.Sanitize(), pgx.Identifier{tmpl}.Sanitize())); err != nil {
		return err
	}
	dropStaleTemplates(ctx, admin, tmpl)
	return nil
}

// dropStaleTemplates removes templates of older migration sets; one in use
// by another run is left for next time.
func dropStaleTemplates(ctx context.Context, admin *pgx.Conn, keep string) {
	rows, err := admin.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'rampart_tmpl_%' AND datname <> $1", keep)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, n := range names {
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize())
	}
}

// templateName depends on the content of every migration, so changing a
// migration builds a new template instead of reusing a stale one.
func templateName(t testing.TB) string {
	t.Helper()
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		t.Fatalf("dbtest: hash migrations: %v", err)
	}
	// River's migrations ship with its module: a River upgrade changes them.
	river, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		t.Fatalf("dbtest: river migrator: %v", err)
	}
	for _, m := range river.AllVersions() {
		fmt.Fprintf(h, "river\x00%d\x00%s", m.Version, m.SQLUp)
	}
	return "rampart_tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]
}

func drop(t testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin := connect(t)
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("dbtest: drop %s: %v", name, err)
	}
}

func connect(t testing.TB) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		t.Fatalf("dbtest: connect to the test PostgreSQL server: %v (start it, or set TEST_DATABASE_URL)", err)
	}
	return conn
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		// A keyword/value DSN: append the dbname, which wins over an earlier one.
		return raw + " dbname=" + name
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
