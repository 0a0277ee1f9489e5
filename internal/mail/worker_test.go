package mail_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/mail"
)

// logBuffer is a goroutine-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func mustNow(t *testing.T, pool *pgxpool.Pool) time.Time {
	t.Helper()
	var now time.Time
	if err := pool.QueryRow(t.Context(), `SELECT now()`).Scan(&now); err != nil {
		t.Fatal(err)
	}
	return now
}

func getMail(t *testing.T, pool *pgxpool.Pool, id uuid.UUID) db.MailOutbox {
	t.Helper()
	row, err := db.New(pool).GetMail(t.Context(), id)
	if err != nil {
		t.Fatalf("GetMail: %v", err)
	}
	return row
}

func sendJobFor(id uuid.UUID) *river.Job[mail.SendArgs] {
	return &river.Job[mail.SendArgs]{Args: mail.SendArgs{MessageID: id}}
}

func TestSendWorkerDeliversAQueuedMailExactlyOnce(t *testing.T) {
	pool := dbtest.New(t)
	ts := startSMTP(t, smtpOptions{})
	id := enqueue(t, pool, mail.NewOutbox(insertOnlyRiver(t, pool)), testMessage(t))
	w := &mail.SendWorker{Pool: pool, Sender: newSender(t, "smtp://"+ts.Addr), From: testFrom}

	for run := 1; run <= 2; run++ {
		if err := w.Work(t.Context(), sendJobFor(id)); err != nil {
			t.Fatalf("Work (run %d): %v", run, err)
		}
	}
	d := onlyDelivery(t, ts)
	if got := parseMail(t, d.Data).Header.Get("Message-Id"); got != "<"+id.String()+"@rampart.test>" {
		t.Errorf("Message-ID %q, want the outbox id at the sender's domain", got)
	}
	row := getMail(t, pool, id)
	if row.SentAt == nil || row.Attempts != 1 || row.LastError != "" {
		t.Errorf("after delivery: sent_at=%v attempts=%d last_error=%q; want sent after one attempt", row.SentAt, row.Attempts, row.LastError)
	}
}

func TestSendWorkerRetriesUntilTheServerIsBack(t *testing.T) {
	pool := dbtest.New(t)
	addr := freeAddr(t)
	id := enqueue(t, pool, mail.NewOutbox(insertOnlyRiver(t, pool)), testMessage(t))
	var logs logBuffer
	w := &mail.SendWorker{
		Pool: pool, Sender: newSender(t, "smtp://"+addr), From: testFrom,
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	}

	err := w.Work(t.Context(), sendJobFor(id))
	var cancel *river.JobCancelError
	if err == nil || errors.As(err, &cancel) {
		t.Fatalf("Work with the server down = %v, want a plain error so River retries", err)
	}
	row := getMail(t, pool, id)
	if row.SentAt != nil || row.Attempts != 1 || row.LastError == "" {
		t.Fatalf("after a failure: sent_at=%v attempts=%d last_error=%q", row.SentAt, row.Attempts, row.LastError)
	}
	if !strings.Contains(logs.String(), `"msg":"mail not sent"`) {
		t.Errorf("the failure was not logged:\n%s", logs.String())
	}

	ts := startSMTP(t, smtpOptions{addr: addr})
	if err := w.Work(t.Context(), sendJobFor(id)); err != nil {
		t.Fatalf("Work after the server came up: %v", err)
	}
	onlyDelivery(t, ts)
	row = getMail(t, pool, id)
	if row.SentAt == nil || row.Attempts != 2 {
		t.Errorf("after the retry: sent_at=%v attempts=%d; want sent after two attempts", row.SentAt, row.Attempts)
	}
}

func TestSendWorkerWithoutSenderKeepsTheMailInTheOutbox(t *testing.T) {
	pool := dbtest.New(t)
	id := enqueue(t, pool, mail.NewOutbox(insertOnlyRiver(t, pool)), testMessage(t))
	var logs logBuffer
	w := &mail.SendWorker{Pool: pool, From: testFrom, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}

	if err := w.Work(t.Context(), sendJobFor(id)); err != nil {
		t.Fatalf("Work: %v", err)
	}
	row := getMail(t, pool, id)
	if row.SentAt != nil || row.Attempts != 0 || row.LastError != "" {
		t.Errorf("dev mode touched the row: sent_at=%v attempts=%d last_error=%q", row.SentAt, row.Attempts, row.LastError)
	}
	if n := strings.Count(logs.String(), `"msg":"mail kept in outbox"`); n != 1 {
		t.Errorf("logged %q %d times, want once:\n%s", "mail kept in outbox", n, logs.String())
	}
	if strings.Contains(logs.String(), "ada@example.com") {
		t.Error("the log shows the recipient's address")
	}
}

func TestSendWorkerCancelsAJobWhoseMailIsGone(t *testing.T) {
	pool := dbtest.New(t)
	w := &mail.SendWorker{Pool: pool, Sender: newSender(t, "smtp://"+freeAddr(t)), From: testFrom}
	err := w.Work(t.Context(), sendJobFor(uuid.New()))
	var cancel *river.JobCancelError
	if !errors.As(err, &cancel) {
		t.Fatalf("Work = %v, want a JobCancel: retrying cannot help", err)
	}
}

func TestSendWorkerTimeout(t *testing.T) {
	if d := (&mail.SendWorker{}).Timeout(sendJobFor(uuid.New())); d < 10*time.Second || d > time.Minute {
		t.Errorf("Timeout = %v, want about 30s", d)
	}
}

func TestRiverDeliversACommittedMail(t *testing.T) {
	pool := dbtest.New(t)
	ts := startSMTP(t, smtpOptions{user: "u", pass: "p"})
	workers := river.NewWorkers()
	river.AddWorker(workers, &mail.SendWorker{Pool: pool, Sender: newSender(t, "smtp://u:p@"+ts.Addr), From: testFrom})
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Logger:            slog.New(slog.DiscardHandler),
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
		Workers:           workers,
		FetchPollInterval: 50 * time.Millisecond,
		FetchCooldown:     10 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("river.NewClient: %v", err)
	}
	if err := rc.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rc.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
	}()

	id := enqueue(t, pool, mail.NewOutbox(rc), testMessage(t))

	// A deadline, not a timing assertion.
	deadline := time.Now().Add(20 * time.Second)
	for len(ts.Deliveries()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("mail %s not delivered within 20s; jobs: %+v", id, sendJobs(t, pool))
		}
		time.Sleep(20 * time.Millisecond)
	}
	d := onlyDelivery(t, ts)
	if d.To[0] != "ada@example.com" || d.AuthUser != "u" {
		t.Errorf("delivery to %v as %q", d.To, d.AuthUser)
	}
	for {
		jobs := sendJobs(t, pool)
		if row := getMail(t, pool, id); row.SentAt != nil && len(jobs) == 1 && jobs[0].State == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mail delivered but not marked sent / job not completed: %+v", jobs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
