// Package inbound receives webhooks: each account's endpoints (secrets
// sealed at rest, rotation with a grace period), verified deliveries stored
// once with a job queued in the same transaction, a worker that runs the
// handler registered for the provider and event type with the effect and the
// "processed" mark committed together, and replays.
//
// Signatures themselves are internal/webhook's business; this package is
// the domain around them.
package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rampart-dev/rampart/internal/auth/seal"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/webhook"
)

// Providers an endpoint can verify (DESIGN.md).
var Providers = []string{"github", "stripe", "slack", "standard"}

// Limits.
const (
	MaxNameLen           = 100
	MaxEndpointsPerUser  = 20
	PreviousSecretGrace  = 24 * time.Hour // a rotated-out secret is still accepted this long
	DefaultDeliveryLimit = 100
)

// Errors.
var (
	ErrNotFound = errors.New("inbound: not found")
	// ErrUnknownEndpoint: no endpoint with that id, or it is disabled.
	ErrUnknownEndpoint = errors.New("inbound: unknown endpoint")
)

// FieldErrors maps form fields ("name", "provider") to messages; nothing
// was written.
type FieldErrors map[string]string

func (f FieldErrors) Error() string { return "inbound: invalid input" }

// JobInserter queues jobs inside a transaction (*river.Client satisfies it).
type JobInserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Config holds the Service's dependencies.
type Config struct {
	Pool    *pgxpool.Pool
	Seal    *seal.Box   // endpoint secrets at rest
	Jobs    JobInserter // the processing job of each delivery
	BaseURL *url.URL    // APP_BASE_URL: endpoint URLs are built on it
	Logger  *slog.Logger
	Now     func() time.Time // default time.Now
}

// Service manages endpoints and receives deliveries.
type Service struct {
	cfg Config
}

// New checks cfg and returns the Service.
func New(cfg Config) (*Service, error) {
	if cfg.Pool == nil || cfg.Seal == nil || cfg.Jobs == nil || cfg.BaseURL == nil || cfg.Logger == nil {
		return nil, errors.New("inbound: Pool, Seal, Jobs, BaseURL and Logger are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{cfg: cfg}, nil
}

// Endpoint is one webhook endpoint of an account.
type Endpoint struct {
	ID                uuid.UUID
	UserID            uuid.UUID
	Name              string
	Provider          string
	URL               string // where the provider sends deliveries
	CreatedAt         time.Time
	DisabledAt        *time.Time
	PreviousExpiresAt *time.Time // while set and in the future, the previous secret still verifies
	Deliveries        int
	LastReceivedAt    *time.Time
}

// URL is the address of endpoint id: APP_BASE_URL/webhooks/{id}.
func (s *Service) URL(id uuid.UUID) string {
	b := s.cfg.BaseURL
	return (&url.URL{Scheme: b.Scheme, Host: b.Host, Path: strings.TrimSuffix(b.Path, "/") + "/webhooks/" + id.String()}).String()
}

func (s *Service) endpoint(e db.WebhookEndpoint) Endpoint {
	return Endpoint{
		ID: e.ID, UserID: e.UserID, Name: e.Name, Provider: e.Provider, URL: s.URL(e.ID),
		CreatedAt: e.CreatedAt, DisabledAt: e.DisabledAt, PreviousExpiresAt: e.PreviousExpiresAt,
	}
}

// Create adds an endpoint for userID and returns it with its secret, shown
// once: secret when given (providers such as Stripe and Slack issue their
// own, to be pasted here), else a new one in the provider's usual format.
// FieldErrors for a bad name, provider or secret, or too many endpoints.
func (s *Service) Create(ctx context.Context, userID uuid.UUID, name, provider, secret string) (Endpoint, string, error) {
	name = strings.TrimSpace(name)
	errs := FieldErrors{}
	switch {
	case name == "":
		errs["name"] = "Give the endpoint a name, like “Stripe production”."
	case utf8.RuneCountInString(name) > MaxNameLen || !utf8.ValidString(name) || strings.ContainsFunc(name, isControl):
		errs["name"] = fmt.Sprintf("Use at most %d ordinary characters.", MaxNameLen)
	}
	if !validProvider(provider) {
		errs["provider"] = "Choose one of GitHub, Stripe, Slack or Standard Webhooks."
	} else if msg := checkSecret(provider, secret); msg != "" {
		errs["secret"] = msg
	}
	if len(errs) > 0 {
		return Endpoint{}, "", errs
	}
	secret, err := orNewSecret(provider, secret)
	if err != nil {
		return Endpoint{}, "", err
	}
	var out Endpoint
	err = db.WithTx(ctx, s.cfg.Pool, func(q *db.Queries) error {
		// The owner's row is locked while counting, so parallel creates
		// cannot pass the limit together.
		if _, err := q.LockUser(ctx, userID); err != nil {
			return dbErr("lock owner", err)
		}
		n, err := q.CountUserWebhookEndpoints(ctx, userID)
		if err != nil {
			return dbErr("count endpoints", err)
		}
		if n >= MaxEndpointsPerUser {
			return FieldErrors{"name": fmt.Sprintf("You have %d endpoints, the most an account can have. Delete one first.", n)}
		}
		id := uuid.New()
		sealed, keyID := s.cfg.Seal.Seal([]byte(secret), secretAAD(id))
		e, err := q.InsertWebhookEndpoint(ctx, db.InsertWebhookEndpointParams{
			ID: id, UserID: userID, Name: name, Provider: provider, SecretEncrypted: sealed, KeyID: keyID, Now: s.cfg.Now(),
		})
		if err != nil {
			return dbErr("create endpoint", err)
		}
		out = s.endpoint(e)
		return nil
	})
	if err != nil {
		return Endpoint{}, "", err
	}
	return out, secret, nil
}

// List returns the user's endpoints, newest first, with delivery counts.
func (s *Service) List(ctx context.Context, userID uuid.UUID) ([]Endpoint, error) {
	rows, err := db.New(s.cfg.Pool).ListUserWebhookEndpoints(ctx, userID)
	if err != nil {
		return nil, dbErr("list endpoints", err)
	}
	out := make([]Endpoint, len(rows))
	for i, r := range rows {
		out[i] = s.endpoint(r.WebhookEndpoint)
		out[i].Deliveries = int(r.Deliveries)
		if t, ok := r.LastReceivedAt.(time.Time); ok {
			out[i].LastReceivedAt = &t
		}
	}
	return out, nil
}

// Get returns one of the user's endpoints. ErrNotFound for another user's.
func (s *Service) Get(ctx context.Context, userID, id uuid.UUID) (Endpoint, error) {
	e, err := db.New(s.cfg.Pool).GetUserWebhookEndpoint(ctx, db.GetUserWebhookEndpointParams{ID: id, UserID: userID})
	if err != nil {
		return Endpoint{}, dbErr("get endpoint", err)
	}
	return s.endpoint(e), nil
}

// RotateSecret gives the endpoint a new secret (secret when given, else a
// new one; returned, shown once); the old one keeps verifying for
// PreviousSecretGrace, so the sender can be switched without losing
// deliveries. ErrNotFound, FieldErrors for a malformed secret.
func (s *Service) RotateSecret(ctx context.Context, userID, id uuid.UUID, secret string) (string, error) {
	e, err := s.Get(ctx, userID, id)
	if err != nil {
		return "", err
	}
	if msg := checkSecret(e.Provider, secret); msg != "" {
		return "", FieldErrors{"secret": msg}
	}
	if secret, err = orNewSecret(e.Provider, secret); err != nil {
		return "", err
	}
	sealed, keyID := s.cfg.Seal.Seal([]byte(secret), secretAAD(id))
	n, err := db.New(s.cfg.Pool).RotateWebhookSecret(ctx, db.RotateWebhookSecretParams{
		ID: id, UserID: userID, SecretEncrypted: sealed, KeyID: keyID,
		PreviousExpiresAt: s.cfg.Now().Add(PreviousSecretGrace),
	})
	if err != nil {
		return "", dbErr("rotate secret", err)
	}
	if n == 0 {
		return "", ErrNotFound
	}
	return secret, nil
}

// SetDisabled disables (deliveries answered 404, nothing stored) or
// enables the endpoint. ErrNotFound.
func (s *Service) SetDisabled(ctx context.Context, userID, id uuid.UUID, disabled bool) error {
	var at *time.Time
	if disabled {
		now := s.cfg.Now()
		at = &now
	}
	n, err := db.New(s.cfg.Pool).SetWebhookEndpointDisabled(ctx, db.SetWebhookEndpointDisabledParams{DisabledAt: at, ID: id, UserID: userID})
	if err != nil {
		return dbErr("disable endpoint", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Delete removes the endpoint and its deliveries. ErrNotFound.
func (s *Service) Delete(ctx context.Context, userID, id uuid.UUID) error {
	n, err := db.New(s.cfg.Pool).DeleteWebhookEndpoint(ctx, db.DeleteWebhookEndpointParams{ID: id, UserID: userID})
	if err != nil {
		return dbErr("delete endpoint", err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// secretAAD binds a sealed secret to its endpoint: copied to another
// endpoint's row, it does not open. (The rotation moves the current value
// to the previous slot as it is.)
func secretAAD(id uuid.UUID) []byte { return []byte("webhook:" + id.String()) }

// MaxSecretLen bounds a pasted secret.
const MaxSecretLen = 256

// checkSecret says what is wrong with a pasted secret ("" for none, or
// for an empty one, which means "generate one").
func checkSecret(provider, secret string) string {
	if secret == "" {
		return ""
	}
	if len(secret) > MaxSecretLen || strings.ContainsFunc(secret, isControl) || strings.ContainsRune(secret, ' ') {
		return "Paste the secret exactly as the provider shows it."
	}
	if _, err := webhook.ParseSecret(provider, secret); err != nil {
		return "That doesn't look like a secret for this provider."
	}
	return ""
}

// orNewSecret returns secret, or a new one in the provider's format.
func orNewSecret(provider, secret string) (string, error) {
	if secret != "" {
		return secret, nil
	}
	s, err := webhook.NewSecret(provider)
	if err != nil {
		return "", fmt.Errorf("inbound: new secret: %w", err)
	}
	return s, nil
}

func validProvider(p string) bool {
	for _, v := range Providers {
		if p == v {
			return true
		}
	}
	return false
}

// isControl reports control and format characters (C0, C1, bidi overrides,
// zero-width ones), which have no place in a name.
func isControl(r rune) bool { return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) }

// dbErr translates err: no row is ErrNotFound.
func dbErr(op string, err error) error {
	if err == nil {
		return nil
	}
	err = db.Translate(err)
	if errors.Is(err, db.ErrNotFound) {
		return ErrNotFound
	}
	return fmt.Errorf("inbound: %s: %w", op, err)
}
