package config

import (
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// loader reads variables one by one, collecting every problem instead of
// stopping at the first, so that Load can report them all together.
type loader struct {
	getenv   func(string) string
	secrets  EnvSecrets
	problems []string
	warnings []string
}

func (l *loader) problemf(name, format string, args ...any) {
	l.problems = append(l.problems, name+": "+fmt.Sprintf(format, args...))
}

// value returns the trimmed value of a non-secret variable, or def when it
// is unset or blank.
func (l *loader) value(name, def string) string {
	if v := strings.TrimSpace(l.getenv(name)); v != "" {
		return v
	}
	return def
}

// secret returns a secret variable (or the content of NAME_FILE), or def
// when it is absent or empty. Its value is never put in a problem.
func (l *loader) secret(name, def string) string {
	v, _, ok, err := l.secrets.lookup(name)
	if err != nil {
		l.problems = append(l.problems, err.Error())
		return def
	}
	if !ok || v == "" {
		return def
	}
	return v
}

func (l *loader) env() Env {
	v := Env(l.value("APP_ENV", string(EnvDevelopment)))
	switch v {
	case EnvDevelopment, EnvTest, EnvProduction:
	default:
		l.problemf("APP_ENV", "%q is not one of development, test, production", v)
	}
	return v
}

func (l *loader) addr() string {
	v := l.value("APP_ADDR", ":8080")
	if _, _, err := net.SplitHostPort(v); err != nil {
		l.problemf("APP_ADDR", "%q is not a listen address such as :8080 or 127.0.0.1:8080", v)
	}
	return v
}

// baseURL parses APP_BASE_URL and drops trailing slashes from its path, so
// that links can be built as BaseURL.String() + "/path".
func (l *loader) baseURL() *url.URL {
	const name = "APP_BASE_URL"
	v := l.value(name, "http://localhost:8080")
	u, err := url.Parse(v)
	switch {
	case err != nil:
		l.problemf(name, "%q is not a valid URL", v)
	case u.Scheme != "http" && u.Scheme != "https":
		l.problemf(name, "%q must be an absolute http:// or https:// URL", v)
	case u.Hostname() == "":
		l.problemf(name, "%q has no host", v)
	case u.User != nil:
		l.problemf(name, "must not contain a user name or password")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		l.problemf(name, "%q must not have a query or fragment", v)
	default:
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = strings.TrimRight(u.RawPath, "/")
		return u
	}
	return nil
}

func (l *loader) redisURL() string {
	v := l.secret("REDIS_URL", "")
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
		l.problemf("REDIS_URL", "must be a redis://, rediss:// or unix:// URL (value not shown)")
	}
	return v
}

func (l *loader) smtpURL() string {
	v := l.secret("SMTP_URL", "")
	if v != "" && !validSMTPURL(v) {
		l.problemf("SMTP_URL", "must look like smtp://user:pass@host:port or smtps://user:pass@host:port (value not shown)")
	}
	return v
}

func validSMTPURL(v string) bool {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return false
	}
	port, err := strconv.Atoi(u.Port())
	return u.Hostname() != "" && err == nil && port > 0 && port <= 65535
}

func (l *loader) mailFrom() string {
	v := l.value("MAIL_FROM", "Rampart <no-reply@localhost>")
	if _, err := mail.ParseAddress(v); err != nil {
		l.problemf("MAIL_FROM", "%q is not a mail address: %v", v, err)
	}
	return v
}

func (l *loader) positiveInt(name string, def int) int {
	v := l.value(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		l.problemf(name, "%q is not a positive whole number", v)
		return def
	}
	return n
}

// boundedInt is positiveInt with an upper bound: rate limits above what
// the limiter can count (one event a microsecond) are an error here rather
// than a refusal to start later.
func (l *loader) boundedInt(name string, def, maxValue int) int {
	n := l.positiveInt(name, def)
	if n > maxValue {
		l.problemf(name, "%d is more than %d", n, maxValue)
		return def
	}
	return n
}

func (l *loader) duration(name string, def time.Duration) (time.Duration, bool) {
	v := l.value(name, "")
	if v == "" {
		return def, true
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		l.problemf(name, "%q is not a positive duration such as 90s, 15m or 1h30m", v)
		return def, false
	}
	return d, true
}

func (l *loader) positiveDuration(name string, def time.Duration) time.Duration {
	d, _ := l.duration(name, def)
	return d
}

// tokenTTLs reads the JWT lifetimes; a refresh token must outlive the
// access tokens it renews.
func (l *loader) tokenTTLs() (access, refresh time.Duration) {
	access, okAccess := l.duration("JWT_ACCESS_TTL", 15*time.Minute)
	refresh, okRefresh := l.duration("JWT_REFRESH_TTL", 168*time.Hour)
	if okAccess && okRefresh && refresh <= access {
		l.problemf("JWT_REFRESH_TTL", "%s must be longer than JWT_ACCESS_TTL (%s)", refresh, access)
	}
	return access, refresh
}

func (l *loader) boolean(name string, def bool) bool {
	v := l.value(name, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		l.problemf(name, "%q is not a boolean (true, false, 1, 0)", v)
		return def
	}
	return b
}

// prefixes reads a comma list of CIDRs or single addresses (a single address
// becomes a /32 or /128). Blank items are skipped.
func (l *loader) prefixes(name, def string) []netip.Prefix {
	var out []netip.Prefix
	for _, item := range splitList(l.value(name, def)) {
		p, err := parsePrefix(item)
		if err != nil {
			l.problemf(name, "%q is not a CIDR or IP address", item)
			continue
		}
		out = append(out, p)
	}
	return out
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("address %q has a zone", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// origins reads a comma list of browser origins. Each must be "*" or exactly
// scheme://host[:port] (no path, not even "/"), since that is all an Origin
// header carries; they are lower-cased as browsers send them.
func (l *loader) origins(name string) []string {
	var out []string
	for _, item := range splitList(l.value(name, "")) {
		o, ok := parseOrigin(item)
		if !ok {
			l.problemf(name, "%q is not \"*\" or an origin such as https://app.example.com", item)
			continue
		}
		out = append(out, o)
	}
	return out
}

func parseOrigin(s string) (string, bool) {
	if s == "*" {
		return s, true
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Hostname() == "" {
		return "", false
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	return origin, strings.EqualFold(origin, s)
}

func splitList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
