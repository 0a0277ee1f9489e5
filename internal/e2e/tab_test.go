package e2e

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one browser step (a navigation, a click and the page it
// loads, a read). Generous: `make test` runs every package at once, with the
// race detector, on small machines.
const stepTimeout = 30 * time.Second

// tab is one browser tab in a fresh browser context of its own (like an
// incognito window): its own cookies and storage. It watches the page's
// console: a Content-Security-Policy violation (or any other error the
// browser logs as a security one) or an uncaught exception fails the test. JavaScript dialogs (data-confirm forms) are accepted and
// remembered. When the test fails, the page's screenshot and HTML are saved.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string // CSP violations and exceptions, not yet reported
	dialogs  []string // the messages of the dialogs accepted
}

// newTab opens a tab on s in a new browser context; it closes when t ends.
func newTab(t *testing.T, s *server) *tab {
	t.Helper()
	parent := sharedBrowser(t)
	tb := &tab{t: t, base: s.URL}
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext(), chromedp.WithListener(tb.listen))
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("open a tab: %v", err)
	}
	tb.ctx = ctx
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	var wg sync.WaitGroup
	wg.Go(func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, ev.Message)
			tb.mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	})
	t.Cleanup(func() {
		tb.check()
		if t.Failed() {
			tb.saveArtifacts()
		}
		cancel()
		wg.Wait()
	})
	return tb
}

// listen runs in the tab's event loop, in the order the browser sends
// events: it must return at once and send no command.
func (tb *tab) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = "JavaScript exception: " + d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			problem += " " + d.Exception.Description // with its stack
		} else {
			problem += fmt.Sprintf(" at %s:%d:%d", d.URL, d.LineNumber+1, d.ColumnNumber+1)
		}
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			if a.Value != nil {
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			} else {
				parts = append(parts, a.Description)
			}
		}
		if text := strings.Join(parts, " "); isCSPViolation(text) {
			problem = "console." + string(ev.Type) + ": " + text
		}
	case *log.EventEntryAdded:
		if e := ev.Entry; isCSPViolation(e.Text) || e.Source == log.EntrySourceSecurity {
			problem = fmt.Sprintf("browser log (%s, %s): %s %s", e.Source, e.Level, e.Text, e.URL)
		}
	}
	if problem != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, problem)
		tb.mu.Unlock()
	}
}

var cspRE = regexp.MustCompile(`(?i)content[ -]security[ -]policy`)

func isCSPViolation(text string) bool { return cspRE.MatchString(text) }

// check fails the test for every CSP violation or exception seen so far,
// with the page it happened on.
func (tb *tab) check() {
	tb.t.Helper()
	tb.mu.Lock()
	problems := tb.problems
	tb.problems = nil
	tb.mu.Unlock()
	for _, p := range problems {
		tb.t.Errorf("in the browser: %s", p)
	}
}

// acceptedDialogs returns the messages of the JavaScript dialogs accepted
// so far.
func (tb *tab) acceptedDialogs() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.dialogs...)
}

// do runs steps within stepTimeout, failing the test on an error, then
// reports what the console showed meanwhile.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	_ = run(tb, what, chromedp.Steps(steps...))
}

// run is do for one action with a value.
func run[T any](tb *tab, what string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	tb.check()
	if err != nil {
		tb.t.Fatalf("%s (on %s): %v", what, tb.location(), err)
	}
	return v
}

// open loads path and returns the HTTP status of the page.
func (tb *tab) open(path string) int64 {
	tb.t.Helper()
	res := run(tb, "open "+path, chromedp.NavigateResponse(tb.base+path))
	return res.Status
}

// openURL loads an absolute URL (a mailed link) and returns the status.
func (tb *tab) openURL(u string) int64 {
	tb.t.Helper()
	res := run(tb, "open "+u, chromedp.NavigateResponse(u))
	return res.Status
}

// click clicks the element sel (CSS) and waits for the page the click
// loads; it returns that page's HTTP status, after any redirects.
func (tb *tab) click(sel string) int64 {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	tb.check()
	if err != nil {
		tb.t.Fatalf("click %s (on %s): %v", sel, tb.location(), err)
	}
	return res.Status
}

// submit clicks the submit button of the form sel and returns the status of
// the page it leads to.
func (tb *tab) submit(form string) int64 {
	tb.t.Helper()
	return tb.click(form + ` button[type="submit"]`)
}

// fill puts value into the input with the given id, replacing what it
// held: it focuses the input and inserts the text as a paste or an input
// method would (typing it key by key costs ~25 ms a character).
func (tb *tab) fill(id, value string) {
	tb.t.Helper()
	insert := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: value})
		return err
	})
	tb.do("fill #"+id,
		chromedp.Clear(chromedp.ID(id), chromedp.NodeVisible),
		chromedp.Focus(chromedp.ID(id)),
		insert,
	)
	if got := tb.value(id); got != value {
		tb.t.Fatalf("#%s holds %q after filling in %q", id, got, value)
	}
}

// choose selects the option with the given value in the select with the
// given id, and fires its change event, as picking it would.
func (tb *tab) choose(id, value string) {
	tb.t.Helper()
	got := run(tb, "choose "+value+" in #"+id, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const s = document.getElementById(%q); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return s.value; })()`,
		id, value)))
	if got != value {
		tb.t.Fatalf("#%s has no option %q", id, value)
	}
}

// reload reloads the page and returns its status.
func (tb *tab) reload() int64 {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.Reload, page.ReloadParams{})
		return err
	}))
	tb.check()
	if err != nil {
		tb.t.Fatalf("reload %s: %v", tb.location(), err)
	}
	return res.Status
}

// text returns the visible text of the element sel (CSS), waiting for it.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return strings.TrimSpace(run(tb, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// value returns the current value of the input with the given id.
func (tb *tab) value(id string) string {
	tb.t.Helper()
	return run(tb, "read the value of #"+id, chromedp.Value(chromedp.ID(id)))
}

// count returns how many elements match sel (CSS) now.
func (tb *tab) count(sel string) int {
	tb.t.Helper()
	return run(tb, "count "+sel, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
}

// path returns the path of the page the tab shows.
func (tb *tab) path() string {
	tb.t.Helper()
	u, err := url.Parse(tb.location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return u.Path
}

// location is the tab's URL, or a note why it is not known.
func (tb *tab) location() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(location unknown: " + err.Error() + ")"
	}
	return loc
}
