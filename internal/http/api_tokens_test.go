package http

import (
	"net/http"
	"strings"
	"testing"
)

func TestAPITokenForEmailAndPassword(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)

	res, body := s.api(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"email": "ada@example.com", "password": strongPassword})
	wantStatus(t, "POST /api/v1/auth/token", res, body, http.StatusOK)
	pair := decodeStrict[pairJSON](t, "the token pair", body)
	if pair.TokenType != "Bearer" || pair.ExpiresIn != 900 || strings.Count(pair.AccessToken, ".") != 2 || strings.Count(pair.RefreshToken, ".") != 2 {
		t.Errorf("pair = %+v, want two JWTs, Bearer, 900 s", pair)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on a token answer, want no-store", cc)
	}
	code, me := s.me(t, bearer(pair.AccessToken))
	if code != http.StatusOK || me.ID != s.userID(t, "ada@example.com") {
		t.Fatalf("the access token on /api/v1/me: %d %+v, want 200 as ada", code, me)
	}
	res, body = s.api(t, http.MethodGet, "/api/v1/me", bearer(pair.RefreshToken), nil)
	wantAPIError(t, "the refresh token used as an access token", res, body, http.StatusUnauthorized, "invalid_token")

	for _, tc := range []struct{ name, email, pw string }{
		{"a wrong password", "ada@example.com", otherPassword},
		{"an unknown email", "nobody@example.com", strongPassword},
		{"an email that is not one", "not an email", strongPassword},
	} {
		res, body := s.api(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"email": tc.email, "password": tc.pw})
		wantAPIError(t, "a token for "+tc.name, res, body, http.StatusUnauthorized, "invalid_credentials")
	}
}

func TestAPITokenEndpointsRefuseBadBodies(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	huge := `{"token":"` + strings.Repeat("a", 2<<20) + `"}`
	for _, ep := range []struct{ path, valid, missing string }{
		{"/api/v1/auth/token", `{"email":"ada@example.com","password":"x"}`, `{"email":"ada@example.com"}`},
		{"/api/v1/auth/refresh", `{"refresh_token":"x"}`, `{}`},
		{"/api/v1/auth/revoke", `{"token":"x"}`, `{"token":""}`},
	} {
		for _, tc := range []struct {
			name, contentType, body string
			status                  int
			code                    string
		}{
			{"a text/plain body", "text/plain", ep.valid, 415, "unsupported_media_type"},
			{"a form body", "application/x-www-form-urlencoded", "email=a&password=b", 415, "unsupported_media_type"},
			{"no Content-Type", "", ep.valid, 415, "unsupported_media_type"},
			{"a JSON-like media type", "application/json-patch+json", ep.valid, 415, "unsupported_media_type"},
			{"malformed JSON", "application/json", `{"email":`, 400, "bad_request"},
			{"an array", "application/json", `[]`, 400, "bad_request"},
			{"a string", "application/json", `"token"`, 400, "bad_request"},
			{"an unknown field", "application/json", strings.Replace(ep.valid, "{", `{"admin":true,`, 1), 400, "bad_request"},
			{"a field of the wrong type", "application/json", `{"email":5,"password":[],"refresh_token":{},"token":1}`, 400, "bad_request"},
			{"two objects", "application/json", ep.valid + ep.valid, 400, "bad_request"},
			{"trailing garbage", "application/json", ep.valid + " x", 400, "bad_request"},
			{"an empty body", "application/json", "", 400, "bad_request"},
			{"null", "application/json", "null", 400, "bad_request"},
			{"missing fields", "application/json", ep.missing, 400, "bad_request"},
			{"a body over 1 MiB", "application/json", huge, 413, "payload_too_large"},
		} {
			req := apiRequest(t, http.MethodPost, ep.path, "", tc.body)
			req.Header.Del("Content-Type")
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			res, body := s.do(t, req)
			wantAPIError(t, ep.path+" with "+tc.name, res, body, tc.status, tc.code)
		}
	}
	long := map[string]string{"email": "ada@example.com", "password": strings.Repeat("p", 1025)}
	res, body := s.api(t, http.MethodPost, "/api/v1/auth/token", "", long)
	if msg := wantAPIError(t, "a password over 1024 bytes", res, body, http.StatusBadRequest, "bad_request"); !strings.Contains(msg, "password is longer") {
		t.Errorf("message %q does not say the password is too long", msg)
	}
	long = map[string]string{"email": strings.Repeat("e", 1025) + "@example.com", "password": "x"}
	res, body = s.api(t, http.MethodPost, "/api/v1/auth/token", "", long)
	if msg := wantAPIError(t, "an email over 1024 bytes", res, body, http.StatusBadRequest, "bad_request"); !strings.Contains(msg, "email is longer") {
		t.Errorf("message %q does not say the email is too long", msg)
	}
	long = map[string]string{"email": "ada@example.com", "password": "x", "totp_code": strings.Repeat("1", 33)}
	res, body = s.api(t, http.MethodPost, "/api/v1/auth/token", "", long)
	if msg := wantAPIError(t, "a totp_code over 32 bytes", res, body, http.StatusBadRequest, "bad_request"); !strings.Contains(msg, "totp_code is longer") {
		t.Errorf("message %q does not say the code is too long", msg)
	}

	// What encoding/json would quietly accept, and a parser in front of us
	// might read differently, is refused.
	for body, want := range map[string]string{
		`{"email":"nobody@example.com","email":"ada@example.com","password":"x"}`: "more than once",
		`{"EMAIL":"ada@example.com","Password":"x"}`:                              "case-sensitive",
		`{"email":"ada@example.com","password":"x","password":"y"}`:               "more than once",
	} {
		res, out := s.do(t, apiRequest(t, http.MethodPost, "/api/v1/auth/token", "", body))
		if msg := wantAPIError(t, body, res, out, http.StatusBadRequest, "bad_request"); !strings.Contains(msg, want) {
			t.Errorf("%s: message %q, want it to say %q", body, msg, want)
		}
	}

	req := apiRequest(t, http.MethodPost, "/api/v1/auth/token", "", `{"email":"ada@example.com","password":"x"}`)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	res, body = s.do(t, req)
	wantAPIError(t, "application/json with a charset", res, body, http.StatusUnauthorized, "invalid_credentials")
}

func TestAPITokenWithTwoFactor(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	en := s.twoFactorUser(t, "ada@example.com", now)
	token := func(pw, code string) (*http.Response, string) {
		return s.api(t, http.MethodPost, "/api/v1/auth/token", "", map[string]string{"email": "ada@example.com", "password": pw, "totp_code": code})
	}
	works := func(what string, res *http.Response, body string) {
		t.Helper()
		wantStatus(t, what, res, body, http.StatusOK)
		pair := decodeStrict[pairJSON](t, what, body)
		if code, me := s.me(t, bearer(pair.AccessToken)); code != http.StatusOK || !me.TOTPEnabled || me.Email != "ada@example.com" {
			t.Errorf("%s: /api/v1/me = %d %+v, want ada with totp_enabled", what, code, me)
		}
	}

	res, body := token(strongPassword, "")
	wantAPIError(t, "no totp_code", res, body, http.StatusUnauthorized, "totp_required")
	res, body = token(strongPassword, wrongCode(t, en.secret, now))
	wantAPIError(t, "a wrong totp_code", res, body, http.StatusUnauthorized, "invalid_totp")
	code := totpCode(t, en.secret, now)
	res, body = token(otherPassword, code)
	wantAPIError(t, "the right code with a wrong password", res, body, http.StatusUnauthorized, "invalid_credentials")
	res, body = token(strongPassword, code)
	works("the right code", res, body)
	res, body = token(strongPassword, code)
	wantAPIError(t, "the same code again", res, body, http.StatusUnauthorized, "invalid_totp")

	res, body = token(strongPassword, en.codes[0])
	works("a recovery code", res, body)
	res, body = token(strongPassword, en.codes[0])
	wantAPIError(t, "the same recovery code again", res, body, http.StatusUnauthorized, "invalid_totp")
	if n := s.count(t, `SELECT count(*) FROM recovery_codes WHERE used_at IS NOT NULL`); n != 1 {
		t.Errorf("%d recovery codes used, want 1", n)
	}
	res, body = token(strongPassword, totpCode(t, en.secret, now.Add(totpStep)))
	works("the next step's code", res, body)
}

// refresh calls POST /api/v1/auth/refresh.
func (s *testServer) refresh(t *testing.T, refreshToken string) (*http.Response, string) {
	t.Helper()
	return s.api(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refreshToken})
}

func TestAPIRefresh(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	first := s.login(t, "ada@example.com", strongPassword)

	res, body := s.refresh(t, first.RefreshToken)
	wantStatus(t, "refreshing", res, body, http.StatusOK)
	second := decodeStrict[pairJSON](t, "the refreshed pair", body)
	if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken || second.TokenType != "Bearer" || second.ExpiresIn != 900 {
		t.Errorf("refreshed pair %+v, want new tokens, Bearer, 900 s", second)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on a token answer, want no-store", cc)
	}
	if code, _ := s.me(t, bearer(second.AccessToken)); code != http.StatusOK {
		t.Errorf("the refreshed access token on /api/v1/me: %d, want 200", code)
	}

	res, body = s.refresh(t, first.RefreshToken)
	wantStatus(t, "a retry within the grace period", res, body, http.StatusOK)
	if retry := decodeStrict[pairJSON](t, "the retried pair", body); retry != second {
		t.Errorf("a retry within the grace period got another pair:\n%+v\nwant\n%+v", retry, second)
	}

	for _, tc := range []struct{ name, token string }{
		{"garbage", "not-a-token"},
		{"a JWT-shaped garbage", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"},
		{"an access token", second.AccessToken},
	} {
		res, body := s.refresh(t, tc.token)
		wantAPIError(t, "refreshing with "+tc.name, res, body, http.StatusUnauthorized, "invalid_token")
	}
	res, body = s.refresh(t, second.RefreshToken)
	wantStatus(t, "refreshing the new refresh token", res, body, http.StatusOK)
}

// revoke calls POST /api/v1/auth/revoke and expects 204.
func (s *testServer) revoke(t *testing.T, token string) {
	t.Helper()
	res, body := s.api(t, http.MethodPost, "/api/v1/auth/revoke", "", map[string]string{"token": token})
	wantStatus(t, "revoking", res, body, http.StatusNoContent)
	if body != "" {
		t.Errorf("a 204 with a body: %q", body)
	}
}

func TestAPIRevoke(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)

	pair := s.login(t, "ada@example.com", strongPassword)
	s.revoke(t, pair.AccessToken)
	res, body := s.api(t, http.MethodGet, "/api/v1/me", bearer(pair.AccessToken), nil)
	wantAPIError(t, "a revoked access token", res, body, http.StatusUnauthorized, "token_revoked")
	wantChallenged(t, "a revoked access token", res)
	res, body = s.refresh(t, pair.RefreshToken)
	wantStatus(t, "refreshing after revoking only the access token", res, body, http.StatusOK)
	next := decodeStrict[pairJSON](t, "the pair", body)
	if code, _ := s.me(t, bearer(next.AccessToken)); code != http.StatusOK {
		t.Errorf("the family's next access token after revoking one access token: %d, want 200", code)
	}

	s.revoke(t, "garbage")
	s.revoke(t, "eyJhbGciOiJub25lIn0.e30.")

	family := s.login(t, "ada@example.com", strongPassword)
	s.revoke(t, family.RefreshToken)
	res, body = s.refresh(t, family.RefreshToken)
	wantAPIError(t, "refreshing a revoked refresh token", res, body, http.StatusUnauthorized, "token_revoked")
	res, body = s.api(t, http.MethodGet, "/api/v1/me", bearer(family.AccessToken), nil)
	wantAPIError(t, "the access token of a revoked family", res, body, http.StatusUnauthorized, "token_revoked")
	if code, _ := s.me(t, bearer(next.AccessToken)); code != http.StatusOK {
		t.Errorf("revoking one family refused another's access token: %d, want 200", code)
	}
}
