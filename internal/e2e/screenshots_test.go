package e2e

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

var screenshotsFlag = flag.String("screenshots", "", "render every page into this directory as PNG files (default $SCREENSHOTS_DIR; unset: TestScreenshots skips)")

// viewports are the widths pages are rendered at: a laptop and a phone.
var viewports = []struct {
	width, height int64
	mobile        bool
}{
	{desktopWidth, desktopHeight, false},
	{375, 740, true},
}

// TestScreenshots walks through every page — signed out, signed in, 2FA,
// sessions, API keys, webhooks, admin, an error — and saves each at both
// widths, light and dark, as DIR/page-width-scheme.png. It runs only when
// -screenshots or $SCREENSHOTS_DIR names DIR (make screenshots).
func TestScreenshots(t *testing.T) {
	dir := *screenshotsFlag
	if dir == "" {
		dir = os.Getenv("SCREENSHOTS_DIR")
	}
	if dir == "" {
		t.Skip("set SCREENSHOTS_DIR or -screenshots (make screenshots) to render every page as PNG files")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := startServer(t)
	tb := newTab(t, s)
	shoot := func(name string) { tb.screenshots(dir, name) }

	for _, p := range []struct {
		name, path string
		status     int
	}{
		{"landing", "/", http.StatusOK},
		{"signup", "/signup", http.StatusOK},
		{"login", "/login", http.StatusOK},
		{"login-magic", "/login/magic", http.StatusOK},
		{"password-forgot", "/password/forgot", http.StatusOK},
		{"error-404", "/no-such-page", http.StatusNotFound},
	} {
		wantPage(t, tb, tb.open(p.path), p.status, p.path)
		shoot(p.name)
	}

	u := signUp(t, tb, s)
	shoot("account")

	other := newTab(t, s)
	wantPage(t, other, logIn(t, other, u.email, u.password), http.StatusOK, "/account")
	wantPage(t, tb, tb.open("/account/sessions"), http.StatusOK, "/account/sessions")
	shoot("sessions")

	wantPage(t, tb, tb.open("/account/api-keys"), http.StatusOK, "/account/api-keys")
	tb.fill("field-name", "CI deploy")
	wantPage(t, tb, tb.submit("#api-key-form"), http.StatusOK, "/account/api-keys")
	shoot("api-keys-new")

	hookURL, secret := createWebhook(t, tb, s, "GitHub pushes", "github")
	shoot("webhooks-new")
	sendGitHubEvent(t, hookURL, secret)
	wantPage(t, tb, tb.open("/account/webhooks"), http.StatusOK, "/account/webhooks")
	shoot("webhooks")
	tb.click(`#webhook-endpoints tr[data-endpoint-id] th a`)
	shoot("webhook-deliveries")
	tb.click(`#webhook-deliveries tr[data-delivery-id] a`)
	shoot("webhook-delivery")

	if err := s.Perms.GrantUser(t.Context(), u.email, "admin.access"); err != nil {
		t.Fatal(err)
	}
	wantPage(t, tb, tb.open("/admin"), http.StatusOK, "/admin")
	shoot("admin")

	wantPage(t, tb, tb.open("/account/2fa"), http.StatusOK, "/account/2fa")
	shoot("2fa-off")
	wantPage(t, tb, tb.submit("#twofactor-enroll"), http.StatusOK, "/account/2fa/enroll")
	shoot("2fa-enroll")
	tb.fill("field-code", totpCode(t, tb.text("#totp-secret"), time.Now()))
	wantPage(t, tb, tb.submit("#totp-confirm"), http.StatusOK, "/account/2fa/confirm")
	shoot("2fa-recovery-codes")
	wantPage(t, tb, tb.open("/account/2fa"), http.StatusOK, "/account/2fa")
	shoot("2fa-on")

	logOut(t, tb)
	wantPage(t, tb, logIn(t, tb, u.email, u.password), http.StatusOK, "/login/2fa")
	shoot("login-2fa")
}

// screenshots saves the page as it is now at every viewport, light and
// dark, without reloading it (some pages show a secret once), then puts the
// tab back to the desktop viewport in light mode.
func (tb *tab) screenshots(dir, name string) {
	tb.t.Helper()
	for _, v := range viewports {
		for _, scheme := range []string{"light", "dark"} {
			var opts []chromedp.EmulateViewportOption
			if v.mobile {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulatePortrait)
			}
			shot := func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
				if _, err := chromedp.EmulateViewport(v.width, v.height, opts...)(ctx, t); err != nil {
					return nil, err
				}
				if err := colorScheme(scheme)(ctx, t); err != nil {
					return nil, err
				}
				if _, err := nextFrames(ctx, t); err != nil {
					return nil, err
				}
				return chromedp.FullScreenshot(100)(ctx, t)
			}
			png := run(tb, fmt.Sprintf("screenshot %s at %d, %s", name, v.width, scheme), shot)
			if scheme == "light" {
				tb.noteOverflow(name, v.width)
			}
			path := filepath.Join(dir, fmt.Sprintf("%s-%d-%s.png", name, v.width, scheme))
			if err := os.WriteFile(path, png, 0o644); err != nil {
				tb.t.Fatal(err)
			}
		}
	}
	tb.do("back to the desktop viewport, light",
		chromedp.EmulateViewport(desktopWidth, desktopHeight),
		chromedp.Func(colorScheme("")),
	)
}

// noteOverflow logs when the page is wider than the viewport: a phone then
// scrolls sideways or zooms the whole page out.
func (tb *tab) noteOverflow(name string, width int64) {
	tb.t.Helper()
	if w := run(tb, "measure "+name, chromedp.Evaluate[int64]("document.documentElement.scrollWidth")); w > width {
		tb.t.Logf("layout: %s is %d px wide in a %d px viewport (horizontal overflow)", name, w, width)
	}
}

// nextFrames waits until the page has painted twice, so a screenshot shows
// the new viewport and colours.
var nextFrames = chromedp.Evaluate[chromedp.Void](
	`new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done())))`, chromedp.EvalAwaitPromise)

// colorScheme emulates prefers-color-scheme: "light", "dark", or "" for
// the browser's own. With a scheme it also asks for reduced motion, which
// turns Pico's colour transitions off: otherwise a screenshot taken just
// after the switch catches links and inputs halfway between the schemes.
func colorScheme(scheme string) func(context.Context, *chromedp.Target) error {
	return func(ctx context.Context, t *chromedp.Target) error {
		var features []*emulation.MediaFeature
		if scheme != "" {
			features = []*emulation.MediaFeature{
				{Name: "prefers-color-scheme", Value: scheme},
				{Name: "prefers-reduced-motion", Value: "reduce"},
			}
		}
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: features})
		return err
	}
}
