package pages

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/web"
)

const hostile = `<script>alert(1)</script>`

func newAssets(t *testing.T) *web.Assets {
	t.Helper()
	a, err := web.NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func signedOut(t *testing.T) views.Page {
	return views.Page{Assets: newAssets(t), Path: "/"}
}

func signedIn(t *testing.T, u views.CurrentUser) views.Page {
	return views.Page{Assets: newAssets(t), Path: "/", User: &u, CSRFToken: "tok-123"}
}

// doc is a rendered page: its markup and its parsed tree.
type doc struct {
	raw  string
	root *html.Node
}

// render renders c and parses the result, failing the test on either error.
func render(t *testing.T, ctx context.Context, c templ.Component) doc {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		t.Fatalf("Render: %v", err)
	}
	root, err := html.Parse(strings.NewReader(buf.String()))
	if err != nil {
		t.Fatalf("parse rendered HTML: %v", err)
	}
	return doc{raw: buf.String(), root: root}
}

func (d doc) all(match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for n := range d.root.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
	}
	return out
}

func (d doc) tags(name string) []*html.Node {
	return d.all(func(n *html.Node) bool { return n.Data == name })
}

// links returns the text of every link whose href is href.
func (d doc) links(href string) []string {
	var texts []string
	for _, a := range d.tags("a") {
		if attr(a, "href") == href {
			texts = append(texts, text(a))
		}
	}
	return texts
}

func (d doc) byID(id string) *html.Node {
	found := d.all(func(n *html.Node) bool { return attr(n, "id") == id })
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	for c := range n.Descendants() {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func (d doc) title() string {
	if ts := d.tags("title"); len(ts) == 1 {
		return text(ts[0])
	}
	return ""
}

// currentNav returns the labels of links marked aria-current="page".
func (d doc) currentNav() []string {
	var out []string
	for _, a := range d.all(func(n *html.Node) bool { return attr(n, "aria-current") == "page" }) {
		out = append(out, text(a))
	}
	return out
}

func TestLandingSignedOut(t *testing.T) {
	d := render(t, context.Background(), Landing(signedOut(t)))
	if got := d.title(); got != "Rampart" {
		t.Errorf("title = %q, want Rampart", got)
	}
	h1 := d.tags("h1")
	if len(h1) != 1 || text(h1[0]) != "Rampart — the secure starting point for your Go SaaS" {
		t.Errorf("h1 = %v, want the hero headline", h1)
	}
	if got := d.links("/login"); len(got) < 2 {
		t.Errorf("links to /login = %v, want one in the nav and one in the hero", got)
	}
	if got := d.links("/signup"); len(got) < 2 {
		t.Errorf("links to /signup = %v, want one in the nav and one in the hero", got)
	}
	if forms := d.all(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == "/logout" }); len(forms) != 0 {
		t.Error("signed-out page has a logout form")
	}
	for _, href := range []string{"/account", "/account/api-keys", "/admin"} {
		if got := d.links(href); len(got) != 0 {
			t.Errorf("signed-out page links to %s (%v)", href, got)
		}
	}
	for _, want := range []string{
		"Accounts &amp; sessions", "TOTP 2FA &amp; recovery codes", "Magic links",
		"API keys &amp; JWT", "Verified inbound webhooks", "Hardened middleware",
		"internal/http/routes.go", "sql/queries/", "migrations/", "views/",
	} {
		if !strings.Contains(d.raw, want) {
			t.Errorf("landing page does not mention %q", want)
		}
	}
}

func TestLandingSignedIn(t *testing.T) {
	p := signedIn(t, views.CurrentUser{Email: "ada@example.com", EmailVerified: true, IsAdmin: true})
	d := render(t, context.Background(), Landing(p))

	wantNav := map[string]string{
		"/account":          "Account",
		"/account/api-keys": "API keys",
		"/account/webhooks": "Webhooks",
		"/account/2fa":      "Security",
		"/account/sessions": "Sessions",
		"/admin":            "Admin",
	}
	for href, label := range wantNav {
		if got := d.links(href); !slices.Contains(got, label) {
			t.Errorf("links to %s = %v, want one labelled %q", href, got, label)
		}
	}
	if got := d.links("/account"); !slices.Contains(got, "Go to your account") {
		t.Errorf("links to /account = %v, want the hero's \"Go to your account\"", got)
	}
	if got := d.links("/login"); len(got) != 0 {
		t.Errorf("signed-in page links to /login: %v", got)
	}
	if got := d.links("/signup"); len(got) != 0 {
		t.Errorf("signed-in page links to /signup: %v", got)
	}
	if d.byID("main") == nil {
		t.Error("no element with id main")
	}
	if strings.Contains(d.raw, "Please confirm your email address") {
		t.Error("verified user sees the unverified-email banner")
	}
}

func TestLogoutFormPostsWithCSRFToken(t *testing.T) {
	p := signedIn(t, views.CurrentUser{Email: "ada@example.com", EmailVerified: true})
	d := render(t, context.Background(), Landing(p))
	forms := d.all(func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == "/logout" })
	if len(forms) != 1 {
		t.Fatalf("found %d logout forms, want 1", len(forms))
	}
	form := forms[0]
	if m := attr(form, "method"); !strings.EqualFold(m, "post") {
		t.Errorf("logout form method = %q, want post", m)
	}
	var token, button bool
	for n := range form.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if n.Data == "input" && attr(n, "type") == "hidden" && attr(n, "name") == "csrf_token" && attr(n, "value") == "tok-123" {
			token = true
		}
		if n.Data == "button" && text(n) == "Log out" {
			button = true
		}
	}
	if !token {
		t.Error("logout form has no hidden csrf_token input carrying the page's token")
	}
	if !button {
		t.Error("logout form has no Log out button")
	}
}

func TestAdminLinkOnlyForAdmins(t *testing.T) {
	p := signedIn(t, views.CurrentUser{Email: "bob@example.com", EmailVerified: true})
	d := render(t, context.Background(), Landing(p))
	if got := d.links("/admin"); len(got) != 0 {
		t.Errorf("non-admin sees links to /admin: %v", got)
	}
}

func TestUnverifiedEmailBanner(t *testing.T) {
	p := signedIn(t, views.CurrentUser{Email: "ada@example.com"})
	d := render(t, context.Background(), Landing(p))
	banners := d.all(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "banner") })
	if len(banners) != 1 {
		t.Fatalf("found %d banners, want 1", len(banners))
	}
	b := banners[0]
	if !strings.Contains(text(b), "confirm your email") || !strings.Contains(text(b), "ada@example.com") {
		t.Errorf("banner text = %q", text(b))
	}
	var linksAccount bool
	for n := range b.Descendants() {
		if n.Type == html.ElementNode && n.Data == "a" && attr(n, "href") == "/account" {
			linksAccount = true
		}
	}
	if !linksAccount {
		t.Error("banner does not link to /account")
	}
}

func TestActiveNavItem(t *testing.T) {
	tests := []struct {
		path string
		want []string
	}{
		{"/", nil},
		{"/account", []string{"Account"}},
		{"/account/", []string{"Account"}},
		{"/account/api-keys", []string{"API keys"}},
		{"/account/webhooks/42", []string{"Webhooks"}},
		{"/account/2fa", []string{"Security"}},
		{"/account/sessions", []string{"Sessions"}},
		{"/admin", []string{"Admin"}},
		{"/account/webhooksx", nil},
	}
	for _, tt := range tests {
		name := "on " + tt.path + " no item is current"
		if len(tt.want) > 0 {
			name = "on " + tt.path + " the current item is " + tt.want[0]
		}
		t.Run(name, func(t *testing.T) {
			p := signedIn(t, views.CurrentUser{Email: "a@example.com", EmailVerified: true, IsAdmin: true})
			p.Path = tt.path
			got := render(t, context.Background(), Landing(p)).currentNav()
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("aria-current items = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("signed out on /login the current item is Log in", func(t *testing.T) {
		p := signedOut(t)
		p.Path = "/login"
		if got := render(t, context.Background(), Landing(p)).currentNav(); !slices.Contains(got, "Log in") || len(got) != 1 {
			t.Errorf("aria-current items = %v, want [Log in]", got)
		}
	})
}

func TestTitle(t *testing.T) {
	p := signedOut(t)
	p.Title = "API keys"
	if got := render(t, context.Background(), Landing(p)).title(); got != "API keys · Rampart" {
		t.Errorf("title = %q, want %q", got, "API keys · Rampart")
	}
}

func TestFlashes(t *testing.T) {
	p := signedOut(t)
	p.Flashes = []views.Flash{
		{Kind: views.FlashSuccess, Message: "Saved."},
		{Kind: views.FlashInfo, Message: "FYI."},
		{Kind: views.FlashWarning, Message: "Careful."},
		{Kind: views.FlashError, Message: hostile},
		{Kind: `x" onclick="evil`, Message: "Odd kind."},
	}
	d := render(t, context.Background(), Landing(p))
	want := []struct{ role, class, text string }{
		{"status", "alert-success", "Saved."},
		{"status", "alert-info", "FYI."},
		{"alert", "alert-warning", "Careful."},
		{"alert", "alert-error", hostile},
		{"status", "alert-info", "Odd kind."},
	}
	got := d.all(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "alert-") })
	if len(got) != len(want) {
		t.Fatalf("found %d flashes, want %d", len(got), len(want))
	}
	for i, w := range want {
		n := got[i]
		if attr(n, "role") != w.role || !strings.Contains(attr(n, "class"), w.class) || text(n) != w.text {
			t.Errorf("flash %d = role %q class %q text %q, want %+v", i, attr(n, "role"), attr(n, "class"), text(n), w)
		}
	}
	if strings.Contains(d.raw, hostile) {
		t.Error("flash message was not escaped")
	}
	if strings.Contains(d.raw, "onclick") {
		t.Error("flash kind reached the markup")
	}
}
