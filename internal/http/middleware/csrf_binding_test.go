package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/views/components"
)

func csrfBindingCookies(rec *httptest.ResponseRecorder) []*http.Cookie {
	var out []*http.Cookie
	for _, ck := range rec.Result().Cookies() {
		if strings.HasSuffix(ck.Name, "csrf") || ck.Name == "xsrf" {
			out = append(out, ck)
		}
	}
	return out
}

func TestCSRFCookie(t *testing.T) {
	cases := []struct {
		name       string
		cfg        middleware.CSRFConfig
		send       *http.Cookie // nil: a first visit
		wantIssued bool
		wantName   string
		wantSecure bool
		wantMaxAge int
	}{
		{"a first GET issues the binding cookie", middleware.CSRFConfig{}, nil, true, "csrf", false, 365 * 24 * 3600},
		{"a valid cookie is not issued again", middleware.CSRFConfig{}, &http.Cookie{Name: "csrf", Value: strings.Repeat("A", 43)}, false, "", false, 0},
		{"a malformed cookie is replaced", middleware.CSRFConfig{}, &http.Cookie{Name: "csrf", Value: "short"}, true, "csrf", false, 365 * 24 * 3600},
		{"a cookie with non-canonical trailing bits is replaced", middleware.CSRFConfig{}, &http.Cookie{Name: "csrf", Value: strings.Repeat("A", 42) + "B"}, true, "csrf", false, 365 * 24 * 3600},
		{"Secure uses the __Host- name with the Secure flag", middleware.CSRFConfig{Secure: true}, nil, true, "__Host-csrf", true, 365 * 24 * 3600},
		{"Secure ignores a cookie without the __Host- prefix", middleware.CSRFConfig{Secure: true}, &http.Cookie{Name: "csrf", Value: strings.Repeat("A", 43)}, true, "__Host-csrf", true, 365 * 24 * 3600},
		{"Secure keeps a valid __Host- cookie", middleware.CSRFConfig{Secure: true}, &http.Cookie{Name: "__Host-csrf", Value: strings.Repeat("A", 43)}, false, "", false, 0},
		{"a custom name and lifetime are used", middleware.CSRFConfig{CookieName: "xsrf", CookieMaxAge: time.Hour}, nil, true, "xsrf", false, 3600},
		{"a negative lifetime makes a browser-session cookie", middleware.CSRFConfig{CookieMaxAge: -1}, nil, true, "csrf", false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Key = csrfTestKey
			e := echo.New()
			e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, middleware.CSRFToken(c)) }, middleware.CSRFWithConfig(tc.cfg))
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tc.send != nil {
				req.AddCookie(tc.send)
			}
			rec := serve(e, req)
			got := csrfBindingCookies(rec)
			if !tc.wantIssued {
				if len(got) != 0 {
					t.Fatalf("cookie issued again: %v", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("got %d binding cookies, want 1", len(got))
			}
			ck := got[0]
			if ck.Name != tc.wantName || ck.Secure != tc.wantSecure || ck.MaxAge != tc.wantMaxAge {
				t.Errorf("cookie %s Secure=%v MaxAge=%d, want %s Secure=%v MaxAge=%d", ck.Name, ck.Secure, ck.MaxAge, tc.wantName, tc.wantSecure, tc.wantMaxAge)
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
				t.Errorf("cookie HttpOnly=%v SameSite=%v Path=%q Domain=%q, want HttpOnly, Lax, /, no Domain", ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain)
			}
			if len(ck.Value) != 43 || (tc.send != nil && ck.Value == tc.send.Value) {
				t.Errorf("cookie value %q is not a fresh 32-byte base64url binding", ck.Value)
			}
		})
	}
}

func TestCSRFTokensDifferPerCallButAllVerify(t *testing.T) {
	a := newCSRFApp(t, middleware.CSRFConfig{})
	var extra []string
	a.e.GET("/many", func(c echo.Context) error {
		extra = append(extra, middleware.CSRFToken(c), middleware.CSRFToken(c))
		return c.NoContent(http.StatusNoContent)
	})
	cookie, first := a.visit(t, nil)
	_, second := a.visit(t, cookie)
	req := httptest.NewRequest(http.MethodGet, "/many", nil)
	req.AddCookie(cookie)
	serve(a.e, req)
	tokens := append([]string{first, second}, extra...)
	seen := map[string]bool{}
	for _, tok := range tokens {
		if seen[tok] {
			t.Fatalf("token %q minted twice", tok)
		}
		seen[tok] = true
	}
	for i, tok := range tokens {
		a.calls = 0
		rec := serve(a.e, csrfFormRequest(http.MethodPost, "/form", cookie, tok))
		checkCSRFOutcome(t, a, rec, "")
		if i > 0 && rec.Body.String() == tok {
			t.Error("the POST's handler got the posted token back instead of a fresh one")
		}
	}
}

func TestCSRFSessionBinding(t *testing.T) {
	a := newCSRFApp(t, middleware.CSRFConfig{SessionBinding: func(c echo.Context) (string, bool) {
		s := c.Request().Header.Get("X-Test-Session") // stands in for the session middleware
		return s, s != ""
	}})
	cookie, anonymous := a.visit(t, nil)
	_, alice := a.visit(t, cookie, "X-Test-Session", "sess-alice")
	_, bob := a.visit(t, cookie, "X-Test-Session", "sess-bob")
	otherCookie, _ := a.visit(t, nil)
	cases := []struct {
		name    string
		cookie  *http.Cookie
		session string
		token   string
		want    string
	}{
		{"a token minted before login passes while logged out", cookie, "", anonymous, ""},
		{"a token minted before login fails after login", cookie, "sess-alice", anonymous, csrfTokenMsg},
		{"a token minted for the session passes", cookie, "sess-alice", alice, ""},
		{"a session token passes under another binding cookie", otherCookie, "sess-alice", alice, ""},
		{"a session token passes with no binding cookie at all", nil, "sess-alice", alice, ""},
		{"a token of another session fails", cookie, "sess-alice", bob, csrfTokenMsg},
		{"a session token fails after logout", cookie, "", alice, csrfTokenMsg},
		{"a cookie-bound token is not accepted for a session named like the cookie", cookie, cookie.Value, anonymous, csrfTokenMsg},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a.calls, a.lastErr = 0, nil
			req := csrfFormRequest(http.MethodPost, "/form", tc.cookie, tc.token)
			if tc.session != "" {
				req.Header.Set("X-Test-Session", tc.session)
			}
			checkCSRFOutcome(t, a, serve(a.e, req), tc.want)
		})
	}
}

func TestCSRFTokenMintedAfterLoginInTheSameRequestUsesTheSession(t *testing.T) {
	e := echo.New()
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc { // stands in for the session middleware
		return func(c echo.Context) error {
			if s := c.Request().Header.Get("X-Test-Session"); s != "" {
				c.Set("session", s)
			}
			return next(c)
		}
	})
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{Key: csrfTestKey, SessionBinding: func(c echo.Context) (string, bool) {
		s, ok := c.Get("session").(string)
		return s, ok
	}, HeaderAuth: middleware.CSRFHeaderAuthUnder("/login")}))
	e.POST("/login", func(c echo.Context) error {
		c.Set("session", "sess-new") // the login handler replaces the session
		return c.String(http.StatusOK, middleware.CSRFToken(c))
	})
	e.POST("/next", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	rec := serve(e, csrfWithHeaders(httptest.NewRequest(http.MethodPost, "/login", nil), "Authorization", "Bearer x"))
	if rec.Code != http.StatusOK {
		t.Fatalf("login: status %d", rec.Code)
	}
	req := csrfWithHeaders(httptest.NewRequest(http.MethodPost, "/next", nil), "X-CSRF-Token", rec.Body.String(), "X-Test-Session", "sess-new")
	if got := serve(e, req).Code; got != http.StatusNoContent {
		t.Errorf("a token rendered by the login response failed in the new session: status %d", got)
	}
}

func TestCSRFTokenIsEmptyWithoutTheMiddleware(t *testing.T) {
	e := echo.New()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
	if tok := middleware.CSRFToken(c); tok != "" {
		t.Errorf("CSRFToken = %q, want empty", tok)
	}
}

func TestCSRFDefaultFieldNameIsTheOneFormsRender(t *testing.T) {
	if middleware.DefaultCSRFConfig.FieldName != components.CSRFFieldName {
		t.Errorf("middleware reads %q, forms send %q", middleware.DefaultCSRFConfig.FieldName, components.CSRFFieldName)
	}
}

func TestCSRFConstructedWithKeyUsesTheDefaults(t *testing.T) {
	e := echo.New()
	mw := middleware.CSRF(csrfTestKey)
	e.POST("/", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }, mw)
	e.GET("/form", func(c echo.Context) error { return c.String(http.StatusOK, middleware.CSRFToken(c)) }, mw)
	rec := serve(e, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("POST without a token: status %d, want 403", rec.Code)
	}
	rec = serve(e, httptest.NewRequest(http.MethodGet, "/form", nil))
	if got := csrfBindingCookies(rec); len(got) != 1 || got[0].Name != "csrf" {
		t.Errorf("binding cookies %v, want one named csrf", got)
	}
}

func TestCSRFCookieIsIssuedOnlyWhenATokenIsMinted(t *testing.T) {
	e := echo.New()
	mw := middleware.CSRF(csrfTestKey)
	e.GET("/plain", func(c echo.Context) error { return c.String(http.StatusOK, "no form here") }, mw)
	e.GET("/form", func(c echo.Context) error {
		return c.String(http.StatusOK, middleware.CSRFToken(c)+" "+middleware.CSRFToken(c))
	}, mw)
	if got := csrfBindingCookies(serve(e, httptest.NewRequest(http.MethodGet, "/plain", nil))); len(got) != 0 {
		t.Errorf("a page without a form set %d binding cookies", len(got))
	}
	rec := serve(e, httptest.NewRequest(http.MethodGet, "/form", nil))
	got := csrfBindingCookies(rec)
	if len(got) != 1 {
		t.Fatalf("two tokens in one response set %d binding cookies, want 1", len(got))
	}
	// Both tokens of that response verify against the one cookie issued.
	e.POST("/submit", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) }, mw)
	for _, tok := range strings.Fields(rec.Body.String()) {
		req := httptest.NewRequest(http.MethodPost, "/submit", strings.NewReader("csrf_token="+tok))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(got[0])
		if r := serve(e, req); r.Code != http.StatusNoContent {
			t.Errorf("token %q with its cookie: status %d", tok, r.Code)
		}
	}
	// A POST without any binding cookie never verifies, whatever it sends.
	req := httptest.NewRequest(http.MethodPost, "/submit", strings.NewReader("csrf_token="+strings.Fields(rec.Body.String())[0]))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := serve(e, req); r.Code != http.StatusForbidden {
		t.Errorf("a token without its cookie: status %d, want 403", r.Code)
	}
}

func TestCSRFInvalidConfigurationPanics(t *testing.T) {
	cases := []struct {
		name string
		cfg  middleware.CSRFConfig
	}{
		{"a missing key panics", middleware.CSRFConfig{}},
		{"a 31-byte key panics", middleware.CSRFConfig{Key: csrfTestKey[:31]}},
		{"a cookie name with the __Host- prefix panics", middleware.CSRFConfig{Key: csrfTestKey, CookieName: "__Host-csrf"}},
		{"a cookie name with the __Secure- prefix panics", middleware.CSRFConfig{Key: csrfTestKey, CookieName: "__Secure-csrf"}},
		{"a cookie name with a space panics", middleware.CSRFConfig{Key: csrfTestKey, CookieName: "my csrf"}},
		{"a header name with a colon panics", middleware.CSRFConfig{Key: csrfTestKey, HeaderName: "X-CSRF:"}},
		{"a trusted origin without a scheme panics", middleware.CSRFConfig{Key: csrfTestKey, TrustedOrigins: []string{"app.example.com"}}},
		{"a trusted origin with a path panics", middleware.CSRFConfig{Key: csrfTestKey, TrustedOrigins: []string{"https://app.example.com/app"}}},
		{"a trusted origin of null panics", middleware.CSRFConfig{Key: csrfTestKey, TrustedOrigins: []string{"null"}}},
		{"a trusted origin with another scheme panics", middleware.CSRFConfig{Key: csrfTestKey, TrustedOrigins: []string{"ftp://app.example.com"}}},
		{"an invalid trusted proxy prefix panics", middleware.CSRFConfig{Key: csrfTestKey, TrustedProxies: []netip.Prefix{{}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("CSRFWithConfig did not panic")
				}
			}()
			middleware.CSRFWithConfig(tc.cfg)
		})
	}
}

func TestCSRFTrustedOriginWithTrailingSlashIsAccepted(t *testing.T) {
	a := newCSRFApp(t, middleware.CSRFConfig{TrustedOrigins: []string{"HTTPS://App.Example.com:443/"}})
	cookie, token := a.visit(t, nil)
	a.calls = 0
	req := csrfWithHeaders(csrfFormRequest(http.MethodPost, "/form", cookie, token), "Origin", "https://app.example.com")
	checkCSRFOutcome(t, a, serve(a.e, req), "")
}
