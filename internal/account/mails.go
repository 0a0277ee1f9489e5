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
