package middleware_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// bodyHandlers are the ways a handler reads a body, each answering 200 with
// what it read or returning the error it met.
var bodyHandlers = map[string]echo.HandlerFunc{
	"io.ReadAll": func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, string(b))
	},
	"c.Bind JSON": func(c echo.Context) error {
		var v struct{ Name string }
		if err := c.Bind(&v); err != nil {
			return err
		}
		return c.String(http.StatusOK, v.Name)
	},
	"c.FormValue swallowing the error": func(c echo.Context) error {
		if c.FormValue("name") == "" {
			return echo.NewHTTPError(http.StatusUnprocessableEntity, "name is required")
		}
		return c.String(http.StatusOK, c.FormValue("name"))
	},
	"returning nil without writing": func(c echo.Context) error {
		_, _ = io.ReadAll(c.Request().Body)
		return nil
	},
}

func bodyLimitEcho(limit int64, h echo.HandlerFunc, reached *bool) *echo.Echo {
	e := echo.New()
	e.Use(middleware.BodyLimit(limit))
	e.POST("/", func(c echo.Context) error {
		*reached = true
		return h(c)
	})
	return e
}

func TestBodyLimit(t *testing.T) {
	const limit = 64
	small := `{"Name":"ada"}`
	big := `{"Name":"` + strings.Repeat("a", 2*limit) + `"}`
	form := func(n int) string { return url.Values{"name": {strings.Repeat("b", n)}}.Encode() }
	cases := []struct {
		name        string
		handler     string
		body        string
		contentType string
		chunked     bool
		wantStatus  int
		wantReached bool
	}{
		{"a small body passes", "io.ReadAll", small, "application/json", false, 200, true},
		{"a small chunked body passes", "c.Bind JSON", small, "application/json", true, 200, true},
		{"a body of exactly the limit passes", "io.ReadAll", strings.Repeat("x", limit), "text/plain", true, 200, true},
		{"a Content-Length over the limit is refused before the handler", "io.ReadAll", big, "application/json", false, 413, false},
		{"a Content-Length one byte over is refused", "io.ReadAll", strings.Repeat("x", limit+1), "text/plain", false, 413, false},
		{"a chunked body read with io.ReadAll is refused", "io.ReadAll", big, "application/json", true, 413, true},
		{"a chunked body one byte over is refused", "io.ReadAll", strings.Repeat("x", limit+1), "text/plain", true, 413, true},
		{"a chunked body bound as JSON is refused", "c.Bind JSON", big, "application/json", true, 413, true},
		{"a chunked form whose parse error was swallowed is refused", "c.FormValue swallowing the error", form(2 * limit), "application/x-www-form-urlencoded", true, 413, true},
		{"a small chunked form passes", "c.FormValue swallowing the error", form(3), "application/x-www-form-urlencoded", true, 200, true},
		{"a handler returning nil after hitting the limit gets 413", "returning nil without writing", big, "text/plain", true, 413, true},
		{"a handler returning nil within the limit gets its own 200", "returning nil without writing", small, "text/plain", true, 200, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reached := false
			e := bodyLimitEcho(limit, bodyHandlers[tc.handler], &reached)
			var body io.Reader = strings.NewReader(tc.body)
			if tc.chunked {
				body = chunkedBody{body}
			}
			req := httptest.NewRequest(http.MethodPost, "/", body)
			if tc.chunked {
				req.ContentLength = -1
			}
			req.Header.Set("Content-Type", tc.contentType)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || reached != tc.wantReached {
				t.Fatalf("status %d, reached %v; want %d, %v (body %s)", rec.Code, reached, tc.wantStatus, tc.wantReached, rec.Body)
			}
			var msg struct{ Message string }
			_ = json.Unmarshal(rec.Body.Bytes(), &msg)
			if tc.wantStatus == http.StatusRequestEntityTooLarge && msg.Message != "The request body is too large (limit 64 bytes)." {
				t.Errorf("message %q", msg.Message)
			}
		})
	}
}

func TestBodyLimitOverARealConnection(t *testing.T) {
	reached := false
	srv := httptest.NewServer(bodyLimitEcho(1<<10, bodyHandlers["c.Bind JSON"], &reached))
	defer srv.Close()
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, `{"Name":"`+strings.Repeat("a", 64<<10))
		_ = pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, pr)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "limit 1 KiB") {
		t.Errorf("status %d, body %s", resp.StatusCode, b)
	}
}

func TestBodyLimitMessagesNameTheLimitReadably(t *testing.T) {
	cases := map[int64]string{
		1 << 20: "1 MiB", 64 << 10: "64 KiB", 1500: "1500 bytes", 1: "1 byte", 3 << 30: "3 GiB",
		middleware.DefaultBodyLimitConfig.Limit: "1 MiB",
	}
	for limit, want := range cases {
		reached := false
		e := bodyLimitEcho(limit, bodyHandlers["io.ReadAll"], &reached)
		req := httptest.NewRequest(http.MethodPost, "/", http.NoBody)
		req.ContentLength = limit + 1
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if want := "The request body is too large (limit " + want + ")."; !strings.Contains(rec.Body.String(), want) {
			t.Errorf("limit %d: body %s, want %q", limit, rec.Body, want)
		}
	}
}

func TestBodyLimitSkipperSkips(t *testing.T) {
	e := echo.New()
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: 1, Skipper: func(echo.Context) bool { return true }}))
	e.POST("/", bodyHandlers["io.ReadAll"])
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("hello")))
	if rec.Code != http.StatusOK || rec.Body.String() != "hello" {
		t.Errorf("status %d, body %q", rec.Code, rec.Body)
	}
}

func TestBodyLimitWithoutAPositiveLimitPanicsAtConstruction(t *testing.T) {
	for _, limit := range []int64{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("limit %d: no panic", limit)
				}
			}()
			middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: limit})
		}()
	}
}
