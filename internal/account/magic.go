package account

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/rampart-dev/rampart/internal/db"
)

// Magic-link login (DESIGN.md).
const (
	purposeMagicLogin = "magic_login"
	// PathMagicLink is the page that asks for the address; PathMagicVerify
	// is where the mailed link leads (GET shows a button, POST logs in).
	PathMagicLink   = "/login/magic"
	PathMagicVerify = "/login/magic/verify"
	// MagicLinkTTL is how long a mailed login link works.
	MagicLinkTTL = 10 * time.Minute
	// MagicLinkInterval is the least time between two login links mailed
	// to one address; a request sooner sends nothing (and says the same).
	MagicLinkInterval = time.Minute
)

// PathTwoFactor is the 2FA settings page, linked from the 2FA mails.
const PathTwoFactor = "/account/2fa"

// RequestMagicLink mails a single-use login link, valid MagicLinkTTL, when
// the address has an account and no link was mailed to it in the last
// MagicLinkInterval; otherwise nothing. The answer is the same either way.
// FieldErrors only for a malformed address.
//
// The per-address interval holds under concurrency: the user's row is
// locked while the last link's time is checked and the new one stored.
func (s *Service) RequestMagicLink(ctx context.Context, email string, meta RequestMeta) error {
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
			return dbErr("magic link: load user", err)
		}
		if _, err := q.LockUser(ctx, u.ID); err != nil {
			return dbErr("magic link: lock user", err)
		}
		recent, err := q.RecentOneTimeTokenExists(ctx, db.RecentOneTimeTokenExistsParams{
			UserID: u.ID, Purpose: purposeMagicLogin, Since: s.now().Add(-MagicLinkInterval),
		})
		if err != nil {
			return dbErr("magic link: check interval", err)
		}
		if recent {
			return nil
		}
		link, err := s.issueLink(ctx, q, u, purposeMagicLogin, PathMagicVerify, MagicLinkTTL)
		if err != nil {
			return err
		}
		msg, err := magicLinkMail(u.Email, link)
		if err := s.send(ctx, q, msg, err); err != nil {
			return err
		}
		return s.audit(ctx, q, u.ID, EventMagicLinkRequested, meta, nil)
	})
}

// CheckMagicLink reports whether u is a valid, unused login link, without
// using it (for the GET that shows the button), and returns the address it
// was sent to. ErrLinkInvalid otherwise.
func (s *Service) CheckMagicLink(ctx context.Context, u *url.URL) (string, error) {
	hash, err := s.linkTokenHash(u)
	if err != nil {
		return "", err
	}
	t, err := s.peekToken(ctx, db.New(s.cfg.Pool), hash, purposeMagicLogin)
	if err != nil {
		return "", err
	}
	return t.Email, nil
}

// MagicLogin uses the login link u. The link proves the address, so it
// also marks it verified. Without 2FA it is a login: the failure count and
// any lock are cleared, the login is audited and the user returned (start
// the session with StartSession). With 2FA on it returns a
// *SecondFactorRequired: a magic link is never a way around the second
// factor. The user's other login links stop working either way.
//
// ErrLinkInvalid for a forged, expired or used link; of two concurrent uses
// exactly one succeeds.
func (s *Service) MagicLogin(ctx context.Context, u *url.URL, meta RequestMeta) (User, error) {
	hash, err := s.linkTokenHash(u)
	if err != nil {
		return User{}, err
	}
	var user User
	err = s.tx(ctx, func(q *db.Queries) error {
		t, err := s.useToken(ctx, q, hash, purposeMagicLogin)
		if err != nil {
			return err
		}
		if err := s.retireTokens(ctx, q, t); err != nil {
			return err
		}
		now := s.now()
		verified, err := q.MarkEmailVerified(ctx, db.MarkEmailVerifiedParams{ID: t.UserID, Now: now})
		if err != nil {
			return dbErr("magic login: mark verified", err)
		}
		if verified == 1 {
			if err := s.audit(ctx, q, t.UserID, EventEmailVerified, meta, detail{"via": MethodMagicLink}); err != nil {
				return err
			}
		}
		if user, err = userAccount(ctx, q, t.UserID); err != nil {
			return err
		}
		if user.TwoFactor {
			return s.audit(ctx, q, t.UserID, EventLoginStarted, meta, detail{"method": MethodMagicLink})
		}
		if _, err := q.ClearLoginFailures(ctx, db.ClearLoginFailuresParams{ID: t.UserID, Now: now}); err != nil {
			return dbErr("magic login: reset failures", err)
		}
		user.LockedUntil = nil
		return s.audit(ctx, q, t.UserID, EventLogin, meta, detail{"method": MethodMagicLink})
	})
	if err != nil {
		return User{}, err
	}
	if user.TwoFactor {
		return User{}, &SecondFactorRequired{user: user, method: MethodMagicLink}
	}
	return user, nil
}
