package recovery

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"testing"
)

var (
	hashKey  = bytes.Repeat([]byte{'k'}, MinKeySize)
	otherKey = bytes.Repeat([]byte{'o'}, MinKeySize)
)

func mustHasher(t testing.TB, key []byte) *Hasher {
	t.Helper()
	h, err := NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHash(t *testing.T) {
	h := mustHasher(t, hashKey)
	a := h.Hash("x7k2m9qbwe")
	if len(a) != sha256.Size {
		t.Fatalf("the hash is %d bytes, want %d", len(a), sha256.Size)
	}
	if !bytes.Equal(a, h.Hash("x7k2m9qbwe")) {
		t.Error("the same code hashed twice differs")
	}
	if !bytes.Equal(a, mustHasher(t, hashKey).Hash("x7k2m9qbwe")) {
		t.Error("two hashers with the same key disagree")
	}
	if bytes.Equal(a, h.Hash("x7k2m9qbwf")) {
		t.Error("two codes share a hash")
	}
	if bytes.Equal(a, mustHasher(t, otherKey).Hash("x7k2m9qbwe")) {
		t.Error("two keys give the same hash")
	}
	bare := sha256.Sum256([]byte("x7k2m9qbwe"))
	if bytes.Equal(a, bare[:]) {
		t.Error("the hash is an unkeyed SHA-256")
	}
	m := hmac.New(sha256.New, hashKey)
	m.Write([]byte("x7k2m9qbwe"))
	if want := m.Sum(nil); !bytes.Equal(a, want) {
		t.Errorf("Hash = %x, want HMAC-SHA256(key, code) = %x", a, want)
	}
}

func TestHashOfGeneratedCodes(t *testing.T) {
	h := mustHasher(t, hashKey)
	for _, code := range Generate() {
		typed, ok := Normalize(" " + code[:5] + " " + code[6:] + " ")
		shown, _ := Normalize(code)
		if !ok || !bytes.Equal(h.Hash(typed), h.Hash(shown)) {
			t.Errorf("code %q typed with spaces hashes differently", code)
		}
	}
}

func TestHasherCopiesItsKey(t *testing.T) {
	key := bytes.Clone(hashKey)
	h := mustHasher(t, key)
	before := h.Hash("x7k2m9qbwe")
	key[0] ^= 0xff
	if !bytes.Equal(before, h.Hash("x7k2m9qbwe")) {
		t.Error("changing the caller's key slice changed the hashes")
	}
}

func TestNewHasher(t *testing.T) {
	cases := []struct {
		name   string
		size   int
		wantOK bool
	}{
		{"a nil key is refused", 0, false},
		{"a 16-byte key is refused", 16, false},
		{"a 31-byte key is refused", 31, false},
		{"a 32-byte key is accepted", 32, true},
		{"a 64-byte key is accepted", 64, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var key []byte
			if c.size > 0 {
				key = bytes.Repeat([]byte{1}, c.size)
			}
			h, err := NewHasher(key)
			if (err == nil) != c.wantOK || (h != nil) != c.wantOK {
				t.Errorf("NewHasher(%d bytes) = %v, %v; want ok = %v", c.size, h, err, c.wantOK)
			}
		})
	}
}
