package http

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// apiError is the JSON error body: {"error": {"code", "message", "request_id"}}.
type apiError struct {
	Error apiErrorBody `json:"error"`
}

type apiErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// apiErr is an error the JSON API answers with a chosen status, a stable
// code and a message written for the client ("totp_required").
type apiErr struct {
	status        int
	code, message string
}

func (e *apiErr) Error() string { return fmt.Sprintf("api: %d %s", e.status, e.code) }

// newAPIError returns the error a handler returns to answer status with
// code and message in the JSON error body.
func newAPIError(status int, code, message string) error {
	return &apiErr{status: status, code: code, message: message}
}

// classified is what the error handler tells the client about an error.
type classified struct {
	status  int
	code    string
	message string
	expose  bool // message comes from a deliberate *echo.HTTPError
}

// classify maps an error returned by a handler or middleware to a status, a
// stable code and a message safe to show. Unknown errors are 500 with a
// generic message; their details only reach the log.
func classify(err error) classified {
	var ae *apiErr
	if errors.As(err, &ae) {
		return classified{status: ae.status, code: ae.code, message: ae.message, expose: true}
	}
	// A deliberate 4xx wins; a 5xx HTTPError may wrap a sentinel (e.g. a
	// handler's 500 around an unreachable database), which then decides.
	var he *echo.HTTPError
	isHTTP := errors.As(err, &he)
	if isHTTP && he.Code < 500 {
		return fromHTTPError(he)
	}
	switch {
	case errors.Is(err, db.ErrNotFound):
		return classified{status: http.StatusNotFound, code: "not_found", message: "Not found."}
	case errors.Is(err, db.ErrConflict):
		return classified{status: http.StatusConflict, code: "conflict", message: "That conflicts with something that already exists."}
	case errors.Is(err, db.ErrUnavailable), errors.Is(err, password.ErrBusy):
		return classified{status: http.StatusServiceUnavailable, code: "unavailable", message: "The service is busy or temporarily unavailable. Please try again shortly."}
	case errors.Is(err, context.DeadlineExceeded):
		return classified{status: http.StatusServiceUnavailable, code: "timeout", message: "The request took too long. Please try again."}
	case isHTTP:
		return fromHTTPError(he)
	}
	return classified{status: http.StatusInternalServerError, code: "internal", message: "Something went wrong on our side. Please try again; if it keeps happening, quote the request id."}
}

// fromHTTPError shows the message of a deliberate 4xx; 5xx messages are
// replaced by the status text, since they may carry internals.
func fromHTTPError(he *echo.HTTPError) classified {
	c := classified{status: he.Code, code: codeForStatus(he.Code), message: http.StatusText(he.Code)}
	if msg, ok := he.Message.(string); ok && msg != "" && he.Code < 500 {
		c.message, c.expose = msg, true
	}
	return c
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusUnsupportedMediaType:
		return "unsupported_media_type"
	case http.StatusUnprocessableEntity:
		return "invalid"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusServiceUnavailable:
		return "unavailable"
	}
	if status >= 500 {
		return "internal"
	}
	return "error"
}

// newErrorHandler returns Echo's HTTPErrorHandler: JSON for /api/* and
// clients asking for JSON, the HTML error page otherwise. 5xx errors are
// logged with the request's context (and so its request id); the client
// never sees internals.
func newErrorHandler(log *slog.Logger, assets views.AssetURLs) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		req := c.Request()
		cl := classify(err)
		if cl.status >= 500 {
			log.ErrorContext(req.Context(), "request failed", "status", cl.status, "error", err)
		}
		if cl.status == http.StatusServiceUnavailable {
			c.Response().Header().Set("Retry-After", "5")
		}
		requestID := middleware.RequestIDFromContext(req.Context())
		var werr error
		switch {
		case req.Method == http.MethodHead:
			werr = c.NoContent(cl.status)
		case wantsJSON(req):
			werr = c.JSON(cl.status, apiError{Error: apiErrorBody{Code: cl.code, Message: cl.message, RequestID: requestID}})
		default:
			page := views.Page{Title: http.StatusText(cl.status), Assets: assets, Path: req.URL.Path}
			if u, ok := currentUser(c); ok {
				page.User = &views.CurrentUser{Email: u.Email, EmailVerified: u.EmailVerified, IsAdmin: u.IsAdmin}
				page.CSRFToken = middleware.CSRFToken(c)
			}
			werr = render(c, cl.status, pages.Error(page, cl.status, http.StatusText(cl.status), htmlMessage(cl), requestID))
		}
		if werr != nil {
			log.WarnContext(req.Context(), "writing error response failed", "error", werr)
		}
	}
}

// htmlMessage leaves the page's own friendly default in place unless the
// handler chose a message deliberately.
func htmlMessage(cl classified) string {
	if cl.expose || cl.status == http.StatusServiceUnavailable {
		return cl.message
	}
	return ""
}

// wantsJSON is true for the JSON API and for clients that prefer JSON.
func wantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/webhooks/") {
		return true
	}
	accept := r.Header.Get(echo.HeaderAccept)
	if strings.Contains(accept, "text/html") {
		return false
	}
	return strings.Contains(accept, "application/json") ||
		strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEApplicationJSON)
}
