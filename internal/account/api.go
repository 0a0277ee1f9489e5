// Package account is the domain of people's accounts: sign-up, email
// verification, login with per-account lockout, logout, password reset and
// change, the security activity (audit) log, and the operator actions of
// /admin. Handlers in internal/http call it; it calls internal/db, the
// session store, the password hasher, signed URLs and the mail outbox.
package account

import (
	"errors"
	"time"

	"github.com/google/uuid"
)

// Errors returned by Service methods, for handlers to map to responses.
var (
	// ErrInvalidCredentials: wrong email or password, unknown email, or a
	// locked account: one error, one message, so none can be told apart.
	ErrInvalidCredentials = errors.New("account: invalid credentials")
	// ErrLinkInvalid: a verification, reset or unlock link that is forged,
	// expired, malformed or already used.
	ErrLinkInvalid = errors.New("account: link invalid or expired")
	// ErrWrongPassword: the current password given to a change is wrong.
	ErrWrongPassword = errors.New("account: current password is wrong")
	// ErrNotFound: no such user or session (for this user).
	ErrNotFound = errors.New("account: not found")
)

// FieldErrors maps form field names ("email", "password", "new_password")
// to a message a person understands. Returned (as error) by methods whose
// input failed validation; nothing was written.
type FieldErrors map[string]string

func (f FieldErrors) Error() string { return "account: invalid input" }

// RequestMeta is who asked: recorded in sessions and audit events.
type RequestMeta struct {
	IP        string
	UserAgent string
	RequestID string
}

// User is what handlers and views need of an account.
type User struct {
	ID            uuid.UUID
	Email         string
	EmailVerified bool
	IsAdmin       bool // has permission admin.access
	LockedUntil   *time.Time
	CreatedAt     time.Time
}

// Event is one entry of the security activity log.
type Event struct {
	Kind      string // see the Event* constants
	IP        string
	UserAgent string
	CreatedAt time.Time
}

// Audit event kinds.
const (
	EventSignup          = "signup"
	EventEmailVerified   = "email_verified"
	EventLogin           = "login"
	EventLoginFailed     = "login_failed"
	EventLockout         = "lockout"
	EventUnlock          = "unlock"
	EventLogout          = "logout"
	EventPasswordChanged = "password_changed"
	EventPasswordReset   = "password_reset"
	EventResetRequested  = "password_reset_requested"
	EventSessionRevoked  = "session_revoked"
)
