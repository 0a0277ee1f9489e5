package account_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/password"
	"github.com/rampart-dev/rampart/internal/db"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.signUp(t, "ada@example.com", goodPassword)
	for _, tc := range []struct {
		name, email, password string
		ok                    bool
	}{
		{"the right password logs in", "ada@example.com", goodPassword, true},
		{"the address in other case logs in", "Ada@EXAMPLE.com", goodPassword, true},
		{"the address with spaces around logs in", " ada@example.com ", goodPassword, true},
		{"a wrong password is refused", "ada@example.com", otherPassword, false},
		{"the password with an extra space is refused", "ada@example.com", goodPassword + " ", false},
		{"an unknown address is refused the same way", "bob@example.com", goodPassword, false},
		{"a malformed address is refused the same way", "not an address", goodPassword, false},
		{"an overlong address is refused the same way", strings.Repeat("a", 300) + "@example.com", goodPassword, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := e.login(t, tc.email, tc.password)
			if !tc.ok {
				if !errors.Is(err, account.ErrInvalidCredentials) {
					t.Errorf("Login = %v, want ErrInvalidCredentials", err)
				}
				return
			}
			if err != nil || u.ID != ada.ID || u.Email != "ada@example.com" || !u.EmailVerified || u.IsAdmin {
				t.Errorf("Login = %+v, %v; want ada", u, err)
			}
			if _, err := e.pool.Exec(t.Context(), `UPDATE users SET failed_login_count = 0`); err != nil {
				t.Fatal(err)
			}
		})
	}
	evs := e.events(t, ada.ID)
	if countKind(evs, account.EventLogin) != 3 || countKind(evs, account.EventLoginFailed) != 2 {
		t.Errorf("audit %v: want 3 logins and 2 failures of ada", kinds(evs))
	}
	for _, ev := range evs {
		if ev.IP != meta.IP || ev.UserAgent != meta.UserAgent || ev.RequestID != meta.RequestID {
			t.Errorf("event %+v does not carry the request's ip, user agent and id", ev)
		}
	}
	if n := e.count(t, `SELECT count(*) FROM audit_events WHERE user_id IS NULL`); n != 0 {
		t.Errorf("%d events recorded for no account", n)
	}
}

func TestLoginLocksTheAccountAfterMaxFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	ada := e.signUp(t, "ada@example.com", goodPassword)
	unlockMails := func() int {
		n := 0
		for _, m := range e.mails(t, "ada@example.com") {
			if m.Subject == account.SubjectLocked {
				n++
			}
		}
		return n
	}

	for i := 1; i <= maxFailures; i++ {
		if _, err := e.login(t, "ada@example.com", otherPassword); !errors.Is(err, account.ErrInvalidCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
		if got, want := unlockMails(), map[bool]int{true: 1, false: 0}[i == maxFailures]; got != want {
			t.Fatalf("after %d failures, %d unlock mails, want %d", i, got, want)
		}
	}
	u := e.user(t, "ada@example.com")
	if u.FailedLoginCount != maxFailures || u.LockedUntil == nil || !u.LockedUntil.Equal(e.clock.Now().Add(lockout)) {
		t.Fatalf("after %d failures: count %d, locked until %v; want locked for %v", maxFailures, u.FailedLoginCount, u.LockedUntil, lockout)
	}
	m := e.mails(t, "ada@example.com")[1]
	if !strings.Contains(m.TextBody, "After 3 failed attempts to log in, your account is locked for 15 minutes") {
		t.Errorf("unlock mail says:\n%s", m.TextBody)
	}

	for _, pw := range []string{goodPassword, otherPassword, otherPassword} {
		if _, err := e.login(t, "ada@example.com", pw); !errors.Is(err, account.ErrInvalidCredentials) {
			t.Errorf("a locked account answered %v, want ErrInvalidCredentials", err)
		}
	}
	if after := e.user(t, "ada@example.com"); after.FailedLoginCount != maxFailures || !after.LockedUntil.Equal(*u.LockedUntil) || unlockMails() != 1 {
		t.Errorf("attempts while locked moved the count to %d / lock to %v / mails to %d", after.FailedLoginCount, after.LockedUntil, unlockMails())
	}
	if n := countKind(e.events(t, ada.ID), account.EventLockout); n != 1 {
		t.Errorf("%d lockout events, want 1", n)
	}

	link := linkTo(t, m, account.PathUnlock)
	if err := e.svc.Unlock(ctx, link, meta); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if _, err := e.login(t, "ada@example.com", goodPassword); err != nil {
		t.Errorf("login after unlock: %v", err)
	}
	if err := e.svc.Unlock(ctx, link, meta); !errors.Is(err, account.ErrLinkInvalid) {
		t.Errorf("second use of the unlock link = %v, want ErrLinkInvalid", err)
	}
	evs := e.events(t, ada.ID)
	if countKind(evs, account.EventUnlock) != 1 || evs[len(evs)-1].Kind != account.EventLogin {
		t.Errorf("audit %v, want one unlock then a login", kinds(evs))
	}
}

func TestALockEndsAfterTheLockoutAndTheCountStartsOver(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp(t, "ada@example.com", goodPassword)
	for range maxFailures {
		_, _ = e.login(t, "ada@example.com", otherPassword)
	}
	e.clock.Advance(lockout - time.Second)
	if _, err := e.login(t, "ada@example.com", goodPassword); !errors.Is(err, account.ErrInvalidCredentials) {
		t.Fatalf("a second before the lock ends: %v, want refused", err)
	}
	e.clock.Advance(time.Second)
	if _, err := e.login(t, "ada@example.com", otherPassword); !errors.Is(err, account.ErrInvalidCredentials) {
		t.Fatal(err)
	}
	if u := e.user(t, "ada@example.com"); u.FailedLoginCount != 1 || u.LockedUntil != nil {
		t.Errorf("first failure after the lock: count %d, locked until %v; want 1 and unlocked", u.FailedLoginCount, u.LockedUntil)
	}
	if _, err := e.login(t, "ada@example.com", goodPassword); err != nil {
		t.Errorf("login after the lock ended: %v", err)
	}
}

func TestSuccessfulLoginResetsTheFailureCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp(t, "ada@example.com", goodPassword)
	for range maxFailures - 1 {
		_, _ = e.login(t, "ada@example.com", otherPassword)
	}
	if _, err := e.login(t, "ada@example.com", goodPassword); err != nil {
		t.Fatal(err)
	}
	if u := e.user(t, "ada@example.com"); u.FailedLoginCount != 0 {
		t.Fatalf("count after success = %d, want 0", u.FailedLoginCount)
	}
	for range maxFailures - 1 {
		_, _ = e.login(t, "ada@example.com", otherPassword)
	}
	if u := e.user(t, "ada@example.com"); u.LockedUntil != nil || u.FailedLoginCount != maxFailures-1 {
		t.Errorf("%d failures after a success locked the account (count %d)", maxFailures-1, u.FailedLoginCount)
	}
}

func TestConcurrentFailuresLockOnceAndMailOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.signUp(t, "ada@example.com", goodPassword)
	var wg sync.WaitGroup
	for range 3 * maxFailures {
		wg.Go(func() {
			if _, err := e.login(t, "ada@example.com", otherPassword); !errors.Is(err, account.ErrInvalidCredentials) {
				t.Errorf("Login = %v", err)
			}
		})
	}
	wg.Wait()
	if n := countKind(e.events(t, ada.ID), account.EventLockout); n != 1 {
		t.Errorf("%d lockouts, want 1", n)
	}
	if n := e.count(t, `SELECT count(*) FROM mail_outbox WHERE subject = $1`, account.SubjectLocked); n != 1 {
		t.Errorf("%d unlock mails, want 1", n)
	}
}

func TestLoginRehashesAPasswordStoredWithOlderParameters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.signUp(t, "ada@example.com", goodPassword)
	weak := password.NewHasher(password.Params{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0, 0)
	old, err := weak.Hash(t.Context(), goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(t.Context(), `UPDATE users SET password_hash = $1`, old); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login(t, "ada@example.com", goodPassword); err != nil {
		t.Fatal(err)
	}
	stored := e.user(t, "ada@example.com").PasswordHash
	if stored == old || !strings.HasPrefix(stored, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("stored hash %q after login; want a re-hash with the current parameters", stored)
	}
	if _, err := e.login(t, "ada@example.com", goodPassword); err != nil {
		t.Errorf("login with the re-hashed password: %v", err)
	}
}

func TestLoginAnswersBusyWhenTheHasherIsSaturated(t *testing.T) {
	t.Parallel()
	// One slot, a 5 ms wait, and hashes that take far longer than that.
	hasher := password.NewHasher(password.Params{Memory: 16 * 1024, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32}, 1, 5*time.Millisecond)
	e := newEnv(t, func(c *account.Config) { c.Hasher = hasher })
	hash, err := hasher.Hash(t.Context(), goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.New(e.pool).CreateUser(t.Context(), db.CreateUserParams{Email: "ada@example.com", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			_, _ = hasher.Hash(ctx, "keep the only slot busy")
		}
	})
	defer wg.Wait()
	defer cancel()
	for _, email := range []string{"ada@example.com", "nobody@example.com"} {
		busy := false
		for range 200 {
			if _, err := e.login(t, email, goodPassword); errors.Is(err, password.ErrBusy) {
				busy = true
				break
			}
		}
		if !busy {
			t.Errorf("login for %s never answered ErrBusy while the hasher was saturated", email)
		}
	}
}
