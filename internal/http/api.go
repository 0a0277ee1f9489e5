package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/jwt"
)

// decodeJSON reads the request body as one JSON object into v: the
// Content-Type must be application/json (415), unknown fields and trailing
// data are refused (400), so a typo never passes silently.
func decodeJSON(c echo.Context, v any) error {
	mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if err != nil || mt != echo.MIMEApplicationJSON {
		return newAPIError(http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.")
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if msg := checkJSONKeys(body, v); msg != "" {
		return newAPIError(http.StatusBadRequest, "bad_request", msg)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return newAPIError(http.StatusBadRequest, "bad_request", "The body is not the JSON object this endpoint expects.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return newAPIError(http.StatusBadRequest, "bad_request", "The body has data after the JSON object.")
	}
	return nil
}

// readBody reads the whole request body: 413 past the body limit, 400 when
// it cannot be read.
func readBody(c echo.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request().Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, echo.ErrStatusRequestEntityTooLarge
	}
	if err != nil {
		return nil, newAPIError(http.StatusBadRequest, "bad_request", "The body could not be read.")
	}
	return body, nil
}

// checkJSONKeys refuses what encoding/json would quietly accept in a
// request object: a member given twice (the last would win, where another
// parser in front of us may have read the first) and a name that matches a
// field only case-insensitively ("EMAIL" for "email"). It returns a message
// for the client, or "" when body is not an object (Decode says so) or its
// names are fine. v points to the struct the body is decoded into.
func checkJSONKeys(body []byte, v any) string {
	names := jsonFieldNames(reflect.TypeOf(v))
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	seen := make(map[string]bool, len(names))
	for dec.More() {
		t, err := dec.Token()
		key, ok := t.(string)
		if err != nil || !ok {
			return ""
		}
		if seen[key] {
			return fmt.Sprintf("The member %q is given more than once.", key)
		}
		seen[key] = true
		if names != nil && !names[key] {
			return fmt.Sprintf("The member %q is not one this endpoint takes (names are case-sensitive).", key)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return ""
		}
	}
	return ""
}

// jsonFieldNames returns the JSON member names of the struct t points to,
// or nil for other types.
func jsonFieldNames(t reflect.Type) map[string]bool {
	if cached, ok := jsonNames.Load(t); ok {
		return cached.(map[string]bool)
	}
	var names map[string]bool
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
		names = map[string]bool{}
		st := t.Elem()
		for i := range st.NumField() {
			f := st.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch name {
			case "-":
				continue
			case "":
				name = f.Name
			}
			names[name] = true
		}
	}
	jsonNames.Store(t, names)
	return names
}

// jsonNames caches jsonFieldNames by type.
var jsonNames sync.Map

// tokenRequest is the body of POST /api/v1/auth/token.
type tokenRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	TOTPCode string `json:"totp_code"`
}

// handleToken answers POST /api/v1/auth/token: email and password (and
// totp_code when 2FA is on) for a token pair. The auth rate limit and the
// account lockout apply as on the login form.
func handleToken(accounts *account.Service, tokens *jwt.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req tokenRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		switch {
		case req.Email == "" || req.Password == "":
			return newAPIError(http.StatusBadRequest, "bad_request", "email and password are required.")
		case len(req.Email) > maxEmailBytes:
			return newAPIError(http.StatusBadRequest, "bad_request", fmt.Sprintf("email is longer than %d bytes.", maxEmailBytes))
		case len(req.Password) > maxPasswordBytes:
			return newAPIError(http.StatusBadRequest, "bad_request", fmt.Sprintf("password is longer than %d bytes.", maxPasswordBytes))
		case len(req.TOTPCode) > maxCodeBytes:
			return newAPIError(http.StatusBadRequest, "bad_request", fmt.Sprintf("totp_code is longer than %d bytes.", maxCodeBytes))
		}
		ctx := c.Request().Context()
		u, err := accounts.APILogin(ctx, req.Email, req.Password, req.TOTPCode, requestMeta(c))
		switch {
		case errors.Is(err, account.ErrInvalidCredentials):
			return newAPIError(http.StatusUnauthorized, "invalid_credentials", "Wrong email or password.")
		case errors.Is(err, account.ErrTOTPRequired):
			return newAPIError(http.StatusUnauthorized, "totp_required", "This account has two-factor authentication: send totp_code (a code from the app, or a recovery code).")
		case errors.Is(err, account.ErrWrongCode):
			return newAPIError(http.StatusUnauthorized, "invalid_totp", "That two-factor code is wrong or was already used.")
		case err != nil:
			return err
		}
		pair, err := tokens.IssuePair(ctx, u.ID, nil)
		if err != nil {
			return err
		}
		noStore(c)
		return c.JSON(http.StatusOK, pair)
	}
}

// handleRefresh answers POST /api/v1/auth/refresh {refresh_token}: a new
// pair; the old refresh token stops working, and presenting a used one
// again revokes its whole family.
func handleRefresh(tokens *jwt.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.RefreshToken == "" {
			return newAPIError(http.StatusBadRequest, "bad_request", "refresh_token is required.")
		}
		pair, err := tokens.Refresh(c.Request().Context(), req.RefreshToken)
		switch {
		case errors.Is(err, jwt.ErrUnavailable):
			return echo.NewHTTPError(http.StatusServiceUnavailable).SetInternal(err)
		case errors.Is(err, jwt.ErrRevoked):
			return newAPIError(http.StatusUnauthorized, "token_revoked", "This refresh token was revoked or already used; log in again.")
		case errors.Is(err, jwt.ErrInvalidToken):
			return newAPIError(http.StatusUnauthorized, "invalid_token", "The refresh token is invalid or expired.")
		case err != nil:
			return err
		}
		noStore(c)
		return c.JSON(http.StatusOK, pair)
	}
}

// handleRevoke answers POST /api/v1/auth/revoke {token} with 204: an access
// token is refused from now on, a refresh token's family ends. A token that
// is not valid anyway also gets 204 (RFC 7009): there is nothing to tell.
func handleRevoke(tokens *jwt.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req struct {
			Token string `json:"token"`
		}
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.Token == "" {
			return newAPIError(http.StatusBadRequest, "bad_request", "token is required.")
		}
		err := tokens.Revoke(c.Request().Context(), req.Token)
		if err != nil && !errors.Is(err, jwt.ErrInvalidToken) {
			if errors.Is(err, jwt.ErrUnavailable) {
				return echo.NewHTTPError(http.StatusServiceUnavailable).SetInternal(err)
			}
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// meResponse is GET /api/v1/me.
type meResponse struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified"`
	TOTPEnabled   bool      `json:"totp_enabled"`
	CreatedAt     time.Time `json:"created_at"`
}

// handleMe answers GET /api/v1/me with the authenticated user.
func handleMe(accounts *account.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		au, _ := apiUser(c)
		u, err := accounts.UserByID(c.Request().Context(), au.ID)
		if errors.Is(err, account.ErrNotFound) {
			return newAPIError(http.StatusUnauthorized, "unauthorized", "The account of this credential no longer exists.")
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, meResponse{
			ID: u.ID.String(), Email: u.Email, EmailVerified: u.EmailVerified, TOTPEnabled: u.TwoFactor, CreatedAt: u.CreatedAt.UTC(),
		})
	}
}
