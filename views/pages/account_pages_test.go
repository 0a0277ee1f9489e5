package pages

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/views"
)

// accountPages renders every account page in a state with content: errors,
// lists, hostile text where a person supplies it.
func accountPages(t *testing.T) map[string]templ.Component {
	out := signedOut(t)
	out.CSRFToken = "tok-123"
	in := signedIn(t, views.CurrentUser{Email: "ada@example.com", IsAdmin: true})
	ts := views.NewTimestamp(time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC))
	errs := views.FormErrors{views.Form: hostile, "email": "Enter a valid email address.", "password": "Too short."}
	return map[string]templ.Component{
		"signup":       Signup(out, views.SignupForm{Email: hostile, Errors: errs}),
		"signup sent":  SignupSent(out),
		"login":        Login(out, views.LoginForm{Email: "ada@example.com", Next: "/account/sessions", Errors: errs}),
		"forgot":       Forgot(out, views.ForgotForm{Email: "ada@example.com", Errors: errs}),
		"forgot sent":  ForgotSent(out),
		"reset":        Reset(out, views.ResetForm{Action: "/password/reset?token=abc&expires=1&signature=xyz", Errors: errs}),
		"link invalid": LinkInvalid(in, views.LinkInvalidView{Title: "Nope", Message: "Expired.", CanResend: true, ActionHref: "/account", ActionLabel: "Go"}),
		"account": Account(in, views.AccountView{
			Email: "ada@example.com", MemberSince: ts,
			Password: views.PasswordForm{Errors: views.FormErrors{"current_password": "Wrong."}},
			Events:   []views.SecurityEvent{{Label: "Logged in", IP: "203.0.113.7", Device: hostile, At: ts}, {Label: "Failed login attempt", Warning: true, At: ts}},
		}),
		"sessions": Sessions(in, views.SessionsView{Sessions: []views.SessionRow{
			{ID: "11111111-1111-1111-1111-111111111111", Device: "Firefox on Linux", IP: "127.0.0.1", Created: ts, LastSeen: ts, Current: true},
			{ID: "22222222-2222-2222-2222-222222222222", Device: hostile, IP: "::1", Created: ts, LastSeen: ts},
		}}),
		"admin": Admin(in, views.AdminView{
			Query: hostile, Page: 2, Pages: 3, Total: 60, PrevURL: "/admin?q=x", NextURL: "/admin?page=3&q=x", ReturnTo: "/admin?page=2",
			Users: []views.AdminUserRow{{ID: "33333333-3333-3333-3333-333333333333", Email: hostile, Verified: true, LockedUntil: ts, Created: ts}},
		}),
	}
}

func TestAccountPagesAreAccessibleAndSafe(t *testing.T) {
	for name, c := range accountPages(t) {
		t.Run(name, func(t *testing.T) {
			d := render(t, context.Background(), c)
			if strings.Contains(d.raw, hostile) {
				t.Error("hostile text was not escaped")
			}
			if len(d.tags("h1")) != 1 {
				t.Errorf("%d h1 elements, want 1", len(d.tags("h1")))
			}
			for _, s := range d.tags("script") {
				if attr(s, "src") == "" {
					t.Error("inline script")
				}
			}
			if len(d.tags("style")) != 0 {
				t.Error("inline <style>")
			}
			for _, n := range d.all(func(*html.Node) bool { return true }) {
				for _, a := range n.Attr {
					if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
						t.Errorf("<%s> has a %s attribute", n.Data, a.Key)
					}
				}
			}
			labels := map[string]bool{}
			for _, l := range d.tags("label") {
				labels[attr(l, "for")] = true
			}
			for _, in := range d.tags("input") {
				switch attr(in, "type") {
				case "hidden":
					continue
				case "password":
					if hasAttr(in, "value") {
						t.Errorf("password input %s has a value", attr(in, "name"))
					}
					if ac := attr(in, "autocomplete"); ac != "current-password" && ac != "new-password" {
						t.Errorf("password input %s has autocomplete %q", attr(in, "name"), ac)
					}
				case "email":
					if attr(in, "autocomplete") != "email" {
						t.Errorf("email input has autocomplete %q", attr(in, "autocomplete"))
					}
				}
				if !labels[attr(in, "id")] {
					t.Errorf("input %s (id %q) has no label", attr(in, "name"), attr(in, "id"))
				}
			}
			for _, f := range d.tags("form") {
				if !strings.EqualFold(attr(f, "method"), "post") {
					continue
				}
				var token bool
				for n := range f.Descendants() {
					if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") == "csrf_token" && attr(n, "value") == "tok-123" {
						token = true
					}
				}
				if !token {
					t.Errorf("the form posting to %s has no csrf_token", attr(f, "action"))
				}
			}
		})
	}
}

func TestResetFormPostsToTheLinkItself(t *testing.T) {
	p := signedOut(t)
	d := render(t, context.Background(), Reset(p, views.ResetForm{Action: "/password/reset?expires=1&signature=s%2Bg&token=t"}))
	forms := d.all(func(n *html.Node) bool { return n.Data == "form" && attr(n, "id") == "reset-form" })
	if len(forms) != 1 || attr(forms[0], "action") != "/password/reset?expires=1&signature=s%2Bg&token=t" {
		t.Errorf("reset form = %v", forms)
	}
}

func TestFieldErrorsSitBesideTheirFields(t *testing.T) {
	p := signedOut(t)
	d := render(t, context.Background(), Login(p, views.LoginForm{Email: "ada@example.com", Errors: views.FormErrors{"password": "Wrong."}}))
	in := d.byID("field-password")
	if in == nil || attr(in, "aria-invalid") != "true" || attr(in, "aria-describedby") != "field-password-help" {
		t.Fatalf("password input = %v", in)
	}
	if help := d.byID("field-password-help"); help == nil || text(help) != "Wrong." {
		t.Errorf("the error is not beside the field")
	}
	if email := d.byID("field-email"); email == nil || attr(email, "value") != "ada@example.com" || hasAttr(email, "aria-invalid") {
		t.Errorf("email input = %v", email)
	}
}

func TestSessionsPageMarksTheCurrentSession(t *testing.T) {
	p := signedIn(t, views.CurrentUser{Email: "ada@example.com", EmailVerified: true})
	d := render(t, context.Background(), Sessions(p, views.SessionsView{Sessions: []views.SessionRow{
		{ID: "a", Device: "Firefox on Linux", Current: true}, {ID: "b", Device: "Safari on iPhone"},
	}}))
	items := d.all(func(n *html.Node) bool { return n.Data == "li" && attr(n, "data-session-id") != "" })
	if len(items) != 2 || !strings.Contains(attr(items[0], "class"), "session-current") || strings.Contains(attr(items[1], "class"), "session-current") {
		t.Fatalf("session items = %v", items)
	}
	if !strings.Contains(text(items[0]), "This device") {
		t.Error("the current session is not labelled")
	}
	if d.byID("revoke-others") == nil {
		t.Error("no revoke-others form")
	}
}
