package http

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/backends"
	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/internal/inbound"
)

// addRoutes is the whole URL surface of Rampart, grouped by the guard each
// group sits behind. Read top to bottom: every request passes the global
// stack, then its group's middleware, then the handler.
func addRoutes(e *echo.Echo, opts Options, m *metrics) {
	limits := newLimiters(opts, m)
	u := ui{
		assets: opts.Assets, flashes: newFlashes(opts.CSRFKey, opts.Production),
		cookie: newSessionCookie(opts.Production), challenge: newChallengeCookie(opts.Production),
	}

	// Global stack, outermost first. The request id exists before anything
	// logs; metrics and the access log see the final status; panics become
	// 500s inside them; security headers are set before any handler or error
	// page writes; the body cap and the per-IP limit come before any work;
	// the session is loaded before CSRF, which binds tokens to it; CSRF
	// guards every unsafe web request.
	stack := []echo.MiddlewareFunc{
		middleware.RequestID(),
		m.middleware(),
		middleware.AccessLog(opts.Logger),
		middleware.Recover(opts.Logger),
		middleware.SecureHeadersWithConfig(secureHeadersConfig(opts)),
		requestTimeout(defaultRequestTimeout),
		middleware.BodyLimit(defaultBodyLimit),
		limits.global,
	}
	if opts.Accounts != nil {
		stack = append(stack, loadSession(opts.Accounts, u.cookie))
	}
	e.Use(append(stack, middleware.CSRFWithConfig(csrfConfig(opts)))...)

	// Probes and assets: no limit, no session.
	getAndHead(e, "/health", handleHealth())
	getAndHead(e, "/ready", handleReady(opts.Pool, opts.Redis))
	assets := echo.WrapHandler(opts.Assets.Handler())
	getAndHead(e, "/static/*", func(c echo.Context) error {
		if !opts.Assets.Has(c.Request().URL.Path) {
			return echo.ErrNotFound // the app's error page, not a bare one
		}
		return assets(c)
	})

	// Operators only: the address check runs before anything else. It is
	// route middleware, not a Group("", ...): Echo v4's Group.Use registers a
	// catch-all for the group's prefix, which for "" would put the filter in
	// front of every unknown path (403 instead of 404 for everyone else).
	operatorsOnly := middleware.IPFilter(opts.AdminAllowedCIDRs)
	e.GET("/metrics", m.handler(), operatorsOnly)

	// Browser reports: no CSRF (browsers send them without tokens), their
	// own small limit, a small body cap.
	e.POST("/csp-report", handleCSPReport(opts.Logger, m), limits.cspReport)

	// Public pages.
	getAndHead(e, "/", handleLanding(u))
	if opts.Accounts != nil {
		addAccountRoutes(e, opts.Accounts, u, limits.auth, operatorsOnly)
	}
	if opts.Accounts != nil && opts.APIKeys != nil {
		keys := apiKeyPages{keys: opts.APIKeys, u: u}
		if opts.BaseURL != nil {
			keys.baseURL = opts.BaseURL.String()
		}
		// A new key is a sensitive change: sudo mode.
		getAndHead(e, pathAPIKeys, keys.handleList, requireUser)
		e.POST(pathAPIKeys, keys.handleCreate, requireUser, requireSudo(pathAPIKeys))
		e.POST(pathAPIKeys+"/:id/revoke", keys.handleRevoke, requireUser)
	}
	if opts.Accounts != nil && opts.Webhooks != nil {
		addWebhookRoutes(e, opts.Webhooks, u, limits)
	}

	// Development only: the mailbox that reads the mail outbox. Not
	// registered in production, so there these paths are 404.
	if !opts.Production {
		getAndHead(e, "/dev/mail", handleDevMailIndex(opts.Pool, opts.Assets))
		getAndHead(e, "/dev/mail/messages", handleDevMailMessages(opts.Pool))
		getAndHead(e, "/dev/mail/:id/html", handleDevMailHTML(opts.Pool))
	}

	// JSON API: CORS for the allowed origins; authenticated by headers, so
	// CSRF does not apply (cookie-authenticated API calls never skip it).
	// The group applies CORS to every /api path, unknown ones included, so
	// browsers get a proper preflight answer and a JSON 404.
	api := e.Group("/api", middleware.CORSWithConfig(corsConfig(opts)))
	api.GET("/openapi.json", handleOpenAPI())
	if opts.Accounts != nil && opts.APIKeys != nil && opts.Tokens != nil && opts.Perms != nil {
		addAPIRoutes(api, opts, u, limits)
	}
	// The group's catch-all would answer 404 even where only the method is
	// wrong; this one tells 404 from 405 as Echo does outside a group.
	api.RouteNotFound("/*", apiRouteMissing(e))
}

// apiMethods are the methods apiRouteMissing looks for.
var apiMethods = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
}

// apiRouteMissing answers an /api path that no route serves with the
// request's method: 405 with Allow when other methods are served there (a
// plain OPTIONS gets 204 with Allow), else 404.
func apiRouteMissing(e *echo.Echo) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		allow := make([]string, 0, len(apiMethods)+1)
		for _, m := range apiMethods {
			probe := e.NewContext(r, nil)
			e.Router().Find(m, echo.GetPath(r), probe)
			if p := probe.Path(); p != "" && p != "/api/*" && p != "/api" && probe.Get(echo.ContextKeyHeaderAllow) == nil {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			return echo.ErrNotFound
		}
		c.Response().Header().Set(echo.HeaderAllow, strings.Join(append(allow, http.MethodOptions), ", "))
		if r.Method == http.MethodOptions {
			return c.NoContent(http.StatusNoContent)
		}
		return echo.ErrMethodNotAllowed
	}
}

// apiRealm names the protection space in WWW-Authenticate challenges.
const apiRealm = "rampart"

// addAPIRoutes registers the JSON API. The token endpoints sit behind the
// auth rate limit (each is a login or a token check); everything else
// behind authentication (API key, access token, Basic, or the browser's
// session — then with CSRF), the per-credential limit, and the scope rule
// (read for safe methods, write for the others). A new protected route is
// one line: api.GET("/v1/things", handleThings(...), authed...).
func addAPIRoutes(api *echo.Group, opts Options, u ui, limits limiters) {
	a, keys, tokens := opts.Accounts, opts.APIKeys, opts.Tokens
	chain := []backends.Backend{
		&backends.APIKey{Realm: apiRealm, Keys: keys},
		&backends.JWT{Realm: apiRealm, Tokens: tokens},
		&backends.Basic{
			Realm: apiRealm, Accounts: a, Allow: limits.basic,
			Meta: func(r *http.Request) account.RequestMeta { return requestMetaFrom(r.Context()) },
		},
		&backends.Session{CookieName: u.cookie.name, Lookup: a.CurrentUser},
	}
	authed := []echo.MiddlewareFunc{requireAuth(chain...), limits.api, requireWriteForUnsafe}

	api.POST("/v1/auth/token", handleToken(a, tokens), limits.auth)
	api.POST("/v1/auth/refresh", handleRefresh(tokens), limits.auth)
	api.POST("/v1/auth/revoke", handleRevoke(tokens), limits.auth)

	api.GET("/v1/me", handleMe(a), authed...)
	api.GET("/v1/api-keys", handleAPIKeyList(keys), authed...)
	api.POST("/v1/api-keys", handleAPIKeyCreate(keys, tokens), authed...)
	api.DELETE("/v1/api-keys/:id", handleAPIKeyRevoke(keys), authed...)
}

// addAccountRoutes registers the pages of accounts: sign-up, login (with
// its second step and magic links) and password reset for anyone (their
// POSTs behind the auth rate limit), the mailed links, the signed-in pages
// (the sensitive ones in sudo mode), and /admin, where the address filter
// runs first, then the sign-in check, then the admin.access permission.
func addAccountRoutes(e *echo.Echo, a *account.Service, u ui, authLimit, operatorsOnly echo.MiddlewareFunc) {
	// Anyone.
	getAndHead(e, "/signup", handleSignupPage(u))
	e.POST("/signup", handleSignup(a, u), authLimit)
	getAndHead(e, "/signup/sent", handleSignupSent(u))
	getAndHead(e, "/login", handleLoginPage(u))
	e.POST("/login", handleLogin(a, u), authLimit)
	e.POST("/logout", handleLogout(a, u))
	getAndHead(e, "/password/forgot", handleForgotPage(u))
	e.POST("/password/forgot", handleForgot(a, u), authLimit)
	getAndHead(e, "/password/forgot/sent", handleForgotSent(u))
	getAndHead(e, "/login/2fa", handleLoginTwoFactorPage(a, u))
	e.POST("/login/2fa", handleLoginTwoFactor(a, u), authLimit)
	getAndHead(e, "/login/magic", handleMagicLinkPage(u))
	e.POST("/login/magic", handleMagicLink(a, u), authLimit)
	getAndHead(e, "/login/magic/sent", handleMagicLinkSent(u))

	// Mailed links. They change state, so GET only: a HEAD from a link
	// checker must not use them up. Every answer about them, even a 429,
	// keeps the signed URL out of Referer headers.
	e.GET("/verify-email", handleVerifyEmail(a, u), originOnlyReferrer)
	e.GET("/account/unlock", handleUnlock(a, u), originOnlyReferrer)
	e.GET("/password/reset", handleResetPage(a, u), originOnlyReferrer)
	e.POST("/password/reset", handleReset(a, u), originOnlyReferrer, authLimit)
	e.GET("/login/magic/verify", handleMagicVerifyPage(a, u), originOnlyReferrer)
	e.POST("/login/magic/verify", handleMagicVerify(a, u), originOnlyReferrer, authLimit)

	// Signed in.
	getAndHead(e, "/account", handleAccount(a, u), requireUser)
	e.POST("/account/password", handlePasswordChange(a, u), authLimit, requireUser)
	e.POST("/account/verify/resend", handleResendVerification(a, u), authLimit, requireUser)
	getAndHead(e, "/account/sessions", handleSessions(a, u), requireUser)
	e.POST("/account/sessions/revoke-others", handleSessionsRevokeOthers(a, u), requireUser)
	e.POST("/account/sessions/:id/revoke", handleSessionRevoke(a, u), requireUser)

	// Signed in, and sensitive: 2FA changes need a login or a password
	// confirmation in the last 10 minutes (sudo mode), or the password in
	// the form itself (turning 2FA off, like changing the password).
	getAndHead(e, PathSudo, handleSudoPage(u), requireUser)
	e.POST(PathSudo, handleSudo(a, u), authLimit, requireUser)
	getAndHead(e, "/account/2fa", handleTwoFactorPage(a, u), requireUser)
	e.POST("/account/2fa/enroll", handleEnroll(a, u), requireUser, requireSudo(pathTwoFactor))
	e.POST("/account/2fa/confirm", handleEnrollConfirm(a, u), authLimit, requireUser)
	e.POST("/account/2fa/recovery-codes", handleRegenerateCodes(a, u), requireUser, requireSudo(pathTwoFactor))
	e.POST("/account/2fa/disable", handleDisableTwoFactor(a, u), authLimit, requireUser)

	// Operators: ADMIN_ALLOWED_CIDRS first (403 outside, whoever asks), then
	// a signed-in user with admin.access.
	admin := []echo.MiddlewareFunc{operatorsOnly, requireUser, requireAdmin}
	getAndHead(e, "/admin", handleAdmin(a, u), admin...)
	e.POST("/admin/users/:id/unlock", handleAdminUnlock(a, u), admin...)
	e.POST("/admin/users/:id/end-sessions", handleAdminEndSessions(a, u), admin...)
}

// addWebhookRoutes registers the receiving endpoint — no session, no CSRF
// (the signature is the authentication), its own limit per endpoint, the
// 1 MiB body cap — and the pages that manage endpoints: creating one or
// rotating its secret shows a secret, so both need sudo mode.
func addWebhookRoutes(e *echo.Echo, hooks *inbound.Service, u ui, limits limiters) {
	e.POST("/webhooks/:endpoint_id", handleWebhook(hooks), limits.webhook)

	p := webhookPages{hooks: hooks, u: u}
	sudo := requireSudo(pathWebhooks)
	getAndHead(e, pathWebhooks, p.handleList, requireUser)
	e.POST(pathWebhooks, p.handleCreate, requireUser, sudo)
	getAndHead(e, pathWebhooks+"/:id", p.handleDeliveries, requireUser)
	e.POST(pathWebhooks+"/:id/rotate", p.handleRotate, requireUser, sudo)
	e.POST(pathWebhooks+"/:id/disable", p.handleSetDisabled(true), requireUser)
	e.POST(pathWebhooks+"/:id/enable", p.handleSetDisabled(false), requireUser)
	e.POST(pathWebhooks+"/:id/delete", p.handleDelete, requireUser)
	getAndHead(e, pathWebhooks+"/:id/deliveries/:delivery", p.handleDelivery, requireUser)
	e.POST(pathWebhooks+"/:id/deliveries/:delivery/replay", p.handleReplay, requireUser)
}

// defaultRequestTimeout bounds the work of one request (below the
// server's 60 s WriteTimeout): a database that stops answering without
// closing connections must not hold requests forever.
const defaultRequestTimeout = 30 * time.Second

// requestTimeout gives every request's context a deadline d away: queries
// and calls made with it are cancelled then, and the error handler answers
// 503 "timeout". Once the handler has returned, the request keeps its
// context values without the deadline, so the error handler (which runs
// after the middleware) can still render its page.
func requestTimeout(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			err := next(c)
			r := c.Request()
			c.SetRequest(r.WithContext(context.WithoutCancel(r.Context())))
			return err
		}
	}
}

// defaultBodyLimit caps request bodies (DESIGN.md: 1 MiB for forms and JSON).
const defaultBodyLimit = 1 << 20

// getAndHead registers h for GET and HEAD: Echo v4 does not answer HEAD for
// GET routes by itself, and load balancers and link checkers use it.
func getAndHead(e *echo.Echo, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	e.GET(path, h, m...)
	e.HEAD(path, h, m...)
}

func secureHeadersConfig(opts Options) middleware.SecureHeadersConfig {
	cfg := middleware.SecureHeadersDev()
	if opts.Production {
		cfg = middleware.SecureHeadersStrict()
	}
	cfg.TrustedProxies = opts.TrustedProxies
	return cfg
}

// csrfExempt: requests that cannot carry a token by design — webhooks are
// authenticated by their signature, CSP reports are sent by the browser on
// its own, /api/* is authenticated by headers — and requests that reach no
// handler, which answer 404 or 405 rather than 403.
func csrfExempt(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/webhooks/") || p == "/csp-report" || routeMissing(c)
}

// apiCSRFExempt: an /api request is exempt from CSRF when it carries an
// Authorization header (it authenticates by that, which a forged
// cross-site request cannot set) or no session cookie (nothing ambient to
// abuse). A request that can only be authenticated by the browser's session
// cookie is checked like a form (X-CSRF-Token header).
func apiCSRFExempt(sessionCookieName string) func(c echo.Context) bool {
	return func(c echo.Context) bool {
		r := c.Request()
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			return csrfExempt(c)
		}
		if r.Header.Get(echo.HeaderAuthorization) != "" || routeMissing(c) {
			return true
		}
		_, err := r.Cookie(sessionCookieName)
		return err != nil
	}
}

// routeMissing reports whether the router found no handler for the request:
// Echo's 404 handler, or its 405 handler (which it marks with the Allow
// header value in the context).
func routeMissing(c echo.Context) bool {
	if c.Get(echo.ContextKeyHeaderAllow) != nil {
		return true
	}
	return reflect.ValueOf(c.Handler()).Pointer() == notFoundHandler
}

// notFoundHandler identifies echo.NotFoundHandler, the handler the router
// picks when no route matches.
var notFoundHandler = reflect.ValueOf(echo.NotFoundHandler).Pointer()

func csrfConfig(opts Options) middleware.CSRFConfig {
	cfg := middleware.DefaultCSRFConfig
	cfg.Skipper = apiCSRFExempt(newSessionCookie(opts.Production).name)
	cfg.Key = opts.CSRFKey
	cfg.Secure = opts.Production
	cfg.TrustedProxies = opts.TrustedProxies
	cfg.SessionBinding = csrfSessionBinding
	if opts.BaseURL != nil {
		cfg.TrustedOrigins = []string{opts.BaseURL.Scheme + "://" + opts.BaseURL.Host}
	}
	return cfg
}

func corsConfig(opts Options) middleware.CORSConfig {
	cfg := middleware.DefaultCORSConfig
	cfg.AllowOrigins = opts.CORSAllowedOrigins
	return cfg
}

// noStore marks a response as never cacheable: pages that carry CSRF
// tokens, session state or one-time secrets.
func noStore(c echo.Context) {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
}

// originOnlyReferrer keeps a signed link in the address bar out of the
// Referer of anything the page loads or links to: Referrer-Policy
// strict-origin sends the origin only (never the path and query, which
// carry the token). Not no-referrer: under it browsers send the page's own
// form POST with "Origin: null", which the CSRF check must refuse. The
// header is set before the handler (or a limiter in front of it) writes.
func originOnlyReferrer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Referrer-Policy", "strict-origin")
		return next(c)
	}
}
