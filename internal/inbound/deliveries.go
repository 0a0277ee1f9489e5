package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
)

// Delivery statuses.
const (
	StatusReceived   = "received"   // stored, waiting for the worker
	StatusProcessing = "processing" // a handler failed; a retry is scheduled
	StatusProcessed  = "processed"
	StatusFailed     = "failed" // every attempt failed; LastError says why
)

// Statuses lists them, for filters.
var Statuses = []string{StatusReceived, StatusProcessing, StatusProcessed, StatusFailed}

// DeliverySummary is one line of an endpoint's delivery list.
type DeliverySummary struct {
	ID          uuid.UUID
	DeliveryID  string
	EventType   string
	Status      string
	Attempts    int
	LastError   string
	ReceivedAt  time.Time
	ProcessedAt *time.Time
}

// StoredDelivery is one delivery in full, for its detail page.
type StoredDelivery struct {
	DeliverySummary
	Headers map[string][]string
	Body    []byte
}

// Deliveries lists the deliveries of one of the user's endpoints, newest
// first, of status (one of Statuses, or "" for all), at most limit
// (default and cap DefaultDeliveryLimit). ErrNotFound for another user's
// endpoint.
func (s *Service) Deliveries(ctx context.Context, userID, endpointID uuid.UUID, status string, limit int) ([]DeliverySummary, error) {
	if _, err := s.Get(ctx, userID, endpointID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > DefaultDeliveryLimit {
		limit = DefaultDeliveryLimit
	}
	rows, err := db.New(s.cfg.Pool).ListWebhookDeliveries(ctx, db.ListWebhookDeliveriesParams{
		EndpointID: endpointID, Status: status, MaxRows: int32(limit),
	})
	if err != nil {
		return nil, dbErr("list deliveries", err)
	}
	out := make([]DeliverySummary, len(rows))
	for i, r := range rows {
		out[i] = DeliverySummary{
			ID: r.ID, DeliveryID: r.DeliveryID, EventType: r.EventType, Status: r.Status, Attempts: int(r.Attempts),
			LastError: r.LastError, ReceivedAt: r.ReceivedAt, ProcessedAt: r.ProcessedAt,
		}
	}
	return out, nil
}

// Delivery returns one delivery of one of the user's endpoints. ErrNotFound.
func (s *Service) Delivery(ctx context.Context, userID, endpointID, id uuid.UUID) (StoredDelivery, error) {
	d, err := db.New(s.cfg.Pool).GetWebhookDelivery(ctx, db.GetWebhookDeliveryParams{ID: id, EndpointID: endpointID, UserID: userID})
	if err != nil {
		return StoredDelivery{}, dbErr("get delivery", err)
	}
	out := StoredDelivery{
		DeliverySummary: DeliverySummary{
			ID: d.ID, DeliveryID: d.DeliveryID, EventType: d.EventType, Status: d.Status, Attempts: int(d.Attempts),
			LastError: d.LastError, ReceivedAt: d.ReceivedAt, ProcessedAt: d.ProcessedAt,
		},
		Body: d.Body,
	}
	_ = json.Unmarshal(d.Headers, &out.Headers)
	return out, nil
}

// Replay processes a delivery again: it goes back to received and a new
// job is queued, in one transaction. ErrNotFound.
func (s *Service) Replay(ctx context.Context, userID, endpointID, id uuid.UUID) error {
	return s.replay(ctx, userID, endpointID, id)
}

// ReplayRef is Replay for a delivery named either by its id or by the
// provider's delivery id (what the endpoint's page shows as
// data-delivery-id). ErrNotFound when neither names a delivery of the
// endpoint, or the endpoint is not userID's.
func (s *Service) ReplayRef(ctx context.Context, userID, endpointID uuid.UUID, ref string) error {
	if id, err := uuid.Parse(ref); err == nil {
		if err := s.replay(ctx, userID, endpointID, id); !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if ref == "" || len(ref) > 255 || !utf8.ValidString(ref) || strings.ContainsRune(ref, 0) {
		return ErrNotFound
	}
	id, err := db.New(s.cfg.Pool).GetWebhookDeliveryByProviderID(ctx, db.GetWebhookDeliveryByProviderIDParams{
		EndpointID: endpointID, UserID: userID, DeliveryID: ref,
	})
	if errors.Is(db.Translate(err), db.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return dbErr("replay: find delivery", err)
	}
	return s.replay(ctx, userID, endpointID, id)
}

func (s *Service) replay(ctx context.Context, userID, endpointID, id uuid.UUID) error {
	return db.WithTx(ctx, s.cfg.Pool, func(q *db.Queries) error {
		n, err := q.ResetWebhookDeliveryForReplay(ctx, db.ResetWebhookDeliveryForReplayParams{ID: id, EndpointID: endpointID, UserID: userID})
		if err != nil {
			return dbErr("replay", err)
		}
		if n == 0 {
			return ErrNotFound
		}
		return s.enqueue(ctx, q, id)
	})
}
