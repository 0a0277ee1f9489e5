package http

import (
	"net/netip"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// addRoutes is the whole URL surface of Rampart, grouped by the guard each
// group sits behind. Read top to bottom: every request passes the global
// stack, then the group's own middleware, then the handler.
func addRoutes(e *echo.Echo, opts Options, m *metrics) {
	// Global stack, outermost first: the request id exists before anything
	// logs; the access log sees the final status; panics become 500s inside it.
	e.Use(
		middleware.RequestID(),
		m.middleware(),
		middleware.AccessLog(opts.Logger),
		middleware.Recover(opts.Logger),
	)

	// Probes and assets: no session, no CSRF.
	e.GET("/health", handleHealth())
	e.GET("/ready", handleReady(opts.Pool, opts.Redis))
	e.GET("/static/*", echo.WrapHandler(opts.Assets.Handler()))

	// Operators only: the address check runs before anything else.
	ops := e.Group("", middleware.IPFilter(opts.AdminAllowedCIDRs))
	ops.GET("/metrics", m.handler())

	// Public pages.
	e.GET("/", handleLanding(opts.Assets))
}

func trustedIPExtractor(trusted []netip.Prefix) echo.IPExtractor {
	return middleware.NewIPExtractor(trusted)
}
