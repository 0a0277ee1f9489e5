package seal

import (
	"fmt"

	"github.com/rampart-dev/rampart/internal/auth/keys"
)

// Key is an encryption key and the id stored beside every value it seals.
type Key struct {
	// ID names the key in storage; it must be non-empty and unique in a Box.
	ID string
	// Secret is the AES-256 key, KeySize bytes.
	Secret []byte
}

// KeyFromMaster returns the encryption Key of a master secret (SECRET_KEY):
// Secret is keys.Derive(master, keys.Encryption), and ID is the first 8 bytes
// of HMAC-SHA256(Secret, "rampart/key-id") as 16 lower-case hex characters,
// which tells keys apart without revealing anything about them. The same
// master always gives the same Key. It returns the error of keys.Derive for a
// master shorter than keys.MinMasterSize.
func KeyFromMaster(master []byte) (Key, error) {
	secret, err := keys.Derive(master, keys.Encryption)
	if err != nil {
		return Key{}, fmt.Errorf("seal: %w", err)
	}
	return Key{ID: keys.ID(secret), Secret: secret}, nil
}
