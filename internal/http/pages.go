package http

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

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

// handleLanding renders the landing page.
func handleLanding(assets views.AssetURLs) echo.HandlerFunc {
	return func(c echo.Context) error {
		page := views.Page{Assets: assets, Path: c.Request().URL.Path}
		return render(c, http.StatusOK, pages.Landing(page))
	}
}
