package inbound_test

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/webhook"
)

func TestReceiveRefusesUnverifiedDeliveries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	now := e.clock.Now()
	for _, provider := range inbound.Providers {
		ep, secret := e.endpoint(t, alice, provider)
		other, _ := webhook.NewSecret(provider)
		body, good, _ := sample(t, provider, secret, "d1", now)
		wrongBody, wrongSecret, _ := sample(t, provider, other, "d1", now)
		cases := []struct {
			name string
			h    http.Header
			body []byte
			want error
		}{
			{"signed with another secret", wrongSecret, wrongBody, webhook.ErrBadSignature},
			{"a tampered body", good, append(bytes.Clone(body), ' '), webhook.ErrBadSignature},
			{"no headers at all", http.Header{}, body, webhook.ErrMissingSignature},
		}
		if provider != "github" {
			oldBody, old, _ := sample(t, provider, secret, "d1", now.Add(-webhook.Tolerance-time.Second))
			cases = append(cases, struct {
				name string
				h    http.Header
				body []byte
				want error
			}{"signed too long ago", old, oldBody, webhook.ErrStale})
		}
		for _, tc := range cases {
			t.Run(provider+": "+tc.name+" is refused", func(t *testing.T) {
				r, err := e.svc.Receive(t.Context(), ep.ID, tc.h, tc.body)
				if !errors.Is(err, inbound.ErrUnverified) || !errors.Is(err, tc.want) {
					t.Errorf("Receive = %+v, %v; want ErrUnverified wrapping %v", r, err, tc.want)
				}
			})
		}
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_deliveries`); n != 0 {
		t.Errorf("%d deliveries stored from refused requests, want 0", n)
	}
	if n := e.count(t, `SELECT count(*) FROM river_job`); n != 0 {
		t.Errorf("%d jobs queued for refused requests, want 0", n)
	}
}

func TestTheReplayWindowFollowsTheInjectedClock(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{"stripe", "slack", "standard"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ep, secret := e.endpoint(t, e.user(t, "alice@example.com"), provider)
			body, h, _ := sample(t, provider, secret, "late", e.clock.Now())
			e.clock.Advance(webhook.Tolerance + time.Second)
			if _, err := e.svc.Receive(t.Context(), ep.ID, h, body); !errors.Is(err, inbound.ErrUnverified) || !errors.Is(err, webhook.ErrStale) {
				t.Errorf("a delivery received %v after signing = %v, want ErrUnverified (stale)", webhook.Tolerance+time.Second, err)
			}
			body, h, _ = sample(t, provider, secret, "in-time", e.clock.Now())
			e.clock.Advance(webhook.Tolerance)
			if _, err := e.svc.Receive(t.Context(), ep.ID, h, body); err != nil {
				t.Errorf("a delivery received exactly %v after signing = %v, want it accepted", webhook.Tolerance, err)
			}
			if n := e.count(t, `SELECT count(*) FROM webhook_deliveries WHERE delivery_id = 'late'`); n != 0 {
				t.Error("the stale delivery was stored")
			}
		})
	}
}

func TestReceiveRefusesUnknownAndDisabledEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "github")
	body, h, _ := sample(t, "github", secret, "d1", e.clock.Now())
	if _, err := e.svc.Receive(t.Context(), uuid.New(), h, body); !errors.Is(err, inbound.ErrUnknownEndpoint) {
		t.Errorf("Receive for an unknown endpoint = %v, want ErrUnknownEndpoint", err)
	}
	if err := e.svc.SetDisabled(t.Context(), alice, ep.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Receive(t.Context(), ep.ID, h, body); !errors.Is(err, inbound.ErrUnknownEndpoint) {
		t.Errorf("Receive for a disabled endpoint = %v, want ErrUnknownEndpoint", err)
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_deliveries`); n != 0 {
		t.Errorf("%d deliveries stored, want 0", n)
	}
}

// TestLongDeliveryIDsAreKeptWhole: ids up to the verifier's limit are
// stored whole, so two that differ only at the end are two deliveries.
func TestLongDeliveryIDsAreKeptWhole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ep, secret := e.endpoint(t, e.user(t, "alice@example.com"), "standard")
	for _, id := range []string{strings.Repeat("a", 254) + "1", strings.Repeat("a", 254) + "2"} {
		body, h, _ := sample(t, "standard", secret, id, e.clock.Now())
		r, err := e.svc.Receive(t.Context(), ep.ID, h, body)
		if err != nil || r.Duplicate {
			t.Fatalf("Receive(id of %d bytes) = %+v, %v; want a new delivery", len(id), r, err)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM webhook_deliveries WHERE octet_length(delivery_id) = 255`); n != 2 {
		t.Errorf("%d deliveries with 255-byte ids stored, want 2", n)
	}
}
