package backends

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/internal/auth/jwt"
)

// APIKey authenticates `Authorization: Bearer <prefix.secret>` with an API
// key; the user gets the key's scopes. A bearer token of another shape is
// not its business (a JWT, say).
type APIKey struct {
	Realm string
	Keys  *apikey.Service
}

// Challenge implements Backend.
func (b *APIKey) Challenge() string { return bearerChallenge(b.Realm) }

// Authenticate implements Backend.
func (b *APIKey) Authenticate(ctx context.Context, r *http.Request) (*User, error) {
	token, ok := BearerToken(r)
	if !ok {
		return nil, ErrNotMine
	}
	k, err := b.Keys.Authenticate(ctx, token)
	switch {
	case err == nil:
		return &User{ID: k.UserID, Method: MethodAPIKey, Scopes: k.Scopes, CredentialID: k.ID.String()}, nil
	case errors.Is(err, apikey.ErrNotAPIKey):
		return nil, ErrNotMine
	case errors.Is(err, apikey.ErrInvalidKey):
		return nil, unauthorized("invalid_api_key", "The API key is unknown, revoked or expired.", nil)
	}
	return nil, unavailable(err)
}

// JWT authenticates `Authorization: Bearer <access token>`. Revocation is
// checked on every request; when that check cannot be made (Redis down),
// the request is refused with 503, never let through.
type JWT struct {
	Realm  string
	Tokens *jwt.Service
}

// Challenge implements Backend.
func (b *JWT) Challenge() string { return bearerChallenge(b.Realm) }

// Authenticate implements Backend.
func (b *JWT) Authenticate(ctx context.Context, r *http.Request) (*User, error) {
	token, ok := BearerToken(r)
	if !ok || strings.Count(token, ".") != 2 {
		return nil, ErrNotMine
	}
	cl, err := b.Tokens.VerifyAccess(ctx, token)
	switch {
	case err == nil:
		return &User{ID: cl.UserID, Method: MethodJWT, CredentialID: cl.ID, Token: &cl}, nil
	case errors.Is(err, jwt.ErrUnavailable):
		return nil, unavailable(err)
	case errors.Is(err, jwt.ErrRevoked):
		return nil, unauthorized("token_revoked", "The access token was revoked.", nil)
	}
	return nil, unauthorized("invalid_token", "The access token is invalid or expired.", nil)
}

func bearerChallenge(realm string) string { return `Bearer realm=` + strconv.Quote(realm) }
