package jobs_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/jobs"
	"github.com/rampart-dev/rampart/internal/logging"
)

// now is the fixed clock of these tests.
var now = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

const idleTimeout = 7 * 24 * time.Hour

// logBuffer is a goroutine-safe log sink (River logs from its own goroutines).
type logBuffer struct {
	mu sync.Mutex
	sb strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.String()
}

// deletionCounts returns the "rows" of every "expired rows deleted" line.
func (b *logBuffer) deletionCounts(t *testing.T) []float64 {
	t.Helper()
	var out []float64
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, sc.Text())
		}
		if rec["msg"] == "expired rows deleted" && rec["table"] == "sessions" {
			n, _ := rec["rows"].(float64)
			out = append(out, n)
		}
	}
	return out
}

func insertUser(t *testing.T, pool *pgxpool.Pool, email string) string {
	t.Helper()
	var id string
	err := pool.QueryRow(t.Context(),
		`INSERT INTO users (email, password_hash) VALUES ($1, 'not-a-real-hash') RETURNING id::text`, email).Scan(&id)
	if err != nil {
		t.Fatalf("insert user: %v", err)
	}
	return id
}

func insertSession(t *testing.T, pool *pgxpool.Pool, userID string, lastSeen, expires time.Time) string {
	t.Helper()
	token := make([]byte, 32)
	if _, err := rand.Read(token); err != nil {
		t.Fatal(err)
	}
	var id string
	err := pool.QueryRow(t.Context(), `
		INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id::text`,
		userID, token, lastSeen.Add(-time.Hour), lastSeen, expires).Scan(&id)
	if err != nil {
		t.Fatalf("insert session: %v", err)
	}
	return id
}

func sessionIDs(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT id::text FROM sessions ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestCleanupWorkerDeletesOnlyDeadSessions(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	alice := insertUser(t, pool, "alice@example.com")
	bob := insertUser(t, pool, "bob@example.com")

	type session struct {
		name     string
		user     string
		lastSeen time.Time
		expires  time.Time
		survives bool
	}
	sessions := []session{
		{"a session past its absolute expiry is deleted", alice, now.Add(-time.Minute), now.Add(-time.Second), false},
		{"a session idle beyond the timeout is deleted", bob, now.Add(-idleTimeout - time.Second), now.Add(20 * 24 * time.Hour), false},
		{"a live session is kept", alice, now.Add(-time.Hour), now.Add(20 * 24 * time.Hour), true},
		{"a session seen just inside the idle timeout is kept", bob, now.Add(-idleTimeout + time.Minute), now.Add(time.Hour), true},
	}
	var want []string
	ids := map[string]string{}
	for _, s := range sessions {
		id := insertSession(t, pool, s.user, s.lastSeen, s.expires)
		ids[id] = s.name
		if s.survives {
			want = append(want, id)
		}
	}
	slices.Sort(want)

	var buf logBuffer
	w := &jobs.CleanupWorker{
		Pool:        pool,
		Logger:      logging.New(&buf, logging.FormatJSON, slog.LevelInfo),
		IdleTimeout: idleTimeout,
		Now:         func() time.Time { return now },
	}
	if err := w.Work(t.Context(), &river.Job[jobs.CleanupArgs]{}); err != nil {
		t.Fatalf("Work: %v", err)
	}
	got := sessionIDs(t, pool)
	if !slices.Equal(got, want) {
		var names []string
		for _, id := range got {
			names = append(names, ids[id])
		}
		t.Errorf("sessions left: %q, want only the two live ones", names)
	}

	// A second run finds nothing more to delete.
	if err := w.Work(t.Context(), &river.Job[jobs.CleanupArgs]{}); err != nil {
		t.Fatalf("second Work: %v", err)
	}
	if got := sessionIDs(t, pool); !slices.Equal(got, want) {
		t.Errorf("the second run changed the sessions: %v", got)
	}
	if counts := buf.deletionCounts(t); !slices.Equal(counts, []float64{2, 0}) {
		t.Errorf("logged deletion counts %v, want [2 0]", counts)
	}
}

func TestCleanupWorkerReportsADatabaseFailure(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	pool.Close()
	w := &jobs.CleanupWorker{
		Pool:        pool,
		Logger:      logging.New(&logBuffer{}, logging.FormatJSON, slog.LevelInfo),
		IdleTimeout: idleTimeout,
		Now:         func() time.Time { return now },
	}
	if err := w.Work(t.Context(), &river.Job[jobs.CleanupArgs]{}); err == nil {
		t.Error("Work on a closed pool returned nil, want an error so River retries")
	}
}

func TestNewClientRequiresAPoolAndALogger(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	log := logging.New(&logBuffer{}, logging.FormatJSON, slog.LevelInfo)
	cases := []struct {
		name string
		opts jobs.Options
	}{
		{"a client without a pool is refused", jobs.Options{Logger: log}},
		{"a client without a logger is refused", jobs.Options{Pool: pool}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := jobs.NewClient(tc.opts); err == nil || c != nil {
				t.Errorf("NewClient = %v, %v; want nil and an error", c, err)
			}
		})
	}
}

func TestClientRunsTheCleanupJobOnStart(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	user := insertUser(t, pool, "carol@example.com")
	expired := insertSession(t, pool, user, now.Add(-time.Hour), now.Add(-time.Minute))
	live := insertSession(t, pool, user, now.Add(-time.Hour), now.Add(time.Hour))

	var buf logBuffer
	client, err := jobs.NewClient(jobs.Options{
		Pool:   pool,
		Logger: logging.New(&buf, logging.FormatJSON, slog.LevelInfo),
		Now:    func() time.Time { return now },
	})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := client.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := client.Stop(stopCtx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	}
	defer stop()

	// A deadline, not a timing assertion: River elects a leader, which
	// enqueues the periodic job on start; a worker then runs it.
	deadline := time.Now().Add(20 * time.Second)
	var state string
	for {
		err := pool.QueryRow(ctx,
			`SELECT state::text FROM river_job WHERE kind = 'cleanup_expired' ORDER BY id DESC LIMIT 1`).Scan(&state)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatalf("query river_job: %v", err)
		}
		if state == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cleanup job did not complete within 20 s (last state %q); log:\n%s", state, buf.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()

	if got := sessionIDs(t, pool); !slices.Equal(got, []string{live}) {
		t.Errorf("sessions left %v, want only the live %s (expired was %s)", got, live, expired)
	}
	var completed int
	if err := pool.QueryRow(t.Context(),
		`SELECT count(*) FROM river_job WHERE kind = 'cleanup_expired' AND state = 'completed'`).Scan(&completed); err != nil {
		t.Fatal(err)
	}
	if completed != 1 {
		t.Errorf("%d completed cleanup jobs, want exactly 1 (run on start, next one 15 min later)", completed)
	}
	if counts := buf.deletionCounts(t); !slices.Equal(counts, []float64{1}) {
		t.Errorf("logged deletion counts %v, want [1]", counts)
	}
}

func TestCleanupWorkerDeletesExpiredTokensAndOldSentMail(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	user := insertUser(t, pool, "carol@example.com")
	_, err := pool.Exec(t.Context(), `
		INSERT INTO one_time_tokens (user_id, purpose, token_hash, email, created_at, expires_at) VALUES
		($1, 'password_reset', decode(repeat('01', 32), 'hex'), 'carol@example.com', $2::timestamptz - interval '2 hours', $2::timestamptz - interval '1 hour'),
		($1, 'verify_email',   decode(repeat('02', 32), 'hex'), 'carol@example.com', $2::timestamptz, $2::timestamptz + interval '1 hour')`,
		user, now)
	if err != nil {
		t.Fatal(err)
	}
	_, err = pool.Exec(t.Context(), `
		INSERT INTO mail_outbox (to_address, subject, text_body, html_body, created_at, sent_at) VALUES
		('carol@example.com', 'old', 't', 'h', $1::timestamptz - interval '40 days', $1::timestamptz - interval '40 days'),
		('carol@example.com', 'recent', 't', 'h', $1::timestamptz - interval '1 day', $1::timestamptz - interval '1 day'),
		('carol@example.com', 'unsent', 't', 'h', $1::timestamptz - interval '40 days', NULL)`, now)
	if err != nil {
		t.Fatal(err)
	}
	w := &jobs.CleanupWorker{Pool: pool, Logger: logging.New(io.Discard, logging.FormatJSON, slog.LevelInfo),
		IdleTimeout: idleTimeout, Now: func() time.Time { return now }}
	if err := w.Work(t.Context(), &river.Job[jobs.CleanupArgs]{}); err != nil {
		t.Fatal(err)
	}
	var purposes []string
	rows, _ := pool.Query(t.Context(), `SELECT purpose FROM one_time_tokens`)
	purposes, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(purposes) != 1 || purposes[0] != "verify_email" {
		t.Errorf("tokens left %v (err %v), want only the unexpired verify_email", purposes, err)
	}
	rows, _ = pool.Query(t.Context(), `SELECT subject FROM mail_outbox ORDER BY subject`)
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || !slices.Equal(subjects, []string{"recent", "unsent"}) {
		t.Errorf("mail left %v (err %v), want recent and unsent", subjects, err)
	}
}
