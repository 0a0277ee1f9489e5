package pages

import (
	"context"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/views"
)

func TestLoginTwoFactorPage(t *testing.T) {
	p := signedOut(t)
	d := render(t, context.Background(), LoginTwoFactor(p, views.LoginTwoFactorForm{}))
	in := fieldIn(d, "/login/2fa", "code")
	if in == nil || !hasAttr(in, "autofocus") {
		t.Fatalf("code input = %v", in)
	}
	if !strings.Contains(text(d.byID("main")), "the 6-digit code from your authenticator app, or one of your recovery codes") {
		t.Error("the page does not say which codes it takes")
	}
	if d.byID("attempts-left") != nil {
		t.Error("shows attempts left before any wrong code")
	}
	if got := d.links("/login"); !slices.Contains(got, "Start over") {
		t.Errorf("links to /login = %v, want Start over", got)
	}
	d = render(t, context.Background(), LoginTwoFactor(p, views.LoginTwoFactorForm{AttemptsLeft: 2, Errors: views.FormErrors{"code": "Wrong code."}}))
	if n := d.byID("attempts-left"); n == nil || text(n) != "2 attempts left." {
		t.Errorf("attempts left = %v", n)
	}
}

func TestMagicLinkPages(t *testing.T) {
	p := signedOut(t)
	p.CSRFToken = "tok-123"
	t.Run("the request form mails a link to the address", func(t *testing.T) {
		d := render(t, context.Background(), MagicLink(p, views.MagicLinkForm{Email: "ada@example.com"}))
		in := fieldIn(d, "/login/magic", "email")
		if in == nil || attr(in, "value") != "ada@example.com" {
			t.Fatalf("email input = %v", in)
		}
		if !strings.Contains(text(formPostingTo(d, "/login/magic")), "Email me a login link") {
			t.Error("no Email me a login link button")
		}
		if len(d.links("/login")) < 2 {
			t.Error("no link back to the password login")
		}
	})
	t.Run("the sent page reads the same for any address and offers to try again", func(t *testing.T) {
		d := render(t, context.Background(), MagicLinkSent(p, views.MagicLinkSentView{Email: "ada@example.com"}))
		body := text(d.byID("magic-link-sent"))
		for _, want := range []string{"If an account uses ada@example.com", "10 minutes", "one email a minute"} {
			if !strings.Contains(body, want) {
				t.Errorf("sent page %q does not say %q", body, want)
			}
		}
		if len(d.links("/login/magic")) == 0 {
			t.Error("no link to try again")
		}
	})
	t.Run("the confirm button posts to the link exactly", func(t *testing.T) {
		d := render(t, context.Background(), MagicLinkConfirm(p, views.MagicLinkConfirmView{Action: testAction, Email: "ada@example.com"}))
		if h := text(d.tags("h1")[0]); h != "Log in as ada@example.com?" {
			t.Errorf("h1 = %q", h)
		}
		btn := d.byID("magic-login-confirm")
		if btn == nil || btn.Data != "button" || attr(btn, "type") != "submit" || text(btn) != "Log in" {
			t.Fatalf("confirm button = %v", btn)
		}
		form := enclosingForm(btn)
		if form == nil {
			t.Fatal("the confirm button is not inside a form")
		}
		if !strings.EqualFold(attr(form, "method"), "post") || attr(form, "action") != testAction {
			t.Errorf("form method %q action %q, want post to %q", attr(form, "method"), attr(form, "action"), testAction)
		}
		if !formHasCSRF(form, "tok-123") {
			t.Error("the confirm form has no csrf_token")
		}
		if !strings.Contains(text(d.byID("main")), "open every link") {
			t.Error("the page does not explain why there is a button")
		}
	})
	t.Run("a javascript: action is refused", func(t *testing.T) {
		d := render(t, context.Background(), MagicLinkConfirm(p, views.MagicLinkConfirmView{Action: "javascript:alert(1)"}))
		if strings.Contains(d.raw, "javascript:") {
			t.Error("a javascript: URL reached the form action")
		}
	})
}

func TestSudoPage(t *testing.T) {
	p := signedIn(t, views.CurrentUser{Email: "a@example.com"})
	d := render(t, context.Background(), Sudo(p, views.SudoForm{Next: "/account/2fa?x=1&y=2", TwoFactor: true}))
	form := formPostingTo(d, "/account/confirm")
	if form == nil {
		t.Fatal("no form posting to /account/confirm")
	}
	var next string
	for n := range form.Descendants() {
		if n.Type == html.ElementNode && attr(n, "name") == "next" && attr(n, "type") == "hidden" {
			next = attr(n, "value")
		}
	}
	if next != "/account/2fa?x=1&y=2" {
		t.Errorf("next = %q", next)
	}
	if fieldIn(d, "/account/confirm", "code") == nil {
		t.Error("no code field with 2FA on")
	}
	if !strings.Contains(text(d.byID("main")), "10 minutes") {
		t.Error("the page does not explain the 10 minutes")
	}
	d = render(t, context.Background(), Sudo(p, views.SudoForm{}))
	if fieldIn(d, "/account/confirm", "code") != nil {
		t.Error("a code field without 2FA")
	}
	if len(d.all(func(n *html.Node) bool { return attr(n, "name") == "next" })) != 0 {
		t.Error("an empty next field")
	}
	if in := fieldIn(d, "/account/confirm", "password"); in == nil || !hasAttr(in, "required") {
		t.Error("the password is not required without 2FA")
	}
}

func TestAccountAndLoginLinkToTheNewPages(t *testing.T) {
	in := signedIn(t, views.CurrentUser{Email: "a@example.com", EmailVerified: true})
	for _, on := range []bool{false, true} {
		d := render(t, context.Background(), Account(in, views.AccountView{Email: "a@example.com", TwoFactorEnabled: on}))
		want := map[bool]string{false: "Off", true: "On"}[on]
		if s := d.byID("twofactor-status"); s == nil || text(s) != want {
			t.Errorf("with 2FA on=%v the account page's status is %v, want %s", on, s, want)
		}
		var toTwoFactor bool
		for _, a := range d.tags("a") {
			if attr(a, "href") == "/account/2fa" && strings.Contains(text(a), "two-factor") {
				toTwoFactor = true
			}
		}
		if !toTwoFactor {
			t.Errorf("with 2FA on=%v the account page does not link to /account/2fa", on)
		}
	}
	d := render(t, context.Background(), Login(signedOut(t), views.LoginForm{}))
	if got := d.links("/login/magic"); !slices.Contains(got, "Email me a login link instead") {
		t.Errorf("links to /login/magic = %v", got)
	}
}
