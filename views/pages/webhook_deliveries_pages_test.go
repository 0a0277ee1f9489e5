package pages

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/views"
)

// quoted is a provider delivery id that would break out of an attribute
// that was not escaped.
const quoted = `evt_"1' onmouseover="alert(1)" &amp;`

func testWebhookEndpoint() views.WebhookEndpointRow {
	return testWebhookRows()[0]
}

// testDeliveryRows are one delivery in each status; their provider ids are
// plain, hostile and full of quotes.
func testDeliveryRows() []views.WebhookDeliveryRow {
	ts := testWebhookTime
	base := testWebhookEndpoint().DeliveriesHref + "/deliveries/"
	return []views.WebhookDeliveryRow{
		{ID: "d1", DeliveryID: "evt_1NqXyZ2eZvKYlo2C", EventType: "invoice.paid", Status: "processed", Attempts: 1, Received: ts, Processed: ts, DetailHref: base + "d1"},
		{ID: "d2", DeliveryID: hostile, EventType: hostile, Status: "failed", Attempts: 3, Received: ts, LastError: hostile + strings.Repeat(" very long error", 20), DetailHref: base + "d2"},
		{ID: "d3", DeliveryID: quoted, EventType: "push", Status: "processing", Attempts: 2, Received: ts, DetailHref: base + "d3"},
		{ID: "d4", DeliveryID: "72d3162e-cc78-11e3-81ab-4c9367dc0958", Status: "received", Received: ts, DetailHref: base + "d4"},
	}
}

var testDeliveryStatuses = []string{"received", "processing", "processed", "failed"}

func renderDeliveries(t *testing.T, v views.WebhookDeliveriesView) doc {
	t.Helper()
	p := signedIn(t, views.CurrentUser{Email: "ada@example.com", EmailVerified: true})
	p.Path = v.Endpoint.DeliveriesHref
	return render(t, context.Background(), WebhookDeliveries(p, v))
}

func TestWebhookDeliveriesPageIsAccessibleAndSafe(t *testing.T) {
	hostileEndpoint := testWebhookRows()[2]
	deliveries := map[string]views.WebhookDeliveriesView{
		"no deliveries":       {Endpoint: testWebhookEndpoint(), Statuses: testDeliveryStatuses},
		"deliveries":          {Endpoint: testWebhookEndpoint(), Deliveries: testDeliveryRows(), Statuses: testDeliveryStatuses},
		"filtered":            {Endpoint: testWebhookEndpoint(), Deliveries: testDeliveryRows()[1:2], Status: "failed", Statuses: testDeliveryStatuses},
		"hostile endpoint":    {Endpoint: hostileEndpoint, Deliveries: testDeliveryRows(), Status: hostile, Statuses: []string{hostile}},
		"disabled, no filter": {Endpoint: testWebhookRows()[1]},
	}
	for name, v := range deliveries {
		t.Run(name, func(t *testing.T) {
			checkPageIsSafe(t, renderDeliveries(t, v), "Webhooks")
		})
	}
}

func TestWebhookDeliveryRows(t *testing.T) {
	rows := testDeliveryRows()
	d := renderDeliveries(t, views.WebhookDeliveriesView{Endpoint: testWebhookEndpoint(), Deliveries: rows, Statuses: testDeliveryStatuses})
	if d.byID("deliveries-empty") != nil {
		t.Error("the empty state is shown beside deliveries")
	}
	table := d.byID("webhook-deliveries")
	if table == nil || table.Data != "table" || !strings.Contains(attr(table.Parent, "class"), "table-scroll") {
		t.Fatalf("no table id=webhook-deliveries in a scrolling wrapper")
	}
	trs := d.all(func(n *html.Node) bool { return hasAttr(n, "data-delivery-id") })
	if len(trs) != len(rows) {
		t.Fatalf("%d elements with data-delivery-id, want %d", len(trs), len(rows))
	}
	badges := map[string]string{"processed": "badge-success", "failed": "badge-error", "processing": "badge-warning", "received": "badge-neutral"}
	for i, r := range rows {
		t.Run("the "+r.Status+" delivery carries the provider's id exactly", func(t *testing.T) {
			tr := trs[i]
			if tr.Data != "tr" || attr(tr, "data-delivery-id") != r.DeliveryID {
				t.Fatalf("element %d: <%s data-delivery-id=%q>, want <tr> with %q", i, tr.Data, attr(tr, "data-delivery-id"), r.DeliveryID)
			}
			var code, badge *html.Node
			for n := range tr.Descendants() {
				if n.Type == html.ElementNode && n.Data == "code" && code == nil {
					code = n
				}
				if n.Type == html.ElementNode && strings.Contains(attr(n, "class"), "badge") && badge == nil {
					badge = n
				}
			}
			if code == nil || rawText(code) != r.DeliveryID {
				t.Errorf("the row's code is %v, want the provider's id %q", code, r.DeliveryID)
			}
			if badge == nil || text(badge) != r.Status || !strings.Contains(attr(badge, "class"), badges[r.Status]) {
				t.Errorf("status badge = %v, want %s with %s", badge, r.Status, badges[r.Status])
			}
			if !linksTo(tr, r.DetailHref) {
				t.Errorf("row does not link to %s", r.DetailHref)
			}
			var forms []*html.Node
			for n := range tr.Descendants() {
				if n.Type == html.ElementNode && n.Data == "form" {
					forms = append(forms, n)
				}
			}
			if len(forms) != 1 {
				t.Fatalf("%d forms in the row, want the replay form", len(forms))
			}
			checkReplayForm(t, d, forms[0], r)
		})
	}
	t.Run("each row shows event, id, status, attempts, received and processed", func(t *testing.T) {
		const at = "1 Mar 2026, 12:30 UTC"
		want := [][]string{
			{"invoice.paid", "evt_1NqXyZ2eZvKYlo2C", "processed", "1", at, at},
			{hostile, hostile, "failed", "3", at, "—"},
			{"push", quoted, "processing", "2", at, "—"},
			{"—", "72d3162e-cc78-11e3-81ab-4c9367dc0958", "received", "0", at, "—"},
		}
		for i, tr := range trs {
			if got := cells(tr); len(got) < 6 || strings.Join(got[:6], "|") != strings.Join(want[i], "|") {
				t.Errorf("row %d cells = %q, want %q first", i, got, want[i])
			}
		}
	})
	t.Run("the last error is muted and truncatable", func(t *testing.T) {
		errs := d.all(func(n *html.Node) bool { return strings.Contains(attr(n, "class"), "delivery-error") })
		if len(errs) != 1 || rawText(errs[0]) != rows[1].LastError || !strings.Contains(attr(errs[0], "class"), "muted") {
			t.Errorf("last errors = %v, want one muted with the whole error", errs)
		}
	})
}

// checkReplayForm checks a delivery's replay form: a POST to the detail
// page's URL plus /replay (our id, not the provider's), with token and
// question.
func checkReplayForm(t *testing.T, d doc, f *html.Node, r views.WebhookDeliveryRow) {
	t.Helper()
	want := "/account/webhooks/11111111-1111-1111-1111-111111111111/deliveries/" + r.ID + "/replay"
	if f == nil || !strings.EqualFold(attr(f, "method"), "post") || attr(f, "action") != want {
		t.Fatalf("replay form = %v, want a POST to %s", f, want)
	}
	if !formHasCSRF(f, "tok-123") {
		t.Error("replay form has no csrf_token")
	}
	if got := attr(f, "data-confirm"); got != "Process this delivery again?" {
		t.Errorf("replay data-confirm = %q", got)
	}
	buttons := d.all(func(n *html.Node) bool { return n.Data == "button" && enclosingForm(n) == f })
	if len(buttons) != 1 || text(buttons[0]) != "Replay" || !strings.Contains(attr(buttons[0], "class"), "secondary") {
		t.Errorf("replay button = %v, want one secondary button Replay", buttons)
	}
}

func TestWebhookDeliveriesHead(t *testing.T) {
	e := testWebhookEndpoint()
	d := renderDeliveries(t, views.WebhookDeliveriesView{Endpoint: e})
	if h1 := d.tags("h1"); len(h1) != 1 || text(h1[0]) != e.Name {
		t.Errorf("h1 = %v, want %q", h1, e.Name)
	}
	if url := d.byID("endpoint-url"); url == nil || url.Data != "code" || rawText(url) != e.URL {
		t.Errorf("endpoint URL = %v, want %q in code", url, e.URL)
	}
	if !strings.Contains(text(d.root), "Stripe") {
		t.Error("the provider is not shown")
	}
	if got := d.links("/account/webhooks"); len(got) < 2 {
		t.Errorf("links to /account/webhooks = %v, want the nav's and a way back", got)
	}
}

func TestWebhookDeliveriesFilter(t *testing.T) {
	tests := []struct {
		name, status, selected string
	}{
		{"no filter selects All", "", ""},
		{"the chosen status is selected", "failed", "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testWebhookEndpoint()
			d := renderDeliveries(t, views.WebhookDeliveriesView{Endpoint: e, Status: tt.status, Statuses: testDeliveryStatuses})
			sel := d.byID("delivery-status")
			if sel == nil || sel.Data != "select" || attr(sel, "name") != "status" {
				t.Fatalf("no select name=status")
			}
			form := enclosingForm(sel)
			if form == nil || !strings.EqualFold(attr(form, "method"), "get") || attr(form, "action") != e.DeliveriesHref {
				t.Fatalf("the filter is not in a GET form to %s", e.DeliveriesHref)
			}
			if got, want := optionValues(sel), append([]string{""}, testDeliveryStatuses...); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("status options = %q, want %q", got, want)
			}
			var selected []string
			for n := range sel.Descendants() {
				if n.Type == html.ElementNode && n.Data == "option" && hasAttr(n, "selected") {
					selected = append(selected, attr(n, "value"))
				}
			}
			if len(selected) != 1 || selected[0] != tt.selected {
				t.Errorf("selected = %q, want [%q]", selected, tt.selected)
			}
			buttons := d.all(func(n *html.Node) bool { return n.Data == "button" && enclosingForm(n) == form })
			if len(buttons) != 1 || text(buttons[0]) != "Filter" {
				t.Errorf("filter buttons = %v, want Filter", buttons)
			}
		})
	}
}

func TestWebhookDeliveriesEmptyState(t *testing.T) {
	tests := []struct{ name, status, want string }{
		{"no deliveries at all", "", "No deliveries yet. Once Stripe sends an event"},
		{"none with the chosen status", "failed", "No failed deliveries."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := renderDeliveries(t, views.WebhookDeliveriesView{Endpoint: testWebhookEndpoint(), Status: tt.status, Statuses: testDeliveryStatuses})
			empty := d.byID("deliveries-empty")
			if empty == nil || !strings.Contains(text(empty), tt.want) {
				t.Errorf("empty state = %v, want %q", empty, tt.want)
			}
			if d.byID("webhook-deliveries") != nil || len(d.all(func(n *html.Node) bool { return hasAttr(n, "data-delivery-id") })) != 0 {
				t.Error("an empty table is shown")
			}
		})
	}
}

// cells is the text of each cell of a table row.
func cells(tr *html.Node) []string {
	var out []string
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
			out = append(out, text(c))
		}
	}
	return out
}
