package account

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/auth/recovery"
	"github.com/rampart-dev/rampart/internal/auth/seal"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/mail"
	"github.com/rampart-dev/rampart/views"
)

// Config holds the Service's dependencies and policy.
type Config struct {
	Pool     *pgxpool.Pool
	Hasher   *password.Hasher
	Signer   *signedurl.Signer // mail links: /verify-email, /password/reset, /account/unlock
	Outbox   *mail.Outbox
	Sessions *session.Store
	Seal     *seal.Box        // TOTP secrets at rest (AES-256-GCM, key from SECRET_KEY)
	Recovery *recovery.Hasher // HMAC of recovery codes (key from SECRET_KEY)
	Issuer   string           // the name authenticator apps show; default views.AppName
	// RevokeTokens, when set, ends the user's API tokens (JWT families)
	// wherever their sessions end for security: password reset or change,
	// 2FA turned off, an operator ending their sessions. Optional.
	RevokeTokens func(ctx context.Context, userID uuid.UUID) error
	BaseURL      *url.URL      // APP_BASE_URL: every link in mail is built on it, never on the Host header
	MaxFailures  int           // LOGIN_MAX_FAILURES
	Lockout      time.Duration // LOGIN_LOCKOUT
	Logger       *slog.Logger
	Now          func() time.Time // default time.Now
}

// Service implements the account flows.
type Service struct {
	cfg Config
	// dummyHash is a hash of a random password with the Hasher's parameters:
	// a login for an unknown address verifies against it, so it costs what a
	// wrong password costs and the timing does not tell the two apart.
	dummyHash string
}

// New checks cfg and returns the Service.
//
// Every dependency (Pool, Hasher, Signer, Outbox, Sessions, Seal,
// Recovery, BaseURL, Logger) is required; BaseURL must be an absolute http(s) URL; MaxFailures
// (at most math.MaxInt32) and Lockout must be positive. All problems are
// reported together. New hashes one random password (the stand-in that
// unknown addresses are verified against), so it takes as long as a login.
func New(cfg Config) (*Service, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Issuer == "" {
		cfg.Issuer = views.AppName
	}
	var b [24]byte
	_, _ = rand.Read(b[:])
	dummy, err := cfg.Hasher.Hash(context.Background(), base64.RawURLEncoding.EncodeToString(b[:]))
	if err != nil {
		return nil, fmt.Errorf("account: hash the stand-in password: %w", err)
	}
	return &Service{cfg: cfg, dummyHash: dummy}, nil
}

func (c Config) validate() error {
	var errs []error
	for _, dep := range []struct {
		name string
		nil  bool
	}{
		{"Pool", c.Pool == nil}, {"Hasher", c.Hasher == nil}, {"Signer", c.Signer == nil},
		{"Outbox", c.Outbox == nil}, {"Sessions", c.Sessions == nil}, {"BaseURL", c.BaseURL == nil},
		{"Logger", c.Logger == nil}, {"Seal", c.Seal == nil}, {"Recovery", c.Recovery == nil},
	} {
		if dep.nil {
			errs = append(errs, fmt.Errorf("account: Config.%s is required", dep.name))
		}
	}
	if c.BaseURL != nil && ((c.BaseURL.Scheme != "http" && c.BaseURL.Scheme != "https") || c.BaseURL.Host == "") {
		errs = append(errs, errors.New("account: Config.BaseURL must be an absolute http(s) URL"))
	}
	if c.MaxFailures <= 0 || c.MaxFailures > math.MaxInt32 {
		errs = append(errs, fmt.Errorf("account: Config.MaxFailures is %d, want a positive count", c.MaxFailures))
	}
	if c.Lockout <= 0 {
		errs = append(errs, fmt.Errorf("account: Config.Lockout is %v, want a positive duration", c.Lockout))
	}
	return errors.Join(errs...)
}

func (s *Service) now() time.Time { return s.cfg.Now() }

// revokeTokens ends the user's API tokens after a change that ended their
// sessions (committed by then). A failure is logged, not returned: the
// change stands, and the tokens still expire within JWT_ACCESS_TTL.
func (s *Service) revokeTokens(ctx context.Context, userID uuid.UUID) {
	if s.cfg.RevokeTokens == nil {
		return
	}
	if err := s.cfg.RevokeTokens(ctx, userID); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "revoking the user's API tokens failed", "user_id", userID, "error", err)
	}
}

// tx runs fn in one transaction (db.WithTx).
func (s *Service) tx(ctx context.Context, fn func(q *db.Queries) error) error {
	return db.WithTx(ctx, s.cfg.Pool, fn)
}

// userAccount loads a user and whether they are an admin through q;
// ErrNotFound when there is no such user.
func userAccount(ctx context.Context, q *db.Queries, id uuid.UUID) (User, error) {
	row, err := q.GetUserAccountByID(ctx, id)
	if err != nil {
		return User{}, dbErr("load user", err)
	}
	return toUser(row.User, row.IsAdmin, row.TotpEnabled), nil
}

func toUser(u db.User, isAdmin, twoFactor bool) User {
	return User{
		ID:            u.ID,
		Email:         u.Email,
		EmailVerified: u.EmailVerifiedAt != nil,
		IsAdmin:       isAdmin,
		TwoFactor:     twoFactor,
		LockedUntil:   u.LockedUntil,
		CreatedAt:     u.CreatedAt,
	}
}

// dbErr translates err at the db edge: no row is ErrNotFound, anything else
// is wrapped with what was being done.
func dbErr(op string, err error) error {
	if err == nil {
		return nil
	}
	err = db.Translate(err)
	if errors.Is(err, db.ErrNotFound) {
		return ErrNotFound
	}
	return fmt.Errorf("account: %s: %w", op, err)
}

// wrap adds what was being done to err (nil stays nil).
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("account: %s: %w", op, err)
}

// sessionErr maps session.ErrNotFound to ErrNotFound.
func sessionErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, session.ErrNotFound) {
		return ErrNotFound
	}
	return fmt.Errorf("account: %s: %w", op, err)
}

func sessionMeta(meta RequestMeta) session.Meta {
	return session.Meta{IP: meta.IP, UserAgent: meta.UserAgent}
}
