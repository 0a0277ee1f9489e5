package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/logging"
)

func TestAPIAccessLogHoldsNoCredentials(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	en := s.twoFactorUser(t, "bob@example.com", now)
	before := len(s.log.records(t, "request"))
	calls := 0
	call := func(method, path, auth string, body any) (*http.Response, string) {
		t.Helper()
		calls++
		return s.api(t, method, path, auth, body)
	}

	secrets := map[string]string{
		"the password":            strongPassword,
		"a wrong password":        otherPassword,
		"Basic credentials":       basicAuth("ada@example.com", strongPassword)[len("Basic "):],
		"wrong Basic credentials": basicAuth("ada@example.com", otherPassword)[len("Basic "):],
		"a recovery code":         en.codes[0],
	}
	call(http.MethodGet, "/api/v1/me", basicAuth("ada@example.com", strongPassword), nil)
	call(http.MethodGet, "/api/v1/me", basicAuth("ada@example.com", otherPassword), nil)
	call(http.MethodPost, "/api/v1/auth/token", "", map[string]string{"email": "ada@example.com", "password": otherPassword})
	res, body := call(http.MethodPost, "/api/v1/auth/token", "", map[string]string{"email": "bob@example.com", "password": strongPassword, "totp_code": en.codes[0]})
	wantStatus(t, "a token with a recovery code", res, body, http.StatusOK)
	bobs := decodeStrict[pairJSON](t, "bob's pair", body)
	res, body = call(http.MethodPost, "/api/v1/auth/token", "", map[string]string{"email": "ada@example.com", "password": strongPassword})
	wantStatus(t, "a token", res, body, http.StatusOK)
	first := decodeStrict[pairJSON](t, "the pair", body)
	res, body = call(http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": first.RefreshToken})
	wantStatus(t, "refreshing", res, body, http.StatusOK)
	second := decodeStrict[pairJSON](t, "the refreshed pair", body)
	res, body = call(http.MethodPost, "/api/v1/api-keys", bearer(second.AccessToken), map[string]any{"name": "logged?", "scopes": []string{"read"}})
	wantStatus(t, "creating a key", res, body, http.StatusCreated)
	key := decodeStrict[keyJSON](t, "the key", body).Key
	call(http.MethodGet, "/api/v1/me", bearer(key), nil)
	call(http.MethodGet, "/api/v1/api-keys", bearer(second.AccessToken), nil)
	query := url.Values{"access_token": {second.AccessToken}, "api_key": {key}, "password": {strongPassword}, "refresh_token": {second.RefreshToken}}
	call(http.MethodGet, "/api/v1/me?"+query.Encode(), bearer(key), nil)
	call(http.MethodPost, "/api/v1/auth/revoke", "", map[string]string{"token": first.AccessToken})
	call(http.MethodPost, "/api/v1/auth/revoke", "", map[string]string{"token": bobs.RefreshToken})
	call(http.MethodGet, "/api/v1/me", bearer(first.AccessToken), nil)
	for name, v := range map[string]string{
		"an access token": first.AccessToken, "a refresh token": first.RefreshToken,
		"a refreshed access token": second.AccessToken, "a refreshed refresh token": second.RefreshToken,
		"a 2FA access token": bobs.AccessToken, "a 2FA refresh token": bobs.RefreshToken,
		"an API key": key, "an API key's secret": key[9:],
	} {
		secrets[name] = v
	}

	lines := s.log.records(t, "request")
	if got := len(lines) - before; got != calls {
		t.Fatalf("%d access log lines for %d API calls: the log is not captured", got, calls)
	}
	var queryLogged bool
	for _, l := range lines {
		if q, _ := l["query"].(string); strings.Contains(q, "access_token=") {
			queryLogged = strings.Count(q, url.QueryEscape(logging.Redacted)) == len(query)
		}
	}
	if !queryLogged {
		t.Error("the query carrying credentials was not logged, with every value redacted")
	}
	log := s.log.String()
	for name, v := range secrets {
		if v == "" || strings.Contains(log, v) || strings.Contains(log, url.QueryEscape(v)) {
			t.Errorf("the log holds %s (%q)", name, v)
		}
	}
}
