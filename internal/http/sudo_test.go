package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// sudoConfirmed says whether email has a session with a sudo confirmation.
func (s *testServer) sudoConfirmed(t *testing.T, email string) bool {
	t.Helper()
	var ok bool
	err := s.pool.QueryRow(context.Background(), `
		SELECT EXISTS (SELECT 1 FROM sessions WHERE sudo_at IS NOT NULL
		               AND user_id = (SELECT id FROM users WHERE email = $1))`, email).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// endSudo ages email's sessions past the sudo window: logged in 11 minutes
// ago, never confirmed since.
func (s *testServer) endSudo(t *testing.T, email string) {
	t.Helper()
	_, err := s.pool.Exec(context.Background(), `
		UPDATE sessions SET created_at = now() - interval '11 minutes', sudo_at = NULL
		WHERE user_id = (SELECT id FROM users WHERE email = $1)`, email)
	if err != nil {
		t.Fatal(err)
	}
}

func TestSensitiveChangesAskForThePasswordAgain(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	s.endSudo(t, "ada@example.com")

	res, body := b.submit("/account/2fa/enroll", nil)
	wantRedirect(t, "enrolling 11 minutes after the login", res, body, "/account/confirm?next=%2Faccount%2F2fa")
	if n := s.authenticatorRows(t, "ada@example.com"); n != 0 {
		t.Fatalf("%d authenticators stored without sudo, want none", n)
	}
	_, body = b.get("/account/2fa")
	if !parsePage(t, body).has("sudo-hint") {
		t.Error("the 2FA page does not say the password will be asked for")
	}

	res, body = b.get("/account/confirm?next=%2Faccount%2F2fa")
	wantStatus(t, "GET /account/confirm", res, body, http.StatusOK)
	if !strings.Contains(body, `name="next" value="/account/2fa"`) {
		t.Errorf("the confirmation form does not carry next: %.2000s", body)
	}
	if parsePage(t, body).has("field-code") {
		t.Error("the confirmation page offers a code field without 2FA")
	}

	res, body = b.submit("/account/confirm", url.Values{"password": {"not the password 123"}, "next": {"/account/2fa"}})
	wantStatus(t, "a wrong password", res, body, http.StatusUnprocessableEntity)
	if msg := parsePage(t, body).fieldError("password"); msg != "That isn't your password." {
		t.Errorf("error beside the password field = %q", msg)
	}
	if s.sudoConfirmed(t, "ada@example.com") {
		t.Fatal("a wrong password started sudo mode")
	}

	res, body = b.submit("/account/confirm", url.Values{"password": {strongPassword}, "next": {"/account/2fa"}})
	wantRedirect(t, "the right password", res, body, "/account/2fa")
	res, body = b.submit("/account/2fa/enroll", nil)
	wantStatus(t, "enrolling after confirming", res, body, http.StatusOK)
	if !parsePage(t, body).has("totp-secret") {
		t.Error("no secret on the enroll page")
	}

	for _, next := range []string{"https://evil.example/", "//evil.example", `/\evil.example`} {
		t.Run("next "+next+" is not followed", func(t *testing.T) {
			_, body := b.get("/account/confirm?" + url.Values{"next": {next}}.Encode())
			if strings.Contains(body, "evil.example") {
				t.Error("the foreign next made it into the page")
			}
			res, body := b.submit("/account/confirm", url.Values{"password": {strongPassword}, "next": {next}})
			wantRedirect(t, "confirming", res, body, "/account")
		})
	}
}

func TestSudoAcceptsATOTPCodeWithTwoFactorOn(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	en := s.twoFactorUser(t, "ada@example.com", now)
	b := s.browser(t)
	b.startLogin("ada@example.com", strongPassword, "")
	res, body := b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now)}})
	wantRedirect(t, "the second step", res, body, "/account")
	s.endSudo(t, "ada@example.com")

	res, body = b.submit("/account/2fa/recovery-codes", nil)
	wantRedirect(t, "new recovery codes 11 minutes after the login", res, body, "/account/confirm?next=%2Faccount%2F2fa")
	res, body = b.get("/account/confirm?next=%2Faccount%2F2fa")
	wantStatus(t, "GET /account/confirm", res, body, http.StatusOK)
	if !parsePage(t, body).has("field-code") {
		t.Fatal("the confirmation page offers no code field with 2FA on")
	}

	res, body = b.submit("/account/confirm", url.Values{"code": {wrongCode(t, en.secret, now)}, "next": {"/account/2fa"}})
	wantStatus(t, "a wrong code", res, body, http.StatusUnprocessableEntity)
	if msg := parsePage(t, body).fieldError("code"); !strings.Contains(msg, "didn't work") {
		t.Errorf("error beside the code field = %q", msg)
	}
	res, body = b.submit("/account/confirm", url.Values{"code": {totpCode(t, en.secret, now.Add(totpStep))}, "next": {"/account/2fa"}})
	wantRedirect(t, "the right code", res, body, "/account/2fa")
	res, body = b.submit("/account/2fa/recovery-codes", nil)
	wantStatus(t, "new recovery codes after confirming", res, body, http.StatusOK)
	if n := len(parsePage(t, body).items("recovery-codes")); n != 10 {
		t.Errorf("%d new recovery codes, want 10", n)
	}
}

func TestSudoRefusesARecoveryCodeWithoutUsingItUp(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	en := s.twoFactorUser(t, "ada@example.com", now)
	b := s.browser(t)
	b.startLogin("ada@example.com", strongPassword, "")
	res, body := b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now)}})
	wantRedirect(t, "the second step", res, body, "/account")
	s.endSudo(t, "ada@example.com")

	res, body = b.submit("/account/confirm", url.Values{"code": {en.codes[0]}})
	wantStatus(t, "a recovery code for sudo", res, body, http.StatusUnprocessableEntity)
	if s.sudoConfirmed(t, "ada@example.com") {
		t.Fatal("a recovery code started sudo mode")
	}

	other := s.browser(t)
	other.startLogin("ada@example.com", strongPassword, "")
	res, body = other.submit("/login/2fa", url.Values{"code": {en.codes[0]}})
	wantRedirect(t, "the recovery code refused for sudo, at login", res, body, "/account")
}

// A privilege change gives the session a new cookie value: the value from
// before stops working, and the browser that made the change stays signed
// in (its CSRF tokens too: they are bound to the session, not the value).
func TestPrivilegeChangesRenewTheSessionToken(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	check := func(what string, change func()) {
		t.Helper()
		before := b.cookie("session")
		change()
		after := b.cookie("session")
		if after == "" || after == before {
			t.Fatalf("%s: the session cookie was not renewed", what)
		}
		old := s.browser(t)
		old.setCookie("session", before)
		if old.signedIn("ada@example.com") {
			t.Errorf("%s: the cookie value from before still works", what)
		}
		if !b.signedIn("ada@example.com") {
			t.Errorf("%s: the browser that made the change was signed out", what)
		}
	}
	check("a sudo confirmation", func() {
		res, body := b.submit(PathSudo, url.Values{"password": {strongPassword}})
		wantRedirect(t, "confirming the password", res, body, "/account")
	})
	check("two-factor on", func() { b.enrollTwoFactor(time.Now()) })
	check("two-factor off", func() {
		res, body := b.submit("/account/2fa/disable", url.Values{"password": {strongPassword}})
		wantRedirect(t, "turning two-factor off", res, body, pathTwoFactor)
	})
	n := s.count(t, `SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'ada@example.com'`)
	if n != 1 {
		t.Errorf("%d sessions after the changes, want the one, renewed", n)
	}
}
