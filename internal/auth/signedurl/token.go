package signedurl

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// TokenBytes is the entropy of a token: 256 bits.
const TokenBytes = 32

// NewToken returns a fresh single-use secret to carry in a link, as 43
// base64url characters without padding, and HashToken(token), which is what
// the database stores. The token itself is never stored.
func NewToken() (token string, hash []byte) {
	var b [TokenBytes]byte
	// crypto/rand.Read never returns an error since Go 1.24: it crashes the
	// program if the operating system cannot supply randomness.
	_, _ = rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashToken(token)
}

// HashToken returns the SHA-256 of token, exactly as received (no decoding or
// normalisation), to look up the stored hash. A plain unsalted hash is enough
// because a token has 256 bits of entropy: there is no dictionary to try, and
// a leaked table of hashes yields no usable token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
