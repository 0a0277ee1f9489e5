package account

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/db"
)

// Purposes of one-time tokens (the one_time_tokens.purpose CHECK).
const (
	purposeVerifyEmail   = "verify_email"
	purposePasswordReset = "password_reset"
	purposeUnlock        = "unlock"
)

// Paths of the pages mailed links lead to (DESIGN.md).
const (
	PathVerifyEmail    = "/verify-email"
	PathPasswordReset  = "/password/reset"
	PathUnlock         = "/account/unlock"
	PathPasswordForgot = "/password/forgot"
	PathLogin          = "/login"
)

// How long mailed links work.
const (
	VerifyLinkTTL = 24 * time.Hour
	ResetLinkTTL  = time.Hour
	// UnlockLinkTTL outlives LOGIN_LOCKOUT on purpose: after the lock has
	// passed, the link still resets the failure count, which does no harm.
	UnlockLinkTTL = 24 * time.Hour
)

// tokenParam is the query parameter carrying a link's single-use token.
const tokenParam = "token"

// issueLink stores a fresh token of purpose for u (through q, so it commits
// with the mail that carries it) and returns the signed absolute link to
// path on BaseURL, valid for ttl.
func (s *Service) issueLink(ctx context.Context, q *db.Queries, u db.User, purpose, path string, ttl time.Duration) (string, error) {
	token, hash := signedurl.NewToken()
	now := s.now()
	expires := now.Add(ttl)
	_, err := q.InsertOneTimeToken(ctx, db.InsertOneTimeTokenParams{
		UserID: u.ID, Purpose: purpose, TokenHash: hash, Email: u.Email, Now: now, ExpiresAt: expires,
	})
	if err != nil {
		return "", dbErr("store link token", err)
	}
	link := s.pageURL(path)
	link.RawQuery = url.Values{tokenParam: {token}}.Encode()
	return s.cfg.Signer.Sign(link, expires).String(), nil
}

// pageURL is path (which starts with "/") on BaseURL, without query or
// fragment. It does not use url.JoinPath: on a base without a path that
// returns a path without the leading "/", which String adds back but the
// signature (over the path) would not cover, so the link would not verify.
func (s *Service) pageURL(path string) *url.URL {
	b := s.cfg.BaseURL
	return &url.URL{Scheme: b.Scheme, Host: b.Host, Path: strings.TrimSuffix(b.Path, "/") + path}
}

// linkTokenHash verifies the signature and expiry of the request URL u,
// looking only at its path and query (a server request URL has no scheme or
// host, and the Host header is the client's), and returns the hash of the
// token it carries. ErrLinkInvalid (wrapping the signedurl reason) otherwise.
func (s *Service) linkTokenHash(u *url.URL) ([]byte, error) {
	if u == nil {
		return nil, ErrLinkInvalid
	}
	rel := &url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}
	if err := s.cfg.Signer.Verify(rel, s.now()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLinkInvalid, err)
	}
	token := rel.Query().Get(tokenParam)
	if token == "" {
		return nil, ErrLinkInvalid
	}
	return signedurl.HashToken(token), nil
}

// useToken marks the token of hash used, atomically, and returns it.
// ErrLinkInvalid when it is unknown, of another purpose, used, expired, or
// was sent to an address the account no longer has.
func (s *Service) useToken(ctx context.Context, q *db.Queries, hash []byte, purpose string) (db.OneTimeToken, error) {
	t, err := q.UseOneTimeToken(ctx, db.UseOneTimeTokenParams{TokenHash: hash, Purpose: purpose, Now: s.now()})
	return t, linkErr("use link token", err)
}

// peekToken is useToken without using the token.
func (s *Service) peekToken(ctx context.Context, q *db.Queries, hash []byte, purpose string) (db.OneTimeToken, error) {
	t, err := q.GetUsableOneTimeToken(ctx, db.GetUsableOneTimeTokenParams{TokenHash: hash, Purpose: purpose, Now: s.now()})
	return t, linkErr("check link token", err)
}

// retireTokens voids the user's other unused tokens of purpose.
func (s *Service) retireTokens(ctx context.Context, q *db.Queries, t db.OneTimeToken) error {
	_, err := q.RetireUserTokens(ctx, db.RetireUserTokensParams{UserID: t.UserID, Purpose: t.Purpose, Now: s.now()})
	return dbErr("retire link tokens", err)
}

func linkErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if err = db.Translate(err); errors.Is(err, db.ErrNotFound) {
		return ErrLinkInvalid
	}
	return fmt.Errorf("account: %s: %w", op, err)
}
