// Package seal encrypts the secrets Rampart must be able to read back (TOTP
// secrets, webhook signing secrets) before they are stored, with AES-256-GCM
// under a key derived from SECRET_KEY, so a copy of the database alone does
// not reveal them.
//
// A sealed value is nonce || ciphertext || tag: a fresh random 12-byte nonce,
// then the GCM output. It is stored next to the id of the key that sealed it.
// A Box opens values sealed under its current key or any previous one, so
// SECRET_KEY can be rotated: keep the old key as a previous one, re-seal every
// value whose key id differs from Current, then drop it.
//
// The caller's additional data binds a value to where it is stored (e.g.
// "totp:" + user id): a value copied into another row, or another column,
// does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
)

// The errors Open returns; test for them with errors.Is.
var (
	// ErrUnknownKey: the key id is neither the current key's nor a previous
	// one's. The value was sealed under a key that has been dropped.
	ErrUnknownKey = errors.New("seal: unknown key id")
	// ErrDecrypt: the value is too short or fails authentication: it was
	// altered, truncated, moved to another row (other additional data), or
	// sealed under another key with the same id.
	ErrDecrypt = errors.New("seal: cannot decrypt")
)

// KeySize is the length of a Key's Secret: AES-256.
const KeySize = 32

// overhead is what Seal adds to a plaintext: the 12-byte nonce and the
// 16-byte tag.
const overhead = 12 + 16

// Box seals and opens values. It holds no mutable state and is safe for
// concurrent use.
type Box struct {
	current string
	aeads   map[string]cipher.AEAD
}

// New returns a Box that seals under current and opens values sealed under
// current or any of previous. It returns an error when a Secret is not
// KeySize bytes or an ID is empty or appears twice. It keeps no reference to
// the Secret slices, so the caller may reuse or wipe them.
func New(current Key, previous ...Key) (*Box, error) {
	b := &Box{current: current.ID, aeads: make(map[string]cipher.AEAD, 1+len(previous))}
	for i, k := range append([]Key{current}, previous...) {
		name := "current key"
		if i > 0 {
			name = fmt.Sprintf("previous key %d", i)
		}
		switch {
		case len(k.Secret) != KeySize:
			return nil, fmt.Errorf("seal: %s is %d bytes, want %d", name, len(k.Secret), KeySize)
		case k.ID == "":
			return nil, fmt.Errorf("seal: %s has no id", name)
		case b.aeads[k.ID] != nil:
			return nil, fmt.Errorf("seal: %s repeats the id %q", name, k.ID)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("seal: %s: %w", name, err)
		}
		aead, err := cipher.NewGCMWithRandomNonce(block)
		if err != nil {
			return nil, fmt.Errorf("seal: %s: %w", name, err)
		}
		b.aeads[k.ID] = aead
	}
	return b, nil
}

// Seal encrypts plaintext under the current key, binding it to aad (which
// is authenticated, not encrypted, and not stored: Open must be given the
// same bytes). It returns the sealed value, a fresh random 12-byte nonce
// followed by the GCM ciphertext and tag (28 bytes longer than plaintext),
// and the current key id to store beside it. Sealing the same plaintext twice
// gives different values.
//
// With random nonces a key must seal fewer than 2^32 values; Rampart seals a
// handful per account.
func (b *Box) Seal(plaintext, aad []byte) (ciphertext []byte, keyID string) {
	// #nosec G407 -- the AEAD is cipher.NewGCMWithRandomNonce: it takes no nonce and draws a random one per call.
	return b.aeads[b.current].Seal(nil, nil, plaintext, aad), b.current
}

// Open decrypts a value Seal returned under keyID with the same aad. It
// returns ErrUnknownKey when keyID is neither the current key's id nor a
// previous one's, and ErrDecrypt when the value is shorter than 28 bytes or
// fails authentication. It never panics.
func (b *Box) Open(ciphertext []byte, keyID string, aad []byte) ([]byte, error) {
	aead, ok := b.aeads[keyID]
	if !ok {
		return nil, ErrUnknownKey
	}
	if len(ciphertext) < overhead {
		return nil, ErrDecrypt
	}
	plaintext, err := aead.Open(nil, nil, ciphertext, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	if plaintext == nil {
		plaintext = []byte{}
	}
	return plaintext, nil
}

// Current returns the id of the key Seal uses. A stored value whose key id
// differs should be opened and sealed again, so that the previous key can be
// dropped.
func (b *Box) Current() string {
	return b.current
}
