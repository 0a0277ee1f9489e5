package http

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// handleSessions renders GET /account/sessions.
func handleSessions(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := currentUser(c)
		current, _ := currentSession(c)
		list, err := accounts.Sessions(c.Request().Context(), user.ID)
		if err != nil {
			return err
		}
		v := views.SessionsView{Sessions: make([]views.SessionRow, 0, len(list))}
		for _, s := range list {
			v.Sessions = append(v.Sessions, views.SessionRow{
				ID: s.ID.String(), Device: deviceSummary(s.UserAgent), IP: s.IP,
				Created: views.NewTimestamp(s.CreatedAt), LastSeen: views.NewTimestamp(s.LastSeenAt),
				Current: s.ID == current.ID,
			})
		}
		return render(c, http.StatusOK, pages.Sessions(u.page(c, "Sessions"), v))
	}
}

// handleSessionRevoke answers POST /account/sessions/{id}/revoke: the
// session ends (404 for one that is not the user's). Revoking the current
// session logs this browser out.
func handleSessionRevoke(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return echo.NewHTTPError(http.StatusNotFound, "No such session.")
		}
		user, _ := currentUser(c)
		current, _ := currentSession(c)
		err = accounts.RevokeSession(c.Request().Context(), user.ID, id, requestMeta(c))
		if errors.Is(err, account.ErrNotFound) {
			return echo.NewHTTPError(http.StatusNotFound, "No such session. It may have ended already.")
		}
		if err != nil {
			return err
		}
		if id == current.ID {
			u.cookie.clear(c)
			u.flashes.add(c, views.FlashInfo, "You revoked this session, so you have been logged out.")
			return redirect(c, "/login")
		}
		u.flashes.add(c, views.FlashSuccess, "The session was revoked; that device is logged out.")
		return redirect(c, "/account/sessions")
	}
}

// handleSessionsRevokeOthers answers POST /account/sessions/revoke-others:
// every session but this one ends.
func handleSessionsRevokeOthers(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := currentUser(c)
		current, _ := currentSession(c)
		n, err := accounts.RevokeOtherSessions(c.Request().Context(), user.ID, current.ID, requestMeta(c))
		if err != nil {
			return err
		}
		u.flashes.add(c, views.FlashSuccess, revokedMessage(n))
		return redirect(c, "/account/sessions")
	}
}

func revokedMessage(n int) string {
	switch n {
	case 0:
		return "There were no other sessions to revoke."
	case 1:
		return "1 other session was revoked."
	}
	return strconv.Itoa(n) + " other sessions were revoked."
}
