package http

import (
	"testing"

	"github.com/rampart-dev/rampart/internal/account"
)

// TestEveryAuditEventHasALabel: the account page never shows a raw kind.
func TestEveryAuditEventHasALabel(t *testing.T) {
	warnings := map[string]bool{}
	for _, kind := range []string{
		account.EventSignup, account.EventEmailVerified, account.EventLogin, account.EventLoginFailed,
		account.EventLockout, account.EventUnlock, account.EventLogout, account.EventPasswordChanged,
		account.EventPasswordReset, account.EventResetRequested, account.EventSessionRevoked,
		account.EventLoginStarted, account.EventSecondFactorFailed, account.EventTwoFactorEnabled,
		account.EventTwoFactorDisabled, account.EventRecoveryCodeUsed, account.EventRecoveryCodesRegenerated,
		account.EventSudo, account.EventMagicLinkRequested,
	} {
		label, warning := eventLabel(kind)
		if label == kind || label == "" {
			t.Errorf("event %q has no label", kind)
		}
		warnings[kind] = warning
	}
	for _, kind := range []string{account.EventLoginFailed, account.EventSecondFactorFailed, account.EventTwoFactorDisabled, account.EventRecoveryCodeUsed} {
		if !warnings[kind] {
			t.Errorf("event %q is not marked for attention", kind)
		}
	}
}
