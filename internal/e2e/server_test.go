package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/app"
	"github.com/rampart-dev/rampart/internal/auth/perms"
	"github.com/rampart-dev/rampart/internal/config"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

// server is Rampart's web server running in-process on 127.0.0.1 at a
// random port, on its own fresh database, built from the configuration and
// services exactly as `server serve` builds them. APP_BASE_URL is URL, so
// mailed links point back at it. The job worker does not run: mail stays in
// the outbox, read through the dev mailbox.
type server struct {
	URL   string // the base URL, no trailing slash
	Pool  *pgxpool.Pool
	Perms *perms.Store
}

// testEnv is the environment the server is configured from: APP_ENV test
// (plain `session` cookie, the dev mailbox on, no worker) and rate limits
// high enough that the suite never meets them.
func testEnv(baseURL, addr, dbURL, dataDir string) map[string]string {
	return map[string]string{
		"APP_ENV":                        "test",
		"APP_ADDR":                       addr,
		"APP_BASE_URL":                   baseURL,
		"APP_DATA_DIR":                   dataDir,
		"DATABASE_URL":                   dbURL,
		"SECRET_KEY":                     randomHex(32),
		"RATE_LIMIT_REQUESTS_PER_MINUTE": "100000",
		"RATE_LIMIT_AUTH_PER_MINUTE":     "100000",
		"RATE_LIMIT_API_PER_HOUR":        "100000",
	}
}

// startServer starts a server for t and stops it when t ends. Server-side
// warnings go to the test's output; a logged error or CSP violation report
// fails t. Without a browser to drive it, it skips t at once.
func startServer(t *testing.T) *server {
	t.Helper()
	sharedBrowser(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	env := testEnv(base, ln.Addr().String(), dbtest.NewURL(t), t.TempDir())
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := newLogWatch(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	log := slog.New(logs)

	ctx := t.Context()
	pool, err := db.Open(ctx, cfg.DatabaseURL, db.PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.NewMigrator(pool, log).Up(ctx); err != nil {
		t.Fatal(err)
	}
	// The application exactly as `server serve` wires it (its job client
	// not started; without Redis, limits and revocations stay in memory).
	application, err := app.New(cfg, pool, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = application.Close() })
	srv := &http.Server{Handler: application.Handler, ReadHeaderTimeout: 5 * time.Second, ErrorLog: slog.NewLogLogger(logs, slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("server: %v", err)
		}
		pool.Close()
		logs.report(t)
	})
	s := &server{URL: base, Pool: pool, Perms: perms.NewStore(pool)}
	s.waitHealthy(t)
	return s
}

// waitHealthy polls /health until it answers 200.
func (s *server) waitHealthy(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(s.URL + "/health")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /health did not answer 200 within 10 s (last error: %v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
