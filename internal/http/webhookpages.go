package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// pathWebhooks is the webhooks page; its actions return there.
const pathWebhooks = "/account/webhooks"

// providerLabels names the providers for people, in the select's order.
var providerLabels = []views.WebhookProviderOption{
	{Value: "stripe", Label: "Stripe"}, {Value: "github", Label: "GitHub"},
	{Value: "slack", Label: "Slack"}, {Value: "standard", Label: "Standard Webhooks"},
}

func providerLabel(p string) string {
	for _, o := range providerLabels {
		if o.Value == p {
			return o.Label
		}
	}
	return p
}

// providerSetup says where the URL and secret go at each provider.
var providerSetup = map[string]string{
	"stripe": "In the Stripe Dashboard, open Developers → Webhooks → Add endpoint and paste the URL. " +
		"Stripe issues its own signing secret (whsec_…): paste it here with Rotate secret.",
	"github": "In the repository or organisation settings, open Webhooks → Add webhook, paste the URL as the " +
		"Payload URL, choose application/json and paste the secret.",
	"slack": "In your Slack app, paste the URL under Event Subscriptions → Request URL. Slack signs with the " +
		"app's own Signing Secret (Basic Information): paste it here with Rotate secret.",
	"standard": "Give the sender the URL and this secret (whsec_…); any Standard Webhooks sender signs with it, " +
		"or paste the sender's own secret here with Rotate secret.",
}

// webhookPages are the handlers of /account/webhooks.
type webhookPages struct {
	hooks *inbound.Service
	u     ui
}

func endpointRow(e inbound.Endpoint, now time.Time) views.WebhookEndpointRow {
	row := views.WebhookEndpointRow{
		ID: e.ID.String(), Name: e.Name, Provider: providerLabel(e.Provider), URL: e.URL,
		Created: views.NewTimestamp(e.CreatedAt), Disabled: e.DisabledAt != nil, Deliveries: e.Deliveries,
		DeliveriesHref: pathWebhooks + "/" + e.ID.String(),
	}
	if e.LastReceivedAt != nil {
		row.LastReceived = views.NewTimestamp(*e.LastReceivedAt)
	}
	if e.PreviousExpiresAt != nil && e.PreviousExpiresAt.After(now) {
		row.RotationUntil = views.NewTimestamp(*e.PreviousExpiresAt)
	}
	return row
}

// render draws the webhooks page around the create form and, once, a
// secret.
func (p webhookPages) render(c echo.Context, status int, form views.WebhookEndpointForm, shown *views.WebhookSecretShown) error {
	user, _ := currentUser(c)
	list, err := p.hooks.List(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	v := views.WebhooksView{Providers: providerLabels, Form: form, Shown: shown, SudoUntil: sudoUntil(c)}
	for _, e := range list {
		v.Endpoints = append(v.Endpoints, endpointRow(e, now))
	}
	return render(c, status, pages.Webhooks(p.u.page(c, "Webhooks"), v))
}

// handleList renders GET /account/webhooks.
func (p webhookPages) handleList(c echo.Context) error {
	return p.render(c, http.StatusOK, views.WebhookEndpointForm{}, nil)
}

// handleCreate answers POST /account/webhooks (name, provider), in sudo
// mode: 200 with the URL (id="webhook-url") and the secret
// (id="webhook-secret") shown once, or 422 with the errors.
func (p webhookPages) handleCreate(c echo.Context) error {
	req := c.Request()
	form := views.WebhookEndpointForm{
		Name: strings.TrimSpace(req.PostFormValue("name")), Provider: req.PostFormValue("provider"), Errors: views.FormErrors{},
	}
	if msg := textProblem(form.Name, inbound.MaxNameLen*4, false); msg != "" {
		form.Errors["name"] = msg
		return p.render(c, http.StatusUnprocessableEntity, form, nil)
	}
	user, _ := currentUser(c)
	e, secret, err := p.hooks.Create(req.Context(), user.ID, form.Name, form.Provider, strings.TrimSpace(req.PostFormValue("secret")))
	var fe inbound.FieldErrors
	if errors.As(err, &fe) {
		for k, v := range fe {
			form.Errors[k] = v
		}
		return p.render(c, http.StatusUnprocessableEntity, form, nil)
	}
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, views.WebhookEndpointForm{}, &views.WebhookSecretShown{
		EndpointName: e.Name, Provider: providerLabel(e.Provider), URL: e.URL, Secret: secret, Setup: providerSetup[e.Provider],
	})
}

// endpointID parses the :id route parameter (404 when it is not a UUID).
func endpointID(c echo.Context, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, echo.NewHTTPError(http.StatusNotFound, "No such webhook endpoint.")
	}
	return id, nil
}

// notFound maps inbound.ErrNotFound to a 404.
func notFound(err error, what string) error {
	if errors.Is(err, inbound.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "No such "+what+".")
	}
	return err
}

// handleRotate answers POST /account/webhooks/{id}/rotate (sudo mode): 200
// with the new secret shown once; the old one works 24 more hours.
func (p webhookPages) handleRotate(c echo.Context) error {
	id, err := endpointID(c, "id")
	if err != nil {
		return err
	}
	user, _ := currentUser(c)
	ctx := c.Request().Context()
	secret, err := p.hooks.RotateSecret(ctx, user.ID, id, strings.TrimSpace(c.Request().PostFormValue("secret")))
	var fe inbound.FieldErrors
	if errors.As(err, &fe) {
		p.u.flashes.add(c, views.FlashError, fe["secret"])
		return redirect(c, pathWebhooks)
	}
	if err != nil {
		return notFound(err, "webhook endpoint")
	}
	e, err := p.hooks.Get(ctx, user.ID, id)
	if err != nil {
		return notFound(err, "webhook endpoint")
	}
	return p.render(c, http.StatusOK, views.WebhookEndpointForm{}, &views.WebhookSecretShown{
		EndpointName: e.Name, Provider: providerLabel(e.Provider), URL: e.URL, Secret: secret, Rotated: true,
		Setup: providerSetup[e.Provider],
	})
}

// handleSetDisabled answers POST /account/webhooks/{id}/disable and
// /enable: 303 back to the page.
func (p webhookPages) handleSetDisabled(disabled bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := endpointID(c, "id")
		if err != nil {
			return err
		}
		user, _ := currentUser(c)
		if err := p.hooks.SetDisabled(c.Request().Context(), user.ID, id, disabled); err != nil {
			return notFound(err, "webhook endpoint")
		}
		msg := "The endpoint is enabled again."
		if disabled {
			msg = "The endpoint is disabled: deliveries to it are refused (404) until you enable it."
		}
		p.u.flashes.add(c, views.FlashSuccess, msg)
		return redirect(c, pathWebhooks)
	}
}

// handleDelete answers POST /account/webhooks/{id}/delete: the endpoint and
// its deliveries go, 303 back to the page.
func (p webhookPages) handleDelete(c echo.Context) error {
	id, err := endpointID(c, "id")
	if err != nil {
		return err
	}
	user, _ := currentUser(c)
	if err := p.hooks.Delete(c.Request().Context(), user.ID, id); err != nil {
		return notFound(err, "webhook endpoint")
	}
	p.u.flashes.add(c, views.FlashSuccess, "The endpoint and its deliveries were deleted.")
	return redirect(c, pathWebhooks)
}

func deliveryRow(endpoint uuid.UUID, d inbound.DeliverySummary) views.WebhookDeliveryRow {
	row := views.WebhookDeliveryRow{
		ID: d.ID.String(), DeliveryID: d.DeliveryID, EventType: d.EventType, Status: d.Status, Attempts: d.Attempts,
		LastError: d.LastError, Received: views.NewTimestamp(d.ReceivedAt),
		DetailHref: pathWebhooks + "/" + endpoint.String() + "/deliveries/" + d.ID.String(),
	}
	if d.ProcessedAt != nil {
		row.Processed = views.NewTimestamp(*d.ProcessedAt)
	}
	return row
}

// handleDeliveries renders GET /account/webhooks/{id}[?status=...]: the
// endpoint's deliveries, newest first.
func (p webhookPages) handleDeliveries(c echo.Context) error {
	id, err := endpointID(c, "id")
	if err != nil {
		return err
	}
	user, _ := currentUser(c)
	ctx := c.Request().Context()
	e, err := p.hooks.Get(ctx, user.ID, id)
	if err != nil {
		return notFound(err, "webhook endpoint")
	}
	status := c.QueryParam("status")
	if !slices.Contains(inbound.Statuses, status) {
		status = ""
	}
	list, err := p.hooks.Deliveries(ctx, user.ID, id, status, 0)
	if err != nil {
		return notFound(err, "webhook endpoint")
	}
	v := views.WebhookDeliveriesView{Endpoint: endpointRow(e, time.Now()), Status: status, Statuses: inbound.Statuses}
	for _, d := range list {
		v.Deliveries = append(v.Deliveries, deliveryRow(id, d))
	}
	return render(c, http.StatusOK, pages.WebhookDeliveries(p.u.page(c, e.Name+" · Webhooks"), v))
}

// handleDelivery renders GET /account/webhooks/{id}/deliveries/{delivery}.
func (p webhookPages) handleDelivery(c echo.Context) error {
	id, err := endpointID(c, "id")
	if err != nil {
		return err
	}
	did, err := endpointID(c, "delivery")
	if err != nil {
		return err
	}
	user, _ := currentUser(c)
	ctx := c.Request().Context()
	e, err := p.hooks.Get(ctx, user.ID, id)
	if err != nil {
		return notFound(err, "webhook endpoint")
	}
	d, err := p.hooks.Delivery(ctx, user.ID, id, did)
	if err != nil {
		return notFound(err, "delivery")
	}
	v := views.WebhookDeliveryView{
		Endpoint: endpointRow(e, time.Now()), Delivery: deliveryRow(id, d.DeliverySummary), Body: prettyBody(d.Body),
	}
	for name, values := range d.Headers {
		for _, val := range values {
			v.Headers = append(v.Headers, views.WebhookHeader{Name: name, Value: val})
		}
	}
	sort.Slice(v.Headers, func(i, j int) bool { return v.Headers[i].Name < v.Headers[j].Name })
	return render(c, http.StatusOK, pages.WebhookDelivery(p.u.page(c, "Delivery · "+e.Name), v))
}

// prettyBody indents a JSON body; anything else is shown as text (invalid
// UTF-8 replaced).
func prettyBody(body []byte) string {
	var out bytes.Buffer
	if json.Valid(body) && json.Indent(&out, body, "", "  ") == nil {
		return out.String()
	}
	if utf8.Valid(body) {
		return string(body)
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}

// handleReplay answers POST /account/webhooks/{id}/deliveries/{delivery}/replay:
// the delivery (named by its id or by the provider's delivery id) is queued
// again, 303 back to the endpoint's page.
func (p webhookPages) handleReplay(c echo.Context) error {
	id, err := endpointID(c, "id")
	if err != nil {
		return err
	}
	user, _ := currentUser(c)
	// {delivery} is the delivery's id, or the provider's delivery id the
	// page shows in data-delivery-id.
	if err := p.hooks.ReplayRef(c.Request().Context(), user.ID, id, c.Param("delivery")); err != nil {
		return notFound(err, "delivery")
	}
	p.u.flashes.add(c, views.FlashSuccess, "The delivery is queued to be processed again.")
	return redirect(c, pathWebhooks+"/"+id.String())
}
