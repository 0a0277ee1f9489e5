package config

import (
	"net/netip"
	"net/url"
	"strings"
)

// Level is how serious a deploy Finding is.
type Level int

// Levels of a Finding: a warning deserves a look, an error must be fixed
// before serving production traffic.
const (
	LevelWarning Level = iota
	LevelError
)

// Finding is one result of DeployChecks. ID is stable across releases
// ("rampart.E001" for errors, "rampart.W001" for warnings), so that it can
// be documented and searched for; Message says what is wrong and how to fix it.
type Finding struct {
	Level   Level
	ID      string
	Message string
}

// DeployChecks reviews a loaded, non-nil Config for production use, like
// Django's `check --deploy`, and returns the findings in a fixed order (none
// for a sound production config). It is pure: values that fail to parse were
// already rejected by Load, and database reachability is checked elsewhere.
//
// Errors:
//   - E001 APP_ENV is not production.
//   - E002 SECRET_KEY is shorter than 32 bytes.
//   - E003 SECRET_KEY is the generated development key.
//   - E004 SECRET_KEY is a known weak value: one byte repeated, or shorter
//     than 48 bytes and containing "changeme", "secret" or "dev" (any case).
//   - E005 APP_BASE_URL is not https.
//   - E006 APP_BASE_URL points at localhost, a loopback or unspecified address.
//   - E007 DATABASE_URL is DefaultDatabaseURL.
//   - E008 SMTP_URL is empty: mail would stay in the outbox.
//   - E009 ADMIN_ALLOWED_CIDRS contains a /0 prefix (everyone).
//   - E010 CORS_ALLOWED_ORIGINS contains "*".
//   - E011 TRUSTED_PROXIES contains a /0 prefix (any client could spoof its IP).
//
// Warnings:
//   - W001 REDIS_URL is empty: rate limits and token revocation are per instance.
//   - W002 SMTP_URL is plain smtp:// to a non-loopback host.
//   - W003 CORS_ALLOWED_ORIGINS contains an http:// origin.
//   - W004 WORKER_IN_PROCESS is true in production.
func DeployChecks(c *Config) []Finding {
	checks := []func(*Config) []Finding{
		checkEnv, checkSecretKey, checkBaseURL, checkDatabase, checkRedis,
		checkSMTP, checkAdminCIDRs, checkCORS, checkTrustedProxies, checkWorker,
	}
	var findings []Finding
	for _, check := range checks {
		findings = append(findings, check(c)...)
	}
	return findings
}

func deployError(id, msg string) Finding {
	return Finding{Level: LevelError, ID: id, Message: msg}
}

func deployWarning(id, msg string) Finding {
	return Finding{Level: LevelWarning, ID: id, Message: msg}
}

func checkEnv(c *Config) []Finding {
	if c.IsProduction() {
		return nil
	}
	return []Finding{deployError("rampart.E001", "APP_ENV is "+string(c.Env)+", not production: development pages, the dev mailbox and insecure cookies are on")}
}

func checkSecretKey(c *Config) []Finding {
	var f []Finding
	if len(c.SecretKey) < minSecretKeyLen {
		f = append(f, deployError("rampart.E002", "SECRET_KEY is shorter than 32 bytes; generate one with `openssl rand -hex 32`"))
	}
	if c.SecretKeySource == "generated" {
		f = append(f, deployError("rampart.E003", "SECRET_KEY is the generated development key; set SECRET_KEY or SECRET_KEY_FILE"))
	}
	if weakSecretKey(c.SecretKey) {
		f = append(f, deployError("rampart.E004", "SECRET_KEY looks like a placeholder or weak value; generate one with `openssl rand -hex 32`"))
	}
	return f
}

// weakSecretKey reports keys that are one byte repeated, or short and
// containing a placeholder word. The 48-byte bound keeps long random keys,
// which may contain such letters by chance, from being flagged.
func weakSecretKey(key []byte) bool {
	if len(key) > 0 && strings.Count(string(key), string(key[:1])) == len(key) {
		return true
	}
	if len(key) >= 48 {
		return false
	}
	lower := strings.ToLower(string(key))
	for _, word := range []string{"changeme", "secret", "dev"} {
		if strings.Contains(lower, word) {
			return true
		}
	}
	return false
}

func checkBaseURL(c *Config) []Finding {
	if c.BaseURL == nil {
		return []Finding{deployError("rampart.E005", "APP_BASE_URL is not set")}
	}
	var f []Finding
	if c.BaseURL.Scheme != "https" {
		f = append(f, deployError("rampart.E005", "APP_BASE_URL must be https: links in mail and secure cookies depend on it"))
	}
	if isLocalHost(c.BaseURL.Hostname()) {
		f = append(f, deployError("rampart.E006", "APP_BASE_URL points at "+c.BaseURL.Hostname()+": links in mail would not reach users"))
	}
	return f
}

// isLocalHost reports localhost names and loopback or unspecified addresses.
func isLocalHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && (a.IsLoopback() || a.IsUnspecified())
}

func checkDatabase(c *Config) []Finding {
	if c.DatabaseURL != DefaultDatabaseURL {
		return nil
	}
	return []Finding{deployError("rampart.E007", "DATABASE_URL is the local development default; set DATABASE_URL or DATABASE_URL_FILE")}
}

func checkRedis(c *Config) []Finding {
	if c.RedisURL != "" {
		return nil
	}
	return []Finding{deployWarning("rampart.W001", "REDIS_URL is not set: rate limits and token revocation are per instance, which is only correct with a single server")}
}

func checkSMTP(c *Config) []Finding {
	if c.SMTPURL == "" {
		return []Finding{deployError("rampart.E008", "SMTP_URL is not set: mail would stay in the outbox and never be sent")}
	}
	u, err := url.Parse(c.SMTPURL)
	if err == nil && u.Scheme == "smtp" && !isLocalHost(u.Hostname()) {
		return []Finding{deployWarning("rampart.W002", "SMTP_URL uses plain smtp:// to a remote host; use smtps:// or make sure the server offers STARTTLS")}
	}
	return nil
}

func checkAdminCIDRs(c *Config) []Finding {
	if !hasZeroPrefix(c.AdminAllowedCIDRs) {
		return nil
	}
	return []Finding{deployError("rampart.E009", "ADMIN_ALLOWED_CIDRS contains a /0 prefix: /admin and /metrics are reachable from anywhere")}
}

func checkCORS(c *Config) []Finding {
	var wildcard, plain bool
	for _, o := range c.CORSAllowedOrigins {
		wildcard = wildcard || o == "*"
		plain = plain || strings.HasPrefix(strings.ToLower(o), "http://")
	}
	var f []Finding
	if wildcard {
		f = append(f, deployError("rampart.E010", `CORS_ALLOWED_ORIGINS contains "*": list the origins allowed to call /api`))
	}
	if plain {
		f = append(f, deployWarning("rampart.W003", "CORS_ALLOWED_ORIGINS contains an http:// origin, which anyone on its network path can impersonate"))
	}
	return f
}

func checkTrustedProxies(c *Config) []Finding {
	if !hasZeroPrefix(c.TrustedProxies) {
		return nil
	}
	return []Finding{deployError("rampart.E011", "TRUSTED_PROXIES contains a /0 prefix: any client could forge its address in X-Forwarded-For")}
}

func checkWorker(c *Config) []Finding {
	if !c.IsProduction() || !c.WorkerInProcess {
		return nil
	}
	return []Finding{deployWarning("rampart.W004", "WORKER_IN_PROCESS is true: every server replica also runs jobs; prefer a separate worker in production")}
}

func hasZeroPrefix(prefixes []netip.Prefix) bool {
	for _, p := range prefixes {
		if p.Bits() == 0 {
			return true
		}
	}
	return false
}
