// Package e2e holds Rampart's real-browser end-to-end tests. They start the
// real web server in-process, wired the way cmd/server wires it, on a fresh
// database and a random port, and drive Debian's Chromium through chromedp
// against it: sign-up, login, 2FA, magic links, password reset, sessions, API
// keys and webhooks, each in its own incognito browser context. Any
// Content-Security-Policy violation or JavaScript exception fails the test.
//
// The tests skip, loudly, when Chromium is missing (apt-get install
// chromium); CHROMIUM names another binary. On a failure the page's
// screenshot and HTML are saved under testdata/artifacts (or E2E_ARTIFACTS).
// TestScreenshots renders every page at desktop and mobile widths, light and
// dark, when SCREENSHOTS_DIR is set (make screenshots).
//
// The package has no code outside its tests.
package e2e
