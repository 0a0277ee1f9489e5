package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/internal/logging"
	"github.com/rampart-dev/rampart/web"
)

func TestUnknownPathsAnswer404(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	cases := []struct {
		name     string
		method   string
		path     string
		accept   string
		wantJSON bool
	}{
		{"a browser gets the HTML error page", http.MethodGet, "/no/such/page", "text/html,application/xhtml+xml,*/*;q=0.8", false},
		{"a client without Accept gets the HTML error page", http.MethodGet, "/no/such/page", "", false},
		{"a client asking for JSON gets a JSON error", http.MethodGet, "/no/such/page", "application/json", true},
		{"a path under /api/ gets a JSON error", http.MethodGet, "/api/v1/nothing-here", "", true},
		{"a path under /api/ gets a JSON error even from a browser", http.MethodGet, "/api/v1/nothing-here", "text/html", true},
		{"an unknown POST gets a 404 too", http.MethodPost, "/no/such/form", "", false},
		{"a missing asset gets the HTML error page", http.MethodGet, "/static/no-such.css", "text/html", false},
		{"the asset directory gets the HTML error page", http.MethodGet, "/static/", "", false},
		{"a traversal under /static gets the HTML error page", http.MethodGet, "/static/..%2f..%2fgo.mod", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			res, body := s.do(t, req)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("status = %d, want 404: %.300s", res.StatusCode, body)
			}
			id := res.Header.Get(middleware.HeaderRequestID)
			if tc.wantJSON {
				assertJSONError(t, res, body, "not_found", id)
				return
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			if !strings.Contains(body, `id="request-id"`) || !strings.Contains(body, id) {
				t.Errorf("the error page does not show the request id %q: %.500s", id, body)
			}
		})
	}
}

// assertJSONError checks the {"error": {code, message, request_id}} body.
func assertJSONError(t *testing.T, res *http.Response, body, code, requestID string) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got struct {
		Error *struct {
			Code      string `json:"code"`
			Message   string `json:"message"`
			RequestID string `json:"request_id"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Error == nil {
		t.Fatalf("body is not a JSON error (%v): %s", err, body)
	}
	if got.Error.Code != code || got.Error.Message == "" || got.Error.RequestID != requestID || requestID == "" {
		t.Errorf("error = %+v, want code %q, a message and request_id %q", *got.Error, code, requestID)
	}
}

func TestHeadOfAnUnknownPathAnswers404WithoutABody(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	res, body := s.do(t, httptest.NewRequest(http.MethodHead, "/no/such/page", nil))
	if res.StatusCode != http.StatusNotFound || body != "" {
		t.Errorf("HEAD unknown = %d with %d bytes of body, want 404 and none", res.StatusCode, len(body))
	}
}

func TestAWrongMethodAnswers405(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil)
	cases := []struct {
		name, method, path, accept string
		wantJSON                   bool
	}{
		{"a POST to the health check is not allowed", http.MethodPost, "/health", "application/json", true},
		{"a DELETE of the landing page is not allowed", http.MethodDelete, "/", "text/html", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			req.Header.Set("Accept", tc.accept)
			res, body := s.do(t, req)
			if res.StatusCode != http.StatusMethodNotAllowed {
				t.Fatalf("status = %d, want 405", res.StatusCode)
			}
			if !strings.Contains(res.Header.Get("Allow"), http.MethodGet) {
				t.Errorf("Allow = %q, want it to list GET", res.Header.Get("Allow"))
			}
			if tc.wantJSON {
				assertJSONError(t, res, body, "method_not_allowed", res.Header.Get(middleware.HeaderRequestID))
			}
		})
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		err        error
		wantStatus int
		wantCode   string
		wantMsg    string // "" to only check that the message is not the error text
		exposed    bool
	}{
		{"a missing row is 404", db.ErrNotFound, http.StatusNotFound, "not_found", "", false},
		{"a wrapped missing row is 404", fmt.Errorf("load user: %w", db.ErrNotFound), http.StatusNotFound, "not_found", "", false},
		{"a conflict is 409", db.ErrConflict, http.StatusConflict, "conflict", "", false},
		{"a named constraint conflict is 409", &db.ConflictError{Constraint: "users_email_key"}, http.StatusConflict, "conflict", "", false},
		{"an unavailable database is 503", fmt.Errorf("%w: 08006", db.ErrUnavailable), http.StatusServiceUnavailable, "unavailable", "", false},
		{"a saturated password hasher is 503", password.ErrBusy, http.StatusServiceUnavailable, "unavailable", "", false},
		{"a deadline is 503", fmt.Errorf("query: %w", context.DeadlineExceeded), http.StatusServiceUnavailable, "timeout", "", false},
		{"an unknown error is 500", errors.New("secret internal detail"), http.StatusInternalServerError, "internal", "", false},
		{"a deliberate 4xx message is shown", echo.NewHTTPError(http.StatusUnprocessableEntity, "Email is already taken."), http.StatusUnprocessableEntity, "invalid", "Email is already taken.", true},
		{"a deliberate 400 is bad_request", echo.NewHTTPError(http.StatusBadRequest, "Bad date."), http.StatusBadRequest, "bad_request", "Bad date.", true},
		{"a 429 is rate_limited", echo.NewHTTPError(http.StatusTooManyRequests, "Slow down."), http.StatusTooManyRequests, "rate_limited", "Slow down.", true},
		{"an unlisted 4xx gets a generic code", echo.NewHTTPError(http.StatusTeapot, "Short and stout."), http.StatusTeapot, "error", "Short and stout.", true},
		{"a 5xx HTTP error never shows its message", echo.NewHTTPError(http.StatusInternalServerError, "secret internal detail"), http.StatusInternalServerError, "internal", http.StatusText(http.StatusInternalServerError), false},
		{"a 4xx HTTP error with a non-string message shows the status text", echo.NewHTTPError(http.StatusForbidden, errors.New("secret internal detail")), http.StatusForbidden, "forbidden", http.StatusText(http.StatusForbidden), false},
		{"a 500 HTTP error around an unreachable database is 503", echo.NewHTTPError(http.StatusInternalServerError).SetInternal(db.ErrUnavailable), http.StatusServiceUnavailable, "unavailable", "", false},
		{"a 4xx HTTP error around a missing row keeps its 4xx", echo.NewHTTPError(http.StatusBadRequest, "Bad id.").SetInternal(db.ErrNotFound), http.StatusBadRequest, "bad_request", "Bad id.", true},
		{"a wrapped HTTP error keeps its status", fmt.Errorf("bind: %w", echo.NewHTTPError(http.StatusRequestEntityTooLarge, "Too big.")), http.StatusRequestEntityTooLarge, "payload_too_large", "Too big.", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.err)
			if got.status != tc.wantStatus || got.code != tc.wantCode || got.expose != tc.exposed {
				t.Errorf("classify = %+v, want status %d code %q expose %v", got, tc.wantStatus, tc.wantCode, tc.exposed)
			}
			if tc.wantMsg != "" && got.message != tc.wantMsg {
				t.Errorf("message = %q, want %q", got.message, tc.wantMsg)
			}
			if got.message == "" || strings.Contains(got.message, "secret internal detail") || strings.Contains(got.message, "db:") {
				t.Errorf("message %q is empty or leaks the error", got.message)
			}
		})
	}
}

// errorEcho is an Echo instance with the request id middleware, the real
// error handler and one route that returns err.
func errorEcho(t *testing.T, err error) (*echo.Echo, *logBuffer) {
	t.Helper()
	buf := &logBuffer{}
	log := logging.New(buf, logging.FormatJSON, slog.LevelInfo)
	e := echo.New()
	e.HTTPErrorHandler = newErrorHandler(log, must(web.NewAssets()))
	e.Use(middleware.RequestID())
	h := func(echo.Context) error { return err }
	e.GET("/page", h)
	e.GET("/api/v1/thing", h)
	return e, buf
}

func TestErrorHandler(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		err        error
		path       string
		wantStatus int
		wantCode   string
		wantShown  string // text the client must see, if any
		retryAfter bool
		logged     bool // logged as "request failed"
	}{
		{"a missing row answers 404 in JSON", db.ErrNotFound, "/api/v1/thing", 404, "not_found", "", false, false},
		{"a conflict answers 409 in JSON", &db.ConflictError{Constraint: "users_email_key"}, "/api/v1/thing", 409, "conflict", "", false, false},
		{"an unavailable database answers 503 with Retry-After", fmt.Errorf("%w: connect refused", db.ErrUnavailable), "/api/v1/thing", 503, "unavailable", "", true, true},
		{"an unavailable database answers 503 with Retry-After on a page", db.ErrUnavailable, "/page", 503, "", "temporarily unavailable", true, true},
		{"an internal error answers 500 without its detail in JSON", errors.New("secret internal detail"), "/api/v1/thing", 500, "internal", "", false, true},
		{"an internal error answers 500 without its detail on a page", errors.New("secret internal detail"), "/page", 500, "", "", false, true},
		{"a deliberate 4xx message is shown in JSON", echo.NewHTTPError(422, "Email is already taken."), "/api/v1/thing", 422, "invalid", "Email is already taken.", false, false},
		{"a deliberate 4xx message is shown on a page", echo.NewHTTPError(422, "Email is already taken."), "/page", 422, "", "Email is already taken.", false, false},
		{"a 5xx HTTP error hides its message", echo.NewHTTPError(502, "secret internal detail"), "/api/v1/thing", 502, "internal", "", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, buf := errorEcho(t, tc.err)
			rec := serve(e, httptest.NewRequest(http.MethodGet, tc.path, nil))
			res, body := rec.Result(), rec.Body.String()
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", res.StatusCode, tc.wantStatus, body)
			}
			if strings.Contains(body, "secret internal detail") || strings.Contains(body, "db:") {
				t.Errorf("the response leaks the internal error: %s", body)
			}
			id := res.Header.Get(middleware.HeaderRequestID)
			if tc.wantCode != "" {
				assertJSONError(t, res, body, tc.wantCode, id)
			} else {
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
					t.Errorf("Content-Type = %q, want text/html", ct)
				}
				if !strings.Contains(body, id) {
					t.Errorf("the error page does not show the request id %q", id)
				}
			}
			if tc.wantShown != "" && !strings.Contains(body, tc.wantShown) {
				t.Errorf("the response does not show %q: %.500s", tc.wantShown, body)
			}
			if got := res.Header.Get("Retry-After") != ""; got != tc.retryAfter {
				t.Errorf("Retry-After present = %v, want %v", got, tc.retryAfter)
			}
			lines := buf.records(t, "request failed")
			if tc.logged != (len(lines) == 1) || len(lines) > 1 {
				t.Fatalf("got %d 'request failed' lines, want logged=%v:\n%s", len(lines), tc.logged, buf.String())
			}
			if tc.logged && (lines[0]["request_id"] != id || !strings.Contains(fmt.Sprint(lines[0]["error"]), tc.err.Error())) {
				t.Errorf("the failure was not logged with its error and request id %q: %v", id, lines[0])
			}
		})
	}
}

func TestErrorHandlerAnswersHeadWithoutABody(t *testing.T) {
	t.Parallel()
	e, _ := errorEcho(t, db.ErrNotFound)
	e.HEAD("/page", func(echo.Context) error { return db.ErrNotFound })
	rec := serve(e, httptest.NewRequest(http.MethodHead, "/page", nil))
	if rec.Code != http.StatusNotFound || rec.Body.Len() != 0 {
		t.Errorf("HEAD = %d with %d bytes, want 404 with no body", rec.Code, rec.Body.Len())
	}
}

func TestErrorHandlerLeavesAStartedResponseAlone(t *testing.T) {
	t.Parallel()
	e, _ := errorEcho(t, nil)
	e.GET("/partial", func(c echo.Context) error {
		if err := c.String(http.StatusOK, "partial"); err != nil {
			return err
		}
		return errors.New("failed after writing")
	})
	rec := serve(e, httptest.NewRequest(http.MethodGet, "/partial", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "partial" {
		t.Errorf("got %d %q, want the handler's own 200 partial untouched", rec.Code, rec.Body.String())
	}
}

func TestWantsJSON(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, path, accept, contentType string
		want                            bool
	}{
		{"an API path wants JSON", "/api/v1/me", "", "", true},
		{"the bare /api path wants JSON", "/api", "", "", true},
		{"a path merely starting with api does not", "/apiary", "", "", false},
		{"a JSON Accept wants JSON", "/account", "application/json", "", true},
		{"a browser Accept wants HTML even listing JSON", "/account", "text/html, application/json;q=0.9", "", false},
		{"a JSON request body wants JSON back", "/account", "", "application/json; charset=utf-8", true},
		{"no hints want HTML", "/account", "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if got := wantsJSON(req); got != tc.want {
				t.Errorf("wantsJSON = %v, want %v", got, tc.want)
			}
		})
	}
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
