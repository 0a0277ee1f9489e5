// Package logging builds the application's slog logger: JSON in production,
// readable text in development, with attributes carried in the context (the
// request id, the client IP) added to every line, and values of secret-looking
// keys redacted whatever code logs them.
package logging

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// Format selects the output encoding.
type Format int

// Output formats.
const (
	FormatText Format = iota // key=value, for people
	FormatJSON               // one JSON object a line, for machines
)

// Redacted replaces the value of every redacted attribute.
const Redacted = "[REDACTED]"

// New returns a logger writing to w in format at level. Every record gets the
// attributes stored in its context with WithAttrs, and attributes whose key
// names a secret (see IsSensitiveKey) or whose string value has the shape of
// one (LooksSecret) have their value replaced by Redacted.
func New(w io.Writer, format Format, level slog.Leveler) *slog.Logger {
	if level == nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redact}
	if format == FormatJSON {
		// slog serialises its own writes; the direct path of Lines writes
		// to the same w, so both go through one lock.
		lw := &lockedWriter{w: w}
		return slog.New(contextHandler{Handler: slog.NewJSONHandler(lw, opts), fast: &Lines{w: lw, level: level}})
	}
	return slog.New(contextHandler{Handler: slog.NewTextHandler(w, opts)})
}

// lockedWriter serialises writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type ctxKey struct{}

// WithAttrs returns a context whose log records (logged with the *Context
// methods) carry attrs in addition to any already there.
func WithAttrs(ctx context.Context, attrs ...slog.Attr) context.Context {
	prev, _ := ctx.Value(ctxKey{}).([]slog.Attr)
	merged := make([]slog.Attr, 0, len(prev)+len(attrs))
	merged = append(append(merged, prev...), attrs...)
	return context.WithValue(ctx, ctxKey{}, merged)
}

// Attrs returns the attributes stored in ctx by WithAttrs.
func Attrs(ctx context.Context) []slog.Attr {
	attrs, _ := ctx.Value(ctxKey{}).([]slog.Attr)
	return attrs
}

type contextHandler struct {
	slog.Handler
	fast *Lines // the same output's hot path (JSON only; dropped by WithAttrs and WithGroup)
}

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if attrs := Attrs(ctx); len(attrs) > 0 {
		r = r.Clone()
		r.AddAttrs(attrs...)
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{Handler: h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{Handler: h.Handler.WithGroup(name)}
}

// sensitiveFragments are matched case-insensitively against attribute keys.
var sensitiveFragments = [...]string{
	"password", "passwd", "passphrase", "secret", "token", "api_key", "api-key", "apikey",
	"authorization", "credential", "cookie", "signature", "private_key", "private-key", "totp",
	"recovery_code", "otp",
}

// IsSensitiveKey reports whether an attribute named key must never be logged
// in clear: any key containing password, secret, token, api_key, cookie,
// authorization, signature, totp, otp, ...
func IsSensitiveKey(key string) bool {
	k := strings.ToLower(key)
	for _, f := range sensitiveFragments {
		if strings.Contains(k, f) {
			return true
		}
	}
	return false
}

// LooksSecret reports whether a value has the shape of a credential
// whatever it is called: a JWT (three base64url parts, the first a JSON
// header "eyJ..."), a Rampart API key (8 hex, ".", 32 hex), a webhook
// secret (whsec_...), or an Authorization value (Bearer/Basic ...). Logs
// redact such values even under innocent names (?q=eyJ...).
func LooksSecret(v string) bool {
	v = strings.TrimSpace(v)
	switch {
	case len(v) < 20:
		return false
	case hasFoldPrefix(v, "bearer ") || hasFoldPrefix(v, "basic ") || strings.HasPrefix(v, "whsec_"):
		return true
	case strings.HasPrefix(v, "eyJ") && strings.Count(v, ".") == 2:
		return allIn(v, base64URLDot)
	case len(v) == 41 && v[8] == '.':
		return allIn(v[:8], hexDigits) && allIn(v[9:], hexDigits)
	}
	return false
}

const (
	hexDigits    = "0123456789abcdef"
	base64URLDot = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
)

func allIn(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func redact(_ []string, a slog.Attr) slog.Attr {
	switch k := a.Value.Kind(); {
	case k != slog.KindGroup && IsSensitiveKey(a.Key):
		return slog.String(a.Key, Redacted)
	case k == slog.KindString && LooksSecret(a.Value.String()):
		return slog.String(a.Key, Redacted)
	}
	return a
}

// WithMinLevel returns a logger sharing log's output that drops records below
// level: for chatty libraries (River logs every poll at Info).
func WithMinLevel(log *slog.Logger, level slog.Level) *slog.Logger {
	return slog.New(minLevelHandler{Handler: log.Handler(), min: level})
}

type minLevelHandler struct {
	slog.Handler
	min slog.Level
}

func (h minLevelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithAttrs(attrs), min: h.min}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithGroup(name), min: h.min}
}
