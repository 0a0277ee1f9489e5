package http

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// Second-step cookie: it carries the random token of a login's second step
// (a server-side row that expires in minutes), never a session.
const (
	challengeCookieName       = "login_2fa"
	secureChallengeCookieName = "__Host-login_2fa"
)

// maxCodeBytes bounds the code field: a TOTP code is 6 digits, a recovery
// code 10 characters and a hyphen; spaces are forgiven.
const maxCodeBytes = 32

// newChallengeCookie is the second-step cookie, living as long as the step.
func newChallengeCookie(production bool) tokenCookie {
	if production {
		return tokenCookie{name: secureChallengeCookieName, secure: true, maxAge: account.ChallengeTTL}
	}
	return tokenCookie{name: challengeCookieName, maxAge: account.ChallengeTTL}
}

// beginSecondStep turns a first factor that needs a second one into the
// /login/2fa step: the server-side marker, its cookie, and 303 there.
func beginSecondStep(c echo.Context, accounts *account.Service, u ui, proof *account.SecondFactorRequired, next string) error {
	token, err := accounts.BeginSecondFactor(c.Request().Context(), proof, next, requestMeta(c))
	if err != nil {
		return err
	}
	u.challenge.set(c, token)
	return redirect(c, "/login/2fa")
}

// restartLogin sends someone whose second step is gone (expired, used up,
// never started) back to the password form.
func restartLogin(c echo.Context, u ui) error {
	u.challenge.clear(c)
	u.flashes.add(c, views.FlashWarning, "Your login timed out or had too many wrong codes. Please log in again.")
	return redirect(c, "/login")
}

// handleLoginTwoFactorPage renders GET /login/2fa while a second step is
// live; without one, the person is sent back to /login.
func handleLoginTwoFactorPage(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, _ := u.challenge.read(c.Request())
		if token == "" {
			return redirect(c, "/login")
		}
		_, err := accounts.CheckChallenge(c.Request().Context(), token)
		if errors.Is(err, account.ErrChallengeInvalid) {
			return restartLogin(c, u)
		}
		if err != nil {
			return err
		}
		return render(c, http.StatusOK, pages.LoginTwoFactor(u.page(c, "Two-factor authentication"), views.LoginTwoFactorForm{}))
	}
}

// handleLoginTwoFactor answers POST /login/2fa (code: a TOTP code or a
// recovery code). Right: the session starts (a new cookie), 303 to where
// the login was going. Wrong: 422 with the attempts left; the last wrong
// attempt, an expired step or a locked account: 303 back to /login.
func handleLoginTwoFactor(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, _ := u.challenge.read(c.Request())
		if token == "" {
			return restartLogin(c, u)
		}
		code := c.Request().PostFormValue("code")
		form := views.LoginTwoFactorForm{}
		if msg := codeProblem(code); msg != "" {
			form.Errors = views.FormErrors{"code": msg}
			return render(c, http.StatusUnprocessableEntity, pages.LoginTwoFactor(u.page(c, "Two-factor authentication"), form))
		}
		ctx, meta := c.Request().Context(), requestMeta(c)
		res, err := accounts.CompleteSecondFactor(ctx, token, code, meta)
		var wrong *account.WrongCodeError
		switch {
		case errors.As(err, &wrong) && wrong.AttemptsLeft > 0:
			form.Errors = views.FormErrors{"code": "That code didn't work. Check the app and enter the current code, or use a recovery code."}
			form.AttemptsLeft = wrong.AttemptsLeft
			return render(c, http.StatusUnprocessableEntity, pages.LoginTwoFactor(u.page(c, "Two-factor authentication"), form))
		case errors.As(err, &wrong), errors.Is(err, account.ErrChallengeInvalid):
			return restartLogin(c, u)
		case err != nil:
			return err
		}
		if old, ok := sessionToken(c); ok {
			if err := accounts.Logout(ctx, old, meta); err != nil {
				return err
			}
		}
		u.challenge.clear(c)
		u.cookie.set(c, res.SessionToken)
		if res.RecoveryCodeUsed {
			kind, msg := views.FlashWarning, fmt.Sprintf("You logged in with a recovery code. You have %d left.", res.RecoveryCodesLeft)
			if res.RecoveryCodesLeft <= 3 {
				msg += " Generate a new set on the two-factor page."
			}
			u.flashes.add(c, kind, msg)
		}
		to := safeNext(res.Next)
		if to == "" {
			to = "/account"
		}
		return redirect(c, to)
	}
}

// codeProblem says what is wrong with a submitted code field, or "".
func codeProblem(code string) string {
	if msg := textProblem(code, maxCodeBytes, false); msg != "" {
		return msg
	}
	if code == "" {
		return "Please enter the code."
	}
	return ""
}
