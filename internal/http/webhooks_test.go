package http

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/webhook"
)

// webhookEndpoint creates an endpoint through the page and returns the
// path of its URL and its secret, as the page shows them once.
func (b *browser) webhookEndpoint(name, provider string) (path, secret string) {
	b.t.Helper()
	res, body := b.submit("/account/webhooks", url.Values{"name": {name}, "provider": {provider}})
	wantStatus(b.t, "creating a webhook endpoint", res, body, http.StatusOK)
	rawURL, secret := elementText(b.t, body, "webhook-url"), elementText(b.t, body, "webhook-secret")
	u, err := url.Parse(rawURL)
	if err != nil || !strings.HasPrefix(rawURL, testOrigin+"/webhooks/") || secret == "" {
		b.t.Fatalf("webhook-url %q and webhook-secret %q", rawURL, secret)
	}
	if strings.Count(body, secret) != 1 {
		b.t.Errorf("the secret appears %d times on the page, want once", strings.Count(body, secret))
	}
	return u.Path, secret
}

// deliver POSTs body with headers to path, as a provider would (no cookies).
func (s *testServer) deliver(t *testing.T, path string, h http.Header, body []byte) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, testOrigin+path, bytes.NewReader(body))
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	return s.do(t, req)
}

func TestWebhookDeliveriesThroughTheRouter(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	path, secret := b.webhookEndpoint("Stripe production", "stripe")

	body := []byte(`{"id":"evt_1","type":"customer.subscription.updated","created":1700000000,"data":{"object":{"id":"sub_1","status":"active"}}}`)
	res, out := s.deliver(t, path, webhook.SignStripe([]byte(secret), body, time.Now()), body)
	wantStatus(t, "a signed delivery", res, out, http.StatusOK)
	if !strings.Contains(out, `"status":"received"`) {
		t.Errorf("answer %s", out)
	}
	res, out = s.deliver(t, path, webhook.SignStripe([]byte(secret), body, time.Now()), body)
	wantStatus(t, "the same delivery again", res, out, http.StatusOK)
	if !strings.Contains(out, `"status":"duplicate"`) {
		t.Errorf("answer to a duplicate %s", out)
	}

	// Refusals store nothing.
	noID, nullID := []byte(`{"type":"invoice.paid"}`), []byte(`{"id":null,"type":"invoice.paid"}`)
	for name, tc := range map[string]struct {
		path   string
		h      http.Header
		body   []byte
		status int
	}{
		"a wrong secret":        {path, webhook.SignStripe([]byte("whsec_wrong"), body, time.Now()), body, http.StatusUnauthorized},
		"a tampered body":       {path, webhook.SignStripe([]byte(secret), body, time.Now()), append([]byte(`{"x":1,`), body[1:]...), http.StatusUnauthorized},
		"a stale signature":     {path, webhook.SignStripe([]byte(secret), body, time.Now().Add(-10*time.Minute)), body, http.StatusUnauthorized},
		"no signature":          {path, http.Header{}, body, http.StatusUnauthorized},
		"an unknown endpoint":   {"/webhooks/00000000-0000-4000-8000-000000000000", webhook.SignStripe([]byte(secret), body, time.Now()), body, http.StatusNotFound},
		"a malformed endpoint":  {"/webhooks/not-a-uuid", webhook.SignStripe([]byte(secret), body, time.Now()), body, http.StatusNotFound},
		"a body over the limit": {path, webhook.SignStripe([]byte(secret), body, time.Now()), bytes.Repeat([]byte("a"), defaultBodyLimit+1), http.StatusRequestEntityTooLarge},
		// Signed and fresh, but with nothing to tell it from a retry of itself.
		"a signed body without an id":  {path, webhook.SignStripe([]byte(secret), noID, time.Now()), noID, http.StatusBadRequest},
		"a signed body with a null id": {path, webhook.SignStripe([]byte(secret), nullID, time.Now()), nullID, http.StatusBadRequest},
		"no id, wrongly signed":        {path, webhook.SignStripe([]byte("whsec_wrong"), noID, time.Now()), noID, http.StatusUnauthorized},
	} {
		res, out := s.deliver(t, tc.path, tc.h, tc.body)
		wantStatus(t, name, res, out, tc.status)
		if !strings.Contains(out, `"error"`) {
			t.Errorf("%s: answer %s is not a JSON error", name, out)
		}
	}
	if n := s.count(t, `SELECT count(*) FROM webhook_deliveries`); n != 1 {
		t.Errorf("%d deliveries stored, want 1", n)
	}
	if n := s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'webhook_process'`); n != 1 {
		t.Errorf("%d processing jobs queued, want 1", n)
	}
	if n := s.count(t, `SELECT count(*) FROM webhook_deliveries WHERE headers::text LIKE '%' || $1 || '%'`, webhook.SignStripe([]byte(secret), body, time.Now()).Get("Stripe-Signature")[:20]); n != 0 {
		t.Error("the signature header is stored")
	}

	// The endpoint's page lists it, by the provider's delivery id.
	res, page := b.get("/account/webhooks" + path[len("/webhooks"):])
	wantStatus(t, "the endpoint's page", res, page, http.StatusOK)
	if !strings.Contains(page, `data-delivery-id="evt_1"`) {
		t.Errorf("no element with data-delivery-id=evt_1 on %.2000s", page)
	}
}

func TestParallelDuplicateDeliveriesAreStoredOnce(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	path, secret := b.webhookEndpoint("GitHub", "github")
	body := []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)
	h := webhook.SignGitHub([]byte(secret), body, "72d3162e-cc78-11e3-81ab-4c9367dc0958", "ping")

	const n = 20
	var wg sync.WaitGroup
	statuses := make([]int, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, _ := s.deliver(t, path, h, body)
			statuses[i] = res.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusOK {
			t.Errorf("copy %d answered %d, want 200", i, st)
		}
	}
	if got := s.count(t, `SELECT count(*) FROM webhook_deliveries`); got != 1 {
		t.Errorf("%d parallel copies stored %d rows, want 1", n, got)
	}
	if got := s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'webhook_process'`); got != 1 {
		t.Errorf("%d parallel copies queued %d jobs, want 1", n, got)
	}
}

func TestEveryProviderIsVerified(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	now := time.Now()
	for _, tc := range []struct {
		provider string
		sign     func(secret []byte, body []byte) http.Header
		body     string
		id       string
	}{
		{"github", func(k, body []byte) http.Header { return webhook.SignGitHub(k, body, "gh-1", "push") }, `{"ref":"refs/heads/main"}`, "gh-1"},
		{"stripe", func(k, body []byte) http.Header { return webhook.SignStripe(k, body, now) }, `{"id":"evt_9","type":"invoice.paid"}`, "evt_9"},
		{"slack", func(k, body []byte) http.Header { return webhook.SignSlack(k, body, now) }, `{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention"}}`, "Ev1"},
		{"standard", nil, `{"type":"user.created"}`, "msg_1"},
	} {
		path, secret := b.webhookEndpoint(tc.provider+" endpoint", tc.provider)
		key := []byte(secret)
		sign := tc.sign
		if tc.provider == "standard" { // the key is the base64 after whsec_
			raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
			if err != nil {
				t.Fatalf("standard secret %q: %v", secret, err)
			}
			key = raw
			sign = func(k, body []byte) http.Header { return webhook.SignStandard(k, body, "msg_1", now) }
		}
		res, out := s.deliver(t, path, sign(key, []byte(tc.body)), []byte(tc.body))
		wantStatus(t, tc.provider, res, out, http.StatusOK)
		res, out = s.deliver(t, path, sign([]byte("another secret entirely, 32 bytes"), []byte(tc.body)), []byte(tc.body))
		wantStatus(t, tc.provider+" with another secret", res, out, http.StatusUnauthorized)
		var stored string
		err := s.pool.QueryRow(context.Background(), `SELECT delivery_id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.provider = $1`, tc.provider).Scan(&stored)
		if err != nil || stored != tc.id {
			t.Errorf("%s: stored delivery id %q (%v), want %q", tc.provider, stored, err, tc.id)
		}
	}
	// Slack's URL check is answered with its challenge, and not stored.
	path, secret := b.webhookEndpoint("Slack check", "slack")
	challenge := []byte(`{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","token":"x"}`)
	res, out := s.deliver(t, path, webhook.SignSlack([]byte(secret), challenge, now), challenge)
	wantStatus(t, "slack url_verification", res, out, http.StatusOK)
	if out != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("challenge answer %q", out)
	}
	if n := s.count(t, `SELECT count(*) FROM webhook_deliveries`); n != 4 {
		t.Errorf("%d deliveries stored, want 4 (one per provider)", n)
	}
}

func TestWebhookPagesManageEndpoints(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	path, secret := b.webhookEndpoint("Stripe", "stripe")
	id := strings.TrimPrefix(path, "/webhooks/")
	body := []byte(`{"id":"evt_r","type":"invoice.paid"}`)

	// Rotation: the old secret still works, the new one too.
	res, page := b.submit("/account/webhooks/"+id+"/rotate", url.Values{"secret": {"whsec_pasted_from_stripe_dashboard"}})
	wantStatus(t, "rotating the secret", res, page, http.StatusOK)
	if got := elementText(t, page, "webhook-secret"); got != "whsec_pasted_from_stripe_dashboard" {
		t.Errorf("rotated secret shown %q, want the pasted one", got)
	}
	for i, k := range []string{secret, "whsec_pasted_from_stripe_dashboard"} {
		b := []byte(strings.Replace(string(body), "evt_r", fmt.Sprintf("evt_r%d", i), 1))
		res, out := s.deliver(t, path, webhook.SignStripe([]byte(k), b, time.Now()), b)
		wantStatus(t, fmt.Sprintf("secret %d after rotation", i), res, out, http.StatusOK)
	}

	// Disabled: 404 and nothing stored; enabled again: accepted.
	res, page = b.submit("/account/webhooks/"+id+"/disable", nil)
	wantRedirect(t, "disabling", res, page, "/account/webhooks")
	res, out := s.deliver(t, path, webhook.SignStripe([]byte(secret), body, time.Now()), body)
	wantStatus(t, "a delivery to a disabled endpoint", res, out, http.StatusNotFound)
	res, page = b.submit("/account/webhooks/"+id+"/enable", nil)
	wantRedirect(t, "enabling", res, page, "/account/webhooks")

	// Replay queues the delivery again.
	var did string
	if err := s.pool.QueryRow(context.Background(), `SELECT id::text FROM webhook_deliveries WHERE delivery_id = 'evt_r0'`).Scan(&did); err != nil {
		t.Fatal(err)
	}
	res, page = b.get("/account/webhooks/" + id + "/deliveries/" + did)
	wantStatus(t, "a delivery's page", res, page, http.StatusOK)
	res, page = b.submit("/account/webhooks/"+id+"/deliveries/"+did+"/replay", nil)
	wantRedirect(t, "replay", res, page, "/account/webhooks/"+id)
	if n := s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'webhook_process' AND args->>'delivery_id' = $1`, did); n != 2 {
		t.Errorf("%d jobs for the replayed delivery, want 2", n)
	}
	// The page names deliveries by the provider's id (data-delivery-id):
	// that works in the replay URL too.
	_, page = b.get("/account/webhooks/" + id)
	if !strings.Contains(page, `data-delivery-id="evt_r0"`) {
		t.Fatalf("the endpoint's page does not show evt_r0: %.1500s", page)
	}
	res, page = b.submit("/account/webhooks/"+id+"/deliveries/evt_r0/replay", nil)
	wantRedirect(t, "replay by the provider's delivery id", res, page, "/account/webhooks/"+id)
	if n := s.count(t, `SELECT count(*) FROM river_job WHERE kind = 'webhook_process' AND args->>'delivery_id' = $1`, did); n != 3 {
		t.Errorf("%d jobs for the delivery replayed by its provider id, want 3", n)
	}
	for _, ref := range []string{"evt_nope", "%ff", strings.Repeat("x", 300)} {
		res, page = b.submit("/account/webhooks/"+id+"/deliveries/"+ref+"/replay", nil)
		wantStatus(t, "replay of "+ref[:min(len(ref), 10)], res, page, http.StatusNotFound)
	}

	// Another user sees none of it.
	other := s.browser(t)
	other.signUp("bob@example.com", strongPassword)
	for _, p := range []string{"/account/webhooks/" + id, "/account/webhooks/" + id + "/deliveries/" + did} {
		res, page := other.get(p)
		wantStatus(t, "another user's "+p, res, page, http.StatusNotFound)
	}
	for _, ref := range []string{did, "evt_r0"} {
		res, page = other.submit("/account/webhooks/"+id+"/deliveries/"+ref+"/replay", nil)
		wantStatus(t, "replaying another user's delivery "+ref, res, page, http.StatusNotFound)
	}
	res, page = other.submit("/account/webhooks/"+id+"/delete", nil)
	wantStatus(t, "deleting another user's endpoint", res, page, http.StatusNotFound)

	// Creating one needs sudo mode; deleting removes it and its deliveries.
	s.endSudo(t, "ada@example.com")
	res, page = b.submit("/account/webhooks", url.Values{"name": {"late"}, "provider": {"github"}})
	wantRedirect(t, "creating an endpoint out of sudo mode", res, page, "/account/confirm?next=%2Faccount%2Fwebhooks")
	res, page = b.submit("/account/webhooks/"+id+"/delete", nil)
	wantRedirect(t, "deleting", res, page, "/account/webhooks")
	if n := s.count(t, `SELECT count(*) FROM webhook_deliveries`); n != 0 {
		t.Errorf("%d deliveries left after deleting the endpoint", n)
	}
}
