package account_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/account"
)

func TestRequestPasswordReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.signUp(t, "ada@example.com", goodPassword)
	for _, tc := range []struct {
		name, email string
		mails       int // new mails to ada
		fieldError  bool
	}{
		{"an unknown address gets the same answer and no mail", "bob@example.com", 0, false},
		{"a known address gets one reset mail", "ada@example.com", 1, false},
		{"a known address in other case gets one reset mail", "ADA@example.com", 1, false},
		{"a malformed address is a field error", "ada@", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.mails(t, "ada@example.com"))
			err := e.svc.RequestPasswordReset(t.Context(), tc.email, meta)
			var fe account.FieldErrors
			if tc.fieldError != errors.As(err, &fe) || (!tc.fieldError && err != nil) {
				t.Fatalf("RequestPasswordReset = %v", err)
			}
			if tc.fieldError && fe["email"] == "" {
				t.Errorf("FieldErrors %v, want one on email", fe)
			}
			ms := e.mails(t, "ada@example.com")
			if len(ms)-before != tc.mails {
				t.Fatalf("%d new mails, want %d", len(ms)-before, tc.mails)
			}
			if tc.mails == 1 {
				m := ms[len(ms)-1]
				if m.Subject != account.SubjectPasswordReset || !strings.Contains(m.TextBody, "works once, for 1 hour") {
					t.Errorf("reset mail %q:\n%s", m.Subject, m.TextBody)
				}
				linkTo(t, m, account.PathPasswordReset)
			}
		})
	}
	if n := e.count(t, `SELECT count(*) FROM mail_outbox WHERE to_address = 'bob@example.com'`); n != 0 {
		t.Errorf("%d mails to an unknown address", n)
	}
	if n := countKind(e.events(t, ada.ID), account.EventResetRequested); n != 2 {
		t.Errorf("%d reset requests recorded, want 2", n)
	}
}

// resetLink asks for a reset of email and returns the mailed link.
func (e *env) resetLink(t *testing.T, email string) *urlValue {
	t.Helper()
	if err := e.svc.RequestPasswordReset(t.Context(), email, meta); err != nil {
		t.Fatal(err)
	}
	return &urlValue{e.lastLink(t, email, account.PathPasswordReset).String()}
}

// urlValue hands out a fresh *url.URL each time, as each request would.
type urlValue struct{ s string }

func (u *urlValue) URL(t *testing.T) *url.URL {
	t.Helper()
	v, err := url.Parse(u.s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestResetPasswordWorksOnceAndEndsEverySession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	ada := e.signUp(t, "ada@example.com", goodPassword)
	tok1, _ := e.startSession(t, ada.ID)
	tok2, _ := e.startSession(t, ada.ID)
	bob := e.signUp(t, "bob@example.com", goodPassword)
	bobTok, _ := e.startSession(t, bob.ID)
	link := e.resetLink(t, "ada@example.com")

	if err := e.svc.CheckResetLink(ctx, link.URL(t)); err != nil {
		t.Fatalf("CheckResetLink of a fresh link: %v", err)
	}

	_, err := e.svc.ResetPassword(ctx, link.URL(t), "short", meta)
	var fe account.FieldErrors
	if !errors.As(err, &fe) || fe["password"] != "Use at least 12 characters." {
		t.Fatalf("a weak new password: %v (%v), want FieldErrors on password", err, fe)
	}
	if err := e.svc.CheckResetLink(ctx, link.URL(t)); err != nil {
		t.Errorf("a refused password used up the link: %v", err)
	}
	if _, err := e.login(t, "ada@example.com", goodPassword); err != nil || !e.live(t, tok1) {
		t.Errorf("a refused password changed the account (login %v, session live %v)", err, e.live(t, tok1))
	}

	u, err := e.svc.ResetPassword(ctx, link.URL(t), otherPassword, meta)
	if err != nil || u.ID != ada.ID {
		t.Fatalf("ResetPassword = %+v, %v", u, err)
	}
	if e.live(t, tok1) || e.live(t, tok2) {
		t.Error("a session survived the reset")
	}
	if !e.live(t, bobTok) {
		t.Error("the reset ended another user's session")
	}
	if _, err := e.login(t, "ada@example.com", goodPassword); !errors.Is(err, account.ErrInvalidCredentials) {
		t.Errorf("the old password after reset: %v", err)
	}
	if _, err := e.login(t, "ada@example.com", otherPassword); err != nil {
		t.Errorf("the new password after reset: %v", err)
	}
	if _, err := e.svc.ResetPassword(ctx, link.URL(t), thirdPassword, meta); !errors.Is(err, account.ErrLinkInvalid) {
		t.Errorf("second use of the reset link = %v, want ErrLinkInvalid", err)
	}
	if err := e.svc.CheckResetLink(ctx, link.URL(t)); !errors.Is(err, account.ErrLinkInvalid) {
		t.Errorf("CheckResetLink of a used link = %v, want ErrLinkInvalid", err)
	}
	ms := e.mails(t, "ada@example.com")
	notice := ms[len(ms)-1]
	if notice.Subject != account.SubjectPasswordChanged || !strings.Contains(notice.TextBody, meta.IP) ||
		!strings.Contains(notice.TextBody, e.clock.Now().UTC().Format("2 January 2006 at 15:04 UTC")) {
		t.Errorf("notice %q does not give the time and IP:\n%s", notice.Subject, notice.TextBody)
	}
	linkTo(t, notice, account.PathPasswordForgot)
	evs := e.events(t, ada.ID)
	if countKind(evs, account.EventPasswordReset) != 1 {
		t.Errorf("audit %v, want one password_reset", kinds(evs))
	}
}

func TestResetLinksThatMustNotWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i, tc := range []struct {
		name string
		do   func(t *testing.T, email string, link *urlValue)
	}{
		{"a link older than an hour is refused", func(*testing.T, string, *urlValue) {
			e.clock.Advance(time.Hour + time.Second)
		}},
		{"an older link is refused once a newer one was used", func(t *testing.T, email string, _ *urlValue) {
			if _, err := e.svc.ResetPassword(t.Context(), e.resetLink(t, email).URL(t), otherPassword, meta); err != nil {
				t.Fatal(err)
			}
		}},
		{"a link is refused once the password was changed", func(t *testing.T, email string, _ *urlValue) {
			u := e.user(t, email)
			_, s := e.startSession(t, u.ID)
			if _, err := e.svc.ChangePassword(t.Context(), u.ID, s.ID, goodPassword, otherPassword, meta); err != nil {
				t.Fatal(err)
			}
		}},
		{"a verification link is not a reset link", func(t *testing.T, email string, link *urlValue) {
			if err := e.svc.ResendVerification(t.Context(), e.user(t, email).ID, meta); err != nil {
				t.Fatal(err)
			}
			v := e.lastLink(t, email, account.PathVerifyEmail)
			v.Path = account.PathPasswordReset
			link.s = v.String()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := fmt.Sprintf("user%d@example.com", i)
			if err := e.svc.SignUp(t.Context(), email, goodPassword, meta); err != nil {
				t.Fatal(err)
			}
			link := e.resetLink(t, email)
			tc.do(t, email, link)
			if err := e.svc.CheckResetLink(t.Context(), link.URL(t)); !errors.Is(err, account.ErrLinkInvalid) {
				t.Errorf("CheckResetLink = %v, want ErrLinkInvalid", err)
			}
			before := e.user(t, email).PasswordHash
			if _, err := e.svc.ResetPassword(t.Context(), link.URL(t), thirdPassword, meta); !errors.Is(err, account.ErrLinkInvalid) {
				t.Errorf("ResetPassword = %v, want ErrLinkInvalid", err)
			}
			if e.user(t, email).PasswordHash != before {
				t.Error("a refused link changed the password")
			}
		})
	}
}

func TestResetLiftsALockoutAndVerifiesTheAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if err := e.svc.SignUp(t.Context(), "ada@example.com", goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	for range maxFailures {
		_, _ = e.login(t, "ada@example.com", thirdPassword)
	}
	if _, err := e.svc.ResetPassword(t.Context(), e.resetLink(t, "ada@example.com").URL(t), otherPassword, meta); err != nil {
		t.Fatal(err)
	}
	u, err := e.login(t, "ada@example.com", otherPassword)
	if err != nil || !u.EmailVerified {
		t.Errorf("after reset: login %+v, %v; want logged in and verified", u, err)
	}
}

func TestTwoParallelUsesOfOneResetLinkSucceedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp(t, "ada@example.com", goodPassword)
	passwords := []string{otherPassword, thirdPassword}
	for round := 1; round <= 5; round++ {
		link := e.resetLink(t, "ada@example.com")
		errs := make([]error, len(passwords))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, pw := range passwords {
			wg.Go(func() {
				<-start
				_, errs[i] = e.svc.ResetPassword(t.Context(), link.URL(t), pw, meta)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner == -1:
				winner = i
			case err == nil:
				t.Fatalf("round %d: both uses of one reset link succeeded", round)
			case !errors.Is(err, account.ErrLinkInvalid):
				t.Fatalf("round %d: the losing use = %v, want ErrLinkInvalid", round, err)
			}
		}
		if winner == -1 {
			t.Fatalf("round %d: neither use succeeded: %v", round, errs)
		}
		if _, err := e.login(t, "ada@example.com", passwords[winner]); err != nil {
			t.Errorf("round %d: the winner's password does not log in: %v", round, err)
		}
		if n := e.count(t, `SELECT count(*) FROM mail_outbox WHERE subject = $1`, account.SubjectPasswordChanged); n != round {
			t.Errorf("round %d: %d change notices in all, want %d", round, n, round)
		}
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i, tc := range []struct {
		name             string
		current, newPass string
		session          func(cur uuid.UUID) uuid.UUID
		wantErr          error
		wantField        string
	}{
		{"a wrong current password is refused", otherPassword, thirdPassword, nil, account.ErrWrongPassword, ""},
		{"a weak new password is refused", goodPassword, "password1234", nil, nil, "new_password"},
		{"a new password with a NUL is refused", goodPassword, thirdPassword + "\x00", nil, nil, "new_password"},
		{"a session that is not the user's is refused", goodPassword, thirdPassword, func(uuid.UUID) uuid.UUID { return uuid.New() }, account.ErrNotFound, ""},
		{"the right current and a strong new password change it", goodPassword, thirdPassword, nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := fmt.Sprintf("user%d@example.com", i)
			ada := e.signUp(t, email, goodPassword)
			curTok, cur := e.startSession(t, ada.ID)
			otherTok, _ := e.startSession(t, ada.ID)
			mailsBefore := len(e.mails(t, email))
			sid := cur.ID
			if tc.session != nil {
				sid = tc.session(cur.ID)
			}
			token, err := e.svc.ChangePassword(t.Context(), ada.ID, sid, tc.current, tc.newPass, meta)
			var fe account.FieldErrors
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("ChangePassword = %v, want %v", err, tc.wantErr)
			case tc.wantField != "" && (!errors.As(err, &fe) || fe[tc.wantField] == ""):
				t.Fatalf("ChangePassword = %v (%v), want a field error on %s", err, fe, tc.wantField)
			case tc.wantErr == nil && tc.wantField == "" && err != nil:
				t.Fatalf("ChangePassword = %v", err)
			}
			if err != nil {
				if !e.live(t, curTok) || !e.live(t, otherTok) || len(e.mails(t, email)) != mailsBefore {
					t.Error("a refused change ended sessions or sent mail")
				}
				if _, err := e.login(t, email, goodPassword); err != nil {
					t.Errorf("a refused change changed the password: %v", err)
				}
				return
			}
			if e.live(t, curTok) || e.live(t, otherTok) {
				t.Error("an old session survived the change")
			}
			u, s, err := e.svc.CurrentUser(t.Context(), token)
			if err != nil || u.ID != ada.ID || s.ID == cur.ID {
				t.Errorf("the returned token: %+v %+v %v; want a new session of ada", u, s, err)
			}
			if _, err := e.login(t, email, thirdPassword); err != nil {
				t.Errorf("the new password: %v", err)
			}
			ms := e.mails(t, email)
			if len(ms) != mailsBefore+1 || ms[len(ms)-1].Subject != account.SubjectPasswordChanged {
				t.Errorf("want one change notice, got %d new mails", len(ms)-mailsBefore)
			}
			if evs := e.events(t, ada.ID); countKind(evs, account.EventPasswordChanged) != 1 {
				t.Errorf("audit %v, want one password_changed", kinds(evs))
			}
		})
	}
}

func TestChangePasswordKeepsTheSecondFactorOfTheSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.signUp(t, "ada@example.com", goodPassword)
	_, cur := e.startSession(t, ada.ID)
	at := e.clock.Now().Add(-time.Minute)
	if err := e.sessions.SetSecondFactor(t.Context(), nil, ada.ID, cur.ID, at); err != nil {
		t.Fatal(err)
	}
	token, err := e.svc.ChangePassword(t.Context(), ada.ID, cur.ID, goodPassword, otherPassword, meta)
	if err != nil {
		t.Fatal(err)
	}
	_, s, err := e.svc.CurrentUser(t.Context(), token)
	if err != nil || s.SecondFactorAt == nil || !s.SecondFactorAt.Equal(at) {
		t.Errorf("replacement session %+v, %v; want second factor at %v", s, err, at)
	}
}
