package mail_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/mail"
)

func TestMessageValidate(t *testing.T) {
	valid := mail.Message{To: "ada@example.com", Subject: "Reset your password", Text: "Hello", HTML: "<p>Hello</p>"}
	cases := []struct {
		name   string
		change func(*mail.Message)
		ok     bool
	}{
		{"a bare address, a subject and both bodies are accepted", func(*mail.Message) {}, true},
		{"a message without HTML is accepted", func(m *mail.Message) { m.HTML = "" }, true},
		{"a non-ASCII subject is accepted", func(m *mail.Message) { m.Subject = "Grüße — bitte bestätigen" }, true},
		{"CRLF in the subject is refused (header injection)", func(m *mail.Message) { m.Subject = "Hi\r\nBcc: victim@example.com" }, false},
		{"a bare LF in the subject is refused", func(m *mail.Message) { m.Subject = "Hi\nBcc: victim@example.com" }, false},
		{"a bare CR in the subject is refused", func(m *mail.Message) { m.Subject = "Hi\rthere" }, false},
		{"NUL in the subject is refused", func(m *mail.Message) { m.Subject = "Hi\x00" }, false},
		{"CRLF in the recipient is refused (header injection)", func(m *mail.Message) { m.To = "ada@example.com\r\nBcc: victim@example.com" }, false},
		{"LF at the end of the recipient is refused", func(m *mail.Message) { m.To = "ada@example.com\n" }, false},
		{"a display name is refused: To is a bare address", func(m *mail.Message) { m.To = "Ada <ada@example.com>" }, false},
		{"two recipients are refused", func(m *mail.Message) { m.To = "ada@example.com, bob@example.com" }, false},
		{"an address without a domain is refused", func(m *mail.Message) { m.To = "ada" }, false},
		{"an address with surrounding spaces is refused", func(m *mail.Message) { m.To = " ada@example.com" }, false},
		{"an empty recipient is refused", func(m *mail.Message) { m.To = "" }, false},
		{"an overlong recipient is refused", func(m *mail.Message) { m.To = strings.Repeat("a", 250) + "@example.com" }, false},
		{"an empty subject is refused", func(m *mail.Message) { m.Subject = "  " }, false},
		{"an overlong subject is refused", func(m *mail.Message) { m.Subject = strings.Repeat("x", 251) }, false},
		{"an empty text body is refused", func(m *mail.Message) { m.Text = "" }, false},
		{"invalid UTF-8 in the subject is refused", func(m *mail.Message) { m.Subject = "Hi \xff" }, false},
		{"NUL in the text body is refused", func(m *mail.Message) { m.Text = "a\x00b" }, false},
		{"invalid UTF-8 in the HTML is refused", func(m *mail.Message) { m.HTML = "<p>\xff</p>" }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := valid
			tc.change(&m)
			err := m.Validate()
			if tc.ok && err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if !tc.ok && !errors.Is(err, mail.ErrInvalidMessage) {
				t.Fatalf("Validate() = %v, want an error wrapping ErrInvalidMessage", err)
			}
		})
	}
}

func FuzzMessageValidateRefusesHeaderBreaks(f *testing.F) {
	f.Add("ada@example.com", "Hello")
	f.Add("ada@example.com\r\nBcc: x@y.z", "Hi")
	f.Add("ada@example.com", "Hi\nBcc: x@y.z")
	f.Fuzz(func(t *testing.T, to, subject string) {
		err := mail.Message{To: to, Subject: subject, Text: "body"}.Validate()
		if err == nil && strings.ContainsAny(to+subject, "\r\n") {
			t.Fatalf("accepted a line break: to=%q subject=%q", to, subject)
		}
	})
}
