package inbound

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/rampart-dev/rampart/internal/db"
)

// DefaultRegistry is where a fork registers its webhook handlers: one line
// per provider and event type (or prefix). It ships one worked example.
func DefaultRegistry() *Registry {
	r := NewRegistry()
	r.Handle("stripe", "customer.subscription.*", StripeSubscription)
	return r
}

// stripeSubscriptionEvent is the part of a Stripe customer.subscription.*
// event the example uses.
type stripeSubscriptionEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object struct {
			ID                string `json:"id"`
			Customer          string `json:"customer"`
			Status            string `json:"status"`
			CancelAtPeriodEnd bool   `json:"cancel_at_period_end"`
			CurrentPeriodEnd  int64  `json:"current_period_end"`
			Items             struct {
				Data []struct {
					CurrentPeriodEnd int64 `json:"current_period_end"`
					Price            struct {
						ID string `json:"id"`
					} `json:"price"`
				} `json:"data"`
			} `json:"items"`
		} `json:"object"`
	} `json:"data"`
}

// StripeSubscription keeps the subscriptions table in step with Stripe's
// customer.subscription.created / updated / deleted events for the
// endpoint's owner. An event older than the one the row reflects changes
// nothing, so retries and out-of-order deliveries are harmless. A body
// that is not such an event is an error (the delivery ends up failed, with
// the reason, after its retries).
func StripeSubscription(ctx context.Context, q *db.Queries, d Delivery) error {
	var ev stripeSubscriptionEvent
	if err := json.Unmarshal(d.Body, &ev); err != nil {
		return fmt.Errorf("stripe subscription: body is not an event: %w", err)
	}
	sub := ev.Data.Object
	if sub.ID == "" || sub.Status == "" || ev.Created == 0 {
		return fmt.Errorf("stripe subscription: event %q has no subscription id, status or creation time", ev.ID)
	}
	status := sub.Status
	if ev.Type == "customer.subscription.deleted" {
		status = "canceled"
	}
	var price string
	periodEnd := sub.CurrentPeriodEnd
	if len(sub.Items.Data) > 0 {
		price = sub.Items.Data[0].Price.ID
		if periodEnd == 0 {
			periodEnd = sub.Items.Data[0].CurrentPeriodEnd // newer API versions keep it on the item
		}
	}
	var end *time.Time
	if periodEnd > 0 {
		t := time.Unix(periodEnd, 0).UTC()
		end = &t
	}
	_, err := q.UpsertSubscription(ctx, db.UpsertSubscriptionParams{
		ID: sub.ID, UserID: d.UserID, CustomerID: sub.Customer, Status: status, PriceID: price,
		CurrentPeriodEnd: end, CancelAtPeriodEnd: sub.CancelAtPeriodEnd,
		EventCreatedAt: time.Unix(ev.Created, 0).UTC(), Now: time.Now().UTC(),
	})
	if err != nil {
		return fmt.Errorf("stripe subscription: store: %w", db.Translate(err))
	}
	return nil
}
