package account_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/db"
)

func TestCurrentUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.signUp(t, "ada@example.com", goodPassword)
	token, s := e.startSession(t, ada.ID)

	u, got, err := e.svc.CurrentUser(t.Context(), token)
	if err != nil || u.ID != ada.ID || u.IsAdmin || got.ID != s.ID || got.IP != meta.IP || got.UserAgent != meta.UserAgent {
		t.Fatalf("CurrentUser = %+v %+v %v", u, got, err)
	}
	err = db.New(e.pool).GrantPermission(t.Context(), db.GrantPermissionParams{UserID: ada.ID, Codename: "admin.access"})
	if err != nil {
		t.Fatal(err)
	}
	if u, _, err := e.svc.CurrentUser(t.Context(), token); err != nil || !u.IsAdmin {
		t.Errorf("CurrentUser of an admin = %+v, %v; want IsAdmin", u, err)
	}
	// A well-formed token that differs in its last character: both A and Q
	// are valid final characters of 43-character base64url (low bits zero).
	last := "A"
	if token[42:] == "A" {
		last = "Q"
	}
	for _, bad := range []string{"", "nonsense", token[:42] + last} {
		if _, _, err := e.svc.CurrentUser(t.Context(), bad); !errors.Is(err, account.ErrNotFound) {
			t.Errorf("CurrentUser(%q) = %v, want ErrNotFound", bad, err)
		}
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.signUp(t, "ada@example.com", goodPassword)
	token, _ := e.startSession(t, ada.ID)
	other, _ := e.startSession(t, ada.ID)
	if err := e.svc.Logout(t.Context(), token, meta); err != nil {
		t.Fatal(err)
	}
	if e.live(t, token) || !e.live(t, other) {
		t.Error("Logout did not end exactly its session")
	}
	if err := e.svc.Logout(t.Context(), token, meta); err != nil {
		t.Errorf("second Logout = %v, want nil", err)
	}
	if err := e.svc.Logout(t.Context(), "garbage", meta); err != nil {
		t.Errorf("Logout of garbage = %v, want nil", err)
	}
	if n := countKind(e.events(t, ada.ID), account.EventLogout); n != 1 {
		t.Errorf("%d logout events, want 1", n)
	}
}

func TestRevokingSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	ada := e.signUp(t, "ada@example.com", goodPassword)
	bob := e.signUp(t, "bob@example.com", goodPassword)
	adaTok1, ada1 := e.startSession(t, ada.ID)
	adaTok2, ada2 := e.startSession(t, ada.ID)
	adaTok3, _ := e.startSession(t, ada.ID)
	bobTok, bobS := e.startSession(t, bob.ID)

	list, err := e.svc.Sessions(ctx, ada.ID)
	if err != nil || len(list) != 3 {
		t.Fatalf("Sessions = %d, %v; want 3", len(list), err)
	}

	if err := e.svc.RevokeSession(ctx, ada.ID, bobS.ID, meta); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("revoking another user's session = %v, want ErrNotFound", err)
	}
	if err := e.svc.RevokeSession(ctx, ada.ID, uuid.New(), meta); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("revoking an unknown session = %v, want ErrNotFound", err)
	}
	if !e.live(t, bobTok) {
		t.Fatal("ada ended bob's session")
	}
	if err := e.svc.RevokeSession(ctx, ada.ID, ada1.ID, meta); err != nil {
		t.Fatal(err)
	}
	if e.live(t, adaTok1) || !e.live(t, adaTok2) {
		t.Error("RevokeSession did not end exactly that session")
	}
	n, err := e.svc.RevokeOtherSessions(ctx, ada.ID, ada2.ID, meta)
	if err != nil || n != 1 {
		t.Errorf("RevokeOtherSessions = %d, %v; want 1", n, err)
	}
	if !e.live(t, adaTok2) || e.live(t, adaTok3) || !e.live(t, bobTok) {
		t.Error("RevokeOtherSessions did not keep exactly the current session (and bob's)")
	}
	evs := e.events(t, ada.ID)
	if countKind(evs, account.EventSessionRevoked) != 2 {
		t.Errorf("audit %v, want two session_revoked", kinds(evs))
	}
	if last := evs[len(evs)-1]; last.Detail["scope"] != "others" || last.Detail["count"] != float64(1) {
		t.Errorf("last event detail %v, want scope others, count 1", last.Detail)
	}
}

func TestRecentEventsAreNewestFirstAndBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.signUp(t, "ada@example.com", goodPassword)
	_, _ = e.login(t, "ada@example.com", otherPassword)
	e.clock.Advance(1)
	if _, err := e.login(t, "ada@example.com", goodPassword); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		limit int
		want  []string
	}{
		{"all events come newest first", 0, []string{account.EventLogin, account.EventLoginFailed, account.EventEmailVerified, account.EventSignup}},
		{"a limit keeps the newest", 2, []string{account.EventLogin, account.EventLoginFailed}},
	} {
		evs, err := e.svc.RecentEvents(t.Context(), ada.ID, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(evs))
		for i, ev := range evs {
			got[i] = ev.Kind
			if ev.IP != meta.IP || ev.UserAgent != meta.UserAgent || ev.CreatedAt.IsZero() {
				t.Errorf("%s: event %+v lacks the request's details", tc.name, ev)
			}
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %v, want %v", tc.name, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}
