package http

import (
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// msgInvalidLogin is the one message of every failed login: it never says
// whether the address exists, the password was wrong or the account is
// locked.
const msgInvalidLogin = "That email and password don't match an account. Check both and try again."

// handleLoginPage renders GET /login[?next=/local/path].
func handleLoginPage(u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		form := views.LoginForm{Next: safeNext(c.QueryParam("next"))}
		return render(c, http.StatusOK, pages.Login(u.page(c, "Log in"), form))
	}
}

// handleLogin answers POST /login (email, password, next). Success ends the
// session the request came with, if any, starts a new one (a new cookie on
// every login) and answers 303 to next when it is a local path, else to
// /account. With 2FA on, a right password leads (303) to /login/2fa
// instead, and next waits there. Failure re-renders the form with 422, the email kept, the
// password not, and the same message whatever went wrong.
func handleLogin(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := newFormFields()
		email, pw := f.email(c, "email"), f.password(c, "password")
		form := views.LoginForm{Email: f.values["email"], Next: safeNext(c.Request().PostFormValue("next")), Errors: f.errs}
		if !f.ok() {
			return render(c, http.StatusUnprocessableEntity, pages.Login(u.page(c, "Log in"), form))
		}
		ctx, meta := c.Request().Context(), requestMeta(c)
		user, err := accounts.Login(ctx, email, pw, meta)
		if errors.Is(err, account.ErrInvalidCredentials) {
			form.Errors = views.FormErrors{"password": msgInvalidLogin}
			return render(c, http.StatusUnprocessableEntity, pages.Login(u.page(c, "Log in"), form))
		}
		var proof *account.SecondFactorRequired
		if errors.As(err, &proof) {
			return beginSecondStep(c, accounts, u, proof, form.Next)
		}
		if err != nil {
			return err
		}
		if err := startSession(c, accounts, u, user.ID, meta); err != nil {
			return err
		}
		to := form.Next
		if to == "" {
			to = "/account"
		}
		return redirect(c, to)
	}
}

// handleLogout answers POST /logout: the session ends, the cookie goes,
// and the browser lands on the home page.
func handleLogout(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		if token, ok := sessionToken(c); ok {
			if err := accounts.Logout(c.Request().Context(), token, requestMeta(c)); err != nil {
				return err
			}
			u.flashes.add(c, views.FlashInfo, "You have been logged out.")
		}
		u.cookie.clear(c)
		return redirect(c, "/")
	}
}

// startSession logs userID in: the session the request came with (if any)
// ends, since it is being replaced, and the browser gets a new token.
func startSession(c echo.Context, accounts *account.Service, u ui, userID uuid.UUID, meta account.RequestMeta) error {
	ctx := c.Request().Context()
	if old, ok := sessionToken(c); ok {
		if err := accounts.Logout(ctx, old, meta); err != nil {
			return err
		}
	}
	token, _, err := accounts.StartSession(ctx, userID, meta)
	if err != nil {
		return err
	}
	u.cookie.set(c, token)
	return nil
}

// isLinkInvalid reports whether err means a mailed link cannot be used:
// forged, expired, malformed or already used.
func isLinkInvalid(err error) bool {
	return errors.Is(err, account.ErrLinkInvalid) || errors.Is(err, signedurl.ErrMalformed) ||
		errors.Is(err, signedurl.ErrInvalidSignature) || errors.Is(err, signedurl.ErrExpired)
}
