package http

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// render writes a templ component as an HTML response with status. Pages
// are never stored by caches: they carry CSRF tokens and session state.
func render(c echo.Context, status int, component templ.Component) error {
	noStore(c)
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return component.Render(c.Request().Context(), c.Response())
}

// ui is what page handlers share: asset URLs for the layout, the flash
// messages, the session cookie and the second-step cookie.
type ui struct {
	assets    views.AssetURLs
	flashes   *flashes
	cookie    tokenCookie // the session
	challenge tokenCookie // a login's second step
}

// page is the frame of the page c is about to render: the signed-in user,
// a CSRF token for its forms (bound to the session, or to the pre-session
// cookie) and the flash messages, which it consumes.
func (u ui) page(c echo.Context, title string) views.Page {
	p := views.Page{
		Title:     title,
		Assets:    u.assets,
		Path:      c.Request().URL.Path,
		CSRFToken: middleware.CSRFToken(c),
		Flashes:   u.flashes.take(c),
	}
	if user, ok := currentUser(c); ok {
		p.User = &views.CurrentUser{Email: user.Email, EmailVerified: user.EmailVerified, IsAdmin: user.IsAdmin}
	}
	return p
}

// redirect answers 303 See Other to a local path, never cached.
func redirect(c echo.Context, to string) error {
	noStore(c)
	return c.Redirect(http.StatusSeeOther, to)
}

// handleLanding renders the landing page.
func handleLanding(u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		return render(c, http.StatusOK, pages.Landing(u.page(c, "")))
	}
}
