package http

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestAPIKeyLifecycle(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	ada := s.userID(t, "ada@example.com")
	token := bearer(s.login(t, "ada@example.com", strongPassword).AccessToken)

	res, body := s.api(t, http.MethodPost, "/api/v1/api-keys", token, map[string]any{"name": " CI deploy ", "scopes": []string{"read"}})
	wantStatus(t, "creating a key", res, body, http.StatusCreated)
	k := decodeStrict[keyJSON](t, "the new key", body)
	if !newKeyRE.MatchString(k.Key) || k.Prefix != k.Key[:8] || k.Name != "CI deploy" || !slices.Equal(k.Scopes, []string{"read"}) {
		t.Fatalf("new key %+v: want prefix.secret, prefix = its first 8 characters, the name trimmed, scopes [read]", k)
	}
	if _, err := uuid.Parse(k.ID); err != nil || time.Since(k.CreatedAt) > time.Minute || k.ExpiresAt != nil || k.LastUsedAt != nil || k.RevokedAt != nil {
		t.Errorf("new key %+v: want a UUID, created now, no expiry, never used, not revoked", k)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on the answer holding the key, want no-store", cc)
	}
	secret := k.Key[9:]
	if n := s.count(t, `SELECT count(*) FROM api_keys WHERE prefix = $1 AND user_id = $2 AND length(secret_hash) = 32
		AND position(convert_to($3, 'UTF8') in secret_hash) = 0 AND position(decode($3, 'hex') in secret_hash) = 0`, k.Prefix, ada, secret); n != 1 {
		t.Error("the key's row is not ada's, or holds the secret instead of a 32-byte hash")
	}

	if code, me := s.me(t, bearer(k.Key)); code != http.StatusOK || me.ID != ada {
		t.Fatalf("the key on /api/v1/me: %d %+v, want 200 as ada", code, me)
	}
	res, body = s.api(t, http.MethodGet, "/api/v1/api-keys", token, nil)
	wantStatus(t, "listing keys", res, body, http.StatusOK)
	list := decodeStrict[[]keyJSON](t, "the list", body)
	if len(list) != 1 || list[0].ID != k.ID || list[0].Prefix != k.Prefix || list[0].Key != "" || strings.Contains(body, secret) || strings.Contains(body, `"key"`) {
		t.Fatalf("list = %s; want the one key, without the key itself", body)
	}
	if list[0].LastUsedAt == nil {
		t.Error("the list does not show the key's last use")
	}

	res, body = s.api(t, http.MethodDelete, "/api/v1/api-keys/"+k.ID, token, nil)
	wantStatus(t, "revoking the key", res, body, http.StatusNoContent)
	res, body = s.api(t, http.MethodGet, "/api/v1/me", bearer(k.Key), nil)
	wantAPIError(t, "a revoked key", res, body, http.StatusUnauthorized, "invalid_api_key")
	wantChallenged(t, "a revoked key", res)
	res, body = s.api(t, http.MethodGet, "/api/v1/api-keys", token, nil)
	if list := decodeStrict[[]keyJSON](t, "the list", body); res.StatusCode != http.StatusOK || len(list) != 0 {
		t.Errorf("the list after revoking: %d %s, want 200 []", res.StatusCode, body)
	}
	res, body = s.api(t, http.MethodDelete, "/api/v1/api-keys/"+k.ID, token, nil)
	wantStatus(t, "revoking the key again", res, body, http.StatusNoContent)
}

// Creating a key with an access token needs the password login behind the
// token's family to be recent, like a session's sudo mode: a refreshed
// token (or a stolen refresh token) from an old login cannot mint keys.
func TestAPIKeyCreationWithAnOldTokenLoginNeedsAFreshLogin(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	ada := s.userID(t, "ada@example.com")
	pair := s.login(t, "ada@example.com", strongPassword)
	newKey := map[string]any{"name": "late", "scopes": []string{"read", "write"}}

	if _, err := s.pool.Exec(context.Background(),
		`UPDATE jwt_families SET created_at = now() - interval '11 minutes' WHERE user_id = $1`, ada); err != nil {
		t.Fatal(err)
	}
	res, body := s.api(t, http.MethodPost, "/api/v1/api-keys", bearer(pair.AccessToken), newKey)
	wantAPIError(t, "a key from a token whose login is 11 minutes old", res, body, http.StatusForbidden, "sudo_required")
	res, body = s.refresh(t, pair.RefreshToken)
	wantStatus(t, "refreshing the old login's pair", res, body, http.StatusOK)
	refreshed := decodeStrict[pairJSON](t, "the new pair", body)
	res, body = s.api(t, http.MethodPost, "/api/v1/api-keys", bearer(refreshed.AccessToken), newKey)
	wantAPIError(t, "a key from a refreshed token of that login", res, body, http.StatusForbidden, "sudo_required")
	if n := s.count(t, `SELECT count(*) FROM api_keys WHERE user_id = $1`, ada); n != 0 {
		t.Fatalf("%d keys were created", n)
	}

	fresh := s.login(t, "ada@example.com", strongPassword)
	res, body = s.api(t, http.MethodPost, "/api/v1/api-keys", bearer(fresh.AccessToken), newKey)
	wantStatus(t, "a key from a token of a fresh login", res, body, http.StatusCreated)
	res, body = s.api(t, http.MethodPost, "/api/v1/api-keys", basicAuth("ada@example.com", strongPassword), newKey)
	wantStatus(t, "a key with the password itself (Basic)", res, body, http.StatusCreated)
}

func TestAPIKeyScopes(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	token := bearer(s.login(t, "ada@example.com", strongPassword).AccessToken)
	read := bearer(s.createKey(t, token, "reader", "read").Key)
	write := bearer(s.createKey(t, token, "writer", "write").Key)
	both := s.createKey(t, token, "both", "read", "write")
	keys := func() int { return s.count(t, `SELECT count(*) FROM api_keys WHERE revoked_at IS NULL`) }

	for _, tc := range []struct {
		name, method, path, auth string
		status                   int
		code                     string
	}{
		{"a read key reads /me", "GET", "/api/v1/me", read, 200, ""},
		{"a read key lists keys", "GET", "/api/v1/api-keys", read, 200, ""},
		{"a read key cannot create a key", "POST", "/api/v1/api-keys", read, 403, "insufficient_scope"},
		{"a read key cannot revoke a key", "DELETE", "/api/v1/api-keys/" + both.ID, read, 403, "insufficient_scope"},
		{"a write key cannot read", "GET", "/api/v1/me", write, 403, "insufficient_scope"},
		{"a write key cannot create a key", "POST", "/api/v1/api-keys", write, 403, "forbidden"},
		{"a read and write key cannot create a key", "POST", "/api/v1/api-keys", bearer(both.Key), 403, "forbidden"},
	} {
		var body any
		if tc.method == "POST" {
			body = map[string]any{"name": "minted", "scopes": []string{"read", "write"}}
		}
		res, resBody := s.api(t, tc.method, tc.path, tc.auth, body)
		if tc.code == "" {
			wantStatus(t, tc.name, res, resBody, tc.status)
		} else {
			wantAPIError(t, tc.name, res, resBody, tc.status, tc.code)
		}
	}
	if n := keys(); n != 3 {
		t.Errorf("%d live keys after the refused requests, want the 3 created", n)
	}
	res, body := s.api(t, http.MethodDelete, "/api/v1/api-keys/"+both.ID, write, nil)
	wantStatus(t, "a write key revokes a key", res, body, http.StatusNoContent)
}

func TestAPIKeyCreationValidates(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	token := bearer(s.login(t, "ada@example.com", strongPassword).AccessToken)
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no name", map[string]any{"scopes": []string{"read"}}, "name"},
		{"a blank name", map[string]any{"name": "  ", "scopes": []string{"read"}}, "name"},
		{"a name of 101 characters", map[string]any{"name": strings.Repeat("n", 101), "scopes": []string{"read"}}, "name"},
		{"a name with a line break", map[string]any{"name": "a\nb", "scopes": []string{"read"}}, "name"},
		{"an unknown scope", map[string]any{"name": "k", "scopes": []string{"admin"}}, "scopes"},
		{"no scopes", map[string]any{"name": "k", "scopes": []string{}}, "scopes"},
		{"a negative expiry", map[string]any{"name": "k", "scopes": []string{"read"}, "expires_in_days": -1}, "expires_in_days"},
		{"an expiry over ten years", map[string]any{"name": "k", "scopes": []string{"read"}, "expires_in_days": 3651}, "expires_in_days"},
	} {
		res, body := s.api(t, http.MethodPost, "/api/v1/api-keys", token, tc.body)
		msg := wantAPIError(t, tc.name, res, body, http.StatusUnprocessableEntity, "invalid")
		if !strings.HasPrefix(msg, tc.field+": ") {
			t.Errorf("%s: message %q does not name the field %s", tc.name, msg, tc.field)
		}
	}
	res, body := s.api(t, http.MethodPost, "/api/v1/api-keys", token, map[string]any{"name": "k", "scopes": []string{"read"}, "admin": true})
	wantAPIError(t, "an unknown field", res, body, http.StatusBadRequest, "bad_request")
	if n := s.count(t, `SELECT count(*) FROM api_keys`); n != 0 {
		t.Fatalf("%d keys created by refused requests", n)
	}
	res, body = s.api(t, http.MethodPost, "/api/v1/api-keys", token, map[string]any{"name": "k", "scopes": []string{"write", "read", "read"}, "expires_in_days": 30})
	wantStatus(t, "a key expiring in 30 days", res, body, http.StatusCreated)
	k := decodeStrict[keyJSON](t, "the key", body)
	if !slices.Equal(k.Scopes, []string{"read", "write"}) || k.ExpiresAt == nil || k.ExpiresAt.Sub(k.CreatedAt) != 30*24*time.Hour {
		t.Errorf("key %+v: want scopes [read write] and an expiry 30 days after creation", k)
	}
}

func TestAPIKeyRevokeOnlyYourOwn(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	s.newUser(t, "bob@example.com", strongPassword)
	adasKey := s.createKey(t, bearer(s.login(t, "ada@example.com", strongPassword).AccessToken), "ada's", "read")
	bob := bearer(s.login(t, "bob@example.com", strongPassword).AccessToken)
	for _, id := range []string{adasKey.ID, uuid.NewString(), "not-a-uuid", adasKey.Prefix, "%20"} {
		res, body := s.api(t, http.MethodDelete, "/api/v1/api-keys/"+id, bob, nil)
		wantAPIError(t, "DELETE /api/v1/api-keys/"+id+" by bob", res, body, http.StatusNotFound, "not_found")
	}
	if code, _ := s.me(t, bearer(adasKey.Key)); code != http.StatusOK {
		t.Errorf("ada's key after bob's attempts: %d, want 200", code)
	}
}

func TestAPIExpiredKeyIsRefused(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	token := bearer(s.login(t, "ada@example.com", strongPassword).AccessToken)
	res, body := s.api(t, http.MethodPost, "/api/v1/api-keys", token, map[string]any{"name": "short", "scopes": []string{"read"}, "expires_in_days": 1})
	wantStatus(t, "creating a key", res, body, http.StatusCreated)
	k := decodeStrict[keyJSON](t, "the key", body)
	// Expired before its first use, so no cached row can hide the change.
	if _, err := s.pool.Exec(context.Background(), `
		UPDATE api_keys SET created_at = now() - interval '2 days', expires_at = now() - interval '1 minute' WHERE id = $1`, k.ID); err != nil {
		t.Fatal(err)
	}
	res, body = s.api(t, http.MethodGet, "/api/v1/me", bearer(k.Key), nil)
	wantAPIError(t, "an expired key", res, body, http.StatusUnauthorized, "invalid_api_key")
	res, body = s.api(t, http.MethodGet, "/api/v1/api-keys", token, nil)
	wantStatus(t, "the list", res, body, http.StatusOK)
	if list := decodeStrict[[]keyJSON](t, "the list", body); len(list) != 1 || list[0].ExpiresAt == nil || time.Until(*list[0].ExpiresAt) > 0 {
		t.Errorf("the list: %s; want the expired key, shown with its expiry", body)
	}
}

func TestAPILimitIsPerCredential(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, func(o *Options) { o.RateLimitAPIPerHour = 3 })
	s.newUser(t, "ada@example.com", strongPassword)
	token := bearer(s.login(t, "ada@example.com", strongPassword).AccessToken)
	first, second := bearer(s.createKey(t, token, "first", "read").Key), bearer(s.createKey(t, token, "second", "read").Key)
	for i := range 3 {
		res, body := s.api(t, http.MethodGet, "/api/v1/me", first, nil)
		wantStatus(t, "call "+strconv.Itoa(i+1), res, body, http.StatusOK)
		if l, r := res.Header.Get("X-RateLimit-Limit"), res.Header.Get("X-RateLimit-Remaining"); l != "3" || r != strconv.Itoa(2-i) {
			t.Errorf("call %d: X-RateLimit-Limit %q, -Remaining %q; want 3, %d", i+1, l, r, 2-i)
		}
	}
	res, body := s.api(t, http.MethodGet, "/api/v1/me", first, nil)
	wantAPIError(t, "the fourth call with one key", res, body, http.StatusTooManyRequests, "rate_limited")
	if n, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || n < 1 || n > 3600 {
		t.Errorf("Retry-After %q, want 1 to 3600 seconds", res.Header.Get("Retry-After"))
	}
	if l, r := res.Header.Get("X-RateLimit-Limit"), res.Header.Get("X-RateLimit-Remaining"); l != "3" || r != "0" || res.Header.Get("X-RateLimit-Reset") == "" {
		t.Errorf("refused: X-RateLimit-Limit %q, -Remaining %q, -Reset %q; want 3, 0, set", l, r, res.Header.Get("X-RateLimit-Reset"))
	}
	res, body = s.api(t, http.MethodGet, "/api/v1/me", second, nil)
	wantStatus(t, "another key of the same user", res, body, http.StatusOK)
	res, body = s.api(t, http.MethodGet, "/api/v1/me", token, nil)
	wantStatus(t, "the token the keys were created with (its third call)", res, body, http.StatusOK)
}

// Under /api a known path with the wrong method is 405 with Allow (a plain
// OPTIONS is 204 with Allow), an unknown path 404, all in JSON.
func TestAPIWrongMethodsAnswer405(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodPut, "/api/v1/me", http.StatusMethodNotAllowed, "GET, OPTIONS"},
		{http.MethodPost, "/api/v1/me", http.StatusMethodNotAllowed, "GET, OPTIONS"},
		{http.MethodGet, "/api/v1/auth/token", http.StatusMethodNotAllowed, "POST, OPTIONS"},
		{http.MethodDelete, "/api/v1/auth/token", http.StatusMethodNotAllowed, "POST, OPTIONS"},
		{http.MethodPost, "/api/openapi.json", http.StatusMethodNotAllowed, "GET, OPTIONS"},
		{http.MethodPatch, "/api/v1/api-keys/1", http.StatusMethodNotAllowed, "DELETE, OPTIONS"},
		{http.MethodPut, "/api/v1/api-keys", http.StatusMethodNotAllowed, "GET, POST, OPTIONS"},
		{http.MethodOptions, "/api/v1/auth/token", http.StatusNoContent, "POST, OPTIONS"},
		{http.MethodGet, "/api/v1/nothing-here", http.StatusNotFound, ""},
		{http.MethodPost, "/api/v2/me", http.StatusNotFound, ""},
	} {
		what := tc.method + " " + tc.path
		res, body := s.api(t, tc.method, tc.path, "", nil)
		switch tc.status {
		case http.StatusMethodNotAllowed:
			wantAPIError(t, what, res, body, tc.status, "method_not_allowed")
		case http.StatusNotFound:
			wantAPIError(t, what, res, body, tc.status, "not_found")
		default:
			wantStatus(t, what, res, body, tc.status)
		}
		if got := res.Header.Get("Allow"); got != tc.allow {
			t.Errorf("%s: Allow %q, want %q", what, got, tc.allow)
		}
	}
}
