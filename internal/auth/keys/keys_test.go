package keys_test

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"testing"

	"github.com/rampart-dev/rampart/internal/auth/keys"
)

func TestDerive(t *testing.T) {
	master := bytes.Repeat([]byte{0x42}, 32)
	csrf, err := keys.Derive(master, keys.CSRF)
	if err != nil {
		t.Fatal(err)
	}
	session, _ := keys.Derive(master, keys.Session)
	again, _ := keys.Derive(master, keys.CSRF)
	other, _ := keys.Derive(bytes.Repeat([]byte{0x43}, 32), keys.CSRF)

	if len(csrf) != keys.Size {
		t.Errorf("key is %d bytes, want %d", len(csrf), keys.Size)
	}
	if !bytes.Equal(csrf, again) {
		t.Error("the same master and purpose gave different keys")
	}
	if bytes.Equal(csrf, session) {
		t.Error("two purposes share a key")
	}
	if bytes.Equal(csrf, other) {
		t.Error("two masters share a key")
	}
	// Independent computation of RFC 5869 HKDF-SHA256 (extract then expand)
	// through the standard library's two-step API.
	prk, err := hkdf.Extract(sha256.New, master, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := hkdf.Expand(sha256.New, prk, string(keys.CSRF), keys.Size)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(csrf, want) {
		t.Error("Derive is not HKDF-SHA256(master, no salt, purpose)")
	}
	if _, err := keys.Derive(make([]byte, 31), keys.CSRF); err == nil {
		t.Error("a 31-byte master was accepted")
	}
}
