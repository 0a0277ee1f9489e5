package account

import (
	"context"
	"errors"
	"net/url"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
)

// SignUp validates email and password (FieldErrors: "email", "password");
// for a new address it creates the user and mails a verification link
// valid 24 h; for an existing address it mails that address a notice
// instead. Both answer nil, after one password hash, so the response never
// tells whether the address exists.
func (s *Service) SignUp(ctx context.Context, email, password string, meta RequestMeta) error {
	addr, err := validateSignUp(email, password)
	if err != nil {
		return err
	}
	hash, err := s.cfg.Hasher.Hash(ctx, password)
	if err != nil {
		return wrap("sign-up: hash password", err)
	}
	return s.tx(ctx, func(q *db.Queries) error {
		u, err := q.InsertUserIfNew(ctx, db.InsertUserIfNewParams{Email: addr, PasswordHash: hash, Now: s.now()})
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			return s.mailExistingAccount(ctx, q, addr)
		}
		if err != nil {
			return dbErr("sign-up: create user", err)
		}
		if err := s.mailVerification(ctx, q, u); err != nil {
			return err
		}
		return s.audit(ctx, q, u.ID, EventSignup, meta, nil)
	})
}

// mailExistingAccount mails the owner of addr that someone tried to sign up
// with it. The address was taken when the insert ran, so the user exists
// (users are not deleted by the account flows).
func (s *Service) mailExistingAccount(ctx context.Context, q *db.Queries, addr string) error {
	owner, err := q.GetUserByEmail(ctx, addr)
	if err != nil {
		return dbErr("sign-up: load existing user", err)
	}
	msg, err := existingAccountMail(owner.Email, s.pageURL(PathPasswordForgot).String(), s.pageURL(PathLogin).String())
	return s.send(ctx, q, msg, err)
}

func (s *Service) mailVerification(ctx context.Context, q *db.Queries, u db.User) error {
	link, err := s.issueLink(ctx, q, u, purposeVerifyEmail, PathVerifyEmail, VerifyLinkTTL)
	if err != nil {
		return err
	}
	msg, err := verifyMail(u.Email, link)
	return s.send(ctx, q, msg, err)
}

// ResendVerification mails a fresh verification link to an unverified user
// (no-op for a verified one).
//
// ErrNotFound for an unknown user. Earlier links keep working until they
// expire or one of them is used.
func (s *Service) ResendVerification(ctx context.Context, userID uuid.UUID, meta RequestMeta) error {
	return s.tx(ctx, func(q *db.Queries) error {
		u, err := q.GetUserByID(ctx, userID)
		if err != nil {
			return dbErr("resend verification: load user", err)
		}
		if u.EmailVerifiedAt != nil {
			return nil
		}
		return s.mailVerification(ctx, q, u)
	})
}

// VerifyEmail checks the signed, single-use link u (the request URL of GET
// /verify-email) and marks the address verified. ErrLinkInvalid otherwise.
//
// Only u's path and query are read. Using the link voids the user's other
// verification links.
func (s *Service) VerifyEmail(ctx context.Context, u *url.URL, meta RequestMeta) (User, error) {
	hash, err := s.linkTokenHash(u)
	if err != nil {
		return User{}, err
	}
	var user User
	err = s.tx(ctx, func(q *db.Queries) error {
		t, err := s.useToken(ctx, q, hash, purposeVerifyEmail)
		if err != nil {
			return err
		}
		if err := s.retireTokens(ctx, q, t); err != nil {
			return err
		}
		n, err := q.MarkEmailVerified(ctx, db.MarkEmailVerifiedParams{ID: t.UserID, Now: s.now()})
		if err != nil {
			return dbErr("verify email", err)
		}
		if n == 1 {
			if err := s.audit(ctx, q, t.UserID, EventEmailVerified, meta, detail{"email": t.Email}); err != nil {
				return err
			}
		}
		user, err = userAccount(ctx, q, t.UserID)
		return err
	})
	return user, err
}
