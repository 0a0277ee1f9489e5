package http

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// PathSudo is the page that asks a signed-in person to confirm it is them.
const PathSudo = "/account/confirm"

// requireSudo guards a sensitive action (it goes after requireUser): a
// session that logged in or confirmed its password within the last 10
// minutes goes through; any other is sent (303) to the confirmation page,
// which returns to page, the page the action's form is on. The domain
// checks again (account.ErrSudoRequired), so this is the friendly half.
func requireSudo(page string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if sess, ok := currentSession(c); ok && sess.InSudo(time.Now()) {
				return next(c)
			}
			return askSudo(c, page)
		}
	}
}

// sudoUntil is when the session of c stops being in sudo mode, for pages
// that say so; zero when it is not in sudo mode now.
func sudoUntil(c echo.Context) views.Timestamp {
	if sess, ok := currentSession(c); ok && sess.InSudo(time.Now()) {
		return views.NewTimestamp(sess.SudoUntil())
	}
	return views.Timestamp{}
}

// askSudo answers 303 to the confirmation page, which comes back to page.
func askSudo(c echo.Context, page string) error {
	return redirect(c, PathSudo+"?"+url.Values{"next": {page}}.Encode())
}

// handleSudoPage renders GET /account/confirm[?next=/local/path].
func handleSudoPage(u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := currentUser(c)
		form := views.SudoForm{Next: safeNext(c.QueryParam("next")), TwoFactor: user.TwoFactor}
		return render(c, http.StatusOK, pages.Sudo(u.page(c, "Confirm it's you"), form))
	}
}

// handleSudo answers POST /account/confirm (password, or code with 2FA on;
// next): right, the session may make sensitive changes for 10 minutes and
// the person goes back (303) to next; wrong, 422 with the message beside
// the field (each wrong try counts toward the account's lockout).
func handleSudo(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := currentUser(c)
		sess, _ := currentSession(c)
		req := c.Request()
		form := views.SudoForm{Next: safeNext(req.PostFormValue("next")), TwoFactor: user.TwoFactor}
		code := req.PostFormValue("code")
		pw := ""
		if code == "" || !user.TwoFactor {
			code = ""
			f := newFormFields()
			pw = f.password(c, "password")
			form.Errors = f.errs
		} else if msg := codeProblem(code); msg != "" {
			form.Errors = views.FormErrors{"code": msg}
		}
		if len(form.Errors) > 0 {
			return render(c, http.StatusUnprocessableEntity, pages.Sudo(u.page(c, "Confirm it's you"), form))
		}
		err := accounts.ConfirmSudo(req.Context(), user.ID, sess.ID, pw, code, requestMeta(c))
		switch {
		case errors.Is(err, account.ErrWrongPassword):
			form.Errors = views.FormErrors{"password": "That isn't your password."}
		case errors.Is(err, account.ErrWrongCode):
			form.Errors = views.FormErrors{"code": "That code didn't work. Enter the current code from your app."}
		case errors.Is(err, account.ErrLocked):
			form.Errors = views.FormErrors{views.Form: "Too many wrong attempts: your account is locked for a while. We've emailed you a link to unlock it."}
		case err != nil:
			return err
		}
		if len(form.Errors) > 0 {
			return render(c, http.StatusUnprocessableEntity, pages.Sudo(u.page(c, "Confirm it's you"), form))
		}
		if err := renewSession(c, accounts, u); err != nil {
			return err
		}
		u.flashes.add(c, views.FlashSuccess, "Thanks. For the next 10 minutes you can make sensitive changes without confirming again.")
		to := form.Next
		if to == "" {
			to = "/account"
		}
		return redirect(c, to)
	}
}
