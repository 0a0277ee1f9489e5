package http

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/auth/perms"
)

func TestAdminPageNeedsThePermissionAndAnAllowedAddress(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	s.newUser(t, "bob@example.com", otherPassword)
	s.grantAdmin(t, "ada@example.com")

	bob := s.browser(t)
	bob.logIn("bob@example.com", otherPassword)
	res, body := bob.get("/admin")
	wantStatus(t, "a user without admin.access", res, body, http.StatusForbidden)
	if strings.Contains(body, "ada@example.com") {
		t.Error("the 403 page lists users")
	}
	if !strings.Contains(body, "bob@example.com") || !strings.Contains(body, `action="/logout"`) {
		t.Error("the 403 page does not show who is signed in")
	}

	ada := s.browser(t)
	ada.logIn("ada@example.com", strongPassword)
	res, body = ada.get("/admin")
	wantStatus(t, "an admin", res, body, http.StatusOK)
	for _, want := range []string{"ada@example.com", "bob@example.com", `name="q"`, "/end-sessions"} {
		if !strings.Contains(body, want) {
			t.Errorf("the admin page lacks %q", want)
		}
	}
	_, body = ada.get("/account")
	if !strings.Contains(body, `href="/admin"`) {
		t.Error("the admin has no link to /admin")
	}

	ada.remote = "203.0.113.9:4444"
	res, body = ada.get("/admin")
	wantStatus(t, "an admin from outside ADMIN_ALLOWED_CIDRS", res, body, http.StatusForbidden)
	stranger := s.browser(t)
	stranger.remote = "203.0.113.9:4444"
	res, body = stranger.get("/admin")
	wantStatus(t, "a signed-out stranger from outside", res, body, http.StatusForbidden)
	res, body = ada.submit("/admin/users/00000000-0000-0000-0000-000000000000/end-sessions", nil)
	wantStatus(t, "an admin action from outside", res, body, http.StatusForbidden)
}

var userRowRE = regexp.MustCompile(`<tr data-user-id="([0-9a-f-]{36})"><td>([^<]+)</td>`)

// findUserID finds a user's id on the admin page.
func findUserID(t *testing.T, b *browser, email string) string {
	t.Helper()
	_, body := b.get("/admin?q=" + url.QueryEscape(email))
	for _, m := range userRowRE.FindAllStringSubmatch(body, -1) {
		if m[2] == email {
			return m[1]
		}
	}
	t.Fatalf("%s is not on the admin page: %.2000s", email, body)
	return ""
}

func TestAdminUnlocksAndEndsSessions(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	s.newUser(t, "bob@example.com", otherPassword)
	s.grantAdmin(t, "ada@example.com")
	ada := s.browser(t)
	ada.logIn("ada@example.com", strongPassword)
	bob := s.browser(t)
	bob.logIn("bob@example.com", otherPassword)
	bobID := findUserID(t, ada, "bob@example.com")

	res, body := ada.submit("/admin/users/"+bobID+"/end-sessions", url.Values{"return_to": {"/admin?q=bob"}})
	wantRedirect(t, "end bob's sessions", res, body, "/admin?q=bob")
	if bob.signedIn("bob@example.com") {
		t.Error("bob's session survived")
	}
	_, body = ada.get("/admin?q=bob")
	if !strings.Contains(body, "Ended 1 session") {
		t.Errorf("no confirmation: %.600s", body)
	}

	attacker := s.browser(t)
	for range testMaxFailures {
		attacker.submit("/login", url.Values{"email": {"bob@example.com"}, "password": {"guessing away 1234"}})
	}
	_, body = ada.get("/admin?q=bob")
	if !strings.Contains(body, "Locked until") || !strings.Contains(body, "/admin/users/"+bobID+"/unlock") {
		t.Fatalf("bob is not shown locked: %.3000s", body)
	}
	res, body = ada.submit("/admin/users/"+bobID+"/unlock", url.Values{"return_to": {"//evil.example/admin"}})
	wantRedirect(t, "unlock bob", res, body, "/admin")
	bob.logIn("bob@example.com", otherPassword)

	res, body = ada.submit("/admin/users/00000000-0000-0000-0000-000000000000/unlock", nil)
	wantStatus(t, "unlocking nobody", res, body, http.StatusNotFound)
}

func TestAdminSearchAndPaging(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	s.grantAdmin(t, "ada@example.com")
	for i := range adminPerPage + 2 {
		b := s.browser(t)
		res, body := b.submit("/signup", url.Values{"email": {fmt.Sprintf("user%02d@corp.example", i)}, "password": {otherPassword}})
		wantRedirect(t, "sign-up", res, body, "/signup/sent")
	}
	ada := s.browser(t)
	ada.logIn("ada@example.com", strongPassword)

	_, body := ada.get("/admin?q=corp.example")
	if n := len(userRowRE.FindAllString(body, -1)); n != adminPerPage {
		t.Errorf("page 1 lists %d users, want %d", n, adminPerPage)
	}
	if !strings.Contains(body, `href="/admin?page=2&amp;q=corp.example"`) {
		t.Errorf("no link to page 2: %.300s", body)
	}
	_, body = ada.get("/admin?q=corp.example&page=2")
	if n := len(userRowRE.FindAllString(body, -1)); n != 2 {
		t.Errorf("page 2 lists %d users, want 2", n)
	}
	_, body = ada.get("/admin?q=ada%40")
	if n := len(userRowRE.FindAllString(body, -1)); n != 1 || !strings.Contains(body, "ada@example.com") {
		t.Errorf("searching ada@ lists %d users", n)
	}
	res, body := ada.get("/admin?q=%00")
	wantStatus(t, "a search with NUL", res, body, http.StatusUnprocessableEntity)
	res, body = ada.get("/admin?page=-4&q=" + strings.Repeat("a", 300))
	wantStatus(t, "an overlong search", res, body, http.StatusUnprocessableEntity)
	res, body = ada.get("/admin?page=zzz")
	wantStatus(t, "a page that is not a number", res, body, http.StatusOK)
}

func TestAdminShowsPermissionsAndGroups(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	s.newUser(t, "bob@example.com", otherPassword)
	s.grantAdmin(t, "ada@example.com")
	store := perms.NewStore(s.pool)
	if err := store.GrantGroup(t.Context(), "operators", "admin.access"); err != nil {
		t.Fatal(err)
	}
	if err := store.AddMember(t.Context(), "operators", "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	ada := s.browser(t)
	ada.logIn("ada@example.com", strongPassword)
	_, body := ada.get("/admin?q=bob")
	if !strings.Contains(body, "<code>admin.access</code>") || !strings.Contains(body, "Groups: operators") {
		t.Errorf("bob's permission through the operators group is not shown: %.3000s", body)
	}
	// Through the group, bob is an operator too.
	bob := s.browser(t)
	bob.logIn("bob@example.com", otherPassword)
	res, body := bob.get("/admin")
	wantStatus(t, "/admin for a member of a group holding admin.access", res, body, http.StatusOK)
}
