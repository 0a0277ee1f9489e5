// Package account is the domain of people's accounts: sign-up, email
// verification, login with per-account lockout, two-factor authentication
// (TOTP and recovery codes), magic-link login, sudo mode, logout, password
// reset and change, the security activity (audit) log, and the operator
// actions of /admin. Handlers in internal/http call it; it calls internal/db, the
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
	// ErrWrongCode: a TOTP code or recovery code that is wrong, already
	// used, or for a time step already used.
	ErrWrongCode = errors.New("account: wrong code")
	// ErrChallengeInvalid: the second step of a login is unknown, expired,
	// used up by wrong codes, or its account can no longer log in.
	ErrChallengeInvalid = errors.New("account: login step expired")
	// ErrSudoRequired: a sensitive change without a login or password
	// confirmation in the last session.SudoWindow.
	ErrSudoRequired = errors.New("account: recent confirmation required")
	// ErrTwoFactorEnabled: 2FA is already on (enroll again after turning it off).
	ErrTwoFactorEnabled = errors.New("account: two-factor authentication is already on")
	// ErrTwoFactorDisabled: the action needs 2FA on, and it is off.
	ErrTwoFactorDisabled = errors.New("account: two-factor authentication is off")
	// ErrNoEnrollment: no enrollment waiting for its first code (never
	// started, or older than EnrollmentTTL).
	ErrNoEnrollment = errors.New("account: no two-factor enrollment in progress")
	// ErrLocked: the account is locked after repeated failures.
	ErrLocked = errors.New("account: locked")
)

// WrongCodeError is ErrWrongCode on the second step of a login, with how
// many attempts that step has left.
type WrongCodeError struct {
	AttemptsLeft int
}

func (e *WrongCodeError) Error() string { return ErrWrongCode.Error() }

// Is makes errors.Is(err, ErrWrongCode) true.
func (e *WrongCodeError) Is(target error) bool { return target == ErrWrongCode }

// SecondFactorRequired is returned by Login and MagicLogin when the first
// factor was right and the account has 2FA on: there is no session yet.
// It is the proof BeginSecondFactor needs, and only this package makes one,
// so a second step can only follow a first factor that succeeded.
type SecondFactorRequired struct {
	user   User
	method string
}

func (e *SecondFactorRequired) Error() string { return "account: second factor required" }

// User is the account that passed its first factor.
func (e *SecondFactorRequired) User() User { return e.user }

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
	TwoFactor     bool // TOTP two-factor authentication is on
	LockedUntil   *time.Time
	// Permissions and Groups are filled by ListUsers only (for /admin):
	// every codename held, directly or through a group, and the groups.
	Permissions []string
	Groups      []string
	CreatedAt   time.Time
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

	EventLoginStarted             = "login_started" // first factor right; second step asked
	EventSecondFactorFailed       = "two_factor_failed"
	EventTwoFactorEnabled         = "two_factor_enabled"
	EventTwoFactorDisabled        = "two_factor_disabled"
	EventRecoveryCodeUsed         = "recovery_code_used"
	EventRecoveryCodesRegenerated = "recovery_codes_regenerated"
	EventSudo                     = "sudo_confirmed"
	EventMagicLinkRequested       = "magic_link_requested"
)

// Login methods, in the detail of login events and on login challenges.
const (
	MethodPassword  = "password"
	MethodMagicLink = "magic_link"
)
