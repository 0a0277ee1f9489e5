package account

import (
	"context"
	"fmt"
	"time"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/mail"
	"github.com/rampart-dev/rampart/views"
)

// Subjects of the mails the account flows send.
const (
	SubjectVerifyEmail     = "Confirm your email address"
	SubjectExistingAccount = "You already have a " + views.AppName + " account"
	SubjectPasswordReset   = "Reset your " + views.AppName + " password"
	SubjectLocked          = "Your " + views.AppName + " account was locked"
	SubjectPasswordChanged = "Your " + views.AppName + " password was changed"
	SubjectMagicLink       = "Your " + views.AppName + " login link"
	SubjectTwoFactorOn     = "Two-factor authentication is on for your " + views.AppName + " account"
	SubjectTwoFactorOff    = "Two-factor authentication was turned off on your " + views.AppName + " account"
	SubjectRecoveryCodes   = "New recovery codes for your " + views.AppName + " account"
	SubjectRecoveryUsed    = "A recovery code was used to log in to your " + views.AppName + " account"
)

// send queues msg (built by one of the functions below, which may have
// failed) through q's transaction.
func (s *Service) send(ctx context.Context, q *db.Queries, msg mail.Message, buildErr error) error {
	if buildErr != nil {
		return fmt.Errorf("account: build mail: %w", buildErr)
	}
	if _, err := s.cfg.Outbox.Enqueue(ctx, q, msg); err != nil {
		return fmt.Errorf("account: queue mail: %w", err)
	}
	return nil
}

func verifyMail(to, link string) (mail.Message, error) {
	return mail.ActionEmail(to, SubjectVerifyEmail,
		"Confirm that this is your email address to finish setting up your "+views.AppName+" account.",
		"Confirm email address", link,
		"The link works once, for 24 hours.")
}

// existingAccountMail answers a sign-up with an address that already has an
// account: the person signing up sees the usual "check your mail" page, and
// only the owner of the address learns that the account exists.
func existingAccountMail(to, forgotURL, loginURL string) (mail.Message, error) {
	return mail.ActionEmail(to, SubjectExistingAccount,
		"Someone tried to create a "+views.AppName+" account with this email address, but it already has one.\n\n"+
			"If it was you, log in at "+loginURL+", or reset your password if you have forgotten it:",
		"Reset your password", forgotURL,
		"If it wasn't you, nothing was changed and your account is safe.")
}

func resetMail(to, link string) (mail.Message, error) {
	return mail.ActionEmail(to, SubjectPasswordReset,
		"Someone asked to reset the password of your "+views.AppName+" account. To choose a new password, follow this link:",
		"Choose a new password", link,
		"The link works once, for 1 hour. Your password stays as it is until you choose a new one.")
}

func unlockMail(to, link string, failures int32, lockout time.Duration) (mail.Message, error) {
	return mail.ActionEmail(to, SubjectLocked,
		fmt.Sprintf("After %d failed attempts to log in, your account is locked for %s. "+
			"If it was you, you can unlock it now:", failures, humanDuration(lockout)),
		"Unlock your account", link,
		"If it wasn't you, someone may be guessing your password: change it to one you use nowhere else. "+
			"The link works once, for 24 hours.")
}

func passwordChangedMail(to string, at time.Time, ip, forgotURL string) (mail.Message, error) {
	from := ""
	if ip = clean(ip, 64); ip != "" {
		from = " from the IP address " + ip
	}
	return mail.ActionEmail(to, SubjectPasswordChanged,
		"The password of your "+views.AppName+" account was changed on "+
			at.UTC().Format("2 January 2006 at 15:04 UTC")+from+
			". Every session was logged out.\n\nIf it was you, there is nothing to do. If it wasn't, reset your password now:",
		"Reset your password", forgotURL, "")
}

func magicLinkMail(to, link string) (mail.Message, error) {
	return mail.ActionEmail(to, SubjectMagicLink,
		"Someone asked for a link to log in to your "+views.AppName+" account without a password. To log in, follow this link and confirm:",
		"Log in to "+views.AppName, link,
		"The link works once, for 10 minutes. If you didn't ask for it, ignore this email: nobody can use it without access to your mailbox.")
}

// when describes a moment and an address for a security notice.
func when(at time.Time, ip string) string {
	s := "on " + at.UTC().Format("2 January 2006 at 15:04 UTC")
	if ip = clean(ip, 64); ip != "" {
		s += " from the IP address " + ip
	}
	return s
}

func twoFactorEnabledMail(to string, at time.Time, ip, settingsURL string) (mail.Message, error) {
	return mail.ActionEmail(to, SubjectTwoFactorOn,
		"Two-factor authentication was turned on for your "+views.AppName+" account "+when(at, ip)+
			". From now on, logging in asks for a code from your authenticator app, and every other session was logged out.\n\n"+
			"Keep your recovery codes somewhere safe: they are the way in if you lose your phone.",
		"Review your two-factor settings", settingsURL,
		"If it wasn't you, reset your password at once and contact us.")
}

func twoFactorDisabledMail(to string, at time.Time, ip, forgotURL string) (mail.Message, error) {
	return mail.ActionEmail(to, SubjectTwoFactorOff,
		"Two-factor authentication was turned off for your "+views.AppName+" account "+when(at, ip)+
			". Logging in now needs only your password, and every other session was logged out.\n\n"+
			"If it was you, there is nothing to do. If it wasn't, reset your password now:",
		"Reset your password", forgotURL, "")
}

func recoveryCodesRegeneratedMail(to string, at time.Time, ip, settingsURL string) (mail.Message, error) {
	return mail.ActionEmail(to, SubjectRecoveryCodes,
		"New recovery codes were generated for your "+views.AppName+" account "+when(at, ip)+
			". The old codes no longer work, and every other session was logged out.",
		"Review your two-factor settings", settingsURL,
		"If it wasn't you, reset your password at once.")
}

func recoveryCodeUsedMail(to string, at time.Time, ip string, left int, settingsURL string) (mail.Message, error) {
	remaining := fmt.Sprintf("You have %d recovery codes left.", left)
	switch left {
	case 0:
		remaining = "That was your last recovery code: generate a new set now."
	case 1:
		remaining = "You have 1 recovery code left: generate a new set soon."
	}
	return mail.ActionEmail(to, SubjectRecoveryUsed,
		"A recovery code was used to log in to your "+views.AppName+" account "+when(at, ip)+". Each code works once. "+remaining,
		"Manage recovery codes", settingsURL,
		"If it wasn't you, someone has your password and a recovery code: reset your password and generate new codes now.")
}

// humanDuration spells d for a sentence: "15 minutes", "1 hour", "90 seconds".
func humanDuration(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return fmt.Sprintf("%d %ss", n, one)
	}
	switch {
	case d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	case d%time.Second == 0:
		return unit(int64(d/time.Second), "second")
	}
	return d.String()
}
