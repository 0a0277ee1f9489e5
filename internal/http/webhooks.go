package http

import (
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/inbound"
	"github.com/rampart-dev/rampart/internal/webhook"
)

// receiptResponse answers a delivery.
type receiptResponse struct {
	Status string `json:"status"`       // "received" or "duplicate"
	ID     string `json:"id,omitempty"` // our id of a newly stored delivery
}

// handleWebhook answers POST /webhooks/{endpoint_id}: the raw body (at
// most the body limit: 413 beyond) is verified against the endpoint's
// secret; a valid delivery is stored and queued in one transaction and
// answered 200 at once, a duplicate is answered 200 and stores nothing, a
// bad or stale signature is 401 and an unknown or disabled endpoint 404.
// Slack's url_verification is answered with its challenge.
func handleWebhook(hooks *inbound.Service) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := uuid.Parse(c.Param("endpoint_id"))
		if err != nil {
			return newAPIError(http.StatusNotFound, "not_found", "No such webhook endpoint.")
		}
		body, err := readBody(c)
		if err != nil {
			return err
		}
		r, err := hooks.Receive(c.Request().Context(), id, c.Request().Header, body)
		switch {
		case errors.Is(err, inbound.ErrUnknownEndpoint):
			return newAPIError(http.StatusNotFound, "not_found", "No such webhook endpoint.")
		case errors.Is(err, webhook.ErrMissingDeliveryID):
			// Signed (and fresh), but nothing tells this delivery from a
			// retry of it: refused, stored nowhere, and said so.
			return newAPIError(http.StatusBadRequest, "missing_delivery_id", "The signature is valid but the delivery carries no usable delivery id (see the provider's delivery id header or body field).")
		case errors.Is(err, inbound.ErrUnverified):
			return newAPIError(http.StatusUnauthorized, "invalid_signature", "The signature is missing, wrong or too old.")
		case err != nil:
			return err
		}
		if r.Challenge != "" {
			return c.String(http.StatusOK, r.Challenge)
		}
		if r.Duplicate {
			return c.JSON(http.StatusOK, receiptResponse{Status: "duplicate"})
		}
		return c.JSON(http.StatusOK, receiptResponse{Status: "received", ID: r.ID.String()})
	}
}
