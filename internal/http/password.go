package http

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// handleForgotPage renders GET /password/forgot.
func handleForgotPage(u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		return render(c, http.StatusOK, pages.Forgot(u.page(c, "Reset your password"), views.ForgotForm{}))
	}
}

// handleForgot answers POST /password/forgot (email): 303 to the "sent"
// page whatever the address (the domain mails a link only when it has an
// account); 422 only for input that is not an address at all.
func handleForgot(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := newFormFields()
		email := f.email(c, "email")
		form := views.ForgotForm{Email: f.values["email"], Errors: f.errs}
		if !f.ok() {
			return render(c, http.StatusUnprocessableEntity, pages.Forgot(u.page(c, "Reset your password"), form))
		}
		err := accounts.RequestPasswordReset(c.Request().Context(), email, requestMeta(c))
		if errs, ok := fieldErrors(err, map[string]string{"email": "email"}); ok {
			form.Errors = errs
			return render(c, http.StatusUnprocessableEntity, pages.Forgot(u.page(c, "Reset your password"), form))
		}
		if err != nil {
			return err
		}
		return redirect(c, "/password/forgot/sent")
	}
}

// handleForgotSent renders GET /password/forgot/sent.
func handleForgotSent(u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		return render(c, http.StatusOK, pages.ForgotSent(u.page(c, "Check your email")))
	}
}

// handleResetPage renders the mailed link GET /password/reset?...: the
// new-password form when the link is valid and unused (it is not used up
// by looking), the 400 page otherwise. The link never leaks through a
// Referer.
func handleResetPage(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := accounts.CheckResetLink(c.Request().Context(), c.Request().URL); err != nil {
			if isLinkInvalid(err) {
				return renderResetLinkInvalid(c, u)
			}
			return err
		}
		form := views.ResetForm{Action: resetAction(c.Request().URL)}
		return render(c, http.StatusOK, pages.Reset(u.page(c, "Choose a new password"), form))
	}
}

// handleReset answers POST /password/reset?... (password), posted to the
// very link: the password is set, every session of the account ends (so
// this browser's cookie goes too), and the person is sent to log in.
func handleReset(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := newFormFields()
		pw := f.password(c, "password")
		form := views.ResetForm{Action: resetAction(c.Request().URL), Errors: f.errs}
		if !f.ok() {
			return render(c, http.StatusUnprocessableEntity, pages.Reset(u.page(c, "Choose a new password"), form))
		}
		_, err := accounts.ResetPassword(c.Request().Context(), c.Request().URL, pw, requestMeta(c))
		if errs, ok := fieldErrors(err, map[string]string{"password": "password", "new_password": "password"}); ok {
			form.Errors = errs
			return render(c, http.StatusUnprocessableEntity, pages.Reset(u.page(c, "Choose a new password"), form))
		}
		if isLinkInvalid(err) {
			return renderResetLinkInvalid(c, u)
		}
		if err != nil {
			return err
		}
		if _, ok := sessionToken(c); ok {
			u.cookie.clear(c)
		}
		u.flashes.add(c, views.FlashSuccess, "Your password has been changed and every device was signed out. Log in with your new password.")
		return redirect(c, "/login")
	}
}

// resetAction is where the reset form posts: the link exactly as it came,
// path and signed query.
func resetAction(u *url.URL) string {
	if u.RawQuery == "" {
		return u.EscapedPath()
	}
	return u.EscapedPath() + "?" + u.RawQuery
}

func renderResetLinkInvalid(c echo.Context, u ui) error {
	v := views.LinkInvalidView{
		Title:       "This reset link doesn't work",
		Message:     "The link has expired, was already used, or is incomplete. Reset links work once, for one hour.",
		ActionHref:  "/password/forgot",
		ActionLabel: "Send me a new link",
	}
	return render(c, http.StatusBadRequest, pages.LinkInvalid(u.page(c, "Link not valid"), v))
}
