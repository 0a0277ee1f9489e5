package middleware

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func csrfTestSigner() *csrfSigner {
	return newCSRFSigner(bytes.Repeat([]byte("k"), 32))
}

func TestCSRFSignerBindsTokensToKeyAndBinding(t *testing.T) {
	s := csrfTestSigner()
	tok := s.mint("cookie:abc")
	cases := []struct {
		name    string
		signer  *csrfSigner
		binding string
		token   string
		want    bool
	}{
		{"a token verifies for its binding", s, "cookie:abc", tok, true},
		{"a token fails for another binding", s, "cookie:abd", tok, false},
		{"a token fails for a longer binding", s, "cookie:abcd", tok, false},
		{"a token fails under another key", newCSRFSigner(bytes.Repeat([]byte("K"), 32)), "cookie:abc", tok, false},
		{"an empty token fails", s, "cookie:abc", "", false},
		{"a token with a newline inside fails", s, "cookie:abc", tok[:30] + "\n" + tok[31:], false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.signer.verify(tc.binding, tc.token); got != tc.want {
				t.Errorf("verify = %v, want %v", got, tc.want)
			}
		})
	}
	if len(tok) != csrfTokenLen || strings.ContainsAny(tok, "+/=") {
		t.Errorf("token %q is not 64 characters of unpadded base64url", tok)
	}
}

// FuzzCSRFToken feeds the verifier arbitrary input: it must never panic,
// must never accept anything but a token actually minted for the binding,
// and a token minted for any binding must verify for it alone.
func FuzzCSRFToken(f *testing.F) {
	s := csrfTestSigner()
	const binding = "cookie:fuzz"
	valid := csrfFixedToken(s, binding) // deterministic: fuzz workers are separate processes
	f.Add(binding, valid)
	f.Add(binding, valid[:63])
	f.Add(binding, valid+"A")
	f.Add("session:x", valid)
	f.Add("", "")
	f.Add(binding, strings.Repeat("A", 64))
	f.Add(binding, strings.Repeat("=", 64))
	f.Add(binding, strings.Repeat("\n", 64))
	f.Add(binding, strings.Repeat("A", 10000))
	f.Fuzz(func(t *testing.T, b, token string) {
		if s.verify(b, token) && (b != binding || token != valid) {
			t.Fatalf("verify(%q, %q) accepted input that was never minted", b, token)
		}
		minted := s.mint(b)
		if !s.verify(b, minted) {
			t.Fatalf("a token minted for %q does not verify", b)
		}
		if s.verify(b+"\x00", minted) || s.verify(token, minted) && token != b {
			t.Fatalf("a token minted for %q verifies for another binding", b)
		}
	})
}

// csrfFixedToken is the token for binding with an all-zero nonce.
func csrfFixedToken(s *csrfSigner, binding string) string {
	var raw [csrfRawLen]byte
	s.mac(raw[csrfNonceLen:], binding, raw[:csrfNonceLen])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

func BenchmarkCSRFMint(b *testing.B) {
	s := csrfTestSigner()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.mint("cookie:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	}
}

func BenchmarkCSRFVerify(b *testing.B) {
	s := csrfTestSigner()
	const binding = "cookie:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	tok := s.mint(binding)
	b.ReportAllocs()
	for b.Loop() {
		if !s.verify(binding, tok) {
			b.Fatal("token did not verify")
		}
	}
}
