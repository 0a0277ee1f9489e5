package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

var apiKeyRE = regexp.MustCompile(`^[0-9a-f]{8}\.[0-9a-f]{32}$`)

func TestAPIKeyCreateUseRevoke(t *testing.T) {
	s := startServer(t)
	tb := newTab(t, s)
	u := signUp(t, tb, s)

	wantPage(t, tb, tb.open("/account/api-keys"), http.StatusOK, "/account/api-keys")
	tb.fill("field-name", "CI deploy")
	read := run(tb, "read the scope boxes", chromedp.Evaluate[[]bool](
		`["read", "write"].map(s => document.getElementById("field-scopes-" + s).checked)`))
	if !slices.Equal(read, []bool{true, false}) {
		t.Fatalf("the scope boxes read, write are ticked %v, want read only", read)
	}
	wantPage(t, tb, tb.submit("#api-key-form"), http.StatusOK, "/account/api-keys")
	key := tb.text("#new-api-key")
	if !apiKeyRE.MatchString(key) {
		t.Fatalf("#new-api-key = %q, not an API key", key)
	}

	status, body := s.get(t, "/api/v1/me", "Bearer "+key)
	var me struct {
		Email string `json:"email"`
	}
	if err := json.Unmarshal([]byte(body), &me); status != http.StatusOK || err != nil || me.Email != u.email {
		t.Fatalf("GET /api/v1/me with the new key = %d %s, want 200 with %s", status, body, u.email)
	}

	id := run(tb, "read the key's id", chromedp.AttributeValue(chromedp.CSS("#api-keys tr.api-key-new"), "data-api-key-id"))
	if !id.Exists {
		t.Fatal("the new key has no row in #api-keys")
	}
	row := fmt.Sprintf("#api-keys tr[data-api-key-id=%q]", id.Value)
	wantPage(t, tb, tb.submit(row+` form[action$="/revoke"]`), http.StatusOK, "/account/api-keys")
	if d := tb.acceptedDialogs(); len(d) != 1 || !strings.HasPrefix(d[0], "Revoke this key?") {
		t.Errorf("revoking asked %q, want one confirmation", d)
	}
	if n := tb.count(row + ":not(.api-key-revoked)"); n != 0 {
		t.Error("the key is still listed as active after revoking it")
	}
	if status, body := s.get(t, "/api/v1/me", "Bearer "+key); status != http.StatusUnauthorized {
		t.Fatalf("GET /api/v1/me with the revoked key = %d %s, want 401", status, body)
	}
}
