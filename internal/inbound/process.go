package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/rampart-dev/rampart/internal/db"
)

// MaxAttempts is how often a delivery's handler is tried (River backs off
// exponentially between attempts) before the delivery is marked failed.
const MaxAttempts = 8

// ProcessArgs is the job that processes one stored delivery.
type ProcessArgs struct {
	DeliveryID uuid.UUID `json:"delivery_id"`
}

// Kind implements river.JobArgs.
func (ProcessArgs) Kind() string { return "webhook_process" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (ProcessArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: MaxAttempts} }

// Delivery is what a handler gets: one verified delivery.
type Delivery struct {
	ID         uuid.UUID // ours
	EndpointID uuid.UUID
	UserID     uuid.UUID // the endpoint's owner
	Provider   string
	DeliveryID string // the provider's
	EventType  string
	Headers    map[string][]string // signature values redacted
	Body       []byte              // exactly as received
	ReceivedAt time.Time
	Attempt    int // 1 for the first try
}

// Handler applies a delivery's effect through q, inside the transaction
// that also marks the delivery processed: both commit or neither does, so
// the effect happens once even if the worker dies mid-job and the job runs
// again. An error rolls both back and the job is retried. (Effects outside
// the database — calling another API — cannot join the transaction: make
// them idempotent, e.g. keyed by d.ID.)
type Handler func(ctx context.Context, q *db.Queries, d Delivery) error

// Registry maps a provider and an event type to a Handler. Patterns are an
// exact type ("invoice.paid"), a prefix ending in ".*"
// ("customer.subscription.*") or "*"; the most specific match wins.
// Deliveries without a handler are marked processed and kept.
type Registry struct {
	routes map[string]map[string]Handler // provider -> pattern -> handler
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{routes: map[string]map[string]Handler{}} }

// Handle registers h for provider's events matching pattern.
func (r *Registry) Handle(provider, pattern string, h Handler) {
	if r.routes[provider] == nil {
		r.routes[provider] = map[string]Handler{}
	}
	r.routes[provider][pattern] = h
}

// Lookup returns the handler for provider and event type, or nil.
func (r *Registry) Lookup(provider, eventType string) Handler {
	routes := r.routes[provider]
	if h, ok := routes[eventType]; ok {
		return h
	}
	best, bestLen := Handler(nil), -1
	for pattern, h := range routes {
		prefix, ok := strings.CutSuffix(pattern, "*")
		if ok && strings.HasPrefix(eventType, prefix) && len(prefix) > bestLen {
			best, bestLen = h, len(prefix)
		}
	}
	return best
}

// ProcessWorker runs the handler of each delivery.
type ProcessWorker struct {
	river.WorkerDefaults[ProcessArgs]
	Pool     *pgxpool.Pool
	Registry *Registry
	Logger   *slog.Logger
	Now      func() time.Time
}

// Work implements river.Worker.
func (w *ProcessWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	var handlerErr error
	err := db.WithTx(ctx, w.Pool, func(q *db.Queries) error {
		row, err := q.LockWebhookDelivery(ctx, job.Args.DeliveryID)
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			return nil // the endpoint was deleted since
		}
		if err != nil {
			return fmt.Errorf("inbound: load delivery: %w", db.Translate(err))
		}
		d := row.WebhookDelivery
		if d.Status == "processed" {
			return nil // done by an earlier run whose completion River missed
		}
		delivery := Delivery{
			ID: d.ID, EndpointID: d.EndpointID, UserID: row.UserID, Provider: row.Provider,
			DeliveryID: d.DeliveryID, EventType: d.EventType, Body: d.Body, ReceivedAt: d.ReceivedAt, Attempt: job.Attempt,
		}
		_ = json.Unmarshal(d.Headers, &delivery.Headers)
		if h := w.Registry.Lookup(row.Provider, d.EventType); h != nil {
			if handlerErr = h(ctx, q, delivery); handlerErr != nil {
				return handlerErr
			}
		}
		return q.MarkWebhookDeliveryProcessed(ctx, db.MarkWebhookDeliveryProcessedParams{ID: d.ID, Now: w.Now()})
	})
	if handlerErr != nil {
		w.recordFailure(ctx, job, handlerErr)
		return fmt.Errorf("inbound: handler for %s: %w", job.Args.DeliveryID, handlerErr)
	}
	return err
}

// recordFailure notes a failed attempt on the delivery (failed after the
// last one, else processing: a retry is coming).
func (w *ProcessWorker) recordFailure(ctx context.Context, job *river.Job[ProcessArgs], cause error) {
	status := "processing"
	if job.Attempt >= job.MaxAttempts {
		status = "failed"
	}
	msg := clip(cause.Error(), 1000)
	err := db.New(w.Pool).MarkWebhookDeliveryAttempt(ctx, db.MarkWebhookDeliveryAttemptParams{
		ID: job.Args.DeliveryID, Status: status, LastError: msg,
	})
	if err != nil {
		w.Logger.WarnContext(ctx, "recording a webhook failure failed", "delivery", job.Args.DeliveryID, "error", err)
	}
}
