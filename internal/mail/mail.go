// Package mail sends Rampart's email through a transactional outbox.
//
// A mail is written to the mail_outbox table by Outbox.Enqueue, in the same
// transaction as the change that caused it and together with the River job
// (SendArgs) that delivers it, so a mail exists exactly when that change
// commits. SendWorker delivers it through a Sender (SMTPSender for SMTP_URL);
// without SMTP_URL the mail stays in the outbox, where the development
// mailbox (/dev/mail) shows it.
//
// Rendering is in render.go (templ components in views/mail, plain text
// written by hand). Links in mail are always built by the caller from
// APP_BASE_URL, never from a request's Host header.
package mail

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a Message may carry. An address is at most 254 characters
// (RFC 5321 path limit); a subject fits on one folded header line.
const (
	maxAddressLen = 254
	maxSubjectLen = 250
)

// ErrInvalidMessage is wrapped by every validation error of a Message.
var ErrInvalidMessage = errors.New("mail: invalid message")

// Message is one email to one recipient. To is a bare address
// ("ada@example.com", no display name); Subject is a single line; Text is the
// plain-text body and HTML the HTML alternative (optional: without it the
// mail is sent as plain text only).
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Validate returns an error wrapping ErrInvalidMessage when To is not a
// single bare address, when To or Subject contains a line break or another
// control character (header injection: "Subject: hi\r\nBcc: ..."), when
// Subject or Text is empty, or when a field is not valid UTF-8, holds a NUL
// or is too long.
func (m Message) Validate() error {
	if err := validateAddress(m.To); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(m.Subject) == "":
		return fmt.Errorf("%w: the subject is empty", ErrInvalidMessage)
	case hasControl(m.Subject):
		return fmt.Errorf("%w: the subject contains a line break or a control character", ErrInvalidMessage)
	case utf8.RuneCountInString(m.Subject) > maxSubjectLen:
		return fmt.Errorf("%w: the subject is longer than %d characters", ErrInvalidMessage, maxSubjectLen)
	case strings.TrimSpace(m.Text) == "":
		return fmt.Errorf("%w: the text body is empty", ErrInvalidMessage)
	case !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML):
		return fmt.Errorf("%w: the body is not valid UTF-8", ErrInvalidMessage)
	case strings.ContainsRune(m.Text, 0) || strings.ContainsRune(m.HTML, 0):
		// PostgreSQL text cannot hold NUL, and no mail needs it.
		return fmt.Errorf("%w: the body contains a NUL character", ErrInvalidMessage)
	}
	return nil
}

func validateAddress(to string) error {
	switch {
	case to == "":
		return fmt.Errorf("%w: the recipient is empty", ErrInvalidMessage)
	case hasControl(to):
		return fmt.Errorf("%w: the recipient contains a line break or a control character", ErrInvalidMessage)
	case len(to) > maxAddressLen:
		return fmt.Errorf("%w: the recipient is longer than %d bytes", ErrInvalidMessage, maxAddressLen)
	}
	addr, err := mail.ParseAddress(to)
	if err != nil || addr.Name != "" || addr.Address != to {
		return fmt.Errorf("%w: the recipient is not a bare email address", ErrInvalidMessage)
	}
	return nil
}

// hasControl reports a control character (CR, LF, NUL, tab, DEL, C1...) or
// invalid UTF-8 in a header value.
func hasControl(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
