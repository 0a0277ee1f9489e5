// Package keys derives every purpose-specific key from the one SECRET_KEY, so
// a key used for CSRF tokens can never verify a session or a signed URL, and
// rotating SECRET_KEY rotates them all.
package keys

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Purpose names what a derived key is for; it is the HKDF info string, so it
// must never change once released (that would invalidate every token).
type Purpose string

// The purposes Rampart derives keys for.
const (
	CSRF         Purpose = "rampart/csrf/v1"
	Session      Purpose = "rampart/session/v1"
	JWT          Purpose = "rampart/jwt/v1"
	SignedURL    Purpose = "rampart/signed-url/v1"
	Encryption   Purpose = "rampart/encryption/v1"
	APIKey       Purpose = "rampart/api-key/v1" // #nosec G101 -- an HKDF label naming a purpose, not a credential
	RecoveryCode Purpose = "rampart/recovery-code/v1"
)

// Size is the length of every derived key: 256 bits.
const Size = 32

// MinMasterSize is the shortest master secret accepted (DESIGN.md: >= 32 bytes).
const MinMasterSize = 32

// Derive returns the Size-byte key for purpose, derived from master with
// HKDF-SHA256 (no salt: master is already uniformly random or long). It
// returns an error when master is shorter than MinMasterSize.
func Derive(master []byte, purpose Purpose) ([]byte, error) {
	if len(master) < MinMasterSize {
		return nil, fmt.Errorf("keys: master secret is %d bytes, want at least %d", len(master), MinMasterSize)
	}
	return hkdf.Key(sha256.New, master, nil, string(purpose), Size)
}

// idLabel is the HMAC message that fingerprints a derived key.
const idLabel = "rampart/key-id"

// ID names a derived key without revealing it: the first 8 bytes of
// HMAC-SHA256(key, "rampart/key-id"), as 16 lower-case hex characters.
// Stored beside what the key sealed or signed, it tells which key to use
// after a rotation.
func ID(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(idLabel))
	return hex.EncodeToString(m.Sum(nil)[:8])
}
