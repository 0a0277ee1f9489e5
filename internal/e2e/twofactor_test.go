package e2e

import (
	"bytes"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// totpCode computes the TOTP code of the base32 secret at the given time
// with oathtool, independently of Rampart's own TOTP code.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	oathtool, err := exec.LookPath("oathtool")
	if err != nil {
		t.Skip("oathtool is not installed: apt-get install oathtool (CI installs it)")
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(oathtool, "--totp", "-b", "-N", "@"+strconv.FormatInt(at.Unix(), 10), secret)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("oathtool: %v: %s", err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// recoveryCodes reads the codes of the page's id="recovery-codes" list.
func recoveryCodes(tb *tab) []string {
	tb.t.Helper()
	return run(tb, "read the recovery codes", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#recovery-codes li"), li => li.textContent.trim())`))
}

// enrollTOTP turns 2FA on for the signed-in user of tb (in sudo mode), and
// returns the secret and the recovery codes the pages showed.
func enrollTOTP(t *testing.T, tb *tab) (secret string, codes []string) {
	t.Helper()
	wantPage(t, tb, tb.open("/account/2fa"), http.StatusOK, "/account/2fa")
	if got := tb.text("#twofactor-status"); got != "Off" {
		t.Fatalf("#twofactor-status = %q before enrolling, want Off", got)
	}
	wantPage(t, tb, tb.submit("#twofactor-enroll"), http.StatusOK, "/account/2fa/enroll")
	secret = tb.text("#totp-secret")
	if !regexp.MustCompile(`^[A-Z2-7]{16,}=*$`).MatchString(secret) {
		t.Fatalf("#totp-secret = %q, not a base32 key", secret)
	}
	tb.fill("field-code", totpCode(t, secret, time.Now()))
	wantPage(t, tb, tb.submit("#totp-confirm"), http.StatusOK, "/account/2fa/confirm")
	codes = recoveryCodes(tb)
	if len(codes) != 10 {
		t.Fatalf("#recovery-codes holds %d codes, want 10: %q", len(codes), codes)
	}
	return secret, codes
}

// secondStep logs in with the password and lands on /login/2fa, then enters
// code there; it returns the status of the page that leads to.
func secondStep(t *testing.T, tb *tab, u user, code string) int64 {
	t.Helper()
	wantPage(t, tb, logIn(t, tb, u.email, u.password), http.StatusOK, "/login/2fa")
	wantSignedOut(t, tb)
	tb.fill("field-code", code)
	return tb.submit("#login-2fa-form")
}

func TestTwoFactorEnrollAndLogIn(t *testing.T) {
	s := startServer(t)
	tb := newTab(t, s)
	u := signUp(t, tb, s)
	secret, codes := enrollTOTP(t, tb)
	logOut(t, tb)

	// The code of the confirmation cannot be used again, so use the next
	// step's: the server accepts one step either side of now.
	next := totpCode(t, secret, time.Now().Add(30*time.Second))
	wantPage(t, tb, secondStep(t, tb, u, next), http.StatusOK, "/account")
	wantSignedIn(t, tb, u)
	if got := tb.text("#twofactor-status"); got != "On" {
		t.Errorf("/account shows 2FA %q, want On", got)
	}
	logOut(t, tb)

	wantPage(t, tb, secondStep(t, tb, u, codes[3]), http.StatusOK, "/account")
	wantSignedIn(t, tb, u)
	wantPage(t, tb, tb.open("/account/2fa"), http.StatusOK, "/account/2fa")
	if got := tb.text("#recovery-codes-left"); got != "9 unused codes" {
		t.Errorf("after using a recovery code, #recovery-codes-left = %q, want 9 unused codes", got)
	}
}
