package http

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestPasswordResetWorksOnceAndEndsSessions(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	elsewhere := s.browser(t)
	elsewhere.logIn("ada@example.com", strongPassword)

	b := s.browser(t)
	res, body := b.get("/password/forgot")
	wantStatus(t, "GET /password/forgot", res, body, http.StatusOK)
	res, body = b.submit("/password/forgot", url.Values{"email": {"ada@example.com"}})
	wantRedirect(t, "reset request", res, body, "/password/forgot/sent")
	res, body = b.get("/password/forgot/sent")
	wantStatus(t, "the sent page", res, body, http.StatusOK)

	link := s.mailLink(t, "ada@example.com", "/password/reset")
	res, body = b.get(link)
	wantStatus(t, "the reset link", res, body, http.StatusOK)
	if rp := res.Header.Get("Referrer-Policy"); rp != "strict-origin" {
		t.Errorf("Referrer-Policy = %q, want strict-origin", rp)
	}
	if !strings.Contains(body, `action="`+html.EscapeString(link)+`"`) {
		t.Errorf("the form does not post to the link itself (%s): %.2000s", link, body)
	}
	if !strings.Contains(body, `autocomplete="new-password"`) {
		t.Error("the new password field has no autocomplete=new-password")
	}
	res, body = b.get(link)
	wantStatus(t, "the reset link looked at twice", res, body, http.StatusOK)

	res, body = b.submit(link, url.Values{"password": {"short"}})
	wantStatus(t, "a weak new password", res, body, http.StatusUnprocessableEntity)
	if res.Header.Get("Referrer-Policy") != "strict-origin" {
		t.Error("the 422 reset page lacks Referrer-Policy: strict-origin")
	}

	res, body = b.submit(link, url.Values{"password": {otherPassword}})
	wantRedirect(t, "the reset", res, body, "/login")
	res, body = b.get("/login")
	wantStatus(t, "the login page", res, body, http.StatusOK)
	if !strings.Contains(body, "Your password has been changed") {
		t.Errorf("no flash after the reset: %.600s", body)
	}
	if elsewhere.signedIn("ada@example.com") {
		t.Error("a session from before the reset still works")
	}

	res, body = b.get(link)
	wantStatus(t, "the used link", res, body, http.StatusBadRequest)
	if !strings.Contains(body, `href="/password/forgot"`) {
		t.Error("the used-link page does not offer a new link")
	}
	res, body = b.submit(link, url.Values{"password": {thirdPassword}})
	wantStatus(t, "the used link posted again", res, body, http.StatusBadRequest)

	res, body = b.submit("/login", url.Values{"email": {"ada@example.com"}, "password": {strongPassword}})
	wantStatus(t, "the old password", res, body, http.StatusUnprocessableEntity)
	b.logIn("ada@example.com", otherPassword)
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	other := s.browser(t)
	other.logIn("ada@example.com", strongPassword)
	b := s.browser(t)
	b.logIn("ada@example.com", strongPassword)
	before := b.cookie("session")

	res, body := b.submit("/account/password", url.Values{"current_password": {"not it at all 123"}, "new_password": {otherPassword}})
	wantStatus(t, "a wrong current password", res, body, http.StatusUnprocessableEntity)
	if !strings.Contains(body, "That isn&#39;t your current password") && !strings.Contains(body, "That isn't your current password") {
		t.Errorf("no error beside the current password: %.2000s", body)
	}
	if strings.Contains(body, "not it at all 123") || strings.Contains(body, otherPassword) {
		t.Error("a password was echoed back")
	}

	res, body = b.submit("/account/password", url.Values{"current_password": {strongPassword}, "new_password": {"ada@example.com"}})
	wantStatus(t, "a weak new password", res, body, http.StatusUnprocessableEntity)
	if !strings.Contains(body, `id="field-new_password-help" class="field-error"`) {
		t.Errorf("no error beside the new password: %.3000s", body)
	}

	res, body = b.submit("/account/password", url.Values{"current_password": {strongPassword}, "new_password": {otherPassword}})
	wantRedirect(t, "the change", res, body, "/account")
	if after := b.cookie("session"); after == "" || after == before {
		t.Error("the session cookie was not replaced")
	}
	res, body = b.get("/account")
	wantStatus(t, "the account page after the change", res, body, http.StatusOK)
	if !strings.Contains(body, "Your password has been changed") || !strings.Contains(body, "Password changed") {
		t.Errorf("the change is neither announced nor listed: %.500s", body)
	}
	if other.signedIn("ada@example.com") {
		t.Error("another session survived the password change")
	}
	fresh := s.browser(t)
	fresh.logIn("ada@example.com", otherPassword)
}

func TestAccountFlowsKeepSecretsOutOfTheLog(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	b.submit("/account/password", url.Values{"current_password": {strongPassword}, "new_password": {otherPassword}})
	b.submit("/logout", nil)
	b.submit("/password/forgot", url.Values{"email": {"ada@example.com"}})
	link := s.mailLink(t, "ada@example.com", "/password/reset")
	b.get(link)
	b.submit(link, url.Values{"password": {thirdPassword}})
	b.logIn("ada@example.com", thirdPassword)

	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{strongPassword, url.QueryEscape(strongPassword), otherPassword, thirdPassword, b.cookie("session")}
	for k, v := range u.Query() {
		if k != "expires" {
			secrets = append(secrets, v[0])
		}
	}
	log := s.log.String()
	for _, secret := range secrets {
		if len(secret) > 8 && strings.Contains(log, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}
