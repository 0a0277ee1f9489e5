package http

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAPIMeWithoutCredentialsIsChallenged(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	for _, tc := range []struct{ name, auth string }{
		{"no Authorization header", ""},
		{"a scheme the API does not know", "Digest username=ada"},
		{"a Basic header without credentials", "Basic"},
		{"two credentials in one header", "Bearer abc def"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := s.api(t, http.MethodGet, "/api/v1/me", tc.auth, nil)
			wantAPIError(t, "GET /api/v1/me, "+tc.name, res, body, http.StatusUnauthorized, "unauthorized")
			wantChallenged(t, tc.name, res)
		})
	}
}

func TestAPIMeWithBasic(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)

	res, body := s.api(t, http.MethodGet, "/api/v1/me", basicAuth("ada@example.com", strongPassword), nil)
	wantStatus(t, "Basic with the right password", res, body, http.StatusOK)
	me := decodeStrict[meJSON](t, "GET /api/v1/me", body)
	var created time.Time
	if err := s.pool.QueryRow(context.Background(), `SELECT created_at FROM users WHERE email = $1`, me.Email).Scan(&created); err != nil {
		t.Fatal(err)
	}
	if me.ID != s.userID(t, "ada@example.com") || me.Email != "ada@example.com" || !me.EmailVerified || me.TOTPEnabled {
		t.Errorf("/api/v1/me = %+v, want ada's id, verified, 2FA off", me)
	}
	at, err := time.Parse(time.RFC3339, me.CreatedAt)
	if err != nil || !at.Equal(created) {
		t.Errorf("created_at %q (%v), want %s in RFC 3339", me.CreatedAt, err, created.UTC().Format(time.RFC3339Nano))
	}

	b64 := base64.StdEncoding.EncodeToString
	for _, tc := range []struct{ name, auth string }{
		{"a wrong password", basicAuth("ada@example.com", otherPassword)},
		{"an unknown email", basicAuth("nobody@example.com", strongPassword)},
		{"bad base64", "Basic !!!not-base64"},
		{"no colon", "Basic " + b64([]byte("ada@example.com"))},
		{"no email", "Basic " + b64([]byte(":"+strongPassword))},
		{"text that is not UTF-8", "Basic " + b64([]byte("ada@example.com:\xff\xfe"))},
	} {
		res, body := s.api(t, http.MethodGet, "/api/v1/me", tc.auth, nil)
		wantAPIError(t, "Basic with "+tc.name, res, body, http.StatusUnauthorized, "invalid_credentials")
		wantChallenged(t, "Basic with "+tc.name, res)
	}
}

func TestAPIBasicFailuresLockTheAccount(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	for i := range testMaxFailures {
		res, body := s.api(t, http.MethodGet, "/api/v1/me", basicAuth("ada@example.com", "wrong password "+strconv.Itoa(i)), nil)
		wantAPIError(t, "a wrong Basic password", res, body, http.StatusUnauthorized, "invalid_credentials")
	}
	res, body := s.api(t, http.MethodGet, "/api/v1/me", basicAuth("ada@example.com", strongPassword), nil)
	wantAPIError(t, "the right password on a locked account", res, body, http.StatusUnauthorized, "invalid_credentials")
	if n := s.count(t, `SELECT count(*) FROM users WHERE email = $1 AND locked_until > now()`, "ada@example.com"); n != 1 {
		t.Errorf("after %d wrong Basic passwords the account is not locked", testMaxFailures)
	}
	b := s.browser(t)
	if res, body := b.submit("/login", url.Values{"email": {"ada@example.com"}, "password": {strongPassword}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("the login form after the API locked the account: %d, want 422\n%.300s", res.StatusCode, body)
	}
}

func TestAPIBasicIsRefusedWithTwoFactor(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	s.twoFactorUser(t, "ada@example.com", now)
	res, body := s.api(t, http.MethodGet, "/api/v1/me", basicAuth("ada@example.com", strongPassword), nil)
	msg := wantAPIError(t, "Basic for an account with 2FA", res, body, http.StatusUnauthorized, "two_factor_required")
	wantChallenged(t, "Basic for an account with 2FA", res)
	if !strings.Contains(msg, "/api/v1/auth/token") {
		t.Errorf("the message %q does not say where to get a token", msg)
	}
	res, body = s.api(t, http.MethodGet, "/api/v1/me", basicAuth("ada@example.com", otherPassword), nil)
	wantAPIError(t, "a wrong password for an account with 2FA", res, body, http.StatusUnauthorized, "invalid_credentials")
}

func TestAPIBasicIsRateLimitedPerIP(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, func(o *Options) { o.RateLimitAuthPerMinute = 3 })
	s.newUser(t, "ada@example.com", strongPassword)
	right := basicAuth("ada@example.com", strongPassword)
	for i := range 3 {
		res, body := s.api(t, http.MethodGet, "/api/v1/me", right, nil)
		wantStatus(t, "Basic attempt "+strconv.Itoa(i+1), res, body, http.StatusOK)
	}
	for _, auth := range []string{right, basicAuth("ada@example.com", otherPassword)} {
		res, body := s.api(t, http.MethodGet, "/api/v1/me", auth, nil)
		wantAPIError(t, "a Basic attempt over the limit", res, body, http.StatusTooManyRequests, "rate_limited")
		if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 || n > 60 {
			t.Errorf("Retry-After %q, want 1 to 60 seconds", res.Header.Get("Retry-After"))
		}
	}
	if n := s.count(t, `SELECT failed_login_count FROM users WHERE email = $1`, "ada@example.com"); n != 0 {
		t.Errorf("a refused attempt checked the password: %d failures counted", n)
	}
	req := apiRequest(t, http.MethodGet, "/api/v1/me", right, nil)
	req.RemoteAddr = "198.51.100.7:5000"
	res, body := s.do(t, req)
	wantStatus(t, "Basic from another address", res, body, http.StatusOK)
}

// browserAPI sends an API request from b, with its cookies; csrf, when
// not "", goes in X-CSRF-Token.
func (b *browser) api(method, path, auth, csrf string, body any, headers ...string) (*http.Response, string) {
	b.t.Helper()
	req := apiRequest(b.t, method, path, auth, body)
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func TestAPIWithTheSessionCookie(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "bob@example.com", strongPassword)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	ada, bob := s.userID(t, "ada@example.com"), s.userID(t, "bob@example.com")
	keysOf := func(id string) int { return s.count(t, `SELECT count(*) FROM api_keys WHERE user_id = $1`, id) }
	newKey := map[string]any{"name": "from the page", "scopes": []string{"read"}}

	res, body := b.api(http.MethodGet, "/api/v1/me", "", "", nil)
	wantStatus(t, "GET /api/v1/me with the session cookie", res, body, http.StatusOK)
	if me := decodeStrict[meJSON](t, "/api/v1/me", body); me.ID != ada {
		t.Errorf("the session cookie authenticated %s, want ada %s", me.ID, ada)
	}

	res, body = b.api(http.MethodPost, "/api/v1/api-keys", "", "", newKey)
	wantAPIError(t, "a cookie-authenticated POST without a CSRF token", res, body, http.StatusForbidden, "forbidden")
	token := b.csrf()
	res, body = b.api(http.MethodPost, "/api/v1/api-keys", "", token, newKey, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, "a cross-site POST with the cookie and a token", res, body, http.StatusForbidden)
	if n := keysOf(ada); n != 0 {
		t.Fatalf("%d keys created by refused requests", n)
	}
	res, body = b.api(http.MethodPost, "/api/v1/api-keys", "", token, newKey, "Sec-Fetch-Site", "same-origin")
	wantStatus(t, "a POST with the cookie and the page's CSRF token", res, body, http.StatusCreated)
	if n := keysOf(ada); n != 1 {
		t.Fatalf("ada has %d keys, want 1", n)
	}

	// A Bearer token authenticates by itself: no CSRF token, and it wins
	// over the cookie.
	pair := s.login(t, "bob@example.com", strongPassword)
	res, body = b.api(http.MethodPost, "/api/v1/api-keys", bearer(pair.AccessToken), "", newKey)
	wantStatus(t, "a POST with the cookie and a valid Bearer token", res, body, http.StatusCreated)
	if keysOf(bob) != 1 || keysOf(ada) != 1 {
		t.Errorf("keys: ada %d, bob %d; want 1 each (the Bearer token's user gets the key)", keysOf(ada), keysOf(bob))
	}
}

func TestAPISessionCookieIsNotUsedBesideAnAuthorizationHeader(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	newKey := map[string]any{"name": "forged", "scopes": []string{"read", "write"}}
	// An Authorization header exempts the request from CSRF, so the cookie
	// must not authenticate it when no backend recognises the header.
	for _, auth := range []string{"Bearer nonsense", "Bearer a.b", "Token xyz", "Basic", "Bearer 0123abcd.0123456789abcdef0123456789abcdeg"} {
		res, body := b.api(http.MethodPost, "/api/v1/api-keys", auth, "", newKey)
		wantAPIError(t, "a cookie and Authorization "+auth, res, body, http.StatusUnauthorized, "unauthorized")
	}
	if n := s.count(t, `SELECT count(*) FROM api_keys`); n != 0 {
		t.Fatalf("%d keys created by cookie-authenticated requests without a CSRF token", n)
	}
}

func TestAPIKeyCreationWithTheSessionCookieNeedsSudo(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	s.endSudo(t, "ada@example.com")
	res, body := b.api(http.MethodPost, "/api/v1/api-keys", "", b.csrf(), map[string]any{"name": "late", "scopes": []string{"read"}})
	wantStatus(t, "creating a key with a session 11 minutes after login", res, body, http.StatusForbidden)
	if n := s.count(t, `SELECT count(*) FROM api_keys`); n != 0 {
		t.Fatalf("%d keys created outside sudo mode", n)
	}
}
