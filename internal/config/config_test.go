package config

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// testKey is a 32-byte key that Load accepts.
const testKey = "0123456789abcdef0123456789abcdef"

// mapEnv returns a getenv backed by m.
func mapEnv(m map[string]string) func(string) string {
	return func(name string) string { return m[name] }
}

// withKey returns m plus a valid SECRET_KEY, so that Load touches no files.
func withKey(m map[string]string) map[string]string {
	out := map[string]string{"SECRET_KEY": testKey}
	for k, v := range m {
		out[k] = v
	}
	return out
}

func mustLoad(t *testing.T, m map[string]string) *Config {
	t.Helper()
	c, err := Load(mapEnv(m))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// loadProblems runs Load, expecting it to fail with a *ValidationError.
func loadProblems(t *testing.T, m map[string]string) []string {
	t.Helper()
	c, err := Load(mapEnv(m))
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Load error = %v (config %v), want a *ValidationError", err, c != nil)
	}
	if c != nil {
		t.Error("Load returned a config together with an error")
	}
	return verr.Problems
}

func prefixes(t *testing.T, s ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, p := range s {
		out = append(out, netip.MustParsePrefix(p))
	}
	return out
}

func TestLoadAppliesEveryDefault(t *testing.T) {
	c := mustLoad(t, withKey(nil))
	checks := []struct {
		name      string
		got, want any
	}{
		{"Env", c.Env, EnvDevelopment},
		{"Addr", c.Addr, ":8080"},
		{"BaseURL", c.BaseURL.String(), "http://localhost:8080"},
		{"SecretKey", string(c.SecretKey), testKey},
		{"SecretKeySource", c.SecretKeySource, "env"},
		{"DatabaseURL", c.DatabaseURL, DefaultDatabaseURL},
		{"RedisURL", c.RedisURL, ""},
		{"SMTPURL", c.SMTPURL, ""},
		{"MailFrom", c.MailFrom, "Rampart <no-reply@localhost>"},
		{"TrustedProxies", len(c.TrustedProxies), 0},
		{"CORSAllowedOrigins", len(c.CORSAllowedOrigins), 0},
		{"AdminAllowedCIDRs", slices.Equal(c.AdminAllowedCIDRs, prefixes(t, "127.0.0.0/8", "::1/128")), true},
		{"RateLimitRequestsPerMinute", c.RateLimitRequestsPerMinute, 600},
		{"RateLimitAuthPerMinute", c.RateLimitAuthPerMinute, 10},
		{"RateLimitAPIPerHour", c.RateLimitAPIPerHour, 5000},
		{"LoginMaxFailures", c.LoginMaxFailures, 10},
		{"LoginLockout", c.LoginLockout, 15 * time.Minute},
		{"JWTAccessTTL", c.JWTAccessTTL, 15 * time.Minute},
		{"JWTRefreshTTL", c.JWTRefreshTTL, 168 * time.Hour},
		{"WorkerInProcess", c.WorkerInProcess, true},
		{"DataDir", c.DataDir, ".data"},
		{"ShutdownTimeout", c.ShutdownTimeout, 30 * time.Second},
		{"Warnings", len(c.Warnings), 0},
		{"IsDevelopment", c.IsDevelopment(), true},
		{"IsProduction", c.IsProduction(), false},
	}
	for _, check := range checks {
		if check.got != check.want {
			t.Errorf("%s = %v, want %v", check.name, check.got, check.want)
		}
	}
}

func TestLoadReadsEveryVariable(t *testing.T) {
	c := mustLoad(t, withKey(map[string]string{
		"APP_ENV":                        " production ",
		"APP_ADDR":                       "127.0.0.1:9000",
		"APP_BASE_URL":                   "https://app.example.com/base/",
		"DATABASE_URL":                   "postgres://app@db/app",
		"REDIS_URL":                      "redis://cache:6379/1",
		"SMTP_URL":                       "smtps://user:pw@mail.example.com:465",
		"MAIL_FROM":                      "App <app@example.com>",
		"TRUSTED_PROXIES":                " 10.0.0.0/8, 192.168.1.7 ,2001:db8::1,, ",
		"CORS_ALLOWED_ORIGINS":           "https://App.Example.com, http://localhost:3000,",
		"ADMIN_ALLOWED_CIDRS":            "10.1.2.3/16",
		"RATE_LIMIT_REQUESTS_PER_MINUTE": "1000",
		"RATE_LIMIT_AUTH_PER_MINUTE":     "5",
		"RATE_LIMIT_API_PER_HOUR":        "100",
		"LOGIN_MAX_FAILURES":             "3",
		"LOGIN_LOCKOUT":                  "1h",
		"JWT_ACCESS_TTL":                 "5m",
		"JWT_REFRESH_TTL":                "24h",
		"WORKER_IN_PROCESS":              "1",
		"APP_DATA_DIR":                   "/var/lib/rampart",
		"APP_SHUTDOWN_TIMEOUT":           "10s",
		"SECRET_KEY_PREVIOUS":            "0123456789abcdef0123456789abcdef-previous",
	}))
	checks := []struct {
		name      string
		got, want any
	}{
		{"Env", c.Env, EnvProduction},
		{"Addr", c.Addr, "127.0.0.1:9000"},
		{"BaseURL", c.BaseURL.String(), "https://app.example.com/base"},
		{"DatabaseURL", c.DatabaseURL, "postgres://app@db/app"},
		{"RedisURL", c.RedisURL, "redis://cache:6379/1"},
		{"SMTPURL", c.SMTPURL, "smtps://user:pw@mail.example.com:465"},
		{"MailFrom", c.MailFrom, "App <app@example.com>"},
		{"TrustedProxies", slices.Equal(c.TrustedProxies, prefixes(t, "10.0.0.0/8", "192.168.1.7/32", "2001:db8::1/128")), true},
		{"CORSAllowedOrigins", strings.Join(c.CORSAllowedOrigins, " "), "https://app.example.com http://localhost:3000"},
		{"AdminAllowedCIDRs", slices.Equal(c.AdminAllowedCIDRs, prefixes(t, "10.1.0.0/16")), true},
		{"RateLimitRequestsPerMinute", c.RateLimitRequestsPerMinute, 1000},
		{"RateLimitAuthPerMinute", c.RateLimitAuthPerMinute, 5},
		{"RateLimitAPIPerHour", c.RateLimitAPIPerHour, 100},
		{"LoginMaxFailures", c.LoginMaxFailures, 3},
		{"LoginLockout", c.LoginLockout, time.Hour},
		{"JWTAccessTTL", c.JWTAccessTTL, 5 * time.Minute},
		{"JWTRefreshTTL", c.JWTRefreshTTL, 24 * time.Hour},
		{"WorkerInProcess", c.WorkerInProcess, true},
		{"DataDir", c.DataDir, "/var/lib/rampart"},
		{"ShutdownTimeout", c.ShutdownTimeout, 10 * time.Second},
		{"SecretKeyPrevious", string(c.SecretKeyPrevious), "0123456789abcdef0123456789abcdef-previous"},
		{"IsProduction", c.IsProduction(), true},
		{"IsDevelopment", c.IsDevelopment(), false},
	}
	for _, check := range checks {
		if check.got != check.want {
			t.Errorf("%s = %v, want %v", check.name, check.got, check.want)
		}
	}
}

func TestLoadWorkerDefaultFollowsEnv(t *testing.T) {
	tests := []struct {
		name string
		env  string
		want bool
	}{
		{"development runs the worker in process", "development", true},
		{"test does not run the worker in process", "test", false},
		{"production does not run the worker in process", "production", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, withKey(map[string]string{"APP_ENV": tt.env}))
			if c.WorkerInProcess != tt.want {
				t.Errorf("WorkerInProcess = %v, want %v", c.WorkerInProcess, tt.want)
			}
		})
	}
}

func TestLoadBaseURLDropsTrailingSlashes(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"a bare host is kept", "https://example.com", "https://example.com"},
		{"a root slash is dropped", "https://example.com/", "https://example.com"},
		{"a path keeps its segments but not the slash", "http://example.com:8080/app//", "http://example.com:8080/app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, withKey(map[string]string{"APP_BASE_URL": tt.in}))
			if got := c.BaseURL.String(); got != tt.want {
				t.Errorf("BaseURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadRejectsEachBadVariable(t *testing.T) {
	tests := []struct {
		name, variable, value string
		want                  string // in the problem; "" for secrets, whose value must not appear
	}{
		{"an unknown environment is rejected", "APP_ENV", "staging", "staging"},
		{"an address without a port is rejected", "APP_ADDR", "localhost", "localhost"},
		{"a relative base URL is rejected", "APP_BASE_URL", "/app", "/app"},
		{"a base URL with another scheme is rejected", "APP_BASE_URL", "ftp://example.com", "ftp://example.com"},
		{"a base URL without a host is rejected", "APP_BASE_URL", "https://", "https://"},
		{"a base URL with a query is rejected", "APP_BASE_URL", "https://example.com/?a=b", "https://example.com/?a=b"},
		{"a base URL with credentials is rejected", "APP_BASE_URL", "https://u:p@example.com", ""},
		{"an unparsable base URL is rejected", "APP_BASE_URL", "http://exa mple.com", "http://exa mple.com"},
		{"a short secret key is rejected", "SECRET_KEY", "too-short-but-secret", ""},
		{"a short previous secret key is rejected", "SECRET_KEY_PREVIOUS", "too-short-but-secret", ""},
		{"a redis URL with another scheme is rejected", "REDIS_URL", "http://u:hunter2@cache", ""},
		{"an SMTP URL with another scheme is rejected", "SMTP_URL", "http://u:hunter2@mail:25", ""},
		{"an SMTP URL without a port is rejected", "SMTP_URL", "smtp://u:hunter2@mail", ""},
		{"an SMTP URL without a host is rejected", "SMTP_URL", "smtp://u:hunter2@:25", ""},
		{"a malformed sender address is rejected", "MAIL_FROM", "Rampart <no-reply>", "Rampart <no-reply>"},
		{"an invalid trusted proxy is rejected", "TRUSTED_PROXIES", "10.0.0.0/8,10.0.0.300", `"10.0.0.300"`},
		{"a trusted proxy with a bad prefix length is rejected", "TRUSTED_PROXIES", "10.0.0.0/33", "10.0.0.0/33"},
		{"a trusted proxy with an IPv6 zone is rejected", "TRUSTED_PROXIES", "fe80::1%eth0", "fe80::1%eth0"},
		{"an invalid admin CIDR is rejected", "ADMIN_ALLOWED_CIDRS", "localhost", "localhost"},
		{"an origin with a path is rejected", "CORS_ALLOWED_ORIGINS", "https://example.com/", "https://example.com/"},
		{"an origin without a scheme is rejected", "CORS_ALLOWED_ORIGINS", "example.com", "example.com"},
		{"a non-numeric request limit is rejected", "RATE_LIMIT_REQUESTS_PER_MINUTE", "many", "many"},
		{"a zero auth limit is rejected", "RATE_LIMIT_AUTH_PER_MINUTE", "0", "0"},
		{"a request limit beyond one a microsecond is rejected", "RATE_LIMIT_REQUESTS_PER_MINUTE", "60000001", "60000001"},
		{"a failure count beyond int32 is rejected", "LOGIN_MAX_FAILURES", "2147483648", "2147483648"},
		{"a negative API limit is rejected", "RATE_LIMIT_API_PER_HOUR", "-5", "-5"},
		{"a fractional failure count is rejected", "LOGIN_MAX_FAILURES", "2.5", "2.5"},
		{"a duration without a unit is rejected", "LOGIN_LOCKOUT", "15", "15"},
		{"a zero access TTL is rejected", "JWT_ACCESS_TTL", "0s", "0s"},
		{"a negative refresh TTL is rejected", "JWT_REFRESH_TTL", "-1h", "-1h"},
		{"a refresh TTL not longer than the access TTL is rejected", "JWT_REFRESH_TTL", "15m", "longer than JWT_ACCESS_TTL"},
		{"a non-boolean worker flag is rejected", "WORKER_IN_PROCESS", "yes", "yes"},
		{"a bad shutdown timeout is rejected", "APP_SHUTDOWN_TIMEOUT", "soon", "soon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := loadProblems(t, withKey(map[string]string{tt.variable: tt.value}))
			if len(problems) != 1 {
				t.Fatalf("problems = %q, want exactly one", problems)
			}
			p := problems[0]
			if !strings.HasPrefix(p, tt.variable+": ") {
				t.Errorf("problem %q does not start with %q", p, tt.variable+": ")
			}
			if tt.want == "" && strings.Contains(p, tt.value) {
				t.Errorf("problem %q reveals the secret value", p)
			}
			if !strings.Contains(p, tt.want) {
				t.Errorf("problem %q does not mention %q", p, tt.want)
			}
		})
	}
}

func TestLoadReportsAllProblemsTogether(t *testing.T) {
	_, err := Load(mapEnv(map[string]string{
		"APP_ENV":                    "production",
		"APP_ADDR":                   "nope",
		"RATE_LIMIT_AUTH_PER_MINUTE": "x",
		"LOGIN_LOCKOUT":              "forever",
		"TRUSTED_PROXIES":            "not-an-ip",
		"SMTP_URL":                   "mail.example.com",
	}))
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Load error = %v, want a *ValidationError", err)
	}
	want := []string{"APP_ADDR", "SMTP_URL", "TRUSTED_PROXIES", "RATE_LIMIT_AUTH_PER_MINUTE", "LOGIN_LOCKOUT", "SECRET_KEY"}
	if len(verr.Problems) != len(want) {
		t.Fatalf("problems = %q, want %d of them", verr.Problems, len(want))
	}
	for i, name := range want {
		if !strings.HasPrefix(verr.Problems[i], name+": ") {
			t.Errorf("problem %d = %q, want it about %s", i, verr.Problems[i], name)
		}
		if !strings.Contains(err.Error(), verr.Problems[i]) {
			t.Errorf("Error() = %q, missing %q", err.Error(), verr.Problems[i])
		}
	}
}
