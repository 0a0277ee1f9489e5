package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/rampart-dev/rampart/internal/db"
)

const (
	// sendTimeout bounds one delivery attempt: the SMTP conversation
	// (smtpTimeout) plus the outbox updates around it.
	sendTimeout = 30 * time.Second
	// maxLastErrorLen keeps a pathological server reply out of the table.
	maxLastErrorLen = 1000
)

// SendWorker delivers the outbox row named by SendArgs.
//
// Sender nil means development without SMTP_URL: the job completes without
// sending or touching the row, and the mail stays readable in the dev
// mailbox. From is MAIL_FROM. Logger may be nil (nothing is logged).
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	Pool   *pgxpool.Pool
	Sender Sender
	From   string
	Logger *slog.Logger
}

// Timeout implements river.Worker: one attempt may take sendTimeout.
func (w *SendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return sendTimeout }

// Work implements river.Worker. It claims the row (counting the attempt),
// sends it and marks it sent. A mail already sent is skipped silently, so
// running the job twice delivers once. A failed send records last_error and
// returns the error, so River retries with backoff; a mail that can never be
// sent (invalid, or its row is gone) cancels the job instead.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	id := job.Args.MessageID
	if w.Sender == nil {
		w.log().InfoContext(ctx, "mail kept in outbox", "mail_id", id, "reason", "SMTP_URL is not set; read it at /dev/mail")
		return nil
	}
	q := db.New(w.Pool)
	row, err := q.ClaimMailForSend(ctx, id)
	if err != nil {
		if err = db.Translate(err); errors.Is(err, db.ErrNotFound) {
			return w.notClaimed(ctx, q, id)
		}
		return fmt.Errorf("mail: claim %s: %w", id, err)
	}

	msg := Message{To: row.ToAddress, Subject: row.Subject, Text: row.TextBody, HTML: row.HtmlBody}
	if err := w.Sender.Send(ctx, w.From, msg, row.ID.String()); err != nil {
		w.recordFailure(ctx, q, id, err)
		if errors.Is(err, ErrInvalidMessage) {
			return river.JobCancel(err)
		}
		return err
	}

	// The mail is out: mark it even if ctx has just expired. Should this fail,
	// River retries and the mail goes out again with the same Message-ID.
	markCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := q.MarkMailSent(markCtx, id); err != nil {
		return fmt.Errorf("mail: %s was sent but not marked sent: %w", id, db.Translate(err))
	}
	w.log().InfoContext(ctx, "mail sent", "mail_id", id, "attempt", row.Attempts)
	return nil
}

// notClaimed handles a row that could not be claimed: already sent (done,
// nothing to do) or missing (nothing will ever be sent: cancel the job).
func (w *SendWorker) notClaimed(ctx context.Context, q *db.Queries, id uuid.UUID) error {
	_, err := q.GetMail(ctx, id)
	switch err = db.Translate(err); {
	case err == nil:
		return nil
	case errors.Is(err, db.ErrNotFound):
		return river.JobCancel(fmt.Errorf("mail: outbox row %s does not exist", id))
	default:
		return fmt.Errorf("mail: look up %s: %w", id, err)
	}
}

// recordFailure stores the send error on the row for the dev mailbox and
// operators; failing to store it only gets a log line, the send error wins.
func (w *SendWorker) recordFailure(ctx context.Context, q *db.Queries, id uuid.UUID, sendErr error) {
	msg := sendErr.Error()
	if len(msg) > maxLastErrorLen {
		msg = strings.ToValidUTF8(msg[:maxLastErrorLen], "")
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := q.RecordMailFailure(rctx, db.RecordMailFailureParams{ID: id, LastError: msg}); err != nil {
		w.log().WarnContext(ctx, "recording a mail failure failed", "mail_id", id, "error", err)
	}
	w.log().WarnContext(ctx, "mail not sent", "mail_id", id, "error", sendErr)
}

func (w *SendWorker) log() *slog.Logger {
	if w.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Logger
}
