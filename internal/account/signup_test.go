package account_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/mail"
)

func TestSignUpAnswersTheSameForNewAndExistingAddresses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()

	for _, tc := range []struct {
		name, email, subject, path, mustSay string
	}{
		{"a new address gets a verification link", "ada@example.com",
			account.SubjectVerifyEmail, account.PathVerifyEmail, "works once, for 24 hours"},
		{"an existing address gets a notice instead", "ada@example.com",
			account.SubjectExistingAccount, account.PathPasswordForgot, "Someone tried to create"},
		{"the same address in other case is the existing account", "ADA@Example.com",
			account.SubjectExistingAccount, account.PathPasswordForgot, "log in at " + baseURL + account.PathLogin},
	} {
		before := len(e.mails(t, "ada@example.com"))
		if err := e.svc.SignUp(ctx, tc.email, goodPassword, meta); err != nil {
			t.Fatalf("%s: SignUp = %v, want nil", tc.name, err)
		}
		ms := e.mails(t, "ada@example.com")
		if len(ms) != before+1 {
			t.Fatalf("%s: %d new mails, want exactly 1", tc.name, len(ms)-before)
		}
		m := ms[len(ms)-1]
		if m.Subject != tc.subject || !strings.Contains(m.TextBody, tc.mustSay) {
			t.Errorf("%s: mail %q does not say %q:\n%s", tc.name, m.Subject, tc.mustSay, m.TextBody)
		}
		linkTo(t, m, tc.path)
	}
	if n := e.count(t, `SELECT count(*) FROM users`); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
	u := e.user(t, "ada@example.com")
	if u.EmailVerifiedAt != nil || u.Email != "ada@example.com" {
		t.Errorf("new user %+v: want unverified, address as typed", u)
	}
	evs := e.events(t, u.ID)
	if len(evs) != 1 || !reflect.DeepEqual(evs[0], auditRow{Kind: account.EventSignup, IP: meta.IP,
		UserAgent: meta.UserAgent, RequestID: meta.RequestID, Detail: map[string]any{}}) {
		t.Errorf("audit events %+v, want one signup with the request's ip, user agent and id", evs)
	}
}

func TestSignUpTrimsTheAddressButNeverThePassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pw := "  " + goodPassword + "  "
	if err := e.svc.SignUp(t.Context(), "  ada@example.com\t", pw, meta); err != nil {
		t.Fatal(err)
	}
	if u := e.user(t, "ada@example.com"); u.Email != "ada@example.com" {
		t.Errorf("stored address %q, want it trimmed", u.Email)
	}
	if _, err := e.login(t, "ada@example.com", goodPassword); !errors.Is(err, account.ErrInvalidCredentials) {
		t.Errorf("the trimmed password logs in (%v): the password was trimmed", err)
	}
	if _, err := e.login(t, "ada@example.com", pw); err != nil {
		t.Errorf("the password as typed does not log in: %v", err)
	}
}

func TestSignUpRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const badEmail = "Enter a valid email address, like ada@example.com."
	for _, tc := range []struct {
		name, email, password string
		want                  account.FieldErrors
	}{
		{"an empty address is refused", "", goodPassword, account.FieldErrors{"email": badEmail}},
		{"an address without a domain is refused", "ada", goodPassword, account.FieldErrors{"email": badEmail}},
		{"an address over 254 bytes is refused", strings.Repeat("a", 245) + "@example.com", goodPassword, account.FieldErrors{"email": badEmail}},
		{"an address with a NUL is refused", "ada\x00@example.com", goodPassword, account.FieldErrors{"email": badEmail}},
		{"an address of invalid UTF-8 is refused", "ad\xffa@example.com", goodPassword, account.FieldErrors{"email": badEmail}},
		{"an address with a line break is refused", "ada@example.com\r\nBcc: eve@example.com", goodPassword, account.FieldErrors{"email": badEmail}},
		{"an address with a display name is refused", "Ada <ada@example.com>", goodPassword, account.FieldErrors{"email": badEmail}},
		{"two addresses are refused", "ada@example.com, bob@example.com", goodPassword, account.FieldErrors{"email": badEmail}},
		{"a short password is refused", "ada@example.com", "short", account.FieldErrors{"password": "Use at least 12 characters."}},
		{"a password over 128 characters is refused", "ada@example.com", strings.Repeat("é", 129), account.FieldErrors{"password": "Use at most 128 characters."}},
		{"the address as password is refused", "ada@example.com", "ada@example.com", account.FieldErrors{"password": "Don't use your email address as your password."}},
		{"a password with a NUL is refused", "ada@example.com", goodPassword + "\x00", account.FieldErrors{"password": "The password contains invalid characters."}},
		{"a password of invalid UTF-8 is refused", "ada@example.com", goodPassword + "\xff", account.FieldErrors{"password": "The password contains invalid characters."}},
		{"both fields are reported together", "nope", "short", account.FieldErrors{"email": badEmail, "password": "Use at least 12 characters."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.svc.SignUp(t.Context(), tc.email, tc.password, meta)
			var fe account.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("SignUp = %v, want FieldErrors", err)
			}
			if len(fe) != len(tc.want) {
				t.Errorf("FieldErrors %v, want %v", fe, tc.want)
			}
			for k, v := range tc.want {
				if fe[k] != v {
					t.Errorf("FieldErrors[%q] = %q, want %q", k, fe[k], v)
				}
			}
		})
	}
	t.Run("a common password is refused with the estimator's feedback", func(t *testing.T) {
		err := e.svc.SignUp(t.Context(), "ada@example.com", "passwordpassword", meta)
		var fe account.FieldErrors
		if !errors.As(err, &fe) || !strings.HasPrefix(fe["password"], "This password is too easy to guess") {
			t.Errorf("SignUp = %v (%v), want the strength feedback", err, fe)
		}
	})
	if n := e.count(t, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM mail_outbox)`); n != 0 {
		t.Errorf("refused sign-ups wrote %d rows", n)
	}
}

// failingInserter refuses to queue jobs, as a broken River table would.
type failingInserter struct{}

func (failingInserter) InsertTx(context.Context, pgx.Tx, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return nil, errors.New("queue is down")
}

func TestSignUpWhoseMailCannotBeQueuedLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *account.Config) { c.Outbox = mail.NewOutbox(failingInserter{}) })
	if err := e.svc.SignUp(t.Context(), "ada@example.com", goodPassword, meta); err == nil {
		t.Fatal("SignUp succeeded although its mail could not be queued")
	}
	n := e.count(t, `SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM mail_outbox)
		+ (SELECT count(*) FROM one_time_tokens) + (SELECT count(*) FROM audit_events)`)
	if n != 0 {
		t.Errorf("a failed sign-up left %d rows behind", n)
	}
}

func TestVerificationLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i, tc := range []struct {
		name  string
		alter func(email string, link *url.URL) *url.URL
		ok    bool
	}{
		{"the mailed link verifies the address", func(_ string, l *url.URL) *url.URL { return l }, true},
		{"the link with scheme and host verifies too", func(_ string, l *url.URL) *url.URL {
			abs, _ := url.Parse(baseURL + l.String())
			return abs
		}, true},
		{"a link with another token is refused", func(_ string, l *url.URL) *url.URL {
			q := l.Query()
			tok := q.Get("token")
			first := "A"
			if tok[:1] == "A" {
				first = "B"
			}
			q.Set("token", first+tok[1:])
			l.RawQuery = q.Encode()
			return l
		}, false},
		{"a link with a later expiry is refused", func(_ string, l *url.URL) *url.URL {
			q := l.Query()
			q.Set("expires", "99999999999")
			l.RawQuery = q.Encode()
			return l
		}, false},
		{"a link to another page is refused", func(_ string, l *url.URL) *url.URL {
			l.Path = account.PathPasswordReset
			return l
		}, false},
		{"a link older than 24 hours is refused", func(_ string, l *url.URL) *url.URL {
			e.clock.Advance(24*time.Hour + time.Second)
			return l
		}, false},
		{"a link sent to an address the account no longer has is refused", func(email string, l *url.URL) *url.URL {
			_, err := e.pool.Exec(context.Background(), `UPDATE users SET email = 'new-' || email WHERE email = $1`, email)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}, false},
		{"a nil link is refused", func(string, *url.URL) *url.URL { return nil }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := fmt.Sprintf("user%d@example.com", i)
			if err := e.svc.SignUp(t.Context(), email, goodPassword, meta); err != nil {
				t.Fatal(err)
			}
			link := tc.alter(email, e.lastLink(t, email, account.PathVerifyEmail))
			u, err := e.svc.VerifyEmail(t.Context(), link, meta)
			if !tc.ok {
				if !errors.Is(err, account.ErrLinkInvalid) {
					t.Errorf("VerifyEmail = %v, want ErrLinkInvalid", err)
				}
				if n := e.count(t, `SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL AND email LIKE '%' || $1`, email); n != 0 {
					t.Error("a refused link verified the address")
				}
				return
			}
			if err != nil || !u.EmailVerified || u.Email != email {
				t.Fatalf("VerifyEmail = %+v, %v; want the verified user", u, err)
			}
			if _, err := e.svc.VerifyEmail(t.Context(), link, meta); !errors.Is(err, account.ErrLinkInvalid) {
				t.Errorf("second use of the link = %v, want ErrLinkInvalid", err)
			}
			if got := kinds(e.events(t, u.ID)); len(got) != 2 || got[1] != account.EventEmailVerified {
				t.Errorf("audit %v, want signup then email_verified", got)
			}
		})
	}
}

func TestResendVerification(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	if err := e.svc.SignUp(ctx, "ada@example.com", goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	first := e.lastLink(t, "ada@example.com", account.PathVerifyEmail)
	id := e.user(t, "ada@example.com").ID
	if err := e.svc.ResendVerification(ctx, id, meta); err != nil {
		t.Fatal(err)
	}
	second := e.lastLink(t, "ada@example.com", account.PathVerifyEmail)
	if first.String() == second.String() {
		t.Fatal("the resent link is the first one")
	}
	if _, err := e.svc.VerifyEmail(ctx, second, meta); err != nil {
		t.Fatalf("the resent link: %v", err)
	}
	if _, err := e.svc.VerifyEmail(ctx, first, meta); !errors.Is(err, account.ErrLinkInvalid) {
		t.Errorf("the first link after verification = %v, want ErrLinkInvalid", err)
	}
	if err := e.svc.ResendVerification(ctx, id, meta); err != nil {
		t.Fatal(err)
	}
	if n := len(e.mails(t, "ada@example.com")); n != 2 {
		t.Errorf("%d mails after resending to a verified user, want still 2", n)
	}
}
