package account_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/account"
	"github.com/rampart-dev/rampart/internal/auth/keys"
	"github.com/rampart-dev/rampart/internal/auth/seal"
	"github.com/rampart-dev/rampart/internal/auth/session"
)

// otp is the RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret at
// at, computed independently of internal/auth/totp: by oathtool when it is
// installed (CI installs it), else by a direct HMAC-SHA1 here.
func otp(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	if path, err := exec.LookPath("oathtool"); err == nil {
		out, err := exec.Command(path, "--totp", "-b", "-N", "@"+strconv.FormatInt(at.Unix(), 10), secret).Output()
		if err != nil {
			t.Fatalf("oathtool: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatalf("secret %q is not base32: %v", secret, err)
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1_000_000)
}

// enrolled is a user with 2FA on: their secret, recovery codes and the
// session that turned it on.
type enrolled struct {
	user    account.User
	secret  string
	codes   []string
	token   string
	session session.Session
}

// enroll signs up email and turns 2FA on through the service, as the
// settings page does; the clock then moves to the next time step, so the
// next code is not a replay of the confirming one.
func (e *env) enroll(t *testing.T, email string) enrolled {
	t.Helper()
	u := e.signUp(t, email, goodPassword)
	token, sess := e.startSession(t, u.ID)
	en, err := e.svc.BeginEnrollment(t.Context(), u.ID, sess.ID, meta)
	if err != nil {
		t.Fatalf("BeginEnrollment: %v", err)
	}
	codes, err := e.svc.ConfirmEnrollment(t.Context(), u.ID, sess.ID, otp(t, en.Secret, e.clock.Now()), meta)
	if err != nil {
		t.Fatalf("ConfirmEnrollment: %v", err)
	}
	e.clock.Advance(30 * time.Second)
	return enrolled{user: u, secret: en.Secret, codes: codes, token: token, session: sess}
}

// challenge logs in with the password and starts the second step.
func (e *env) challenge(t *testing.T, email string) string {
	t.Helper()
	_, err := e.login(t, email, goodPassword)
	var proof *account.SecondFactorRequired
	if !errors.As(err, &proof) {
		t.Fatalf("Login = %v, want *SecondFactorRequired", err)
	}
	token, err := e.svc.BeginSecondFactor(t.Context(), proof, "/account/sessions", meta)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

var recoveryCodeRE = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)

func TestEnrollment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.signUp(t, "ada@example.com", goodPassword)
	ctx := t.Context()
	token, sess := e.startSession(t, ada.ID)
	otherToken, _ := e.startSession(t, ada.ID)

	en, err := e.svc.BeginEnrollment(ctx, ada.ID, sess.ID, meta)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(en.Secret) {
		t.Errorf("secret %q: want 32 base32 characters (160 bits)", en.Secret)
	}
	if !strings.HasPrefix(en.URL, "otpauth://totp/Rampart:ada@example.com?") || !strings.Contains(en.URL, "secret="+en.Secret) ||
		!strings.Contains(en.URL, "issuer=Rampart") {
		t.Errorf("otpauth URL %q", en.URL)
	}
	if !strings.HasPrefix(en.QRDataURI, "data:image/png;base64,") {
		t.Errorf("QR code %.40q is not a PNG data URI", en.QRDataURI)
	}
	var stored []byte
	if err := e.pool.QueryRow(ctx, `SELECT secret_encrypted FROM totp_authenticators WHERE user_id = $1`, ada.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	raw, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(en.Secret)
	if strings.Contains(string(stored), string(raw)) || strings.Contains(string(stored), en.Secret) {
		t.Error("the secret is stored in the clear")
	}
	if st, _ := e.svc.TwoFactorStatus(ctx, ada.ID); st.Enabled {
		t.Error("2FA is on before the first code")
	}
	if u, _, _ := e.svc.CurrentUser(ctx, token); u.TwoFactor {
		t.Error("User.TwoFactor before the first code")
	}

	// A pending enrollment shows the same secret again.
	again, err := e.svc.PendingEnrollment(ctx, ada.ID)
	if err != nil || again.Secret != en.Secret {
		t.Errorf("PendingEnrollment = %q, %v; want the same secret", again.Secret, err)
	}

	now := e.clock.Now()
	wrong := otp(t, en.Secret, now.Add(-2*time.Minute))
	if wrong == otp(t, en.Secret, now) || wrong == otp(t, en.Secret, now.Add(-30*time.Second)) || wrong == otp(t, en.Secret, now.Add(30*time.Second)) {
		wrong = "000000" // vanishingly unlikely: the old code happens to be a valid one
	}
	if _, err := e.svc.ConfirmEnrollment(ctx, ada.ID, sess.ID, wrong, meta); !errors.Is(err, account.ErrWrongCode) {
		t.Errorf("ConfirmEnrollment(code of 2 minutes ago) = %v, want ErrWrongCode", err)
	}
	codes, err := e.svc.ConfirmEnrollment(ctx, ada.ID, sess.ID, otp(t, en.Secret, now), meta)
	if err != nil {
		t.Fatalf("ConfirmEnrollment: %v", err)
	}
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes, want 10", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !recoveryCodeRE.MatchString(c) || seen[c] {
			t.Errorf("recovery code %q: malformed or repeated", c)
		}
		seen[c] = true
	}
	if n := e.count(t, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, ada.ID); n != 10 {
		t.Errorf("%d recovery codes stored, want 10", n)
	}
	if n := e.count(t, `SELECT count(*) FROM recovery_codes WHERE code_hash = convert_to($1, 'UTF8') OR position(convert_to($2, 'UTF8') in code_hash) > 0`,
		codes[0], strings.ReplaceAll(codes[0], "-", "")); n != 0 {
		t.Error("a recovery code is stored in the clear")
	}
	st, err := e.svc.TwoFactorStatus(ctx, ada.ID)
	if err != nil || !st.Enabled || st.RecoveryCodesLeft != 10 || !st.EnabledAt.Equal(now) {
		t.Errorf("TwoFactorStatus = %+v, %v; want on since %v with 10 codes", st, err, now)
	}
	if !e.live(t, token) || e.live(t, otherToken) {
		t.Error("turning 2FA on must keep this session and end the others")
	}
	if u, s, _ := e.svc.CurrentUser(ctx, token); !u.TwoFactor || s.SecondFactorAt == nil {
		t.Errorf("after enrollment: user %+v, session second factor %v", u, s.SecondFactorAt)
	}
	ms := e.mails(t, "ada@example.com")
	if last := ms[len(ms)-1]; last.Subject != account.SubjectTwoFactorOn {
		t.Errorf("last mail %q, want the 2FA-on notice", last.Subject)
	}
	if countKind(e.events(t, ada.ID), account.EventTwoFactorEnabled) != 1 {
		t.Error("no two_factor_enabled audit event")
	}

	// On is on: no second enrollment, and the confirming code was used.
	if _, err := e.svc.BeginEnrollment(ctx, ada.ID, sess.ID, meta); !errors.Is(err, account.ErrTwoFactorEnabled) {
		t.Errorf("BeginEnrollment while on = %v, want ErrTwoFactorEnabled", err)
	}
	if _, err := e.svc.ConfirmEnrollment(ctx, ada.ID, sess.ID, otp(t, en.Secret, now), meta); !errors.Is(err, account.ErrTwoFactorEnabled) {
		t.Errorf("ConfirmEnrollment while on = %v, want ErrTwoFactorEnabled", err)
	}
}

func TestEnrollmentNeedsSudoAndExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.signUp(t, "ada@example.com", goodPassword)
	ctx := t.Context()
	_, sess := e.startSession(t, ada.ID)

	e.clock.Advance(session.SudoWindow + time.Second)
	if _, err := e.svc.BeginEnrollment(ctx, ada.ID, sess.ID, meta); !errors.Is(err, account.ErrSudoRequired) {
		t.Fatalf("BeginEnrollment 10 minutes after login = %v, want ErrSudoRequired", err)
	}
	if ok, _ := e.svc.InSudo(ctx, ada.ID, sess.ID); ok {
		t.Error("InSudo 10 minutes after login")
	}
	if err := e.svc.ConfirmSudo(ctx, ada.ID, sess.ID, otherPassword, "", meta); !errors.Is(err, account.ErrWrongPassword) {
		t.Errorf("ConfirmSudo(wrong password) = %v, want ErrWrongPassword", err)
	}
	if n := e.user(t, "ada@example.com").FailedLoginCount; n != 1 {
		t.Errorf("a wrong confirmation counted %d failures, want 1", n)
	}
	if err := e.svc.ConfirmSudo(ctx, ada.ID, sess.ID, goodPassword, "", meta); err != nil {
		t.Fatalf("ConfirmSudo: %v", err)
	}
	if ok, _ := e.svc.InSudo(ctx, ada.ID, sess.ID); !ok {
		t.Error("not in sudo right after confirming")
	}
	if countKind(e.events(t, ada.ID), account.EventSudo) != 1 {
		t.Error("no sudo_confirmed audit event")
	}
	en, err := e.svc.BeginEnrollment(ctx, ada.ID, sess.ID, meta)
	if err != nil {
		t.Fatalf("BeginEnrollment after confirming = %v", err)
	}
	// A code for an enrollment older than EnrollmentTTL starts nothing.
	e.clock.Advance(account.EnrollmentTTL)
	_, err = e.svc.ConfirmEnrollment(ctx, ada.ID, sess.ID, otp(t, en.Secret, e.clock.Now()), meta)
	if !errors.Is(err, account.ErrNoEnrollment) {
		t.Errorf("ConfirmEnrollment after %v = %v, want ErrNoEnrollment", account.EnrollmentTTL, err)
	}
	// A restart replaces the secret.
	if err := e.svc.ConfirmSudo(ctx, ada.ID, sess.ID, goodPassword, "", meta); err != nil {
		t.Fatal(err)
	}
	en2, err := e.svc.BeginEnrollment(ctx, ada.ID, sess.ID, meta)
	if err != nil || en2.Secret == en.Secret {
		t.Fatalf("restarted enrollment: %v, same secret %v", err, en2.Secret == en.Secret)
	}
	if _, err := e.svc.ConfirmEnrollment(ctx, ada.ID, sess.ID, otp(t, en2.Secret, e.clock.Now()), meta); err != nil {
		t.Errorf("ConfirmEnrollment of the restarted enrollment: %v", err)
	}
}

func TestLoginSecondStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.enroll(t, "ada@example.com")
	ctx := t.Context()

	// A right password is not a login: no session, and the failure count
	// is not reset by it.
	if _, err := e.pool.Exec(ctx, `UPDATE users SET failed_login_count = 1 WHERE id = $1`, ada.user.ID); err != nil {
		t.Fatal(err)
	}
	sessionsBefore := e.count(t, `SELECT count(*) FROM sessions WHERE user_id = $1`, ada.user.ID)
	ch := e.challenge(t, "ada@example.com")
	if n := e.count(t, `SELECT count(*) FROM sessions WHERE user_id = $1`, ada.user.ID); n != sessionsBefore {
		t.Errorf("the password alone started a session (%d -> %d)", sessionsBefore, n)
	}
	if n := e.user(t, "ada@example.com").FailedLoginCount; n != 1 {
		t.Errorf("the password alone reset the failure count to %d", n)
	}
	if left, err := e.svc.CheckChallenge(ctx, ch); err != nil || left != account.ChallengeAttempts {
		t.Errorf("CheckChallenge = %d, %v; want %d attempts", left, err, account.ChallengeAttempts)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE users SET failed_login_count = 0 WHERE id = $1`, ada.user.ID); err != nil {
		t.Fatal(err)
	}

	now := e.clock.Now()
	_, err := e.svc.CompleteSecondFactor(ctx, ch, "12345", meta)
	var wrong *account.WrongCodeError
	if !errors.As(err, &wrong) || wrong.AttemptsLeft != account.ChallengeAttempts-1 {
		t.Fatalf("CompleteSecondFactor(5 digits) = %v, want WrongCodeError with %d left", err, account.ChallengeAttempts-1)
	}
	// The code that confirmed the enrollment (the previous step) is a replay.
	if _, err := e.svc.CompleteSecondFactor(ctx, ch, otp(t, ada.secret, now.Add(-30*time.Second)), meta); !errors.Is(err, account.ErrWrongCode) {
		t.Errorf("the enrollment's code again = %v, want ErrWrongCode", err)
	}
	res, err := e.svc.CompleteSecondFactor(ctx, ch, otp(t, ada.secret, now), meta)
	if err != nil {
		t.Fatalf("CompleteSecondFactor: %v", err)
	}
	if res.User.ID != ada.user.ID || res.Next != "/account/sessions" || res.RecoveryCodeUsed {
		t.Errorf("result %+v", res)
	}
	u, s, err := e.svc.CurrentUser(ctx, res.SessionToken)
	if err != nil || u.ID != ada.user.ID || s.SecondFactorAt == nil {
		t.Errorf("the new session: %+v %+v %v", u, s, err)
	}
	if n := e.user(t, "ada@example.com").FailedLoginCount; n != 0 {
		t.Errorf("failure count %d after a full login, want 0", n)
	}
	// The step is used up.
	if _, err := e.svc.CompleteSecondFactor(ctx, ch, otp(t, ada.secret, now), meta); !errors.Is(err, account.ErrChallengeInvalid) {
		t.Errorf("a used second step = %v, want ErrChallengeInvalid", err)
	}
	// The same code on a fresh second step is a replay.
	ch2 := e.challenge(t, "ada@example.com")
	if _, err := e.svc.CompleteSecondFactor(ctx, ch2, otp(t, ada.secret, now), meta); !errors.Is(err, account.ErrWrongCode) {
		t.Errorf("the same code twice = %v, want ErrWrongCode", err)
	}
	// The next step's code works (within the +-1 window it is early, still fine).
	if _, err := e.svc.CompleteSecondFactor(ctx, ch2, otp(t, ada.secret, now.Add(30*time.Second)), meta); err != nil {
		t.Errorf("the next step's code = %v", err)
	}
	evs := e.events(t, ada.user.ID)
	if countKind(evs, account.EventLoginStarted) != 2 || countKind(evs, account.EventSecondFactorFailed) != 3 {
		t.Errorf("audit %v: want 2 login_started and 3 two_factor_failed", kinds(evs))
	}
	for _, ev := range evs {
		if ev.Kind == account.EventLogin && ev.Detail["second_factor"] == "totp" && ev.Detail["method"] == "password" {
			return
		}
	}
	t.Errorf("no login event with method password and second factor totp in %v", evs)
}

func TestSecondStepLimits(t *testing.T) {
	t.Parallel()
	const maxFailures = account.ChallengeAttempts + 2
	e := newEnv(t, func(c *account.Config) { c.MaxFailures = maxFailures })
	ada := e.enroll(t, "ada@example.com")
	ctx := t.Context()

	if _, err := e.svc.CompleteSecondFactor(ctx, "not-a-token", "123456", meta); !errors.Is(err, account.ErrChallengeInvalid) {
		t.Errorf("unknown token = %v, want ErrChallengeInvalid", err)
	}
	// Attempts run out.
	ch := e.challenge(t, "ada@example.com")
	for i := account.ChallengeAttempts - 1; i >= 0; i-- {
		_, err := e.svc.CompleteSecondFactor(ctx, ch, "abcdef", meta)
		var wrong *account.WrongCodeError
		if !errors.As(err, &wrong) || wrong.AttemptsLeft != i {
			t.Fatalf("wrong code: %v, want %d attempts left", err, i)
		}
	}
	if _, err := e.svc.CompleteSecondFactor(ctx, ch, otp(t, ada.secret, e.clock.Now()), meta); !errors.Is(err, account.ErrChallengeInvalid) {
		t.Errorf("after %d wrong codes = %v, want ErrChallengeInvalid", account.ChallengeAttempts, err)
	}
	if _, err := e.svc.CheckChallenge(ctx, ch); !errors.Is(err, account.ErrChallengeInvalid) {
		t.Errorf("CheckChallenge after the attempts = %v", err)
	}
	// Expiry.
	ch = e.challenge(t, "ada@example.com")
	e.clock.Advance(account.ChallengeTTL + time.Second)
	if _, err := e.svc.CompleteSecondFactor(ctx, ch, otp(t, ada.secret, e.clock.Now()), meta); !errors.Is(err, account.ErrChallengeInvalid) {
		t.Errorf("an expired second step = %v, want ErrChallengeInvalid", err)
	}
	// Wrong codes also count toward the account's lockout, across second
	// steps: two more lock it, and a locked account cannot finish a second
	// step even with the right code.
	ch = e.challenge(t, "ada@example.com")
	for range 2 {
		if _, err := e.svc.CompleteSecondFactor(ctx, ch, "abcdef", meta); !errors.Is(err, account.ErrWrongCode) {
			t.Fatalf("wrong code: %v", err)
		}
	}
	if u := e.user(t, "ada@example.com"); u.LockedUntil == nil {
		t.Fatalf("account not locked after %d wrong codes (failures %d)", maxFailures, u.FailedLoginCount)
	}
	if _, err := e.svc.CompleteSecondFactor(ctx, ch, otp(t, ada.secret, e.clock.Now()), meta); !errors.Is(err, account.ErrChallengeInvalid) {
		t.Errorf("the right code on a locked account = %v, want ErrChallengeInvalid", err)
	}
	if ms := e.mails(t, "ada@example.com"); ms[len(ms)-1].Subject != account.SubjectLocked {
		t.Errorf("last mail %q, want the lockout notice", ms[len(ms)-1].Subject)
	}
}

func TestParallelCodeUsedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.enroll(t, "ada@example.com")
	ctx := t.Context()
	code := otp(t, ada.secret, e.clock.Now())
	const n = 8
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = e.challenge(t, "ada@example.com")
	}
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("one second step shared=%v", shared), func(t *testing.T) {
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				success int
			)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					tok := tokens[i]
					if shared {
						tok = tokens[0]
					}
					_, err := e.svc.CompleteSecondFactor(ctx, tok, code, meta)
					switch {
					case err == nil:
						mu.Lock()
						success++
						mu.Unlock()
					case errors.Is(err, account.ErrWrongCode), errors.Is(err, account.ErrChallengeInvalid):
					default:
						t.Errorf("CompleteSecondFactor: %v", err)
					}
				}()
			}
			close(start)
			wg.Wait()
			if success != 1 {
				t.Errorf("%d of %d parallel submissions of one code logged in, want exactly 1", success, n)
			}
			// The next round uses the next step's code, with fresh steps.
			e.clock.Advance(30 * time.Second)
			code = otp(t, ada.secret, e.clock.Now())
			if _, err := e.pool.Exec(ctx, `UPDATE users SET failed_login_count = 0, locked_until = NULL`); err != nil {
				t.Fatal(err)
			}
			for i := range tokens {
				tokens[i] = e.challenge(t, "ada@example.com")
			}
		})
	}
}

func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.enroll(t, "ada@example.com")
	ctx := t.Context()

	// A code works once, typed in upper case with spaces, and says how many are left.
	typed := " " + strings.ToUpper(strings.Replace(ada.codes[3], "-", " ", 1)) + " "
	ch := e.challenge(t, "ada@example.com")
	res, err := e.svc.CompleteSecondFactor(ctx, ch, typed, meta)
	if err != nil || !res.RecoveryCodeUsed || res.RecoveryCodesLeft != 9 {
		t.Fatalf("CompleteSecondFactor(recovery code) = %+v, %v; want used, 9 left", res, err)
	}
	ms := e.mails(t, "ada@example.com")
	if last := ms[len(ms)-1]; last.Subject != account.SubjectRecoveryUsed || !strings.Contains(last.TextBody, "9 recovery codes left") {
		t.Errorf("last mail %q:\n%s\nwant the recovery-code notice with 9 left", last.Subject, last.TextBody)
	}
	ch = e.challenge(t, "ada@example.com")
	if _, err := e.svc.CompleteSecondFactor(ctx, ch, ada.codes[3], meta); !errors.Is(err, account.ErrWrongCode) {
		t.Errorf("a used recovery code = %v, want ErrWrongCode", err)
	}
	// Two parallel uses of one code: exactly one wins.
	var wg sync.WaitGroup
	results := make([]error, 2)
	chs := []string{e.challenge(t, "ada@example.com"), e.challenge(t, "ada@example.com")}
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = e.svc.CompleteSecondFactor(ctx, chs[i], ada.codes[4], meta)
		}()
	}
	wg.Wait()
	if (results[0] == nil) == (results[1] == nil) {
		t.Errorf("parallel uses of one recovery code: %v, %v; want exactly one success", results[0], results[1])
	}

	// Regenerating (sudo) voids the old set.
	e.clock.Advance(session.SudoWindow)
	if _, err := e.svc.RegenerateRecoveryCodes(ctx, ada.user.ID, ada.session.ID, meta); !errors.Is(err, account.ErrSudoRequired) {
		t.Errorf("RegenerateRecoveryCodes out of sudo = %v, want ErrSudoRequired", err)
	}
	other, _ := e.startSession(t, ada.user.ID)
	if err := e.svc.ConfirmSudo(ctx, ada.user.ID, ada.session.ID, "", otp(t, ada.secret, e.clock.Now()), meta); err != nil {
		t.Fatalf("ConfirmSudo with a code: %v", err)
	}
	fresh, err := e.svc.RegenerateRecoveryCodes(ctx, ada.user.ID, ada.session.ID, meta)
	if err != nil || len(fresh) != 10 {
		t.Fatalf("RegenerateRecoveryCodes = %d codes, %v", len(fresh), err)
	}
	if e.live(t, other) || !e.live(t, ada.token) {
		t.Error("regenerating must end the other sessions and keep this one")
	}
	if st, _ := e.svc.TwoFactorStatus(ctx, ada.user.ID); st.RecoveryCodesLeft != 10 {
		t.Errorf("%d codes left after regenerating, want 10", st.RecoveryCodesLeft)
	}
	ch = e.challenge(t, "ada@example.com")
	if _, err := e.svc.CompleteSecondFactor(ctx, ch, ada.codes[0], meta); !errors.Is(err, account.ErrWrongCode) {
		t.Errorf("an old code after regenerating = %v, want ErrWrongCode", err)
	}
	if _, err := e.svc.CompleteSecondFactor(ctx, ch, fresh[0], meta); err != nil {
		t.Errorf("a new code = %v", err)
	}
	evs := e.events(t, ada.user.ID)
	if countKind(evs, account.EventRecoveryCodeUsed) != 3 || countKind(evs, account.EventRecoveryCodesRegenerated) != 1 {
		t.Errorf("audit %v: want 3 recovery_code_used and 1 recovery_codes_regenerated", kinds(evs))
	}
}

func TestDisableTwoFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.enroll(t, "ada@example.com")
	ctx := t.Context()
	other, _ := e.startSession(t, ada.user.ID)
	pending := e.challenge(t, "ada@example.com")

	if err := e.svc.DisableTwoFactor(ctx, ada.user.ID, ada.session.ID, otherPassword, meta); !errors.Is(err, account.ErrWrongPassword) {
		t.Fatalf("DisableTwoFactor(wrong password) = %v, want ErrWrongPassword", err)
	}
	if st, _ := e.svc.TwoFactorStatus(ctx, ada.user.ID); !st.Enabled {
		t.Fatal("a wrong password turned 2FA off")
	}
	if err := e.svc.DisableTwoFactor(ctx, ada.user.ID, ada.session.ID, goodPassword, meta); err != nil {
		t.Fatalf("DisableTwoFactor: %v", err)
	}
	if st, _ := e.svc.TwoFactorStatus(ctx, ada.user.ID); st.Enabled {
		t.Error("2FA still on")
	}
	for table, n := range map[string]int{
		"totp_authenticators": e.count(t, `SELECT count(*) FROM totp_authenticators WHERE user_id = $1`, ada.user.ID),
		"recovery_codes":      e.count(t, `SELECT count(*) FROM recovery_codes WHERE user_id = $1`, ada.user.ID),
	} {
		if n != 0 {
			t.Errorf("%d rows left in %s", n, table)
		}
	}
	if e.live(t, other) || !e.live(t, ada.token) {
		t.Error("turning 2FA off must end the other sessions and keep this one")
	}
	if _, err := e.svc.CompleteSecondFactor(ctx, pending, otp(t, ada.secret, e.clock.Now()), meta); !errors.Is(err, account.ErrChallengeInvalid) {
		t.Errorf("a pending second step after 2FA went off = %v, want ErrChallengeInvalid", err)
	}
	ms := e.mails(t, "ada@example.com")
	if last := ms[len(ms)-1]; last.Subject != account.SubjectTwoFactorOff {
		t.Errorf("last mail %q, want the 2FA-off notice", last.Subject)
	}
	if u, err := e.login(t, "ada@example.com", goodPassword); err != nil || u.TwoFactor {
		t.Errorf("Login after 2FA off = %+v, %v; want a plain login", u, err)
	}
	if err := e.svc.DisableTwoFactor(ctx, ada.user.ID, ada.session.ID, goodPassword, meta); !errors.Is(err, account.ErrTwoFactorDisabled) {
		t.Errorf("DisableTwoFactor twice = %v, want ErrTwoFactorDisabled", err)
	}
	if err := e.svc.VerifySecondFactor(ctx, ada.user.ID, "123456", meta); !errors.Is(err, account.ErrTwoFactorDisabled) {
		t.Errorf("VerifySecondFactor without 2FA = %v, want ErrTwoFactorDisabled", err)
	}
}

func TestVerifySecondFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.enroll(t, "ada@example.com")
	ctx := t.Context()
	code := otp(t, ada.secret, e.clock.Now())
	if err := e.svc.VerifySecondFactor(ctx, ada.user.ID, code, meta); err != nil {
		t.Fatalf("VerifySecondFactor: %v", err)
	}
	if err := e.svc.VerifySecondFactor(ctx, ada.user.ID, code, meta); !errors.Is(err, account.ErrWrongCode) {
		t.Errorf("the same code twice = %v, want ErrWrongCode", err)
	}
	if err := e.svc.VerifySecondFactor(ctx, ada.user.ID, ada.codes[0], meta); err != nil {
		t.Errorf("a recovery code = %v", err)
	}
	if err := e.svc.VerifySecondFactor(ctx, uuid.New(), code, meta); !errors.Is(err, account.ErrTwoFactorDisabled) {
		t.Errorf("an unknown user = %v, want ErrTwoFactorDisabled", err)
	}
}

func TestSecretKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ada := e.enroll(t, "ada@example.com")
	var oldKey string
	if err := e.pool.QueryRow(t.Context(), `SELECT key_id FROM totp_authenticators WHERE user_id = $1`, ada.user.ID).Scan(&oldKey); err != nil {
		t.Fatal(err)
	}
	// A service on a new key, with the old one as previous, still reads
	// the secret, and seals it again under the new key on use.
	rotated := rotatedService(t, e)
	ch := e.challenge(t, "ada@example.com")
	if _, err := rotated.CompleteSecondFactor(t.Context(), ch, otp(t, ada.secret, e.clock.Now()), meta); err != nil {
		t.Fatalf("second step after rotation: %v", err)
	}
	var newKey string
	if err := e.pool.QueryRow(t.Context(), `SELECT key_id FROM totp_authenticators WHERE user_id = $1`, ada.user.ID).Scan(&newKey); err != nil {
		t.Fatal(err)
	}
	if newKey == oldKey {
		t.Errorf("key id still %s after use under a new key", oldKey)
	}
}

// rotatedService is e's service with SECRET_KEY rotated: a new encryption
// key, the old one kept as the previous key.
func rotatedService(t *testing.T, e *env) *account.Service {
	t.Helper()
	oldKey, err := seal.KeyFromMaster(bytes.Repeat([]byte{'m'}, keys.MinMasterSize))
	if err != nil {
		t.Fatal(err)
	}
	newKey, err := seal.KeyFromMaster(bytes.Repeat([]byte{'n'}, keys.MinMasterSize))
	if err != nil {
		t.Fatal(err)
	}
	box, err := seal.New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.cfg
	cfg.Seal = box
	svc, err := account.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}
