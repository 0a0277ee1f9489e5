package http

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// accountEventLimit is how much security activity the account page shows.
const accountEventLimit = 15

// handleAccount renders GET /account.
func handleAccount(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		return renderAccount(c, accounts, u, http.StatusOK, views.PasswordForm{})
	}
}

// renderAccount draws the account page around the change-password form
// (empty, or with its errors and 422).
func renderAccount(c echo.Context, accounts *account.Service, u ui, status int, pw views.PasswordForm) error {
	user, _ := currentUser(c)
	events, err := accounts.RecentEvents(c.Request().Context(), user.ID, accountEventLimit)
	if err != nil {
		return err
	}
	v := views.AccountView{
		Email:            user.Email,
		EmailVerified:    user.EmailVerified,
		TwoFactorEnabled: user.TwoFactor,
		MemberSince:      views.NewTimestamp(user.CreatedAt),
		Password:         pw,
		Events:           make([]views.SecurityEvent, 0, len(events)),
	}
	for _, e := range events {
		label, warning := eventLabel(e.Kind)
		v.Events = append(v.Events, views.SecurityEvent{
			Label: label, Warning: warning, IP: e.IP, Device: deviceSummary(e.UserAgent), At: views.NewTimestamp(e.CreatedAt),
		})
	}
	return render(c, status, pages.Account(u.page(c, "Your account"), v))
}

// handlePasswordChange answers POST /account/password (current_password,
// new_password). Success ends every other session, replaces this one (a
// new cookie) and answers 303 to /account; a wrong current password or a
// weak new one re-renders the page with 422 and the message beside the
// field.
func handlePasswordChange(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := newFormFields()
		current, next := f.password(c, "current_password"), f.password(c, "new_password")
		if !f.ok() {
			return renderAccount(c, accounts, u, http.StatusUnprocessableEntity, views.PasswordForm{Errors: f.errs})
		}
		user, _ := currentUser(c)
		sess, _ := currentSession(c)
		token, err := accounts.ChangePassword(c.Request().Context(), user.ID, sess.ID, current, next, requestMeta(c))
		if errors.Is(err, account.ErrWrongPassword) {
			errs := views.FormErrors{"current_password": "That isn't your current password."}
			return renderAccount(c, accounts, u, http.StatusUnprocessableEntity, views.PasswordForm{Errors: errs})
		}
		if errs, ok := fieldErrors(err, map[string]string{
			"new_password": "new_password", "password": "new_password", "current_password": "current_password",
		}); ok {
			return renderAccount(c, accounts, u, http.StatusUnprocessableEntity, views.PasswordForm{Errors: errs})
		}
		if err != nil {
			return err
		}
		u.cookie.set(c, token)
		u.flashes.add(c, views.FlashSuccess, "Your password has been changed. Every other device was signed out.")
		return redirect(c, "/account")
	}
}

// handleResendVerification answers POST /account/verify/resend: a new
// confirmation link is mailed (the auth rate limit applies), then 303 to
// /account.
func handleResendVerification(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := currentUser(c)
		if user.EmailVerified {
			u.flashes.add(c, views.FlashInfo, "Your email address is already confirmed.")
			return redirect(c, "/account")
		}
		if err := accounts.ResendVerification(c.Request().Context(), user.ID, requestMeta(c)); err != nil {
			return err
		}
		u.flashes.add(c, views.FlashSuccess, "We've sent a new confirmation link to "+user.Email+". It works once, for 24 hours.")
		return redirect(c, "/account")
	}
}

// handleUnlock answers the link of the lockout email, GET
// /account/unlock?...: the lock is lifted and the person sent to log in.
func handleUnlock(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := accounts.Unlock(c.Request().Context(), c.Request().URL, requestMeta(c))
		if isLinkInvalid(err) {
			v := views.LinkInvalidView{
				Title:       "This unlock link doesn't work",
				Message:     "The link has expired, was already used, or is incomplete. A locked account also unlocks by itself after a while.",
				ActionHref:  "/password/forgot",
				ActionLabel: "Reset your password instead",
			}
			return render(c, http.StatusBadRequest, pages.LinkInvalid(u.page(c, "Link not valid"), v))
		}
		if err != nil {
			return err
		}
		u.flashes.add(c, views.FlashSuccess, "Your account is unlocked. You can log in again.")
		return redirect(c, "/login")
	}
}

// eventLabel describes an audit event kind for its owner, and whether it
// deserves attention.
func eventLabel(kind string) (string, bool) {
	switch kind {
	case account.EventSignup:
		return "Account created", false
	case account.EventEmailVerified:
		return "Email address confirmed", false
	case account.EventLogin:
		return "Logged in", false
	case account.EventLoginFailed:
		return "Failed login attempt", true
	case account.EventLockout:
		return "Account locked after repeated failed logins", true
	case account.EventUnlock:
		return "Account unlocked", false
	case account.EventLogout:
		return "Logged out", false
	case account.EventPasswordChanged:
		return "Password changed", false
	case account.EventPasswordReset:
		return "Password reset with an emailed link", false
	case account.EventResetRequested:
		return "Password reset requested", false
	case account.EventSessionRevoked:
		return "Session revoked", false
	case account.EventLoginStarted:
		return "Password or login link accepted; second step asked", false
	case account.EventSecondFactorFailed:
		return "Wrong two-factor code", true
	case account.EventTwoFactorEnabled:
		return "Two-factor authentication turned on", false
	case account.EventTwoFactorDisabled:
		return "Two-factor authentication turned off", true
	case account.EventRecoveryCodeUsed:
		return "Recovery code used", true
	case account.EventRecoveryCodesRegenerated:
		return "New recovery codes generated", false
	case account.EventSudo:
		return "Password confirmed for a sensitive change", false
	case account.EventMagicLinkRequested:
		return "Login link requested by email", false
	}
	return kind, false
}
