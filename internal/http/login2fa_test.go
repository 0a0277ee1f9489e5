package http

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/account"
)

func TestLoginWithTwoFactorAsksForTheCode(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	en := s.twoFactorUser(t, "ada@example.com", now)
	b := s.browser(t)

	res, body := b.submit("/login", url.Values{"email": {"ada@example.com"}, "password": {strongPassword}})
	wantRedirect(t, "the right password", res, body, "/login/2fa")
	if ck := setCookieNamed(res, "session"); ck != nil && ck.Value != "" {
		t.Error("the password alone set a session cookie")
	}
	ck := setCookieNamed(res, "login_2fa")
	if ck == nil || ck.Value == "" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" ||
		ck.MaxAge != int(account.ChallengeTTL/time.Second) {
		t.Fatalf("login_2fa cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, Max-Age %v", ck, account.ChallengeTTL)
	}
	res, body = b.get("/account")
	wantRedirect(t, "GET /account between the steps", res, body, "/login?next=%2Faccount")

	res, body = b.get("/login/2fa")
	wantStatus(t, "GET /login/2fa", res, body, http.StatusOK)
	res, body = b.submit("/login/2fa", url.Values{"code": {wrongCode(t, en.secret, now)}})
	wantStatus(t, "a wrong code", res, body, http.StatusUnprocessableEntity)
	p := parsePage(t, body)
	if got := p.text("attempts-left"); got != "4 attempts left." {
		t.Errorf("attempts left = %q, want 4 attempts left.", got)
	}
	if p.fieldError("code") == "" {
		t.Error("no error beside the code field")
	}

	res, body = b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now)}})
	wantRedirect(t, "the right code", res, body, "/account")
	if ck := setCookieNamed(res, "login_2fa"); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("the login_2fa cookie was not cleared: %+v", ck)
	}
	if b.cookie("login_2fa") != "" {
		t.Error("the browser still holds login_2fa")
	}
	if !b.signedIn("ada@example.com") {
		t.Fatal("not signed in after the code")
	}
	res, body = b.get("/login/2fa")
	wantRedirect(t, "GET /login/2fa after the login", res, body, "/login")

	t.Run("next given at the password step is where the code leads", func(t *testing.T) {
		b := s.browser(t)
		b.startLogin("ada@example.com", strongPassword, "/account/sessions")
		res, body := b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now.Add(totpStep))}})
		wantRedirect(t, "the code", res, body, "/account/sessions")
		res, body = b.get("/account/sessions")
		wantStatus(t, "GET /account/sessions", res, body, http.StatusOK)
	})
}

func TestTOTPCodeWorksOnce(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	en := s.twoFactorUser(t, "ada@example.com", now)
	code := totpCode(t, en.secret, now)

	b := s.browser(t)
	b.startLogin("ada@example.com", strongPassword, "")
	res, body := b.submit("/login/2fa", url.Values{"code": {code}})
	wantRedirect(t, "the code", res, body, "/account")
	res, body = b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")

	b.startLogin("ada@example.com", strongPassword, "")
	res, body = b.submit("/login/2fa", url.Values{"code": {code}})
	wantStatus(t, "the same code again", res, body, http.StatusUnprocessableEntity)
	if b.signedIn("ada@example.com") {
		t.Fatal("a replayed code logged in")
	}
	res, body = b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now.Add(totpStep))}})
	wantRedirect(t, "the next step's code", res, body, "/account")
	if !b.signedIn("ada@example.com") {
		t.Error("not signed in with the next step's code")
	}
}

// formRequest is a POST of form from b, built without sending it, so that
// several can be sent at once.
func (b *browser) formRequest(target string, form url.Values) *http.Request {
	req, err := http.NewRequest(http.MethodPost, testOrigin+target, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", b.ua)
	req.RemoteAddr = b.remote
	for _, ck := range b.jar.Cookies(origin) {
		req.AddCookie(ck)
	}
	return req
}

// sendTogether sends reqs at the same moment and returns the responses in
// order.
func (s *testServer) sendTogether(reqs ...*http.Request) []*http.Response {
	out := make([]*http.Response, len(reqs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			<-start
			out[i] = serve(s.handler, req).Result()
		})
	}
	close(start)
	wg.Wait()
	return out
}

// sessionsStarted counts the responses that set a session cookie which
// works.
func (s *testServer) sessionsStarted(t *testing.T, email string, responses []*http.Response) int {
	t.Helper()
	n := 0
	for _, res := range responses {
		if ck := setCookieNamed(res, "session"); ck != nil && ck.Value != "" {
			b := s.browser(t)
			b.setCookie("session", ck.Value)
			if b.signedIn(email) {
				n++
			}
		}
	}
	return n
}

func TestOneCodeSentTwiceAtOnceLogsInOnce(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	en := s.twoFactorUser(t, "ada@example.com", now)

	t.Run("from two browsers, each with its own second step", func(t *testing.T) {
		code := totpCode(t, en.secret, now)
		one, two := s.browser(t), s.browser(t)
		one.startLogin("ada@example.com", strongPassword, "")
		two.startLogin("ada@example.com", strongPassword, "")
		res := s.sendTogether(
			one.formRequest("/login/2fa", url.Values{"code": {code}, "csrf_token": {one.csrf()}}),
			two.formRequest("/login/2fa", url.Values{"code": {code}, "csrf_token": {two.csrf()}}),
		)
		if n := s.sessionsStarted(t, "ada@example.com", res); n != 1 {
			t.Fatalf("%d sessions started (statuses %d and %d), want 1", n, res[0].StatusCode, res[1].StatusCode)
		}
		for _, r := range res {
			if r.StatusCode != http.StatusSeeOther && r.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 303 for one and 422 for the other", r.StatusCode)
			}
		}
	})

	t.Run("from one browser submitting its step twice", func(t *testing.T) {
		code := totpCode(t, en.secret, now.Add(totpStep))
		b := s.browser(t)
		b.startLogin("ada@example.com", strongPassword, "")
		form := url.Values{"code": {code}, "csrf_token": {b.csrf()}}
		res := s.sendTogether(b.formRequest("/login/2fa", form), b.formRequest("/login/2fa", form))
		if n := s.sessionsStarted(t, "ada@example.com", res); n != 1 {
			t.Fatalf("%d sessions started (statuses %d and %d), want 1", n, res[0].StatusCode, res[1].StatusCode)
		}
	})
}

func TestSecondStepEndsAfterFiveWrongCodes(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, func(c *account.Config) { c.MaxFailures = 100 })
	en := s.twoFactorUser(t, "ada@example.com", now)
	b := s.browser(t)
	b.startLogin("ada@example.com", strongPassword, "")
	step := b.cookie("login_2fa")
	wrong := wrongCode(t, en.secret, now)
	for left := account.ChallengeAttempts - 1; left > 0; left-- {
		res, body := b.submit("/login/2fa", url.Values{"code": {wrong}})
		wantStatus(t, "a wrong code", res, body, http.StatusUnprocessableEntity)
		if got, want := parsePage(t, body).text("attempts-left"), attemptsLeft(left); got != want {
			t.Errorf("attempts left = %q, want %q", got, want)
		}
	}
	res, body := b.submit("/login/2fa", url.Values{"code": {wrong}})
	wantRedirect(t, "the fifth wrong code", res, body, "/login")
	if b.cookie("login_2fa") != "" {
		t.Error("the ended step's cookie was not cleared")
	}
	_, body = b.get("/login")
	if !strings.Contains(body, "too many wrong codes") {
		t.Errorf("no flash on the login page: %.1500s", body)
	}

	b.setCookie("login_2fa", step)
	res, body = b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now)}})
	wantRedirect(t, "the right code on the ended step", res, body, "/login")
	if b.signedIn("ada@example.com") {
		t.Fatal("the right code logged in on a step that had ended")
	}
	b.startLogin("ada@example.com", strongPassword, "")
	res, body = b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now)}})
	wantRedirect(t, "the right code on a new step", res, body, "/account")
}

// attemptsLeft is the page's sentence for n attempts left.
func attemptsLeft(n int) string {
	if n == 1 {
		return "1 attempt left."
	}
	return strconv.Itoa(n) + " attempts left."
}

func TestWrongCodesLockTheAccount(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	en := s.twoFactorUser(t, "ada@example.com", now)
	b := s.browser(t)
	b.startLogin("ada@example.com", strongPassword, "")
	for range testMaxFailures - 1 {
		res, body := b.submit("/login/2fa", url.Values{"code": {wrongCode(t, en.secret, now)}})
		wantStatus(t, "a wrong code", res, body, http.StatusUnprocessableEntity)
	}
	// The wrong code that locks the account ends the step at once: no
	// "attempts left" for an account that cannot log in.
	step := b.cookie("login_2fa")
	res, body := b.submit("/login/2fa", url.Values{"code": {wrongCode(t, en.secret, now)}})
	wantRedirect(t, "the wrong code that locks the account", res, body, "/login")
	if n := s.mailsWithSubject(t, "ada@example.com", account.SubjectLocked); n != 1 {
		t.Errorf("%d lockout mails after %d wrong codes, want 1", n, testMaxFailures)
	}
	b.setCookie("login_2fa", step)
	res, body = b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now)}})
	wantRedirect(t, "the right code on a locked account", res, body, "/login")
	if b.signedIn("ada@example.com") {
		t.Error("the right code logged in to a locked account")
	}
}

func TestLogsHoldNoCodesOrLinkTokens(t *testing.T) {
	t.Parallel()
	s, now := newTwoFactorServer(t, nil)
	b := s.browser(t)
	b.signUp("ada@example.com", strongPassword)
	en := b.enrollTwoFactor(now.Add(-totpStep))
	res, body := b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")
	wrong := wrongCode(t, en.secret, now)

	b.startLogin("ada@example.com", strongPassword, "")
	secrets := []string{en.secret, b.cookie("login_2fa")}
	res, body = b.submit("/login/2fa", url.Values{"code": {wrong}})
	wantStatus(t, "a wrong code", res, body, http.StatusUnprocessableEntity)
	res, body = b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now)}})
	wantRedirect(t, "the code", res, body, "/account")
	secrets = append(secrets, b.cookie("session"))
	res, body = b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")

	b.startLogin("ada@example.com", strongPassword, "")
	res, body = b.submit("/login/2fa", url.Values{"code": {en.codes[0]}})
	wantRedirect(t, "a recovery code", res, body, "/account")
	res, body = b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")

	res, body = b.submit("/login/magic", url.Values{"email": {"ada@example.com"}})
	wantRedirect(t, "asking for a link", res, body, "/login/magic/sent")
	link := s.mailLink(t, "ada@example.com", account.PathMagicVerify)
	u, _ := url.Parse(link)
	secrets = append(secrets, u.Query().Get("token"), u.Query().Get("signature"))
	res, body = b.get(link)
	wantStatus(t, "GET of the link", res, body, http.StatusOK)
	res, body = b.submit(link, nil)
	wantRedirect(t, "POST of the link", res, body, "/login/2fa")
	res, body = b.submit("/login/2fa", url.Values{"code": {totpCode(t, en.secret, now.Add(totpStep))}})
	wantRedirect(t, "the code after the link", res, body, "/account")

	logged := s.log.String()
	var paths []string
	for _, rec := range s.log.records(t, "request") {
		paths = append(paths, fmt.Sprint(rec["path"]))
	}
	if !slices.Contains(paths, "/login/2fa") || !slices.Contains(paths, account.PathMagicVerify) {
		t.Fatalf("the access log does not show the requests made: %v", paths)
	}
	for _, c := range en.codes {
		secrets = append(secrets, c, strings.ReplaceAll(c, "-", ""))
	}
	for _, secret := range secrets {
		if secret == "" || strings.Contains(logged, secret) {
			t.Errorf("the log contains %q (or it is empty)", secret)
		}
	}
	for _, code := range []string{wrong, totpCode(t, en.secret, now.Add(-totpStep)), totpCode(t, en.secret, now), totpCode(t, en.secret, now.Add(totpStep))} {
		if regexp.MustCompile(`(^|\D)` + code + `(\D|$)`).MatchString(logged) {
			t.Errorf("the log contains the TOTP code %s", code)
		}
	}
}
