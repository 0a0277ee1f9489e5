package recovery

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
)

// MinKeySize is the shortest key NewHasher accepts: 256 bits.
// keys.Derive(master, keys.RecoveryCode) produces a key of this size.
const MinKeySize = 32

// Hasher computes the stored form of recovery codes. It holds no mutable
// state and is safe for concurrent use.
type Hasher struct {
	key []byte
}

// NewHasher returns a Hasher keyed with a copy of key, which must be at least
// MinKeySize bytes, else NewHasher returns an error.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("recovery: key is %d bytes, want at least %d", len(key), MinKeySize)
	}
	return &Hasher{key: bytes.Clone(key)}, nil
}

// Hash returns HMAC-SHA256(key, normalized), sha256.Size bytes, the value to
// store for a code and to look a typed code up by. normalized must be
// Normalize's output: Hash does not normalise, so "abcde-fghjk" and
// "abcdefghjk" hash differently.
func (h *Hasher) Hash(normalized string) []byte {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(normalized))
	return m.Sum(nil)
}
