package http

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-dev/rampart/internal/db"
)

// readyTimeout bounds each readiness check: a load balancer must get an
// answer even when a dependency hangs.
const readyTimeout = 2 * time.Second

type healthResponse struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

// handleHealth answers liveness: the process serves requests.
func handleHealth() echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return c.JSON(http.StatusOK, healthResponse{Status: "ok"})
	}
}

// handleReady answers readiness: PostgreSQL answers and, when configured,
// Redis too. 503 names the failing check with its error.
func handleReady(pool *pgxpool.Pool, rdb *redis.Client) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
		defer cancel()
		res := healthResponse{Status: "ok", Checks: map[string]string{"postgres": "ok", "redis": "skipped"}}
		if err := db.Ping(ctx, pool); err != nil {
			res.Status, res.Checks["postgres"] = "unavailable", checkError(err)
		}
		if rdb != nil {
			res.Checks["redis"] = "ok"
			if err := rdb.Ping(ctx).Err(); err != nil {
				res.Status, res.Checks["redis"] = "unavailable", checkError(err)
			}
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		if res.Status != "ok" {
			return c.JSON(http.StatusServiceUnavailable, res)
		}
		return c.JSON(http.StatusOK, res)
	}
}

func checkError(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "error: timed out after " + readyTimeout.String()
	}
	return "error: " + err.Error()
}
