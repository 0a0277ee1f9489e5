package http

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// Admin list paging.
const (
	adminPerPage   = 25
	adminMaxPage   = 100000
	adminMaxQuery  = 254
	adminListTitle = "Users"
)

// handleAdmin renders GET /admin[?q=search&page=n]: users whose address
// contains q, newest first. A search that is not text gets 422.
func handleAdmin(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		q := strings.TrimSpace(c.QueryParam("q"))
		page := adminPage(c.QueryParam("page"))
		v := views.AdminView{Query: q, Page: page, ReturnTo: adminURL(q, page)}
		if msg := textProblem(q, adminMaxQuery, false); msg != "" {
			v.Query, v.QueryError, v.ReturnTo = "", msg, "/admin"
			return render(c, http.StatusUnprocessableEntity, pages.Admin(u.page(c, adminListTitle), v))
		}
		users, total, err := accounts.ListUsers(c.Request().Context(), q, page, adminPerPage)
		if err != nil {
			return err
		}
		v.Total = total
		v.Pages = max(1, (total+adminPerPage-1)/adminPerPage)
		if page > 1 {
			v.PrevURL = adminURL(q, min(page-1, v.Pages))
		}
		if page < v.Pages {
			v.NextURL = adminURL(q, page+1)
		}
		for _, usr := range users {
			row := views.AdminUserRow{
				ID: usr.ID.String(), Email: usr.Email, Verified: usr.EmailVerified, Admin: usr.IsAdmin, TwoFactor: usr.TwoFactor,
				Permissions: usr.Permissions, Groups: usr.Groups,
				Created: views.NewTimestamp(usr.CreatedAt),
			}
			if usr.LockedUntil != nil && usr.LockedUntil.After(time.Now()) {
				row.LockedUntil = views.NewTimestamp(*usr.LockedUntil)
			}
			v.Users = append(v.Users, row)
		}
		return render(c, http.StatusOK, pages.Admin(u.page(c, adminListTitle), v))
	}
}

// handleAdminUnlock answers POST /admin/users/{id}/unlock.
func handleAdminUnlock(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := adminUserID(c)
		if err != nil {
			return err
		}
		if err := accounts.AdminUnlock(c.Request().Context(), id, requestMeta(c)); err != nil {
			return adminError(err)
		}
		u.flashes.add(c, views.FlashSuccess, "The account is unlocked.")
		return redirect(c, adminReturnTo(c))
	}
}

// handleAdminEndSessions answers POST /admin/users/{id}/end-sessions. An
// operator who ends their own sessions is logged out too.
func handleAdminEndSessions(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := adminUserID(c)
		if err != nil {
			return err
		}
		n, err := accounts.AdminEndSessions(c.Request().Context(), id, requestMeta(c))
		if err != nil {
			return adminError(err)
		}
		if me, _ := currentUser(c); me.ID == id {
			u.cookie.clear(c)
		}
		msg := "Ended " + strconv.Itoa(n) + " sessions of that account."
		if n == 1 {
			msg = "Ended 1 session of that account."
		}
		u.flashes.add(c, views.FlashSuccess, msg)
		return redirect(c, adminReturnTo(c))
	}
}

func adminUserID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return uuid.Nil, echo.NewHTTPError(http.StatusNotFound, "No such user.")
	}
	return id, nil
}

func adminError(err error) error {
	if errors.Is(err, account.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "No such user.")
	}
	return err
}

// adminPage reads the page number: anything but a number in range is 1.
func adminPage(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > adminMaxPage {
		return 1
	}
	return n
}

// adminURL is the list's address for a search and page.
func adminURL(q string, page int) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/admin"
	}
	return "/admin?" + v.Encode()
}

// adminReturnTo is where an admin action goes back to: the list page the
// form was on (its return_to field), when that is a local /admin address.
func adminReturnTo(c echo.Context) string {
	to := safeNext(c.Request().PostFormValue("return_to"))
	if to == "/admin" || strings.HasPrefix(to, "/admin?") {
		return to
	}
	return "/admin"
}
