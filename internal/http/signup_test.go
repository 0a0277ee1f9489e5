package http

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSignUpVerifyAndLandOnTheAccountPage(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)

	res, body := b.get("/signup")
	wantStatus(t, "GET /signup", res, body, http.StatusOK)
	for _, want := range []string{`name="email"`, `autocomplete="email"`, `name="password"`, `autocomplete="new-password"`, `name="csrf_token"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the sign-up form lacks %s", want)
		}
	}

	res, body = b.submit("/signup", url.Values{"email": {"ada@example.com"}, "password": {strongPassword}})
	wantRedirect(t, "sign-up", res, body, "/signup/sent")
	res, body = b.get("/signup/sent")
	wantStatus(t, "the check-your-email page", res, body, http.StatusOK)
	if !strings.Contains(body, "Check your email") {
		t.Errorf("the sent page does not ask to check the mail: %.500s", body)
	}
	if b.signedIn("ada@example.com") {
		t.Fatal("signed in before confirming the address")
	}

	link := s.mailLink(t, "ada@example.com", "/verify-email")
	res, body = b.get(link)
	wantRedirect(t, "the verification link", res, body, "/account")
	if rp := res.Header.Get("Referrer-Policy"); rp != "strict-origin" {
		t.Errorf("the verification response has Referrer-Policy %q, want strict-origin", rp)
	}

	res, body = b.get("/account")
	wantStatus(t, "GET /account", res, body, http.StatusOK)
	for _, want := range []string{"ada@example.com", "Confirmed", "your email address is confirmed", "Email address confirmed"} {
		if !strings.Contains(body, want) {
			t.Errorf("the account page after verification lacks %q", want)
		}
	}
	_, again := b.get("/account")
	if strings.Contains(again, "your email address is confirmed") {
		t.Error("the flash message was shown twice")
	}

	res, body = b.get(link)
	wantStatus(t, "the verification link used twice", res, body, http.StatusBadRequest)
	if !strings.Contains(body, "doesn&#39;t work") && !strings.Contains(body, "doesn't work") {
		t.Errorf("the used link's page does not explain: %.800s", body)
	}
}

func TestVerificationLinkProblems(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	res, body := b.submit("/signup", url.Values{"email": {"ada@example.com"}, "password": {strongPassword}})
	wantRedirect(t, "sign-up", res, body, "/signup/sent")
	link := s.mailLink(t, "ada@example.com", "/verify-email")

	tests := []struct {
		name, target string
	}{
		{"a link without its query is refused", "/verify-email"},
		{"an altered link is refused", strings.Replace(link, "token=", "token=x", 1)},
		{"a link with a forged signature is refused", link[:len(link)-3] + "AAA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := b.get(tc.target)
			wantStatus(t, tc.target, res, body, http.StatusBadRequest)
			if !strings.Contains(body, `href="/login?next=%2Faccount"`) {
				t.Errorf("a signed-out person is not offered to log in: %.800s", body)
			}
		})
	}

	t.Run("a signed-in person with an unconfirmed address can ask for a new link", func(t *testing.T) {
		b.logIn("ada@example.com", strongPassword)
		res, body := b.get("/verify-email?token=nope")
		wantStatus(t, "bad link while signed in", res, body, http.StatusBadRequest)
		if !strings.Contains(body, `action="/account/verify/resend"`) {
			t.Errorf("no resend button: %.800s", body)
		}
		before := s.mailCount(t, "ada@example.com")
		res, body = b.submit("/account/verify/resend", nil)
		wantRedirect(t, "resend", res, body, "/account")
		if after := s.mailCount(t, "ada@example.com"); after != before+1 {
			t.Errorf("mails to ada: %d after resending, want %d", after, before+1)
		}
		res, body = b.get(s.mailLink(t, "ada@example.com", "/verify-email"))
		wantRedirect(t, "the new link", res, body, "/account")
	})
}

func TestSignUpWithAnExistingAddressLooksTheSame(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	before := s.mailCount(t, "ada@example.com")

	for _, email := range []string{"ada@example.com", "new@example.com"} {
		b := s.browser(t)
		res, body := b.submit("/signup", url.Values{"email": {email}, "password": {otherPassword}})
		wantRedirect(t, "sign-up as "+email, res, body, "/signup/sent")
	}
	if got := s.mailCount(t, "ada@example.com"); got != before+1 {
		t.Errorf("the owner of the existing address got %d new mails, want 1", got-before)
	}
	b := s.browser(t)
	b.logIn("ada@example.com", strongPassword) // the existing password is unchanged
}

func TestSignUpRefusesBadInputBesideTheFields(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	res, body := b.submit("/signup", url.Values{"email": {"not-an-address"}, "password": {"short"}})
	wantStatus(t, "bad sign-up", res, body, http.StatusUnprocessableEntity)
	if !strings.Contains(body, `value="not-an-address"`) {
		t.Error("the address was not kept")
	}
	if strings.Contains(body, `value="short"`) {
		t.Error("the password was echoed back")
	}
	if n := strings.Count(body, `aria-invalid="true"`); n != 2 {
		t.Errorf("%d fields marked invalid, want 2", n)
	}
	if !strings.Contains(body, "12 characters") {
		t.Errorf("the password problem is not explained: %.1500s", body)
	}
}
