package e2e

import (
	"net/http"
	"testing"
)

// Passwords the strength policy accepts.
const (
	strongPassword = "plum orbit kettle quasar"
	newPassword    = "granite Tulip 58 harbor"
)

// user is an account made through the sign-up form.
type user struct{ email, password string }

// signUp signs a new user up through the form and opens the verification
// link from the dev mailbox in tb, which signs them in with the address
// confirmed (and in sudo mode: a fresh login).
func signUp(t *testing.T, tb *tab, s *server) user {
	t.Helper()
	u := user{email: "ada-" + randomHex(4) + "@example.com", password: strongPassword}
	wantPage(t, tb, tb.open("/signup"), http.StatusOK, "/signup")
	tb.fill("field-email", u.email)
	tb.fill("field-password", u.password)
	wantPage(t, tb, tb.submit("#signup-form"), http.StatusOK, "/signup/sent")

	wantPage(t, tb, tb.openURL(s.mailedLink(t, u.email, "/verify-email")), http.StatusOK, "/account")
	wantSignedIn(t, tb, u)
	if got := tb.text("#email-status"); got != "Confirmed" {
		t.Fatalf("after the verification link, #email-status = %q, want Confirmed", got)
	}
	return u
}

// logIn submits the login form with email and password and returns the
// status of the page it leads to.
func logIn(t *testing.T, tb *tab, email, password string) int64 {
	t.Helper()
	wantPage(t, tb, tb.open("/login"), http.StatusOK, "/login")
	tb.fill("field-email", email)
	tb.fill("field-password", password)
	return tb.submit("#login-form")
}

// logOut presses the header's Log out button.
func logOut(t *testing.T, tb *tab) {
	t.Helper()
	wantPage(t, tb, tb.submit(`.site-header form[action="/logout"]`), http.StatusOK, "/")
	wantSignedOut(t, tb)
}

// wantPage fails t unless the tab shows path after a response of status.
func wantPage(t *testing.T, tb *tab, status int64, want int, path string) {
	t.Helper()
	if got := tb.path(); status != int64(want) || got != path {
		t.Fatalf("page %s with status %d, want %s with %d", got, status, path, want)
	}
}

// wantSignedIn fails t unless the page is /account, signed in as u.
func wantSignedIn(t *testing.T, tb *tab, u user) {
	t.Helper()
	if got := tb.path(); got != "/account" {
		t.Fatalf("signed in on %s, want /account", got)
	}
	if got := tb.text("#account-email"); got != u.email {
		t.Fatalf("#account-email = %q, want %q", got, u.email)
	}
	if got := tb.text(".site-header .site-user-email"); got != u.email {
		t.Fatalf("the header shows %q signed in, want %q", got, u.email)
	}
}

// wantSignedOut fails t unless the header offers Log in and Sign up.
func wantSignedOut(t *testing.T, tb *tab) {
	t.Helper()
	if n := tb.count(".site-header .site-user"); n != 0 {
		t.Fatalf("%s: the header still shows a signed-in user", tb.path())
	}
	if got := tb.text(`.site-header nav.site-auth a[href="/login"]`); got != "Log in" {
		t.Fatalf("%s: the header's login link reads %q", tb.path(), got)
	}
}

func TestSignUpVerifyLogInLogOut(t *testing.T) {
	s := startServer(t)
	tb := newTab(t, s)
	u := signUp(t, tb, s)
	logOut(t, tb)

	wantPage(t, tb, logIn(t, tb, u.email, u.password), http.StatusOK, "/account")
	wantSignedIn(t, tb, u)
	logOut(t, tb)

	wantPage(t, tb, logIn(t, tb, u.email, "wrong "+u.password), http.StatusUnprocessableEntity, "/login")
	if got := tb.text("#field-password-help.field-error"); got == "" {
		t.Error("a failed login shows no error beside the password field")
	}
	if got := tb.value("field-password"); got != "" {
		t.Errorf("the password field came back holding %q", got)
	}
	if got := tb.value("field-email"); got != u.email {
		t.Errorf("the email field came back holding %q, want %q", got, u.email)
	}
	wantSignedOut(t, tb)
}

func TestMagicLinkLogIn(t *testing.T) {
	s := startServer(t)
	tb := newTab(t, s)
	u := signUp(t, tb, s)
	logOut(t, tb)

	wantPage(t, tb, tb.open("/login/magic"), http.StatusOK, "/login/magic")
	tb.fill("field-email", u.email)
	wantPage(t, tb, tb.submit("#magic-link-form"), http.StatusOK, "/login/magic/sent")

	wantPage(t, tb, tb.openURL(s.mailedLink(t, u.email, "/login/magic/verify")), http.StatusOK, "/login/magic/verify")
	wantSignedOut(t, tb) // opening the link alone logs nobody in
	status := tb.click("#magic-login-confirm")
	wantPage(t, tb, status, http.StatusOK, "/account")
	wantSignedIn(t, tb, u)
}

func TestForgottenPassword(t *testing.T) {
	s := startServer(t)
	tb := newTab(t, s)
	u := signUp(t, tb, s)
	logOut(t, tb)

	wantPage(t, tb, tb.open("/password/forgot"), http.StatusOK, "/password/forgot")
	tb.fill("field-email", u.email)
	wantPage(t, tb, tb.submit("#forgot-form"), http.StatusOK, "/password/forgot/sent")

	wantPage(t, tb, tb.openURL(s.mailedLink(t, u.email, "/password/reset")), http.StatusOK, "/password/reset")
	tb.fill("field-password", newPassword)
	status := tb.submit("#reset-form")
	wantPage(t, tb, status, http.StatusOK, "/login")

	wantPage(t, tb, logIn(t, tb, u.email, u.password), http.StatusUnprocessableEntity, "/login")
	u.password = newPassword
	wantPage(t, tb, logIn(t, tb, u.email, u.password), http.StatusOK, "/account")
	wantSignedIn(t, tb, u)
}

func TestRevokeAnotherSession(t *testing.T) {
	s := startServer(t)
	first := newTab(t, s)
	u := signUp(t, first, s)
	second := newTab(t, s)
	wantPage(t, second, logIn(t, second, u.email, u.password), http.StatusOK, "/account")
	wantSignedIn(t, second, u)

	wantPage(t, first, first.open("/account/sessions"), http.StatusOK, "/account/sessions")
	if n := first.count("#sessions li.session"); n != 2 {
		t.Fatalf("/account/sessions lists %d sessions, want 2", n)
	}
	wantPage(t, first, first.submit("#sessions li.session:not(.session-current) form"), http.StatusOK, "/account/sessions")
	if n := first.count("#sessions li.session"); n != 1 {
		t.Fatalf("after revoking the other session, /account/sessions lists %d, want 1", n)
	}
	if first.count("#sessions li.session-current") != 1 || first.text("#only-session") == "" {
		t.Fatal("the session left is not this one")
	}

	wantPage(t, second, second.open("/account"), http.StatusOK, "/login")
	wantSignedOut(t, second)
}
