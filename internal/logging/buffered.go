package logging

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// BufferedWriter batches log writes: lines are collected in memory and
// written when the buffer fills, every interval, on Flush and on Close, so a
// busy server makes one write syscall per batch instead of one per request.
// Loggers built by NewBuffered also flush after every record at warning
// level or above, so problems are never held back.
type BufferedWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// NewBufferedWriter returns a writer over w with a size-byte buffer flushed
// at least every interval (defaults: 32 KiB, 200 ms).
func NewBufferedWriter(w io.Writer, size int, interval time.Duration) *BufferedWriter {
	if size <= 0 {
		size = 32 << 10
	}
	if interval <= 0 {
		interval = 200 * time.Millisecond
	}
	b := &BufferedWriter{w: bufio.NewWriterSize(w, size), stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop(interval)
	return b
}

func (b *BufferedWriter) loop(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			_ = b.Flush()
		case <-b.stop:
			return
		}
	}
}

// Write buffers p (one log record; slog writes each record in one call).
func (b *BufferedWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

// Flush writes everything buffered.
func (b *BufferedWriter) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

// Close stops the periodic flush and flushes what is left. It is safe to
// call more than once; writes after Close still reach the buffer but are
// only written by a later Flush.
func (b *BufferedWriter) Close() error {
	b.once.Do(func() {
		close(b.stop)
		<-b.done
	})
	return b.Flush()
}

// NewBuffered is New over a BufferedWriter on w: the logger for servers,
// where one write per request would cost a syscall each. Records at warning
// level and above are flushed at once. Call the returned close at exit.
func NewBuffered(w io.Writer, format Format, level slog.Leveler) (*slog.Logger, func() error) {
	bw := NewBufferedWriter(w, 0, 0)
	log := New(bw, format, level)
	return slog.New(flushingHandler{Handler: log.Handler(), w: bw}), bw.Close
}

type flushingHandler struct {
	slog.Handler
	w *BufferedWriter
}

func (h flushingHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		_ = h.w.Flush()
	}
	return err
}

func (h flushingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithAttrs(attrs), w: h.w}
}

func (h flushingHandler) WithGroup(name string) slog.Handler {
	return flushingHandler{Handler: h.Handler.WithGroup(name), w: h.w}
}
