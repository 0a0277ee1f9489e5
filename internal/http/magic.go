package http

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// handleMagicLinkPage renders GET /login/magic.
func handleMagicLinkPage(u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		return render(c, http.StatusOK, pages.MagicLink(u.page(c, "Log in with an email link"), views.MagicLinkForm{}))
	}
}

// handleMagicLink answers POST /login/magic (email): 303 to the "sent" page
// whatever the address (a link is mailed only when it has an account, and
// at most once a minute); 422 only for input that is not an address.
func handleMagicLink(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := newFormFields()
		email := f.email(c, "email")
		form := views.MagicLinkForm{Email: f.values["email"], Errors: f.errs}
		if !f.ok() {
			return render(c, http.StatusUnprocessableEntity, pages.MagicLink(u.page(c, "Log in with an email link"), form))
		}
		err := accounts.RequestMagicLink(c.Request().Context(), email, requestMeta(c))
		if errs, ok := fieldErrors(err, map[string]string{"email": "email"}); ok {
			form.Errors = errs
			return render(c, http.StatusUnprocessableEntity, pages.MagicLink(u.page(c, "Log in with an email link"), form))
		}
		if err != nil {
			return err
		}
		return redirect(c, "/login/magic/sent")
	}
}

// handleMagicLinkSent renders GET /login/magic/sent.
func handleMagicLinkSent(u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		return render(c, http.StatusOK, pages.MagicLinkSent(u.page(c, "Check your email"), views.MagicLinkSentView{}))
	}
}

// handleMagicVerifyPage renders the mailed link, GET
// /login/magic/verify?...: a button that posts back to the link (looking at
// the link, as mail scanners do, does not use it), or the 400 page.
func handleMagicVerifyPage(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		email, err := accounts.CheckMagicLink(c.Request().Context(), c.Request().URL)
		if isLinkInvalid(err) {
			return renderMagicLinkInvalid(c, u)
		}
		if err != nil {
			return err
		}
		v := views.MagicLinkConfirmView{Action: resetAction(c.Request().URL), Email: email}
		return render(c, http.StatusOK, pages.MagicLinkConfirm(u.page(c, "Log in"), v))
	}
}

// handleMagicVerify answers POST /login/magic/verify?...: the link is used
// up and the person logged in (303 to /account), or, with 2FA on, sent to
// the second step (303 to /login/2fa).
func handleMagicVerify(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, err := accounts.MagicLogin(c.Request().Context(), c.Request().URL, requestMeta(c))
		var proof *account.SecondFactorRequired
		switch {
		case errors.As(err, &proof):
			return beginSecondStep(c, accounts, u, proof, "")
		case isLinkInvalid(err):
			return renderMagicLinkInvalid(c, u)
		case err != nil:
			return err
		}
		if err := startSession(c, accounts, u, user.ID, requestMeta(c)); err != nil {
			return err
		}
		return redirect(c, "/account")
	}
}

func renderMagicLinkInvalid(c echo.Context, u ui) error {
	v := views.LinkInvalidView{
		Title:       "This login link doesn't work",
		Message:     "The link has expired, was already used, or is incomplete. Login links work once, for 10 minutes.",
		ActionHref:  "/login/magic",
		ActionLabel: "Send me a new link",
	}
	return render(c, http.StatusBadRequest, pages.LinkInvalid(u.page(c, "Link not valid"), v))
}
