package main

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/keys"
	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/config"
	"github.com/rampart-dev/rampart/internal/mail"
)

// newAccounts builds the account service: the password hasher (argon2id
// with bounded concurrency), the mail-link signer keyed from SECRET_KEY, the
// session store and the outbox that queues mail through jobs.
func newAccounts(cfg *config.Config, pool *pgxpool.Pool, outbox *mail.Outbox, log *slog.Logger) (*account.Service, error) {
	signKey, err := keys.Derive(cfg.SecretKey, keys.SignedURL)
	if err != nil {
		return nil, err
	}
	signer, err := signedurl.New(signKey)
	if err != nil {
		return nil, err
	}
	return account.New(account.Config{
		Pool:        pool,
		Hasher:      password.NewHasher(password.DefaultParams(), 0, 0),
		Signer:      signer,
		Outbox:      outbox,
		Sessions:    session.NewStore(pool, nil),
		BaseURL:     cfg.BaseURL,
		MaxFailures: cfg.LoginMaxFailures,
		Lockout:     cfg.LoginLockout,
		Logger:      log,
	})
}
