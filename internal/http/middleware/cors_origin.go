package middleware

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// normaliseCORSOrigin checks that o is an origin as browsers send it and
// returns it lower-cased, without a default port.
func normaliseCORSOrigin(o string) string {
	bad := func(why string) string {
		panic(fmt.Sprintf("middleware: CORS origin %q: %s; write scheme://host[:port]", o, why))
	}
	if o == "null" {
		return bad(`"null" is sent by sandboxed and file: documents and is never allowed`)
	}
	for i := 0; i < len(o); i++ {
		if o[i] <= ' ' || o[i] >= 0x7f {
			return bad("spaces, control and non-ASCII characters are not allowed (use the punycode host)")
		}
	}
	if strings.Contains(o, "*") {
		return bad("wildcards are not supported; list each origin")
	}
	u, err := url.Parse(o)
	switch {
	case err != nil:
		return bad(err.Error())
	case u.Scheme == "" || u.Host == "" || u.Opaque != "":
		return bad("scheme and host are required")
	case u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(o, "#"):
		return bad("an origin has no user, path, query or fragment")
	case u.Hostname() == "":
		return bad("the host is empty")
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return bad("the port must be 1-65535")
		}
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") || strings.HasSuffix(u.Host, ":") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		return scheme + "://" + host + ":" + port
	}
	return scheme + "://" + host
}

// allowOrigin returns the Access-Control-Allow-Origin value for origin, or
// "" when origin may not read responses.
func (cc *corsPolicy) allowOrigin(origin string) string {
	switch {
	case origin == "" || origin == "null":
		return ""
	case cc.anyOrigin:
		return "*"
	}
	if _, ok := cc.origins[origin]; ok {
		return origin
	}
	if lower := strings.ToLower(origin); lower != origin {
		if _, ok := cc.origins[lower]; ok {
			return origin
		}
	}
	return ""
}
