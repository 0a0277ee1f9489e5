// Command worker runs Rampart's background jobs (mail, webhook processing,
// cleanup) until SIGINT/SIGTERM, then lets running jobs finish within
// APP_SHUTDOWN_TIMEOUT. Any number of workers may run against one database.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/rampart-dev/rampart/internal/config"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/jobs"
	"github.com/rampart-dev/rampart/internal/logging"
	"github.com/rampart-dev/rampart/internal/mail"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// run works jobs until ctx is cancelled.
func run(ctx context.Context, args []string, getenv func(string) string, _, stderr io.Writer) error {
	if len(args) > 1 {
		return fmt.Errorf("worker takes no arguments (got %q)", args[1:])
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	format := logging.FormatText
	if cfg.IsProduction() {
		format = logging.FormatJSON
	}
	log, closeLog := logging.NewBuffered(stderr, format, slog.LevelInfo)
	defer func() { _ = closeLog() }()
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}

	pool, err := db.Open(ctx, cfg.DatabaseURL, db.PoolOptions{})
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer pool.Close()
	pending, err := db.NewMigrator(pool, log).Pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		return fmt.Errorf("%d migrations are not applied; run `server migrate up` first", len(pending))
	}

	sender, err := mail.NewSender(cfg.SMTPURL)
	if err != nil {
		return err
	}
	client, err := jobs.NewClient(jobs.Options{Pool: pool, Logger: log, MailSender: sender, MailFrom: cfg.MailFrom})
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	log.Info("worker running")
	<-ctx.Done()

	log.Info("worker stopping: letting running jobs finish", "grace", cfg.ShutdownTimeout)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := client.Stop(stopCtx); err != nil {
		return err
	}
	log.Info("worker stopped")
	return nil
}
