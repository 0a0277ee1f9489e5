package inbound_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/webhook"
)

func TestCreateRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	cases := []struct {
		name, endpoint, provider, secret string
		field                            string
	}{
		{"an empty name is refused", "", "github", "", "name"},
		{"a name of spaces is refused", "   ", "github", "", "name"},
		{"a name over the limit is refused", strings.Repeat("é", inbound.MaxNameLen+1), "github", "", "name"},
		{"a name with a NUL is refused", "Stripe\x00prod", "stripe", "", "name"},
		{"a name with a tab is refused", "Stripe\tprod", "stripe", "", "name"},
		{"a name with DEL is refused", "Stripe\x7fprod", "stripe", "", "name"},
		{"a name that is not UTF-8 is refused", "Stripe \xff", "stripe", "", "name"},
		{"an unknown provider is refused", "GitLab", "gitlab", "", "provider"},
		{"an empty provider is refused", "Nothing", "", "", "provider"},
		{"a Stripe API key pasted as the secret is refused", "Stripe", "stripe", "sk_live_abc123", "secret"},
		{"a bare whsec_ prefix is refused for Stripe", "Stripe", "stripe", "whsec_", "secret"},
		{"a standard secret that is not base64 is refused", "Svix", "standard", "whsec_not*base64", "secret"},
		{"a standard secret that is too short is refused", "Svix", "standard", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 8)), "secret"},
		{"a secret with a space is refused", "GitHub", "github", "abc def", "secret"},
		{"a secret with a newline is refused", "GitHub", "github", "abcdef\n", "secret"},
		{"a secret over the limit is refused", "GitHub", "github", strings.Repeat("a", inbound.MaxSecretLen+1), "secret"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ep, secret, err := e.svc.Create(t.Context(), alice, tc.endpoint, tc.provider, tc.secret)
			var fe inbound.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("Create = %v, want FieldErrors", err)
			}
			if _, ok := fe[tc.field]; !ok || len(fe) != 1 {
				t.Errorf("FieldErrors = %v, want exactly one for %q", fe, tc.field)
			}
			if ep.ID != uuid.Nil || secret != "" {
				t.Errorf("Create returned endpoint %v and a secret alongside the error", ep.ID)
			}
		})
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_endpoints`); n != 0 {
		t.Errorf("%d endpoints written by refused creates, want 0", n)
	}
	if _, _, err := e.svc.Create(t.Context(), alice, strings.Repeat("é", inbound.MaxNameLen), "github", ""); err != nil {
		t.Errorf("a name of exactly %d characters was refused: %v", inbound.MaxNameLen, err)
	}
}

func TestCreateGeneratesASecretInTheProvidersFormat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	formats := map[string]*regexp.Regexp{
		"github":   regexp.MustCompile(`^[0-9a-f]{64}$`),
		"slack":    regexp.MustCompile(`^[0-9a-f]{32}$`),
		"stripe":   regexp.MustCompile(`^whsec_[A-Za-z0-9]{32}$`),
		"standard": regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{43}=$`),
	}
	for _, provider := range inbound.Providers {
		t.Run(provider, func(t *testing.T) {
			ep, secret, err := e.svc.Create(t.Context(), alice, "  "+provider+" prod  ", provider, "")
			if err != nil {
				t.Fatal(err)
			}
			if !formats[provider].MatchString(secret) {
				t.Errorf("generated secret %q is not in the %s format", secret, provider)
			}
			if provider == "standard" {
				k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
				if err != nil || len(k) != 32 {
					t.Errorf("standard secret decodes to %d bytes (%v), want 32", len(k), err)
				}
			}
			if ep.Name != provider+" prod" || ep.Provider != provider || ep.UserID != alice || ep.DisabledAt != nil {
				t.Errorf("endpoint = %+v, want the trimmed name, the provider, alice's and enabled", ep)
			}
			if want := baseURL + "/webhooks/" + ep.ID.String(); ep.URL != want {
				t.Errorf("URL = %q, want %q", ep.URL, want)
			}
			assertNotInTheClear(t, e, ep.ID, secret, key(t, provider, secret))
		})
	}
}

// assertNotInTheClear checks no column of the endpoint's row holds the
// secret, as text, as hex or as its HMAC key.
func assertNotInTheClear(t *testing.T, e *env, id uuid.UUID, secret string, k []byte) {
	t.Helper()
	var row string
	var sealed []byte
	err := e.pool.QueryRow(t.Context(),
		`SELECT row_to_json(w)::text, secret_encrypted FROM webhook_endpoints w WHERE id = $1`, id).Scan(&row, &sealed)
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{secret, hex.EncodeToString([]byte(secret)), hex.EncodeToString(k)} {
		if strings.Contains(row, needle) {
			t.Errorf("the endpoint row contains the secret in the clear (%q)", needle)
		}
	}
	if bytes.Contains(sealed, []byte(secret)) || bytes.Contains(sealed, k) {
		t.Error("secret_encrypted contains the secret in the clear")
	}
}

func TestCreateKeepsAPastedSecretAsGiven(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	for _, provider := range inbound.Providers {
		t.Run(provider, func(t *testing.T) {
			pasted, err := webhook.NewSecret(provider)
			if err != nil {
				t.Fatal(err)
			}
			ep, secret, err := e.svc.Create(t.Context(), alice, "Pasted", provider, pasted)
			if err != nil {
				t.Fatal(err)
			}
			if secret != pasted {
				t.Errorf("Create returned secret %q, want the pasted %q", secret, pasted)
			}
			body, h, _ := sample(t, provider, pasted, "d-pasted", e.clock.Now())
			if _, err := e.svc.Receive(t.Context(), ep.ID, h, body); err != nil {
				t.Errorf("a delivery signed with the pasted secret was refused: %v", err)
			}
			assertNotInTheClear(t, e, ep.ID, pasted, key(t, provider, pasted))
		})
	}
}

func TestEndpointURLIsBuiltOnTheBaseURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *inbound.Config) { c.BaseURL, _ = url.Parse("https://example.org/app/") })
	id := uuid.MustParse("0b7c6f2e-8d41-4f5a-9a37-2f1f0f6d2c11")
	if got, want := e.svc.URL(id), "https://example.org/app/webhooks/"+id.String(); got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
}

func TestAnAccountHasAtMostMaxEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.user(t, "alice@example.com"), e.user(t, "bob@example.com")
	for i := range inbound.MaxEndpointsPerUser {
		if _, _, err := e.svc.Create(t.Context(), alice, fmt.Sprintf("Endpoint %d", i), "github", ""); err != nil {
			t.Fatalf("endpoint %d: %v", i, err)
		}
	}
	_, _, err := e.svc.Create(t.Context(), alice, "One too many", "github", "")
	var fe inbound.FieldErrors
	if !errors.As(err, &fe) || fe["name"] == "" {
		t.Errorf("endpoint %d: Create = %v, want a FieldErrors on name", inbound.MaxEndpointsPerUser+1, err)
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_endpoints WHERE user_id = $1`, alice); n != inbound.MaxEndpointsPerUser {
		t.Errorf("alice has %d endpoints, want %d", n, inbound.MaxEndpointsPerUser)
	}
	if _, _, err := e.svc.Create(t.Context(), bob, "Bob's", "github", ""); err != nil {
		t.Errorf("another account is limited by alice's endpoints: %v", err)
	}
}

func TestEndpointsAreScopedToTheirOwner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice, bob := e.user(t, "alice@example.com"), e.user(t, "bob@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	r := e.receiveStripe(t, ep, secret, []byte(`{"id":"evt_1","type":"invoice.paid"}`))
	ctx := t.Context()

	checks := map[string]error{}
	_, checks["Get"] = e.svc.Get(ctx, bob, ep.ID)
	checks["SetDisabled"] = e.svc.SetDisabled(ctx, bob, ep.ID, true)
	_, checks["RotateSecret"] = e.svc.RotateSecret(ctx, bob, ep.ID, "")
	_, checks["Deliveries"] = e.svc.Deliveries(ctx, bob, ep.ID, "", 0)
	_, checks["Delivery"] = e.svc.Delivery(ctx, bob, ep.ID, r.ID)
	checks["Replay"] = e.svc.Replay(ctx, bob, ep.ID, r.ID)
	checks["Delete"] = e.svc.Delete(ctx, bob, ep.ID)
	_, checks["Get of an unknown id"] = e.svc.Get(ctx, alice, uuid.New())
	checks["Delete of an unknown id"] = e.svc.Delete(ctx, alice, uuid.New())
	checks["SetDisabled of an unknown id"] = e.svc.SetDisabled(ctx, alice, uuid.New(), true)
	for name, err := range checks {
		if !errors.Is(err, inbound.ErrNotFound) {
			t.Errorf("%s on another user's endpoint = %v, want ErrNotFound", name, err)
		}
	}
	if list, err := e.svc.List(ctx, bob); err != nil || len(list) != 0 {
		t.Errorf("bob's List = %v, %v; want none", list, err)
	}
	got, err := e.svc.Get(ctx, alice, ep.ID)
	if err != nil || got.DisabledAt != nil {
		t.Fatalf("alice's endpoint after bob's attempts: %+v, %v; want it enabled", got, err)
	}
	if _, err := e.svc.Receive(ctx, ep.ID, webhook.SignStripe([]byte(secret), []byte(`{"id":"evt_2"}`), e.clock.Now()), []byte(`{"id":"evt_2"}`)); err != nil {
		t.Errorf("the original secret stopped working after bob's RotateSecret: %v", err)
	}
}

func TestListShowsNewestFirstWithDeliveryCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	older, secret := e.endpoint(t, alice, "stripe")
	e.clock.Advance(time.Minute)
	newer, _ := e.endpoint(t, alice, "github")
	e.receiveStripe(t, older, secret, []byte(`{"id":"evt_1"}`))
	e.clock.Advance(time.Minute)
	e.receiveStripe(t, older, secret, []byte(`{"id":"evt_2"}`))

	list, err := e.svc.List(t.Context(), alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != newer.ID || list[1].ID != older.ID {
		t.Fatalf("List = %+v, want the newer endpoint then the older", list)
	}
	if list[0].Deliveries != 0 || list[0].LastReceivedAt != nil {
		t.Errorf("the new endpoint shows %d deliveries, last %v; want none", list[0].Deliveries, list[0].LastReceivedAt)
	}
	if list[1].Deliveries != 2 || list[1].LastReceivedAt == nil || !list[1].LastReceivedAt.Equal(e.clock.Now()) {
		t.Errorf("the old endpoint shows %d deliveries, last %v; want 2, last at %v", list[1].Deliveries, list[1].LastReceivedAt, e.clock.Now())
	}
	if list[1].URL != older.URL {
		t.Errorf("listed URL %q, want %q", list[1].URL, older.URL)
	}
}

func TestDisableEnableAndDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	receive := func(id string) error {
		body := []byte(`{"id":"` + id + `"}`)
		_, err := e.svc.Receive(t.Context(), ep.ID, webhook.SignStripe([]byte(secret), body, e.clock.Now()), body)
		return err
	}
	if err := e.svc.SetDisabled(t.Context(), alice, ep.ID, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.svc.Get(t.Context(), alice, ep.ID); got.DisabledAt == nil || !got.DisabledAt.Equal(e.clock.Now()) {
		t.Errorf("DisabledAt = %v after disabling, want %v", got.DisabledAt, e.clock.Now())
	}
	if err := receive("evt_off"); !errors.Is(err, inbound.ErrUnknownEndpoint) {
		t.Errorf("Receive on a disabled endpoint = %v, want ErrUnknownEndpoint", err)
	}
	if err := e.svc.SetDisabled(t.Context(), alice, ep.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := receive("evt_on"); err != nil {
		t.Errorf("Receive on a re-enabled endpoint = %v", err)
	}
	if err := e.svc.Delete(t.Context(), alice, ep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(t.Context(), alice, ep.ID); !errors.Is(err, inbound.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_deliveries`); n != 0 {
		t.Errorf("%d deliveries left after deleting their endpoint, want 0", n)
	}
	if err := receive("evt_gone"); !errors.Is(err, inbound.ErrUnknownEndpoint) {
		t.Errorf("Receive on a deleted endpoint = %v, want ErrUnknownEndpoint", err)
	}
}

func TestTheEndpointLimitHoldsUnderParallelCreates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	for i := range inbound.MaxEndpointsPerUser - 1 {
		if _, _, err := e.svc.Create(t.Context(), alice, fmt.Sprintf("Endpoint %d", i), "github", ""); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, _ = e.svc.Create(t.Context(), alice, fmt.Sprintf("Racer %d", i), "github", "")
		}()
	}
	wg.Wait()
	if n := e.count(t, `SELECT count(*) FROM webhook_endpoints WHERE user_id = $1`, alice); n != inbound.MaxEndpointsPerUser {
		t.Errorf("10 parallel creates at %d endpoints left %d, want exactly %d", inbound.MaxEndpointsPerUser-1, n, inbound.MaxEndpointsPerUser)
	}
}
