package http

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDocument describes every /api route (a test keeps it true).
//
//go:embed openapi.json
var openAPIDocument []byte

// handleOpenAPI answers GET /api/openapi.json.
func handleOpenAPI() echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=300")
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDocument)
	}
}
