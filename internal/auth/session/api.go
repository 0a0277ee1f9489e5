// Package session keeps server-side login sessions: a row per session holding
// only the SHA-256 of a 256-bit random token (the cookie value), with idle
// (7 days) and absolute (30 days) expiry, last-seen time written at most once
// a minute, and revocation of one, all others, or all sessions of a user.
package session

import (
	"errors"
	"time"

	"github.com/google/uuid"
)

// Cookie names (DESIGN.md): "session" in development and test,
// "__Host-session" in production (Secure, Path=/, no Domain).
const (
	CookieName       = "session"
	SecureCookieName = "__Host-session"
)

// Lifetimes (DESIGN.md).
const (
	IdleTimeout      = 7 * 24 * time.Hour
	AbsoluteTimeout  = 30 * 24 * time.Hour
	LastSeenInterval = time.Minute
)

// ErrNotFound: no live session for that token or id (unknown, expired,
// revoked, or belonging to another user).
var ErrNotFound = errors.New("session: not found")

// Session is one live session.
type Session struct {
	ID             uuid.UUID
	UserID         uuid.UUID
	CreatedAt      time.Time
	LastSeenAt     time.Time
	ExpiresAt      time.Time // absolute expiry
	IP             string
	UserAgent      string
	SecondFactorAt *time.Time
	SudoAt         *time.Time // the last password (or second-factor) confirmation, if any
}

// SudoWindow is how long a login or a password confirmation lets a session
// make sensitive changes (DESIGN.md: 10 minutes).
const SudoWindow = 10 * time.Minute

// SudoUntil is when the session's sudo mode lapses: SudoWindow after its
// login (its creation) or its last confirmation, whichever is later.
func (s Session) SudoUntil() time.Time {
	at := s.CreatedAt
	if s.SudoAt != nil && s.SudoAt.After(at) {
		at = *s.SudoAt
	}
	return at.Add(SudoWindow)
}

// InSudo reports whether the session may make sensitive changes at now.
func (s Session) InSudo(now time.Time) bool { return now.Before(s.SudoUntil()) }

// Meta describes the request that creates or touches a session.
type Meta struct {
	IP        string
	UserAgent string // stored truncated to 512 bytes
}
