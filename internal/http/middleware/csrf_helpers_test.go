package middleware_test

import (
	"bytes"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// csrfApp is a real echo instance behind CSRFWithConfig. Every route answers
// with a fresh token and counts its calls; the error handler keeps the error.
type csrfApp struct {
	e       *echo.Echo
	calls   int
	lastErr error
}

func newCSRFApp(t *testing.T, cfg middleware.CSRFConfig) *csrfApp {
	t.Helper()
	if cfg.Key == nil {
		cfg.Key = csrfTestKey
	}
	a := &csrfApp{e: echo.New()}
	a.e.HTTPErrorHandler = func(err error, c echo.Context) {
		a.lastErr = err
		var he *echo.HTTPError
		if errors.As(err, &he) {
			msg, _ := he.Message.(string)
			_ = c.String(he.Code, msg)
			return
		}
		_ = c.String(http.StatusInternalServerError, err.Error())
	}
	a.e.Use(middleware.CSRFWithConfig(cfg))
	h := func(c echo.Context) error {
		a.calls++
		return c.String(http.StatusOK, middleware.CSRFToken(c))
	}
	a.e.Any("/form", h)
	a.e.Any("/webhooks/:id", h)
	return a
}

// visit GETs /form with cookie (nil for a first visit) and returns the
// binding cookie to send from now on and the token the page carried.
func (a *csrfApp) visit(t *testing.T, cookie *http.Cookie, header ...string) (*http.Cookie, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/form", nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := serve(a.e, req)
	if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
		t.Fatalf("GET /form: status %d, body %q", rec.Code, rec.Body.String())
	}
	for _, ck := range rec.Result().Cookies() {
		if ck.Name == "csrf" || ck.Name == "__Host-csrf" {
			cookie = &http.Cookie{Name: ck.Name, Value: ck.Value}
		}
	}
	if cookie == nil {
		t.Fatal("GET /form issued no binding cookie")
	}
	return cookie, rec.Body.String()
}

// csrfSession is a browser that has loaded the form, plus a token another
// browser got for its own binding.
type csrfSession struct {
	cookie     *http.Cookie
	token      string
	otherToken string
}

func csrfFormRequest(method, target string, cookie *http.Cookie, token string) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(url.Values{"csrf_token": {token}}.Encode()))
	req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return req
}

func csrfHeaderRequest(method string, cookie *http.Cookie, token string) *http.Request {
	req := httptest.NewRequest(method, "/form", nil)
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return req
}

func csrfMultipartRequest(cookie *http.Cookie, token string) *http.Request {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf_token", token)
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, "/form", &body)
	req.Header.Set(echo.HeaderContentType, w.FormDataContentType())
	req.AddCookie(cookie)
	return req
}

func csrfWithHeaders(req *http.Request, kv ...string) *http.Request {
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Add(kv[i], kv[i+1])
	}
	return req
}

// checkCSRFOutcome asserts success (the handler ran once) or the refusal
// with message want (403, the handler never ran, the right sentinel).
func checkCSRFOutcome(t *testing.T, a *csrfApp, rec *httptest.ResponseRecorder, want string) {
	t.Helper()
	if want == "" {
		if rec.Code != http.StatusOK || a.calls != 1 {
			t.Fatalf("status %d, handler calls %d, error %v; want 200 and one call", rec.Code, a.calls, a.lastErr)
		}
		return
	}
	if rec.Code != http.StatusForbidden {
		t.Fatalf("status %d, want 403", rec.Code)
	}
	if a.calls != 0 {
		t.Errorf("handler ran %d times on a refused request", a.calls)
	}
	if rec.Body.String() != want {
		t.Errorf("message %q, want %q", rec.Body.String(), want)
	}
	sentinel := middleware.ErrCSRFToken
	if want == csrfOriginMsg {
		sentinel = middleware.ErrCSRFOrigin
	}
	if !errors.Is(a.lastErr, sentinel) {
		t.Errorf("error %v does not wrap %v", a.lastErr, sentinel)
	}
}

// csrfFlipChar replaces the character at i with another base64url character.
func csrfFlipChar(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}
