package http

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/session"
)

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		production bool
		wantName   string
	}{
		{"development uses the bare name without Secure", false, "session"},
		{"production uses the __Host- prefix and Secure", true, "__Host-session"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
			newSessionCookie(tc.production).set(c, "tok")
			cks := rec.Result().Cookies()
			if len(cks) != 1 {
				t.Fatalf("cookies = %v", cks)
			}
			ck := cks[0]
			if ck.Name != tc.wantName || ck.Secure != tc.production || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode ||
				ck.Path != "/" || ck.Domain != "" || ck.MaxAge != int(session.AbsoluteTimeout/time.Second) {
				t.Errorf("cookie = %+v", ck)
			}
		})
	}
}

func TestWellFormedToken(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{
		"Yk3n0W6rV_2c1mQ-5JbYtV9uXhL8sFzP0aKdE4gRwqI": true,
		"":       false,
		"a b":    false,
		"tok;en": false,
		string(make([]byte, maxSessionTokenLen+1)): false,
	} {
		if got := wellFormedToken(v); got != want {
			t.Errorf("wellFormedToken(%q) = %v, want %v", v, got, want)
		}
	}
}

// guarded runs h behind the guards with c's user set as given.
func guarded(method, target string, user *account.User, guards ...echo.MiddlewareFunc) *httptest.ResponseRecorder {
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if he, ok := err.(*echo.HTTPError); ok {
			_ = c.NoContent(he.Code)
		}
	}
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(method, target, nil), rec)
	if user != nil {
		c.Set(userContextKey, *user)
	}
	h := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	for i := len(guards) - 1; i >= 0; i-- {
		h = guards[i](h)
	}
	if err := h(c); err != nil {
		e.HTTPErrorHandler(err, c)
	}
	return rec
}

func TestRequireUser(t *testing.T) {
	t.Parallel()
	someone := &account.User{ID: uuid.New(), Email: "ada@example.com"}
	t.Run("a signed-out GET is sent to log in and back", func(t *testing.T) {
		rec := guarded(http.MethodGet, "/account/sessions?x=1", nil, requireUser)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?next=%2Faccount%2Fsessions%3Fx%3D1" {
			t.Errorf("got %d to %q", rec.Code, rec.Header().Get("Location"))
		}
	})
	t.Run("a signed-out POST is refused with 401", func(t *testing.T) {
		if rec := guarded(http.MethodPost, "/account/password", nil, requireUser); rec.Code != http.StatusUnauthorized {
			t.Errorf("got %d, want 401", rec.Code)
		}
	})
	t.Run("a signed-in request passes", func(t *testing.T) {
		if rec := guarded(http.MethodGet, "/account", someone, requireUser); rec.Code != http.StatusOK {
			t.Errorf("got %d, want 200", rec.Code)
		}
	})
}

func TestRequireAdmin(t *testing.T) {
	t.Parallel()
	user := &account.User{ID: uuid.New(), Email: "bob@example.com"}
	admin := &account.User{ID: uuid.New(), Email: "ada@example.com", IsAdmin: true}
	if rec := guarded(http.MethodGet, "/admin", user, requireUser, requireAdmin); rec.Code != http.StatusForbidden {
		t.Errorf("a user without admin.access got %d, want 403", rec.Code)
	}
	if rec := guarded(http.MethodGet, "/admin", admin, requireUser, requireAdmin); rec.Code != http.StatusOK {
		t.Errorf("an admin got %d, want 200", rec.Code)
	}
	if rec := guarded(http.MethodGet, "/admin", nil, requireUser, requireAdmin); rec.Code != http.StatusSeeOther {
		t.Errorf("a signed-out visitor got %d, want 303 to the login page", rec.Code)
	}
}
