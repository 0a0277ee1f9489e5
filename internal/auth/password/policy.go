package password

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Length limits (DESIGN.md): any Unicode, counted in characters, never
// truncated.
const (
	MinLength = 12
	MaxLength = 128
)

// Policy errors, each phrased for the person choosing the password.
var (
	ErrTooShort    = errors.New("use at least 12 characters")
	ErrTooLong     = errors.New("use at most 128 characters")
	ErrIsEmail     = errors.New("don't use your email address as your password")
	ErrInvalidUTF8 = errors.New("the password contains invalid characters")
)

// Validate applies the length and identity rules to a new password for the
// account email. It returns one of the policy errors, or nil.
func Validate(pw, email string) error {
	if !utf8.ValidString(pw) {
		return ErrInvalidUTF8
	}
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinLength:
		return ErrTooShort
	case n > MaxLength:
		return ErrTooLong
	case email != "" && strings.EqualFold(strings.TrimSpace(pw), strings.TrimSpace(email)):
		return ErrIsEmail
	}
	return nil
}
