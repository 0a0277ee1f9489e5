package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// TokenBytes is the entropy of a session token: 256 bits.
const TokenBytes = 32

// MaxUserAgentBytes is how much of a User-Agent header a session keeps.
const MaxUserAgentBytes = 512

var tokenEncoding = base64.RawURLEncoding.Strict()

// tokenLen is the length of an encoded token: 43 characters.
var tokenLen = tokenEncoding.EncodedLen(TokenBytes)

// newToken returns a fresh cookie value and the hash stored for it.
func newToken() (string, []byte) {
	var b [TokenBytes]byte
	// crypto/rand.Read never fails since Go 1.24 (it crashes the program).
	_, _ = rand.Read(b[:])
	token := tokenEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken returns the SHA-256 of a cookie value as received, which is what
// the sessions table holds: a leaked table yields no usable cookie, and a
// token has 256 bits of entropy, so an unsalted hash is enough.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// WellFormed reports whether token has the shape of a cookie value this
// package mints (43 base64url characters, no padding, decoding to 32 bytes),
// so anything else is refused without a database query.
func WellFormed(token string) bool {
	if len(token) != tokenLen {
		return false
	}
	// The decoder skips CR and LF, so the decoded length is checked too.
	b, err := tokenEncoding.DecodeString(token)
	return err == nil && len(b) == TokenBytes
}

// cleanUserAgent makes a User-Agent header storable and bounded: invalid
// UTF-8 and NUL (which PostgreSQL text refuses) are dropped, and the result
// is cut to MaxUserAgentBytes on a character boundary.
func cleanUserAgent(ua string) string {
	ua = strings.ReplaceAll(strings.ToValidUTF8(ua, ""), "\x00", "")
	if len(ua) <= MaxUserAgentBytes {
		return ua
	}
	cut := MaxUserAgentBytes
	for cut > 0 && !utf8.RuneStart(ua[cut]) {
		cut--
	}
	return ua[:cut]
}
