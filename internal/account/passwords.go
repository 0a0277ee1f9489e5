package account

import (
	"context"
	"errors"
	"net/url"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
)

// RequestPasswordReset mails a single-use reset link valid 1 h when the
// address has an account, and nothing otherwise; the answer is the same.
// FieldErrors only for a malformed address.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, meta RequestMeta) error {
	addr, ok := normaliseEmail(email)
	if !ok {
		return FieldErrors{"email": msgInvalidEmail}
	}
	return s.tx(ctx, func(q *db.Queries) error {
		u, err := q.GetUserByEmail(ctx, addr)
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			return nil
		}
		if err != nil {
			return dbErr("password reset: load user", err)
		}
		link, err := s.issueLink(ctx, q, u, purposePasswordReset, PathPasswordReset, ResetLinkTTL)
		if err != nil {
			return err
		}
		msg, err := resetMail(u.Email, link)
		if err := s.send(ctx, q, msg, err); err != nil {
			return err
		}
		return s.audit(ctx, q, u.ID, EventResetRequested, meta, nil)
	})
}

// CheckResetLink reports whether u is a valid, unused reset link, without
// using it (for GET /password/reset). ErrLinkInvalid otherwise.
func (s *Service) CheckResetLink(ctx context.Context, u *url.URL) error {
	hash, err := s.linkTokenHash(u)
	if err != nil {
		return err
	}
	_, err = s.peekToken(ctx, db.New(s.cfg.Pool), hash, purposePasswordReset)
	return err
}

// ResetPassword uses the link u to set newPassword (FieldErrors
// "password"), ends every session of the user and mails a notice.
//
// ErrLinkInvalid is checked first; a refused password leaves the link
// unused. The link proves the address, so a reset also lifts a lockout and
// marks the address verified; it voids the user's other reset links. Of two
// concurrent uses of one link exactly one succeeds.
func (s *Service) ResetPassword(ctx context.Context, u *url.URL, newPassword string, meta RequestMeta) (User, error) {
	hash, err := s.linkTokenHash(u)
	if err != nil {
		return User{}, err
	}
	peek, err := s.peekToken(ctx, db.New(s.cfg.Pool), hash, purposePasswordReset)
	if err != nil {
		return User{}, err
	}
	if msg := checkNewPassword(newPassword, peek.Email); msg != "" {
		return User{}, FieldErrors{"password": msg}
	}
	pwHash, err := s.cfg.Hasher.Hash(ctx, newPassword)
	if err != nil {
		return User{}, wrap("password reset: hash password", err)
	}
	var user User
	err = s.tx(ctx, func(q *db.Queries) error {
		t, err := s.useToken(ctx, q, hash, purposePasswordReset)
		if err != nil {
			return err
		}
		if err := s.retireTokens(ctx, q, t); err != nil {
			return err
		}
		if err := s.resetAccount(ctx, q, t.UserID, pwHash); err != nil {
			return err
		}
		ended, err := s.cfg.Sessions.RevokeAllExcept(ctx, q, t.UserID, uuid.Nil)
		if err != nil {
			return wrap("password reset: end sessions", err)
		}
		if _, err := q.DeleteUserLoginChallenges(ctx, t.UserID); err != nil {
			return dbErr("password reset: end second steps", err)
		}
		msg, err := passwordChangedMail(t.Email, s.now(), meta.IP, s.pageURL(PathPasswordForgot).String())
		if err := s.send(ctx, q, msg, err); err != nil {
			return err
		}
		if err := s.audit(ctx, q, t.UserID, EventPasswordReset, meta, detail{"sessions_ended": ended}); err != nil {
			return err
		}
		user, err = userAccount(ctx, q, t.UserID)
		return err
	})
	if err == nil {
		s.revokeTokens(ctx, user.ID)
	}
	return user, err
}

// resetAccount stores the new password hash, lifts any lockout and marks
// the address verified.
func (s *Service) resetAccount(ctx context.Context, q *db.Queries, id uuid.UUID, pwHash string) error {
	now := s.now()
	if _, err := q.SetPasswordHash(ctx, db.SetPasswordHashParams{ID: id, PasswordHash: pwHash, Now: now}); err != nil {
		return dbErr("password reset: set password", err)
	}
	if _, err := q.ClearLoginFailures(ctx, db.ClearLoginFailuresParams{ID: id, Now: now}); err != nil {
		return dbErr("password reset: lift lockout", err)
	}
	_, err := q.MarkEmailVerified(ctx, db.MarkEmailVerifiedParams{ID: id, Now: now})
	return dbErr("password reset: mark verified", err)
}

// ChangePassword checks current (ErrWrongPassword), sets newPassword
// (FieldErrors "new_password"), ends every other session, replaces the
// current one (returns its new cookie value) and mails a notice.
//
// ErrNotFound when the user or their session sessionID is gone (nothing is
// changed then). The replacement session keeps the second-factor time of
// the one it replaces; the user's unused reset links stop working.
// password.ErrBusy (wrapped) when the hasher is saturated.
func (s *Service) ChangePassword(ctx context.Context, userID, sessionID uuid.UUID, current, newPassword string, meta RequestMeta) (string, error) {
	u, err := db.New(s.cfg.Pool).GetUserByID(ctx, userID)
	if err != nil {
		return "", dbErr("change password: load user", err)
	}
	ok, _, err := s.cfg.Hasher.Verify(ctx, current, u.PasswordHash)
	if err != nil {
		return "", wrap("change password: verify current", err)
	}
	if !ok {
		return "", ErrWrongPassword
	}
	if msg := checkNewPassword(newPassword, u.Email); msg != "" {
		return "", FieldErrors{"new_password": msg}
	}
	pwHash, err := s.cfg.Hasher.Hash(ctx, newPassword)
	if err != nil {
		return "", wrap("change password: hash password", err)
	}
	var token string
	err = s.tx(ctx, func(q *db.Queries) error {
		token, err = s.replacePassword(ctx, q, u, sessionID, pwHash, meta)
		return err
	})
	if err != nil {
		return "", err
	}
	s.revokeTokens(ctx, userID)
	return token, nil
}

// replacePassword is the write half of ChangePassword, inside its transaction.
func (s *Service) replacePassword(ctx context.Context, q *db.Queries, u db.User, sessionID uuid.UUID, pwHash string, meta RequestMeta) (string, error) {
	cur, err := s.cfg.Sessions.Get(ctx, q, u.ID, sessionID)
	if err != nil {
		return "", sessionErr("change password: current session", err)
	}
	now := s.now()
	if _, err := q.SetPasswordHash(ctx, db.SetPasswordHashParams{ID: u.ID, PasswordHash: pwHash, Now: now}); err != nil {
		return "", dbErr("change password: set password", err)
	}
	_, err = q.RetireUserTokens(ctx, db.RetireUserTokensParams{UserID: u.ID, Purpose: purposePasswordReset, Now: now})
	if err != nil {
		return "", dbErr("change password: void reset links", err)
	}
	ended, err := s.cfg.Sessions.RevokeAllExcept(ctx, q, u.ID, uuid.Nil)
	if err != nil {
		return "", wrap("change password: end sessions", err)
	}
	if _, err := q.DeleteUserLoginChallenges(ctx, u.ID); err != nil {
		return "", dbErr("change password: end second steps", err)
	}
	token, next, err := s.cfg.Sessions.Create(ctx, q, u.ID, sessionMeta(meta))
	if err != nil {
		return "", wrap("change password: new session", err)
	}
	if cur.SecondFactorAt != nil {
		if err := s.cfg.Sessions.SetSecondFactor(ctx, q, u.ID, next.ID, *cur.SecondFactorAt); err != nil {
			return "", wrap("change password: keep second factor", err)
		}
	}
	msg, err := passwordChangedMail(u.Email, now, meta.IP, s.pageURL(PathPasswordForgot).String())
	if err := s.send(ctx, q, msg, err); err != nil {
		return "", err
	}
	d := detail{"sessions_ended": ended - 1}
	return token, s.audit(ctx, q, u.ID, EventPasswordChanged, meta, d)
}
