package http

import (
	"net/url"
	"strings"
)

// maxNextLen bounds a next value: a local path and query, never a document.
const maxNextLen = 2048

// safeNext returns next when it is a local path to redirect to after
// logging in, and "" otherwise (the caller then uses /account).
//
// A local path starts with exactly one "/" and names no scheme, host or
// credentials, however a browser or a proxy might read it: "//host" and
// "/\host" are protocol-relative for browsers, backslashes are read as
// slashes, control characters (tab, newline) are stripped by URL parsers
// (so "/\t/host" becomes "//host"), and percent-encoded forms of all of
// these ("/%2F%2Fhost", "/%5Chost", doubly encoded ones) become them again
// once something decodes the path. So next is refused when it, or any
// percent-decoding of it, breaks one of these rules.
func safeNext(next string) string {
	if next == "" || len(next) > maxNextLen {
		return ""
	}
	s := next
	for round := 0; ; round++ {
		if !localPathShape(s) {
			return ""
		}
		dec, err := url.PathUnescape(s)
		if err != nil {
			return ""
		}
		if dec == s {
			break
		}
		if round == 3 {
			return "" // still encoded after four rounds: nobody needs that
		}
		s = dec
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	return next
}

// localPathShape checks one decoding of a next value: no control
// characters, no backslash, no broken UTF-8, starting with "/" not followed
// by "/" or "\".
func localPathShape(s string) bool {
	if len(s) == 0 || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f || r == '\\' || r == '\uFFFD' || (r >= 0x80 && r <= 0x9f) {
			return false
		}
	}
	return true
}
