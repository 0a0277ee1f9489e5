package pages

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/views"
)

func TestTOTPEnrollShowsTheSecretExactly(t *testing.T) {
	d := render(t, context.Background(), twoFactorPages(t)["enroll"])
	secret := d.byID("totp-secret")
	if secret == nil || secret.Data != "code" {
		t.Fatalf("totp-secret = %v, want one <code>", secret)
	}
	if got := rawText(secret); got != testSecret {
		t.Errorf("totp-secret text = %q, want exactly %q", got, testSecret)
	}
	if c := secret.FirstChild; c == nil || c.Type != html.TextNode || c.NextSibling != nil {
		t.Error("totp-secret holds more than the secret's text")
	}
	copies := d.all(func(n *html.Node) bool { return attr(n, "data-copy") == "#totp-secret" })
	if len(copies) != 1 || text(copies[0]) != "Copy" {
		t.Errorf("copy buttons for the secret = %v", copies)
	}
	for _, id := range []string{"totp-account", "totp-issuer"} {
		if n := d.byID(id); n == nil || text(n) != hostile {
			t.Errorf("%s is not shown (escaped)", id)
		}
	}
	if got := d.links("/account/2fa"); !slices.Contains(got, "Cancel") {
		t.Errorf("links to /account/2fa = %v, want Cancel", got)
	}
	if a := d.byID("totp-open-app"); a == nil || !strings.HasPrefix(attr(a, "href"), "otpauth://totp/Rampart:") {
		t.Errorf("otpauth link = %v", a)
	}
}

func TestTOTPEnrollKeepsTheQRCodeDataURI(t *testing.T) {
	d := render(t, context.Background(), twoFactorPages(t)["enroll"])
	imgs := d.tags("img")
	if len(imgs) != 1 {
		t.Fatalf("found %d images, want the QR code", len(imgs))
	}
	img := imgs[0]
	if got := attr(img, "src"); got != testQR {
		t.Errorf("img src = %q, want the data URI unchanged", got)
	}
	if attr(img, "alt") != "QR code for your authenticator app" || attr(img, "width") != "256" || attr(img, "height") != "256" {
		t.Errorf("img = %v", img.Attr)
	}
}

func TestTOTPEnrollRefusesAnUnsafeQRCodeURI(t *testing.T) {
	p := signedIn(t, views.CurrentUser{Email: "a@example.com"})
	for _, uri := range []string{"javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "data:image/svg+xml;base64,PHN2Zz4="} {
		d := render(t, context.Background(), TOTPEnroll(p, views.TOTPEnrollView{Secret: testSecret, QRDataURI: uri, URL: "javascript:alert(2)"}))
		if strings.Contains(d.raw, uri) || strings.Contains(d.raw, "javascript:") {
			t.Errorf("the unsafe URI %q reached the page", uri)
		}
		if d.byID("totp-open-app") != nil {
			t.Error("a link to a URL that is not otpauth://totp/ is shown")
		}
	}
}

func TestRecoveryCodesPage(t *testing.T) {
	p := signedIn(t, views.CurrentUser{Email: "a@example.com"})
	first := render(t, context.Background(), RecoveryCodes(p, views.RecoveryCodesView{Codes: testCodes, Download: testDownload}))
	again := render(t, context.Background(), RecoveryCodes(p, views.RecoveryCodesView{Codes: testCodes, Regenerated: true, Download: testDownload}))
	for name, d := range map[string]doc{"first": first, "regenerated": again} {
		t.Run("the "+name+" set is listed one code an item", func(t *testing.T) {
			list := d.byID("recovery-codes")
			if list == nil || list.Data != "ul" {
				t.Fatalf("recovery-codes = %v, want one <ul>", list)
			}
			var got []string
			for li := range list.ChildNodes() {
				if li.Type == html.ElementNode {
					if li.Data != "li" {
						t.Errorf("<%s> inside the list", li.Data)
					}
					got = append(got, strings.TrimSpace(rawText(li)))
				}
			}
			if !slices.Equal(got, testCodes) {
				t.Errorf("codes = %q, want %q", got, testCodes)
			}
			if d.byID("recovery-codes-once") == nil || !strings.Contains(text(d.byID("recovery-codes-once")), "only time") {
				t.Error("no warning that the codes are shown once")
			}
			copies := d.all(func(n *html.Node) bool { return attr(n, "data-copy") == "#recovery-codes" })
			if len(copies) != 1 {
				t.Errorf("found %d copy buttons for the codes, want 1", len(copies))
			}
			dl := d.all(func(n *html.Node) bool { return n.Data == "a" && hasAttr(n, "download") })
			if len(dl) != 1 || attr(dl[0], "href") != testDownload || attr(dl[0], "download") != "rampart-recovery-codes.txt" {
				t.Errorf("download links = %v, want one to the data URL unchanged", dl)
			}
			if got := d.links("/account/2fa"); !slices.Contains(got, "Done") {
				t.Errorf("links to /account/2fa = %v, want Done", got)
			}
		})
	}
	if h1, h2 := text(first.tags("h1")[0]), text(again.tags("h1")[0]); h1 == h2 {
		t.Errorf("both headings are %q; a regenerated set should say so", h1)
	}
	t.Run("a download URL that is not text/plain is refused", func(t *testing.T) {
		d := render(t, context.Background(), RecoveryCodes(p, views.RecoveryCodesView{Codes: testCodes, Download: "data:text/html,<script>alert(1)</script>"}))
		if strings.Contains(d.raw, "data:text/html") {
			t.Error("a data:text/html URL reached the page")
		}
	})
}

func TestTwoFactorPageStates(t *testing.T) {
	p := signedIn(t, views.CurrentUser{Email: "a@example.com"})
	ts := views.NewTimestamp(time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC))
	t.Run("off offers to set it up", func(t *testing.T) {
		d := render(t, context.Background(), TwoFactor(p, views.TwoFactorView{}))
		f := formPostingTo(d, "/account/2fa/enroll")
		if f == nil || !strings.Contains(text(f), "Set up two-factor authentication") {
			t.Fatalf("enroll form = %v", f)
		}
		if s := d.byID("twofactor-status"); s == nil || text(s) != "Off" {
			t.Error("status is not Off")
		}
		for _, action := range []string{"/account/2fa/disable", "/account/2fa/recovery-codes"} {
			if formPostingTo(d, action) != nil {
				t.Errorf("a form posts to %s while 2FA is off", action)
			}
		}
		if d.byID("sudo-hint") == nil {
			t.Error("no hint that the password will be asked first")
		}
	})
	t.Run("on shows since when, the codes left and the forms", func(t *testing.T) {
		d := render(t, context.Background(), TwoFactor(p, views.TwoFactorView{Enabled: true, EnabledAt: ts, RecoveryCodesLeft: 8, SudoUntil: ts}))
		if s := d.byID("twofactor-status"); s == nil || text(s) != "On" {
			t.Error("status is not On")
		}
		if times := d.all(func(n *html.Node) bool { return n.Data == "time" && attr(n, "datetime") == ts.ISO }); len(times) != 1 {
			t.Error("EnabledAt is not shown")
		}
		if n := d.byID("recovery-codes-left"); n == nil || text(n) != "8 unused codes" {
			t.Errorf("codes left = %v", n)
		}
		if d.byID("recovery-codes-low") != nil {
			t.Error("warns about 8 codes left")
		}
		regen := formPostingTo(d, "/account/2fa/recovery-codes")
		if regen == nil || !strings.Contains(text(regen), "Generate new recovery codes") || !strings.Contains(attr(regen, "data-confirm"), "stop working") {
			t.Errorf("regenerate form = %v", regen)
		}
		off := formPostingTo(d, "/account/2fa/disable")
		if off == nil || attr(off, "data-confirm") == "" {
			t.Fatalf("disable form = %v", off)
		}
		buttons := d.all(func(n *html.Node) bool { return n.Data == "button" && text(n) == "Turn off two-factor authentication" })
		if len(buttons) != 1 || !strings.Contains(attr(buttons[0], "class"), "danger") {
			t.Errorf("disable buttons = %v", buttons)
		}
		if label := d.all(func(n *html.Node) bool { return n.Data == "label" && attr(n, "for") == "field-password" }); len(label) != 1 || text(label[0]) != "Current password" {
			t.Errorf("password label = %v", label)
		}
		if d.byID("sudo-hint") != nil {
			t.Error("hints at a password confirmation that is still valid")
		}
		if formPostingTo(d, "/account/2fa/enroll") != nil {
			t.Error("offers to enroll while 2FA is on")
		}
	})
	for _, left := range []int{3, 1, 0} {
		t.Run("on warns with "+count(left, "code", "codes")+" left", func(t *testing.T) {
			d := render(t, context.Background(), TwoFactor(p, views.TwoFactorView{Enabled: true, RecoveryCodesLeft: left}))
			if n := d.byID("recovery-codes-low"); n == nil || !strings.Contains(text(n), "Generate a new set") {
				t.Error("no warning about running out of recovery codes")
			}
			if d.byID("sudo-hint") == nil {
				t.Error("no hint that the password will be asked first")
			}
		})
	}
}
