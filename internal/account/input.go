package account

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rampart-dev/rampart/internal/auth/password"
)

// maxEmailBytes is the longest address accepted (RFC 5321 path limit).
const maxEmailBytes = 254

// Messages shown beside form fields.
const (
	msgInvalidEmail    = "Enter a valid email address, like ada@example.com."
	msgInvalidPassword = "The password contains invalid characters."
)

// normaliseEmail trims the spaces around raw and reports whether what is
// left is one bare address (no display name, comment or angle brackets) of
// at most maxEmailBytes, valid UTF-8 without control characters. Case is
// kept: the users table compares addresses case-insensitively (citext).
func normaliseEmail(raw string) (string, bool) {
	e := strings.TrimSpace(raw)
	if e == "" || len(e) > maxEmailBytes || !utf8.ValidString(e) || strings.IndexFunc(e, unicode.IsControl) >= 0 {
		return "", false
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Name != "" || addr.Address != e {
		return "", false
	}
	return e, true
}

// checkNewPassword applies the password policy (password.CheckNew) to a new
// password of the account email and returns the sentence to show, or "".
// The password is never trimmed or truncated; a NUL, which no one types and
// some systems cut strings at, is refused with invalid UTF-8.
func checkNewPassword(pw, email string) string {
	if strings.ContainsRune(pw, 0) {
		return msgInvalidPassword
	}
	if err := password.CheckNew(pw, email); err != nil {
		return sentence(err.Error())
	}
	return ""
}

// validateSignUp checks the sign-up form; it returns the normalised address
// and nil, or the FieldErrors of both fields.
func validateSignUp(rawEmail, pw string) (string, error) {
	fe := FieldErrors{}
	email, ok := normaliseEmail(rawEmail)
	if !ok {
		fe["email"] = msgInvalidEmail
		email = strings.TrimSpace(rawEmail)
	}
	if msg := checkNewPassword(pw, email); msg != "" {
		fe["password"] = msg
	}
	if len(fe) > 0 {
		return "", fe
	}
	return email, nil
}

// sentence makes an error text a sentence: a capital first letter and a
// full stop ("use at least 12 characters" -> "Use at least 12 characters.").
func sentence(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return s
	}
	s = string(unicode.ToUpper(r)) + s[size:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// clean makes a request-supplied string storable in a text column: invalid
// UTF-8 and NUL are dropped and the result is cut to max bytes on a
// character boundary.
func clean(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}
