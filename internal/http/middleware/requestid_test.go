package middleware_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/internal/logging"
)

// generatedID is the shape of NewRequestID's output: 128 bits, unpadded
// URL-safe base64.
var generatedID = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// requestIDEcho returns an Echo instance whose one route records the request
// id it sees in the request context and logs a line with that context.
func requestIDEcho(mw echo.MiddlewareFunc, log *slog.Logger, seen *string) *echo.Echo {
	e := echo.New()
	e.Use(mw)
	e.GET("/", func(c echo.Context) error {
		*seen = middleware.RequestIDFromContext(c.Request().Context())
		if log != nil {
			log.InfoContext(c.Request().Context(), "inside handler")
		}
		return c.NoContent(http.StatusNoContent)
	})
	return e
}

func TestRequestIDKeepsOnlyValidInboundIDs(t *testing.T) {
	cases := []struct {
		name    string
		inbound string
		kept    bool
	}{
		{"a one-character id is kept", "a", true},
		{"a 128-character id is kept", strings.Repeat("x", 128), true},
		{"printable punctuation and spaces are kept", `a-b_c.d~e!f@g#h$i%j^k&l*m(n)o[p]q{r}s<t>u?v/w\x|y'z"0 1,2:3;4=5+6` + "`", true},
		{"a typical upstream uuid is kept", "0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"an empty id is replaced", "", false},
		{"a 129-character id is replaced", strings.Repeat("x", 129), false},
		{"an id with a control character is replaced", "abc\x01def", false},
		{"an id with a tab is replaced", "abc\tdef", false},
		{"an id with a DEL byte is replaced", "abc\x7f", false},
		{"an id with non-ASCII UTF-8 is replaced", "café-42", false},
		{"an id with invalid UTF-8 is replaced", "abc\xff", false},
		{"an id with a newline is replaced", "abc\r\nX-Injected: 1", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var seen string
			e := requestIDEcho(middleware.RequestID(), nil, &seen)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.inbound != "" {
				req.Header[middleware.HeaderRequestID] = []string{tc.inbound}
			}
			rec := serve(e, req)

			got := rec.Header().Get(middleware.HeaderRequestID)
			if tc.kept && got != tc.inbound {
				t.Errorf("response id = %q, want the inbound %q", got, tc.inbound)
			}
			if !tc.kept && (got == tc.inbound || !generatedID.MatchString(got)) {
				t.Errorf("response id = %q, want a fresh generated id replacing %q", got, tc.inbound)
			}
			if seen != got {
				t.Errorf("context id = %q, response header = %q; they must be the same", seen, got)
			}
		})
	}
}

func TestRequestIDAlwaysGenerateIgnoresInboundIDs(t *testing.T) {
	var seen string
	e := requestIDEcho(middleware.RequestIDWithConfig(middleware.RequestIDConfig{AlwaysGenerate: true}), nil, &seen)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set(middleware.HeaderRequestID, "client-chosen-id")
	got := serve(e, req).Header().Get(middleware.HeaderRequestID)
	if got == "client-chosen-id" || !generatedID.MatchString(got) {
		t.Errorf("response id = %q, want a generated id", got)
	}
	if seen != got {
		t.Errorf("context id = %q, want %q", seen, got)
	}
}

func TestRequestIDUsesTheConfiguredGenerator(t *testing.T) {
	var seen string
	cfg := middleware.RequestIDConfig{Generator: func() string { return "from-generator" }}
	e := requestIDEcho(middleware.RequestIDWithConfig(cfg), nil, &seen)
	got := serve(e, httptest.NewRequest(http.MethodGet, "/", nil)).Header().Get(middleware.HeaderRequestID)
	if got != "from-generator" || seen != "from-generator" {
		t.Errorf("header %q, context %q; want both from-generator", got, seen)
	}
}

func TestRequestIDSkipperLeavesTheRequestAlone(t *testing.T) {
	var seen string
	cfg := middleware.RequestIDConfig{Skipper: func(echo.Context) bool { return true }}
	e := requestIDEcho(middleware.RequestIDWithConfig(cfg), nil, &seen)
	rec := serve(e, httptest.NewRequest(http.MethodGet, "/", nil))
	if h := rec.Header().Get(middleware.HeaderRequestID); h != "" || seen != "" {
		t.Errorf("skipped request got header %q and context id %q, want none", h, seen)
	}
}

func TestRequestIDIsOnLogLinesLoggedWithTheRequestContext(t *testing.T) {
	cases := []struct{ name, inbound string }{
		{"a generated id is on the handler's log line", ""},
		{"a kept inbound id is on the handler's log line", "upstream-id-7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf logBuffer
			var seen string
			e := requestIDEcho(middleware.RequestID(), logging.New(&buf, logging.FormatJSON, slog.LevelInfo), &seen)
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.inbound != "" {
				req.Header.Set(middleware.HeaderRequestID, tc.inbound)
			}
			id := serve(e, req).Header().Get(middleware.HeaderRequestID)
			lines := buf.recordsWithMsg(t, "inside handler")
			if len(lines) != 1 {
				t.Fatalf("got %d handler log lines, want 1: %s", len(lines), buf.String())
			}
			if lines[0]["request_id"] != id || id == "" {
				t.Errorf("log line request_id = %v, want the response's %q", lines[0]["request_id"], id)
			}
		})
	}
}

func TestRequestIDFromContextWithoutAnIDIsEmpty(t *testing.T) {
	if got := middleware.RequestIDFromContext(t.Context()); got != "" {
		t.Errorf("RequestIDFromContext(empty) = %q, want empty", got)
	}
}

func TestNewRequestIDIsURLSafeAndUnique(t *testing.T) {
	const n = 100_000
	seen := make(map[string]bool, n)
	for range n {
		id := middleware.NewRequestID()
		if !generatedID.MatchString(id) {
			t.Fatalf("NewRequestID() = %q, want 22 URL-safe base64 characters", id)
		}
		if !middleware.ValidRequestID(id) {
			t.Fatalf("NewRequestID() = %q is not itself a valid inbound id", id)
		}
		if seen[id] {
			t.Fatalf("NewRequestID() repeated %q", id)
		}
		seen[id] = true
	}
}

func FuzzValidRequestID(f *testing.F) {
	for _, s := range []string{"", "a", strings.Repeat("x", 128), strings.Repeat("x", 129), "a\nb", "café", "\x7f", " ", "~", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		wellFormed := len(id) >= 1 && len(id) <= 128
		for i := 0; i < len(id); i++ {
			if id[i] < 0x20 || id[i] > 0x7e {
				wellFormed = false
			}
		}
		if got := middleware.ValidRequestID(id); got != wellFormed {
			t.Errorf("ValidRequestID(%q) = %v, want %v (1-128 bytes, each 0x20-0x7e)", id, got, wellFormed)
		}
	})
}

func BenchmarkRequestID(b *testing.B) {
	e := echo.New()
	e.Use(middleware.RequestID())
	e.GET("/", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	for _, bc := range []struct{ name, inbound string }{
		{"generated", ""},
		{"inbound kept", "0f8fad5b-d9cb-469f-a165-70867728950e"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if bc.inbound != "" {
				req.Header.Set(middleware.HeaderRequestID, bc.inbound)
			}
			b.ReportAllocs()
			for b.Loop() {
				e.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
