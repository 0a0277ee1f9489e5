package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/mail"
	mailviews "github.com/rampart-dev/rampart/views/mail"
)

const resetURL = "https://app.example.com/password/reset?token=abc&sig=def"

func TestActionEmailHasBothPartsWithTheLink(t *testing.T) {
	m, err := mail.ActionEmail("ada@example.com", "Reset your password",
		"Someone asked to reset the password of your account.\n\nIf it was you, choose a new one.",
		"Choose a new password", resetURL, "The link works once, for one hour.")
	if err != nil {
		t.Fatalf("ActionEmail: %v", err)
	}
	if m.To != "ada@example.com" || m.Subject != "Reset your password" {
		t.Errorf("To, Subject = %q, %q", m.To, m.Subject)
	}
	for _, want := range []string{
		"Hello,\n\nSomeone asked to reset the password of your account.\n\nIf it was you, choose a new one.\n\n",
		"Choose a new password:\n" + resetURL + "\n",
		"The link works once, for one hour.",
		mailviews.IgnoreNotice,
	} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text body lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "<") {
		t.Errorf("text body contains markup:\n%s", m.Text)
	}
	if !strings.HasPrefix(strings.ToLower(m.HTML), "<!doctype html>") {
		t.Errorf("HTML body does not start with a doctype:\n%s", m.HTML)
	}
	escapedURL := strings.ReplaceAll(resetURL, "&", "&amp;")
	for _, want := range []string{
		`<a href="` + escapedURL + `"`,
		">Choose a new password</a>",
		">" + escapedURL + "</a>",
		"<p style=\"margin:0 0 16px\">If it was you, choose a new one.</p>",
		"If you didn&#39;t ask for this, ignore this email.",
	} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML body lacks %q:\n%s", want, m.HTML)
		}
	}
	if n := strings.Count(m.HTML, `href="`+escapedURL+`"`); n != 2 {
		t.Errorf("HTML has the link %d times, want 2 (button and plain fallback)", n)
	}
}

func TestActionEmailEscapesItsInputs(t *testing.T) {
	m, err := mail.ActionEmail("ada@example.com", "Hi <b>there</b>", "<script>alert(1)</script>",
		`"><img src=x onerror=alert(1)>`, resetURL, "")
	if err != nil {
		t.Fatalf("ActionEmail: %v", err)
	}
	for _, bad := range []string{"<script>", "<img", "<b>"} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("HTML contains unescaped %q", bad)
		}
	}
}

func TestActionEmailRefusesBadInput(t *testing.T) {
	cases := []struct {
		name, to, subject, label, url string
	}{
		{"a javascript: link is refused", "ada@example.com", "S", "Go", "javascript:alert(1)"},
		{"a relative link is refused: links are built from APP_BASE_URL", "ada@example.com", "S", "Go", "/password/reset?t=1"},
		{"a link without a host is refused", "ada@example.com", "S", "Go", "https:///reset"},
		{"a link with a line break is refused", "ada@example.com", "S", "Go", "https://a.example/\r\nx"},
		{"an empty label is refused", "ada@example.com", "S", " ", resetURL},
		{"a subject with a line break is refused", "ada@example.com", "S\r\nBcc: x@y.z", "Go", resetURL},
		{"a recipient with a display name is refused", "Ada <ada@example.com>", "S", "Go", resetURL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mail.ActionEmail(tc.to, tc.subject, "intro", tc.label, tc.url, "")
			if !errors.Is(err, mail.ErrInvalidMessage) {
				t.Fatalf("ActionEmail = %v, want ErrInvalidMessage", err)
			}
		})
	}
}

func TestRenderRendersAComponent(t *testing.T) {
	html, err := mail.Render(context.Background(), mailviews.ActionEmail(mailviews.Action{
		Title: "T", Intro: []string{"one", "two"}, ActionLabel: "Go", ActionURL: resetURL,
	}))
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if !strings.Contains(html, "<title>T</title>") || !strings.Contains(html, ">one</p>") || !strings.Contains(html, ">two</p>") {
		t.Errorf("unexpected HTML:\n%s", html)
	}
}
