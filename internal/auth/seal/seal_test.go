package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"sync"
	"testing"

	"github.com/rampart-dev/rampart/internal/auth/keys"
)

func mustKey(t testing.TB, fill byte) Key {
	t.Helper()
	k, err := KeyFromMaster(bytes.Repeat([]byte{fill}, keys.MinMasterSize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustBox(t testing.TB, current Key, previous ...Key) *Box {
	t.Helper()
	b, err := New(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var aad = []byte("totp:7f3c2a9e-0000-4000-8000-000000000001")

func TestSealOpen(t *testing.T) {
	key := mustKey(t, 'a')
	b := mustBox(t, key)
	for _, plaintext := range [][]byte{nil, {}, []byte("x"), []byte("12345678901234567890"), bytes.Repeat([]byte{0xff}, 4096)} {
		sealed, id := b.Seal(plaintext, aad)
		if id != key.ID || id != b.Current() {
			t.Errorf("Seal returned key id %q, want the current %q", id, key.ID)
		}
		if len(sealed) != len(plaintext)+overhead {
			t.Errorf("a %d-byte plaintext sealed to %d bytes, want %d", len(plaintext), len(sealed), len(plaintext)+overhead)
		}
		if len(plaintext) >= 8 && bytes.Contains(sealed, plaintext[:8]) {
			t.Errorf("the sealed value contains the plaintext")
		}
		got, err := b.Open(sealed, id, aad)
		if err != nil || !bytes.Equal(got, plaintext) || got == nil {
			t.Errorf("Open(Seal(%.20q)) = %q, %v", plaintext, got, err)
		}
	}
}

// TestSealFormat opens a sealed value with crypto/cipher directly, to pin
// the stored format: nonce (12 bytes) || AES-256-GCM ciphertext and tag.
func TestSealFormat(t *testing.T) {
	key := mustKey(t, 'a')
	sealed, _ := mustBox(t, key).Seal([]byte("secret"), aad)
	block, err := aes.NewCipher(key.Secret)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	if gcm.NonceSize() != 12 {
		t.Fatalf("GCM nonce is %d bytes", gcm.NonceSize())
	}
	got, err := gcm.Open(nil, sealed[:12], sealed[12:], aad)
	if err != nil || string(got) != "secret" {
		t.Errorf("standard GCM with the first 12 bytes as nonce opens %q, %v", got, err)
	}
}

func TestSealIsRandomised(t *testing.T) {
	b := mustBox(t, mustKey(t, 'a'))
	one, _ := b.Seal([]byte("same"), aad)
	two, _ := b.Seal([]byte("same"), aad)
	if bytes.Equal(one, two) {
		t.Error("two seals of the same plaintext are equal")
	}
	if bytes.Equal(one[:12], two[:12]) {
		t.Error("two seals share a nonce")
	}
}

func TestOpenRefusesEverySingleByteChange(t *testing.T) {
	b := mustBox(t, mustKey(t, 'a'))
	sealed, id := b.Seal([]byte("12345678901234567890"), aad)
	for i := range sealed {
		for _, flip := range []byte{0x01, 0x80, 0xff} {
			altered := bytes.Clone(sealed)
			altered[i] ^= flip
			if got, err := b.Open(altered, id, aad); !errors.Is(err, ErrDecrypt) || got != nil {
				t.Fatalf("byte %d ^ %#x: Open = %q, %v; want ErrDecrypt", i, flip, got, err)
			}
		}
	}
	if _, err := b.Open(sealed, id, aad); err != nil {
		t.Fatalf("the original no longer opens: %v", err)
	}
}

func TestOpenRefuses(t *testing.T) {
	old, cur, other := mustKey(t, 'o'), mustKey(t, 'c'), mustKey(t, 'x')
	b := mustBox(t, cur, old)
	sealed, id := b.Seal([]byte("webhook secret"), aad)
	sameIDOtherSecret := mustBox(t, Key{ID: cur.ID, Secret: other.Secret})

	cases := []struct {
		name   string
		box    *Box
		sealed []byte
		id     string
		aad    []byte
		want   error
	}{
		{"another row's additional data is refused", b, sealed, id, []byte("totp:someone-else"), ErrDecrypt},
		{"no additional data is refused", b, sealed, id, nil, ErrDecrypt},
		{"additional data with a byte more is refused", b, sealed, id, append(bytes.Clone(aad), '0'), ErrDecrypt},
		{"the previous key's id is refused for a value of the current key", b, sealed, old.ID, aad, ErrDecrypt},
		{"another key under the same id is refused", sameIDOtherSecret, sealed, id, aad, ErrDecrypt},
		{"an unknown key id is refused", b, sealed, other.ID, aad, ErrUnknownKey},
		{"an empty key id is refused", b, sealed, "", aad, ErrUnknownKey},
		{"a dropped key's id is refused", mustBox(t, cur), sealed, "0123456789abcdef", aad, ErrUnknownKey},
		{"a value truncated by one byte is refused", b, sealed[:len(sealed)-1], id, aad, ErrDecrypt},
		{"a value without its first byte is refused", b, sealed[1:], id, aad, ErrDecrypt},
		{"a value with a byte appended is refused", b, append(bytes.Clone(sealed), 0), id, aad, ErrDecrypt},
		{"the nonce and tag alone are refused", b, sealed[:overhead], id, aad, ErrDecrypt},
		{"a value shorter than nonce and tag is refused", b, sealed[:overhead-1], id, aad, ErrDecrypt},
		{"the nonce alone is refused", b, sealed[:12], id, aad, ErrDecrypt},
		{"an empty value is refused", b, []byte{}, id, aad, ErrDecrypt},
		{"a nil value is refused", b, nil, id, aad, ErrDecrypt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.box.Open(c.sealed, c.id, c.aad)
			if !errors.Is(err, c.want) || got != nil {
				t.Errorf("Open = %q, %v; want %v", got, err, c.want)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	oldKey, newKey := mustKey(t, 'o'), mustKey(t, 'n')
	before := mustBox(t, oldKey)
	sealed, oldID := before.Seal([]byte("totp secret"), aad)

	after := mustBox(t, newKey, oldKey)
	if after.Current() != newKey.ID || after.Current() == oldID {
		t.Fatalf("Current = %q, want the new key's %q", after.Current(), newKey.ID)
	}
	got, err := after.Open(sealed, oldID, aad)
	if err != nil || string(got) != "totp secret" {
		t.Fatalf("a value of the previous key does not open after rotation: %q, %v", got, err)
	}
	resealed, newID := after.Seal(got, aad)
	if newID != newKey.ID {
		t.Errorf("re-sealed under %q, want %q", newID, newKey.ID)
	}
	if _, err := mustBox(t, newKey).Open(resealed, newID, aad); err != nil {
		t.Errorf("a re-sealed value needs the previous key: %v", err)
	}
	if _, err := mustBox(t, newKey).Open(sealed, oldID, aad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("after dropping the previous key, Open = %v, want ErrUnknownKey", err)
	}
	if _, err := before.Open(resealed, newID, aad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("the old box opened a value of the new key: %v", err)
	}
}

func TestKeyFromMaster(t *testing.T) {
	master := bytes.Repeat([]byte{0x42}, 32)
	k, err := KeyFromMaster(master)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := KeyFromMaster(bytes.Clone(master))
	other, _ := KeyFromMaster(bytes.Repeat([]byte{0x43}, 32))

	if k.ID != again.ID || !bytes.Equal(k.Secret, again.Secret) {
		t.Error("the same master gave two keys")
	}
	if k.ID == other.ID || bytes.Equal(k.Secret, other.Secret) {
		t.Error("two masters share a key or key id")
	}
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(k.ID) {
		t.Errorf("ID = %q, want 16 lower-case hex characters", k.ID)
	}
	want, _ := keys.Derive(master, keys.Encryption)
	if !bytes.Equal(k.Secret, want) || len(k.Secret) != KeySize {
		t.Error("Secret is not keys.Derive(master, keys.Encryption)")
	}
	m := hmac.New(sha256.New, want)
	m.Write([]byte("rampart/key-id"))
	if wantID := hex.EncodeToString(m.Sum(nil)[:8]); k.ID != wantID {
		t.Errorf("ID = %s, want %s", k.ID, wantID)
	}
	if bytes.Contains(k.Secret, mustDecodeHex(t, k.ID)) {
		t.Error("the id is part of the secret")
	}
	if _, err := KeyFromMaster(make([]byte, keys.MinMasterSize-1)); err == nil {
		t.Error("a short master was accepted")
	}
}

func mustDecodeHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewRefusesBadKeys(t *testing.T) {
	good, other := mustKey(t, 'g'), mustKey(t, 'o')
	cases := []struct {
		name     string
		current  Key
		previous []Key
	}{
		{"a 16-byte (AES-128) current key is refused", Key{ID: "a", Secret: make([]byte, 16)}, nil},
		{"a 31-byte current key is refused", Key{ID: "a", Secret: make([]byte, 31)}, nil},
		{"a 33-byte current key is refused", Key{ID: "a", Secret: make([]byte, 33)}, nil},
		{"a current key without secret is refused", Key{ID: "a"}, nil},
		{"the zero Key is refused", Key{}, nil},
		{"a current key without id is refused", Key{Secret: good.Secret}, nil},
		{"a previous key of the wrong size is refused", good, []Key{{ID: "b", Secret: make([]byte, 24)}}},
		{"a previous key without id is refused", good, []Key{{Secret: other.Secret}}},
		{"a previous key repeating the current id is refused", good, []Key{{ID: good.ID, Secret: other.Secret}}},
		{"the current key repeated as previous is refused", good, []Key{good}},
		{"two previous keys with the same id are refused", good, []Key{other, {ID: other.ID, Secret: good.Secret}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if b, err := New(c.current, c.previous...); err == nil || b != nil {
				t.Errorf("New = %v, %v; want an error", b, err)
			}
		})
	}
	if _, err := New(good, other, mustKey(t, 'z')); err != nil {
		t.Errorf("New with two distinct previous keys: %v", err)
	}
}

func TestNewCopiesSecrets(t *testing.T) {
	key := mustKey(t, 'a')
	secret := bytes.Clone(key.Secret)
	b := mustBox(t, Key{ID: key.ID, Secret: secret})
	sealed, id := b.Seal([]byte("x"), aad)
	clear(secret)
	if _, err := b.Open(sealed, id, aad); err != nil {
		t.Errorf("wiping the caller's secret broke the box: %v", err)
	}
	if _, err := mustBox(t, key).Open(sealed, id, aad); err != nil {
		t.Errorf("sealed under another key than given: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	b := mustBox(t, mustKey(t, 'a'), mustKey(t, 'b'))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 200 {
				plaintext := []byte{byte(i)}
				sealed, id := b.Seal(plaintext, aad)
				if got, err := b.Open(sealed, id, aad); err != nil || !bytes.Equal(got, plaintext) {
					t.Errorf("concurrent Open = %v, %v", got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkOpen(b *testing.B) {
	box := mustBox(b, mustKey(b, 'a'))
	sealed, id := box.Seal(make([]byte, 20), aad)
	for b.Loop() {
		if _, err := box.Open(sealed, id, aad); err != nil {
			b.Fatal(err)
		}
	}
}
