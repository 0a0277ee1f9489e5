package account

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
)

// ErrTOTPRequired: the account has 2FA on and no code was given.
var ErrTOTPRequired = errors.New("account: a two-factor code is required")

// APILogin checks the credentials of the JSON API's token endpoint: email
// and password as Login does (lockout, one hash for unknown addresses) and,
// for an account with 2FA on, code (a TOTP code or a recovery code, with
// the second step's one-time rules; a wrong one counts toward the lockout).
// Success resets the failure count and is audited as a login (method
// "password" without 2FA, as Login records it; "api" with the code).
//
// ErrInvalidCredentials, ErrTOTPRequired (2FA on, code empty), ErrWrongCode.
func (s *Service) APILogin(ctx context.Context, email, password, code string, meta RequestMeta) (User, error) {
	u, err := s.Login(ctx, email, password, meta)
	var proof *SecondFactorRequired
	if err == nil || !errors.As(err, &proof) {
		return u, err
	}
	if code == "" {
		return User{}, ErrTOTPRequired
	}
	user := proof.User()
	var wrong bool
	err = s.tx(ctx, func(q *db.Queries) error {
		res, err := s.spendSecondFactor(ctx, q, user.ID, code, meta)
		if wrong = !res.ok; wrong || err != nil {
			return err
		}
		if _, err := q.ClearLoginFailures(ctx, db.ClearLoginFailuresParams{ID: user.ID, Now: s.now()}); err != nil {
			return dbErr("api login: reset failures", err)
		}
		return s.audit(ctx, q, user.ID, EventLogin, meta, detail{"method": "api", "second_factor": res.kind})
	})
	if err != nil {
		return User{}, err
	}
	if wrong {
		return User{}, ErrWrongCode
	}
	user.LockedUntil = nil
	return user, nil
}

// UserByID returns the account id. ErrNotFound when there is none.
func (s *Service) UserByID(ctx context.Context, id uuid.UUID) (User, error) {
	return userAccount(ctx, db.New(s.cfg.Pool), id)
}
