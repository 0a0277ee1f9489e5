package middleware_test

import (
	"bytes"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

const (
	csrfTokenMsg  = "The form has expired or was not sent by this site. Reload the page and try again."
	csrfOriginMsg = "Cross-site request refused."
)

var csrfTestKey = bytes.Repeat([]byte("0123456789abcdef"), 2)

// csrfCase sends req (built from a browser that has loaded the form) and
// expects success ("") or the refusal message want.
type csrfCase struct {
	name string
	cfg  func(*middleware.CSRFConfig)
	req  func(s csrfSession) *http.Request
	want string
}

func TestCSRF(t *testing.T) {
	trustApp := func(cfg *middleware.CSRFConfig) { cfg.TrustedOrigins = []string{"https://app.example.com"} }
	trustProxy := func(cfg *middleware.CSRFConfig) { cfg.TrustedProxies = prefixes("10.0.0.0/8") }
	// /form stands for an API route, /account for a page signed in by cookie.
	headerAuthForm := func(cfg *middleware.CSRFConfig) { cfg.HeaderAuth = middleware.CSRFHeaderAuthUnder("/form") }
	skipWebhooks := func(cfg *middleware.CSRFConfig) {
		cfg.Skipper = func(c echo.Context) bool {
			return c.Request().Method == http.MethodPost && strings.HasPrefix(c.Path(), "/webhooks/")
		}
	}
	post := func(s csrfSession, kv ...string) *http.Request {
		return csrfWithHeaders(csrfFormRequest(http.MethodPost, "/form", s.cookie, s.token), kv...)
	}
	fromPeer := func(req *http.Request, peer string) *http.Request { req.RemoteAddr = peer; return req }
	cases := []csrfCase{
		{"a token minted on GET and posted back in the form field passes", nil, func(s csrfSession) *http.Request { return post(s) }, ""},
		{"a token sent back in the X-CSRF-Token header passes", nil, func(s csrfSession) *http.Request { return csrfHeaderRequest(http.MethodPost, s.cookie, s.token) }, ""},
		{"a token in a multipart form passes", nil, func(s csrfSession) *http.Request { return csrfMultipartRequest(s.cookie, s.token) }, ""},
		{"a form content type with parameters is still read", nil, func(s csrfSession) *http.Request {
			r := post(s)
			r.Header.Set(echo.HeaderContentType, "Application/X-WWW-Form-Urlencoded; charset=UTF-8")
			return r
		}, ""},
		{"a token in the query string is not read", nil, func(s csrfSession) *http.Request {
			return csrfFormRequest(http.MethodPost, "/form?csrf_token="+url.QueryEscape(s.token), s.cookie, "")
		}, csrfTokenMsg},
		{"a csrf_token field in a JSON body is not read", nil, func(s csrfSession) *http.Request {
			r := csrfFormRequest(http.MethodPost, "/form", s.cookie, s.token)
			r.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
			return r
		}, csrfTokenMsg},
		{"a missing token is refused", nil, func(s csrfSession) *http.Request { return csrfFormRequest(http.MethodPost, "/form", s.cookie, "") }, csrfTokenMsg},
		{"a token for another binding is refused", nil, func(s csrfSession) *http.Request { s.token = s.otherToken; return post(s) }, csrfTokenMsg},
		{"a tampered token is refused", nil, func(s csrfSession) *http.Request { s.token = csrfFlipChar(s.token, 40); return post(s) }, csrfTokenMsg},
		{"a token with a tampered nonce is refused", nil, func(s csrfSession) *http.Request { s.token = csrfFlipChar(s.token, 3); return post(s) }, csrfTokenMsg},
		{"a truncated token is refused", nil, func(s csrfSession) *http.Request { s.token = s.token[:60]; return post(s) }, csrfTokenMsg},
		{"a token with extra characters is refused", nil, func(s csrfSession) *http.Request { s.token += "AAAA"; return post(s) }, csrfTokenMsg},
		{"an over-long token is refused", nil, func(s csrfSession) *http.Request { s.token = strings.Repeat(s.token, 5); return post(s) }, csrfTokenMsg},
		{"a token that is not base64url is refused", nil, func(s csrfSession) *http.Request { s.token = strings.Repeat("!", 64); return post(s) }, csrfTokenMsg},
		{"a token in standard base64 is refused", nil, func(s csrfSession) *http.Request {
			s.token = strings.NewReplacer("-", "+", "_", "/").Replace(s.token) + "+"
			return post(s)
		}, csrfTokenMsg},
		{"a valid token without the cookie is refused", nil, func(s csrfSession) *http.Request { s.cookie = nil; return post(s) }, csrfTokenMsg},
		{"a valid token with a forged cookie is refused", nil, func(s csrfSession) *http.Request {
			s.cookie = &http.Cookie{Name: "csrf", Value: strings.Repeat("A", 43)}
			return post(s)
		}, csrfTokenMsg},
		{"Sec-Fetch-Site cross-site is refused even with a valid token", nil, func(s csrfSession) *http.Request { return post(s, "Sec-Fetch-Site", "cross-site") }, csrfOriginMsg},
		{"Sec-Fetch-Site same-origin with a valid token passes", nil, func(s csrfSession) *http.Request { return post(s, "Sec-Fetch-Site", "same-origin") }, ""},
		{"Sec-Fetch-Site none with a valid token passes", nil, func(s csrfSession) *http.Request { return post(s, "Sec-Fetch-Site", "none") }, ""},
		{"Sec-Fetch-Site same-site without a trusted Origin is refused", trustApp, func(s csrfSession) *http.Request { return post(s, "Sec-Fetch-Site", "same-site") }, csrfOriginMsg},
		{"Sec-Fetch-Site same-site from the request's own but untrusted origin is refused", nil, func(s csrfSession) *http.Request {
			return post(s, "Sec-Fetch-Site", "same-site", "Origin", "http://example.com")
		}, csrfOriginMsg},
		{"Sec-Fetch-Site same-site from a trusted origin passes", trustApp, func(s csrfSession) *http.Request {
			return post(s, "Sec-Fetch-Site", "same-site", "Origin", "https://app.example.com")
		}, ""},
		{"Sec-Fetch-Site cross-site from a trusted origin is still refused", trustApp, func(s csrfSession) *http.Request {
			return post(s, "Sec-Fetch-Site", "cross-site", "Origin", "https://app.example.com")
		}, csrfOriginMsg},
		{"an unknown Sec-Fetch-Site value is refused", nil, func(s csrfSession) *http.Request { return post(s, "Sec-Fetch-Site", "same-ish") }, csrfOriginMsg},
		{"Origin https://evil.example is refused even with a valid token", nil, func(s csrfSession) *http.Request { return post(s, "Origin", "https://evil.example") }, csrfOriginMsg},
		{"the request's own Origin passes", nil, func(s csrfSession) *http.Request { return post(s, "Origin", "http://example.com") }, ""},
		{"the request's own Origin with a default port and capitals passes", nil, func(s csrfSession) *http.Request { return post(s, "Origin", "HTTP://Example.COM:80") }, ""},
		{"the request's own Origin still needs a valid token", nil, func(s csrfSession) *http.Request {
			s.token = s.otherToken
			return post(s, "Origin", "http://example.com", "Sec-Fetch-Site", "same-origin")
		}, csrfTokenMsg},
		{"an Origin on another port is refused", nil, func(s csrfSession) *http.Request { return post(s, "Origin", "http://example.com:8080") }, csrfOriginMsg},
		{"an Origin in TrustedOrigins passes", trustApp, func(s csrfSession) *http.Request { return post(s, "Origin", "https://app.example.com") }, ""},
		{"Origin null is refused", nil, func(s csrfSession) *http.Request { return post(s, "Origin", "null") }, csrfOriginMsg},
		{"an empty Origin is refused", nil, func(s csrfSession) *http.Request { return post(s, "Origin", "") }, csrfOriginMsg},
		{"two Origin headers are refused", nil, func(s csrfSession) *http.Request {
			return post(s, "Origin", "http://example.com", "Origin", "https://evil.example")
		}, csrfOriginMsg},
		{"X-Forwarded-Proto https from an untrusted peer does not make https://example.com the request's origin", trustProxy, func(s csrfSession) *http.Request {
			return fromPeer(post(s, "Origin", "https://example.com", "X-Forwarded-Proto", "https"), "203.0.113.9:1234")
		}, csrfOriginMsg},
		{"X-Forwarded-Proto https without any trusted proxy is ignored", nil, func(s csrfSession) *http.Request {
			return fromPeer(post(s, "Origin", "https://example.com", "X-Forwarded-Proto", "https"), "10.0.0.1:1234")
		}, csrfOriginMsg},
		{"X-Forwarded-Proto https from a trusted proxy makes https://example.com the request's origin", trustProxy, func(s csrfSession) *http.Request {
			return fromPeer(post(s, "Origin", "https://example.com", "X-Forwarded-Proto", "https"), "10.0.0.1:1234")
		}, ""},
		{"behind a trusted proxy saying https, an http Origin is refused", trustProxy, func(s csrfSession) *http.Request {
			return fromPeer(post(s, "Origin", "http://example.com", "X-Forwarded-Proto", "https"), "10.0.0.1:1234")
		}, csrfOriginMsg},
		{"the trusted proxy's own last X-Forwarded-Proto hop decides", trustProxy, func(s csrfSession) *http.Request {
			return fromPeer(post(s, "Origin", "https://example.com", "X-Forwarded-Proto", "https, http"), "10.0.0.1:1234")
		}, csrfOriginMsg},
		{"a TLS request's origin is https", nil, func(s csrfSession) *http.Request {
			r := post(s, "Origin", "https://example.com")
			r.TLS = &tls.ConnectionState{}
			return r
		}, ""},
		{"without HeaderAuth an Authorization header exempts nothing", nil, func(s csrfSession) *http.Request {
			return csrfWithHeaders(httptest.NewRequest(http.MethodPost, "/form", strings.NewReader(`{}`)), "Authorization", "Bearer abc", "Content-Type", "application/json")
		}, csrfTokenMsg},
		{"an Authorization header on a cookie-authenticated form exempts nothing", headerAuthForm, func(s csrfSession) *http.Request {
			return csrfWithHeaders(httptest.NewRequest(http.MethodPost, "/account", strings.NewReader("name=x")), "Authorization", "Basic eDp5", "Content-Type", "application/x-www-form-urlencoded")
		}, csrfTokenMsg},
		{"an Authorization header on a HeaderAuth route exempts from the token check", headerAuthForm, func(s csrfSession) *http.Request {
			return csrfWithHeaders(httptest.NewRequest(http.MethodPost, "/form", strings.NewReader(`{}`)), "Authorization", "Bearer abc", "Content-Type", "application/json")
		}, ""},
		{"an Authorization header on a HeaderAuth route exempts even when the cookie is sent too", headerAuthForm, func(s csrfSession) *http.Request {
			return csrfWithHeaders(csrfHeaderRequest(http.MethodDelete, s.cookie, ""), "Authorization", "Bearer abc")
		}, ""},
		{"an Authorization header does not exempt from the origin check", headerAuthForm, func(s csrfSession) *http.Request {
			return csrfWithHeaders(httptest.NewRequest(http.MethodPost, "/form", nil), "Authorization", "Basic dTpw", "Sec-Fetch-Site", "cross-site")
		}, csrfOriginMsg},
		{"an empty Authorization header exempts nothing", headerAuthForm, func(s csrfSession) *http.Request {
			return csrfWithHeaders(httptest.NewRequest(http.MethodPost, "/form", nil), "Authorization", " ")
		}, csrfTokenMsg},
		{"a route the Skipper skips is not checked", skipWebhooks, func(s csrfSession) *http.Request {
			return csrfWithHeaders(httptest.NewRequest(http.MethodPost, "/webhooks/42", nil), "Sec-Fetch-Site", "cross-site")
		}, ""},
		{"a route the Skipper does not skip is checked", skipWebhooks, func(s csrfSession) *http.Request {
			return httptest.NewRequest(http.MethodPut, "/webhooks/42", nil)
		}, csrfTokenMsg},
		{"a custom field name is read", func(cfg *middleware.CSRFConfig) { cfg.FieldName = "tok" }, func(s csrfSession) *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/form", strings.NewReader("tok="+url.QueryEscape(s.token)))
			r.Header.Set(echo.HeaderContentType, echo.MIMEApplicationForm)
			r.AddCookie(s.cookie)
			return r
		}, ""},
		{"a custom header name is read", func(cfg *middleware.CSRFConfig) { cfg.HeaderName = "X-XSRF" }, func(s csrfSession) *http.Request {
			return csrfWithHeaders(csrfHeaderRequest(http.MethodPost, s.cookie, ""), "X-XSRF", s.token)
		}, ""},
	}
	for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete, "PROPFIND"} {
		cases = append(cases,
			csrfCase{m + " without a token is refused", nil, func(s csrfSession) *http.Request { return csrfHeaderRequest(m, s.cookie, "") }, csrfTokenMsg},
			csrfCase{m + " with a valid token passes", nil, func(s csrfSession) *http.Request { return csrfHeaderRequest(m, s.cookie, s.token) }, ""},
		)
	}
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace} {
		cases = append(cases, csrfCase{m + " is not checked, even cross-site", nil, func(s csrfSession) *http.Request {
			return csrfWithHeaders(httptest.NewRequest(m, "/form", nil), "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		}, ""})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := middleware.DefaultCSRFConfig
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			a := newCSRFApp(t, cfg)
			cookie, token := a.visit(t, nil)
			_, other := a.visit(t, nil)
			a.calls, a.lastErr = 0, nil
			rec := serve(a.e, tc.req(csrfSession{cookie: cookie, token: token, otherToken: other}))
			checkCSRFOutcome(t, a, rec, tc.want)
		})
	}
}
