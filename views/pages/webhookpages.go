package pages

import "github.com/rampart-dev/rampart/views"

// webhookDeleteConfirm is the question asked before an endpoint is deleted.
const webhookDeleteConfirm = "Delete this endpoint and all its deliveries?"

// webhookReplayConfirm is the question asked before a delivery is replayed.
const webhookReplayConfirm = "Process this delivery again?"

// webhookAction is the URL of one of an endpoint's POST actions:
// webhookAction("abc", "rotate") is "/account/webhooks/abc/rotate".
func webhookAction(id, action string) string {
	return "/account/webhooks/" + id + "/" + action
}

// webhookShownTitle is the heading of the card that shows a secret once.
func webhookShownTitle(s views.WebhookSecretShown) string {
	if s.Rotated {
		return "New secret for " + s.EndpointName + " — the old one keeps working for 24 hours"
	}
	return "Your endpoint is ready — copy the secret now, it won't be shown again"
}

// deliveryStatusClass is the badge class of a delivery status: unknown
// statuses look neutral, like received.
func deliveryStatusClass(status string) string {
	switch status {
	case "processed":
		return "badge badge-success"
	case "failed":
		return "badge badge-error"
	case "processing":
		return "badge badge-warning"
	default:
		return "badge badge-neutral"
	}
}

// deliveryReplayAction is where a delivery's replay form posts: its detail
// page's URL (which carries our id, not the provider's) plus "/replay".
func deliveryReplayAction(d views.WebhookDeliveryRow) string {
	return d.DetailHref + "/replay"
}

// deliveryTitle is the heading of a delivery's page: its event type when
// the provider sent one.
func deliveryTitle(d views.WebhookDeliveryRow) string {
	if d.EventType == "" {
		return "Webhook delivery"
	}
	return d.EventType
}

// deliveriesEmpty is the empty state of an endpoint's deliveries, which
// depends on whether a status filter is on.
func deliveriesEmpty(v views.WebhookDeliveriesView) string {
	if v.Status != "" {
		return "No " + v.Status + " deliveries. Choose All to see every delivery."
	}
	sender := v.Endpoint.Provider
	if sender == "" {
		sender = "the provider"
	}
	return "No deliveries yet. Once " + sender + " sends an event to the URL above, it shows up here."
}
