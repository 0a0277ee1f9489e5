package inbound_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/jobs"
)

// retryAtOnce makes River retry a failed job immediately, so tests do not
// wait out its backoff.
type retryAtOnce struct{}

func (retryAtOnce) NextRetry(*rivertype.JobRow) time.Time { return time.Now() }

// startWorker starts a River client on pool that works webhook_process
// jobs with reg; edit may change its config. It is stopped when t ends.
func (e *env) startWorker(t *testing.T, pool *pgxpool.Pool, reg *inbound.Registry, edit func(*river.Config)) *river.Client[pgx.Tx] {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, &inbound.ProcessWorker{Pool: pool, Registry: reg, Logger: slog.New(slog.DiscardHandler), Now: e.clock.Now})
	cfg := &river.Config{
		Logger:            slog.New(slog.DiscardHandler),
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
		RetryPolicy:       retryAtOnce{},
		TestOnly:          true,
	}
	if edit != nil {
		edit(cfg)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(context.WithoutCancel(t.Context())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.StopAndCancel(ctx)
	})
	return client
}

// waitFor polls cond until it holds; a deadline, not a timing assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) processed(t *testing.T, r inbound.Receipt) func() bool {
	return func() bool { return e.delivery(t, r.ID).Status == inbound.StatusProcessed }
}

func TestARiverClientRetriesAFailedAttemptAndTheEffectHappensOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	var calls atomic.Int32
	reg := inbound.NewRegistry()
	reg.Handle("stripe", "customer.subscription.*", func(ctx context.Context, q *db.Queries, d inbound.Delivery) error {
		calls.Add(1)
		if err := inbound.StripeSubscription(ctx, q, d); err != nil {
			return err
		}
		if d.Attempt == 1 {
			return errors.New("flaky after the write")
		}
		return nil
	})
	// The worker as the binaries build it (internal/jobs registers ProcessWorker).
	client, err := jobs.NewClient(jobs.Options{Pool: e.pool, Logger: slog.New(slog.DiscardHandler), Now: e.clock.Now, Webhooks: reg})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(context.WithoutCancel(t.Context())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.Stop(ctx)
	})

	r := e.receiveStripe(t, ep, secret, subscriptionEvent("evt_1", "customer.subscription.created", "sub_1", "trialing", "price_pro",
		e.clock.Now(), e.clock.Now().Add(14*24*time.Hour)))
	waitFor(t, "the delivery to be processed", e.processed(t, r))

	if subs := e.subscriptions(t, alice); len(subs) != 1 || subs[0].Status != "trialing" {
		t.Errorf("subscriptions = %+v, want exactly one, trialing", subs)
	}
	if d := e.delivery(t, r.ID); d.Attempts != 2 || d.LastError != "" {
		t.Errorf("delivery after %d attempts with error %q, want 2 and the error cleared", d.Attempts, d.LastError)
	}
	if calls.Load() != 2 {
		t.Errorf("the handler ran %d times, want 2", calls.Load())
	}
	waitFor(t, "River to complete the job", func() bool {
		return e.count(t, `SELECT count(*) FROM river_job WHERE state = 'completed' AND attempt = 2
			AND cardinality(errors) = 1 AND args->>'delivery_id' = $1`, r.ID.String()) == 1
	})
}

// TestAJobAbandonedMidHandlerIsRescuedAndTakesEffectOnce kills a worker in
// the middle of a job, as far as PostgreSQL and River can tell: client A
// fetches the job and its handler writes its effect, then A's transaction
// is terminated (the server rolls back, as when a process dies) and A never
// reports back, so the job stays "running". Client B, a leader with a short
// RescueStuckJobsAfter, rescues the job and runs it again.
func TestAJobAbandonedMidHandlerIsRescuedAndTakesEffectOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")

	poolA, err := db.Open(t.Context(), e.pool.Config().ConnString(), db.PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(poolA.Close)
	inHandler := make(chan int, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	regA := inbound.NewRegistry()
	regA.Handle("stripe", "customer.subscription.*", func(ctx context.Context, q *db.Queries, d inbound.Delivery) error {
		if err := inbound.StripeSubscription(ctx, q, d); err != nil {
			return err
		}
		tx, _ := q.Tx()
		var pid int
		if err := tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return err
		}
		inHandler <- pid
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	e.startWorker(t, poolA, regA, func(c *river.Config) {
		c.ID = "worker-a"
		c.LeaderElectionDisabled = true // B alone may rescue
		c.Queues[river.QueueDefault] = river.QueueConfig{MaxWorkers: 1}
		c.JobTimeout = -1
	})

	r := e.receiveStripe(t, ep, secret, subscriptionEvent("evt_1", "customer.subscription.updated", "sub_1", "active", "price_pro",
		e.clock.Now(), e.clock.Now().Add(30*24*time.Hour)))
	var pid int
	select {
	case pid = <-inHandler:
	case <-time.After(30 * time.Second):
		t.Fatal("worker A never ran the handler")
	}
	if _, err := e.pool.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "worker A's session to end", func() bool {
		return e.count(t, `SELECT count(*) FROM pg_stat_activity WHERE pid = $1`, pid) == 0
	})
	if n := len(e.subscriptions(t, alice)); n != 0 {
		t.Fatalf("%d subscriptions after the kill, want 0: the effect must roll back with the session", n)
	}
	if d := e.delivery(t, r.ID); d.Status != inbound.StatusReceived || d.Attempts != 0 {
		t.Fatalf("delivery %s after %d attempts, want received and untouched", d.Status, d.Attempts)
	}
	if n := e.count(t, `SELECT count(*) FROM river_job WHERE state = 'running' AND attempt = 1 AND 'worker-a' = ANY(attempted_by)`); n != 1 {
		t.Fatalf("%d jobs running on worker A, want 1 (abandoned)", n)
	}

	const stuckAfter = time.Second
	time.Sleep(stuckAfter + 100*time.Millisecond)
	e.startWorker(t, e.pool, inbound.DefaultRegistry(), func(c *river.Config) {
		c.ID = "worker-b"
		c.JobTimeout = stuckAfter
		c.RescueStuckJobsAfter = stuckAfter
	})
	waitFor(t, "worker B to process the rescued delivery", e.processed(t, r))

	subs := e.subscriptions(t, alice)
	if len(subs) != 1 || subs[0].Status != "active" || subs[0].PriceID != "price_pro" {
		t.Errorf("subscriptions = %+v, want exactly one, active on price_pro", subs)
	}
	if d := e.delivery(t, r.ID); d.Attempts != 1 || d.ProcessedAt == nil {
		t.Errorf("delivery processed at %v after %d attempts, want once", d.ProcessedAt, d.Attempts)
	}
	waitFor(t, "River to complete the rescued job on B", func() bool {
		return e.count(t, `SELECT count(*) FROM river_job WHERE state = 'completed' AND attempt = 2
			AND 'worker-b' = ANY(attempted_by) AND errors[1]->>'error' LIKE '%Stuck job rescued%'`) == 1
	})
}

func TestARunCutShortMidHandlerLeavesNoEffect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	r := e.receiveStripe(t, ep, secret, []byte(`{"id":"evt_1","type":"invoice.paid"}`))
	var cut context.CancelFunc
	reg := inbound.NewRegistry()
	reg.Handle("stripe", "invoice.paid", func(ctx context.Context, q *db.Queries, d inbound.Delivery) error {
		if err := writeEffect(ctx, q, d); err != nil {
			return err
		}
		if cut != nil {
			cut() // the worker is stopped hard right after the write
		}
		return nil
	})
	w := e.worker(reg)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cut = cancel
	if err := w.Work(ctx, e.newestJob(t, r.ID, 1)); err == nil {
		t.Fatal("Work cut short returned nil, want an error so River runs the job again")
	}
	if n := len(e.subscriptions(t, alice)); n != 0 {
		t.Fatalf("%d rows after the cut-short run, want 0", n)
	}
	if d := e.delivery(t, r.ID); d.Status != inbound.StatusReceived || d.ProcessedAt != nil {
		t.Fatalf("delivery %s after the cut-short run, want received", d.Status)
	}
	cut = nil
	if err := w.Work(t.Context(), e.newestJob(t, r.ID, 2)); err != nil {
		t.Fatalf("the next run: %v", err)
	}
	if n := len(e.subscriptions(t, alice)); n != 1 {
		t.Errorf("%d rows after the next run, want exactly 1", n)
	}
	if d := e.delivery(t, r.ID); d.Status != inbound.StatusProcessed || d.Attempts != 1 {
		t.Errorf("delivery %s after %d attempts, want processed once", d.Status, d.Attempts)
	}
}
