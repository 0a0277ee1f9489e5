package middleware

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"golang.org/x/net/http/httpguts"
)

// CSRFConfig configures CSRF. Key is required; every other field has a
// default (DefaultCSRFConfig).
type CSRFConfig struct {
	Skipper echomw.Skipper
	// Key is the HMAC-SHA256 key tokens are signed with, at least 32 bytes.
	// The app derives it from SECRET_KEY (HKDF, purpose "csrf"); it is copied
	// at construction.
	Key []byte
	// CookieName names the pre-session binding cookie (default "csrf"). Give
	// the bare name: with Secure the cookie is "__Host-" + CookieName.
	CookieName string
	// Secure marks the binding cookie Secure and names it with the __Host-
	// prefix (Path=/, no Domain), so neither a plain-HTTP response nor a
	// sibling subdomain can plant one. Turn it on in production.
	Secure bool
	// CookieMaxAge is the binding cookie's lifetime (default one year, so a
	// form left open in a tab still submits); a negative value makes it a
	// browser-session cookie.
	CookieMaxAge time.Duration
	// FieldName is the form field carrying the token (default "csrf_token",
	// the name views/components.CSRFField renders).
	FieldName string
	// HeaderName is the request header carrying the token (default
	// "X-CSRF-Token"), for fetch/XHR requests.
	HeaderName string
	// TrustedOrigins are origins ("https://app.example.com", scheme://host[:port],
	// an optional trailing "/" allowed) accepted besides the request's own;
	// the app passes APP_BASE_URL's origin. Anything else panics.
	TrustedOrigins []string
	// TrustedProxies are the peers whose X-Forwarded-Proto is believed when
	// working out the request's own origin (the app passes TRUSTED_PROXIES).
	// An invalid prefix panics.
	TrustedProxies []netip.Prefix
	// SessionBinding, when it returns ok with a non-empty value (a session
	// id), binds tokens to that value instead of the pre-session cookie, so
	// logging in or out changes every token. It is called by the middleware
	// and by every CSRFToken call, so it must be cheap: read what the session
	// middleware put in the context, never the database.
	SessionBinding func(c echo.Context) (binding string, ok bool)
	// HeaderAuth reports whether c is a request its handler authenticates
	// by the Authorization header alone, never by a cookie (an API route):
	// such a request, when it carries a non-empty Authorization header,
	// skips the token check (a browser cannot attach one cross-origin
	// without a CORS preflight), not the origin check. nil exempts nothing:
	// on a page authenticated by a cookie, an Authorization header must not
	// switch the check off. CSRFHeaderAuthUnder covers a path prefix.
	HeaderAuth func(c echo.Context) bool
}

// CSRFHeaderAuthUnder returns a CSRFConfig.HeaderAuth for the routes under
// prefix (e.g. "/api/"), whose handlers authenticate by the Authorization
// header whenever one is sent.
func CSRFHeaderAuthUnder(prefix string) func(c echo.Context) bool {
	return func(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, prefix) }
}

// DefaultCSRFConfig holds every default except the Key, which has none.
var DefaultCSRFConfig = CSRFConfig{
	Skipper:      echomw.DefaultSkipper,
	CookieName:   "csrf",
	CookieMaxAge: 365 * 24 * time.Hour,
	FieldName:    "csrf_token",
	HeaderName:   "X-CSRF-Token",
}

// ErrCSRFToken is the internal error (errors.Is through the *echo.HTTPError)
// of a refusal for a missing or invalid token.
var ErrCSRFToken = errors.New("csrf: missing or invalid token")

// ErrCSRFOrigin is the internal error of a refusal by the Origin /
// Sec-Fetch-Site check.
var ErrCSRFOrigin = errors.New("csrf: cross-site request")

const (
	csrfTokenMessage  = "The form has expired or was not sent by this site. Reload the page and try again." // #nosec G101 -- a user-facing message, not a credential
	csrfOriginMessage = "Cross-site request refused."
	csrfContextKey    = "rampart.csrf"
	csrfBindingLen    = 32
)

// csrfRequest is what the middleware leaves in the echo context for CSRFToken.
type csrfRequest struct {
	signer  *csrfSigner
	cookie  string // "" until the request sent a valid one or a token needed one
	session func(echo.Context) (string, bool)
	issue   func(c echo.Context) string
}

// binding is the value tokens of c are bound to, tagged by kind so a session
// id can never collide with a cookie value. ok is false when there is
// neither a session nor a binding cookie: nothing can verify then.
func (r *csrfRequest) binding(c echo.Context) (string, bool) {
	if r.session != nil {
		if s, ok := r.session(c); ok && s != "" {
			return "session:" + s, true
		}
	}
	return "cookie:" + r.cookie, r.cookie != ""
}

// mintBinding is binding for minting: a request without a binding cookie
// gets one now, so the token it carries can come back.
func (r *csrfRequest) mintBinding(c echo.Context) string {
	if b, ok := r.binding(c); ok {
		return b
	}
	r.cookie = r.issue(c)
	return "cookie:" + r.cookie
}

// CSRF returns the middleware with DefaultCSRFConfig and key.
func CSRF(key []byte) echo.MiddlewareFunc {
	cfg := DefaultCSRFConfig
	cfg.Key = key
	return CSRFWithConfig(cfg)
}

// CSRFWithConfig protects against cross-site request forgery.
//
// Tokens are bound to the SessionBinding value when it reports one, else to
// a random pre-session cookie (32 bytes, base64url, HttpOnly, SameSite=Lax,
// Path=/). The cookie is issued lazily, by the first CSRFToken call of a
// request that lacks a valid one (so responses without a form carry no
// Set-Cookie), and never re-issued while it is valid.
//
// Unsafe methods (all but GET, HEAD, OPTIONS and TRACE) are then checked, and
// refused with a 403 *echo.HTTPError before anything downstream runs:
//  1. Origin: a Sec-Fetch-Site header must be same-origin or none (same-site
//     only with an Origin in TrustedOrigins); an Origin header must be the
//     request's own origin or a trusted one ("null" never is). Refusal wraps
//     ErrCSRFOrigin: "Cross-site request refused."
//  2. Token: the HeaderName header, else the FieldName field of an
//     application/x-www-form-urlencoded or multipart/form-data body (never
//     the query string), must verify for the binding. Refusal wraps
//     ErrCSRFToken: "The form has expired or was not sent by this site.
//     Reload the page and try again."
//
// A request with a non-empty Authorization header skips the token check
// (a browser cannot attach one cross-origin without a CORS preflight), not
// the origin check, only where HeaderAuth says its handler authenticates by
// that header alone; elsewhere the header changes nothing, so a cookie-
// authenticated form can never be exempted by adding one. Routes such as
// webhooks and CSP reports are exempted through the Skipper by the app.
//
// It panics when Key is shorter than 32 bytes, a name is invalid, a trusted
// origin is not an origin or a proxy prefix is invalid.
func CSRFWithConfig(cfg CSRFConfig) echo.MiddlewareFunc {
	cfg = csrfDefaults(cfg)
	signer := newCSRFSigner(cfg.Key)
	origins := newOriginPolicy(cfg.TrustedOrigins, cfg.TrustedProxies)
	cookieName := csrfCookieName(cfg)
	issue := func(c echo.Context) string {
		value := newCSRFBinding()
		c.SetCookie(csrfCookie(cfg, cookieName, value))
		return value
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper(c) {
				return next(c)
			}
			req := c.Request()
			value, _ := bindingCookie(req, cookieName)
			state := &csrfRequest{signer: signer, cookie: value, session: cfg.SessionBinding, issue: issue}
			c.Set(csrfContextKey, state)
			if safeMethod(req.Method) {
				return next(c)
			}
			if !origins.allows(req) {
				return echo.NewHTTPError(http.StatusForbidden, csrfOriginMessage).SetInternal(ErrCSRFOrigin)
			}
			if !headerAuthenticated(c, cfg.HeaderAuth) {
				binding, ok := state.binding(c)
				if !ok || !signer.verify(binding, submittedToken(req, cfg)) {
					return echo.NewHTTPError(http.StatusForbidden, csrfTokenMessage).SetInternal(ErrCSRFToken)
				}
			}
			return next(c)
		}
	}
}

// headerAuthenticated reports whether c carries a non-empty Authorization
// header on a route that authenticates by it alone.
func headerAuthenticated(c echo.Context, headerAuth func(echo.Context) bool) bool {
	if headerAuth == nil || strings.TrimSpace(c.Request().Header.Get(echo.HeaderAuthorization)) == "" {
		return false
	}
	return headerAuth(c)
}

// CSRFToken returns a fresh token for c's current binding: each call differs
// (a new random mask, so the token is safe to put in compressed HTML), and
// every token of the same binding verifies. It costs one HMAC and no I/O.
// It returns "" when the CSRF middleware did not run for c (not on the route,
// or skipped); a form carrying "" is refused, so the mistake fails closed.
func CSRFToken(c echo.Context) string {
	state, ok := c.Get(csrfContextKey).(*csrfRequest)
	if !ok {
		return ""
	}
	return state.signer.mint(state.mintBinding(c))
}

func csrfDefaults(cfg CSRFConfig) CSRFConfig {
	if len(cfg.Key) < 32 {
		panic("middleware: CSRF needs a Key of at least 32 bytes")
	}
	d := DefaultCSRFConfig
	if cfg.Skipper == nil {
		cfg.Skipper = d.Skipper
	}
	if cfg.CookieName == "" {
		cfg.CookieName = d.CookieName
	}
	if cfg.CookieMaxAge == 0 {
		cfg.CookieMaxAge = d.CookieMaxAge
	}
	if cfg.FieldName == "" {
		cfg.FieldName = d.FieldName
	}
	if cfg.HeaderName == "" {
		cfg.HeaderName = d.HeaderName
	}
	if strings.HasPrefix(strings.ToLower(cfg.CookieName), "__host-") || strings.HasPrefix(strings.ToLower(cfg.CookieName), "__secure-") {
		panic("middleware: CSRF CookieName must be the bare name; Secure adds the __Host- prefix")
	}
	// #nosec G124 -- a throwaway cookie that only checks the name; csrfCookie builds the one sent.
	if (&http.Cookie{Name: cfg.CookieName, Value: "x"}).Valid() != nil {
		panic("middleware: CSRF CookieName is not a valid cookie name")
	}
	if !httpguts.ValidHeaderFieldName(cfg.HeaderName) {
		panic("middleware: CSRF HeaderName is not a valid header name")
	}
	return cfg
}

func csrfCookieName(cfg CSRFConfig) string {
	if cfg.Secure {
		return "__Host-" + cfg.CookieName
	}
	return cfg.CookieName
}

func csrfCookie(cfg CSRFConfig, name, value string) *http.Cookie {
	// #nosec G124 -- HttpOnly and SameSite=Lax always; Secure follows cfg.Secure, true in production
	// (DESIGN.md: the development server runs on plain http://localhost).
	ck := &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		Secure:   cfg.Secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if cfg.CookieMaxAge > 0 {
		ck.MaxAge = int(cfg.CookieMaxAge / time.Second)
	}
	return ck
}

// bindingCookie returns the first cookie named name that holds a well-formed
// binding (32 bytes, unpadded base64url).
func bindingCookie(r *http.Request, name string) (string, bool) {
	for _, ck := range r.CookiesNamed(name) {
		var b [csrfBindingLen + 1]byte
		n, err := base64.RawURLEncoding.Strict().Decode(b[:], []byte(ck.Value))
		if err == nil && n == csrfBindingLen && len(ck.Value) == base64.RawURLEncoding.EncodedLen(csrfBindingLen) {
			return ck.Value, true
		}
	}
	return "", false
}

func newCSRFBinding() string {
	var b [csrfBindingLen]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func safeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// submittedToken reads the token from the header, else from the body of a
// form. Tokens are never taken from the query string: URLs end up in logs,
// histories and Referer headers.
func submittedToken(r *http.Request, cfg CSRFConfig) string {
	if t := r.Header.Get(cfg.HeaderName); t != "" {
		return t
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err != nil || (mt != echo.MIMEApplicationForm && mt != echo.MIMEMultipartForm) {
		return ""
	}
	return r.PostFormValue(cfg.FieldName)
}
