package session

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestNewTokensAreWellFormedAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		token, hash := newToken()
		if !WellFormed(token) || len(hash) != 32 || string(hash) != string(HashToken(token)) {
			t.Fatalf("token %q is not well formed or its hash is wrong", token)
		}
		if seen[token] {
			t.Fatal("a token repeated")
		}
		seen[token] = true
	}
}

func FuzzWellFormed(f *testing.F) {
	token, _ := newToken()
	f.Add(token)
	f.Add("")
	f.Add(strings.Repeat("A", 43))
	f.Add(strings.Repeat("_", 43))
	f.Fuzz(func(t *testing.T, s string) {
		if !WellFormed(s) {
			return
		}
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) != TokenBytes || base64.RawURLEncoding.EncodeToString(b) != s {
			t.Errorf("WellFormed(%q) but it is not the one spelling of 32 bytes", s)
		}
	})
}

func FuzzCleanUserAgent(f *testing.F) {
	f.Add("Mozilla/5.0")
	f.Add(strings.Repeat("é", 300))
	f.Add("a\xff\x00b")
	f.Fuzz(func(t *testing.T, s string) {
		got := cleanUserAgent(s)
		if len(got) > MaxUserAgentBytes || strings.ContainsRune(got, 0) || !strings.HasPrefix(strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", ""), got) {
			t.Errorf("cleanUserAgent(%q) = %q", s, got)
		}
		for _, r := range got {
			if r == '\uFFFD' && !strings.ContainsRune(s, '\uFFFD') {
				t.Errorf("cleanUserAgent(%q) invented a replacement character", s)
			}
		}
	})
}
