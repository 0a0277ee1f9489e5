package totp

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"errors"
)

// secretEncoding is RFC 4648 base32 without padding, what authenticator apps
// and oathtool expect.
var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// errInvalidSecret is DecodeSecret's error; the input is not worth echoing.
var errInvalidSecret = errors.New("totp: secret is not base32")

// NewSecret returns a new random SecretSize-byte secret from crypto/rand.
func NewSecret() []byte {
	secret := make([]byte, SecretSize)
	rand.Read(secret) // never fails: it crashes the program rather than return an error
	return secret
}

// EncodeSecret returns secret in RFC 4648 base32, upper case and without
// padding: the form authenticator apps accept for manual entry and put in the
// otpauth URL (and that `oathtool --totp -b` takes).
func EncodeSecret(secret []byte) string {
	return secretEncoding.EncodeToString(secret)
}

// DecodeSecret decodes a base32 secret as a person may type or paste it:
// upper or lower case, with spaces anywhere (apps show it in groups of four),
// with or without its "=" padding. It returns an error for an empty secret,
// any other character (including newlines and tabs), misplaced or partial
// padding, or a length no base32 string has.
func DecodeSecret(s string) ([]byte, error) {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
		case 'a' <= c && c <= 'z':
			clean = append(clean, c-'a'+'A')
		case 'A' <= c && c <= 'Z', '2' <= c && c <= '7', c == '=':
			clean = append(clean, c)
		default:
			return nil, errInvalidSecret
		}
	}
	// The padding is checked here and stripped, because the standard decoder
	// ignores whatever follows a complete padded block ("MZXW6YTBOI======A").
	// An "=" left inside data fails the unpadded decoder.
	data := bytes.TrimRight(clean, "=")
	if pad := len(clean) - len(data); pad > 0 && (pad >= 8 || len(clean)%8 != 0) {
		return nil, errInvalidSecret
	}
	secret, err := secretEncoding.DecodeString(string(data))
	if err != nil || len(secret) == 0 {
		return nil, errInvalidSecret
	}
	return secret, nil
}
