package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestBadInputIsRefusedWith422(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	signedIn := s.browser(t)
	signedIn.logIn("ada@example.com", strongPassword)
	s.browser(t).submit("/password/forgot", url.Values{"email": {"ada@example.com"}})
	resetLink := s.mailLink(t, "ada@example.com", "/password/reset")

	longEmail := strings.Repeat("a", 1100) + "@example.com"
	longPassword := strings.Repeat("p", 1025)
	tests := []struct {
		name   string
		b      *browser
		path   string
		fields url.Values
	}{
		{"an overlong address at sign-up", s.browser(t), "/signup", url.Values{"email": {longEmail}, "password": {strongPassword}}},
		{"an overlong password at sign-up", s.browser(t), "/signup", url.Values{"email": {"new@example.com"}, "password": {longPassword}}},
		{"a NUL in the address at sign-up", s.browser(t), "/signup", url.Values{"email": {"new\x00@example.com"}, "password": {strongPassword}}},
		{"a NUL in the password at sign-up", s.browser(t), "/signup", url.Values{"email": {"new@example.com"}, "password": {strongPassword + "\x00"}}},
		{"invalid UTF-8 at sign-up", s.browser(t), "/signup", url.Values{"email": {"new\xff@example.com"}, "password": {"\xfe\xff" + strongPassword}}},
		{"an overlong address at login", s.browser(t), "/login", url.Values{"email": {longEmail}, "password": {strongPassword}}},
		{"an overlong password at login", s.browser(t), "/login", url.Values{"email": {"ada@example.com"}, "password": {longPassword}}},
		{"a NUL at login", s.browser(t), "/login", url.Values{"email": {"ada@example.com\x00"}, "password": {strongPassword}}},
		{"invalid UTF-8 at login", s.browser(t), "/login", url.Values{"email": {"ada@example.com"}, "password": {strongPassword + "\xff"}}},
		{"an empty login", s.browser(t), "/login", url.Values{}},
		{"an overlong address for a reset", s.browser(t), "/password/forgot", url.Values{"email": {longEmail}}},
		{"invalid UTF-8 for a reset", s.browser(t), "/password/forgot", url.Values{"email": {"\xffada@example.com"}}},
		{"a NUL in a new password", s.browser(t), resetLink, url.Values{"password": {otherPassword + "\x00"}}},
		{"an overlong new password", s.browser(t), resetLink, url.Values{"password": {longPassword}}},
		{"invalid UTF-8 in a changed password", signedIn, "/account/password", url.Values{"current_password": {strongPassword}, "new_password": {otherPassword + "\xc3"}}},
		{"an overlong current password", signedIn, "/account/password", url.Values{"current_password": {longPassword}, "new_password": {otherPassword}}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" gets 422", func(t *testing.T) {
			res, body := tc.b.submit(tc.path, tc.fields)
			wantStatus(t, tc.name, res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, `aria-invalid="true"`) {
				t.Errorf("no field is marked invalid: %.1500s", body)
			}
		})
	}
	signedIn.logIn("ada@example.com", strongPassword) // nothing above changed the password
}
