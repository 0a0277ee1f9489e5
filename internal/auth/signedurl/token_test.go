package signedurl

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

func TestNewToken(t *testing.T) {
	seen := make(map[string]bool)
	for range 100 {
		token, hash := NewToken()
		raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
		if err != nil || len(raw) != TokenBytes || len(token) != 43 {
			t.Fatalf("NewToken() = %q: want 43 base64url characters encoding %d bytes (%v)", token, TokenBytes, err)
		}
		if url := base64.RawURLEncoding.EncodeToString(raw); url != token {
			t.Fatalf("NewToken() = %q is not canonical base64url", token)
		}
		if !bytes.Equal(hash, HashToken(token)) {
			t.Fatalf("NewToken() hash differs from HashToken of its token")
		}
		if seen[token] {
			t.Fatalf("NewToken() repeated %q", token)
		}
		seen[token] = true
	}
}

func TestHashToken(t *testing.T) {
	cases := []struct {
		name  string
		token string
		want  string
	}{
		{"the hash is SHA-256 of the token as text", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"an empty token has the SHA-256 of nothing", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := hex.EncodeToString(HashToken(tc.token)); got != tc.want {
				t.Errorf("HashToken(%q) = %s, want %s", tc.token, got, tc.want)
			}
		})
	}
	if len(HashToken("x")) != sha256.Size {
		t.Error("HashToken does not return 32 bytes")
	}
	if bytes.Equal(HashToken("Abc"), HashToken("abc")) {
		t.Error("HashToken ignores case")
	}
}
