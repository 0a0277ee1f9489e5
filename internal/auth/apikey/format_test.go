package apikey_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
)

// keyPattern is the format DESIGN.md publishes.
var keyPattern = regexp.MustCompile(`^[0-9a-f]{8}\.[0-9a-f]{32}$`)

const validKey = "0123abcd.0123456789abcdef0123456789abcdef"

func TestParse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"a well-formed key is accepted", validKey, true},
		{"all zeros is accepted", "00000000.00000000000000000000000000000000", true},
		{"all f is accepted", "ffffffff.ffffffffffffffffffffffffffffffff", true},
		{"an empty string is refused", "", false},
		{"upper case in the prefix is refused", "0123ABCD.0123456789abcdef0123456789abcdef", false},
		{"upper case in the secret is refused", "0123abcd.0123456789ABCDEF0123456789abcdef", false},
		{"a short prefix is refused", "0123abc.0123456789abcdef0123456789abcdef", false},
		{"a long prefix is refused", "0123abcde.0123456789abcdef0123456789abcdef", false},
		{"a short secret is refused", "0123abcd.0123456789abcdef0123456789abcde", false},
		{"a long secret is refused", "0123abcd.0123456789abcdef0123456789abcdef0", false},
		{"a prefix and secret of shifted lengths are refused", "0123abcd0.123456789abcdef0123456789abcdef", false},
		{"no dot is refused", "0123abcd00123456789abcdef0123456789abcdef", false},
		{"an extra dot is refused", "0123abcd.0123456789abcdef.123456789abcdef", false},
		{"a dot in the prefix is refused", "0123.bcd.0123456789abcdef0123456789abcdef", false},
		{"a leading space is refused", " " + validKey, false},
		{"a trailing newline is refused", validKey + "\n", false},
		{"a space inside is refused", "0123abcd.0123456789abcdef 123456789abcdef", false},
		{"non-hex letters are refused", "0123abcg.0123456789abcdef0123456789abcdef", false},
		{"a NUL byte is refused", "0123abcd.0123456789abcdef\x00123456789abcdef", false},
		{"a multi-byte character is refused", "0123abcd.0123456789abcdef01234567é9abcde", false},
		{"a JWT is refused", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", false},
		{"a very long input is refused", strings.Repeat("a", 1<<20), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prefix, secret, ok := apikey.Parse(tc.in)
			if ok != tc.ok {
				t.Fatalf("Parse(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			}
			if ok && prefix+"."+secret != tc.in {
				t.Fatalf("Parse(%q) = %q, %q", tc.in, prefix, secret)
			}
			if !ok && (prefix != "" || secret != "") {
				t.Fatalf("Parse(%q) refused but returned %q, %q", tc.in, prefix, secret)
			}
		})
	}
}

func TestCreatedKeysHaveThePublishedFormat(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	user := f.user(t)
	seen := map[string]bool{}
	for range 20 {
		plain, k := create(t, s, user)
		if !keyPattern.MatchString(plain) {
			t.Fatalf("key %q does not match %s", plain, keyPattern)
		}
		if prefix, _, ok := apikey.Parse(plain); !ok || prefix != k.Prefix {
			t.Fatalf("Parse(%q) = %q, %v; the stored prefix is %q", plain, prefix, ok, k.Prefix)
		}
		if seen[plain] {
			t.Fatalf("key %q was issued twice", plain)
		}
		seen[plain] = true
	}
}
