package http

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// handleSignupPage renders GET /signup.
func handleSignupPage(u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		return render(c, http.StatusOK, pages.Signup(u.page(c, "Sign up"), views.SignupForm{}))
	}
}

// handleSignup answers POST /signup (email, password): 303 to the "check
// your email" page whether or not the address already has an account (the
// domain mails either a link or a notice), 422 with the errors beside the
// fields for input it refuses.
func handleSignup(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := newFormFields()
		email, pw := f.email(c, "email"), f.password(c, "password")
		form := views.SignupForm{Email: f.values["email"], Errors: f.errs}
		if !f.ok() {
			return render(c, http.StatusUnprocessableEntity, pages.Signup(u.page(c, "Sign up"), form))
		}
		err := accounts.SignUp(c.Request().Context(), email, pw, requestMeta(c))
		if errs, ok := fieldErrors(err, map[string]string{"email": "email", "password": "password"}); ok {
			form.Errors = errs
			return render(c, http.StatusUnprocessableEntity, pages.Signup(u.page(c, "Sign up"), form))
		}
		if err != nil {
			return err
		}
		return redirect(c, "/signup/sent")
	}
}

// handleSignupSent renders GET /signup/sent.
func handleSignupSent(u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		return render(c, http.StatusOK, pages.SignupSent(u.page(c, "Check your email")))
	}
}

// handleVerifyEmail answers the mailed link GET /verify-email?...: it
// confirms the address, logs the person in (a new session, replacing any
// current one) and sends them to their account. A link that is forged,
// expired or used gets the 400 page with a way to a new one.
func handleVerifyEmail(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, meta := c.Request().Context(), requestMeta(c)
		user, err := accounts.VerifyEmail(ctx, c.Request().URL, meta)
		if err != nil {
			if isLinkInvalid(err) {
				return renderVerifyLinkInvalid(c, u)
			}
			return err
		}
		if err := startSession(c, accounts, u, user.ID, meta); err != nil {
			return err
		}
		u.flashes.add(c, views.FlashSuccess, "Thanks, your email address is confirmed.")
		return redirect(c, "/account")
	}
}

// renderVerifyLinkInvalid explains a bad verification link; a signed-in
// person with an unconfirmed address can have a new one mailed at once.
func renderVerifyLinkInvalid(c echo.Context, u ui) error {
	v := views.LinkInvalidView{
		Title:   "This confirmation link doesn't work",
		Message: "The link has expired, was already used, or is incomplete.",
	}
	user, signedIn := currentUser(c)
	switch {
	case signedIn && user.EmailVerified:
		v.Message = "The link has expired, was already used, or is incomplete. Your address is already confirmed, so there is nothing more to do."
		v.ActionHref, v.ActionLabel = "/account", "Go to your account"
	case signedIn:
		v.CanResend = true
		v.ActionHref, v.ActionLabel = "/account", "Go to your account"
	default:
		v.Message += " Log in and we'll offer to send you a new one."
		v.ActionHref, v.ActionLabel = "/login?next=%2Faccount", "Log in"
	}
	return render(c, http.StatusBadRequest, pages.LinkInvalid(u.page(c, "Link not valid"), v))
}
