package http

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/backends"
	"github.com/rampart-dev/rampart/internal/auth/perms"
)

// apiUserContextKey holds the *backends.User a request authenticated as.
const apiUserContextKey = "rampart.api_user"

// requestMetaKey carries the account.RequestMeta of a request into
// backends, which see only the *http.Request.
type requestMetaKey struct{}

// requestMetaFrom returns the RequestMeta requireAuth stored in ctx.
func requestMetaFrom(ctx context.Context) account.RequestMeta {
	m, _ := ctx.Value(requestMetaKey{}).(account.RequestMeta)
	return m
}

// apiUser returns who an /api request authenticated as (after requireAuth).
func apiUser(c echo.Context) (*backends.User, bool) {
	u, ok := c.Get(apiUserContextKey).(*backends.User)
	return u, ok && u != nil
}

// requireAuth authenticates a request with the first backend that
// recognises its credentials (backends.Chain): success puts the user in the
// context (and a per-request permission cache in the request's context);
// credentials that a backend refuses stop there with its status (401, 429,
// 503); no credentials at all is a 401 carrying one WWW-Authenticate header
// per scheme the backends offer. Protecting a route is one line:
//
//	api.GET("/v1/things", handleThings(...), requireAuth(chain...))
func requireAuth(bs ...backends.Backend) echo.MiddlewareFunc {
	challenges := backends.Challenges(bs...)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			req = req.WithContext(context.WithValue(req.Context(), requestMetaKey{}, requestMeta(c)))
			c.SetRequest(req)
			u, err := backends.Chain(req.Context(), req, bs...)
			var f *backends.Failure
			switch {
			case err == nil:
				c.Set(apiUserContextKey, u)
				c.SetRequest(req.WithContext(perms.WithCache(req.Context())))
				return next(c)
			case errors.Is(err, backends.ErrNoCredentials):
				for _, ch := range challenges {
					c.Response().Header().Add(echo.HeaderWWWAuthenticate, ch)
				}
				return newAPIError(http.StatusUnauthorized, "unauthorized", "Authentication required: send an API key or a token as a Bearer token, or Basic credentials.")
			case errors.As(err, &f):
				if f.Status == http.StatusUnauthorized {
					for _, ch := range challenges {
						c.Response().Header().Add(echo.HeaderWWWAuthenticate, ch)
					}
				}
				if f.RetryAfter > 0 {
					c.Response().Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+999_999_999)/1_000_000_000)))
				}
				if f.Status >= 500 {
					return echo.NewHTTPError(f.Status).SetInternal(f)
				}
				return newAPIError(f.Status, f.Code, f.Message)
			}
			return err
		}
	}
}

// requireScope refuses (403) credentials without scope, such as a read-only
// API key on a write route. It goes after requireAuth.
func requireScope(scope string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if u, ok := apiUser(c); ok && u.HasScope(scope) {
				return next(c)
			}
			return newAPIError(http.StatusForbidden, "insufficient_scope", "This credential lacks the "+strconv.Quote(scope)+" scope.")
		}
	}
}

// requireWriteForUnsafe is requireScope("write") for every method but GET,
// HEAD and OPTIONS, and requireScope("read") for those (DESIGN.md: a key
// without write gets 403 on unsafe methods).
func requireWriteForUnsafe(next echo.HandlerFunc) echo.HandlerFunc {
	read, write := requireScope(backends.ScopeRead)(next), requireScope(backends.ScopeWrite)(next)
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return read(c)
		}
		return write(c)
	}
}

// requirePerm refuses (403) users who do not hold codename, directly or
// through a group. It goes after requireAuth, whose per-request cache makes
// several checks cost one query.
func requirePerm(store *perms.Store, codename string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u, ok := apiUser(c)
			if !ok {
				return newAPIError(http.StatusForbidden, "forbidden", "Permission "+strconv.Quote(codename)+" required.")
			}
			has, err := store.Has(c.Request().Context(), u.ID, codename)
			if err != nil {
				return err
			}
			if !has {
				return newAPIError(http.StatusForbidden, "forbidden", "Permission "+strconv.Quote(codename)+" required.")
			}
			return next(c)
		}
	}
}
