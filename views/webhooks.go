package views

// WebhookProviderOption is one choice of the provider select.
type WebhookProviderOption struct {
	Value string // github, stripe, slack, standard
	Label string // GitHub, Stripe, Slack, Standard Webhooks
}

// WebhookEndpointRow is one endpoint on the webhooks page.
type WebhookEndpointRow struct {
	ID             string
	Name           string
	Provider       string // the label ("Stripe")
	URL            string
	Created        Timestamp
	Disabled       bool
	RotationUntil  Timestamp // zero unless the previous secret is still accepted
	Deliveries     int
	LastReceived   Timestamp // zero: never
	DeliveriesHref string    // /account/webhooks/{id}
}

// WebhookEndpointForm is the create form (name, provider) sent back with
// its errors (422).
type WebhookEndpointForm struct {
	Name     string
	Provider string
	Errors   FormErrors // "name", "provider"
}

// WebhookSecretShown is a secret shown once: after creating an endpoint
// (with its URL) or rotating its secret.
type WebhookSecretShown struct {
	EndpointName string
	Provider     string // the label
	URL          string // shown in id="webhook-url"
	Secret       string // shown in id="webhook-secret"
	Rotated      bool   // a rotation (the old secret works 24 more hours), not a new endpoint
	Setup        string // where to paste them at the provider, one short paragraph
}

// WebhooksView is the webhooks page (GET /account/webhooks), and the
// answer to POST /account/webhooks (200 with the new secret) and to a
// rotation.
type WebhooksView struct {
	Endpoints []WebhookEndpointRow
	Providers []WebhookProviderOption
	Form      WebhookEndpointForm
	Shown     *WebhookSecretShown // nil unless a secret is shown this once
	SudoUntil Timestamp
}

// WebhookDeliveryRow is one delivery in an endpoint's list.
type WebhookDeliveryRow struct {
	ID         string // ours, for links and the replay form
	DeliveryID string // the provider's: data-delivery-id on the row's element
	EventType  string
	Status     string // received, processing, processed, failed
	Attempts   int
	LastError  string
	Received   Timestamp
	Processed  Timestamp // zero until processed
	DetailHref string
}

// WebhookDeliveriesView is an endpoint's page (GET /account/webhooks/{id}).
type WebhookDeliveriesView struct {
	Endpoint   WebhookEndpointRow
	Deliveries []WebhookDeliveryRow
	Status     string   // the status filter ("" for all)
	Statuses   []string // the filter's choices
}

// WebhookHeader is one header of a stored delivery.
type WebhookHeader struct {
	Name  string
	Value string
}

// WebhookDeliveryView is one delivery in full
// (GET /account/webhooks/{id}/deliveries/{delivery}).
type WebhookDeliveryView struct {
	Endpoint WebhookEndpointRow
	Delivery WebhookDeliveryRow
	Headers  []WebhookHeader // sorted; signature values show as [redacted]
	Body     string          // pretty-printed when JSON, else as received (valid UTF-8)
}
