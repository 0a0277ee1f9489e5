package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/account"
)

func TestTwoFactorEnrollment(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	before := s.browser(t)
	before.logIn("ada@example.com", strongPassword)

	res, body := b.get("/account/2fa")
	wantStatus(t, "GET /account/2fa", res, body, http.StatusOK)
	if got := parsePage(t, body).text("twofactor-status"); got != "Off" {
		t.Errorf("2FA status before enrolling = %q, want Off", got)
	}

	res, body = b.submit("/account/2fa/enroll", nil)
	wantStatus(t, "POST /account/2fa/enroll", res, body, http.StatusOK)
	p := parsePage(t, body)
	secret := p.text("totp-secret")
	if len(secret) < 26 || strings.Trim(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Fatalf("totp-secret = %q, want an unpadded base32 secret of at least 128 bits", secret)
	}
	if imgs := p.images(); len(imgs) != 1 || !isPNGDataURI(imgs[0]) {
		t.Errorf("the enroll page's images = %.80q, want one PNG data: URI (the QR code)", imgs)
	}
	if s.twoFactorOn(t, "ada@example.com") {
		t.Fatal("2FA is on before the first code")
	}

	res, body = b.submit("/account/2fa/confirm", url.Values{"code": {wrongCode(t, secret, now)}})
	wantStatus(t, "a wrong first code", res, body, http.StatusUnprocessableEntity)
	p = parsePage(t, body)
	if msg := p.fieldError("code"); !strings.Contains(msg, "didn't work") {
		t.Errorf("error beside the code field = %q, want that the code didn't work", msg)
	}
	if got := p.text("totp-secret"); got != secret {
		t.Errorf("after a wrong code the page shows secret %q, want the same %q", got, secret)
	}
	if s.twoFactorOn(t, "ada@example.com") {
		t.Fatal("a wrong code turned 2FA on")
	}

	res, body = b.submit("/account/2fa/confirm", url.Values{"code": {totpCode(t, secret, now)}})
	wantStatus(t, "the right first code", res, body, http.StatusOK)
	codes := parsePage(t, body).items("recovery-codes")
	if len(codes) != 10 {
		t.Fatalf("recovery codes shown = %q, want 10", codes)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) < 10 || seen[c] {
			t.Errorf("recovery code %q is short or repeated", c)
		}
		seen[c] = true
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the recovery codes page has Cache-Control %q, want no-store", cc)
	}

	res, body = b.get("/account/2fa")
	wantStatus(t, "the 2FA page", res, body, http.StatusOK)
	p = parsePage(t, body)
	if got := p.text("twofactor-status"); got != "On" {
		t.Errorf("2FA status after enrolling = %q, want On", got)
	}
	if got := p.text("recovery-codes-left"); got != "10 unused codes" {
		t.Errorf("recovery codes left = %q, want 10 unused codes", got)
	}
	if n := s.mailsWithSubject(t, "ada@example.com", account.SubjectTwoFactorOn); n != 1 {
		t.Errorf("%d mails saying 2FA is on, want 1", n)
	}
	if before.signedIn("ada@example.com") {
		t.Error("a session from before 2FA was turned on still works")
	}
	if !b.signedIn("ada@example.com") {
		t.Error("turning 2FA on signed out the session that did it")
	}

	res, body = b.submit("/account/2fa/confirm", url.Values{"code": {totpCode(t, secret, now.Add(totpStep))}})
	wantRedirect(t, "confirming again", res, body, "/account/2fa")
	res, body = b.submit("/account/2fa/enroll", nil)
	wantRedirect(t, "enrolling again with 2FA on", res, body, "/account/2fa")
}

func TestTurningTwoFactorOffNeedsThePassword(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	en := s.twoFactorUser(t, "ada@example.com", now)
	b, other := s.browser(t), s.browser(t)
	for _, br := range []*browser{b, other} {
		br.startLogin("ada@example.com", strongPassword, "")
		code := totpCode(t, en.secret, now)
		if br == other {
			code = en.codes[0]
		}
		res, body := br.submit("/login/2fa", url.Values{"code": {code}})
		wantRedirect(t, "the second step", res, body, "/account")
	}

	res, body := b.submit("/account/2fa/disable", url.Values{"password": {"not the password 123"}})
	wantStatus(t, "a wrong password", res, body, http.StatusUnprocessableEntity)
	p := parsePage(t, body)
	if msg := p.fieldError("password"); msg != "That isn't your password." {
		t.Errorf("error beside the password field = %q", msg)
	}
	if p.text("twofactor-status") != "On" || !s.twoFactorOn(t, "ada@example.com") {
		t.Fatal("a wrong password turned 2FA off")
	}

	res, body = b.submit("/account/2fa/disable", url.Values{"password": {strongPassword}})
	wantRedirect(t, "the right password", res, body, "/account/2fa")
	_, body = b.get("/account/2fa")
	if got := parsePage(t, body).text("twofactor-status"); got != "Off" {
		t.Errorf("2FA status after turning it off = %q, want Off", got)
	}
	if s.authenticatorRows(t, "ada@example.com") != 0 {
		t.Error("the authenticator is still stored")
	}
	if n := s.mailsWithSubject(t, "ada@example.com", account.SubjectTwoFactorOff); n != 1 {
		t.Errorf("%d mails saying 2FA is off, want 1", n)
	}
	if other.signedIn("ada@example.com") {
		t.Error("another session survived turning 2FA off")
	}
	res, body = b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")
	b.logIn("ada@example.com", strongPassword)
}

func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	old := s.twoFactorUser(t, "ada@example.com", now)
	b := s.browser(t)

	b.startLogin("ada@example.com", strongPassword, "")
	res, body := b.submit("/login/2fa", url.Values{"code": {old.codes[0]}})
	wantRedirect(t, "a recovery code", res, body, "/account")
	_, body = b.get("/account")
	if !strings.Contains(body, "You logged in with a recovery code. You have 9 left.") {
		t.Errorf("no flash saying 9 codes are left: %.1500s", body)
	}
	if n := s.mailsWithSubject(t, "ada@example.com", account.SubjectRecoveryUsed); n != 1 {
		t.Errorf("%d mails about a used recovery code, want 1", n)
	}
	res, body = b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")

	b.startLogin("ada@example.com", strongPassword, "")
	res, body = b.submit("/login/2fa", url.Values{"code": {old.codes[0]}})
	wantStatus(t, "the same recovery code again", res, body, http.StatusUnprocessableEntity)
	if b.signedIn("ada@example.com") {
		t.Fatal("a used recovery code logged in")
	}
	res, body = b.submit("/login/2fa", url.Values{"code": {old.codes[1]}})
	wantRedirect(t, "another recovery code", res, body, "/account")
	_, body = b.get("/account/2fa")
	if got := parsePage(t, body).text("recovery-codes-left"); got != "8 unused codes" {
		t.Errorf("recovery codes left = %q, want 8 unused codes", got)
	}

	res, body = b.submit("/account/2fa/recovery-codes", nil)
	wantStatus(t, "POST /account/2fa/recovery-codes", res, body, http.StatusOK)
	codes := parsePage(t, body).items("recovery-codes")
	if len(codes) != 10 {
		t.Fatalf("new recovery codes = %q, want 10", codes)
	}
	for _, c := range codes {
		for _, o := range old.codes {
			if c == o {
				t.Errorf("new code %q is one of the old ones", c)
			}
		}
	}
	if n := s.mailsWithSubject(t, "ada@example.com", account.SubjectRecoveryCodes); n != 1 {
		t.Errorf("%d mails about new recovery codes, want 1", n)
	}
	_, body = b.get("/account/2fa")
	if got := parsePage(t, body).text("recovery-codes-left"); got != "10 unused codes" {
		t.Errorf("recovery codes left after replacing them = %q, want 10 unused codes", got)
	}
	res, body = b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")

	b.startLogin("ada@example.com", strongPassword, "")
	res, body = b.submit("/login/2fa", url.Values{"code": {old.codes[2]}})
	wantStatus(t, "an old, unused recovery code", res, body, http.StatusUnprocessableEntity)
	res, body = b.submit("/login/2fa", url.Values{"code": {codes[0]}})
	wantRedirect(t, "a new recovery code", res, body, "/account")
}

// recoveryCodeRows describes email's recovery code rows (ids and use), to
// tell whether they changed.
func (s *testServer) recoveryCodeRows(t *testing.T, email string) string {
	t.Helper()
	var rows string
	err := s.pool.QueryRow(context.Background(), `
		SELECT coalesce(string_agg(r.id::text || ':' || coalesce(r.used_at::text, ''), ',' ORDER BY r.id), '')
		FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.email = $1`, email).Scan(&rows)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestTwoFactorFormsNeedCSRF(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)

	res, body := b.post("/account/2fa/enroll", nil)
	wantStatus(t, "enroll without a token", res, body, http.StatusForbidden)
	if n := s.authenticatorRows(t, "ada@example.com"); n != 0 {
		t.Fatalf("%d authenticators stored by a refused enroll, want none", n)
	}
	res, body = b.submit("/account/2fa/enroll", nil)
	wantStatus(t, "enroll", res, body, http.StatusOK)
	secret := parsePage(t, body).text("totp-secret")
	code := totpCode(t, secret, now.Add(-totpStep))
	res, body = b.post("/account/2fa/confirm", url.Values{"code": {code}})
	wantStatus(t, "confirm without a token", res, body, http.StatusForbidden)
	if s.twoFactorOn(t, "ada@example.com") {
		t.Fatal("a refused confirm turned 2FA on")
	}
	res, body = b.submit("/account/2fa/confirm", url.Values{"code": {code}})
	wantStatus(t, "confirm with the same code and a token", res, body, http.StatusOK)

	codes := s.recoveryCodeRows(t, "ada@example.com")
	res, body = b.post("/account/2fa/recovery-codes", nil)
	wantStatus(t, "new recovery codes without a token", res, body, http.StatusForbidden)
	if s.recoveryCodeRows(t, "ada@example.com") != codes {
		t.Error("a refused request replaced the recovery codes")
	}
	res, body = b.post("/account/2fa/disable", url.Values{"password": {strongPassword}})
	wantStatus(t, "disable without a token", res, body, http.StatusForbidden)
	if !s.twoFactorOn(t, "ada@example.com") {
		t.Fatal("a refused disable turned 2FA off")
	}
	s.endSudo(t, "ada@example.com")
	res, body = b.post("/account/confirm", url.Values{"password": {strongPassword}})
	wantStatus(t, "sudo confirmation without a token", res, body, http.StatusForbidden)
	if s.sudoConfirmed(t, "ada@example.com") {
		t.Error("a refused confirmation started sudo mode")
	}

	res, body = b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")
	b.startLogin("ada@example.com", strongPassword, "")
	code = totpCode(t, secret, now)
	res, body = b.post("/login/2fa", url.Values{"code": {code}})
	wantStatus(t, "second step without a token", res, body, http.StatusForbidden)
	if b.signedIn("ada@example.com") {
		t.Fatal("a refused second step logged in")
	}
	res, body = b.submit("/login/2fa", url.Values{"code": {code}})
	wantRedirect(t, "the same step and code with a token", res, body, "/account")
}
