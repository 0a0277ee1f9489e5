package http

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

var newKeyRE = regexp.MustCompile(`^[0-9a-f]{8}\.[0-9a-f]{32}$`)

// elementText returns the text of the element with id in page ("" when none).
func elementText(t *testing.T, page, id string) string {
	t.Helper()
	root, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	for n := range root.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		for _, a := range n.Attr {
			if a.Key == "id" && a.Val == id {
				var sb strings.Builder
				for d := range n.Descendants() {
					if d.Type == html.TextNode {
						sb.WriteString(d.Data)
					}
				}
				return strings.TrimSpace(sb.String())
			}
		}
	}
	return ""
}

// meWithKey calls GET /api/v1/me with key as a Bearer token.
func (s *testServer) meWithKey(t *testing.T, key string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, testOrigin+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, _ := s.do(t, req)
	return res.StatusCode
}

func TestAPIKeyPage(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)

	res, body := b.get("/account/api-keys")
	wantStatus(t, "the API keys page", res, body, http.StatusOK)
	if !strings.Contains(body, `id="api-keys-empty"`) {
		t.Error("no empty state before any key")
	}

	// Errors come back beside the fields, with nothing created.
	res, body = b.submit("/account/api-keys", url.Values{"name": {""}, "expires_in_days": {"-3"}})
	wantStatus(t, "a key without a name or scopes", res, body, http.StatusUnprocessableEntity)
	if n := s.count(t, `SELECT count(*) FROM api_keys`); n != 0 {
		t.Fatalf("%d keys after a refused form", n)
	}

	res, body = b.submit("/account/api-keys", url.Values{"name": {"CI deploy"}, "scopes": {"read", "write"}, "expires_in_days": {"30"}})
	wantStatus(t, "creating a key", res, body, http.StatusOK)
	key := elementText(t, body, "new-api-key")
	if !newKeyRE.MatchString(key) {
		t.Fatalf("new-api-key holds %q, want prefix.secret", key)
	}
	if strings.Count(body, key) != 1 {
		t.Errorf("the new key appears %d times in the page, want once", strings.Count(body, key))
	}
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q on the page showing a secret", got)
	}
	if code := s.meWithKey(t, key); code != http.StatusOK {
		t.Fatalf("the new key on /api/v1/me = %d, want 200", code)
	}

	// The list shows it without the secret; revoking stops it.
	res, body = b.get("/account/api-keys")
	wantStatus(t, "the list", res, body, http.StatusOK)
	if strings.Contains(body, key) || !strings.Contains(body, key[:8]) || !strings.Contains(body, "CI deploy") {
		t.Error("the list must show the name and prefix, never the key")
	}
	var id string
	if err := s.pool.QueryRow(context.Background(), `SELECT id::text FROM api_keys WHERE prefix = $1`, key[:8]).Scan(&id); err != nil {
		t.Fatal(err)
	}
	res, body = b.submit("/account/api-keys/"+id+"/revoke", nil)
	wantRedirect(t, "revoking the key", res, body, "/account/api-keys")
	if code := s.meWithKey(t, key); code != http.StatusUnauthorized {
		t.Errorf("a revoked key on /api/v1/me = %d, want 401", code)
	}

	// Another user cannot revoke it; an id that is not a UUID is a 404.
	other := s.browser(t)
	other.signUp("bob@example.com", strongPassword)
	res, body = other.submit("/account/api-keys/"+id+"/revoke", nil)
	wantStatus(t, "another user's key", res, body, http.StatusNotFound)
	res, body = other.submit("/account/api-keys/not-a-uuid/revoke", nil)
	wantStatus(t, "a malformed id", res, body, http.StatusNotFound)
}

func TestAPIKeyCreationNeedsSudo(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	s.endSudo(t, "ada@example.com")
	res, body := b.submit("/account/api-keys", url.Values{"name": {"late"}, "scopes": {"read"}})
	wantRedirect(t, "creating a key 11 minutes after login", res, body, "/account/confirm?next=%2Faccount%2Fapi-keys")
	if n := s.count(t, `SELECT count(*) FROM api_keys`); n != 0 {
		t.Fatalf("%d keys created outside sudo mode", n)
	}
	res, body = b.submit("/account/confirm", url.Values{"password": {strongPassword}, "next": {"/account/api-keys"}})
	wantRedirect(t, "confirming the password", res, body, "/account/api-keys")
	res, body = b.submit("/account/api-keys", url.Values{"name": {"late"}, "scopes": {"read"}})
	wantStatus(t, "creating a key after confirming", res, body, http.StatusOK)
}

// count runs a SELECT count(*) query on the test database.
func (s *testServer) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
