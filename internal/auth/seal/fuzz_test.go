package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"
)

// FuzzOpen checks that Open never panics, answers only with its two errors,
// and opens nothing but the exact values that were sealed, with their key id
// and additional data: GCM leaves no room for a modified value to
// authenticate.
//
// The seeds are sealed with fixed nonces (sealWithNonce), not with Seal:
// fuzzing runs this setup again in every worker process, and the values must
// be the same in all of them.
func FuzzOpen(f *testing.F) {
	cur, old := mustKey(f, 'c'), mustKey(f, 'o')
	b := mustBox(f, cur, old)
	type minted struct {
		sealed, aad, plaintext []byte
		id                     string
	}
	var all []minted
	for i, key := range []Key{cur, old} {
		for j, p := range []string{"", "12345678901234567890", "webhook secret"} {
			for k, a := range []string{"", "totp:1", "webhook:2"} {
				nonce := []byte{11: byte(i*9 + j*3 + k)}
				sealed := sealWithNonce(f, key, nonce, []byte(p), []byte(a))
				all = append(all, minted{sealed, []byte(a), []byte(p), key.ID})
				f.Add(sealed, key.ID, []byte(a))
			}
		}
	}
	f.Add([]byte{}, cur.ID, []byte{})
	f.Add(make([]byte, overhead), cur.ID, []byte("totp:1"))
	f.Add(make([]byte, 100), "nope", []byte(nil))

	f.Fuzz(func(t *testing.T, sealed []byte, id string, a []byte) {
		got, err := b.Open(sealed, id, a)
		if err != nil {
			if !errors.Is(err, ErrDecrypt) && !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("Open = %v, not one of the package's errors", err)
			}
			if got != nil {
				t.Fatalf("Open failed but returned %q", got)
			}
			return
		}
		for _, m := range all {
			if bytes.Equal(m.sealed, sealed) && m.id == id && bytes.Equal(m.aad, a) {
				if !bytes.Equal(got, m.plaintext) {
					t.Fatalf("Open = %q, want %q", got, m.plaintext)
				}
				return
			}
		}
		t.Fatalf("Open accepted a value that was never sealed: %x under %q with %q", sealed, id, a)
	})
}

// sealWithNonce seals like Box.Seal but with a chosen nonce, through the
// standard library's GCM, so it also pins the format Open reads.
func sealWithNonce(t testing.TB, key Key, nonce, plaintext, aad []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key.Secret)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return gcm.Seal(bytes.Clone(nonce), nonce, plaintext, aad)
}
