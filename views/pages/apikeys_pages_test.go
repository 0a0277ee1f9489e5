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

const testAPIKey = "0a1b2c3d.00112233445566778899aabbccddeeff"

// testAPIKeyRows are a live key, an expired one, a revoked one and one
// that was never used, never expires and has a hostile name.
func testAPIKeyRows() []views.APIKeyRow {
	ts := views.NewTimestamp(time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC))
	return []views.APIKeyRow{
		{ID: "11111111-1111-1111-1111-111111111111", Name: "CI deploy", Prefix: "0a1b2c3d", Scopes: []string{"read", "write"}, Created: ts, LastUsed: ts, Expires: ts},
		{ID: "22222222-2222-2222-2222-222222222222", Name: "Old script", Prefix: "deadbeef", Scopes: []string{"read"}, Created: ts, Expires: ts, Expired: true},
		{ID: "33333333-3333-3333-3333-333333333333", Name: "Leaked", Prefix: "cafebabe", Scopes: []string{"write"}, Created: ts, LastUsed: ts, Revoked: ts},
		{ID: "44444444-4444-4444-4444-444444444444", Name: hostile, Prefix: "12345678", Scopes: []string{hostile}, Created: ts},
	}
}

// apiKeysPages renders the API keys page in each of its states, with
// hostile text wherever a person or the database supplies text.
func apiKeysPages(t *testing.T) map[string]views.APIKeysView {
	t.Helper()
	rows := testAPIKeyRows()
	errs := views.FormErrors{views.Form: hostile, "name": hostile, "scopes": hostile, "expires_in_days": hostile}
	return map[string]views.APIKeysView{
		"empty":     {BaseURL: "https://app.example.com"},
		"with keys": {Keys: rows, SudoUntil: rows[0].Created, BaseURL: "https://app.example.com"},
		"new key": {
			Keys: rows, NewKey: testAPIKey, NewKeyRow: &rows[0], BaseURL: "https://app.example.com/",
			Form: views.APIKeyForm{Scopes: []string{"read"}},
		},
		"errors": {
			Keys: rows, Form: views.APIKeyForm{Name: hostile, Scopes: []string{hostile}, ExpiresInDays: hostile, Errors: errs},
		},
	}
}

func renderAPIKeys(t *testing.T, v views.APIKeysView) doc {
	t.Helper()
	p := signedIn(t, views.CurrentUser{Email: "ada@example.com", EmailVerified: true})
	p.Path = "/account/api-keys"
	return render(t, context.Background(), APIKeys(p, v))
}

func TestAPIKeysPageIsAccessibleAndSafe(t *testing.T) {
	for name, v := range apiKeysPages(t) {
		t.Run(name, func(t *testing.T) {
			d := renderAPIKeys(t, v)
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
			controls := append(d.tags("input"), d.tags("select")...)
			for _, in := range controls {
				if attr(in, "type") == "hidden" {
					continue
				}
				if !labels[attr(in, "id")] {
					t.Errorf("<%s name=%s> (id %q) has no label", in.Data, attr(in, "name"), attr(in, "id"))
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
			for _, n := range d.all(func(n *html.Node) bool { return hasAttr(n, "aria-describedby") }) {
				if d.byID(attr(n, "aria-describedby")) == nil {
					t.Errorf("<%s> is described by %q, which is not on the page", n.Data, attr(n, "aria-describedby"))
				}
			}
			if docs := d.byID("api-docs"); docs == nil || !linksTo(docs, "/api/openapi.json") {
				t.Error("no pointer to /api/openapi.json in id=api-docs")
			}
			if got := d.currentNav(); !slices.Equal(got, []string{"API keys"}) {
				t.Errorf("aria-current nav items = %v, want [API keys]", got)
			}
		})
	}
}

func TestNewAPIKeyIsShownOnce(t *testing.T) {
	d := renderAPIKeys(t, apiKeysPages(t)["new key"])
	box := d.byID("new-api-key")
	if box == nil {
		t.Fatal("no element with id new-api-key")
	}
	if got := rawText(box); got != testAPIKey {
		t.Errorf("new-api-key text = %q, want exactly %q", got, testAPIKey)
	}
	if n := strings.Count(d.raw, testAPIKey); n != 1 {
		t.Errorf("the key appears %d times in the page, want once (inside new-api-key)", n)
	}
	secret := testAPIKey[strings.IndexByte(testAPIKey, '.')+1:]
	if n := strings.Count(d.raw, secret); n != 1 {
		t.Errorf("the key's secret part appears %d times in the page, want once", n)
	}
	copies := d.all(func(n *html.Node) bool { return attr(n, "data-copy") == "#new-api-key" })
	if len(copies) != 1 {
		t.Errorf("%d copy buttons for the key, want 1", len(copies))
	}
	if !strings.Contains(text(d.root), "Copy your new API key now — it won't be shown again") {
		t.Error("no warning that the key is shown only once")
	}
	example := d.byID("api-key-example")
	if example == nil {
		t.Fatal("no usage example")
	}
	want := `curl -H "Authorization: Bearer $RAMPART_API_KEY" https://app.example.com/api/v1/me`
	if got := rawText(example); got != want {
		t.Errorf("example = %q, want %q", got, want)
	}
}

func TestNoNewKeyWithoutOne(t *testing.T) {
	d := renderAPIKeys(t, apiKeysPages(t)["with keys"])
	for _, id := range []string{"new-api-key", "api-key-example"} {
		if d.byID(id) != nil {
			t.Errorf("the page shows %s when no key was just created", id)
		}
	}
}

func TestAPIKeyFormFields(t *testing.T) {
	d := renderAPIKeys(t, apiKeysPages(t)["empty"])
	form := formPostingTo(d, "/account/api-keys")
	if form == nil || attr(form, "id") != "api-key-form" {
		t.Fatalf("no form id=api-key-form posting to /account/api-keys: %v", form)
	}
	if !formHasCSRF(form, "tok-123") {
		t.Error("the form has no csrf_token")
	}
	name := fieldIn(d, "/account/api-keys", "name")
	if name == nil || attr(name, "type") != "text" || attr(name, "maxlength") != "100" {
		t.Fatalf("name input = %v, want type=text maxlength=100", name)
	}
	if hint := d.byID(attr(name, "aria-describedby")); hint == nil || text(hint) != "What uses this key, e.g. CI deploy" {
		t.Errorf("the name field's hint is missing")
	}
	var scopes []string
	for n := range form.Descendants() {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") == "scopes" {
			if attr(n, "type") != "checkbox" {
				t.Errorf("scopes input %q has type %q, want checkbox", attr(n, "value"), attr(n, "type"))
			}
			scopes = append(scopes, attr(n, "value"))
		}
	}
	if !slices.Equal(scopes, []string{"read", "write"}) {
		t.Errorf("scopes checkboxes = %v, want [read write]", scopes)
	}
	if legends := d.tags("legend"); len(legends) != 1 || text(legends[0]) != "Scopes" {
		t.Errorf("scopes fieldset legend = %v, want Scopes", legends)
	}
	sel := d.byID("field-expires_in_days")
	if sel == nil || sel.Data != "select" || attr(sel, "name") != "expires_in_days" || enclosingForm(sel) != form {
		t.Fatalf("expires_in_days = %v, want a select in the form", sel)
	}
	if got, want := optionValues(sel), []string{"", "7", "30", "90", "365"}; !slices.Equal(got, want) {
		t.Errorf("expires_in_days options = %q, want %q", got, want)
	}
	buttons := d.all(func(n *html.Node) bool { return n.Data == "button" && text(n) == "Create API key" })
	if len(buttons) != 1 || enclosingForm(buttons[0]) != form || attr(buttons[0], "type") != "submit" {
		t.Error("no Create API key submit button in the form")
	}
}

func TestAPIKeyFormKeepsWhatWasSent(t *testing.T) {
	tests := []struct {
		name    string
		form    views.APIKeyForm
		checked []string
		expires string
	}{
		{"an empty form checks read only and never expires", views.APIKeyForm{}, []string{"read"}, ""},
		{"no scopes sent checks nothing", views.APIKeyForm{Scopes: []string{}}, nil, ""},
		{"write alone stays write alone", views.APIKeyForm{Scopes: []string{"write"}, ExpiresInDays: "30"}, []string{"write"}, "30"},
		{"both scopes stay checked", views.APIKeyForm{Scopes: []string{"read", "write"}, ExpiresInDays: "365"}, []string{"read", "write"}, "365"},
		{"an unknown expiry selects nothing", views.APIKeyForm{Scopes: []string{"read"}, ExpiresInDays: "12"}, []string{"read"}, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := renderAPIKeys(t, views.APIKeysView{Form: tt.form})
			var checked []string
			for _, in := range d.tags("input") {
				if attr(in, "name") == "scopes" && hasAttr(in, "checked") {
					checked = append(checked, attr(in, "value"))
				}
			}
			if !slices.Equal(checked, tt.checked) {
				t.Errorf("checked scopes = %v, want %v", checked, tt.checked)
			}
			var selected []string
			for _, o := range d.tags("option") {
				if hasAttr(o, "selected") {
					selected = append(selected, attr(o, "value"))
				}
			}
			want := []string{tt.expires}
			if tt.expires == "none" {
				want = nil
			}
			if !slices.Equal(selected, want) {
				t.Errorf("selected expiry = %q, want %q", selected, want)
			}
		})
	}
	t.Run("the name is sent back", func(t *testing.T) {
		d := renderAPIKeys(t, views.APIKeysView{Form: views.APIKeyForm{Name: "CI deploy"}})
		if got := attr(d.byID("field-name"), "value"); got != "CI deploy" {
			t.Errorf("name value = %q", got)
		}
	})
}

func TestAPIKeyErrorsSitBesideTheirFields(t *testing.T) {
	tests := []struct {
		field, control, msg string
	}{
		{"name", "field-name", "Give the key a name."},
		{"scopes", "", "Choose at least one scope."},
		{"expires_in_days", "field-expires_in_days", "Choose one of the listed lifetimes."},
	}
	for _, tt := range tests {
		t.Run("the "+tt.field+" error is beside its field", func(t *testing.T) {
			d := renderAPIKeys(t, views.APIKeysView{Form: views.APIKeyForm{Errors: views.FormErrors{tt.field: tt.msg}}})
			help := d.byID("field-" + tt.field + "-help")
			if help == nil || text(help) != tt.msg || !strings.Contains(attr(help, "class"), "field-error") {
				t.Fatalf("the error %q is not beside the field", tt.msg)
			}
			var described *html.Node
			if tt.control != "" {
				described = d.byID(tt.control)
			} else {
				for p := help.Parent; p != nil; p = p.Parent {
					if p.Data == "fieldset" {
						described = p
						break
					}
				}
			}
			if described == nil || attr(described, "aria-invalid") != "true" || attr(described, "aria-describedby") != "field-"+tt.field+"-help" {
				t.Errorf("the %s control is not marked invalid and described by its error: %v", tt.field, described)
			}
			for _, other := range []string{"field-name", "field-expires_in_days"} {
				if other != tt.control && hasAttr(d.byID(other), "aria-invalid") {
					t.Errorf("%s is marked invalid too", other)
				}
			}
			if alerts := d.all(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "alert-error") }); len(alerts) != 0 {
				t.Errorf("a field error is shown as a form error too: %v", alerts)
			}
		})
	}
	t.Run("a whole-form error is shown in the form", func(t *testing.T) {
		d := renderAPIKeys(t, views.APIKeysView{Form: views.APIKeyForm{Errors: views.FormErrors{views.Form: "You have too many keys."}}})
		alerts := d.all(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "alert-error") })
		if len(alerts) != 1 || text(alerts[0]) != "You have too many keys." || enclosingForm(alerts[0]) == nil {
			t.Errorf("form errors = %v", alerts)
		}
	})
}

func TestAPIKeyRows(t *testing.T) {
	rows := testAPIKeyRows()
	d := renderAPIKeys(t, views.APIKeysView{Keys: rows})
	if d.byID("api-keys-empty") != nil {
		t.Error("the empty state is shown beside keys")
	}
	table := d.byID("api-keys")
	if table == nil || table.Data != "table" || !strings.Contains(attr(table.Parent, "class"), "table-scroll") {
		t.Fatalf("no table id=api-keys in a scrolling wrapper")
	}
	trs := d.all(func(n *html.Node) bool { return hasAttr(n, "data-api-key-id") })
	if len(trs) != len(rows) {
		t.Fatalf("%d rows with data-api-key-id, want %d", len(trs), len(rows))
	}
	tests := []struct {
		name               string
		wants, doesNotHave []string
		nevers             int
		revocable          bool
	}{
		{"a live key shows its prefix, scopes and a revoke form", []string{"CI deploy", "0a1b2c3d.…", "read write", "Active"}, []string{"Expired", "Revoked"}, 0, true},
		{"an expired key is marked Expired and can still be revoked", []string{"Old script", "deadbeef.…", "Expired", "Never"}, []string{"Active", "Revoked"}, 1, true},
		{"a revoked key is marked Revoked with its date and has no button", []string{"Leaked", "cafebabe.…", "Revoked 1 Mar 2026, 12:30 UTC"}, []string{"Active"}, 1, false},
		{"a key never used that never expires says Never twice", []string{"12345678.…", "Never", "Active"}, []string{"Expired", "Revoked"}, 2, true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, k := trs[i], rows[i]
			if got := attr(tr, "data-api-key-id"); got != k.ID {
				t.Fatalf("row %d is key %q, want %q", i, got, k.ID)
			}
			got := text(tr)
			for _, w := range tt.wants {
				if !strings.Contains(got, w) {
					t.Errorf("row text %q does not contain %q", got, w)
				}
			}
			for _, w := range tt.doesNotHave {
				if strings.Contains(got, w) {
					t.Errorf("row text %q contains %q", got, w)
				}
			}
			if n := strings.Count(got, "Never"); n != tt.nevers {
				t.Errorf("row text %q says Never %d times, want %d", got, n, tt.nevers)
			}
			var forms []*html.Node
			for n := range tr.Descendants() {
				if n.Type == html.ElementNode && n.Data == "form" {
					forms = append(forms, n)
				}
			}
			if !tt.revocable {
				if len(forms) != 0 {
					t.Errorf("revoked key has %d forms, want none", len(forms))
				}
				return
			}
			if len(forms) != 1 {
				t.Fatalf("live key has %d forms, want 1", len(forms))
			}
			f := forms[0]
			if !strings.EqualFold(attr(f, "method"), "post") || attr(f, "action") != "/account/api-keys/"+k.ID+"/revoke" {
				t.Errorf("revoke form = %s %s", attr(f, "method"), attr(f, "action"))
			}
			if attr(f, "data-confirm") != "Revoke this key? Anything using it stops working at once." {
				t.Errorf("revoke form data-confirm = %q", attr(f, "data-confirm"))
			}
			if !formHasCSRF(f, "tok-123") {
				t.Error("revoke form has no csrf_token")
			}
			buttons := d.all(func(n *html.Node) bool { return n.Data == "button" && enclosingForm(n) == f })
			if len(buttons) != 1 || text(buttons[0]) != "Revoke" || !strings.Contains(attr(buttons[0], "class"), "danger") {
				t.Errorf("revoke button = %v, want one danger button Revoke", buttons)
			}
		})
	}
}

func TestAPIKeysEmptyState(t *testing.T) {
	d := renderAPIKeys(t, views.APIKeysView{})
	empty := d.byID("api-keys-empty")
	if empty == nil || !strings.Contains(text(empty), "No API keys yet") {
		t.Errorf("empty state = %v, want No API keys yet", empty)
	}
	if d.byID("api-keys") != nil {
		t.Error("an empty table is shown")
	}
	if forms := d.all(func(n *html.Node) bool { return strings.HasSuffix(attr(n, "action"), "/revoke") }); len(forms) != 0 {
		t.Errorf("%d revoke forms with no keys", len(forms))
	}
}

func TestAPIKeysSudoHint(t *testing.T) {
	ts := views.NewTimestamp(time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC))
	if d := renderAPIKeys(t, views.APIKeysView{}); d.byID("sudo-hint") == nil || enclosingForm(d.byID("sudo-hint")) == nil {
		t.Error("no password-confirmation hint in the form without a recent confirmation")
	}
	if d := renderAPIKeys(t, views.APIKeysView{SudoUntil: ts}); d.byID("sudo-hint") != nil {
		t.Error("password-confirmation hint shown within sudo mode")
	}
}

func optionValues(sel *html.Node) []string {
	var out []string
	for n := range sel.Descendants() {
		if n.Type == html.ElementNode && n.Data == "option" {
			out = append(out, attr(n, "value"))
		}
	}
	return out
}

// linksTo reports whether there is a link to href inside n.
func linksTo(n *html.Node, href string) bool {
	for c := range n.Descendants() {
		if c.Type == html.ElementNode && c.Data == "a" && attr(c, "href") == href {
			return true
		}
	}
	return false
}
