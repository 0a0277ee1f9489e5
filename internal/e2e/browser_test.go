package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// skipMessage is how a test without Chromium skips: loudly, with the fix.
const skipMessage = "chromium not found: apt-get install chromium; CI installs it"

// The browser is one Chromium process for the whole test binary, started by
// the first test that needs it and stopped by TestMain. Each test works in
// its own browser contexts (newTab), so no cookie or storage leaks between
// flows.
var browser struct {
	once   sync.Once
	ctx    context.Context // the browser's chromedp context; nil when it did not start
	err    error           // why it did not start
	path   string
	cancel context.CancelFunc
	dir    string // the fresh --user-data-dir
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dir != "" {
		_ = os.RemoveAll(browser.dir)
	}
	os.Exit(code)
}

// sharedBrowser returns the browser's context, starting Chromium on first
// use. It skips t when Chromium is not installed and fails it when Chromium
// is there but does not start.
func sharedBrowser(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(startBrowser)
	var missing *missingChromiumError
	switch {
	case errors.As(browser.err, &missing):
		t.Skipf("%s (looked for %s)", skipMessage, missing.path)
	case browser.err != nil:
		t.Fatalf("chromium %s does not start: %v", browser.path, browser.err)
	}
	return browser.ctx
}

type missingChromiumError struct{ path string }

func (e *missingChromiumError) Error() string { return skipMessage + " (looked for " + e.path + ")" }

// chromiumPath is $CHROMIUM when set, else Debian's /usr/bin/chromium, else
// chromium on the PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", &missingChromiumError{path: p}
		}
		return p, nil
	}
	const debian = "/usr/bin/chromium"
	if _, err := exec.LookPath(debian); err == nil {
		return debian, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", &missingChromiumError{path: debian}
}

// startBrowser starts headless Chromium with a fresh, empty profile and no
// background traffic (no component updates, sync or QUIC), as root in a
// container allows: without the sandbox and the GPU.
func startBrowser() {
	browser.path, browser.err = chromiumPath()
	if browser.err != nil {
		fmt.Fprintf(os.Stderr, "\n*** e2e: SKIPPING every browser test: %v ***\n\n", browser.err)
		return
	}
	browser.dir, browser.err = os.MkdirTemp("", "rampart-e2e-profile-")
	if browser.err != nil {
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser.path),
		chromedp.UserDataDir(browser.dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(desktopWidth, desktopHeight),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	browser.cancel = func() { cancelCtx(); cancelAlloc() }
	// The first Do starts the process; its context must outlive every test.
	if browser.err = chromedp.Do(ctx); browser.err != nil {
		return
	}
	browser.ctx = ctx
}

// The desktop window and viewport.
const (
	desktopWidth  = 1280
	desktopHeight = 800
)
