// Package apikey issues, lists, revokes and authenticates the API keys of the
// JSON API (DESIGN.md).
//
// A key reads "prefix.secret": 8 lower-case hex characters (4 random bytes)
// that name the key and are shown on the page, a dot, and 32 lower-case hex
// characters (16 random bytes, 128 bits) that are shown once, at creation.
// Only HMAC-SHA256(server key, secret) is stored. A 128-bit random secret
// cannot be guessed, so a slow password hash would add nothing; the server
// key means a leaked table alone does not even allow an offline check.
//
// Authenticate is on the path of every API request, so a Service caches the
// rows it has read (keyed by prefix, for CacheTTL, bounded in size) and
// checks the presented secret against the cached hash on every request. A
// revocation drops the key from the revoking Service's cache at once; with
// Redis configured it is also published on a channel every Service
// subscribes to, so the others drop it within milliseconds. Without Redis,
// another instance may accept a revoked key for up to CacheTTL. See Config.
package apikey

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The scopes a key may carry. A key without ScopeWrite is refused on unsafe
// API methods (DESIGN.md).
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// Limits on what Create accepts.
const (
	// MaxNameLen is the longest name, in characters, after trimming.
	MaxNameLen = 100
	// MaxExpiresInDays is the longest lifetime a key can be given: ten years.
	MaxExpiresInDays = 3650
	// MaxKeysPerUser is how many unrevoked keys (expired ones included, until
	// revoked) one user may hold; it bounds List and the table.
	MaxKeysPerUser = 50
)

// LastUsedInterval is how stale a key's last-used time may get: it is
// written at most once per interval, however busy the key.
const LastUsedInterval = time.Minute

// The field names of FieldErrors, as the form and the JSON body name them.
const (
	FieldName          = "name"
	FieldScopes        = "scopes"
	FieldExpiresInDays = "expires_in_days"
)

var (
	// ErrNotAPIKey: the presented credential does not have the shape of an
	// API key, so an authentication chain should try its next backend.
	ErrNotAPIKey = errors.New("apikey: not an API key")
	// ErrInvalidKey: the credential is shaped like a key but is unknown,
	// wrong, revoked or expired. The API answers 401 and never says which.
	ErrInvalidKey = errors.New("apikey: invalid API key")
	// ErrNotFound: no such key for this user (unknown, or another user's).
	ErrNotFound = errors.New("apikey: not found")
)

// FieldErrors is the error Create returns for input a person must correct:
// field name (FieldName, FieldScopes, FieldExpiresInDays) -> a message to
// show beside that field. Nothing has been written when it is returned.
type FieldErrors map[string]string

// Error lists the fields and messages in a fixed order.
func (fe FieldErrors) Error() string {
	var b strings.Builder
	b.WriteString("apikey: invalid input")
	for _, k := range slices.Sorted(maps.Keys(fe)) {
		b.WriteString("; ")
		b.WriteString(k)
		b.WriteString(": ")
		b.WriteString(fe[k])
	}
	return b.String()
}

// Key is an API key as stored, without its secret.
type Key struct {
	ID         uuid.UUID
	UserID     uuid.UUID
	Prefix     string // the first 8 characters of the key: not secret, shown to identify it
	Name       string
	Scopes     []string // a sorted, duplicate-free, non-empty subset of ScopeRead, ScopeWrite
	CreatedAt  time.Time
	ExpiresAt  *time.Time // nil: never expires
	LastUsedAt *time.Time // nil: never used; otherwise at most LastUsedInterval stale
	RevokedAt  *time.Time // nil: not revoked
}

// HasScope reports whether the key carries scope.
func (k Key) HasScope(scope string) bool { return slices.Contains(k.Scopes, scope) }

// Expired reports whether the key's expiry has passed at now.
func (k Key) Expired(now time.Time) bool { return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) }

// Revoked reports whether the key has been revoked.
func (k Key) Revoked() bool { return k.RevokedAt != nil }

// Live reports whether the key authenticates at now: neither revoked nor
// expired.
func (k Key) Live(now time.Time) bool { return !k.Revoked() && !k.Expired(now) }
