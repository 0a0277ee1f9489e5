package apikey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sync"
)

// The shape of a key: ^[0-9a-f]{8}\.[0-9a-f]{32}$ (DESIGN.md).
const (
	PrefixBytes = 4                         // random bytes behind the prefix
	SecretBytes = 16                        // random bytes behind the secret: 128 bits
	PrefixLen   = 2 * PrefixBytes           // 8 hex characters
	SecretLen   = 2 * SecretBytes           // 32 hex characters
	Len         = PrefixLen + 1 + SecretLen // 41 characters in all
)

const (
	separator = '.'         // between prefix and secret
	hashSize  = sha256.Size // bytes of a stored secret hash
)

// HMACKeyMin is the shortest Config.HMACKey New accepts: 256 bits.
// keys.Derive(master, keys.APIKey) produces a key of this size.
const HMACKeyMin = 32

// Parse splits s into prefix and secret when s has exactly the shape of a
// key: 8 lower-case hex characters, a dot, 32 lower-case hex characters, and
// nothing else (no upper case, no whitespace). The length is checked first,
// so an arbitrarily long input costs nothing.
func Parse(s string) (prefix, secret string, ok bool) {
	if len(s) != Len || s[PrefixLen] != separator {
		return "", "", false
	}
	for i := 0; i < len(s); i++ {
		if i != PrefixLen && !isLowerHex(s[i]) {
			return "", "", false
		}
	}
	return s[:PrefixLen], s[PrefixLen+1:], true
}

// validPrefix reports whether p has the shape of a key's prefix.
func validPrefix(p string) bool {
	if len(p) != PrefixLen {
		return false
	}
	for i := 0; i < len(p); i++ {
		if !isLowerHex(p[i]) {
			return false
		}
	}
	return true
}

func isLowerHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// generate reads a new key from r (crypto/rand.Reader outside tests).
func generate(r io.Reader) (plaintext, prefix, secret string, err error) {
	var b [PrefixBytes + SecretBytes]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", "", "", fmt.Errorf("apikey: random: %w", err)
	}
	prefix = hex.EncodeToString(b[:PrefixBytes])
	secret = hex.EncodeToString(b[PrefixBytes:])
	return prefix + string(separator) + secret, prefix, secret, nil
}

// hasher computes HMAC-SHA256(key, secret), reusing keyed HMAC states: this
// runs on every API request.
type hasher struct {
	pool sync.Pool
}

func newHasher(key []byte) *hasher {
	k := append([]byte(nil), key...)
	return &hasher{pool: sync.Pool{New: func() any { return hmac.New(sha256.New, k) }}}
}

// sum returns the stored form of secret.
func (h *hasher) sum(secret string) [hashSize]byte {
	m := h.pool.Get().(hash.Hash)
	m.Reset()
	_, _ = io.WriteString(m, secret)
	var out [hashSize]byte
	m.Sum(out[:0])
	h.pool.Put(m)
	return out
}
