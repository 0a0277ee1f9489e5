package pages

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/views"
)

// testHostileBody would end the code element and run a script if it were
// not escaped.
const testHostileBody = "{\n  \"note\": \"</code></pre><script>alert(1)</script>\",\n  \"long\": \"" +
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n}"

func renderDelivery(t *testing.T, v views.WebhookDeliveryView) doc {
	t.Helper()
	p := signedIn(t, views.CurrentUser{Email: "ada@example.com", EmailVerified: true})
	p.Path = v.Delivery.DetailHref
	return render(t, context.Background(), WebhookDelivery(p, v))
}

func testDeliveryView(body string) views.WebhookDeliveryView {
	return views.WebhookDeliveryView{
		Endpoint: testWebhookEndpoint(),
		Delivery: testDeliveryRows()[1],
		Headers: []views.WebhookHeader{
			{Name: "Content-Type", Value: "application/json"},
			{Name: "Stripe-Signature", Value: "[redacted]"},
			{Name: "X-Note", Value: hostile},
		},
		Body: body,
	}
}

func TestWebhookDeliveryPageIsAccessibleAndSafe(t *testing.T) {
	hostileEndpoint := testWebhookRows()[2]
	details := map[string]views.WebhookDeliveryView{
		"hostile body":   testDeliveryView(testHostileBody),
		"empty body":     {Endpoint: testWebhookEndpoint(), Delivery: testDeliveryRows()[0]},
		"hostile extras": {Endpoint: hostileEndpoint, Delivery: testDeliveryRows()[2], Body: hostile},
	}
	for name, v := range details {
		t.Run(name, func(t *testing.T) {
			checkPageIsSafe(t, renderDelivery(t, v), "Webhooks")
		})
	}
}

func TestWebhookDeliveryDetails(t *testing.T) {
	v := testDeliveryView(testHostileBody)
	d := renderDelivery(t, v)
	body := d.byID("delivery-body")
	if body == nil || body.Data != "code" || body.Parent.Data != "pre" || !strings.Contains(attr(body.Parent, "class"), "delivery-body") {
		t.Fatalf("no <pre class=delivery-body><code id=delivery-body>")
	}
	if got := rawText(body); got != testHostileBody {
		t.Errorf("body = %q, want exactly %q", got, testHostileBody)
	}
	if c := body.FirstChild; c == nil || c.Type != html.TextNode || c.NextSibling != nil {
		t.Error("the body is not a single text node: markup inside it was not escaped")
	}
	if n := len(d.all(func(n *html.Node) bool { return n.Data == "script" && attr(n, "src") == "" })); n != 0 {
		t.Errorf("%d inline scripts: the body is not inert", n)
	}
	headers := d.byID("delivery-headers")
	if headers == nil {
		t.Fatal("no headers table")
	}
	var rows [][2]string
	for tr := range headers.Descendants() {
		if tr.Type == html.ElementNode && tr.Data == "tr" && tr.Parent.Data == "tbody" {
			var code string
			for c := range tr.Descendants() {
				if c.Type == html.ElementNode && c.Data == "code" {
					code = rawText(c)
				}
			}
			rows = append(rows, [2]string{text(tr.FirstChild), code})
		}
	}
	want := [][2]string{{"Content-Type", "application/json"}, {"Stripe-Signature", "[redacted]"}, {"X-Note", hostile}}
	if len(rows) != len(want) {
		t.Fatalf("header rows = %q, want %q", rows, want)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("header %d = %q, want %q", i, rows[i], want[i])
		}
	}
	got := facts(d.byID("delivery-facts"))
	wantFacts := map[string]string{
		"Delivery ID": hostile, "Event": hostile, "Status": "failed", "Attempts": "3",
		"Received": "1 Mar 2026, 12:30 UTC", "Processed": "—", "Last error": v.Delivery.LastError,
	}
	for k, w := range wantFacts {
		if got[k] != strings.Join(strings.Fields(w), " ") {
			t.Errorf("fact %s = %q, want %q", k, got[k], w)
		}
	}
	checkReplayForm(t, d, formPostingTo(d, v.Delivery.DetailHref+"/replay"), v.Delivery)
	if !linksTo(d.root, v.Endpoint.DeliveriesHref) {
		t.Error("no link back to the endpoint's page")
	}
}

func TestWebhookDeliveryWithoutBodyOrHeaders(t *testing.T) {
	d := renderDelivery(t, views.WebhookDeliveryView{Endpoint: testWebhookEndpoint(), Delivery: testDeliveryRows()[0]})
	if body := d.byID("delivery-body"); body == nil || rawText(body) != "" {
		t.Errorf("delivery-body = %v, want empty", body)
	}
	for _, id := range []string{"delivery-body-empty", "delivery-headers-empty"} {
		if d.byID(id) == nil {
			t.Errorf("no %s", id)
		}
	}
	if d.byID("delivery-headers") != nil {
		t.Error("an empty headers table is shown")
	}
	if got := facts(d.byID("delivery-facts"))["Last error"]; got != "None" {
		t.Errorf("Last error = %q, want None", got)
	}
}

// facts maps each term of a description list to the text of its description.
func facts(dl *html.Node) map[string]string {
	out := map[string]string{}
	var term string
	for c := dl.FirstChild; c != nil; c = c.NextSibling {
		switch {
		case c.Type != html.ElementNode:
		case c.Data == "dt":
			term = text(c)
		case c.Data == "dd":
			out[term] = text(c)
		}
	}
	return out
}
