// Package jwt issues, verifies, rotates and revokes the JSON API's bearer
// tokens: HS256 JWTs in pairs of a short-lived access token and a long-lived
// refresh token (DESIGN.md, JSON API).
//
// Both tokens carry the claims sub (the user's UUID), exp, iat, jti (a UUID),
// typ ("access" or "refresh") and fam (the UUID of the token family), and the
// header names the signing key in kid. Access tokens also carry the caller's
// custom claims; refresh tokens carry nothing more, their custom claims are
// stored with them.
//
// A family is one login: IssuePair starts it, and every Refresh consumes the
// presented refresh token and issues the next pair of the same family.
// Presenting a consumed refresh token again is taken as theft (one of two
// parties holds a copy) and revokes the whole family, except within
// ReuseGrace of its use, when it is a client's retry and gets the very pair
// the first call got.
//
// Access tokens are checked without the database: a valid signature and a
// Denylist lookup of the token's jti and its family. PostgreSQL holds the
// families and, per issued pair, the jtis and times it was signed from and
// its custom claims, never a token: without the key, a copy of those tables
// is no credential. The denylist (Redis when there are several instances)
// holds what was revoked, only until the last access token concerned
// expires.
//
// Parsing accepts exactly one algorithm, HS256, pinned in the parser; a
// token is refused, always with the bare ErrInvalidToken, when it is longer
// than MaxTokenSize, uses another algorithm (none, RS256, ES256, HS512...),
// names no kid or an unknown one, carries a crit header, fails the signature,
// lacks exp, iat, jti, typ, sub or fam, has a sub, jti or fam that is not a
// canonical UUID, a typ other than the one expected, has expired, is not yet
// valid (nbf) or was issued in the future. Times are compared with Leeway.
package jwt

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/keys"
)

// The errors of this package; test for them with errors.Is.
var (
	// ErrInvalidToken: the token does not parse or verify, or is of the other
	// kind (a refresh token where an access token is expected, or the
	// reverse). It never says why: the reasons are for an attacker to guess.
	ErrInvalidToken = errors.New("jwt: invalid token")
	// ErrRevoked: the token is authentic but no longer honoured: it, its
	// family or its user was revoked, or its refresh token is gone (the user
	// was deleted).
	ErrRevoked = errors.New("jwt: token revoked")
	// ErrReused: a consumed refresh token was presented again after
	// ReuseGrace, so its family was revoked. It wraps ErrRevoked.
	ErrReused = fmt.Errorf("jwt: refresh token reused, its family is revoked: %w", ErrRevoked)
	// ErrUnavailable: the denylist could not answer or record, so nothing
	// can be said about revocation. Callers refuse the request (503 or 401);
	// they never let it through.
	ErrUnavailable = errors.New("jwt: revocation list unavailable")
	// ErrReservedClaim: a custom claim uses a name the package sets or
	// refuses itself: sub, exp, iat, nbf, jti, typ, iss, aud, or fam (the
	// token family).
	ErrReservedClaim = errors.New("jwt: reserved claim name")
)

// Limits and lifetimes.
const (
	// MaxTokenSize is the longest token accepted, checked before any
	// parsing: a bearer token has no business being larger, and decoding
	// attacker-sized JSON costs memory. IssuePair refuses custom claims that
	// would make a longer access token.
	MaxTokenSize = 8 << 10
	// Leeway is the clock skew allowed between instances when checking exp,
	// nbf and iat: a token is accepted until Leeway after its expiry, and
	// from Leeway before its iat or nbf. Five seconds covers NTP-synchronised
	// hosts without noticeably extending a token's life.
	Leeway = 5 * time.Second
	// ReuseGrace is how long after a refresh token was consumed presenting
	// it again returns the same pair instead of revoking its family: long
	// enough for a client's parallel retry, short enough that a stolen
	// token is caught.
	ReuseGrace = 10 * time.Second
	// DefaultAccessTTL and DefaultRefreshTTL are Config's defaults
	// (DESIGN.md: JWT_ACCESS_TTL, JWT_REFRESH_TTL).
	DefaultAccessTTL  = 15 * time.Minute
	DefaultRefreshTTL = 168 * time.Hour
	// KeySize is the shortest Key.Secret accepted: 256 bits, the HMAC-SHA256
	// output size.
	KeySize = 32
)

// The typ claim of each kind of token.
const (
	TypeAccess  = "access"
	TypeRefresh = "refresh"
)

// Pair is what the token endpoints answer (DESIGN.md).
type Pair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	// TokenType is always "Bearer".
	TokenType string `json:"token_type"`
	// ExpiresIn is the lifetime of the access token, in seconds.
	ExpiresIn int `json:"expires_in"`
}

// Claims are what a verified access token says.
type Claims struct {
	UserID    uuid.UUID
	ID        string // jti
	FamilyID  uuid.UUID
	IssuedAt  time.Time
	ExpiresAt time.Time
	// Custom holds the claims given to IssuePair (or RefreshWith), as JSON
	// decodes them: numbers are float64, objects map[string]any. Never nil.
	Custom map[string]any
}

// Key is an HMAC key and the id that tokens name it by (the kid header).
type Key struct {
	// ID is public (it is in every token): 1 to 64 characters of
	// [A-Za-z0-9._-], unique among a Service's keys.
	ID string
	// Secret is the HMAC-SHA256 key, at least KeySize bytes.
	Secret []byte
}

// KeyFromMaster returns the JWT Key of a master secret (SECRET_KEY): Secret is
// keys.Derive(master, keys.JWT), and ID is the first 8 bytes of
// HMAC-SHA256(Secret, "rampart/key-id") as 16 lower-case hex characters,
// which tells keys apart without revealing anything about them. The same
// master always gives the same Key. It returns the error of keys.Derive for a
// master shorter than keys.MinMasterSize.
func KeyFromMaster(master []byte) (Key, error) {
	secret, err := keys.Derive(master, keys.JWT)
	if err != nil {
		return Key{}, fmt.Errorf("jwt: %w", err)
	}
	return Key{ID: keys.ID(secret), Secret: secret}, nil
}

// validKeyID reports whether id may name a key in a token header.
func validKeyID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}
