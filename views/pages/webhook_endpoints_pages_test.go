package pages

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/views"
)

func TestWebhookEndpointRows(t *testing.T) {
	rows := testWebhookRows()
	d := renderWebhooks(t, views.WebhooksView{Endpoints: rows})
	if d.byID("webhooks-empty") != nil {
		t.Error("the empty state is shown beside endpoints")
	}
	table := d.byID("webhook-endpoints")
	if table == nil || table.Data != "table" || !strings.Contains(attr(table.Parent, "class"), "table-scroll") {
		t.Fatalf("no table id=webhook-endpoints in a scrolling wrapper")
	}
	trs := d.all(func(n *html.Node) bool { return hasAttr(n, "data-endpoint-id") })
	if len(trs) != len(rows) {
		t.Fatalf("%d rows with data-endpoint-id, want %d", len(trs), len(rows))
	}
	tests := []struct {
		name               string
		wants, doesNotHave []string
		toggle             string
	}{
		{"an active endpoint in rotation shows when the old secret stops working", []string{"Stripe payments", "Stripe", testWebhookURL, "42", "Active", "Rotating until 1 Mar 2026, 12:30 UTC"}, []string{"Never", "Disabled"}, "disable"},
		{"a disabled endpoint that never received anything can be enabled", []string{"GitHub pushes", "0", "Never", "Disabled"}, []string{"Active", "Rotating"}, "enable"},
		{"an endpoint with hostile text still has its forms", []string{hostile, "1", "Active"}, []string{"Never", "Rotating"}, "disable"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, e := trs[i], rows[i]
			if got := attr(tr, "data-endpoint-id"); got != e.ID {
				t.Fatalf("row %d is endpoint %q, want %q", i, got, e.ID)
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
			if !linksTo(tr, e.DeliveriesHref) {
				t.Errorf("row does not link to %s", e.DeliveriesHref)
			}
			checkEndpointForms(t, d, tr, e.ID, tt.toggle)
		})
	}
}

// checkEndpointForms checks that the row has exactly the rotate, toggle
// and delete forms, each with its token, button and question.
func checkEndpointForms(t *testing.T, d doc, tr *html.Node, id, toggle string) {
	t.Helper()
	want := []struct{ action, button, confirm, class string }{
		{"rotate", "Rotate secret", "Rotate this endpoint's secret? The old one keeps working for 24 hours.", "secondary"},
		{"enable", "Enable", "", "secondary"},
		{"disable", "Disable", "Deliveries sent to it are refused", "secondary"},
		{"delete", "Delete", "Delete this endpoint and all its deliveries?", "danger"},
	}
	var actions []string
	for n := range tr.Descendants() {
		if n.Type == html.ElementNode && n.Data == "form" {
			actions = append(actions, attr(n, "action"))
		}
	}
	prefix := "/account/webhooks/" + id + "/"
	if got, w := actions, []string{prefix + "rotate", prefix + toggle, prefix + "delete"}; !slices.Equal(got, w) {
		t.Fatalf("row forms = %q, want %q", got, w)
	}
	for _, w := range want {
		if (w.action == "enable" || w.action == "disable") && w.action != toggle {
			continue
		}
		f := formPostingTo(d, prefix+w.action)
		if f == nil {
			t.Errorf("no POST form for %s", w.action)
			continue
		}
		if !formHasCSRF(f, "tok-123") {
			t.Errorf("%s form has no csrf_token", w.action)
		}
		if got := attr(f, "data-confirm"); (w.confirm == "" && hasAttr(f, "data-confirm")) || !strings.Contains(got, w.confirm) {
			t.Errorf("%s form data-confirm = %q, want %q", w.action, got, w.confirm)
		}
		buttons := d.all(func(n *html.Node) bool { return n.Data == "button" && enclosingForm(n) == f })
		if len(buttons) != 1 || text(buttons[0]) != w.button || !strings.Contains(attr(buttons[0], "class"), w.class) {
			t.Errorf("%s button = %v, want one %s button %q", w.action, buttons, w.class, w.button)
		}
	}
}

func TestWebhooksEmptyState(t *testing.T) {
	d := renderWebhooks(t, views.WebhooksView{Providers: testWebhookProviders()})
	empty := d.byID("webhooks-empty")
	if empty == nil || !strings.Contains(text(empty), "No endpoints yet") {
		t.Errorf("empty state = %v, want No endpoints yet", empty)
	}
	if d.byID("webhook-endpoints") != nil {
		t.Error("an empty table is shown")
	}
	if forms := d.all(func(n *html.Node) bool {
		return n.Data == "form" && attr(n, "action") != "/account/webhooks" && attr(n, "action") != "/logout"
	}); len(forms) != 0 {
		t.Errorf("%d endpoint forms with no endpoints", len(forms))
	}
}

func TestWebhooksSudoHint(t *testing.T) {
	if d := renderWebhooks(t, views.WebhooksView{}); d.byID("sudo-hint") == nil || enclosingForm(d.byID("sudo-hint")) == nil {
		t.Error("no password-confirmation hint in the form without a recent confirmation")
	}
	if d := renderWebhooks(t, views.WebhooksView{SudoUntil: testWebhookTime}); d.byID("sudo-hint") != nil {
		t.Error("password-confirmation hint shown within sudo mode")
	}
}
