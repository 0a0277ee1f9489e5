package inbound_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/webhook"
)

func TestReplayProcessesADeliveryAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	other, _ := e.endpoint(t, alice, "github")
	r := e.receiveStripe(t, ep, secret, []byte(`{"id":"evt_1","type":"invoice.paid"}`))
	var calls atomic.Int32
	reg := inbound.NewRegistry()
	reg.Handle("stripe", "invoice.paid", func(context.Context, *db.Queries, inbound.Delivery) error {
		calls.Add(1)
		return nil
	})
	w := e.worker(reg)
	if err := w.Work(t.Context(), e.newestJob(t, r.ID, 1)); err != nil {
		t.Fatal(err)
	}

	if err := e.svc.Replay(t.Context(), alice, other.ID, r.ID); !errors.Is(err, inbound.ErrNotFound) {
		t.Errorf("Replay through another endpoint = %v, want ErrNotFound", err)
	}
	if err := e.svc.Replay(t.Context(), alice, ep.ID, uuid.New()); !errors.Is(err, inbound.ErrNotFound) {
		t.Errorf("Replay of an unknown delivery = %v, want ErrNotFound", err)
	}
	if n := e.jobCount(t, r.ID); n != 1 {
		t.Fatalf("%d jobs after refused replays, want 1", n)
	}
	if err := e.svc.Replay(t.Context(), alice, ep.ID, r.ID); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if d := e.delivery(t, r.ID); d.Status != inbound.StatusReceived || d.ProcessedAt != nil {
		t.Errorf("after Replay the delivery is %s, processed at %v; want received, not processed", d.Status, d.ProcessedAt)
	}
	if n := e.jobCount(t, r.ID); n != 2 {
		t.Errorf("%d jobs after Replay, want 2 (a new one)", n)
	}
	e.clock.Advance(time.Minute)
	if err := w.Work(t.Context(), e.newestJob(t, r.ID, 1)); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 2 {
		t.Errorf("the handler ran %d times, want 2 (once more after the replay)", calls.Load())
	}
	if d := e.delivery(t, r.ID); d.Status != inbound.StatusProcessed || d.ProcessedAt == nil || !d.ProcessedAt.Equal(e.clock.Now()) {
		t.Errorf("after the replayed run: %s at %v, want processed now", d.Status, d.ProcessedAt)
	}
}

func TestDeliveriesListNewestFirstAndFilterByStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	noise, noiseSecret := e.endpoint(t, alice, "stripe")
	reg := inbound.NewRegistry()
	reg.Handle("stripe", "bad", func(context.Context, *db.Queries, inbound.Delivery) error { return errors.New("nope") })
	w := e.worker(reg)

	ids := map[string]uuid.UUID{}
	eventType := map[string]string{"processed": "ok", "failed": "bad", "received": "ok"}
	for _, name := range []string{"processed", "failed", "received"} {
		r := e.receiveStripe(t, ep, secret, []byte(`{"id":"evt_`+name+`","type":"`+eventType[name]+`"}`))
		ids[name] = r.ID
		e.clock.Advance(time.Second)
	}
	e.receiveStripe(t, noise, noiseSecret, []byte(`{"id":"evt_elsewhere"}`))
	if err := w.Work(t.Context(), e.newestJob(t, ids["processed"], 1)); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(t.Context(), e.newestJob(t, ids["failed"], inbound.MaxAttempts)); err == nil {
		t.Fatal("the failing handler succeeded")
	}

	cases := []struct {
		name   string
		status string
		limit  int
		want   []string
	}{
		{"all statuses, newest first", "", 0, []string{"received", "failed", "processed"}},
		{"only processed", inbound.StatusProcessed, 0, []string{"processed"}},
		{"only failed", inbound.StatusFailed, 0, []string{"failed"}},
		{"only received", inbound.StatusReceived, 0, []string{"received"}},
		{"none processing", inbound.StatusProcessing, 0, nil},
		{"the newest two", "", 2, []string{"received", "failed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			list, err := e.svc.Deliveries(t.Context(), alice, ep.ID, tc.status, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range list {
				got = append(got, d.DeliveryID[len("evt_"):])
				if d.ID != ids[d.DeliveryID[len("evt_"):]] || d.Status != d.DeliveryID[len("evt_"):] {
					t.Errorf("listed %+v, inconsistent with what was stored", d)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Deliveries(%q, %d) = %v, want %v", tc.status, tc.limit, got, tc.want)
			}
		})
	}
	failed, _ := e.svc.Deliveries(t.Context(), alice, ep.ID, inbound.StatusFailed, 0)
	if len(failed) == 1 && (failed[0].LastError == "" || failed[0].Attempts != 1 || failed[0].ProcessedAt != nil) {
		t.Errorf("the failed delivery is listed as %+v, want its error and attempt", failed[0])
	}
}

func TestDeliveryReturnsTheStoredHeadersAndBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	other, _ := e.endpoint(t, alice, "stripe")
	body := []byte("{\"id\":\"evt_1\",\n  \"type\":\"invoice.paid\", \"note\":\"caf\u00e9\"}\n")
	h := webhook.SignStripe([]byte(secret), body, e.clock.Now())
	h.Set("Content-Type", "application/json; charset=utf-8")
	r, err := e.svc.Receive(t.Context(), ep.ID, h, body)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.svc.Delivery(t.Context(), alice, ep.ID, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Body, body) || d.DeliveryID != "evt_1" || d.EventType != "invoice.paid" || d.Status != inbound.StatusReceived || d.ID != r.ID {
		t.Errorf("Delivery = %+v, want the stored delivery with its body byte for byte", d)
	}
	if got := d.Headers["Content-Type"]; len(got) != 1 || got[0] != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := d.Headers["Stripe-Signature"]; len(got) != 1 || got[0] != "[redacted]" {
		t.Errorf("Stripe-Signature = %q, want redacted", got)
	}
	if _, err := e.svc.Delivery(t.Context(), alice, other.ID, r.ID); !errors.Is(err, inbound.ErrNotFound) {
		t.Errorf("Delivery through another endpoint = %v, want ErrNotFound", err)
	}
}

func TestRegistryPicksTheMostSpecificHandler(t *testing.T) {
	t.Parallel()
	reg := inbound.NewRegistry()
	var got string
	handler := func(name string) inbound.Handler {
		return func(context.Context, *db.Queries, inbound.Delivery) error { got = name; return nil }
	}
	reg.Handle("stripe", "*", handler("any"))
	reg.Handle("stripe", "customer.*", handler("customer"))
	reg.Handle("stripe", "customer.subscription.*", handler("subscription"))
	reg.Handle("stripe", "customer.subscription.deleted", handler("deleted"))
	reg.Handle("github", "push", handler("push"))
	cases := []struct{ provider, event, want string }{
		{"stripe", "customer.subscription.deleted", "deleted"},
		{"stripe", "customer.subscription.updated", "subscription"},
		{"stripe", "customer.created", "customer"},
		{"stripe", "invoice.paid", "any"},
		{"github", "push", "push"},
		{"github", "pull_request", ""},
		{"slack", "app_mention", ""},
	}
	for _, tc := range cases {
		got = ""
		if h := reg.Lookup(tc.provider, tc.event); h != nil {
			_ = h(context.Background(), nil, inbound.Delivery{})
		}
		if got != tc.want {
			t.Errorf("Lookup(%s, %s) ran %q, want %q", tc.provider, tc.event, got, tc.want)
		}
	}
}
