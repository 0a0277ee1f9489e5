package inbound

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/webhook"
)

// ErrUnverified wraps the reason a delivery's signature was refused
// (internal/webhook's errors): answer 401, nothing was stored.
var ErrUnverified = errors.New("inbound: signature not verified")

// Receipt is the answer to a verified delivery.
type Receipt struct {
	ID        uuid.UUID // our id of the stored delivery (uuid.Nil for a duplicate or a challenge)
	Duplicate bool      // this delivery id was already stored: nothing new was
	// Challenge is Slack's url_verification challenge, to be echoed back;
	// such a request is not a delivery and is not stored.
	Challenge string
}

// Receive verifies a delivery to endpoint id over its raw body and, in one
// transaction, stores it (once: a duplicate, even a parallel one, stores
// nothing) and queues its processing job.
//
// ErrUnknownEndpoint for an unknown or disabled endpoint; ErrUnverified
// (wrapping the webhook package's reason) for a missing, malformed, wrong
// or stale signature, or a delivery without an id.
func (s *Service) Receive(ctx context.Context, id uuid.UUID, h http.Header, body []byte) (Receipt, error) {
	q := db.New(s.cfg.Pool)
	e, err := q.GetWebhookEndpoint(ctx, id)
	if errors.Is(db.Translate(err), db.ErrNotFound) || (err == nil && e.DisabledAt != nil) {
		return Receipt{}, ErrUnknownEndpoint
	}
	if err != nil {
		return Receipt{}, dbErr("load endpoint", err)
	}
	secrets, err := s.secrets(e)
	if err != nil {
		return Receipt{}, err
	}
	v, err := webhook.ForProvider(e.Provider, s.cfg.Now)
	if err != nil {
		return Receipt{}, fmt.Errorf("inbound: endpoint %s: %w", e.ID, err)
	}
	d, err := v.Verify(h, body, secrets)
	if err != nil {
		return Receipt{}, fmt.Errorf("%w: %w", ErrUnverified, err)
	}
	if d.Challenge != "" {
		return Receipt{Challenge: d.Challenge}, nil
	}
	headers, err := json.Marshal(storedHeaders(h))
	if err != nil {
		return Receipt{}, fmt.Errorf("inbound: encode headers: %w", err)
	}
	var r Receipt
	err = db.WithTx(ctx, s.cfg.Pool, func(q *db.Queries) error {
		stored, err := q.InsertWebhookDelivery(ctx, db.InsertWebhookDeliveryParams{
			EndpointID: e.ID, DeliveryID: d.ID, EventType: clip(d.EventType, 200),
			Headers: headers, Body: body, Now: s.cfg.Now(),
		})
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			r.Duplicate = true
			return nil
		}
		if err != nil {
			return dbErr("store delivery", err)
		}
		r.ID = stored
		return s.enqueue(ctx, q, stored)
	})
	return r, err
}

// secrets opens the endpoint's secret and, within its grace period, the
// previous one, as HMAC keys.
func (s *Service) secrets(e db.WebhookEndpoint) ([][]byte, error) {
	open := func(sealed []byte, keyID string) ([]byte, error) {
		plain, err := s.cfg.Seal.Open(sealed, keyID, secretAAD(e.ID))
		if err != nil {
			return nil, fmt.Errorf("inbound: open secret of endpoint %s: %w", e.ID, err)
		}
		return webhook.ParseSecret(e.Provider, string(plain))
	}
	cur, err := open(e.SecretEncrypted, e.KeyID)
	if err != nil {
		return nil, err
	}
	out := [][]byte{cur}
	if e.PreviousSecretEncrypted != nil && e.PreviousKeyID != nil && e.PreviousExpiresAt != nil && e.PreviousExpiresAt.After(s.cfg.Now()) {
		prev, err := open(e.PreviousSecretEncrypted, *e.PreviousKeyID)
		if err != nil {
			return nil, err
		}
		out = append(out, prev)
	}
	return out, nil
}

// enqueue queues the processing job of delivery id in q's transaction.
func (s *Service) enqueue(ctx context.Context, q *db.Queries, id uuid.UUID) error {
	tx, ok := q.Tx()
	if !ok {
		return errors.New("inbound: enqueue outside a transaction")
	}
	if _, err := s.cfg.Jobs.InsertTx(ctx, tx, ProcessArgs{DeliveryID: id}, nil); err != nil {
		return fmt.Errorf("inbound: queue processing: %w", db.Translate(err))
	}
	return nil
}

// Header names whose values are secrets: stored as "[redacted]".
var signatureHeaders = map[string]bool{
	"X-Hub-Signature": true, "X-Hub-Signature-256": true, "Stripe-Signature": true,
	"X-Slack-Signature": true, "Webhook-Signature": true, "Authorization": true,
	"Cookie": true, "Proxy-Authorization": true, "X-Signature": true,
}

// Bounds on the headers kept with a delivery.
const (
	maxStoredHeaders    = 64
	maxStoredHeaderSize = 1024
)

// storedHeaders is what is kept of a delivery's headers: signature values
// redacted, at most maxStoredHeaders names (sorted), values cut to
// maxStoredHeaderSize bytes.
func storedHeaders(h http.Header) map[string][]string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make(map[string][]string, min(len(names), maxStoredHeaders))
	for _, name := range names[:min(len(names), maxStoredHeaders)] {
		canonical := http.CanonicalHeaderKey(name)
		for _, v := range h[name] {
			if signatureHeaders[canonical] || strings.Contains(strings.ToLower(canonical), "signature") {
				v = "[redacted]"
			}
			out[canonical] = append(out[canonical], clip(v, maxStoredHeaderSize))
		}
	}
	return out
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence, and
// replaces invalid UTF-8 and drops NUL (text columns take neither).
func clip(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
