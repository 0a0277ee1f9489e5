package account_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/account"
)

func TestMagicLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	if err := e.svc.SignUp(ctx, "ada@example.com", goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	before := len(e.mails(t, "ada@example.com"))

	// Unknown and malformed addresses.
	if err := e.svc.RequestMagicLink(ctx, "nobody@example.com", meta); err != nil {
		t.Errorf("RequestMagicLink(unknown) = %v, want nil (same answer)", err)
	}
	if n := e.count(t, `SELECT count(*) FROM mail_outbox WHERE to_address = 'nobody@example.com'`); n != 0 {
		t.Errorf("%d mails to an address without an account", n)
	}
	var fe account.FieldErrors
	if err := e.svc.RequestMagicLink(ctx, "not an address", meta); !errors.As(err, &fe) || fe["email"] == "" {
		t.Errorf("RequestMagicLink(malformed) = %v, want FieldErrors for email", err)
	}

	// One mail a minute per address, even for parallel requests.
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.svc.RequestMagicLink(ctx, "Ada@Example.com", meta); err != nil {
				t.Errorf("RequestMagicLink: %v", err)
			}
		}()
	}
	wg.Wait()
	ms := e.mails(t, "ada@example.com")
	if len(ms) != before+1 || ms[len(ms)-1].Subject != account.SubjectMagicLink {
		t.Fatalf("%d new mails after 5 parallel requests, want exactly 1 login link", len(ms)-before)
	}
	first := linkTo(t, ms[len(ms)-1], account.PathMagicVerify)
	e.clock.Advance(account.MagicLinkInterval + time.Second)
	if err := e.svc.RequestMagicLink(ctx, "ada@example.com", meta); err != nil {
		t.Fatal(err)
	}
	if n := len(e.mails(t, "ada@example.com")); n != before+2 {
		t.Fatalf("a request a minute later sent %d mails, want 1", n-before-1)
	}
	link := e.lastLink(t, "ada@example.com", account.PathMagicVerify)

	// Looking does not use it.
	for range 2 {
		if email, err := e.svc.CheckMagicLink(ctx, link); err != nil || email != "ada@example.com" {
			t.Fatalf("CheckMagicLink = %q, %v", email, err)
		}
	}
	u, err := e.svc.MagicLogin(ctx, link, meta)
	if err != nil || u.Email != "ada@example.com" || !u.EmailVerified {
		t.Fatalf("MagicLogin = %+v, %v; want ada, verified by the link", u, err)
	}
	if _, err := e.svc.MagicLogin(ctx, link, meta); !errors.Is(err, account.ErrLinkInvalid) {
		t.Errorf("the same link twice = %v, want ErrLinkInvalid", err)
	}
	if _, err := e.svc.CheckMagicLink(ctx, link); !errors.Is(err, account.ErrLinkInvalid) {
		t.Errorf("CheckMagicLink of a used link = %v, want ErrLinkInvalid", err)
	}
	// Using one link voids the older one still in the mailbox.
	if _, err := e.svc.MagicLogin(ctx, first, meta); !errors.Is(err, account.ErrLinkInvalid) {
		t.Errorf("the older link after a login = %v, want ErrLinkInvalid", err)
	}
	evs := e.events(t, u.ID)
	if countKind(evs, account.EventMagicLinkRequested) != 2 || countKind(evs, account.EventEmailVerified) != 1 {
		t.Errorf("audit %v: want 2 magic_link_requested and 1 email_verified", kinds(evs))
	}
	if last := evs[len(evs)-1]; last.Kind != account.EventLogin || last.Detail["method"] != account.MethodMagicLink {
		t.Errorf("last event %+v, want a magic-link login", last)
	}
}

func TestMagicLinkExpiresAndForgery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	e.signUp(t, "ada@example.com", goodPassword)
	if err := e.svc.RequestMagicLink(ctx, "ada@example.com", meta); err != nil {
		t.Fatal(err)
	}
	link := e.lastLink(t, "ada@example.com", account.PathMagicVerify)

	forged := *link
	q := forged.Query()
	tok := []byte(q.Get("token"))
	tok[0] ^= 1 // stays in the base64url alphabet for letters and digits
	if tok[0] == link.Query().Get("token")[0] {
		t.Fatal("the forged token equals the original")
	}
	q.Set("token", string(tok))
	forged.RawQuery = q.Encode()
	if _, err := e.svc.MagicLogin(ctx, &forged, meta); !errors.Is(err, account.ErrLinkInvalid) {
		t.Errorf("a link with another token = %v, want ErrLinkInvalid", err)
	}
	e.clock.Advance(account.MagicLinkTTL + time.Second)
	if _, err := e.svc.MagicLogin(ctx, link, meta); !errors.Is(err, account.ErrLinkInvalid) {
		t.Errorf("a link after %v = %v, want ErrLinkInvalid", account.MagicLinkTTL, err)
	}
}

func TestMagicLinkWithTwoFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	ada := e.enroll(t, "ada@example.com")
	if _, err := e.pool.Exec(ctx, `UPDATE users SET failed_login_count = 2 WHERE id = $1`, ada.user.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RequestMagicLink(ctx, "ada@example.com", meta); err != nil {
		t.Fatal(err)
	}
	sessionsBefore := e.count(t, `SELECT count(*) FROM sessions WHERE user_id = $1`, ada.user.ID)
	_, err := e.svc.MagicLogin(ctx, e.lastLink(t, "ada@example.com", account.PathMagicVerify), meta)
	var proof *account.SecondFactorRequired
	if !errors.As(err, &proof) || proof.User().ID != ada.user.ID {
		t.Fatalf("MagicLogin with 2FA on = %v, want *SecondFactorRequired", err)
	}
	if n := e.count(t, `SELECT count(*) FROM sessions WHERE user_id = $1`, ada.user.ID); n != sessionsBefore {
		t.Error("a magic link with 2FA on started a session")
	}
	if n := e.user(t, "ada@example.com").FailedLoginCount; n != 2 {
		t.Errorf("the link alone reset the failure count to %d", n)
	}
	ch, err := e.svc.BeginSecondFactor(ctx, proof, "", meta)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.svc.CompleteSecondFactor(ctx, ch, otp(t, ada.secret, e.clock.Now()), meta)
	if err != nil || res.User.ID != ada.user.ID {
		t.Fatalf("second step after a magic link = %+v, %v", res, err)
	}
	evs := e.events(t, ada.user.ID)
	if last := evs[len(evs)-1]; last.Kind != account.EventLogin || last.Detail["method"] != account.MethodMagicLink ||
		last.Detail["second_factor"] != "totp" {
		t.Errorf("last event %+v, want a magic-link login with totp", last)
	}
	// BeginSecondFactor needs a real proof.
	if _, err := e.svc.BeginSecondFactor(ctx, &account.SecondFactorRequired{}, "", meta); err == nil {
		t.Error("BeginSecondFactor accepted an empty proof")
	}
}
