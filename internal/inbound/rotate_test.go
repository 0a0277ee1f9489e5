package inbound_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/webhook"
)

func TestTheRotatedOutSecretWorksUntilTheGraceEnds(t *testing.T) {
	t.Parallel()
	for _, provider := range inbound.Providers {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			alice := e.user(t, "alice@example.com")
			ep, old := e.endpoint(t, alice, provider)
			rotatedAt := e.clock.Now()
			current, err := e.svc.RotateSecret(t.Context(), alice, ep.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if current == old || current == "" {
				t.Fatalf("RotateSecret returned %q, want a new secret", current)
			}
			if _, err := webhook.ParseSecret(provider, current); err != nil {
				t.Errorf("the new secret is not in the %s format: %v", provider, err)
			}
			got, err := e.svc.Get(t.Context(), alice, ep.ID)
			if err != nil || got.PreviousExpiresAt == nil || !got.PreviousExpiresAt.Equal(rotatedAt.Add(inbound.PreviousSecretGrace)) {
				t.Errorf("PreviousExpiresAt = %v (%v), want %v", got.PreviousExpiresAt, err, rotatedAt.Add(inbound.PreviousSecretGrace))
			}
			assertNotInTheClear(t, e, ep.ID, old, key(t, provider, old))
			assertNotInTheClear(t, e, ep.ID, current, key(t, provider, current))

			n := 0
			receive := func(secret string) error {
				n++
				body, h, _ := sample(t, provider, secret, fmt.Sprintf("d%d", n), e.clock.Now())
				_, err := e.svc.Receive(t.Context(), ep.ID, h, body)
				return err
			}
			if err := receive(old); err != nil {
				t.Errorf("the old secret right after the rotation: %v", err)
			}
			if err := receive(current); err != nil {
				t.Errorf("the new secret right after the rotation: %v", err)
			}
			e.clock.Advance(inbound.PreviousSecretGrace - time.Second)
			if err := receive(old); err != nil {
				t.Errorf("the old secret a second before the grace ends: %v", err)
			}
			e.clock.Advance(2 * time.Second)
			if err := receive(old); !errors.Is(err, inbound.ErrUnverified) || !errors.Is(err, webhook.ErrBadSignature) {
				t.Errorf("the old secret a second after the grace ended = %v, want ErrUnverified", err)
			}
			if err := receive(current); err != nil {
				t.Errorf("the new secret after the grace: %v", err)
			}
			if got := e.count(t, `SELECT count(*) FROM webhook_deliveries`); got != 4 {
				t.Errorf("%d deliveries stored, want the 4 accepted ones", got)
			}
		})
	}
}

func TestRotateSecretUsesAPastedSecretAsGiven(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, old := e.endpoint(t, alice, "stripe")
	receive := func(secret, id string) error {
		body := []byte(`{"id":"` + id + `","type":"invoice.paid"}`)
		_, err := e.svc.Receive(t.Context(), ep.ID, webhook.SignStripe([]byte(secret), body, e.clock.Now()), body)
		return err
	}

	_, err := e.svc.RotateSecret(t.Context(), alice, ep.ID, "sk_live_not_a_signing_secret")
	var fe inbound.FieldErrors
	if !errors.As(err, &fe) || fe["secret"] == "" {
		t.Fatalf("RotateSecret with an API key = %v, want FieldErrors on secret", err)
	}
	if got, _ := e.svc.Get(t.Context(), alice, ep.ID); got.PreviousExpiresAt != nil {
		t.Errorf("a refused rotation started a grace period until %v", got.PreviousExpiresAt)
	}

	pasted := "whsec_PastedFromTheStripeDashboard0123"
	got, err := e.svc.RotateSecret(t.Context(), alice, ep.ID, pasted)
	if err != nil || got != pasted {
		t.Fatalf("RotateSecret(pasted) = %q, %v; want the pasted secret", got, err)
	}
	if err := receive(pasted, "evt_pasted"); err != nil {
		t.Errorf("a delivery signed with the pasted secret: %v", err)
	}
	if err := receive(old, "evt_old"); err != nil {
		t.Errorf("a delivery signed with the previous secret during the grace: %v", err)
	}
	assertNotInTheClear(t, e, ep.ID, pasted, []byte(pasted))
}

func TestASecondRotationRetiresTheFirstSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, first := e.endpoint(t, alice, "standard")
	second, err := e.svc.RotateSecret(t.Context(), alice, ep.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	third, err := e.svc.RotateSecret(t.Context(), alice, ep.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		secret string
		ok     bool
	}{"first": {first, false}, "second": {second, true}, "third": {third, true}} {
		body, h, _ := sample(t, "standard", tc.secret, "msg_"+name, e.clock.Now())
		_, err := e.svc.Receive(t.Context(), ep.ID, h, body)
		if ok := err == nil; ok != tc.ok {
			t.Errorf("the %s secret after two rotations: %v, want accepted %v", name, err, tc.ok)
		}
	}
}
