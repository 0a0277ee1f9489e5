package logging

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Lines logs records field by field, for code that logs once per request
// such as the access log:
//
//	line := lines.Start(slog.LevelInfo, "request")
//	line.Str(keyMethod, req.Method).Int(keyStatus, 200)
//	line.End(ctx)
//
// For a JSON logger built by New or NewBuffered the fields are appended
// straight into a pooled buffer, in exactly the bytes the logger's slog path
// writes (redaction and context attributes included), several times faster
// and without allocating. For any other logger the fields become slog
// attributes logged through it. Keys are prepared once with NewKey. Every
// Line method is a no-op on a nil *Line, which Start returns when the
// level is disabled.
type Lines struct {
	log *slog.Logger // the slog path; nil for the direct one

	w     io.Writer
	level slog.Leveler
	flush func() error // set for NewBuffered loggers: Warn and above are flushed at once
}

// LinesFor returns the line logger over log.
func LinesFor(log *slog.Logger) *Lines {
	switch h := log.Handler().(type) {
	case contextHandler:
		if h.fast != nil {
			return h.fast
		}
	case flushingHandler:
		if ch, ok := h.Handler.(contextHandler); ok && ch.fast != nil {
			l := *ch.fast
			l.flush = h.w.Flush
			return &l
		}
	}
	return &Lines{log: log}
}

// Direct reports whether lines are appended directly (not through slog).
func (f *Lines) Direct() bool { return f.log == nil }

// Key is an attribute name prepared for Line: quoted once and checked once
// against IsSensitiveKey, so a value under a secret-looking key is always
// written as Redacted.
type Key struct {
	name   string
	quoted string // ,"name":
	redact bool
}

// NewKey prepares name for Line.
func NewKey(name string) Key {
	b := append([]byte(`,"`), appendEscaped(nil, name)...)
	return Key{name: name, quoted: string(append(b, `":`...)), redact: IsSensitiveKey(name)}
}

// Line is one record being appended; End writes it.
type Line struct {
	f     *Lines
	level slog.Level
	buf   []byte

	msg   string      // the slog path's message
	attrs []slog.Attr // and attributes
}

var linePool = sync.Pool{New: func() any { return &Line{buf: make([]byte, 0, 1024)} }}

// Start begins a record at level with message msg, or returns nil when the
// logger does not log at level.
func (f *Lines) Start(level slog.Level, msg string) *Line {
	if f.log != nil {
		if !f.log.Enabled(context.Background(), level) {
			return nil
		}
		return &Line{f: f, level: level, msg: msg}
	}
	if level < f.level.Level() {
		return nil
	}
	l := linePool.Get().(*Line)
	l.f, l.level = f, level
	b := append(l.buf[:0], `{"time":"`...)
	b = time.Now().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"`...)
	b = appendEscaped(b, level.String())
	b = append(b, `","msg":"`...)
	if LooksSecret(msg) { // slog's ReplaceAttr sees the message too
		msg = Redacted
	}
	b = appendEscaped(b, msg)
	l.buf = append(b, '"')
	return l
}

// Str appends a string attribute.
func (l *Line) Str(k Key, v string) *Line {
	if l == nil {
		return nil
	}
	if k.redact || LooksSecret(v) {
		v = Redacted
	}
	if l.f.log != nil {
		l.attrs = append(l.attrs, slog.String(k.name, v))
		return l
	}
	l.buf = append(l.buf, k.quoted...)
	l.buf = append(l.buf, '"')
	l.buf = appendEscaped(l.buf, v)
	l.buf = append(l.buf, '"')
	return l
}

// Int appends an integer attribute.
func (l *Line) Int(k Key, v int64) *Line {
	if l == nil {
		return nil
	}
	if k.redact {
		return l.Str(k, "")
	}
	if l.f.log != nil {
		l.attrs = append(l.attrs, slog.Int64(k.name, v))
		return l
	}
	l.buf = append(l.buf, k.quoted...)
	l.buf = strconv.AppendInt(l.buf, v, 10)
	return l
}

// Dur appends a duration attribute (in JSON, nanoseconds like slog.Duration).
func (l *Line) Dur(k Key, d time.Duration) *Line {
	if l != nil && l.f.log != nil && !k.redact {
		l.attrs = append(l.attrs, slog.Duration(k.name, d))
		return l
	}
	return l.Int(k, int64(d))
}

// End appends the attributes carried by ctx (WithAttrs), as the slog path
// does, writes the line and recycles it. l must not be used afterwards.
func (l *Line) End(ctx context.Context) {
	if l == nil {
		return
	}
	if l.f.log != nil {
		l.f.log.LogAttrs(ctx, l.level, l.msg, l.attrs...)
		return
	}
	for _, a := range Attrs(ctx) {
		l.attr(a)
	}
	l.buf = append(l.buf, "}\n"...)
	_, _ = l.f.w.Write(l.buf)
	if l.level >= slog.LevelWarn && l.f.flush != nil {
		_ = l.f.flush()
	}
	if cap(l.buf) <= 16<<10 {
		l.f = nil
		linePool.Put(l)
	}
}

// attr appends a context attribute. Plain kinds are appended here; anything
// else (groups, LogValuers, arbitrary values, floats) goes through slog's
// own JSON handler so the bytes match exactly.
func (l *Line) attr(a slog.Attr) {
	a = redact(nil, a)
	key := func() {
		l.buf = append(l.buf, `,"`...)
		l.buf = appendEscaped(l.buf, a.Key)
		l.buf = append(l.buf, `":`...)
	}
	switch v := a.Value; v.Kind() {
	case slog.KindString:
		key()
		l.buf = append(l.buf, '"')
		l.buf = appendEscaped(l.buf, v.String())
		l.buf = append(l.buf, '"')
	case slog.KindInt64:
		key()
		l.buf = strconv.AppendInt(l.buf, v.Int64(), 10)
	case slog.KindUint64:
		key()
		l.buf = strconv.AppendUint(l.buf, v.Uint64(), 10)
	case slog.KindDuration:
		key()
		l.buf = strconv.AppendInt(l.buf, int64(v.Duration()), 10)
	case slog.KindBool:
		key()
		l.buf = strconv.AppendBool(l.buf, v.Bool())
	default:
		l.buf = appendViaSlog(l.buf, a)
	}
}

// viaSlogPrefix is how slog's JSON handler begins a record with no time,
// level INFO and an empty message.
const viaSlogPrefix = `{"level":"INFO","msg":""`

// appendViaSlog appends ,"key":value for a as slog's JSON handler (with
// this package's redaction) renders it; nothing when slog drops it.
func appendViaSlog(b []byte, a slog.Attr) []byte {
	var out bytes.Buffer
	h := slog.NewJSONHandler(&out, &slog.HandlerOptions{ReplaceAttr: redact})
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "", 0)
	r.AddAttrs(a)
	_ = h.Handle(context.Background(), r)
	s := bytes.TrimSuffix(out.Bytes(), []byte("}\n"))
	return append(b, bytes.TrimPrefix(s, []byte(viaSlogPrefix))...)
}

// appendEscaped appends s escaped for a JSON string as slog's JSON handler
// escapes it: quotes, backslashes and control characters escaped, invalid
// UTF-8 replaced by \ufffd, U+2028 and U+2029 escaped, HTML characters kept.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
