package http

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var sessionIDRE = regexp.MustCompile(`data-session-id="([0-9a-f-]{36})"`)

// sessionIDs lists the session ids on the sessions page, and the one
// marked current.
func sessionIDs(t *testing.T, b *browser) (ids []string, current string) {
	t.Helper()
	res, body := b.get("/account/sessions")
	wantStatus(t, "GET /account/sessions", res, body, http.StatusOK)
	for _, m := range regexp.MustCompile(`<li class="([^"]*)" data-session-id="([0-9a-f-]{36})"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[2])
		if strings.Contains(m[1], "session-current") {
			current = m[2]
		}
	}
	if len(ids) != len(sessionIDRE.FindAllString(body, -1)) {
		t.Fatalf("could not read the sessions page: %.2000s", body)
	}
	return ids, current
}

func TestSessionsPageListsAndRevokes(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	laptop, phone := s.browser(t), s.browser(t)
	phone.ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
	phone.remote = "127.0.0.2:5555"
	laptop.logIn("ada@example.com", strongPassword)
	phone.logIn("ada@example.com", strongPassword)

	_, body := laptop.get("/account/sessions")
	for _, want := range []string{"Firefox on Linux", "Safari on iPhone", "127.0.0.1", "127.0.0.2", "This device", "<time datetime="} {
		if !strings.Contains(body, want) {
			t.Errorf("the sessions page lacks %q", want)
		}
	}
	ids, current := sessionIDs(t, laptop)
	if len(ids) != 2 || current == "" {
		t.Fatalf("sessions = %v, current %q; want two, one of them current", ids, current)
	}
	var phoneID string
	for _, id := range ids {
		if id != current {
			phoneID = id
		}
	}

	res, body := laptop.submit("/account/sessions/"+phoneID+"/revoke", nil)
	wantRedirect(t, "revoking the phone's session", res, body, "/account/sessions")
	if phone.signedIn("ada@example.com") {
		t.Error("the revoked session still works")
	}
	if !laptop.signedIn("ada@example.com") {
		t.Error("revoking another session logged this one out")
	}
	if ids, _ := sessionIDs(t, laptop); len(ids) != 1 {
		t.Errorf("%d sessions listed after revoking one, want 1", len(ids))
	}

	res, body = laptop.submit("/account/sessions/"+phoneID+"/revoke", nil)
	wantStatus(t, "revoking it again", res, body, http.StatusNotFound)
	res, body = laptop.submit("/account/sessions/not-a-uuid/revoke", nil)
	wantStatus(t, "revoking a malformed id", res, body, http.StatusNotFound)

	res, body = laptop.submit("/account/sessions/"+current+"/revoke", nil)
	wantRedirect(t, "revoking the current session", res, body, "/login")
	if laptop.signedIn("ada@example.com") {
		t.Error("revoking the current session did not log out")
	}
}

func TestRevokeOtherSessions(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	s.newUser(t, "bob@example.com", otherPassword)
	a1, a2, a3, bob := s.browser(t), s.browser(t), s.browser(t), s.browser(t)
	for _, b := range []*browser{a1, a2, a3} {
		b.logIn("ada@example.com", strongPassword)
	}
	bob.logIn("bob@example.com", otherPassword)

	res, body := a1.submit("/account/sessions/revoke-others", nil)
	wantRedirect(t, "revoke others", res, body, "/account/sessions")
	_, body = a1.get("/account/sessions")
	if !strings.Contains(body, "2 other sessions were revoked.") {
		t.Errorf("no message counting the revoked sessions: %.800s", body)
	}
	if !a1.signedIn("ada@example.com") {
		t.Error("the current session was revoked too")
	}
	if a2.signedIn("ada@example.com") || a3.signedIn("ada@example.com") {
		t.Error("another session of ada survived")
	}
	if !bob.signedIn("bob@example.com") {
		t.Error("bob's session was revoked by ada")
	}

	ids, _ := sessionIDs(t, bob)
	res, body = a1.submit("/account/sessions/"+ids[0]+"/revoke", nil)
	wantStatus(t, "ada revoking bob's session", res, body, http.StatusNotFound)
	if !bob.signedIn("bob@example.com") {
		t.Error("ada ended bob's session")
	}
}

func TestPrivatePagesNeedASession(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	b := s.browser(t)
	for _, path := range []string{"/account", "/account/sessions", "/admin"} {
		res, body := b.get(path)
		wantRedirect(t, "GET "+path, res, body, "/login?next="+url.QueryEscape(path))
	}
	token := b.csrf()
	for _, path := range []string{"/account/password", "/account/verify/resend", "/account/sessions/revoke-others"} {
		res, body := b.post(path, url.Values{"csrf_token": {token}})
		wantStatus(t, "POST "+path, res, body, http.StatusUnauthorized)
	}
}
