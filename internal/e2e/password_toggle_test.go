package e2e

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPasswordFieldsShowAndHide: every password field gets a Show/Hide
// button that switches what is typed between hidden and visible, and the
// field is a password field again when its form is sent.
func TestPasswordFieldsShowAndHide(t *testing.T) {
	s := startServer(t)
	tb := newTab(t, s)
	if status := tb.open("/login"); status != http.StatusOK {
		t.Fatalf("GET /login = %d", status)
	}
	fieldType := func() string {
		return run(tb, "read the password field's type", chromedp.Evaluate[string](`document.getElementById("field-password").type`))
	}
	if n := tb.count(".password-toggle"); n != 1 {
		t.Fatalf("%d Show/Hide buttons on the login page, want 1", n)
	}
	tb.fill("field-password", "plum orbit kettle quasar")
	tb.do("show the password", chromedp.Click(chromedp.CSS(".password-toggle"), chromedp.NodeVisible))
	if got, label := fieldType(), tb.text(".password-toggle"); got != "text" || label != "Hide" {
		t.Errorf("after Show: type %q, button %q; want text, Hide", got, label)
	}
	tb.do("hide it again", chromedp.Click(chromedp.CSS(".password-toggle"), chromedp.NodeVisible))
	if got, label := fieldType(), tb.text(".password-toggle"); got != "password" || label != "Show" {
		t.Errorf("after Hide: type %q, button %q; want password, Show", got, label)
	}
	if got := tb.value("field-password"); got != "plum orbit kettle quasar" {
		t.Errorf("the field lost what was typed: %q", got)
	}
	tb.do("show it before sending", chromedp.Click(chromedp.CSS(".password-toggle"), chromedp.NodeVisible))
	tb.fill("field-email", "nobody@example.com")
	tb.submit("#login-form")
	if got := fieldType(); got != "password" {
		t.Errorf("the refused form came back with a %q field, want password", got)
	}
}
