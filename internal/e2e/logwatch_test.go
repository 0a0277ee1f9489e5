package e2e

import (
	"context"
	"log/slog"
	"sync"
	"testing"
)

// logWatch passes the server's records on to out and remembers those that
// mean a bug: an error, or a CSP violation that a browser reported.
type logWatch struct {
	out  slog.Handler
	seen *badRecords
}

type badRecords struct {
	mu   sync.Mutex
	msgs []string
}

func newLogWatch(out slog.Handler) *logWatch { return &logWatch{out: out, seen: &badRecords{}} }

func (w *logWatch) Enabled(ctx context.Context, l slog.Level) bool { return w.out.Enabled(ctx, l) }

func (w *logWatch) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError || r.Message == "csp violation" {
		w.seen.mu.Lock()
		w.seen.msgs = append(w.seen.msgs, r.Level.String()+" "+r.Message)
		w.seen.mu.Unlock()
	}
	return w.out.Handle(ctx, r)
}

func (w *logWatch) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logWatch{out: w.out.WithAttrs(attrs), seen: w.seen}
}

func (w *logWatch) WithGroup(name string) slog.Handler {
	return &logWatch{out: w.out.WithGroup(name), seen: w.seen}
}

// report fails t for each remembered record (they are in t's output above).
func (w *logWatch) report(t *testing.T) {
	w.seen.mu.Lock()
	defer w.seen.mu.Unlock()
	for _, m := range w.seen.msgs {
		t.Errorf("server logged: %s", m)
	}
}
