package middleware

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
)

// RecoverConfig configures Recover.
type RecoverConfig struct {
	Skipper echomw.Skipper
	Logger  *slog.Logger
	// StackSize bounds the stack trace written to the log (default 8 KiB).
	StackSize int
}

// Recover returns the middleware with logger and the defaults.
func Recover(logger *slog.Logger) echo.MiddlewareFunc {
	return RecoverWithConfig(RecoverConfig{Logger: logger})
}

// RecoverWithConfig turns a panic in a handler into a 500 error handled by the
// error handler (so the client sees a generic page with the request id), and
// logs the panic value and stack with the request's context. The stack never
// reaches the client. http.ErrAbortHandler is re-raised, as net/http expects.
func RecoverWithConfig(cfg RecoverConfig) echo.MiddlewareFunc {
	if cfg.Logger == nil {
		panic("middleware: Recover needs a Logger")
	}
	if cfg.Skipper == nil {
		cfg.Skipper = echomw.DefaultSkipper
	}
	if cfg.StackSize <= 0 {
		cfg.StackSize = 8 << 10
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			if cfg.Skipper(c) {
				return next(c)
			}
			defer func() {
				r := recover()
				if r == nil {
					return
				}
				if r == http.ErrAbortHandler {
					panic(r)
				}
				stack := make([]byte, cfg.StackSize)
				stack = stack[:runtime.Stack(stack, false)]
				cfg.Logger.ErrorContext(c.Request().Context(), "panic recovered",
					"panic", fmt.Sprint(r), "stack", string(stack))
				err = echo.NewHTTPError(http.StatusInternalServerError).SetInternal(fmt.Errorf("panic: %v", r))
			}()
			return next(c)
		}
	}
}
