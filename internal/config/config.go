// Package config reads Rampart's typed configuration from the environment.
//
// Load is called once, by run, with os.Getenv (tests pass a map lookup); it
// validates everything and reports every problem together. Each secret
// variable (SECRET_KEY, DATABASE_URL, REDIS_URL, SMTP_URL) may instead be
// given as NAME_FILE=path, as Docker and Kubernetes secret mounts do.
// DeployChecks reviews a loaded Config before it serves production traffic.
package config

import (
	"math"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Env names the environment Rampart runs in (APP_ENV).
type Env string

// The environments accepted in APP_ENV; anything else fails Load.
const (
	EnvDevelopment Env = "development"
	EnvTest        Env = "test"
	EnvProduction  Env = "production"
)

// DefaultDatabaseURL is the local development database used when
// DATABASE_URL is unset. DeployChecks refuses it in production.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/rampart?sslmode=disable"

// DevSecretKeyFile is the file name, inside Config.DataDir, where a
// development or test SECRET_KEY is generated and kept between runs.
const DevSecretKeyFile = "secret_key"

// maxPerMinute bounds per-minute rate limits: the limiter counts at most
// one event a microsecond.
const maxPerMinute = 60_000_000

// minSecretKeyLen is the shortest SECRET_KEY accepted: HKDF derives 256-bit
// keys from it, so it must carry at least 256 bits.
const minSecretKeyLen = 32

// Config is the whole typed configuration. Load fills and validates it;
// callers pass individual values on to packages, never the whole Config.
// It holds secrets: never log or print it as a whole.
type Config struct {
	Env                        Env            // APP_ENV, default development
	Addr                       string         // APP_ADDR, default ":8080"; must be host:port
	BaseURL                    *url.URL       // APP_BASE_URL, default http://localhost:8080; absolute http(s), no trailing slash
	SecretKey                  []byte         // SECRET_KEY, at least 32 bytes
	SecretKeySource            string         // "env", "file" (SECRET_KEY_FILE) or "generated"
	SecretKeyPrevious          []byte         // SECRET_KEY_PREVIOUS: the key SECRET_KEY replaced, still accepted for decryption (optional)
	DatabaseURL                string         // DATABASE_URL, default DefaultDatabaseURL
	RedisURL                   string         // REDIS_URL, default empty (in-memory fallbacks)
	SMTPURL                    string         // SMTP_URL, default empty (mail stays in the outbox)
	MailFrom                   string         // MAIL_FROM, default "Rampart <no-reply@localhost>"
	TrustedProxies             []netip.Prefix // TRUSTED_PROXIES, default none
	CORSAllowedOrigins         []string       // CORS_ALLOWED_ORIGINS, default none; "*" or scheme://host[:port], lower-cased
	AdminAllowedCIDRs          []netip.Prefix // ADMIN_ALLOWED_CIDRS, default 127.0.0.0/8,::1/128
	RateLimitRequestsPerMinute int            // RATE_LIMIT_REQUESTS_PER_MINUTE, default 600
	RateLimitAuthPerMinute     int            // RATE_LIMIT_AUTH_PER_MINUTE, default 10
	RateLimitAPIPerHour        int            // RATE_LIMIT_API_PER_HOUR, default 5000
	LoginMaxFailures           int            // LOGIN_MAX_FAILURES, default 10
	LoginLockout               time.Duration  // LOGIN_LOCKOUT, default 15m
	JWTAccessTTL               time.Duration  // JWT_ACCESS_TTL, default 15m
	JWTRefreshTTL              time.Duration  // JWT_REFRESH_TTL, default 168h; longer than JWTAccessTTL
	WorkerInProcess            bool           // WORKER_IN_PROCESS, default true in development only
	DataDir                    string         // APP_DATA_DIR, default ".data": local state such as the dev secret key
	ShutdownTimeout            time.Duration  // APP_SHUTDOWN_TIMEOUT, default 30s
	Warnings                   []string       // non-fatal notes from Load, for the caller to log
}

// IsProduction reports whether APP_ENV is production.
func (c *Config) IsProduction() bool { return c.Env == EnvProduction }

// IsDevelopment reports whether APP_ENV is development.
func (c *Config) IsDevelopment() bool { return c.Env == EnvDevelopment }

// ValidationError is the error Load returns when the configuration is
// invalid. Problems holds one "NAME: what is wrong" line per problem, in the
// order the variables were read; values of secrets never appear in them.
type ValidationError struct {
	Problems []string
}

// Error joins all problems into one line.
func (e *ValidationError) Error() string {
	return "invalid configuration: " + strings.Join(e.Problems, "; ")
}

// Load reads the configuration through getenv (and only through it: it never
// calls os.Getenv), applies the defaults listed on Config and validates every
// value. Non-secret values are trimmed of surrounding whitespace; a variable
// that is empty counts as unset.
//
// When SECRET_KEY is absent, production is an error; development and test
// read DataDir/DevSecretKeyFile, generating it (0600, 64 hex characters)
// when missing, and add a warning. The key file is only touched when every
// other value is valid.
//
// All problems are returned together as a *ValidationError.
func Load(getenv func(string) string) (*Config, error) {
	l := &loader{getenv: getenv, secrets: EnvSecrets{Getenv: getenv}}
	env := l.env()
	c := &Config{
		Env:                        env,
		Addr:                       l.addr(),
		BaseURL:                    l.baseURL(),
		DatabaseURL:                l.secret("DATABASE_URL", DefaultDatabaseURL),
		RedisURL:                   l.redisURL(),
		SMTPURL:                    l.smtpURL(),
		MailFrom:                   l.mailFrom(),
		TrustedProxies:             l.prefixes("TRUSTED_PROXIES", ""),
		CORSAllowedOrigins:         l.origins("CORS_ALLOWED_ORIGINS"),
		AdminAllowedCIDRs:          l.prefixes("ADMIN_ALLOWED_CIDRS", "127.0.0.0/8,::1/128"),
		RateLimitRequestsPerMinute: l.boundedInt("RATE_LIMIT_REQUESTS_PER_MINUTE", 600, maxPerMinute),
		RateLimitAuthPerMinute:     l.boundedInt("RATE_LIMIT_AUTH_PER_MINUTE", 10, maxPerMinute),
		RateLimitAPIPerHour:        l.boundedInt("RATE_LIMIT_API_PER_HOUR", 5000, 60*maxPerMinute),
		LoginMaxFailures:           l.boundedInt("LOGIN_MAX_FAILURES", 10, math.MaxInt32),
		LoginLockout:               l.positiveDuration("LOGIN_LOCKOUT", 15*time.Minute),
		WorkerInProcess:            l.boolean("WORKER_IN_PROCESS", env == EnvDevelopment),
		DataDir:                    l.value("APP_DATA_DIR", ".data"),
		ShutdownTimeout:            l.positiveDuration("APP_SHUTDOWN_TIMEOUT", 30*time.Second),
	}
	c.JWTAccessTTL, c.JWTRefreshTTL = l.tokenTTLs()
	l.secretKey(c)
	l.previousSecretKey(c)
	if len(l.problems) > 0 {
		return nil, &ValidationError{Problems: l.problems}
	}
	c.Warnings = l.warnings
	return c, nil
}
