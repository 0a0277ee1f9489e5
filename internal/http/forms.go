package http

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/views"
)

// Input bounds checked before anything reaches the domain: an address is at
// most 254 characters anyway, and a password at most 128; these only stop
// abuse (hashing megabytes, writing junk to the log) with a clear 422.
const (
	maxEmailBytes    = 1024
	maxPasswordBytes = 1024
)

// Messages for input that is not text a person could have typed.
const (
	msgTooLong     = "This is too long."
	msgInvalidText = "This contains characters we can't accept."
	msgRequired    = "Please fill this in."
)

// formFields reads the named fields of a POSTed form and checks that each
// is text: valid UTF-8, no NUL, within its byte limit; fields that hold
// addresses (and everything but passwords) may not contain any control
// character either. It returns the values and the problems by field name.
type formFields struct {
	values map[string]string
	errs   views.FormErrors
}

func newFormFields() *formFields {
	return &formFields{values: map[string]string{}, errs: views.FormErrors{}}
}

// email reads an address field: surrounding space is trimmed.
func (f *formFields) email(c echo.Context, name string) string {
	v := strings.TrimSpace(c.Request().PostFormValue(name))
	if msg := textProblem(v, maxEmailBytes, false); msg != "" {
		f.errs[name] = msg
		return ""
	}
	if v == "" {
		f.errs[name] = "Please enter your email address."
	}
	f.values[name] = v
	return v
}

// password reads a password field as typed: spaces count, and any Unicode
// is allowed, but not NUL or broken UTF-8.
func (f *formFields) password(c echo.Context, name string) string {
	v := c.Request().PostFormValue(name)
	if msg := textProblem(v, maxPasswordBytes, true); msg != "" {
		f.errs[name] = msg
		return ""
	}
	if v == "" {
		f.errs[name] = msgRequired
	}
	return v
}

func (f *formFields) ok() bool { return len(f.errs) == 0 }

// textProblem says what is wrong with v as form text, or "".
func textProblem(v string, maxBytes int, allowControl bool) string {
	switch {
	case len(v) > maxBytes:
		return msgTooLong
	case !utf8.ValidString(v), strings.IndexByte(v, 0) >= 0:
		return msgInvalidText
	case !allowControl && strings.IndexFunc(v, unicode.IsControl) >= 0:
		return msgInvalidText
	}
	return ""
}

// fieldErrors turns the domain's validation error into the form's errors.
// fields maps each name the domain may use to the form field it belongs to;
// a message for any other name is shown about the whole form.
func fieldErrors(err error, fields map[string]string) (views.FormErrors, bool) {
	var fe account.FieldErrors
	if !errors.As(err, &fe) {
		return nil, false
	}
	out := views.FormErrors{}
	for k, v := range fe {
		name, ok := fields[k]
		if !ok {
			name = views.Form
		}
		if out[name] != "" {
			v = out[name] + " " + v
		}
		out[name] = v
	}
	return out, true
}

// truncateUTF8 cuts s to at most n bytes on a rune boundary, after
// replacing broken UTF-8 and dropping control characters, so header text
// can be stored and shown safely.
func truncateUTF8(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
