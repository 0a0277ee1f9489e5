package http

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/account"
)

// emailVerified reports whether email's address is marked verified.
func (s *testServer) emailVerified(t *testing.T, email string) bool {
	t.Helper()
	var ok bool
	err := s.pool.QueryRow(context.Background(),
		`SELECT email_verified_at IS NOT NULL FROM users WHERE email = $1`, email).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// alterParam returns link with the value of its query parameter name
// changed: the last character of a token swapped for another, a number
// increased.
func alterParam(t *testing.T, link, name string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	v := u.Query().Get(name)
	if v == "" {
		t.Fatalf("link %s has no %s", link, name)
	}
	altered := v[:len(v)-1] + "A"
	if strings.HasSuffix(v, "A") {
		altered = v[:len(v)-1] + "B"
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		altered = strconv.FormatInt(n+3600, 10)
	}
	return strings.Replace(link, name+"="+v, name+"="+altered, 1)
}

func TestMagicLinkLogin(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	res, body := s.browser(t).submit("/signup", url.Values{"email": {"ada@example.com"}, "password": {strongPassword}})
	wantRedirect(t, "sign-up", res, body, "/signup/sent")
	if s.emailVerified(t, "ada@example.com") {
		t.Fatal("the address is verified before any link was followed")
	}
	mailsBefore := s.mailCount(t, "ada@example.com")

	b, stranger := s.browser(t), s.browser(t)
	res, body = b.get("/login/magic")
	wantStatus(t, "GET /login/magic", res, body, http.StatusOK)
	res, body = b.submit("/login/magic", url.Values{"email": {"ada@example.com"}})
	wantRedirect(t, "a link for an account", res, body, "/login/magic/sent")
	res2, body2 := stranger.submit("/login/magic", url.Values{"email": {"nobody@example.com"}})
	wantRedirect(t, "a link for no account", res2, body2, "/login/magic/sent")
	_, sent := b.get("/login/magic/sent")
	res2, sent2 := stranger.get("/login/magic/sent")
	wantStatus(t, "GET /login/magic/sent", res2, sent2, http.StatusOK)
	if anonymise(sent, "ada@example.com") != anonymise(sent2, "nobody@example.com") {
		t.Errorf("the sent pages differ:\naccount:    %.600s\nno account: %.600s", sent, sent2)
	}
	if got := s.mailCount(t, "ada@example.com") - mailsBefore; got != 1 {
		t.Errorf("%d new mails to the account, want 1", got)
	}
	if n := s.mailsWithSubject(t, "ada@example.com", account.SubjectMagicLink); n != 1 {
		t.Errorf("%d login-link mails, want 1", n)
	}
	if n := s.mailCount(t, "nobody@example.com"); n != 0 {
		t.Errorf("%d mails to an address without an account, want 0", n)
	}
	res, body = b.submit("/login/magic", url.Values{"email": {"ada@example.com"}})
	wantRedirect(t, "a second link within a minute", res, body, "/login/magic/sent")
	if n := s.mailsWithSubject(t, "ada@example.com", account.SubjectMagicLink); n != 1 {
		t.Errorf("%d login-link mails after asking twice within a minute, want 1", n)
	}

	link := s.mailLink(t, "ada@example.com", account.PathMagicVerify)
	for range 2 {
		res, body = b.get(link)
		wantStatus(t, "GET of the link", res, body, http.StatusOK)
		if rp := res.Header.Get("Referrer-Policy"); rp != "strict-origin" {
			t.Errorf("the confirm page has Referrer-Policy %q, want strict-origin", rp)
		}
		if !parsePage(t, body).has("magic-login-confirm") {
			t.Fatalf("no magic-login-confirm button: %.2000s", body)
		}
		if !strings.Contains(body, `action="`+html.EscapeString(link)+`"`) {
			t.Errorf("the button does not post to the link itself (%s)", link)
		}
		if b.cookie("session") != "" || b.signedIn("ada@example.com") {
			t.Fatal("looking at the link logged in")
		}
	}

	for _, param := range []string{"token", "expires", "signature"} {
		bad := alterParam(t, link, param)
		res, body = b.get(bad)
		wantStatus(t, "GET of the link with "+param+" altered", res, body, http.StatusBadRequest)
		res, body = b.submit(bad, nil)
		wantStatus(t, "POST of the link with "+param+" altered", res, body, http.StatusBadRequest)
		if res.Header.Get("Referrer-Policy") != "strict-origin" {
			t.Error("the 400 page of an altered link lacks Referrer-Policy: strict-origin")
		}
	}
	if b.signedIn("ada@example.com") {
		t.Fatal("an altered link logged in")
	}

	res, body = b.submit(link, nil)
	wantRedirect(t, "POST of the link", res, body, "/account")
	if !b.signedIn("ada@example.com") {
		t.Fatal("not signed in after the link")
	}
	if !s.emailVerified(t, "ada@example.com") {
		t.Error("the link did not mark the address verified")
	}
	res, body = b.submit(link, nil)
	wantStatus(t, "the link posted again", res, body, http.StatusBadRequest)
	res, body = s.browser(t).get(link)
	wantStatus(t, "GET of the used link", res, body, http.StatusBadRequest)
}

func TestMagicLinkWithTwoFactorAsksForTheCode(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	en := s.twoFactorUser(t, "ada@example.com", now)
	b := s.browser(t)
	res, body := b.submit("/login/magic", url.Values{"email": {"ada@example.com"}})
	wantRedirect(t, "asking for a link", res, body, "/login/magic/sent")
	link := s.mailLink(t, "ada@example.com", account.PathMagicVerify)

	res, body = b.submit(link, nil)
	wantRedirect(t, "POST of the link", res, body, "/login/2fa")
	if ck := setCookieNamed(res, "session"); ck != nil && ck.Value != "" {
		t.Error("the link alone set a session cookie")
	}
	if b.cookie("login_2fa") == "" {
		t.Error("no login_2fa cookie after the link")
	}
	if b.signedIn("ada@example.com") {
		t.Fatal("the link alone logged in past 2FA")
	}
	res, body = b.get("/login/2fa")
	wantStatus(t, "GET /login/2fa", res, body, http.StatusOK)
	res, body = b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now)}})
	wantRedirect(t, "the code", res, body, "/account")
	if !b.signedIn("ada@example.com") {
		t.Error("not signed in after the code")
	}
}

func TestMagicLinkFormsNeedCSRF(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	b := s.browser(t)
	b.csrf() // a pre-session cookie, so only the token is missing

	res, body := b.post("/login/magic", url.Values{"email": {"ada@example.com"}})
	wantStatus(t, "POST /login/magic without a token", res, body, http.StatusForbidden)
	if n := s.mailsWithSubject(t, "ada@example.com", account.SubjectMagicLink); n != 0 {
		t.Fatalf("%d login-link mails after a refused request, want 0", n)
	}

	res, body = b.submit("/login/magic", url.Values{"email": {"ada@example.com"}})
	wantRedirect(t, "asking for a link", res, body, "/login/magic/sent")
	link := s.mailLink(t, "ada@example.com", account.PathMagicVerify)
	res, body = b.post(link, nil)
	wantStatus(t, "POST of the link without a token", res, body, http.StatusForbidden)
	if b.signedIn("ada@example.com") {
		t.Fatal("a refused POST of the link logged in")
	}
	res, body = b.get(link)
	wantStatus(t, "GET of the link after the refused POST", res, body, http.StatusOK)
	res, body = b.submit(link, nil)
	wantRedirect(t, "POST of the link with a token", res, body, "/account")
}
