package pages

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/views"
)

const (
	testSecret   = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	testQR       = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
	testDownload = "data:text/plain;charset=utf-8,abcd-efgh-ijkl%0Amnop-qrst-uvwx%0A"
	testAction   = "/login/magic/verify?email=ada%40example.com&expires=1767225600&signature=s%2Bg%2F%3D&token=t0k"
)

var testCodes = []string{"abcd-efgh-ijkl", "mnop-qrst-uvwx", "2345-6789-abcd"}

// twoFactorPages renders every page of the two-factor and magic link flows
// with errors and hostile text wherever a person or the database supplies
// text.
func twoFactorPages(t *testing.T) map[string]templ.Component {
	out := signedOut(t)
	out.CSRFToken = "tok-123"
	in := signedIn(t, views.CurrentUser{Email: "ada@example.com", EmailVerified: true})
	ts := views.NewTimestamp(time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC))
	errs := views.FormErrors{views.Form: hostile, "code": hostile, "password": hostile, "email": hostile}
	return map[string]templ.Component{
		"two-factor off": TwoFactor(in, views.TwoFactorView{}),
		"two-factor on": TwoFactor(in, views.TwoFactorView{
			Enabled: true, EnabledAt: ts, RecoveryCodesLeft: 2, SudoUntil: ts,
			Disable: views.DisableTwoFactorForm{Errors: errs},
		}),
		"enroll": TOTPEnroll(in, views.TOTPEnrollView{
			Secret: testSecret, URL: "otpauth://totp/Rampart:ada@example.com?secret=" + testSecret + "&issuer=Rampart",
			QRDataURI: testQR, Issuer: hostile, Account: hostile, Errors: errs,
		}),
		"recovery codes":             RecoveryCodes(in, views.RecoveryCodesView{Codes: append(slices.Clone(testCodes), hostile), Download: testDownload}),
		"recovery codes regenerated": RecoveryCodes(in, views.RecoveryCodesView{Codes: testCodes, Regenerated: true, Download: testDownload}),
		"login 2fa":                  LoginTwoFactor(out, views.LoginTwoFactorForm{Errors: errs, AttemptsLeft: 3}),
		"magic link":                 MagicLink(out, views.MagicLinkForm{Email: hostile, Errors: errs}),
		"magic link sent":            MagicLinkSent(out, views.MagicLinkSentView{Email: hostile}),
		"magic link confirm":         MagicLinkConfirm(out, views.MagicLinkConfirmView{Action: testAction, Email: hostile}),
		"sudo":                       Sudo(in, views.SudoForm{Next: "/account/2fa", TwoFactor: true, Errors: errs}),
		"sudo without 2fa":           Sudo(in, views.SudoForm{}),
	}
}

func TestTwoFactorPagesAreAccessibleAndSafe(t *testing.T) {
	for name, c := range twoFactorPages(t) {
		t.Run(name, func(t *testing.T) {
			d := render(t, context.Background(), c)
			if strings.Contains(d.raw, hostile) {
				t.Error("hostile text was not escaped")
			}
			if len(d.tags("h1")) != 1 {
				t.Errorf("%d h1 elements, want 1", len(d.tags("h1")))
			}
			if len(d.tags("style")) != 0 {
				t.Error("inline <style>")
			}
			for _, s := range d.tags("script") {
				if attr(s, "src") == "" {
					t.Error("inline script")
				}
			}
			for _, n := range d.all(func(*html.Node) bool { return true }) {
				for _, a := range n.Attr {
					if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
						t.Errorf("<%s> has a %s attribute", n.Data, a.Key)
					}
					if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.Contains(a.Val, "TemplFailedSanitization") {
						t.Errorf("<%s %s> failed templ's URL sanitising", n.Data, a.Key)
					}
				}
			}
			labels := map[string]bool{}
			for _, l := range d.tags("label") {
				labels[attr(l, "for")] = true
			}
			for _, in := range d.tags("input") {
				if attr(in, "type") == "hidden" {
					continue
				}
				if !labels[attr(in, "id")] {
					t.Errorf("input %s (id %q) has no label", attr(in, "name"), attr(in, "id"))
				}
				if attr(in, "type") == "password" && hasAttr(in, "value") {
					t.Errorf("password input %s has a value", attr(in, "name"))
				}
			}
			for _, f := range d.tags("form") {
				if !strings.EqualFold(attr(f, "method"), "post") {
					continue
				}
				if !formHasCSRF(f, "tok-123") {
					t.Errorf("the form posting to %s has no csrf_token", attr(f, "action"))
				}
			}
			for _, b := range d.all(func(n *html.Node) bool { return hasAttr(n, "data-copy") }) {
				if b.Data != "button" || attr(b, "type") != "button" || !hasAttr(b, "hidden") {
					t.Errorf("copy control %v is not a hidden type=button button", b.Attr)
				}
				if d.byID(strings.TrimPrefix(attr(b, "data-copy"), "#")) == nil {
					t.Errorf("copy button aims at %q, which is not on the page", attr(b, "data-copy"))
				}
			}
		})
	}
}

// TestTwoFactorFields checks the fixed field names and the attributes that
// password managers, autofill and phone keyboards rely on.
func TestTwoFactorFields(t *testing.T) {
	pages := twoFactorPages(t)
	tests := []struct {
		page, form, name                   string
		typ, autocomplete, inputmode, maxl string
	}{
		{"two-factor on", "/account/2fa/disable", "password", "password", "current-password", "", "1024"},
		{"enroll", "/account/2fa/confirm", "code", "text", "one-time-code", "numeric", "10"},
		{"login 2fa", "/login/2fa", "code", "text", "one-time-code", "text", "32"},
		{"magic link", "/login/magic", "email", "email", "email", "", "254"},
		{"sudo", "/account/confirm", "password", "password", "current-password", "", "1024"},
		{"sudo", "/account/confirm", "code", "text", "one-time-code", "numeric", "10"},
	}
	for _, tt := range tests {
		t.Run("the "+tt.page+" page has a "+tt.name+" field posting to "+tt.form, func(t *testing.T) {
			d := render(t, context.Background(), pages[tt.page])
			in := fieldIn(d, tt.form, tt.name)
			if in == nil {
				t.Fatalf("no input named %s in a form posting to %s", tt.name, tt.form)
			}
			got := [4]string{attr(in, "type"), attr(in, "autocomplete"), attr(in, "inputmode"), attr(in, "maxlength")}
			want := [4]string{tt.typ, tt.autocomplete, tt.inputmode, tt.maxl}
			if got != want {
				t.Errorf("type, autocomplete, inputmode, maxlength = %q, want %q", got, want)
			}
		})
	}
}

func TestTwoFactorErrorsSitBesideTheirFields(t *testing.T) {
	pages := map[string]templ.Component{
		"disable password": TwoFactor(signedIn(t, views.CurrentUser{Email: "a@example.com"}), views.TwoFactorView{
			Enabled: true, RecoveryCodesLeft: 10, Disable: views.DisableTwoFactorForm{Errors: views.FormErrors{"password": "Wrong password."}},
		}),
		"enroll code":    TOTPEnroll(signedIn(t, views.CurrentUser{Email: "a@example.com"}), views.TOTPEnrollView{Secret: testSecret, Errors: views.FormErrors{"code": "Wrong code."}}),
		"login 2fa code": LoginTwoFactor(signedOut(t), views.LoginTwoFactorForm{Errors: views.FormErrors{"code": "Wrong code."}}),
		"magic email":    MagicLink(signedOut(t), views.MagicLinkForm{Email: "x", Errors: views.FormErrors{"email": "Enter a valid email address."}}),
		"sudo password":  Sudo(signedIn(t, views.CurrentUser{Email: "a@example.com"}), views.SudoForm{TwoFactor: true, Errors: views.FormErrors{"password": "Wrong password."}}),
		"sudo code":      Sudo(signedIn(t, views.CurrentUser{Email: "a@example.com"}), views.SudoForm{TwoFactor: true, Errors: views.FormErrors{"code": "Wrong code."}}),
	}
	tests := []struct {
		page, field, other, msg string
	}{
		{"disable password", "password", "", "Wrong password."},
		{"enroll code", "code", "", "Wrong code."},
		{"login 2fa code", "code", "", "Wrong code."},
		{"magic email", "email", "", "Enter a valid email address."},
		{"sudo password", "password", "code", "Wrong password."},
		{"sudo code", "code", "password", "Wrong code."},
	}
	for _, tt := range tests {
		t.Run("the "+tt.page+" error is beside its field", func(t *testing.T) {
			d := render(t, context.Background(), pages[tt.page])
			id := "field-" + tt.field
			in := d.byID(id)
			if in == nil || attr(in, "aria-invalid") != "true" || attr(in, "aria-describedby") != id+"-help" {
				t.Fatalf("input = %v", in)
			}
			if help := d.byID(id + "-help"); help == nil || text(help) != tt.msg || !strings.Contains(attr(help, "class"), "field-error") {
				t.Errorf("the error %q is not beside the field", tt.msg)
			}
			if tt.other != "" {
				if o := d.byID("field-" + tt.other); o == nil || hasAttr(o, "aria-invalid") {
					t.Errorf("the %s field is marked invalid too", tt.other)
				}
			}
		})
	}
	t.Run("a whole-form error is shown above the enroll form", func(t *testing.T) {
		d := render(t, context.Background(), TOTPEnroll(signedIn(t, views.CurrentUser{Email: "a@example.com"}), views.TOTPEnrollView{
			Secret: testSecret, Errors: views.FormErrors{views.Form: "Setup expired. Start again."},
		}))
		alerts := d.all(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "alert-error") })
		if len(alerts) != 1 || text(alerts[0]) != "Setup expired. Start again." {
			t.Errorf("form errors = %v", alerts)
		}
	})
}

// rawText is the text inside n exactly as rendered, whitespace and all.
func rawText(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

func formHasCSRF(form *html.Node, token string) bool {
	for n := range form.Descendants() {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "type") == "hidden" && attr(n, "name") == "csrf_token" && attr(n, "value") == token {
			return true
		}
	}
	return false
}

// formPostingTo returns the one form that POSTs to action, or nil.
func formPostingTo(d doc, action string) *html.Node {
	forms := d.all(func(n *html.Node) bool {
		return n.Data == "form" && strings.EqualFold(attr(n, "method"), "post") && attr(n, "action") == action
	})
	if len(forms) != 1 {
		return nil
	}
	return forms[0]
}

// fieldIn returns the input named name inside the form posting to action.
func fieldIn(d doc, action, name string) *html.Node {
	form := formPostingTo(d, action)
	if form == nil {
		return nil
	}
	for n := range form.Descendants() {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") == name {
			return n
		}
	}
	return nil
}

func enclosingForm(n *html.Node) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "form" {
			return p
		}
	}
	return nil
}
