package account

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
)

// Bounds on what an audit event keeps of the request.
const (
	maxAuditIP        = 64
	maxAuditUserAgent = 512
	maxAuditRequestID = 128
)

// Limits of RecentEvents.
const (
	DefaultRecentEvents = 20
	MaxRecentEvents     = 100
)

// detail is the free-form part of an audit event (the detail jsonb column).
type detail map[string]any

// audit records an event of kind for userID through q, so it commits with
// the change it describes.
func (s *Service) audit(ctx context.Context, q *db.Queries, userID uuid.UUID, kind string, meta RequestMeta, d detail) error {
	if d == nil {
		d = detail{}
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("account: audit detail: %w", err)
	}
	err = q.InsertAuditEvent(ctx, db.InsertAuditEventParams{
		UserID:    &userID,
		Kind:      kind,
		Ip:        clean(meta.IP, maxAuditIP),
		UserAgent: clean(meta.UserAgent, maxAuditUserAgent),
		RequestID: clean(meta.RequestID, maxAuditRequestID),
		Detail:    raw,
		CreatedAt: s.now(),
	})
	return dbErr("record "+kind, err)
}

// RecentEvents returns the user's latest security events, newest first.
//
// limit <= 0 means DefaultRecentEvents; it is at most MaxRecentEvents.
func (s *Service) RecentEvents(ctx context.Context, userID uuid.UUID, limit int) ([]Event, error) {
	if limit <= 0 {
		limit = DefaultRecentEvents
	}
	limit = min(limit, MaxRecentEvents)
	rows, err := db.New(s.cfg.Pool).ListRecentUserAuditEvents(ctx, db.ListRecentUserAuditEventsParams{
		UserID: userID, MaxRows: int32(limit),
	})
	if err != nil {
		return nil, dbErr("list events", err)
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = Event{Kind: r.Kind, IP: r.Ip, UserAgent: r.UserAgent, CreatedAt: r.CreatedAt}
	}
	return out, nil
}
