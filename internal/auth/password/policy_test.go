package password

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		name  string
		pw    string
		email string
		want  error
	}{
		{"11 characters are refused", strings.Repeat("a", 11), "", ErrTooShort},
		{"12 characters are accepted", strings.Repeat("a", 12), "", nil},
		{"128 characters are accepted", strings.Repeat("a", 128), "", nil},
		{"129 characters are refused", strings.Repeat("a", 129), "", ErrTooLong},
		{"an empty password is refused", "", "", ErrTooShort},
		{"11 emoji are too short although they are 44 bytes", strings.Repeat("🔐", 11), "", ErrTooShort},
		{"12 emoji are counted as 12 characters", strings.Repeat("🔐", 12), "", nil},
		{"128 emoji are accepted although they are 512 bytes", strings.Repeat("🔐", 128), "", nil},
		{"129 emoji are refused", strings.Repeat("🔐", 129), "", ErrTooLong},
		{"accented letters are counted as characters", strings.Repeat("é", 12), "", nil},
		{"spaces count as characters", "correct horse", "", nil},
		{"the email address itself is refused", "alice@example.com", "alice@example.com", ErrIsEmail},
		{"the email address in another case is refused", "ALICE@Example.COM", "alice@example.com", ErrIsEmail},
		{"the email address with surrounding spaces is refused", "  alice@example.com ", "alice@example.com", ErrIsEmail},
		{"a password merely containing the email is accepted", "alice@example.com!", "alice@example.com", nil},
		{"a password checked without an email is accepted", "alice@example.com", "", nil},
		{"invalid UTF-8 is refused", "abcdefghijkl\xff", "", ErrInvalidUTF8},
		{"a lone continuation byte is refused", strings.Repeat("a", 20) + "\x80", "", ErrInvalidUTF8},
		{"a truncated multi-byte character is refused", strings.Repeat("a", 20) + "\xf0\x9f\x94", "", ErrInvalidUTF8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := Validate(tc.pw, tc.email); !errors.Is(err, tc.want) {
				t.Errorf("Validate(%q, %q) = %v, want %v", tc.pw, tc.email, err, tc.want)
			}
		})
	}
}
