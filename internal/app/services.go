package app

import (
	"context"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/keys"
	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/auth/recovery"
	"github.com/rampart-dev/rampart/internal/auth/seal"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/config"
	"github.com/rampart-dev/rampart/internal/mail"
)

// newAccounts builds the account service: the password hasher (argon2id
// with bounded concurrency), the mail-link signer and the recovery-code
// HMAC keyed from SECRET_KEY, box (which seals TOTP secrets), the
// session store, the outbox that queues mail through jobs, and revokeTokens,
// which ends a user's API tokens when their sessions end for security.
func newAccounts(cfg *config.Config, pool *pgxpool.Pool, box *seal.Box, outbox *mail.Outbox, revokeTokens func(context.Context, uuid.UUID) error, log *slog.Logger) (*account.Service, error) {
	signKey, err := keys.Derive(cfg.SecretKey, keys.SignedURL)
	if err != nil {
		return nil, err
	}
	signer, err := signedurl.New(signKey)
	if err != nil {
		return nil, err
	}
	recoveryKey, err := keys.Derive(cfg.SecretKey, keys.RecoveryCode)
	if err != nil {
		return nil, err
	}
	codes, err := recovery.NewHasher(recoveryKey)
	if err != nil {
		return nil, err
	}
	return account.New(account.Config{
		Pool:         pool,
		Seal:         box,
		Recovery:     codes,
		RevokeTokens: revokeTokens,
		Hasher:       password.NewHasher(password.DefaultParams(), 0, 0),
		Signer:       signer,
		Outbox:       outbox,
		Sessions:     session.NewStore(pool, nil),
		BaseURL:      cfg.BaseURL,
		MaxFailures:  cfg.LoginMaxFailures,
		Lockout:      cfg.LoginLockout,
		Logger:       log,
	})
}

// newSealBox is the encryption at rest (AES-256-GCM) keyed from SECRET_KEY;
// values sealed under SECRET_KEY_PREVIOUS still open, and are sealed again
// under the current key when next used.
func newSealBox(cfg *config.Config) (*seal.Box, error) {
	current, err := seal.KeyFromMaster(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	if len(cfg.SecretKeyPrevious) == 0 {
		return seal.New(current)
	}
	previous, err := seal.KeyFromMaster(cfg.SecretKeyPrevious)
	if err != nil {
		return nil, err
	}
	return seal.New(current, previous)
}
