package http

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/auth/backends"
	"github.com/rampart-dev/rampart/internal/auth/perms"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

// TestRequirePerm: a route behind requirePerm answers 403 JSON to a user
// without the permission and lets them through once it is granted,
// directly or through a group; several checks in one request cost one
// lookup (the request's cache).
func TestRequirePerm(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	store := perms.NewStore(pool)
	u, err := db.New(pool).CreateUser(t.Context(), db.CreateUserParams{Email: "ada@example.com", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.HTTPErrorHandler = newErrorHandler(slog.New(slog.DiscardHandler), nil)
	authAsAda := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(apiUserContextKey, &backends.User{ID: u.ID, Method: "test"})
			c.SetRequest(c.Request().WithContext(perms.WithCache(c.Request().Context())))
			return next(c)
		}
	}
	e.GET("/api/admin-only", func(c echo.Context) error { return c.String(http.StatusOK, "in") },
		authAsAda, requirePerm(store, "admin.access"), requirePerm(store, "admin.access"))
	get := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/admin-only", nil))
		return rec
	}
	if rec := get(); rec.Code != http.StatusForbidden || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("without the permission: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	if err := store.GrantGroup(context.Background(), "ops", "admin.access"); err != nil {
		t.Fatal(err)
	}
	if err := store.AddMember(context.Background(), "ops", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if rec := get(); rec.Code != http.StatusOK {
		t.Errorf("with the permission through a group: %d %s", rec.Code, rec.Body)
	}
	// Without an authenticated user the route is closed too.
	e.GET("/api/closed", func(c echo.Context) error { return errors.New("reached") }, requirePerm(store, "admin.access"))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/closed", nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("no user: %d", rec.Code)
	}
}
