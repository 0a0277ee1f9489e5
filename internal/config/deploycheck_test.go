package config

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// productionConfig returns a configuration that passes every deploy check.
func productionConfig() *Config {
	return &Config{
		Env:                        EnvProduction,
		Addr:                       ":8080",
		BaseURL:                    &url.URL{Scheme: "https", Host: "app.example.com"},
		SecretKey:                  []byte("3f9c1a7be2d4806f5a1c9e3b7d2f4a6081c5e9b3d7f1a2c4e6b8d0f2a4c6e8b1"),
		SecretKeySource:            "env",
		DatabaseURL:                "postgres://rampart:pw@db.internal:5432/rampart?sslmode=verify-full",
		RedisURL:                   "rediss://:pw@cache.internal:6380/0",
		SMTPURL:                    "smtps://user:pw@smtp.example.com:465",
		MailFrom:                   "Rampart <no-reply@example.com>",
		TrustedProxies:             []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		CORSAllowedOrigins:         []string{"https://app.example.com"},
		AdminAllowedCIDRs:          []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")},
		RateLimitRequestsPerMinute: 600,
		RateLimitAuthPerMinute:     10,
		RateLimitAPIPerHour:        5000,
		LoginMaxFailures:           10,
		WorkerInProcess:            false,
	}
}

func TestDeployChecksPassesSoundProductionConfig(t *testing.T) {
	if f := DeployChecks(productionConfig()); len(f) != 0 {
		t.Errorf("findings = %+v, want none", f)
	}
}

func TestDeployChecksFlagsEachProblem(t *testing.T) {
	type want struct {
		id    string
		level Level
	}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []want
	}{
		{"a development environment is an error", func(c *Config) { c.Env = EnvDevelopment }, []want{{"rampart.E001", LevelError}}},
		{"a test environment is an error", func(c *Config) { c.Env = EnvTest; c.WorkerInProcess = true }, []want{{"rampart.E001", LevelError}}},
		{"a short secret key is an error", func(c *Config) { c.SecretKey = []byte("x7Qp2Lm9Rt4") }, []want{{"rampart.E002", LevelError}}},
		{"a generated development key is an error", func(c *Config) { c.SecretKeySource = "generated" }, []want{{"rampart.E003", LevelError}}},
		{"a key of one repeated byte is an error", func(c *Config) { c.SecretKey = []byte(strings.Repeat("a", 64)) }, []want{{"rampart.E004", LevelError}}},
		{"a short key saying changeme is an error", func(c *Config) { c.SecretKey = []byte("please-CHANGEME-before-going-to-production") }, []want{{"rampart.E004", LevelError}}},
		{"a short key saying secret is an error", func(c *Config) { c.SecretKey = []byte("my-Secret-key-for-the-rampart-app") }, []want{{"rampart.E004", LevelError}}},
		{"a short key saying dev is an error", func(c *Config) { c.SecretKey = []byte("local-DEV-key-0123456789abcdef01234") }, []want{{"rampart.E004", LevelError}}},
		{"a long key containing dev by chance passes", func(c *Config) { c.SecretKey = []byte("dev" + strings.Repeat("0123456789", 5)) }, nil},
		{"an empty key is too short", func(c *Config) { c.SecretKey = nil }, []want{{"rampart.E002", LevelError}}},
		{"an http base URL is an error", func(c *Config) { c.BaseURL.Scheme = "http" }, []want{{"rampart.E005", LevelError}}},
		{"a missing base URL is an error", func(c *Config) { c.BaseURL = nil }, []want{{"rampart.E005", LevelError}}},
		{"a localhost base URL is an error", func(c *Config) { c.BaseURL.Host = "localhost:8443" }, []want{{"rampart.E006", LevelError}}},
		{"a loopback IPv4 base URL is an error", func(c *Config) { c.BaseURL.Host = "127.0.0.1" }, []want{{"rampart.E006", LevelError}}},
		{"a loopback IPv6 base URL is an error", func(c *Config) { c.BaseURL.Host = "[::1]:443" }, []want{{"rampart.E006", LevelError}}},
		{"the default database URL is an error", func(c *Config) { c.DatabaseURL = DefaultDatabaseURL }, []want{{"rampart.E007", LevelError}}},
		{"no Redis is a warning", func(c *Config) { c.RedisURL = "" }, []want{{"rampart.W001", LevelWarning}}},
		{"no SMTP is an error", func(c *Config) { c.SMTPURL = "" }, []want{{"rampart.E008", LevelError}}},
		{"plain SMTP to a remote host is a warning", func(c *Config) { c.SMTPURL = "smtp://u:p@smtp.example.com:587" }, []want{{"rampart.W002", LevelWarning}}},
		{"plain SMTP to a local relay passes", func(c *Config) { c.SMTPURL = "smtp://127.0.0.1:25" }, nil},
		{"admin open to all IPv4 is an error", func(c *Config) { c.AdminAllowedCIDRs = append(c.AdminAllowedCIDRs, netip.MustParsePrefix("0.0.0.0/0")) }, []want{{"rampart.E009", LevelError}}},
		{"admin open to all IPv6 is an error", func(c *Config) { c.AdminAllowedCIDRs = []netip.Prefix{netip.MustParsePrefix("::/0")} }, []want{{"rampart.E009", LevelError}}},
		{"a wildcard CORS origin is an error", func(c *Config) { c.CORSAllowedOrigins = append(c.CORSAllowedOrigins, "*") }, []want{{"rampart.E010", LevelError}}},
		{"an http CORS origin is a warning", func(c *Config) { c.CORSAllowedOrigins = append(c.CORSAllowedOrigins, "http://app.example.com") }, []want{{"rampart.W003", LevelWarning}}},
		{"trusting every proxy is an error", func(c *Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("::/0")} }, []want{{"rampart.E011", LevelError}}},
		{"an in-process worker is a warning", func(c *Config) { c.WorkerInProcess = true }, []want{{"rampart.W004", LevelWarning}}},
		{"several problems are all reported in order", func(c *Config) { c.BaseURL.Host = "localhost"; c.BaseURL.Scheme = "http"; c.RedisURL = "" }, []want{{"rampart.E005", LevelError}, {"rampart.E006", LevelError}, {"rampart.W001", LevelWarning}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := productionConfig()
			tt.mutate(c)
			got := DeployChecks(c)
			if len(got) != len(tt.want) {
				t.Fatalf("findings = %+v, want %+v", got, tt.want)
			}
			for i, f := range got {
				if f.ID != tt.want[i].id || f.Level != tt.want[i].level || f.Message == "" {
					t.Errorf("finding %d = %+v, want %s at level %d with a message", i, f, tt.want[i].id, tt.want[i].level)
				}
			}
		})
	}
}
