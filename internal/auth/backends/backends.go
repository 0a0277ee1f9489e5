// Package backends authenticates requests to the JSON API. A Backend looks
// at a request and answers one of three things: the user (success), "not
// mine" (ErrNotMine: no credentials of its kind, so the next backend may
// try), or "mine but invalid" (a *Failure: its kind of credentials, refused;
// the chain stops there). Chain runs them in order.
//
// The package knows net/http only: internal/http wraps Chain in Echo
// middleware (RequireAuth) and maps a *Failure to a JSON error.
package backends

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/jwt"
)

// Methods: how a User authenticated.
const (
	MethodBasic   = "basic"
	MethodAPIKey  = "api_key"
	MethodJWT     = "jwt"
	MethodSession = "session"
)

// Scopes of API credentials (DESIGN.md): read for safe methods, write for
// the others.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// User is who a request authenticated as, and with what.
type User struct {
	ID     uuid.UUID
	Method string // MethodBasic, MethodAPIKey, MethodJWT, MethodSession, or a custom backend's
	// Scopes limit what the credential may do; nil means every scope (the
	// person's own password, session or token). An API key carries its own.
	Scopes []string
	// CredentialID identifies the credential: the API key's id or the
	// token's jti ("" for passwords and sessions). Rate limits key on it.
	CredentialID string
	// Token is the verified access token (MethodJWT only, nil otherwise):
	// its custom claims (Token.Custom), and its family, which tells when the
	// login behind it happened (jwt.Service.AuthenticatedAt).
	Token *jwt.Claims
}

// HasScope reports whether the credential allows scope.
func (u *User) HasScope(scope string) bool {
	return u.Scopes == nil || slices.Contains(u.Scopes, scope)
}

// ErrNotMine: the request carries no credentials of this backend's kind.
var ErrNotMine = errors.New("backends: not this backend's credentials")

// Failure is "mine but invalid": the request carried this backend's kind of
// credentials and they were refused. Status is the HTTP status to answer
// (401, or 429 / 503 when the check could not be made), Code a stable
// machine-readable string and Message a safe explanation for the client.
type Failure struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration // for 429 and 503; 0 when unknown
	Err        error         // the cause, for logs (never shown)
}

func (f *Failure) Error() string {
	if f.Err != nil {
		return fmt.Sprintf("backends: %s: %v", f.Code, f.Err)
	}
	return "backends: " + f.Code
}

func (f *Failure) Unwrap() error { return f.Err }

// unauthorized is a 401 Failure.
func unauthorized(code, message string, err error) *Failure {
	return &Failure{Status: http.StatusUnauthorized, Code: code, Message: message, Err: err}
}

// unavailable is a 503 Failure: the check could not be made, so nothing is let through.
func unavailable(err error) *Failure {
	return &Failure{
		Status: http.StatusServiceUnavailable, Code: "unavailable", RetryAfter: 5 * time.Second,
		Message: "Authentication is temporarily unavailable. Try again shortly.", Err: err,
	}
}

// Backend authenticates requests of one kind.
type Backend interface {
	// Authenticate returns the user, ErrNotMine, or a *Failure (any other
	// error is treated as a 500 by callers).
	Authenticate(ctx context.Context, r *http.Request) (*User, error)
	// Challenge is the WWW-Authenticate value a 401 offers for this
	// backend (`Basic realm="..."`), or "" for none.
	Challenge() string
}

// Chain tries backends in order: the first success wins, the first
// "mine but invalid" (or any other error) stops the chain, and when every
// backend says "not mine" the result is ErrNoCredentials.
func Chain(ctx context.Context, r *http.Request, bs ...Backend) (*User, error) {
	for _, b := range bs {
		u, err := b.Authenticate(ctx, r)
		switch {
		case err == nil && u != nil:
			return u, nil
		case errors.Is(err, ErrNotMine):
			continue
		case err == nil:
			return nil, fmt.Errorf("backends: %T returned neither a user nor an error", b)
		default:
			return nil, err
		}
	}
	return nil, ErrNoCredentials
}

// ErrNoCredentials: no backend found credentials of its kind.
var ErrNoCredentials = errors.New("backends: no credentials")

// Challenges lists the WWW-Authenticate values of bs, in order, skipping
// empty ones and repeats.
func Challenges(bs ...Backend) []string {
	var out []string
	for _, b := range bs {
		if c := b.Challenge(); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}
