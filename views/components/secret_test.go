package components

import (
	"strings"
	"testing"

	"github.com/a-h/templ"
)

func TestSecretComponents(t *testing.T) {
	tests := []struct {
		name string
		c    templ.Component
		want []string
		not  []string
	}{
		{
			name: "SecretBox holds exactly the value in its code element",
			c:    SecretBox("totp-secret", "JBSWY3DPEHPK3PXP"),
			want: []string{`<code id="totp-secret">JBSWY3DPEHPK3PXP</code>`},
		},
		{
			name: "SecretBox has a hidden Copy button aimed at its code element",
			c:    SecretBox("totp-secret", "x"),
			want: []string{`<button type="button" class="secondary outline" data-copy="#totp-secret" hidden>Copy</button>`},
		},
		{
			name: "SecretBox escapes the value and the id",
			c:    SecretBox(`a"b`, `<script>alert(1)</script>`),
			want: []string{`id="a&#34;b"`, `data-copy="#a&#34;b"`, `&lt;script&gt;`},
			not:  []string{"<script>"},
		},
		{
			name: "CopyButton is not a submit button",
			c:    CopyButton("#recovery-codes", "Copy codes"),
			want: []string{`type="button"`, `data-copy="#recovery-codes"`, `hidden>Copy codes</button>`},
		},
		{
			name: "QRBox keeps a data:image/png URL and sizes the image",
			c:    QRBox("data:image/png;base64,iVBORw0KGgo+/=", "QR code"),
			want: []string{`<img src="data:image/png;base64,iVBORw0KGgo+/=" alt="QR code" width="256" height="256">`},
		},
		{
			name: "QRBox refuses a data:text/html URL",
			c:    QRBox("data:text/html,<script>alert(1)</script>", "QR code"),
			want: []string{`src="about:invalid#TemplFailedSanitizationURL"`},
			not:  []string{"data:", "<script>"},
		},
		{
			name: "QRBox refuses a javascript: URL",
			c:    QRBox("javascript:alert(1)", "QR code"),
			want: []string{`src="about:invalid#TemplFailedSanitizationURL"`},
			not:  []string{"javascript:"},
		},
		{
			name: "QRBox escapes the alt text",
			c:    QRBox("data:image/png;base64,AA==", `"><script>`),
			want: []string{`alt="&#34;&gt;&lt;script&gt;"`},
			not:  []string{"<script>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderString(t, tt.c)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("output contains %q:\n%s", n, got)
				}
			}
		})
	}
}

func TestDataURL(t *testing.T) {
	tests := []struct {
		name  string
		url   string
		types []string
		ok    bool
	}{
		{"a PNG data URL of an allowed type passes", "data:image/png;base64,AAAA", []string{"image/png"}, true},
		{"the scheme and type are compared case-insensitively", "DATA:Image/PNG;base64,AAAA", []string{"image/png"}, true},
		{"a text/plain URL with a charset passes", "data:text/plain;charset=utf-8,a%0Ab", []string{"text/plain"}, true},
		{"a text/plain URL without parameters passes", "data:text/plain,abc", []string{"text/plain"}, true},
		{"a type that is not allowed is refused", "data:image/svg+xml;base64,AAAA", []string{"image/png"}, false},
		{"text/html is refused where text/plain is allowed", "data:text/html,<b>x</b>", []string{"text/plain"}, false},
		{"a data URL without a comma is refused", "data:image/png;base64", []string{"image/png"}, false},
		{"a data URL without a type is refused", "data:,abc", []string{"text/plain"}, false},
		{"a javascript URL is refused", "javascript:alert(1)", []string{"text/plain"}, false},
		{"an https URL is refused", "https://example.com/x.png", []string{"image/png"}, false},
		{"an empty string is refused", "", []string{"image/png"}, false},
		{"no allowed types refuses everything", "data:image/png;base64,AAAA", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DataURL(tt.url, tt.types...)
			if tt.ok && string(got) != tt.url {
				t.Errorf("DataURL(%q) = %q, want it unchanged", tt.url, got)
			}
			if !tt.ok && got != templ.FailedSanitizationURL {
				t.Errorf("DataURL(%q) = %q, want %q", tt.url, got, templ.FailedSanitizationURL)
			}
		})
	}
}

func TestFieldInputMode(t *testing.T) {
	got := renderString(t, Field(FieldSpec{Name: "code", Label: "Code", InputMode: "numeric", Autocomplete: "one-time-code"}))
	if !strings.Contains(got, `inputmode="numeric"`) || !strings.Contains(got, `autocomplete="one-time-code"`) {
		t.Errorf("field lacks inputmode or autocomplete:\n%s", got)
	}
	if got := renderString(t, Field(FieldSpec{Name: "email", Label: "Email"})); strings.Contains(got, "inputmode") {
		t.Errorf("field without InputMode has an inputmode attribute:\n%s", got)
	}
}
