package pages

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// checkPageIsSafe checks what a strict Content-Security-Policy and
// assistive technology need of a signed-in page, and that hostile text was
// escaped and currentNav is the one nav item marked current.
func checkPageIsSafe(t *testing.T, d doc, currentNav string) {
	t.Helper()
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
	for _, in := range append(d.tags("input"), d.tags("select")...) {
		if attr(in, "type") != "hidden" && !labels[attr(in, "id")] {
			t.Errorf("<%s name=%s> (id %q) has no label", in.Data, attr(in, "name"), attr(in, "id"))
		}
	}
	for _, f := range d.tags("form") {
		if strings.EqualFold(attr(f, "method"), "post") && !formHasCSRF(f, "tok-123") {
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
	for _, n := range d.all(func(n *html.Node) bool { return hasAttr(n, "aria-describedby") || hasAttr(n, "aria-labelledby") }) {
		for _, key := range []string{"aria-describedby", "aria-labelledby"} {
			if id := attr(n, key); id != "" && d.byID(id) == nil {
				t.Errorf("<%s> %s %q, which is not on the page", n.Data, key, id)
			}
		}
	}
	if got := d.currentNav(); !slices.Equal(got, []string{currentNav}) {
		t.Errorf("aria-current nav items = %v, want [%s]", got, currentNav)
	}
}
