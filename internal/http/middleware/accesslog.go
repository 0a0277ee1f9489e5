package middleware

import (
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"

	"github.com/rampart-dev/rampart/internal/logging"
)

// AccessLogConfig configures AccessLog.
type AccessLogConfig struct {
	Skipper echomw.Skipper
	// Logger receives one Info line per request (Warn for 5xx).
	Logger *slog.Logger
	// SensitiveParams are query parameter and body field names
	// (case-insensitive) whose values are replaced by [REDACTED], in addition
	// to DefaultSensitiveParams (or instead of them, with
	// ReplaceSensitiveParams) and to every name logging.IsSensitiveKey
	// matches, which cannot be turned off.
	SensitiveParams        []string
	ReplaceSensitiveParams bool
	// Headers are request headers to log, as attribute "header.<name>".
	// Values of SensitiveHeaders (and of any name logging.IsSensitiveKey
	// matches) are logged as [REDACTED].
	Headers []string
	// SensitiveHeaders are added to DefaultSensitiveHeaders.
	SensitiveHeaders []string
	// LogBody logs form (application/x-www-form-urlencoded) and JSON bodies
	// of up to MaxBodyBytes (default 4 KiB), with sensitive fields redacted
	// at any depth; larger or other bodies are logged as their size only.
	// Off by default: bodies are personal data.
	LogBody      bool
	MaxBodyBytes int
}

// DefaultSensitiveHeaders are never logged in clear: credentials, cookies
// and webhook signatures.
var DefaultSensitiveHeaders = []string{
	"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-CSRF-Token",
	"Stripe-Signature", "X-Hub-Signature", "X-Hub-Signature-256", "X-Slack-Signature",
	"Webhook-Signature", "X-Signature",
}

// DefaultSensitiveParams are redacted in every access log line.
var DefaultSensitiveParams = []string{
	"password", "passwd", "token", "secret", "api_key", "apikey", "access_token",
	"refresh_token", "signature", "sig", "auth", "code", "key", "expires",
	"pass", "pw", "pwd", "jwt", "session", "sessionid", "sid", "bearer", "id_token", "credential",
	"credentials", "otp", "totp", "recovery_code", "csrf_token",
}

// AccessLog returns the middleware logging to logger with the default params.
func AccessLog(logger *slog.Logger) echo.MiddlewareFunc {
	return AccessLogWithConfig(AccessLogConfig{Logger: logger})
}

// AccessLogWithConfig logs one structured line per request after it is
// handled: method, path, redacted query, route, status, duration, bytes,
// client ip and (through the context) the request id. It panics when
// cfg.Logger is nil.
func AccessLogWithConfig(cfg AccessLogConfig) echo.MiddlewareFunc {
	if cfg.Logger == nil {
		panic("middleware: AccessLog needs a Logger")
	}
	if cfg.Skipper == nil {
		cfg.Skipper = echomw.DefaultSkipper
	}
	params := cfg.SensitiveParams
	if !cfg.ReplaceSensitiveParams {
		params = append(append([]string{}, DefaultSensitiveParams...), params...)
	}
	sensitive := lowerSet(params)
	sensitiveHeaders := lowerSet(append(append([]string{}, DefaultSensitiveHeaders...), cfg.SensitiveHeaders...))
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 4 << 10
	}
	// With a JSON logger from package logging the line is appended
	// directly (the same bytes as slog would write, several times faster);
	// other loggers get the same attributes through slog.
	lines := logging.LinesFor(cfg.Logger)
	headerKeys := make([]logging.Key, len(cfg.Headers))
	headerRedact := make([]bool, len(cfg.Headers))
	for i, h := range cfg.Headers {
		headerKeys[i] = logging.NewKey("header." + h)
		headerRedact[i] = sensitiveHeaders[strings.ToLower(h)] || logging.IsSensitiveKey(h)
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper(c) {
				return next(c)
			}
			start := time.Now()
			var body bodyCapture
			if cfg.LogBody {
				body = captureBody(c.Request(), cfg.MaxBodyBytes)
			}
			err := next(c)
			if err != nil {
				// Let the error handler write the response now, so the status
				// logged is the one the client gets.
				c.Error(err)
			}
			req, res := c.Request(), c.Response()
			level := slog.LevelInfo
			if res.Status >= 500 {
				level = slog.LevelWarn
			}
			line := lines.Start(level, "request")
			line.Str(keyMethod, req.Method).Str(keyPath, req.URL.Path).Str(keyRoute, c.Path()).
				Int(keyStatus, int64(res.Status)).Dur(keyDuration, time.Since(start)).Int(keyBytes, res.Size).
				Str(keyClientIP, c.RealIP()).Str(keyUserAgent, req.UserAgent())
			if req.URL.RawQuery != "" {
				line.Str(keyQuery, RedactQuery(req.URL.RawQuery, sensitive))
			}
			for i, h := range cfg.Headers {
				if v := req.Header.Get(h); v != "" {
					if headerRedact[i] || logging.LooksSecret(v) {
						v = logging.Redacted
					}
					line.Str(headerKeys[i], v)
				}
			}
			if cfg.LogBody {
				if b, ok := body.redacted(sensitive); ok {
					line.Str(keyBody, b)
				}
			}
			line.End(req.Context())
			return nil
		}
	}
}

// The access line's attribute keys, prepared for the fast path.
var (
	keyMethod    = logging.NewKey("method")
	keyPath      = logging.NewKey("path")
	keyRoute     = logging.NewKey("route")
	keyStatus    = logging.NewKey("status")
	keyDuration  = logging.NewKey("duration")
	keyBytes     = logging.NewKey("bytes")
	keyClientIP  = logging.NewKey("client_ip")
	keyUserAgent = logging.NewKey("user_agent")
	keyQuery     = logging.NewKey("query")
	keyBody      = logging.NewKey("body")
)

func lowerSet(names []string) map[string]bool {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[strings.ToLower(n)] = true
	}
	return set
}

// RedactQuery returns rawQuery with the value of every parameter whose
// lower-cased name is in sensitive (or is a secret by logging.IsSensitiveKey),
// and every value shaped like a credential (logging.LooksSecret), replaced
// by [REDACTED]. An unparseable query is dropped entirely rather
// than logged raw.
func RedactQuery(rawQuery string, sensitive map[string]bool) string {
	return RedactQueryFunc(rawQuery, func(name string) bool {
		return sensitive[strings.ToLower(name)] || logging.IsSensitiveKey(name)
	})
}

// RedactQueryFunc is RedactQuery with the sensitivity test given as a
// function (also used for form bodies).
func RedactQueryFunc(rawQuery string, isSensitive func(name string) bool) string {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "[UNPARSEABLE]"
	}
	for name, vs := range values {
		secretName := isSensitive(name)
		for i := range vs {
			if secretName || logging.LooksSecret(vs[i]) {
				vs[i] = logging.Redacted
			}
		}
	}
	return values.Encode()
}
