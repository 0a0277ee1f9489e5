package account

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/db"
)

// Login checks email and password. ErrInvalidCredentials for a wrong
// password, an unknown email (which still costs one hash) or a locked
// account. LOGIN_MAX_FAILURES consecutive failures lock the account for
// LOGIN_LOCKOUT and mail the owner an unlock link; success resets the count
// and re-hashes a password stored with older parameters.
//
// With 2FA on, a right password is not a login: Login returns a
// *SecondFactorRequired (for BeginSecondFactor) and leaves the failure count
// as it is until the second factor passes, so a known password cannot reset
// the count that limits guessing codes.
//
// A malformed address is ErrInvalidCredentials too (after the same hash).
// A locked account still costs one hash and its failure count does not
// move; once a lock has passed, the count starts over. password.ErrBusy
// (wrapped) when the hasher is saturated: answer 503.
func (s *Service) Login(ctx context.Context, email, password string, meta RequestMeta) (User, error) {
	addr, ok := normaliseEmail(email)
	if !ok {
		return User{}, s.spendHash(ctx, password)
	}
	row, err := db.New(s.cfg.Pool).GetUserAccountByEmail(ctx, addr)
	if errors.Is(db.Translate(err), db.ErrNotFound) {
		return User{}, s.spendHash(ctx, password)
	}
	if err != nil {
		return User{}, dbErr("login: load user", err)
	}
	return s.checkLogin(ctx, toUser(row.User, row.IsAdmin, row.TotpEnabled), row.User, password, meta)
}

// spendHash verifies pw against the stand-in hash, so that a login for no
// account costs what one for an account costs. ErrInvalidCredentials, or
// the hasher's error (ErrBusy).
func (s *Service) spendHash(ctx context.Context, pw string) error {
	if _, _, err := s.cfg.Hasher.Verify(ctx, pw, s.dummyHash); err != nil {
		return wrap("login: verify password", err)
	}
	return ErrInvalidCredentials
}

func (s *Service) checkLogin(ctx context.Context, user User, u db.User, pw string, meta RequestMeta) (User, error) {
	ok, rehash, err := s.cfg.Hasher.Verify(ctx, pw, u.PasswordHash)
	if errors.Is(err, password.ErrMalformedHash) {
		s.cfg.Logger.ErrorContext(ctx, "stored password hash is malformed; the account cannot log in",
			"user_id", u.ID, "request_id", meta.RequestID)
		return User{}, ErrInvalidCredentials
	}
	if err != nil {
		return User{}, wrap("login: verify password", err)
	}
	if now := s.now(); u.LockedUntil != nil && u.LockedUntil.After(now) {
		err := s.audit(ctx, db.New(s.cfg.Pool), u.ID, EventLoginFailed, meta, detail{"reason": "locked"})
		if err != nil {
			return User{}, err
		}
		return User{}, ErrInvalidCredentials
	}
	if !ok {
		return User{}, s.loginFailed(ctx, u, meta)
	}
	return s.loginSucceeded(ctx, user, u, pw, rehash, meta)
}

// loginFailed counts a failure and, when it locks the account, records the
// lockout and mails the unlock link, all in one transaction. It returns
// ErrInvalidCredentials once that is written.
func (s *Service) loginFailed(ctx context.Context, u db.User, meta RequestMeta) error {
	err := s.tx(ctx, func(q *db.Queries) error {
		now := s.now()
		// #nosec G115 -- New rejects a MaxFailures above math.MaxInt32.
		res, err := q.RecordLoginFailure(ctx, db.RecordLoginFailureParams{
			ID: u.ID, MaxFailures: int32(s.cfg.MaxFailures), LockUntil: now.Add(s.cfg.Lockout), Now: now,
		})
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			// Locked by a concurrent failure since the user was loaded.
			return s.audit(ctx, q, u.ID, EventLoginFailed, meta, detail{"reason": "locked"})
		}
		if err != nil {
			return dbErr("login: count failure", err)
		}
		if err := s.audit(ctx, q, u.ID, EventLoginFailed, meta, detail{"failures": res.FailedLoginCount}); err != nil {
			return err
		}
		if res.LockedUntil == nil {
			return nil
		}
		return s.lockedOut(ctx, q, u, res.FailedLoginCount, *res.LockedUntil, meta)
	})
	if err != nil {
		return err
	}
	return ErrInvalidCredentials
}

// lockedOut records a lockout and mails the owner an unlock link. It runs
// once per lockout: only the failure that locks the account gets here.
func (s *Service) lockedOut(ctx context.Context, q *db.Queries, u db.User, failures int32, until time.Time, meta RequestMeta) error {
	err := s.audit(ctx, q, u.ID, EventLockout, meta, detail{"failures": failures, "locked_until": until})
	if err != nil {
		return err
	}
	link, err := s.issueLink(ctx, q, u, purposeUnlock, PathUnlock, UnlockLinkTTL)
	if err != nil {
		return err
	}
	msg, err := unlockMail(u.Email, link, failures, s.cfg.Lockout)
	return s.send(ctx, q, msg, err)
}

// loginSucceeded resets the failure count, stores a re-hash when the stored
// hash has older parameters, and records the login. With 2FA on it only
// stores the re-hash and records the first factor, and returns
// *SecondFactorRequired.
func (s *Service) loginSucceeded(ctx context.Context, user User, u db.User, pw string, rehash bool, meta RequestMeta) (User, error) {
	newHash := ""
	if rehash {
		h, err := s.cfg.Hasher.Hash(ctx, pw)
		if err != nil {
			// The login stands; the re-hash is retried at the next one.
			s.cfg.Logger.WarnContext(ctx, "re-hash after login skipped", "user_id", u.ID, "err", err)
		}
		newHash = h
	}
	err := s.tx(ctx, func(q *db.Queries) error {
		now := s.now()
		if user.TwoFactor {
			if err := s.storeRehash(ctx, q, u, newHash, now); err != nil {
				return err
			}
			return s.audit(ctx, q, u.ID, EventLoginStarted, meta, detail{"method": MethodPassword})
		}
		if u.FailedLoginCount != 0 || u.LockedUntil != nil {
			if _, err := q.ClearLoginFailures(ctx, db.ClearLoginFailuresParams{ID: u.ID, Now: now}); err != nil {
				return dbErr("login: reset failures", err)
			}
		}
		if err := s.storeRehash(ctx, q, u, newHash, now); err != nil {
			return err
		}
		return s.audit(ctx, q, u.ID, EventLogin, meta, detail{"method": MethodPassword})
	})
	if err != nil {
		return User{}, err
	}
	if user.TwoFactor {
		return User{}, &SecondFactorRequired{user: user, method: MethodPassword}
	}
	user.LockedUntil = nil
	return user, nil
}

// storeRehash replaces the stored hash by newHash ("" : nothing to do) if it
// is still the one that was verified.
func (s *Service) storeRehash(ctx context.Context, q *db.Queries, u db.User, newHash string, now time.Time) error {
	if newHash == "" {
		return nil
	}
	_, err := q.ReplacePasswordHash(ctx, db.ReplacePasswordHashParams{
		ID: u.ID, OldHash: u.PasswordHash, NewHash: newHash, Now: now,
	})
	return dbErr("login: store re-hash", err)
}

// StartSession creates a new session for userID (a new token on every
// login) and returns the cookie value.
func (s *Service) StartSession(ctx context.Context, userID uuid.UUID, meta RequestMeta) (string, session.Session, error) {
	token, sess, err := s.cfg.Sessions.Create(ctx, nil, userID, sessionMeta(meta))
	if err != nil {
		return "", session.Session{}, wrap("start session", err)
	}
	return token, sess, nil
}

// RenewSession gives the session sessionID of userID a new cookie value and
// returns it; the old one stops working. Called after a privilege change
// (sudo confirmation, two-factor on or off) so that a token captured before
// it is worth nothing after. ErrNotFound when the session is gone.
func (s *Service) RenewSession(ctx context.Context, userID, sessionID uuid.UUID) (string, error) {
	token, err := s.cfg.Sessions.Renew(ctx, nil, userID, sessionID)
	if err != nil {
		return "", sessionErr("renew session", err)
	}
	return token, nil
}

// CurrentUser resolves a session cookie value to its live session and user
// (touching last-seen at most once a minute). ErrNotFound when there is none.
func (s *Service) CurrentUser(ctx context.Context, token string) (User, session.Session, error) {
	sess, err := s.cfg.Sessions.Lookup(ctx, token)
	if err != nil {
		return User{}, session.Session{}, sessionErr("current user: session", err)
	}
	u, err := userAccount(ctx, db.New(s.cfg.Pool), sess.UserID)
	if err != nil {
		return User{}, session.Session{}, err
	}
	return u, sess, nil
}

// Logout ends the session of token (no error when it is already gone).
func (s *Service) Logout(ctx context.Context, token string, meta RequestMeta) error {
	return s.tx(ctx, func(q *db.Queries) error {
		sess, err := s.cfg.Sessions.Remove(ctx, q, token)
		if errors.Is(err, session.ErrNotFound) {
			return nil
		}
		if err != nil {
			return wrap("logout", err)
		}
		return s.audit(ctx, q, sess.UserID, EventLogout, meta, detail{"session_id": sess.ID})
	})
}

// Unlock uses a signed unlock link from the lockout email.
//
// It clears the failure count and the lock, and voids the user's other
// unlock links. ErrLinkInvalid for a forged, expired or used link.
func (s *Service) Unlock(ctx context.Context, u *url.URL, meta RequestMeta) error {
	hash, err := s.linkTokenHash(u)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(q *db.Queries) error {
		t, err := s.useToken(ctx, q, hash, purposeUnlock)
		if err != nil {
			return err
		}
		if err := s.retireTokens(ctx, q, t); err != nil {
			return err
		}
		if _, err := q.ClearLoginFailures(ctx, db.ClearLoginFailuresParams{ID: t.UserID, Now: s.now()}); err != nil {
			return dbErr("unlock", err)
		}
		return s.audit(ctx, q, t.UserID, EventUnlock, meta, detail{"via": "link"})
	})
}
