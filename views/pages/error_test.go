package pages

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestErrorPage(t *testing.T) {
	p := signedOut(t)
	d := render(t, context.Background(), Error(p, http.StatusNotFound, "Page not found", hostile, "req-7f3a9c"))
	if got := d.title(); got != "Page not found · Rampart" {
		t.Errorf("title = %q", got)
	}
	body := text(d.tags("main")[0])
	for _, want := range []string{"404", "Page not found", hostile, "req-7f3a9c"} {
		if !strings.Contains(body, want) {
			t.Errorf("error page text %q does not show %q", body, want)
		}
	}
	if id := d.byID("request-id"); id == nil || text(id) != "req-7f3a9c" {
		t.Error("request id is not in the #request-id element")
	}
	if strings.Contains(d.raw, hostile) {
		t.Error("hostile message was not escaped")
	}
	if len(d.links("/")) == 0 {
		t.Error("error page has no link home")
	}
}

func TestErrorPageEscapesEveryInput(t *testing.T) {
	d := render(t, context.Background(), Error(signedOut(t), 500, hostile, hostile, hostile))
	if strings.Contains(d.raw, hostile) {
		t.Error("an input reached the page unescaped")
	}
	for _, s := range d.tags("script") {
		if attr(s, "src") == "" {
			t.Error("hostile input produced a script element")
		}
	}
}

func TestErrorPageDefaults(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		wantStatus  string
		wantTitle   string
		wantMessage string
	}{
		{"a 404 without words gets friendly ones", 404, "404", "Page not found", "couldn't find that page"},
		{"a 500 says nothing about internals", 500, "500", "Something went wrong", "on our side"},
		{"a 429 asks to wait", 429, "429", "Slow down a little", "wait a moment"},
		{"a status below 400 is shown as 500", 200, "500", "Something went wrong", "on our side"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := render(t, context.Background(), Error(signedOut(t), tt.status, "", "", ""))
			main := text(d.tags("main")[0])
			for _, want := range []string{"Error " + tt.wantStatus, tt.wantTitle, tt.wantMessage} {
				if !strings.Contains(main, want) {
					t.Errorf("page text %q lacks %q", main, want)
				}
			}
			if d.byID("request-id") != nil {
				t.Error("empty request id is shown")
			}
		})
	}
}
