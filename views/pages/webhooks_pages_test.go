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

const (
	testWebhookURL    = "https://app.example.com/webhooks/in/5b0e2d6a-8f8c-4c47-9d3e-1f2a3b4c5d6e"
	testWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	testWebhookSetup  = "In Stripe, open Developers → Webhooks, add an endpoint with this URL and paste the secret."
)

var testWebhookTime = views.NewTimestamp(time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC))

// testWebhookProviders are the provider choices the handler offers.
func testWebhookProviders() []views.WebhookProviderOption {
	return []views.WebhookProviderOption{
		{Value: "github", Label: "GitHub"},
		{Value: "stripe", Label: "Stripe"},
		{Value: "slack", Label: "Slack"},
		{Value: "standard", Label: "Standard Webhooks"},
	}
}

// testWebhookRows are an active endpoint whose old secret still works, a
// disabled one that never received anything and one with hostile text.
func testWebhookRows() []views.WebhookEndpointRow {
	ts := testWebhookTime
	return []views.WebhookEndpointRow{
		{
			ID: "11111111-1111-1111-1111-111111111111", Name: "Stripe payments", Provider: "Stripe", URL: testWebhookURL,
			Created: ts, RotationUntil: ts, Deliveries: 42, LastReceived: ts,
			DeliveriesHref: "/account/webhooks/11111111-1111-1111-1111-111111111111",
		},
		{
			ID: "22222222-2222-2222-2222-222222222222", Name: "GitHub pushes", Provider: "GitHub", URL: "https://app.example.com/webhooks/in/2",
			Created: ts, Disabled: true,
			DeliveriesHref: "/account/webhooks/22222222-2222-2222-2222-222222222222",
		},
		{
			ID: "33333333-3333-3333-3333-333333333333", Name: hostile, Provider: hostile, URL: hostile,
			Created: ts, Deliveries: 1, LastReceived: ts,
			DeliveriesHref: "/account/webhooks/33333333-3333-3333-3333-333333333333",
		},
	}
}

// webhooksPages is the webhooks page in each of its states, with hostile
// text wherever a person or the database supplies text.
func webhooksPages() map[string]views.WebhooksView {
	rows := testWebhookRows()
	providers := testWebhookProviders()
	errs := views.FormErrors{views.Form: hostile, "name": hostile, "provider": hostile}
	return map[string]views.WebhooksView{
		"empty":          {Providers: providers},
		"with endpoints": {Endpoints: rows, Providers: providers, SudoUntil: testWebhookTime},
		"new endpoint": {
			Endpoints: rows, Providers: providers,
			Shown: &views.WebhookSecretShown{EndpointName: "Stripe payments", Provider: "Stripe", URL: testWebhookURL, Secret: testWebhookSecret, Setup: testWebhookSetup},
		},
		"rotated": {
			Endpoints: rows, Providers: providers,
			Shown: &views.WebhookSecretShown{EndpointName: "Stripe payments", Provider: "Stripe", URL: testWebhookURL, Secret: testWebhookSecret, Rotated: true, Setup: testWebhookSetup},
		},
		"hostile secret": {
			Providers: providers,
			Shown:     &views.WebhookSecretShown{EndpointName: hostile, Provider: hostile, URL: hostile, Secret: hostile, Setup: hostile},
		},
		"errors": {
			Endpoints: rows, Providers: providers,
			Form: views.WebhookEndpointForm{Name: hostile, Provider: hostile, Errors: errs},
		},
	}
}

func renderWebhooks(t *testing.T, v views.WebhooksView) doc {
	t.Helper()
	p := signedIn(t, views.CurrentUser{Email: "ada@example.com", EmailVerified: true})
	p.Path = "/account/webhooks"
	return render(t, context.Background(), Webhooks(p, v))
}

func TestWebhooksPageIsAccessibleAndSafe(t *testing.T) {
	for name, v := range webhooksPages() {
		t.Run(name, func(t *testing.T) {
			checkPageIsSafe(t, renderWebhooks(t, v), "Webhooks")
		})
	}
}

func TestWebhookSecretIsShownOnce(t *testing.T) {
	tests := []struct {
		name, page, title string
	}{
		{"a new endpoint shows its URL and secret once", "new endpoint", "Your endpoint is ready — copy the secret now, it won't be shown again"},
		{"a rotation shows the new secret once and says the old one still works", "rotated", "New secret for Stripe payments — the old one keeps working for 24 hours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := renderWebhooks(t, webhooksPages()[tt.page])
			for id, want := range map[string]string{"webhook-url": testWebhookURL, "webhook-secret": testWebhookSecret} {
				box := d.byID(id)
				if box == nil {
					t.Fatalf("no element with id %s", id)
				}
				if got := rawText(box); got != want {
					t.Errorf("%s text = %q, want exactly %q", id, got, want)
				}
				if copies := d.all(func(n *html.Node) bool { return attr(n, "data-copy") == "#"+id }); len(copies) != 1 {
					t.Errorf("%d copy buttons for %s, want 1", len(copies), id)
				}
			}
			if n := strings.Count(d.raw, testWebhookSecret); n != 1 {
				t.Errorf("the secret appears %d times in the page, want once (inside webhook-secret)", n)
			}
			if h := d.byID("webhook-shown-title"); h == nil || text(h) != tt.title {
				t.Errorf("secret card title = %v, want %q", h, tt.title)
			}
			if setup := d.byID("webhook-setup"); setup == nil || text(setup) != testWebhookSetup {
				t.Errorf("setup paragraph = %v, want %q", setup, testWebhookSetup)
			}
		})
	}
	t.Run("a hostile secret and URL are shown exactly, escaped", func(t *testing.T) {
		d := renderWebhooks(t, webhooksPages()["hostile secret"])
		for _, id := range []string{"webhook-url", "webhook-secret"} {
			if got := rawText(d.byID(id)); got != hostile {
				t.Errorf("%s text = %q, want %q", id, got, hostile)
			}
		}
	})
	t.Run("no secret is shown without one", func(t *testing.T) {
		d := renderWebhooks(t, webhooksPages()["with endpoints"])
		for _, id := range []string{"webhook-url", "webhook-secret", "webhook-setup"} {
			if d.byID(id) != nil {
				t.Errorf("the page shows %s when no secret was just made", id)
			}
		}
	})
}

func TestWebhookFormFields(t *testing.T) {
	d := renderWebhooks(t, webhooksPages()["empty"])
	form := formPostingTo(d, "/account/webhooks")
	if form == nil || attr(form, "id") != "webhook-form" {
		t.Fatalf("no form id=webhook-form posting to /account/webhooks")
	}
	if !formHasCSRF(form, "tok-123") {
		t.Error("the form has no csrf_token")
	}
	name := fieldIn(d, "/account/webhooks", "name")
	if name == nil || attr(name, "type") != "text" || attr(name, "maxlength") != "100" {
		t.Fatalf("name input = %v, want type=text maxlength=100", name)
	}
	sel := d.byID("field-provider")
	if sel == nil || sel.Data != "select" || attr(sel, "name") != "provider" || enclosingForm(sel) != form {
		t.Fatalf("provider = %v, want a select in the form", sel)
	}
	if got, want := optionValues(sel), []string{"github", "stripe", "slack", "standard"}; !slices.Equal(got, want) {
		t.Errorf("provider options = %q, want %q", got, want)
	}
	var labels []string
	for n := range sel.Descendants() {
		if n.Type == html.ElementNode && n.Data == "option" {
			labels = append(labels, text(n))
		}
	}
	if want := []string{"GitHub", "Stripe", "Slack", "Standard Webhooks"}; !slices.Equal(labels, want) {
		t.Errorf("provider labels = %q, want %q", labels, want)
	}
	buttons := d.all(func(n *html.Node) bool { return n.Data == "button" && text(n) == "Create endpoint" })
	if len(buttons) != 1 || enclosingForm(buttons[0]) != form || attr(buttons[0], "type") != "submit" {
		t.Error("no Create endpoint submit button in the form")
	}
}

func TestWebhookFormKeepsWhatWasSent(t *testing.T) {
	tests := []struct {
		name, provider string
		selected       []string
	}{
		{"an empty form selects nothing, so the first provider shows", "", nil},
		{"the chosen provider stays selected", "slack", []string{"slack"}},
		{"an unknown provider selects nothing", "paypal", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := renderWebhooks(t, views.WebhooksView{
				Providers: testWebhookProviders(),
				Form:      views.WebhookEndpointForm{Name: "Slack events", Provider: tt.provider},
			})
			var selected []string
			for _, o := range d.tags("option") {
				if hasAttr(o, "selected") {
					selected = append(selected, attr(o, "value"))
				}
			}
			if !slices.Equal(selected, tt.selected) {
				t.Errorf("selected providers = %q, want %q", selected, tt.selected)
			}
			if got := attr(d.byID("field-name"), "value"); got != "Slack events" {
				t.Errorf("name value = %q, want it sent back", got)
			}
		})
	}
}

func TestWebhookErrorsSitBesideTheirFields(t *testing.T) {
	for _, field := range []string{"name", "provider"} {
		t.Run("the "+field+" error is beside its field", func(t *testing.T) {
			msg := "Something is wrong with the " + field + "."
			d := renderWebhooks(t, views.WebhooksView{Providers: testWebhookProviders(), Form: views.WebhookEndpointForm{Errors: views.FormErrors{field: msg}}})
			help := d.byID("field-" + field + "-help")
			if help == nil || text(help) != msg || !strings.Contains(attr(help, "class"), "field-error") {
				t.Fatalf("the error %q is not beside the field", msg)
			}
			control := d.byID("field-" + field)
			if attr(control, "aria-invalid") != "true" || attr(control, "aria-describedby") != "field-"+field+"-help" {
				t.Errorf("the %s control is not marked invalid and described by its error", field)
			}
			for _, other := range []string{"field-name", "field-provider"} {
				if other != "field-"+field && hasAttr(d.byID(other), "aria-invalid") {
					t.Errorf("%s is marked invalid too", other)
				}
			}
			if alerts := d.all(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "alert-error") }); len(alerts) != 0 {
				t.Errorf("a field error is shown as a form error too: %v", alerts)
			}
		})
	}
	t.Run("a whole-form error is shown in the form", func(t *testing.T) {
		d := renderWebhooks(t, views.WebhooksView{Form: views.WebhookEndpointForm{Errors: views.FormErrors{views.Form: "You have too many endpoints."}}})
		alerts := d.all(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "alert-error") })
		if len(alerts) != 1 || text(alerts[0]) != "You have too many endpoints." || enclosingForm(alerts[0]) == nil {
			t.Errorf("form errors = %v", alerts)
		}
	})
}
