package signedurl

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// maxExpiresDigits bounds the expiry before it is parsed; int64 Unix seconds
// have at most 19 digits.
const maxExpiresDigits = 19

// malformed wraps ErrMalformed with a reason. Reasons are fixed strings: they
// never quote the link, which may carry a secret and ends up in logs.
func malformed(reason string) error {
	return fmt.Errorf("%w: %s", ErrMalformed, reason)
}

// parseQuery decodes a raw query strictly: where url.URL.Query silently drops
// a pair it cannot parse (a bad escape, a semicolon), parseQuery fails, and
// it fails when any name appears more than once (after decoding, so
// "token" and "%74oken" are the same name). This keeps what is signed and
// what a handler reads with Query().Get identical.
func parseQuery(raw string) (map[string]string, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return nil, malformed("the query does not parse")
	}
	params := make(map[string]string, len(values))
	for k, vs := range values {
		if len(vs) != 1 {
			return nil, malformed("a query parameter appears more than once")
		}
		params[k] = vs[0]
	}
	return params, nil
}

// parseExpires accepts only the canonical spelling of a positive integer:
// digits, no sign, no leading zero, at most maxExpiresDigits.
func parseExpires(s string) (int64, error) {
	if s == "" || len(s) > maxExpiresDigits || s[0] == '0' {
		return 0, malformed("expires is not a positive integer")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, malformed("expires is not a positive integer")
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, malformed("expires is out of range")
	}
	return n, nil
}

// canonicalPath is the path as escaped, exactly as it appears in the link
// (EscapedPath keeps a valid RawPath), so "/a%2Fb", "/a/b" and "/%61/b" are
// three different paths. An empty path is "/", which is what the server sees
// for "https://host?q"; an escaped path without its leading "/" gets one, as
// URL.String writes it after a host and the server then sees it.
func canonicalPath(u *url.URL) string {
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// canonicalQuery joins the parameters sorted by key (parseQuery has already
// refused repeated keys, so there is one value per key) as
// QueryEscape(key) "=" QueryEscape(value), separated by "&".
func canonicalQuery(params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(params[k]))
	}
	return b.String()
}
