// Package recovery generates, normalises and hashes the one-time recovery
// codes that let a person sign in when they have lost their authenticator.
//
// A code is Length symbols of Crockford's base32 alphabet in lower case
// (digits and letters without i, l, o and u, so it survives being read aloud
// or written down), shown as two groups of five: "x7k2m-9qbwe". That is 50
// random bits per code. What people type back is forgiving: case, spaces,
// hyphens and the look-alikes i, l (for 1) and o (for 0) do not matter.
//
// Only a Hasher's HMAC of a code is stored, never the code. 50 bits is enough
// against online guessing (the login is rate limited) but not against an
// offline search of a leaked table, so the hash is keyed with a server secret
// (keys.RecoveryCode) that does not live in the database.
package recovery

import (
	"crypto/rand"
	"slices"
	"strings"
)

const (
	// Count is the number of codes in a set.
	Count = 10
	// Length is the number of symbols in a code, each carrying 5 bits.
	Length = 10
)

// alphabet is Crockford's base32 in lower case; a symbol's index is its value.
const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// maxInput bounds what Normalize looks at: a code with generous spacing fits
// easily, a megabyte of form field costs nothing.
const maxInput = 64

// symbols maps every byte Normalize accepts to its canonical symbol: the
// alphabet in both cases and Crockford's look-alikes. Other bytes map to 0.
var symbols = func() [256]byte {
	var m [256]byte
	for i := 0; i < len(alphabet); i++ {
		c := alphabet[i]
		m[c] = c
		if 'a' <= c && c <= 'z' {
			m[c-'a'+'A'] = c
		}
	}
	for _, look := range []struct{ from, to byte }{{'i', '1'}, {'l', '1'}, {'o', '0'}} {
		m[look.from] = look.to
		m[look.from-'a'+'A'] = look.to
	}
	return m
}()

// Generate returns a new set of Count distinct codes from crypto/rand, each
// formatted for display as "xxxxx-xxxxx". Every symbol is uniform: it is the
// low 5 bits of a random byte, and 32 divides 256, so no value is favoured
// and nothing is rejected.
func Generate() []string {
	codes := make([]string, 0, Count)
	for len(codes) < Count {
		code := newCode()
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	return codes
}

// newCode returns one random code with its hyphen.
func newCode() string {
	var random [Length]byte
	rand.Read(random[:]) // never fails: it crashes the program rather than return an error
	code := make([]byte, 0, Length+1)
	for i, r := range random {
		if i == Length/2 {
			code = append(code, '-')
		}
		code = append(code, alphabet[r&31])
	}
	return string(code)
}

// Normalize returns the canonical form of a code as a person typed it: Length
// lower-case alphabet symbols without the hyphen, the form to pass to
// Hasher.Hash. It trims surrounding whitespace, removes spaces and hyphens,
// lower-cases, and reads i and l as 1 and o as 0. It reports false, with "",
// for anything else: another character (such as u), a different number of
// symbols, or input over 64 bytes, which is refused before looking at it.
func Normalize(input string) (string, bool) {
	if len(input) > maxInput {
		return "", false
	}
	input = strings.TrimSpace(input)
	out := make([]byte, 0, Length)
	for i := 0; i < len(input); i++ {
		c := input[i]
		if c == ' ' || c == '-' {
			continue
		}
		s := symbols[c]
		if s == 0 || len(out) == Length {
			return "", false
		}
		out = append(out, s)
	}
	if len(out) != Length {
		return "", false
	}
	return string(out), true
}

// LooksLikeCode reports whether input normalises to a recovery code. It tells
// the two kinds of second factor apart in a single form field: a TOTP code has
// 6 digits and a recovery code Length symbols, so no input is both.
func LooksLikeCode(input string) bool {
	_, ok := Normalize(input)
	return ok
}
