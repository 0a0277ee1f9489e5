package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestWorkerRunsThePeriodicCleanupAndStopsCleanly(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.NewURL(t)
	env := map[string]string{"APP_ENV": "test", "APP_DATA_DIR": t.TempDir(), "DATABASE_URL": dbURL, "APP_SHUTDOWN_TIMEOUT": "10s"}
	ctx := context.Background()

	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var userID string
	if err := conn.QueryRow(ctx, `INSERT INTO users (email, password_hash) VALUES ('w@example.com', 'x') RETURNING id`).Scan(&userID); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO sessions (user_id, token_hash, expires_at) VALUES
		($1, decode(repeat('aa', 32), 'hex'), now() - interval '1 hour'),
		($1, decode(repeat('bb', 32), 'hex'), now() + interval '1 day')`, userID); err != nil {
		t.Fatal(err)
	}

	runCtx, stop := context.WithCancel(ctx)
	logs := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(runCtx, []string{"worker"}, func(k string) string { return env[k] }, io.Discard, logs)
	}()

	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("the cleanup job did not delete the expired session within 30s:\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("worker returned %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("worker did not stop within 30s")
	}
	if !strings.Contains(logs.String(), "worker stopped") {
		t.Errorf("no clean stop logged:\n%s", logs)
	}
}

func TestWorkerRefusesAnUnmigratedDatabase(t *testing.T) {
	t.Parallel()
	env := map[string]string{"APP_ENV": "test", "APP_DATA_DIR": t.TempDir(), "DATABASE_URL": dbtest.NewEmptyURL(t)}
	err := run(context.Background(), []string{"worker"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "migrate up") {
		t.Errorf("got %v, want a request to migrate first", err)
	}
}
