package components

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/rampart-dev/rampart/views"
)

func renderString(t *testing.T, c templ.Component) string {
	t.Helper()
	var b strings.Builder
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return b.String()
}

// withText gives a component children that are the escaped text s.
func withText(c templ.Component, s string) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return c.Render(templ.WithChildren(ctx, templ.Raw(templ.EscapeString(s))), w)
	})
}

func TestComponents(t *testing.T) {
	tests := []struct {
		name string
		c    templ.Component
		want []string
		not  []string
	}{
		{
			name: "CSRFField is a hidden csrf_token input with the escaped token",
			c:    CSRFField(`a"b<c`),
			want: []string{`<input type="hidden" name="csrf_token" value="a&#34;b&lt;c">`},
		},
		{
			name: "PostButton posts to its action with the token",
			c:    PostButton("/account/sessions/7/revoke", "tok", "Revoke", Danger),
			want: []string{`<form method="post" action="/account/sessions/7/revoke"`, `name="csrf_token" value="tok"`, `<button type="submit" class="danger">Revoke</button>`},
		},
		{
			name: "Button of an unknown variant looks primary",
			c:    Button("Save", Variant("bogus\" onclick=\"x")),
			want: []string{`<button type="submit">Save</button>`},
			not:  []string{"onclick", "bogus"},
		},
		{
			name: "LinkButton refuses javascript: URLs",
			c:    LinkButton("javascript:alert(1)", "Go", Secondary),
			want: []string{`role="button"`, `class="secondary"`},
			not:  []string{"javascript:"},
		},
		{
			name: "Card shows its title as a heading",
			c:    withText(Card("Profile"), "body"),
			want: []string{`<article class="card"><header><h2>Profile</h2></header>body</article>`},
		},
		{
			name: "Card without a title has no header",
			c:    withText(Card(""), "body"),
			want: []string{`<article class="card">body</article>`},
		},
		{
			name: "Alert for an error is announced at once",
			c:    withText(Alert(views.FlashError), "Nope"),
			want: []string{`class="alert alert-error"`, `role="alert"`, "Nope"},
		},
		{
			name: "Alert for success is announced politely",
			c:    withText(Alert(views.FlashSuccess), "Done"),
			want: []string{`class="alert alert-success"`, `role="status"`},
		},
		{
			name: "Flashes renders nothing without flashes",
			c:    Flashes(nil),
			not:  []string{"<div"},
		},
		{
			name: "Flashes escapes messages",
			c:    Flashes([]views.Flash{{Kind: views.FlashWarning, Message: "<b>hi</b>"}}),
			want: []string{`class="alert alert-warning"`, "&lt;b&gt;hi&lt;/b&gt;"},
			not:  []string{"<b>"},
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
