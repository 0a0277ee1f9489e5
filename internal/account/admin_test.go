package account_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/perms"
)

func TestListUsersSearchesLiterally(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, addr := range []string{"a%b@example.com", "a_b@example.com", `a\b@example.com`, "axb@example.com", "Carol@Example.org"} {
		// Sign-up refuses a backslash (net/mail wants it quoted); older rows
		// or createuser may still hold one, so it is inserted directly.
		_, err := e.pool.Exec(t.Context(), `INSERT INTO users (email, password_hash, created_at) VALUES ($1, 'x', $2)`,
			addr, e.clock.Now())
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		e.clock.Advance(time.Second)
	}
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"a percent sign matches only itself", "%", []string{"a%b@example.com"}},
		{"an underscore matches only itself", "a_b", []string{"a_b@example.com"}},
		{"a backslash matches only itself", `a\b`, []string{`a\b@example.com`}},
		{"case is ignored", "carol@EXAMPLE", []string{"Carol@Example.org"}},
		{"spaces around the query are ignored", "  axb ", []string{"axb@example.com"}},
		{"an empty query lists everyone newest first", "", []string{"Carol@Example.org", "axb@example.com", `a\b@example.com`, "a_b@example.com", "a%b@example.com"}},
		{"a query nobody matches lists nobody", "zed", nil},
		{"a query longer than any address lists nobody", strings.Repeat("a", 300), nil},
		{"a query of invalid UTF-8 lists nobody", "a\xff", nil},
		{"a query with a NUL lists nobody", "a\x00", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users, total, err := e.svc.ListUsers(t.Context(), tc.query, 1, 50)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(users))
			for i, u := range users {
				got[i] = u.Email
			}
			if total != len(tc.want) || fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("ListUsers(%q) = %v (total %d), want %v", tc.query, got, total, tc.want)
			}
		})
	}
}

func TestListUsersPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 5 {
		if err := e.svc.SignUp(t.Context(), fmt.Sprintf("user%d@example.com", i), goodPassword, meta); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
	}
	for _, tc := range []struct {
		name          string
		page, perPage int
		want          string
	}{
		{"the first page holds the newest", 1, 2, "[user4 user3]"},
		{"the last page holds what is left", 3, 2, "[user0]"},
		{"a page past the end is empty", 4, 2, "[]"},
		{"page zero is the first page", 0, 2, "[user4 user3]"},
		{"a page size of zero is one", 2, 0, "[user3]"},
		{"a huge page number is empty", 1 << 40, 100, "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			users, total, err := e.svc.ListUsers(t.Context(), "example.com", tc.page, tc.perPage)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(users))
			for i, u := range users {
				got[i] = strings.TrimSuffix(u.Email, "@example.com")
			}
			if total != 5 || fmt.Sprint(got) != tc.want {
				t.Errorf("page %d of %d = %v (total %d), want %s (total 5)", tc.page, tc.perPage, got, total, tc.want)
			}
		})
	}
}

func TestListUsersCapsThePageSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.pool.Exec(t.Context(), `INSERT INTO users (email, password_hash)
		SELECT 'u' || i || '@example.com', 'x' FROM generate_series(1, 120) AS i`)
	if err != nil {
		t.Fatal(err)
	}
	users, total, err := e.svc.ListUsers(t.Context(), "", 1, 1000)
	if err != nil || len(users) != account.MaxPerPage || total != 120 {
		t.Errorf("ListUsers(perPage 1000) = %d users (total %d), %v; want %d of 120", len(users), total, err, account.MaxPerPage)
	}
}

func TestAdminActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	ada := e.signUp(t, "ada@example.com", goodPassword)
	for range maxFailures {
		_, _ = e.login(t, "ada@example.com", otherPassword)
	}
	users, _, err := e.svc.ListUsers(ctx, "ada", 1, 10)
	if err != nil || len(users) != 1 || users[0].LockedUntil == nil {
		t.Fatalf("ListUsers = %+v, %v; want ada, locked", users, err)
	}
	if err := e.svc.AdminUnlock(ctx, ada.ID, meta); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login(t, "ada@example.com", goodPassword); err != nil {
		t.Errorf("login after AdminUnlock: %v", err)
	}
	if err := e.svc.AdminUnlock(ctx, uuid.New(), meta); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("AdminUnlock of nobody = %v, want ErrNotFound", err)
	}

	tok1, _ := e.startSession(t, ada.ID)
	tok2, _ := e.startSession(t, ada.ID)
	n, err := e.svc.AdminEndSessions(ctx, ada.ID, meta)
	if err != nil || n != 2 || e.live(t, tok1) || e.live(t, tok2) {
		t.Errorf("AdminEndSessions = %d, %v; want 2 and no session left", n, err)
	}
	if _, err := e.svc.AdminEndSessions(ctx, uuid.New(), meta); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("AdminEndSessions of nobody = %v, want ErrNotFound", err)
	}
	evs := e.events(t, ada.ID)
	if countKind(evs, account.EventUnlock) != 1 || evs[len(evs)-1].Detail["via"] != "admin" {
		t.Errorf("audit %v: want the admin's unlock and end of sessions", kinds(evs))
	}
}

func TestAdminThroughAGroup(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.signUp(t, "ada@example.com", goodPassword)
	token, _ := e.startSession(t, ada.ID)
	if u, _, _ := e.svc.CurrentUser(t.Context(), token); u.IsAdmin {
		t.Fatal("admin before any grant")
	}
	if err := perms.NewStore(e.pool).GrantGroup(t.Context(), "operators", "admin.access"); err != nil {
		t.Fatal(err)
	}
	if err := perms.NewStore(e.pool).AddMember(t.Context(), "operators", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if u, _, _ := e.svc.CurrentUser(t.Context(), token); !u.IsAdmin {
		t.Error("admin.access through a group does not make an admin")
	}
}
