package http

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// TestRequestTimeout: work still waiting when the request's deadline
// passes is cancelled, and the client gets a 503 "timeout", not a hang.
func TestRequestTimeout(t *testing.T) {
	e := echo.New()
	e.HTTPErrorHandler = newErrorHandler(slog.New(slog.DiscardHandler), nil)
	e.GET("/api/slow", func(c echo.Context) error {
		select {
		case <-c.Request().Context().Done():
			return c.Request().Context().Err()
		case <-time.After(10 * time.Second):
			return c.NoContent(http.StatusOK)
		}
	}, requestTimeout(50*time.Millisecond))
	start := time.Now()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/slow", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"timeout"`) {
		t.Errorf("a request past its deadline = %d %s, want 503 timeout", rec.Code, rec.Body)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("the request took %v: the deadline did not end it", elapsed)
	}
}
