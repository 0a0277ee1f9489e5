package middleware_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/internal/logging"
)

// recoverEcho returns an Echo instance with RequestID and Recover whose error
// handler records what it was given before answering like Echo's default.
func recoverEcho(t *testing.T, cfg middleware.RecoverConfig, h echo.HandlerFunc) (*echo.Echo, *logBuffer, *[]error) {
	t.Helper()
	buf := &logBuffer{}
	cfg.Logger = logging.New(buf, logging.FormatJSON, slog.LevelInfo)
	var handled []error
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		handled = append(handled, err)
		e.DefaultHTTPErrorHandler(err, c)
	}
	e.Use(middleware.RequestID(), middleware.RecoverWithConfig(cfg))
	e.GET("/", h)
	return e, buf, &handled
}

func TestRecoverTurnsAPanicIntoA500(t *testing.T) {
	cases := []struct {
		name      string
		value     any
		wantInLog string
	}{
		{"a panic with a string is recovered", "secret-panic-value", "secret-panic-value"},
		{"a panic with an error is recovered", errors.New("secret-panic-error"), "secret-panic-error"},
		{"a nil-pointer dereference is recovered", nil, "nil pointer dereference"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, buf, handled := recoverEcho(t, middleware.RecoverConfig{}, func(echo.Context) error {
				if tc.value == nil {
					var p *struct{ x int }
					_ = p.x
				}
				panic(tc.value)
			})
			rec := serve(e, httptest.NewRequest(http.MethodGet, "/", nil))

			if rec.Code != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", rec.Code)
			}
			var he *echo.HTTPError
			if len(*handled) != 1 || !errors.As((*handled)[0], &he) || he.Code != http.StatusInternalServerError {
				t.Fatalf("error handler got %v, want one *echo.HTTPError with code 500", *handled)
			}
			body := rec.Body.String()
			if strings.Contains(body, tc.wantInLog) || strings.Contains(body, "goroutine") || strings.Contains(body, ".go:") {
				t.Errorf("the response body leaks the panic or its stack: %s", body)
			}

			lines := buf.recordsWithMsg(t, "panic recovered")
			if len(lines) != 1 {
				t.Fatalf("got %d panic log lines, want 1:\n%s", len(lines), buf.String())
			}
			line := lines[0]
			if p, _ := line["panic"].(string); !strings.Contains(p, tc.wantInLog) {
				t.Errorf("logged panic = %q, want it to contain %q", p, tc.wantInLog)
			}
			if s, _ := line["stack"].(string); !strings.Contains(s, "goroutine") || !strings.Contains(s, "recover_test.go") {
				t.Errorf("logged stack does not show the panicking frame: %q", s)
			}
			if line["level"] != "ERROR" || line["request_id"] != rec.Header().Get(middleware.HeaderRequestID) {
				t.Errorf("panic line level %v request_id %v, want ERROR with the response's request id", line["level"], line["request_id"])
			}
		})
	}
}

func TestRecoverBoundsTheLoggedStack(t *testing.T) {
	e, buf, _ := recoverEcho(t, middleware.RecoverConfig{StackSize: 64}, func(echo.Context) error { panic("deep") })
	serve(e, httptest.NewRequest(http.MethodGet, "/", nil))
	lines := buf.recordsWithMsg(t, "panic recovered")
	if len(lines) != 1 {
		t.Fatalf("got %d panic log lines, want 1", len(lines))
	}
	if s, _ := lines[0]["stack"].(string); len(s) == 0 || len(s) > 64 {
		t.Errorf("logged stack is %d bytes, want 1-64", len(s))
	}
}

func TestRecoverLetsAHandlerWithoutPanicThrough(t *testing.T) {
	e, buf, handled := recoverEcho(t, middleware.RecoverConfig{}, func(c echo.Context) error {
		return c.String(http.StatusOK, "fine")
	})
	rec := serve(e, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "fine" || len(*handled) != 0 || buf.String() != "" {
		t.Errorf("got %d %q, %d handled errors, log %q; want 200 fine and nothing else", rec.Code, rec.Body.String(), len(*handled), buf.String())
	}
}

func TestRecoverReRaisesErrAbortHandler(t *testing.T) {
	e, buf, handled := recoverEcho(t, middleware.RecoverConfig{}, func(echo.Context) error {
		panic(http.ErrAbortHandler)
	})
	var raised any
	func() {
		defer func() { raised = recover() }()
		serve(e, httptest.NewRequest(http.MethodGet, "/", nil))
	}()
	if raised != http.ErrAbortHandler {
		t.Errorf("ServeHTTP raised %v, want http.ErrAbortHandler", raised)
	}
	if len(*handled) != 0 || buf.String() != "" {
		t.Errorf("an aborted request reached the error handler (%v) or the log (%q)", *handled, buf.String())
	}
}

func TestRecoverWithoutALoggerPanicsAtConstruction(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("RecoverWithConfig without a Logger did not panic")
		}
	}()
	middleware.RecoverWithConfig(middleware.RecoverConfig{})
}
