package views

import "time"

// FormErrors maps a form field's name ("email", "password",
// "current_password", "new_password") to the message shown beside that
// field. The key "" holds a message about the whole form.
type FormErrors map[string]string

// Form is the key of a message about the whole form in FormErrors.
const Form = ""

// Timestamp is a moment as pages show it: Text for people, ISO (RFC 3339,
// UTC) for the datetime attribute of a <time> element.
type Timestamp struct {
	Text string
	ISO  string
}

// NewTimestamp formats t in UTC; the zero time gives the zero Timestamp.
func NewTimestamp(t time.Time) Timestamp {
	if t.IsZero() {
		return Timestamp{}
	}
	t = t.UTC()
	return Timestamp{Text: t.Format("2 Jan 2006, 15:04 MST"), ISO: t.Format(time.RFC3339)}
}

// SignupForm is the sign-up form (GET|POST /signup). The password is never
// sent back to the browser, so it has no field here.
type SignupForm struct {
	Email  string
	Errors FormErrors
}

// LoginForm is the login form (GET|POST /login). Next is the local path to
// go to after logging in ("" for the account page), already checked.
type LoginForm struct {
	Email  string
	Next   string
	Errors FormErrors
}

// ForgotForm asks for the address to send a reset link to.
type ForgotForm struct {
	Email  string
	Errors FormErrors
}

// ResetForm sets a new password through a mailed link. Action is the link
// itself (path and signed query): the form posts back to exactly it.
type ResetForm struct {
	Action string
	Errors FormErrors
}

// PasswordForm is the change-password form on the account page.
type PasswordForm struct {
	Errors FormErrors
}

// SecurityEvent is one line of the account's recent security activity.
type SecurityEvent struct {
	Label   string // "Logged in", "Failed login attempt", ...
	Warning bool   // something the owner should look at (failures, lockouts)
	IP      string
	Device  string // a short summary of the user agent ("Firefox on Linux")
	At      Timestamp
}

// AccountView is the account page (GET /account).
type AccountView struct {
	Email         string
	EmailVerified bool
	MemberSince   Timestamp
	Password      PasswordForm
	Events        []SecurityEvent
	// TwoFactorEnabled shows whether logging in asks for a second factor.
	TwoFactorEnabled bool
}

// SessionRow is one live session on the sessions page.
type SessionRow struct {
	ID       string
	Device   string
	IP       string
	Created  Timestamp
	LastSeen Timestamp
	Current  bool // the session this page was requested with
}

// SessionsView is the sessions page (GET /account/sessions).
type SessionsView struct {
	Sessions []SessionRow
}

// AdminUserRow is one user in the admin list.
type AdminUserRow struct {
	ID          string
	Email       string
	Verified    bool
	Admin       bool
	TwoFactor   bool      // two-factor authentication is on
	Permissions []string  // codenames held, directly or through a group
	Groups      []string  // the groups the user is in
	LockedUntil Timestamp // zero when the account is not locked
	Created     Timestamp
}

// AdminView is the admin page (GET /admin): one page of users matching
// Query, with links to the neighbouring pages ("" when there is none).
// ReturnTo is the path and query of this very page, carried by the action
// forms so the operator comes back to the same list.
type AdminView struct {
	Query      string
	QueryError string
	Page       int
	Pages      int
	Total      int
	Users      []AdminUserRow
	PrevURL    string
	NextURL    string
	ReturnTo   string
}

// LinkInvalidView explains that a mailed link cannot be used, and offers
// the way to get a new one: Action (a page to go to) or, for a signed-in
// person with an unverified address, a button that mails a new link.
type LinkInvalidView struct {
	Title       string
	Message     string
	ActionHref  string
	ActionLabel string
	CanResend   bool
}
