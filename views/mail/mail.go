// Package mail holds the templ components of Rampart's emails: a base layout
// and the generic Action email (greeting, paragraphs, one button link, the
// same link in plain text for clients that hide buttons, and a footer).
//
// Email HTML is not served by us, so it is not under our Content-Security-
// Policy: it uses a few inline styles, because many mail clients drop <style>
// elements. Keep it that minimal. Every link is passed in fully built from
// APP_BASE_URL; nothing here knows about requests or the Host header.
package mail

// IgnoreNotice ends every email that reacts to a request, so that someone who
// receives a message they did not ask for knows that doing nothing is safe.
const IgnoreNotice = "If you didn't ask for this, ignore this email."

// Action is the view model of an email asking the recipient to do one thing
// by following a link: "Confirm your email address", "Reset your password".
type Action struct {
	Title       string   // the document title, usually the subject
	Greeting    string   // first line, e.g. "Hello,"
	Intro       []string // paragraphs before the button
	ActionLabel string   // the button's text
	ActionURL   string   // absolute URL; templ sanitises it (no javascript:)
	Outro       []string // paragraphs after the link, e.g. how long it works
}
