package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/app"
	"github.com/rampart-dev/rampart/internal/config"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/jobs"
)

// Server timeouts (DESIGN.md): a slow-header client is cut after 5 s; bodies
// and responses are bounded; idle keep-alive connections are closed.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

// serve runs the web server (and, when configured, the job worker) until ctx
// is cancelled, then shuts down gracefully: it stops accepting, lets
// in-flight requests finish within APP_SHUTDOWN_TIMEOUT, stops the worker and
// closes the pools.
func serve(ctx context.Context, getenv func(string) string, stderr io.Writer) error {
	cfg, log, closeLog, err := loadConfig(getenv, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = closeLog() }()
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := ensureMigrated(ctx, cfg, pool, log); err != nil {
		return err
	}
	rdb, err := openRedis(ctx, cfg.RedisURL, log)
	if err != nil {
		return err
	}
	if rdb != nil {
		defer func() { _ = rdb.Close() }()
	}

	// The job client always exists, so requests can queue jobs (mail) in
	// their transactions; it works jobs only when WORKER_IN_PROCESS is on.
	application, err := app.New(cfg, pool, rdb, log)
	if err != nil {
		return err
	}
	defer func() { _ = application.Close() }()
	handler, jobsClient := application.Handler, application.Jobs

	var worker *jobs.Client
	if cfg.WorkerInProcess {
		if err := jobsClient.Start(ctx); err != nil {
			return err
		}
		worker = jobsClient
		log.Info("job worker running in-process")
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "env", string(cfg.Env), "base_url", cfg.BaseURL.String())
	serveErr := serveHTTP(ctx, ln, newHTTPServer(handler, log), cfg.ShutdownTimeout, log)

	if worker != nil {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
		defer cancel()
		if err := worker.Stop(stopCtx); err != nil {
			log.Warn("job worker stop", "error", err)
		}
	}
	log.Info("stopped")
	return serveErr
}

func newHTTPServer(handler http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serveHTTP serves on ln until ctx is done, then calls Shutdown: the listener
// closes at once (new connections are refused) and in-flight requests get up
// to grace to complete. Requests keep their own context, so a shutdown does
// not cancel the work they are doing.
func serveHTTP(ctx context.Context, ln net.Listener, srv *http.Server, grace time.Duration, log *slog.Logger) error {
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "grace", grace)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http server: %w", err)
	}
	return nil
}

// ensureMigrated applies pending migrations in development and test (under
// the advisory lock, so it is safe with several instances); in production it
// refuses to start on an out-of-date schema: migrations are a deliberate step
// (`server migrate up`, the compose migrate service).
func ensureMigrated(ctx context.Context, cfg *config.Config, pool *pgxpool.Pool, log *slog.Logger) error {
	m := db.NewMigrator(pool, log)
	if !cfg.IsProduction() {
		return m.Up(ctx)
	}
	pending, err := m.Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("%d migrations are not applied (first: %s %d); run `server migrate up` first",
			len(pending), pending[0].Source, pending[0].Version)
	}
	return nil
}

// openRedis returns nil when url is empty. A Redis that does not answer at
// start-up is logged, not fatal: /ready reports it and the limiters fall back.
func openRedis(ctx context.Context, url string, log *slog.Logger) (*redis.Client, error) {
	if url == "" {
		return nil, nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, errors.New("REDIS_URL is not a valid Redis URL")
	}
	// Short timeouts and one retry: Redis sits on the request path (rate
	// limits, revocation), where a slow answer is worse than the fallback.
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = time.Second, 200*time.Millisecond, 200*time.Millisecond
	opts.ContextTimeoutEnabled, opts.MaxRetries = true, 1
	opts.PoolTimeout = 100 * time.Millisecond
	opts.DialerRetries = 1 // one dial: go-redis's default (5, 100 ms apart) outlasts the limiters' 100 ms timeout
	rdb := redis.NewClient(opts)
	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		log.Warn("redis does not answer; continuing with in-memory fallbacks until it does", "error", err)
	}
	return rdb, nil
}
