package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/webhook"
)

// createWebhook creates an endpoint through /account/webhooks (in sudo mode)
// and returns its URL and secret as the page shows them.
func createWebhook(t *testing.T, tb *tab, s *server, name, provider string) (hookURL, secret string) {
	t.Helper()
	wantPage(t, tb, tb.open("/account/webhooks"), http.StatusOK, "/account/webhooks")
	tb.fill("field-name", name)
	tb.choose("field-provider", provider)
	wantPage(t, tb, tb.submit("#webhook-form"), http.StatusOK, "/account/webhooks")
	hookURL, secret = tb.text("#webhook-url"), tb.text("#webhook-secret")
	if !strings.HasPrefix(hookURL, s.URL+"/webhooks/") || secret == "" {
		t.Fatalf("the new endpoint shows URL %q and secret %q", hookURL, secret)
	}
	return hookURL, secret
}

// sendGitHubEvent posts a ping signed as GitHub signs it and returns the
// delivery id.
func sendGitHubEvent(t *testing.T, hookURL, secret string) string {
	t.Helper()
	key, err := webhook.ParseSecret("github", secret)
	if err != nil {
		t.Fatal(err)
	}
	delivery := uuid.NewString()
	body := []byte(`{"zen":"Design for failure.","hook_id":1}`)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, hookURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = webhook.SignGitHub(key, body, delivery, "ping")
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if out, _ := io.ReadAll(res.Body); res.StatusCode/100 != 2 {
		t.Fatalf("POST %s = %d %s, want 2xx", hookURL, res.StatusCode, out)
	}
	return delivery
}

func TestWebhookDeliveryAppears(t *testing.T) {
	s := startServer(t)
	tb := newTab(t, s)
	signUp(t, tb, s)
	hookURL, secret := createWebhook(t, tb, s, "GitHub pushes", "github")

	endpoint := "/account/webhooks/" + hookURL[strings.LastIndexByte(hookURL, '/')+1:]
	wantPage(t, tb, tb.click(`#webhook-endpoints tr[data-endpoint-id] th a`), http.StatusOK, endpoint)
	if tb.text("#deliveries-empty") == "" {
		t.Fatal("a new endpoint's page does not say it has no deliveries")
	}

	delivery := sendGitHubEvent(t, hookURL, secret)
	wantPage(t, tb, tb.reload(), http.StatusOK, endpoint)
	row := fmt.Sprintf(`#webhook-deliveries [data-delivery-id=%q]`, delivery)
	if got := tb.text(row + " code"); got != delivery {
		t.Fatalf("the delivery's row shows id %q, want %q", got, delivery)
	}
	if got := tb.text(row + " th"); got != "ping" {
		t.Errorf("the delivery's event reads %q, want ping", got)
	}
}
