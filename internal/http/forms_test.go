package http

import (
	"strings"
	"testing"
)

func TestTextProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		v            string
		max          int
		allowControl bool
		want         string
	}{
		{"an ordinary address is accepted", "ada@example.com", 1024, false, ""},
		{"any Unicode is accepted", "zoë@exämple.com", 1024, false, ""},
		{"a value at the limit is accepted", strings.Repeat("a", 1024), 1024, false, ""},
		{"a value past the limit is too long", strings.Repeat("a", 1025), 1024, false, msgTooLong},
		{"NUL is refused", "ada\x00@example.com", 1024, true, msgInvalidText},
		{"broken UTF-8 is refused", "ada\xff@example.com", 1024, true, msgInvalidText},
		{"a control character is refused in an address", "ada\n@example.com", 1024, false, msgInvalidText},
		{"a tab is allowed in a password", "pass\tword", 1024, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := textProblem(tc.v, tc.max, tc.allowControl); got != tc.want {
				t.Errorf("textProblem(%q) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}

func TestTruncateUTF8(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short text is kept", "Firefox", 10, "Firefox"},
		{"long text is cut", "abcdef", 3, "abc"},
		{"a rune is never split", "aé", 2, "a"},
		{"broken UTF-8 is replaced", "a\xffb", 10, "a\uFFFDb"},
		{"control characters are dropped", "a\x00b\nc", 10, "abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := truncateUTF8(tc.in, tc.n); got != tc.want {
				t.Errorf("truncateUTF8(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
			}
		})
	}
}
