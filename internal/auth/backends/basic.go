package backends

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/password"
)

// PasswordLogin checks an email and password the way the login form does
// (lockout included). *account.Service satisfies it.
type PasswordLogin interface {
	Login(ctx context.Context, email, password string, meta account.RequestMeta) (account.User, error)
}

// Basic authenticates `Authorization: Basic base64(email:password)`. Each
// attempt is a login: it costs one password hash, passes Allow (the auth
// rate limit), counts toward the account's lockout, and is refused for
// accounts with 2FA on (a password alone is one factor: they use a token).
type Basic struct {
	Realm    string
	Accounts PasswordLogin
	// Allow admits an attempt before the password is checked (the auth
	// rate limit per client IP); nil admits all. A refusal is a 429 with
	// retryAfter.
	Allow func(r *http.Request) (ok bool, retryAfter time.Duration, err error)
	// Meta describes the request for the audit log.
	Meta func(r *http.Request) account.RequestMeta
}

// Challenge implements Backend.
func (b *Basic) Challenge() string {
	return `Basic realm=` + strconv.Quote(b.Realm) + `, charset="UTF-8"`
}

// Authenticate implements Backend.
func (b *Basic) Authenticate(ctx context.Context, r *http.Request) (*User, error) {
	if !isBasic(r) {
		return nil, ErrNotMine
	}
	email, pw, ok := BasicCredentials(r)
	if !ok {
		return nil, unauthorized("invalid_credentials", "The Basic credentials are malformed.", nil)
	}
	if b.Allow != nil {
		ok, retry, err := b.Allow(r)
		if err != nil {
			return nil, unavailable(err)
		}
		if !ok {
			return nil, &Failure{Status: http.StatusTooManyRequests, Code: "rate_limited",
				Message: "Too many attempts. Try again later.", RetryAfter: retry}
		}
	}
	var meta account.RequestMeta
	if b.Meta != nil {
		meta = b.Meta(r)
	}
	u, err := b.Accounts.Login(ctx, email, pw, meta)
	var proof *account.SecondFactorRequired
	switch {
	case err == nil:
		return &User{ID: u.ID, Method: MethodBasic}, nil
	case errors.As(err, &proof):
		return nil, unauthorized("two_factor_required",
			"This account has two-factor authentication: get a token from POST /api/v1/auth/token with totp_code.", nil)
	case errors.Is(err, account.ErrInvalidCredentials):
		return nil, unauthorized("invalid_credentials", "Wrong email or password.", nil)
	case errors.Is(err, password.ErrBusy):
		return nil, unavailable(err)
	}
	return nil, err
}
