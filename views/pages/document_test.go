package pages

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"golang.org/x/net/html"

	"github.com/rampart-dev/rampart/views"
)

// TestPagesAreCSPSafe renders every page in every state and checks what a
// strict Content-Security-Policy (nonce scripts, no inline styles) needs.
func TestPagesAreCSPSafe(t *testing.T) {
	assets := newAssets(t)
	in := signedIn(t, views.CurrentUser{Email: "ada@example.com", IsAdmin: true})
	in.Flashes = []views.Flash{{Kind: "success", Message: "Hi"}}
	pages := map[string]templ.Component{
		"landing signed out": Landing(signedOut(t)),
		"landing signed in":  Landing(in),
		"error signed out":   Error(signedOut(t), 404, "", "", "rid"),
		"error signed in":    Error(in, 500, "", "", "rid"),
	}
	hashed := regexp.MustCompile(`^/static/[a-z0-9/.-]+\.[0-9a-f]{10}\.[a-z]+$`)
	for name, c := range pages {
		t.Run(name, func(t *testing.T) {
			d := render(t, context.Background(), c)
			if !strings.HasPrefix(d.raw, "<!doctype html>") && !strings.HasPrefix(d.raw, "<!DOCTYPE html>") {
				t.Error("page does not start with a doctype")
			}
			for _, s := range d.tags("script") {
				if attr(s, "src") == "" || text(s) != "" {
					t.Errorf("inline script: %v", s.Attr)
				}
				if !hasAttr(s, "defer") {
					t.Errorf("script %s is not deferred", attr(s, "src"))
				}
			}
			if styles := d.tags("style"); len(styles) != 0 {
				t.Errorf("found %d <style> elements", len(styles))
			}
			for _, n := range d.all(func(*html.Node) bool { return true }) {
				for _, a := range n.Attr {
					if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
						t.Errorf("<%s> has a %s attribute", n.Data, a.Key)
					}
					if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(a.Val), "javascript:") {
						t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
					}
				}
			}
			var urls []string
			for _, l := range d.tags("link") {
				urls = append(urls, attr(l, "href"))
			}
			for _, s := range d.tags("script") {
				urls = append(urls, attr(s, "src"))
			}
			if len(urls) < 4 {
				t.Errorf("found %d asset URLs, want stylesheets, icon and script", len(urls))
			}
			for _, u := range urls {
				if !hashed.MatchString(u) {
					t.Errorf("asset URL %q is not content-hashed", u)
					continue
				}
				rec := httptest.NewRecorder()
				assets.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
				if rec.Code != http.StatusOK {
					t.Errorf("GET %s = %d, want 200", u, rec.Code)
				}
			}
		})
	}
}

func TestDocumentHead(t *testing.T) {
	d := render(t, context.Background(), Landing(signedOut(t)))
	if htmls := d.tags("html"); attr(htmls[0], "lang") != "en" {
		t.Error(`<html> lacks lang="en"`)
	}
	metas := map[string]string{}
	for _, m := range d.tags("meta") {
		if hasAttr(m, "charset") {
			metas["charset"] = strings.ToLower(attr(m, "charset"))
		} else {
			metas[attr(m, "name")] = attr(m, "content")
		}
	}
	if metas["charset"] != "utf-8" || metas["viewport"] == "" || metas["color-scheme"] != "light dark" {
		t.Errorf("meta tags = %v", metas)
	}
	if got := d.links("#main"); len(got) != 1 {
		t.Errorf("skip links = %v, want one to #main", got)
	}
}

func TestScriptCarriesNonceFromContext(t *testing.T) {
	ctx := templ.WithNonce(context.Background(), "n0nce-abc")
	d := render(t, ctx, Landing(signedOut(t)))
	for _, s := range d.tags("script") {
		if attr(s, "nonce") != "n0nce-abc" {
			t.Errorf("script %s has nonce %q, want the context's", attr(s, "src"), attr(s, "nonce"))
		}
	}
	for _, s := range render(t, context.Background(), Landing(signedOut(t))).tags("script") {
		if hasAttr(s, "nonce") {
			t.Error("script has a nonce attribute although the context has none")
		}
	}
}

func TestNilAssetsDoNotPanic(t *testing.T) {
	d := render(t, context.Background(), Landing(views.Page{}))
	if !strings.Contains(d.raw, `href="/static/css/app.css"`) {
		t.Error("without Assets the stylesheet should fall back to its unhashed path")
	}
}
