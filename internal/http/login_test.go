package http

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestSessionCookieIsReplacedAtLogin(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)

	b := s.browser(t)
	planted := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	b.setCookie("session", planted) // session fixation: a value chosen by someone else
	b.logIn("ada@example.com", strongPassword)
	first := b.cookie("session")
	if first == "" || first == planted {
		t.Fatalf("session cookie after login = %q, want a new value", first)
	}

	b.logIn("ada@example.com", strongPassword)
	second := b.cookie("session")
	if second == "" || second == first {
		t.Fatalf("session cookie after the second login = %q, want a value other than %q", second, first)
	}
	if !b.signedIn("ada@example.com") {
		t.Fatal("not signed in with the new cookie")
	}
	old := s.browser(t)
	old.setCookie("session", first)
	if old.signedIn("ada@example.com") {
		t.Error("the cookie replaced at the second login still works")
	}
}

func TestLoginSetsTheDesignedCookie(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	b := s.browser(t)
	res, _ := b.submit("/login", url.Values{"email": {"ada@example.com"}, "password": {strongPassword}})
	var found bool
	for _, ck := range res.Cookies() {
		if ck.Name == "session" {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure || ck.MaxAge != 30*24*3600 {
				t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, Max-Age 30 days", ck)
			}
		}
	}
	if !found {
		t.Fatal("the login response set no session cookie")
	}
}

func TestOldCookieIsUselessAfterLogout(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	b := s.browser(t)
	b.logIn("ada@example.com", strongPassword)
	token := b.cookie("session")

	res, body := b.submit("/logout", nil)
	wantRedirect(t, "logout", res, body, "/")
	if b.cookie("session") != "" {
		t.Error("the session cookie was not cleared")
	}
	res, body = b.get("/")
	wantStatus(t, "the home page", res, body, http.StatusOK)
	if !strings.Contains(body, "You have been logged out.") {
		t.Errorf("no logout message on the home page: %.500s", body)
	}

	thief := s.browser(t)
	thief.setCookie("session", token)
	res, body = thief.get("/account")
	wantRedirect(t, "GET /account with the old cookie", res, body, "/login?next=%2Faccount")
}

func TestCSRFTokenFromAnotherSessionIsRefused(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	s.newUser(t, "bob@example.com", otherPassword)
	ada, bob := s.browser(t), s.browser(t)
	ada.logIn("ada@example.com", strongPassword)
	bob.logIn("bob@example.com", otherPassword)

	adaToken := ada.csrf()
	res, body := bob.post("/account/sessions/revoke-others", url.Values{"csrf_token": {adaToken}})
	wantStatus(t, "bob posting with ada's token", res, body, http.StatusForbidden)
	res, body = bob.post("/logout", url.Values{"csrf_token": {adaToken}})
	wantStatus(t, "bob logging out with ada's token", res, body, http.StatusForbidden)
	res, body = bob.post("/logout", nil)
	wantStatus(t, "bob logging out without a token", res, body, http.StatusForbidden)
	if !bob.signedIn("bob@example.com") {
		t.Error("a refused logout logged bob out")
	}

	anon := s.browser(t)
	preSession := anon.csrf()
	anon.logIn("ada@example.com", strongPassword)
	res, body = anon.post("/logout", url.Values{"csrf_token": {preSession}})
	wantStatus(t, "a token from before the login", res, body, http.StatusForbidden)
}

// An Authorization header does not exempt a form signed in by cookie from
// the CSRF token: only API routes authenticate by that header.
func TestAnAuthorizationHeaderDoesNotExemptCookieFormsFromCSRF(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	ada, other := s.browser(t), s.browser(t)
	ada.logIn("ada@example.com", strongPassword)
	other.logIn("ada@example.com", strongPassword)
	for _, auth := range []string{"x", "Basic eDp5", "Bearer abc"} {
		for _, path := range []string{"/account/sessions/revoke-others", "/logout"} {
			req := ada.formRequest(path, url.Values{})
			req.Header.Set("Authorization", auth)
			res, body := ada.do(req)
			wantStatus(t, "POST "+path+" with Authorization "+auth+" and no token", res, body, http.StatusForbidden)
		}
	}
	if !ada.signedIn("ada@example.com") || !other.signedIn("ada@example.com") {
		t.Error("a refused request ended a session")
	}
}

func TestFailedLoginShowsTheErrorWithoutThePassword(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	b := s.browser(t)
	wrong := "the wrong password 12345"
	res, body := b.submit("/login", url.Values{"email": {"ada@example.com"}, "password": {wrong}})
	wantStatus(t, "a wrong password", res, body, http.StatusUnprocessableEntity)
	if strings.Contains(body, wrong) || strings.Contains(body, url.QueryEscape(wrong)) {
		t.Error("the page echoes the password")
	}
	if !strings.Contains(body, `value="ada@example.com"`) {
		t.Error("the email was not kept")
	}
	if !strings.Contains(body, "don&#39;t match an account") && !strings.Contains(body, "don't match an account") {
		t.Errorf("no error message: %.1500s", body)
	}
	if !strings.Contains(body, `aria-invalid="true"`) {
		t.Error("no field is marked invalid")
	}
	if b.cookie("session") != "" {
		t.Error("a failed login set a session cookie")
	}
}

// anonymise blanks what legitimately differs between two renderings of the
// same page: the CSRF tokens and CSP nonces (fresh every time) and the
// address typed.
func anonymise(body, email string) string {
	body = regexp.MustCompile(`value="[A-Za-z0-9_-]{64}"`).ReplaceAllString(body, `value="TOKEN"`)
	body = regexp.MustCompile(`nonce="[^"]*"`).ReplaceAllString(body, `nonce="NONCE"`)
	return strings.ReplaceAll(body, email, "EMAIL")
}

func TestKnownAndUnknownAddressesLookTheSame(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)

	type answer struct {
		status   int
		location string
		body     string
	}
	try := func(path string, email string, form url.Values) answer {
		b := s.browser(t)
		form.Set("email", email)
		res, body := b.submit(path, form)
		return answer{res.StatusCode, res.Header.Get("Location"), anonymise(body, email)}
	}
	tests := []struct {
		name string
		path string
		form func() url.Values
	}{
		{"a failed login", "/login", func() url.Values { return url.Values{"password": {"not the password 123"}} }},
		{"a sign-up", "/signup", func() url.Values { return url.Values{"password": {thirdPassword}} }},
		{"a reset request", "/password/forgot", func() url.Values { return url.Values{} }},
	}
	for _, tc := range tests {
		t.Run(tc.name+" answers the same for both", func(t *testing.T) {
			known := try(tc.path, "ada@example.com", tc.form())
			unknown := try(tc.path, "nobody@example.com", tc.form())
			if known.status != unknown.status || known.location != unknown.location {
				t.Fatalf("known: %d %q; unknown: %d %q", known.status, known.location, unknown.status, unknown.location)
			}
			if known.body != unknown.body {
				t.Errorf("the pages differ:\nknown:   %.600s\nunknown: %.600s", known.body, unknown.body)
			}
		})
	}
}

func TestLockoutAndUnlockByMail(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	b := s.browser(t)
	for i := range testMaxFailures {
		res, body := b.submit("/login", url.Values{"email": {"ada@example.com"}, "password": {"not the password 123"}})
		wantStatus(t, "failure "+string(rune('1'+i)), res, body, http.StatusUnprocessableEntity)
	}
	res, body := b.submit("/login", url.Values{"email": {"ada@example.com"}, "password": {strongPassword}})
	wantStatus(t, "the right password on a locked account", res, body, http.StatusUnprocessableEntity)

	link := s.mailLink(t, "ada@example.com", "/account/unlock")
	res, body = b.get(link)
	wantRedirect(t, "the unlock link", res, body, "/login")
	res, body = b.get("/login")
	wantStatus(t, "the login page", res, body, http.StatusOK)
	if !strings.Contains(body, "Your account is unlocked") {
		t.Errorf("no unlock message on the login page: %.800s", body)
	}
	b.logIn("ada@example.com", strongPassword)

	res, body = b.get(link)
	wantStatus(t, "the unlock link used twice", res, body, http.StatusBadRequest)
}

func TestLoginFollowsOnlyLocalNext(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	tests := []struct {
		next, want string
	}{
		{"/account/sessions", "/account/sessions"},
		{"/account?tab=security", "/account?tab=security"},
		{"", "/account"},
		{"//evil.example", "/account"},
		{"///evil.example", "/account"},
		{`/\evil.example`, "/account"},
		{`\\evil.example`, "/account"},
		{"https://evil.example/", "/account"},
		{"http:evil.example", "/account"},
		{"javascript:alert(1)", "/account"},
		{"/%2F%2Fevil.example", "/account"},
		{"/%5Cevil.example", "/account"},
		{"/%252F%252Fevil.example", "/account"},
		{"/\t/evil.example", "/account"},
		{"\x08//evil.example", "/account"},
		{"account", "/account"},
		{`http://testserver\@evil.example`, "/account"},
	}
	for _, tc := range tests {
		t.Run("next "+strings.ToValidUTF8(tc.next, "?")+" goes to "+tc.want, func(t *testing.T) {
			b := s.browser(t)
			res, body := b.submit("/login", url.Values{"email": {"ada@example.com"}, "password": {strongPassword}, "next": {tc.next}})
			wantRedirect(t, "login", res, body, tc.want)
		})
	}

	t.Run("the login page carries a local next and drops a foreign one", func(t *testing.T) {
		b := s.browser(t)
		_, body := b.get("/login?next=%2Faccount%2Fsessions")
		if !strings.Contains(body, `name="next" value="/account/sessions"`) {
			t.Errorf("the local next is not in the form: %.1500s", body)
		}
		_, body = b.get("/login?next=%2F%2Fevil.example")
		if strings.Contains(body, "evil.example") {
			t.Error("the foreign next made it into the page")
		}
	})

	t.Run("a signed-out visit to a private page comes back to it", func(t *testing.T) {
		b := s.browser(t)
		res, body := b.get("/account/sessions")
		wantRedirect(t, "GET /account/sessions signed out", res, body, "/login?next=%2Faccount%2Fsessions")
		res, body = b.submit("/login", url.Values{"email": {"ada@example.com"}, "password": {strongPassword}, "next": {"/account/sessions"}})
		wantRedirect(t, "login", res, body, "/account/sessions")
	})
}

func TestAuthPostsAreRateLimited(t *testing.T) {
	t.Parallel()
	const limit = 3
	s := newAccountServer(t, func(o *Options) { o.RateLimitAuthPerMinute = limit })
	b := s.browser(t)
	token := b.csrf()
	form := url.Values{"csrf_token": {token}, "email": {"ada@example.com"}, "password": {"not the password 123"}}
	for i := range limit {
		res, body := b.post("/login", form)
		wantStatus(t, "login attempt", res, body, http.StatusUnprocessableEntity)
		if res.Header.Get("X-RateLimit-Limit") != "3" {
			t.Errorf("attempt %d: X-RateLimit-Limit = %q, want 3", i+1, res.Header.Get("X-RateLimit-Limit"))
		}
	}
	res, body := b.post("/login", form)
	wantStatus(t, "one login too many", res, body, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Error("the 429 has no Retry-After")
	}
	for _, path := range []string{"/signup", "/password/forgot", "/password/reset?x=1"} {
		res, body := b.post(path, form)
		wantStatus(t, "POST "+path+" past the limit", res, body, http.StatusTooManyRequests)
	}
	if res, _ := b.post("/password/reset?token=secret", form); res.Header.Get("Referrer-Policy") != "strict-origin" {
		t.Errorf("the 429 for a reset link has Referrer-Policy %q, want strict-origin", res.Header.Get("Referrer-Policy"))
	}
	res, body = b.get("/login")
	wantStatus(t, "GET /login past the POST limit", res, body, http.StatusOK)
}
