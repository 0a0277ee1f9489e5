package apikey_test

import (
	"testing"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
)

// FuzzParse checks that Parse never panics and accepts exactly the published
// format, returning the two halves of its input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		validKey, "", ".", "0123abcd.", ".0123456789abcdef0123456789abcdef",
		"0123ABCD.0123456789abcdef0123456789abcdef", validKey + " ", "0123abcd:0123456789abcdef0123456789abcdef",
		"0123abcd.0123456789abcdef0123456789abcdeg", "0123abcd..123456789abcdef0123456789abcdef",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		prefix, secret, ok := apikey.Parse(s)
		if ok != keyPattern.MatchString(s) {
			t.Fatalf("Parse(%q) ok = %v, the format says %v", s, ok, !ok)
		}
		if ok && (len(prefix) != apikey.PrefixLen || len(secret) != apikey.SecretLen || prefix+"."+secret != s) {
			t.Fatalf("Parse(%q) = %q, %q", s, prefix, secret)
		}
		if !ok && (prefix != "" || secret != "") {
			t.Fatalf("Parse(%q) refused but returned %q, %q", s, prefix, secret)
		}
	})
}
