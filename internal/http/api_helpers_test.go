package http

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// The JSON API's wire format, written out from DESIGN.md and openapi.json
// rather than borrowed from the handlers, so a renamed tag fails a test.
type (
	apiErrorJSON struct {
		Error struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	pairJSON struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
		TokenType    string `json:"token_type"`
		ExpiresIn    int    `json:"expires_in"`
	}
	meJSON struct {
		ID            string `json:"id"`
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		TOTPEnabled   bool   `json:"totp_enabled"`
		CreatedAt     string `json:"created_at"`
	}
	keyJSON struct {
		ID         string     `json:"id"`
		Name       string     `json:"name"`
		Prefix     string     `json:"prefix"`
		Scopes     []string   `json:"scopes"`
		CreatedAt  time.Time  `json:"created_at"`
		ExpiresAt  *time.Time `json:"expires_at"`
		LastUsedAt *time.Time `json:"last_used_at"`
		RevokedAt  *time.Time `json:"revoked_at"`
		Key        string     `json:"key"`
	}
)

// Challenges a 401 of the API offers, in order (DESIGN.md: WWW-Authenticate).
var wantChallenges = []string{`Bearer realm="rampart"`, `Basic realm="rampart", charset="UTF-8"`}

// bearer and basicAuth are Authorization header values.
func bearer(credential string) string { return "Bearer " + credential }

func basicAuth(email, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+pw))
}

// apiRequest is a request to the API from 192.0.2.1 with the Authorization
// header auth ("" for none). body is sent as JSON (Content-Type
// application/json), unless it is a string, which is sent as it is.
func apiRequest(t *testing.T, method, path, auth string, body any) *http.Request {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, testOrigin+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return req
}

// api sends one API request (see apiRequest).
func (s *testServer) api(t *testing.T, method, path, auth string, body any) (*http.Response, string) {
	t.Helper()
	return s.do(t, apiRequest(t, method, path, auth, body))
}

// decodeStrict decodes body as exactly one T: unknown fields fail the test.
func decodeStrict[T any](t *testing.T, what, body string) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: the body is not the expected JSON: %v\n%.1000s", what, err, body)
	}
	if dec.More() {
		t.Fatalf("%s: data after the JSON value: %.1000s", what, body)
	}
	return v
}

// wantAPIError checks that res is the JSON error of DESIGN.md with status and
// code, a message, and the request id of the X-Request-Id header; it
// returns the message.
func wantAPIError(t *testing.T, what string, res *http.Response, body string, status int, code string) string {
	t.Helper()
	wantStatus(t, what, res, body, status)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
	e := decodeStrict[apiErrorJSON](t, what, body)
	if e.Error.Code != code {
		t.Errorf("%s: error code %q, want %q (%s)", what, e.Error.Code, code, e.Error.Message)
	}
	if e.Error.Message == "" {
		t.Errorf("%s: the error has no message", what)
	}
	if id := res.Header.Get(middleware.HeaderRequestID); id == "" || e.Error.RequestID != id {
		t.Errorf("%s: request_id %q, X-Request-Id %q; want the same, not empty", what, e.Error.RequestID, id)
	}
	return e.Error.Message
}

// wantChallenged checks that a 401 offers both schemes, one header each.
func wantChallenged(t *testing.T, what string, res *http.Response) {
	t.Helper()
	got := res.Header.Values("WWW-Authenticate")
	if strings.Join(got, "\n") != strings.Join(wantChallenges, "\n") {
		t.Errorf("%s: WWW-Authenticate %q, want %q", what, got, wantChallenges)
	}
}

// login gets a token pair for email from POST /api/v1/auth/token.
func (s *testServer) login(t *testing.T, email, pw string) pairJSON {
	t.Helper()
	res, body := s.api(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"email": email, "password": pw})
	wantStatus(t, "POST /api/v1/auth/token as "+email, res, body, http.StatusOK)
	return decodeStrict[pairJSON](t, "the token pair", body)
}

// me calls GET /api/v1/me with auth and returns the status and, on 200, the user.
func (s *testServer) me(t *testing.T, auth string) (int, meJSON) {
	t.Helper()
	res, body := s.api(t, http.MethodGet, "/api/v1/me", auth, nil)
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, meJSON{}
	}
	return res.StatusCode, decodeStrict[meJSON](t, "GET /api/v1/me", body)
}

// createKey creates an API key through POST /api/v1/api-keys with auth.
func (s *testServer) createKey(t *testing.T, auth, name string, scopes ...string) keyJSON {
	t.Helper()
	res, body := s.api(t, http.MethodPost, "/api/v1/api-keys", auth, map[string]any{"name": name, "scopes": scopes})
	wantStatus(t, "creating key "+name, res, body, http.StatusCreated)
	k := decodeStrict[keyJSON](t, "the new key", body)
	if !newKeyRE.MatchString(k.Key) {
		t.Fatalf("the new key %q is not prefix.secret", k.Key)
	}
	return k
}

// userID is the id of email's account.
func (s *testServer) userID(t *testing.T, email string) string {
	t.Helper()
	var id string
	if err := s.pool.QueryRow(context.Background(), `SELECT id::text FROM users WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatalf("no user %s: %v", email, err)
	}
	return id
}
