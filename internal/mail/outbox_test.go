package mail_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
	"github.com/rampart-dev/rampart/internal/mail"
)

// insertOnlyRiver is a River client that inserts jobs and works none.
func insertOnlyRiver(t *testing.T, pool *pgxpool.Pool) *river.Client[pgx.Tx] {
	t.Helper()
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatalf("river.NewClient: %v", err)
	}
	return rc
}

// enqueue queues m in a committed transaction and returns its id.
func enqueue(t *testing.T, pool *pgxpool.Pool, outbox *mail.Outbox, m mail.Message) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := db.WithTx(t.Context(), pool, func(q *db.Queries) error {
		var err error
		id, err = outbox.Enqueue(t.Context(), q, m)
		return err
	})
	if err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return id
}

type sendJob struct {
	MessageID   string
	MaxAttempts int
	State       string
}

// sendJobs lists the mail_send jobs in River's table.
func sendJobs(t *testing.T, pool *pgxpool.Pool) []sendJob {
	t.Helper()
	rows, err := pool.Query(t.Context(),
		`SELECT args->>'message_id', max_attempts, state::text FROM river_job WHERE kind = 'mail_send' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sendJob, error) {
		var j sendJob
		err := r.Scan(&j.MessageID, &j.MaxAttempts, &j.State)
		return j, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func countMail(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM mail_outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEnqueueWritesTheRowAndTheJobInOneTransaction(t *testing.T) {
	pool := dbtest.New(t)
	m := testMessage(t)
	id := enqueue(t, pool, mail.NewOutbox(insertOnlyRiver(t, pool)), m)

	row, err := db.New(pool).GetMail(t.Context(), id)
	if err != nil {
		t.Fatalf("GetMail: %v", err)
	}
	if row.ToAddress != m.To || row.Subject != m.Subject || row.TextBody != m.Text || row.HtmlBody != m.HTML {
		t.Errorf("stored row %+v does not match the message", row)
	}
	if row.SentAt != nil || row.Attempts != 0 || row.LastError != "" {
		t.Errorf("a new row is sent_at=%v attempts=%d last_error=%q", row.SentAt, row.Attempts, row.LastError)
	}
	jobs := sendJobs(t, pool)
	if len(jobs) != 1 || jobs[0].MessageID != id.String() || jobs[0].MaxAttempts != 10 || jobs[0].State != "available" {
		t.Errorf("send jobs %+v, want one available job for %s with 10 attempts", jobs, id)
	}
}

func TestEnqueueWritesNothingWhenTheTransactionRollsBack(t *testing.T) {
	pool := dbtest.New(t)
	outbox := mail.NewOutbox(insertOnlyRiver(t, pool))
	errLater := errors.New("a later step of the same change failed")
	err := db.WithTx(t.Context(), pool, func(q *db.Queries) error {
		if _, err := outbox.Enqueue(t.Context(), q, testMessage(t)); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
		return errLater
	})
	if !errors.Is(err, errLater) {
		t.Fatalf("WithTx = %v", err)
	}
	if n, jobs := countMail(t, pool), sendJobs(t, pool); n != 0 || len(jobs) != 0 {
		t.Errorf("after rollback: %d outbox rows and %d jobs, want none", n, len(jobs))
	}
}

// failingInserter fails every job insert.
type failingInserter struct{}

func (failingInserter) InsertTx(context.Context, pgx.Tx, river.JobArgs, *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return nil, errors.New("queue unavailable")
}

func TestEnqueueFailsAndKeepsNoRowWhenTheJobCannotBeQueued(t *testing.T) {
	pool := dbtest.New(t)
	err := db.WithTx(t.Context(), pool, func(q *db.Queries) error {
		_, err := mail.NewOutbox(failingInserter{}).Enqueue(t.Context(), q, testMessage(t))
		return err
	})
	if err == nil {
		t.Fatal("Enqueue succeeded although the job could not be queued")
	}
	if n := countMail(t, pool); n != 0 {
		t.Errorf("%d outbox rows without a send job", n)
	}
}

func TestEnqueueRefuses(t *testing.T) {
	pool := dbtest.New(t)
	outbox := mail.NewOutbox(insertOnlyRiver(t, pool))
	t.Run("queries outside a transaction are refused", func(t *testing.T) {
		_, err := outbox.Enqueue(t.Context(), db.New(pool), testMessage(t))
		if !errors.Is(err, mail.ErrNotInTx) {
			t.Fatalf("Enqueue = %v, want ErrNotInTx", err)
		}
	})
	t.Run("an invalid message is refused", func(t *testing.T) {
		err := db.WithTx(t.Context(), pool, func(q *db.Queries) error {
			_, err := outbox.Enqueue(t.Context(), q, mail.Message{To: "a@example.com", Subject: "x\nBcc: b@example.com", Text: "t"})
			return err
		})
		if !errors.Is(err, mail.ErrInvalidMessage) {
			t.Fatalf("Enqueue = %v, want ErrInvalidMessage", err)
		}
	})
	if n, jobs := countMail(t, pool), sendJobs(t, pool); n != 0 || len(jobs) != 0 {
		t.Errorf("%d outbox rows and %d jobs written, want none", n, len(jobs))
	}
}

func TestDeleteSentMailBeforeKeepsUnsentAndRecentMail(t *testing.T) {
	pool := dbtest.New(t)
	outbox := mail.NewOutbox(insertOnlyRiver(t, pool))
	oldSent := enqueue(t, pool, outbox, testMessage(t))
	recentSent := enqueue(t, pool, outbox, testMessage(t))
	oldUnsent := enqueue(t, pool, outbox, testMessage(t))
	_, err := pool.Exec(t.Context(), `
		UPDATE mail_outbox SET created_at = now() - interval '40 days',
			sent_at = CASE WHEN id = $1 THEN now() - interval '40 days' END
		WHERE id IN ($1, $2);
		`, oldSent, oldUnsent)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(t.Context(), `UPDATE mail_outbox SET sent_at = now() WHERE id = $1`, recentSent); err != nil {
		t.Fatal(err)
	}
	q := db.New(pool)
	cutoff := mustNow(t, pool).AddDate(0, 0, -30)
	n, err := q.DeleteSentMailBefore(t.Context(), cutoff)
	if err != nil || n != 1 {
		t.Fatalf("DeleteSentMailBefore = %d, %v; want 1", n, err)
	}
	if _, err := q.GetMail(t.Context(), oldSent); !errors.Is(db.Translate(err), db.ErrNotFound) {
		t.Errorf("old sent mail still there (%v)", err)
	}
	for _, id := range []uuid.UUID{recentSent, oldUnsent} {
		if _, err := q.GetMail(t.Context(), id); err != nil {
			t.Errorf("mail %s was deleted: %v", id, err)
		}
	}
}
