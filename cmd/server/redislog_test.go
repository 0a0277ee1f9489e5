package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// While Redis is down go-redis reports nearly every command: the log gets
// one line per interval, and the next one says how many were left out.
func TestRedisLoggerWritesOneLinePerInterval(t *testing.T) {
	var out bytes.Buffer
	l := newRedisLogger(slog.New(slog.NewTextHandler(&out, nil)), 150*time.Millisecond)
	ctx := context.Background()
	for i := range 500 {
		l.Printf(ctx, "failed to dial after %d attempts", i)
	}
	if lines := strings.Count(out.String(), "\n"); lines != 1 {
		t.Fatalf("500 reports in a burst wrote %d lines, want 1:\n%s", lines, out.String())
	}
	if !strings.Contains(out.String(), "level=WARN") || !strings.Contains(out.String(), "failed to dial after 0 attempts") {
		t.Fatalf("first line: %s", out.String())
	}
	time.Sleep(200 * time.Millisecond)
	l.Printf(ctx, "failed to dial again")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "failed to dial again") || !strings.Contains(lines[1], "suppressed=499") {
		t.Fatalf("after the interval: %q, want a second line counting the 499 left out", lines)
	}
}
