package backends

import (
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxAuthorization bounds the Authorization header looked at: a JWT is at
// most 8 KiB, and nothing legitimate is longer.
const maxAuthorization = 8<<10 + 64

// credentials returns the scheme and the parameter of r's Authorization
// header ("Basic", "dXNlcjpwdw=="). ok is false when there is no header,
// several, or one that is not "<scheme> <token>" within maxAuthorization.
// The scheme compares case-insensitively (RFC 9110).
func credentials(r *http.Request) (scheme, param string, ok bool) {
	values := r.Header.Values("Authorization")
	if len(values) != 1 || len(values[0]) > maxAuthorization {
		return "", "", false
	}
	scheme, param, found := strings.Cut(values[0], " ")
	param = strings.TrimLeft(param, " ")
	if !found || scheme == "" || param == "" || strings.ContainsAny(param, " \t") {
		return "", "", false
	}
	return scheme, param, true
}

// BearerToken returns the token of an `Authorization: Bearer <token>`
// header, and whether there was exactly one well-formed such header.
func BearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := credentials(r)
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return token, true
}

// BasicCredentials returns the email and password of an `Authorization:
// Basic base64(email:password)` header. ok is false for another scheme, bad
// base64, no colon, or text that is not UTF-8 (RFC 7617: the password is
// everything after the first colon, and may contain colons).
func BasicCredentials(r *http.Request) (email, password string, ok bool) {
	scheme, param, found := credentials(r)
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(param)
	if err != nil || !utf8.Valid(raw) {
		return "", "", false
	}
	email, password, found = strings.Cut(string(raw), ":")
	if !found || email == "" {
		return "", "", false
	}
	return email, password, true
}

// isBasic reports whether r carries a Basic header at all, well-formed or not.
func isBasic(r *http.Request) bool {
	scheme, _, ok := credentials(r)
	return ok && strings.EqualFold(scheme, "Basic")
}
