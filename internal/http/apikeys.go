package http

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/internal/auth/backends"
	"github.com/rampart-dev/rampart/internal/auth/jwt"
	"github.com/rampart-dev/rampart/internal/auth/session"
)

// apiKeyResponse is an API key in the JSON API; Key only when just created.
type apiKeyResponse struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Key        string     `json:"key,omitempty"`
}

func toAPIKeyResponse(k apikey.Key) apiKeyResponse {
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	return apiKeyResponse{
		ID: k.ID.String(), Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, CreatedAt: k.CreatedAt.UTC(),
		ExpiresAt: utc(k.ExpiresAt), LastUsedAt: utc(k.LastUsedAt), RevokedAt: utc(k.RevokedAt),
	}
}

// handleAPIKeyList answers GET /api/v1/api-keys: the user's keys, newest first.
func handleAPIKeyList(keys *apikey.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, _ := apiUser(c)
		list, err := keys.List(c.Request().Context(), u.ID)
		if err != nil {
			return err
		}
		out := make([]apiKeyResponse, len(list))
		for i, k := range list {
			out[i] = toAPIKeyResponse(k)
		}
		return c.JSON(http.StatusOK, out)
	}
}

// recentTokenLogin refuses (403 sudo_required) an access token whose
// family's login is older than session.SudoWindow.
func recentTokenLogin(c echo.Context, tokens *jwt.Service, u *backends.User) error {
	if u.Token == nil {
		return newAPIError(http.StatusForbidden, "sudo_required", "This token cannot make sensitive changes.")
	}
	at, err := tokens.AuthenticatedAt(c.Request().Context(), *u.Token)
	if errors.Is(err, jwt.ErrRevoked) {
		return newAPIError(http.StatusUnauthorized, "token_revoked", "The access token was revoked.")
	}
	if err != nil {
		return err
	}
	if time.Since(at) > session.SudoWindow {
		return newAPIError(http.StatusForbidden, "sudo_required", "Get a new token with your password (POST /api/v1/auth/token): creating a key needs a login in the last 10 minutes.")
	}
	return nil
}

// createAPIKeyRequest is the body of POST /api/v1/api-keys.
type createAPIKeyRequest struct {
	Name          string   `json:"name"`
	Scopes        []string `json:"scopes"`
	ExpiresInDays int      `json:"expires_in_days"`
}

// handleAPIKeyCreate answers POST /api/v1/api-keys with 201 and the key,
// shown this once. An API key cannot create keys (403): a leaked key must
// not be able to mint others that outlive its revocation. A new key is a
// sensitive change, allowed only shortly after a password was presented
// (403 sudo_required otherwise): Basic auth presents it; the browser's
// session needs sudo mode, as on the page; an access token needs the login
// that started its token family to be within session.SudoWindow, so a
// stolen refresh token cannot be turned into a key that outlives it.
func handleAPIKeyCreate(keys *apikey.Service, tokens *jwt.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, _ := apiUser(c)
		if u.Method == backends.MethodAPIKey {
			return newAPIError(http.StatusForbidden, "forbidden", "API keys cannot create API keys: use a token or your password.")
		}
		// A new key is a sensitive change: from the browser's session, it
		// needs sudo mode, as on the page.
		if sess, ok := currentSession(c); u.Method == backends.MethodSession && (!ok || !sess.InSudo(time.Now())) {
			return newAPIError(http.StatusForbidden, "sudo_required", "Confirm your password first (/account/confirm): creating a key needs a login or confirmation in the last 10 minutes.")
		}
		if u.Method == backends.MethodJWT {
			if err := recentTokenLogin(c, tokens, u); err != nil {
				return err
			}
		}
		var req createAPIKeyRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		plain, k, err := keys.Create(c.Request().Context(), u.ID, req.Name, req.Scopes, req.ExpiresInDays)
		var fe apikey.FieldErrors
		if errors.As(err, &fe) {
			return newAPIError(http.StatusUnprocessableEntity, "invalid", fieldErrorsMessage(fe))
		}
		if err != nil {
			return err
		}
		res := toAPIKeyResponse(k)
		res.Key = plain
		noStore(c)
		return c.JSON(http.StatusCreated, res)
	}
}

// fieldErrorsMessage joins field errors into one sentence per field,
// sorted by field name: "name: ...; scopes: ...".
func fieldErrorsMessage(fe map[string]string) string {
	names := make([]string, 0, len(fe))
	for n := range fe {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + ": " + fe[n]
	}
	return strings.Join(parts, "; ")
}

// handleAPIKeyRevoke answers DELETE /api/v1/api-keys/{id} with 204; 404 for
// an unknown id or another user's key.
func handleAPIKeyRevoke(keys *apikey.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		u, _ := apiUser(c)
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return newAPIError(http.StatusNotFound, "not_found", "No such API key.")
		}
		err = keys.Revoke(c.Request().Context(), u.ID, id)
		if errors.Is(err, apikey.ErrNotFound) {
			return newAPIError(http.StatusNotFound, "not_found", "No such API key.")
		}
		if err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}
