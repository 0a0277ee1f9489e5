package backends

import (
	"context"
	"errors"
	"net/http"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/session"
)

// SessionLookup resolves a session cookie value to its user.
// *account.Service's CurrentUser satisfies it.
type SessionLookup func(ctx context.Context, token string) (account.User, session.Session, error)

// Session authenticates the browser's session cookie, so the site's own
// pages can call the API. Unsafe requests authenticated this way must pass
// the CSRF check like any form: the router only exempts /api requests that
// carry an Authorization header or no session cookie at all. So a request
// with an Authorization header is never the cookie's (not even one no
// backend recognises), or it would skip the CSRF check.
type Session struct {
	CookieName string
	Lookup     SessionLookup
}

// Challenge implements Backend: a cookie is not something a client is
// asked for.
func (s *Session) Challenge() string { return "" }

// Authenticate implements Backend.
func (s *Session) Authenticate(ctx context.Context, r *http.Request) (*User, error) {
	var token string
	for _, c := range r.CookiesNamed(s.CookieName) {
		if session.WellFormed(c.Value) {
			token = c.Value
			break
		}
	}
	if token == "" || r.Header.Get("Authorization") != "" {
		return nil, ErrNotMine
	}
	u, _, err := s.Lookup(ctx, token)
	switch {
	case err == nil:
		return &User{ID: u.ID, Method: MethodSession}, nil
	case errors.Is(err, account.ErrNotFound), errors.Is(err, session.ErrNotFound):
		return nil, unauthorized("session_expired", "Your session has ended. Log in again.", nil)
	}
	return nil, err
}
