package inbound_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/inbound"
)

func TestAStripeSubscriptionEventUpdatesTheOwnersSubscriptionOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	created := e.clock.Now().Add(-time.Minute)
	periodEnd := e.clock.Now().Add(30 * 24 * time.Hour)
	r := e.receiveStripe(t, ep, secret,
		subscriptionEvent("evt_1", "customer.subscription.updated", "sub_1", "active", "price_pro", created, periodEnd))
	e.clock.Advance(time.Second)
	w := e.worker(inbound.DefaultRegistry())
	job := e.newestJob(t, r.ID, 1)
	if job.MaxAttempts != inbound.MaxAttempts {
		t.Errorf("the job was queued with %d attempts, want %d", job.MaxAttempts, inbound.MaxAttempts)
	}
	if err := w.Work(t.Context(), job); err != nil {
		t.Fatalf("Work: %v", err)
	}

	subs := e.subscriptions(t, alice)
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions for the endpoint's owner, want 1", len(subs))
	}
	s := subs[0]
	if s.ID != "sub_1" || s.Status != "active" || s.PriceID != "price_pro" || s.CustomerID != "cus_1" ||
		s.CurrentPeriodEnd == nil || !s.CurrentPeriodEnd.Equal(periodEnd) || !s.EventCreatedAt.Equal(created) || s.CancelAtPeriodEnd {
		t.Errorf("subscription = %+v, want sub_1 active on price_pro until %v", s, periodEnd)
	}
	d := e.delivery(t, r.ID)
	if d.Status != inbound.StatusProcessed || d.ProcessedAt == nil || !d.ProcessedAt.Equal(e.clock.Now()) || d.Attempts != 1 || d.LastError != "" {
		t.Errorf("delivery = %s, processed at %v, %d attempts, error %q; want processed now after 1 attempt",
			d.Status, d.ProcessedAt, d.Attempts, d.LastError)
	}

	e.clock.Advance(time.Minute)
	if err := w.Work(t.Context(), e.newestJob(t, r.ID, 2)); err != nil {
		t.Fatalf("Work again: %v", err)
	}
	if again := e.subscriptions(t, alice); len(again) != 1 || fmt.Sprintf("%+v", again[0]) != fmt.Sprintf("%+v", s) {
		t.Errorf("running the job again changed the subscriptions: %+v, want %+v", again, s)
	}
	if again := e.delivery(t, r.ID); again.Attempts != 1 || !again.ProcessedAt.Equal(*d.ProcessedAt) {
		t.Errorf("running the job again changed the delivery: %d attempts, processed at %v", again.Attempts, again.ProcessedAt)
	}
}

func TestAnOlderSubscriptionEventDoesNotRollTheRowBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	w := e.worker(inbound.DefaultRegistry())
	t0 := e.clock.Now()
	process := func(evt, typ, status, price string, created time.Time) {
		t.Helper()
		r := e.receiveStripe(t, ep, secret, subscriptionEvent(evt, typ, "sub_1", status, price, created, t0.Add(720*time.Hour)))
		if err := w.Work(t.Context(), e.newestJob(t, r.ID, 1)); err != nil {
			t.Fatalf("Work(%s): %v", evt, err)
		}
		if d := e.delivery(t, r.ID); d.Status != inbound.StatusProcessed {
			t.Errorf("%s is %s, want processed (an old event is a no-op, not a failure)", evt, d.Status)
		}
	}
	want := func(status, price string) {
		t.Helper()
		subs := e.subscriptions(t, alice)
		if len(subs) != 1 || subs[0].Status != status || subs[0].PriceID != price {
			t.Errorf("subscriptions = %+v, want one %s on %s", subs, status, price)
		}
	}
	process("evt_new", "customer.subscription.updated", "past_due", "price_b", t0)
	process("evt_old", "customer.subscription.updated", "active", "price_a", t0.Add(-time.Hour))
	want("past_due", "price_b")
	process("evt_created", "customer.subscription.created", "incomplete", "price_a", t0.Add(-2*time.Hour))
	want("past_due", "price_b")
	process("evt_deleted", "customer.subscription.deleted", "active", "price_b", t0.Add(time.Hour))
	want("canceled", "price_b")
}

func TestAFailingHandlerIsRetriedThenTheDeliveryFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ep, secret := e.endpoint(t, e.user(t, "alice@example.com"), "stripe")
	r := e.receiveStripe(t, ep, secret, []byte(`{"id":"evt_1","type":"invoice.paid"}`))
	reg := inbound.NewRegistry()
	reg.Handle("stripe", "invoice.*", func(context.Context, *db.Queries, inbound.Delivery) error {
		return errors.New("ledger is closed")
	})
	w := e.worker(reg)
	for attempt := 1; attempt <= inbound.MaxAttempts; attempt++ {
		err := w.Work(t.Context(), e.newestJob(t, r.ID, attempt))
		if err == nil || !strings.Contains(err.Error(), "ledger is closed") {
			t.Fatalf("attempt %d: Work = %v, want the handler's error for River to retry", attempt, err)
		}
		d := e.delivery(t, r.ID)
		want := inbound.StatusProcessing
		if attempt == inbound.MaxAttempts {
			want = inbound.StatusFailed
		}
		if d.Status != want || int(d.Attempts) != attempt || !strings.Contains(d.LastError, "ledger is closed") || d.ProcessedAt != nil {
			t.Errorf("after attempt %d: %s, %d attempts, error %q, processed %v; want %s, %d attempts, the error",
				attempt, d.Status, d.Attempts, d.LastError, d.ProcessedAt, want, attempt)
		}
	}
}

func TestAnEffectIsCommittedOnlyWithTheProcessedMark(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	r := e.receiveStripe(t, ep, secret, []byte(`{"id":"evt_1","type":"invoice.paid"}`))
	var calls atomic.Int32
	reg := inbound.NewRegistry()
	reg.Handle("stripe", "invoice.paid", func(ctx context.Context, q *db.Queries, d inbound.Delivery) error {
		calls.Add(1)
		if err := writeEffect(ctx, q, d); err != nil {
			return err
		}
		if d.Attempt < 3 {
			return errors.New("downstream hiccup after the write")
		}
		return nil
	})
	w := e.worker(reg)
	for attempt := 1; attempt <= 2; attempt++ {
		if err := w.Work(t.Context(), e.newestJob(t, r.ID, attempt)); err == nil {
			t.Fatalf("attempt %d succeeded, want the handler's error", attempt)
		}
		if n := len(e.subscriptions(t, alice)); n != 0 {
			t.Errorf("after failed attempt %d: %d rows written, want 0 (rolled back)", attempt, n)
		}
	}
	if err := w.Work(t.Context(), e.newestJob(t, r.ID, 3)); err != nil {
		t.Fatalf("attempt 3: %v", err)
	}
	if err := w.Work(t.Context(), e.newestJob(t, r.ID, 4)); err != nil {
		t.Fatalf("a late duplicate run: %v", err)
	}
	if n := len(e.subscriptions(t, alice)); n != 1 {
		t.Errorf("%d rows after the successful attempt, want exactly 1", n)
	}
	if d := e.delivery(t, r.ID); d.Status != inbound.StatusProcessed || d.Attempts != 3 || d.LastError != "" {
		t.Errorf("delivery %s after %d attempts, error %q; want processed after 3, error cleared", d.Status, d.Attempts, d.LastError)
	}
	if calls.Load() != 3 {
		t.Errorf("the handler ran %d times, want 3 (not again once processed)", calls.Load())
	}
}

// writeEffect is a handler's database effect: a subscription row keyed by
// the delivery, inserted (never upserted) so that a second commit would
// show as a second row or a conflict.
func writeEffect(ctx context.Context, q *db.Queries, d inbound.Delivery) error {
	tx, _ := q.Tx()
	_, err := tx.Exec(ctx, `INSERT INTO subscriptions (id, user_id, status, event_created_at, updated_at)
		VALUES ($1, $2, 'active', now(), now())`, "effect_"+d.ID.String(), d.UserID)
	return err
}

func TestAHandlerGetsTheStoredDelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "github")
	body, h, _ := sample(t, "github", secret, "guid-1", e.clock.Now())
	r, err := e.svc.Receive(t.Context(), ep.ID, h, body)
	if err != nil {
		t.Fatal(err)
	}
	var got inbound.Delivery
	reg := inbound.NewRegistry()
	reg.Handle("github", "*", func(_ context.Context, _ *db.Queries, d inbound.Delivery) error {
		got = d
		return nil
	})
	if err := e.worker(reg).Work(t.Context(), e.newestJob(t, r.ID, 2)); err != nil {
		t.Fatal(err)
	}
	if got.ID != r.ID || got.EndpointID != ep.ID || got.UserID != alice || got.Provider != "github" || got.DeliveryID != "guid-1" ||
		got.EventType != "push" || string(got.Body) != string(body) || !got.ReceivedAt.Equal(start) || got.Attempt != 2 {
		t.Errorf("handler got %+v", got)
	}
	if sig := got.Headers["X-Hub-Signature-256"]; len(sig) != 1 || sig[0] != "[redacted]" {
		t.Errorf("handler got signature header %q, want it redacted", sig)
	}
}

func TestDeliveriesWithoutAHandlerOrEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "github")
	body, h, _ := sample(t, "github", secret, "guid-1", e.clock.Now())
	r, err := e.svc.Receive(t.Context(), ep.ID, h, body)
	if err != nil {
		t.Fatal(err)
	}
	w := e.worker(inbound.DefaultRegistry())
	if err := w.Work(t.Context(), e.newestJob(t, r.ID, 1)); err != nil {
		t.Fatalf("Work on an event nobody handles: %v", err)
	}
	if d := e.delivery(t, r.ID); d.Status != inbound.StatusProcessed {
		t.Errorf("an unhandled delivery is %s, want processed (and kept)", d.Status)
	}
	job := e.newestJob(t, r.ID, 2)
	if err := e.svc.Delete(t.Context(), alice, ep.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(t.Context(), job); err != nil {
		t.Errorf("Work for a delivery deleted with its endpoint = %v, want nil (nothing to retry)", err)
	}
}

func TestStripeSubscriptionRefusesABodyThatIsNotASubscriptionEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	alice := e.user(t, "alice@example.com")
	ep, secret := e.endpoint(t, alice, "stripe")
	r := e.receiveStripe(t, ep, secret, []byte(`{"id":"evt_1","type":"customer.subscription.updated","data":{}}`))
	err := e.worker(inbound.DefaultRegistry()).Work(t.Context(), e.newestJob(t, r.ID, inbound.MaxAttempts))
	if err == nil {
		t.Fatal("Work = nil for an event without a subscription, want an error")
	}
	if d := e.delivery(t, r.ID); d.Status != inbound.StatusFailed || !strings.Contains(d.LastError, "evt_1") {
		t.Errorf("delivery %s with error %q, want failed naming the event", d.Status, d.LastError)
	}
	if n := len(e.subscriptions(t, alice)); n != 0 {
		t.Errorf("%d subscriptions written, want 0", n)
	}
}
