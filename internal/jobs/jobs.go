// Package jobs defines Rampart's background jobs and builds the River client
// that runs them. The worker binary and, in development, the server run the
// same client; several worker processes share the queue through PostgreSQL
// (River fetches with SKIP LOCKED).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/logging"
	"github.com/rampart-dev/rampart/internal/mail"
)

// Options configure the job client. Zero values take the noted defaults.
type Options struct {
	Pool               *pgxpool.Pool
	Logger             *slog.Logger
	MaxWorkers         int           // default 10
	CleanupInterval    time.Duration // default 15m
	SessionIdleTimeout time.Duration // default 7 days (DESIGN.md)
	Now                func() time.Time
	// MailSender delivers queued mail; nil (no SMTP_URL) keeps it in the
	// outbox for the dev mailbox. Build it with mail.NewSender(SMTP_URL).
	MailSender mail.Sender
	MailFrom   string // MAIL_FROM
	// Webhooks routes verified webhook deliveries to their handlers;
	// nil means inbound.DefaultRegistry().
	Webhooks *inbound.Registry
}

// Client runs jobs until stopped.
type Client struct {
	river *river.Client[pgx.Tx]
	log   *slog.Logger
}

// NewClient registers every worker and periodic job and returns a client
// ready to Start. It returns an error for a nil pool or logger.
func NewClient(opts Options) (*Client, error) {
	if opts.Pool == nil || opts.Logger == nil {
		return nil, errors.New("jobs: Pool and Logger are required")
	}
	if opts.MaxWorkers <= 0 {
		opts.MaxWorkers = 10
	}
	if opts.CleanupInterval <= 0 {
		opts.CleanupInterval = 15 * time.Minute
	}
	if opts.SessionIdleTimeout <= 0 {
		opts.SessionIdleTimeout = 7 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}

	workers := river.NewWorkers()
	river.AddWorker(workers, &CleanupWorker{
		Pool: opts.Pool, Logger: opts.Logger, IdleTimeout: opts.SessionIdleTimeout, Now: opts.Now,
	})
	river.AddWorker(workers, &mail.SendWorker{
		Pool: opts.Pool, Sender: opts.MailSender, From: opts.MailFrom, Logger: opts.Logger,
	})
	if opts.Webhooks == nil {
		opts.Webhooks = inbound.DefaultRegistry()
	}
	river.AddWorker(workers, &inbound.ProcessWorker{
		Pool: opts.Pool, Registry: opts.Webhooks, Logger: opts.Logger, Now: opts.Now,
	})

	rc, err := river.NewClient(riverpgxv5.New(opts.Pool), &river.Config{
		Logger:  logging.WithMinLevel(opts.Logger, slog.LevelWarn).With("component", "river"),
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.MaxWorkers}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(opts.CleanupInterval),
				func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
				&river.PeriodicJobOpts{ID: "cleanup_expired", RunOnStart: true}),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	return &Client{river: rc, log: opts.Logger}, nil
}

// Start begins fetching and working jobs; it returns once started. Jobs'
// contexts derive from ctx's values but not from its cancellation: the end
// of ctx (a SIGTERM) must let running jobs finish, so only Stop ends them.
func (c *Client) Start(ctx context.Context) error {
	if err := c.river.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop stops fetching new jobs and waits for running ones to finish until ctx
// is done; then it cancels the rest, which River retries later (at-least-once).
func (c *Client) Stop(ctx context.Context) error {
	err := c.river.Stop(ctx)
	if err == nil {
		return nil
	}
	c.log.Warn("jobs did not finish in time; cancelling them", "error", err)
	// Longer than the SMTP timeout, as a second line of defence: a send
	// ends as soon as its context is cancelled, and otherwise at that
	// timeout, before this budget runs out.
	cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelBudget)
	defer cancel()
	return c.river.StopAndCancel(cancelCtx)
}

// cancelBudget is how long Stop waits for cancelled jobs to return: more
// than mail's 10-second SMTP timeout.
const cancelBudget = 15 * time.Second

// River exposes the underlying client, to insert jobs (in a transaction with
// the rows they refer to: InsertTx).
func (c *Client) River() *river.Client[pgx.Tx] { return c.river }
