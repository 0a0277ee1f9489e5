package http

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// Context keys of what loadSession found.
const (
	userContextKey    = "rampart.user"
	sessionContextKey = "rampart.session"
	tokenContextKey   = "rampart.session_token"
)

// maxSessionTokenLen bounds the cookie value looked up in the database; a
// real token is 43 characters (32 bytes, base64url).
const maxSessionTokenLen = 128

// tokenCookie writes and reads a cookie that carries a random token: the
// session cookie of DESIGN.md, and the second-step cookie of a login. The
// bare name in development and test, the "__Host-" name (Secure) in
// production; always HttpOnly, SameSite=Lax, Path=/, no Domain, Max-Age
// maxAge.
type tokenCookie struct {
	name   string
	secure bool
	maxAge time.Duration
}

// newSessionCookie is the session cookie: "session" or "__Host-session",
// living as long as a session can.
func newSessionCookie(production bool) tokenCookie {
	if production {
		return tokenCookie{name: session.SecureCookieName, secure: true, maxAge: session.AbsoluteTimeout}
	}
	return tokenCookie{name: session.CookieName, maxAge: session.AbsoluteTimeout}
}

// read returns the first well-formed value of the cookie in r, and whether
// r carried a cookie of that name at all.
func (k tokenCookie) read(r *http.Request) (token string, present bool) {
	for _, ck := range r.CookiesNamed(k.name) {
		present = true
		if wellFormedToken(ck.Value) {
			return ck.Value, true
		}
	}
	return "", present
}

func (k tokenCookie) cookie(value string, maxAge int) *http.Cookie {
	// #nosec G124 -- HttpOnly and SameSite=Lax always; Secure is set in production (plain HTTP in development).
	return &http.Cookie{
		Name: k.name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: k.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

// set gives the browser a new token.
func (k tokenCookie) set(c echo.Context, token string) {
	c.SetCookie(k.cookie(token, int(k.maxAge/time.Second)))
}

// clear tells the browser to drop the cookie.
func (k tokenCookie) clear(c echo.Context) {
	c.SetCookie(k.cookie("", -1))
}

// wellFormedToken accepts what a token can look like (base64url, maybe
// padded) so garbage never reaches the database.
func wellFormedToken(v string) bool {
	if v == "" || len(v) > maxSessionTokenLen {
		return false
	}
	for i := 0; i < len(v); i++ {
		switch b := v[i]; {
		case b >= 'A' && b <= 'Z', b >= 'a' && b <= 'z', b >= '0' && b <= '9', b == '-', b == '_', b == '=':
		default:
			return false
		}
	}
	return true
}

// loadSession resolves the session cookie to the signed-in user and their
// session, which it leaves in the context for currentUser, currentSession,
// the CSRF session binding and the handlers. A cookie that names no live
// session (expired, revoked, forged) is cleared. Requests that never show
// a page (probes, assets, webhooks, unknown routes, API calls with an
// Authorization header) skip the lookup; API calls without one may be the
// site's own scripts, whose unsafe requests CSRF checks against the
// session. It runs before CSRF, which binds tokens to the session it found.
func loadSession(accounts *account.Service, cookie tokenCookie) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if sessionSkipped(c) {
				return next(c)
			}
			token, present := cookie.read(c.Request())
			if token == "" {
				if present {
					cookie.clear(c)
				}
				return next(c)
			}
			user, sess, err := accounts.CurrentUser(c.Request().Context(), token)
			switch {
			case errors.Is(err, account.ErrNotFound), errors.Is(err, session.ErrNotFound):
				cookie.clear(c)
			case err != nil:
				return err
			default:
				c.Set(userContextKey, user)
				c.Set(sessionContextKey, sess)
				c.Set(tokenContextKey, token)
			}
			return next(c)
		}
	}
}

func sessionSkipped(c echo.Context) bool {
	r := c.Request()
	p := r.URL.Path
	return p == "/health" || p == "/ready" || p == "/metrics" || p == "/csp-report" ||
		strings.HasPrefix(p, "/static/") || strings.HasPrefix(p, "/webhooks/") ||
		(strings.HasPrefix(p, "/api/") && r.Header.Get(echo.HeaderAuthorization) != "") || routeMissing(c)
}

// currentUser returns the signed-in user of c.
func currentUser(c echo.Context) (account.User, bool) {
	u, ok := c.Get(userContextKey).(account.User)
	return u, ok
}

// currentSession returns the session c was made with.
func currentSession(c echo.Context) (session.Session, bool) {
	s, ok := c.Get(sessionContextKey).(session.Session)
	return s, ok
}

// sessionToken returns the session cookie value of a signed-in request.
func sessionToken(c echo.Context) (string, bool) {
	t, ok := c.Get(tokenContextKey).(string)
	return t, ok && t != ""
}

// csrfSessionBinding binds CSRF tokens to the session id, so logging in or
// out changes every token and a token never works in another session.
// renewSession gives the current session a new cookie value after a
// privilege change (the old value stops working) and sets the cookie.
// Tokens rendered for CSRF stay valid: they are bound to the session's id,
// which does not change.
func renewSession(c echo.Context, accounts *account.Service, u ui) error {
	user, _ := currentUser(c)
	sess, ok := currentSession(c)
	if !ok {
		return nil
	}
	token, err := accounts.RenewSession(c.Request().Context(), user.ID, sess.ID)
	if err != nil {
		return err
	}
	u.cookie.set(c, token)
	return nil
}

func csrfSessionBinding(c echo.Context) (string, bool) {
	s, ok := currentSession(c)
	if !ok {
		return "", false
	}
	return s.ID.String(), true
}

// requireUser lets signed-in requests through. Others are sent to the login
// page: a GET or HEAD with 303 to /login?next=<this page>, anything else
// refused with 401 (its form could not have carried a valid token anyway).
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if _, ok := currentUser(c); ok {
			return next(c)
		}
		req := c.Request()
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			return echo.NewHTTPError(http.StatusUnauthorized, "Your session has ended. Please log in again.")
		}
		noStore(c)
		return c.Redirect(http.StatusSeeOther, "/login?"+url.Values{"next": {req.URL.RequestURI()}}.Encode())
	}
}

// requireAdmin refuses, with 403, signed-in users without the admin.access
// permission. It goes after the address filter and requireUser.
func requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u, ok := currentUser(c); !ok || !u.IsAdmin {
			return echo.NewHTTPError(http.StatusForbidden, "This page is for administrators.")
		}
		return next(c)
	}
}

// maxUserAgentLen is as much of a User-Agent header as is recorded.
const maxUserAgentLen = 512

// requestMeta describes who asked, for sessions and the audit log.
func requestMeta(c echo.Context) account.RequestMeta {
	return account.RequestMeta{
		IP:        c.RealIP(),
		UserAgent: truncateUTF8(c.Request().UserAgent(), maxUserAgentLen),
		RequestID: middleware.RequestIDFromContext(c.Request().Context()),
	}
}
