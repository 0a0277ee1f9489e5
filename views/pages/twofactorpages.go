package pages

import (
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// lowRecoveryCodes is the number of unused recovery codes at or below which
// the two-factor page warns that the set is running out.
const lowRecoveryCodes = 3

// count is "1 <one>" or "n <many>": count(2, "code", "codes") is "2 codes".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// recoveryCodesLeft says how many unused recovery codes remain.
func recoveryCodesLeft(n int) string {
	if n <= 0 {
		return "You have no recovery codes left."
	}
	return "You have " + count(n, "unused recovery code", "unused recovery codes") + " left."
}

// otpauthURL lets an otpauth://totp/ URL (the QR code's content) through
// templ's URL sanitiser, so a phone can hand it straight to an authenticator
// app; anything else gives templ.FailedSanitizationURL.
func otpauthURL(s string) templ.SafeURL {
	const prefix = "otpauth://totp/"
	if len(s) <= len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return templ.FailedSanitizationURL
	}
	return templ.SafeURL(s)
}

// magicLinkTitle is the heading of the magic link confirmation page.
func magicLinkTitle(email string) string {
	if email == "" {
		return "Log in?"
	}
	return "Log in as " + email + "?"
}
