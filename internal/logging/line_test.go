package logging_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/logging"
	"github.com/rampart-dev/rampart/internal/testutil"
)

// timeField is the only part of a line that differs between two records.
var timeField = regexp.MustCompile(`^\{"time":"[^"]+",`)

func stripTime(t *testing.T, line string) string {
	t.Helper()
	if !timeField.MatchString(line) {
		t.Fatalf("line does not start with a time field: %q", line)
	}
	return timeField.ReplaceAllString(line, "{")
}

// fastAndSlog logs the same string attributes (and ctx's attributes) once
// through the fast path and once through slog, returning both lines.
func fastAndSlog(t *testing.T, ctx context.Context, level slog.Level, msg string, kv ...string) (fast, slow string) {
	t.Helper()
	var fb, sb bytes.Buffer
	f := logging.LinesFor(logging.New(&fb, logging.FormatJSON, slog.LevelDebug))
	if !f.Direct() {
		t.Fatal("LinesFor(New(JSON)) goes through slog")
	}
	line := f.Start(level, msg)
	var attrs []slog.Attr
	for i := 0; i+1 < len(kv); i += 2 {
		line.Str(logging.NewKey(kv[i]), kv[i+1])
		attrs = append(attrs, slog.String(kv[i], kv[i+1]))
	}
	line.End(ctx)
	logging.New(&sb, logging.FormatJSON, slog.LevelDebug).LogAttrs(ctx, level, msg, attrs...)
	return stripTime(t, fb.String()), stripTime(t, sb.String())
}

// hostile strings: every escaping rule slog's JSON handler has.
var hostile = []string{
	"", "plain", `quote " and backslash \`, "new\nline\r\ttab", "\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "invalid \xff\xfe utf-8", "\u2028line\u2029sep", "émoji 🔥 日本",
	"truncated \xe2\x82", strings.Repeat("a", 5000),
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "Bearer abcdefghijklmnopqrstuvwxyz",
}

func TestFastLineMatchesSlogByteForByte(t *testing.T) {
	for _, s := range hostile {
		fast, slow := fastAndSlog(t, context.Background(), slog.LevelInfo, s, "key", s, s, "value")
		if fast != slow {
			t.Errorf("string %q:\nfast %s\nslog %s", s, fast, slow)
		}
	}
}

func TestFastLineRedactsLikeSlog(t *testing.T) {
	fast, slow := fastAndSlog(t, context.Background(), slog.LevelWarn, "m",
		"password", "hunter2", "X-Api-Key", "rk_live", "session_token", "abc", "path", "/ok")
	if fast != slow {
		t.Fatalf("fast %s\nslog %s", fast, slow)
	}
	for _, secret := range []string{"hunter2", "rk_live", "abc"} {
		if strings.Contains(fast, secret) {
			t.Errorf("secret %q logged: %s", secret, fast)
		}
	}
	var b bytes.Buffer
	f := logging.LinesFor(logging.New(&b, logging.FormatJSON, slog.LevelInfo))
	f.Start(slog.LevelInfo, "m").Int(logging.NewKey("otp"), 123456).End(context.Background())
	if strings.Contains(b.String(), "123456") || !strings.Contains(b.String(), `"otp":"[REDACTED]"`) {
		t.Errorf("integer under a secret key not redacted: %s", b.String())
	}
}

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.StringValue("resolved") }

func TestFastLineContextAttributesOfEveryKind(t *testing.T) {
	ctx := logging.WithAttrs(context.Background(),
		slog.String("request_id", "r\"1"), slog.Int("n", -3), slog.Uint64("u", 7), slog.Bool("b", true),
		slog.Duration("d", 1500*time.Millisecond), slog.Float64("f", 0.1), slog.Float64("big", 1e21),
		slog.Time("at", time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)), slog.Any("err", errors.New("boom <x>")),
		slog.Any("m", map[string]int{"a": 1}), slog.Any("v", valuer{}), slog.Group("g", slog.String("k", "v"), slog.String("token", "t")),
		slog.Group("empty"), slog.Any("nil", nil), slog.String("api_key", "leak"), slog.Int("secret_n", 42),
	)
	fast, slow := fastAndSlog(t, ctx, slog.LevelError, "ctx", "path", "/")
	if fast != slow {
		t.Fatalf("fast %s\nslog %s", fast, slow)
	}
	if strings.Contains(fast, "leak") || strings.Contains(fast, `"t"`) || strings.Contains(fast, "42") {
		t.Errorf("a context secret was logged: %s", fast)
	}
}

func TestFastLineLevelsAndDisabled(t *testing.T) {
	var b bytes.Buffer
	f := logging.LinesFor(logging.New(&b, logging.FormatJSON, slog.LevelWarn))
	if line := f.Start(slog.LevelInfo, "dropped"); line != nil {
		t.Fatal("Start below the logger's level returned a line")
	}
	var nilLine *logging.Line
	nilLine.Str(logging.NewKey("a"), "b").Int(logging.NewKey("c"), 1).Dur(logging.NewKey("d"), 1).End(context.Background())
	if b.Len() != 0 {
		t.Fatalf("a disabled line wrote %q", b.String())
	}
	for _, level := range []slog.Level{slog.LevelWarn, slog.LevelError, slog.LevelError + 2} {
		fast, slow := fastAndSlog(t, context.Background(), level, "lvl")
		if fast != slow {
			t.Errorf("level %v: fast %s slog %s", level, fast, slow)
		}
	}
}

// Loggers without the direct path (other formats, derived loggers, other
// handlers) get the same record through slog: same fields, same redaction.
func TestLinesThroughSlogForOtherLoggers(t *testing.T) {
	ctx := logging.WithAttrs(context.Background(), slog.String("request_id", "rid"))
	build := map[string]func(w *bytes.Buffer) *slog.Logger{
		"text": func(w *bytes.Buffer) *slog.Logger { return logging.New(w, logging.FormatText, slog.LevelInfo) },
		"with": func(w *bytes.Buffer) *slog.Logger {
			return logging.New(w, logging.FormatJSON, slog.LevelInfo).With("c", "x")
		},
		"group": func(w *bytes.Buffer) *slog.Logger {
			return logging.New(w, logging.FormatJSON, slog.LevelInfo).WithGroup("g")
		},
		"min level": func(w *bytes.Buffer) *slog.Logger {
			return logging.WithMinLevel(logging.New(w, logging.FormatJSON, slog.LevelInfo), slog.LevelInfo)
		},
		"foreign": func(w *bytes.Buffer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) },
	}
	timeAttr := regexp.MustCompile(`time=\S+ |"time":"[^"]+",`)
	for name, newLog := range build {
		var viaLines, viaSlog bytes.Buffer
		lines := logging.LinesFor(newLog(&viaLines))
		if lines.Direct() {
			t.Errorf("%s: lines bypass slog, whose output would differ", name)
			continue
		}
		lines.Start(slog.LevelInfo, "request").Str(logging.NewKey("path"), "/a b").Int(logging.NewKey("status"), 200).
			Dur(logging.NewKey("duration"), 1500*time.Millisecond).Str(logging.NewKey("password"), "hunter2").End(ctx)
		newLog(&viaSlog).LogAttrs(ctx, slog.LevelInfo, "request", slog.String("path", "/a b"), slog.Int64("status", 200),
			slog.Duration("duration", 1500*time.Millisecond), slog.String("password", logging.Redacted))
		got, want := timeAttr.ReplaceAllString(viaLines.String(), ""), timeAttr.ReplaceAllString(viaSlog.String(), "")
		if got != want || got == "" {
			t.Errorf("%s:\nlines %s\nslog  %s", name, got, want)
		}
		if strings.Contains(got, "hunter2") {
			t.Errorf("%s: secret logged: %s", name, got)
		}
		if lines.Start(slog.LevelDebug, "dropped") != nil {
			t.Errorf("%s: Start below the logger's level returned a line", name)
		}
	}
	buffered, closeLog := logging.NewBuffered(&bytes.Buffer{}, logging.FormatJSON, slog.LevelInfo)
	defer closeLog()
	if !logging.LinesFor(buffered).Direct() {
		t.Error("LinesFor(NewBuffered(JSON)) goes through slog")
	}
}

// A fast line at warning level or above is flushed at once by a buffered
// logger, like a slog record; an Info line waits for the buffer.
func TestFastLineFlushesWarningsOfBufferedLoggers(t *testing.T) {
	var out testutil.SyncBuffer
	log, closeLog := logging.NewBuffered(&out, logging.FormatJSON, slog.LevelInfo)
	defer closeLog()
	f := logging.LinesFor(log)
	f.Start(slog.LevelInfo, "quiet").End(context.Background())
	if strings.Contains(out.String(), "quiet") {
		t.Fatal("an Info line was written before any flush")
	}
	f.Start(slog.LevelWarn, "loud").End(context.Background())
	if s := out.String(); !strings.Contains(s, "quiet") || !strings.Contains(s, "loud") {
		t.Fatalf("a warning was not flushed at once: %q", s)
	}
}

func FuzzFastLineMatchesSlog(f *testing.F) {
	for _, s := range hostile {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		fast, slow := fastAndSlog(t, context.Background(), slog.LevelInfo, value, key, value)
		if fast != slow {
			t.Fatalf("fast %s\nslog %s", fast, slow)
		}
	})
}

func BenchmarkAccessLine(b *testing.B) {
	var out bytes.Buffer
	log := logging.New(&out, logging.FormatJSON, slog.LevelInfo)
	ctx := logging.WithAttrs(context.Background(), slog.String("request_id", "sT_nBez1EeL4e9w6O5Okkw"))
	keys := []string{"method", "path", "route", "client_ip", "user_agent"}
	vals := []string{"GET", "/hello", "/hello", "192.0.2.1", "wrk/4.2"}
	b.Run("slog", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out.Reset()
			attrs := make([]slog.Attr, 0, 8)
			for i, k := range keys {
				attrs = append(attrs, slog.String(k, vals[i]))
			}
			attrs = append(attrs, slog.Int("status", 200), slog.Duration("duration", 12345), slog.Int64("bytes", 13))
			log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
		}
	})
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		f := logging.LinesFor(log)
		prepared := make([]logging.Key, len(keys))
		for i, k := range keys {
			prepared[i] = logging.NewKey(k)
		}
		status, duration, size := logging.NewKey("status"), logging.NewKey("duration"), logging.NewKey("bytes")
		for b.Loop() {
			out.Reset()
			line := f.Start(slog.LevelInfo, "request")
			for i, k := range prepared {
				line.Str(k, vals[i])
			}
			line.Int(status, 200).Dur(duration, 12345).Int(size, 13).End(ctx)
		}
	})
}

// Lines and slog records written at once to one plain writer (not safe for
// concurrent use by itself) never interleave: run with -race.
func TestFastLinesAndSlogShareTheWritersLock(t *testing.T) {
	var out bytes.Buffer
	log := logging.New(&out, logging.FormatJSON, slog.LevelInfo)
	lines := logging.LinesFor(log)
	key := logging.NewKey("n")
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				if g%2 == 0 {
					lines.Start(slog.LevelInfo, "fast").Int(key, int64(i)).End(context.Background())
				} else {
					log.Info("slow", "n", i)
				}
			}
		})
	}
	wg.Wait()
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != 800 {
		t.Fatalf("%d lines, want 800", len(got))
	}
	for _, l := range got {
		if !strings.HasPrefix(l, `{"time":"`) || !strings.HasSuffix(l, "}") {
			t.Fatalf("a mangled line: %q", l)
		}
	}
}
