// Package pages holds one templ component per page. Each takes a views.Page
// (plus the page's own view model) and renders itself inside layout.App.
package pages

// feature is one tile of the landing page's feature grid.
type feature struct {
	Icon  string // a name known to featureIcon
	Title string
	Text  string
}

// landingFeatures lists what Rampart ships with, in the order a new user
// meets it.
func landingFeatures() []feature {
	return []feature{
		{"user", "Accounts & sessions", "Sign-up with email verification, argon2id password hashing, lockout after repeated failures, and server-side sessions you can list and revoke."},
		{"shield", "TOTP 2FA & recovery codes", "Authenticator-app codes with replay protection, ten one-time recovery codes, and a fresh password check before any sensitive change."},
		{"mail", "Magic links", "Passwordless sign-in by email, plus password reset and address verification: signed links that work once and expire quickly."},
		{"key", "API keys & JWT", "Scoped read/write API keys stored only as hashes, and short-lived JWT access tokens with rotating, revocable refresh tokens."},
		{"webhook", "Verified inbound webhooks", "GitHub, Stripe, Slack and Standard Webhooks signatures checked; each delivery stored once, processed by the worker and replayable."},
		{"layout", "Hardened middleware", "A per-request CSP nonce, session-bound CSRF tokens, rate limits, security headers and a request id on every response and log line."},
	}
}

// codeLocation is one entry of the landing page's "Make it yours" map.
type codeLocation struct {
	Path    string
	Text    string
	Command string // the command that regenerates or applies it, if any
}

// codeMap lists the places a developer extends first.
func codeMap() []codeLocation {
	return []codeLocation{
		{"internal/http/routes.go", "Every URL and the middleware in front of it, grouped by guard. Add your handlers here.", ""},
		{"sql/queries/", "Plain SQL, compiled into typed Go by sqlc.", "go tool sqlc generate"},
		{"migrations/", "Schema changes as goose SQL files, embedded in the binary.", "go run ./cmd/server migrate up"},
		{"views/", "templ components like this page, with a shared layout.", "go tool templ generate"},
	}
}
