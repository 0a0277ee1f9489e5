package http

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// pathTwoFactor is the 2FA settings page; its actions return there.
const pathTwoFactor = account.PathTwoFactor

// handleTwoFactorPage renders GET /account/2fa.
func handleTwoFactorPage(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		return renderTwoFactor(c, accounts, u, http.StatusOK, views.DisableTwoFactorForm{})
	}
}

// renderTwoFactor draws the 2FA settings page around the disable form
// (empty, or with its errors and 422).
func renderTwoFactor(c echo.Context, accounts *account.Service, u ui, status int, disable views.DisableTwoFactorForm) error {
	user, _ := currentUser(c)
	st, err := accounts.TwoFactorStatus(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	v := views.TwoFactorView{
		Enabled:           st.Enabled,
		EnabledAt:         views.NewTimestamp(st.EnabledAt),
		RecoveryCodesLeft: st.RecoveryCodesLeft,
		Disable:           disable,
		SudoUntil:         sudoUntil(c),
	}
	return render(c, status, pages.TwoFactor(u.page(c, "Two-factor authentication"), v))
}

// handleEnroll answers POST /account/2fa/enroll (sudo mode): 200 with the
// QR code, the secret (id="totp-secret") and the form for the first code.
// With 2FA already on: 303 back to the settings page.
func handleEnroll(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := currentUser(c)
		sess, _ := currentSession(c)
		en, err := accounts.BeginEnrollment(c.Request().Context(), user.ID, sess.ID, requestMeta(c))
		switch {
		case errors.Is(err, account.ErrSudoRequired):
			return askSudo(c, pathTwoFactor)
		case errors.Is(err, account.ErrTwoFactorEnabled):
			u.flashes.add(c, views.FlashInfo, "Two-factor authentication is already on.")
			return redirect(c, pathTwoFactor)
		case err != nil:
			return err
		}
		return renderEnroll(c, u, http.StatusOK, en, nil)
	}
}

func renderEnroll(c echo.Context, u ui, status int, en account.Enrollment, errs views.FormErrors) error {
	v := views.TOTPEnrollView{
		Secret: en.Secret, URL: en.URL, QRDataURI: en.QRDataURI, Issuer: en.Issuer, Account: en.Account, Errors: errs,
	}
	return render(c, status, pages.TOTPEnroll(u.page(c, "Set up two-factor authentication"), v))
}

// handleEnrollConfirm answers POST /account/2fa/confirm (code): right, 2FA
// is on and the page (200) shows the ten recovery codes once; wrong, the
// enrollment page again with 422; no enrollment in progress (or one too
// old), 303 to the settings page to start again.
func handleEnrollConfirm(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := currentUser(c)
		sess, _ := currentSession(c)
		ctx, code := c.Request().Context(), c.Request().PostFormValue("code")
		msg := codeProblem(code)
		if msg == "" {
			codes, err := accounts.ConfirmEnrollment(ctx, user.ID, sess.ID, code, requestMeta(c))
			switch {
			case err == nil:
				if err := renewSession(c, accounts, u); err != nil {
					return err
				}
				return renderRecoveryCodes(c, u, codes, false)
			case errors.Is(err, account.ErrNoEnrollment):
				u.flashes.add(c, views.FlashWarning, "That setup has expired. Please start again.")
				return redirect(c, pathTwoFactor)
			case errors.Is(err, account.ErrTwoFactorEnabled):
				u.flashes.add(c, views.FlashInfo, "Two-factor authentication is already on.")
				return redirect(c, pathTwoFactor)
			case !errors.Is(err, account.ErrWrongCode):
				return err
			}
			msg = "That code didn't work. Check that the app shows this account and enter its current code."
		}
		en, perr := accounts.PendingEnrollment(ctx, user.ID)
		if errors.Is(perr, account.ErrNoEnrollment) || errors.Is(perr, account.ErrTwoFactorEnabled) {
			return redirect(c, pathTwoFactor)
		}
		if perr != nil {
			return perr
		}
		return renderEnroll(c, u, http.StatusUnprocessableEntity, en, views.FormErrors{"code": msg})
	}
}

// handleRegenerateCodes answers POST /account/2fa/recovery-codes (sudo
// mode): 200 with a new set of recovery codes, shown once.
func handleRegenerateCodes(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		user, _ := currentUser(c)
		sess, _ := currentSession(c)
		codes, err := accounts.RegenerateRecoveryCodes(c.Request().Context(), user.ID, sess.ID, requestMeta(c))
		switch {
		case errors.Is(err, account.ErrSudoRequired):
			return askSudo(c, pathTwoFactor)
		case errors.Is(err, account.ErrTwoFactorDisabled):
			u.flashes.add(c, views.FlashInfo, "Two-factor authentication is off, so there are no recovery codes.")
			return redirect(c, pathTwoFactor)
		case err != nil:
			return err
		}
		return renderRecoveryCodes(c, u, codes, true)
	}
}

func renderRecoveryCodes(c echo.Context, u ui, codes []string, regenerated bool) error {
	v := views.RecoveryCodesView{Codes: codes, Regenerated: regenerated, Download: recoveryCodesFile(codes)}
	return render(c, http.StatusOK, pages.RecoveryCodes(u.page(c, "Your recovery codes"), v))
}

// recoveryCodesFile is the codes as a text file in a data: URL, for a
// download link that works without JavaScript.
func recoveryCodesFile(codes []string) string {
	text := views.AppName + " recovery codes\n\nEach code works once. Keep them somewhere safe.\n\n" +
		strings.Join(codes, "\n") + "\n"
	return "data:text/plain;charset=utf-8," + url.PathEscape(text)
}

// handleDisableTwoFactor answers POST /account/2fa/disable (password): 2FA
// goes off, every other session ends, 303 back to the settings page; a
// wrong password re-renders it with 422 and the message beside the field.
func handleDisableTwoFactor(accounts *account.Service, u ui) echo.HandlerFunc {
	return func(c echo.Context) error {
		f := newFormFields()
		pw := f.password(c, "password")
		if !f.ok() {
			return renderTwoFactor(c, accounts, u, http.StatusUnprocessableEntity, views.DisableTwoFactorForm{Errors: f.errs})
		}
		user, _ := currentUser(c)
		sess, _ := currentSession(c)
		err := accounts.DisableTwoFactor(c.Request().Context(), user.ID, sess.ID, pw, requestMeta(c))
		var errs views.FormErrors
		switch {
		case errors.Is(err, account.ErrWrongPassword):
			errs = views.FormErrors{"password": "That isn't your password."}
		case errors.Is(err, account.ErrLocked):
			errs = views.FormErrors{"password": "Too many wrong attempts: your account is locked for a while."}
		case errors.Is(err, account.ErrTwoFactorDisabled):
			u.flashes.add(c, views.FlashInfo, "Two-factor authentication is already off.")
			return redirect(c, pathTwoFactor)
		case err != nil:
			return err
		}
		if errs != nil {
			return renderTwoFactor(c, accounts, u, http.StatusUnprocessableEntity, views.DisableTwoFactorForm{Errors: errs})
		}
		if err := renewSession(c, accounts, u); err != nil {
			return err
		}
		u.flashes.add(c, views.FlashSuccess, "Two-factor authentication is off. Every other device was signed out.")
		return redirect(c, pathTwoFactor)
	}
}
