package mail

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rampart-dev/rampart/internal/db"
)

// ErrNotInTx is returned by Enqueue when its Queries are not bound to a
// transaction: the outbox row and its send job must commit together.
var ErrNotInTx = errors.New("mail: Enqueue needs Queries bound to a transaction (use db.WithTx)")

// sendMaxAttempts bounds the retries of one mail. River's default backoff
// (attempt^4 seconds, with jitter) spreads ten attempts over about four
// hours, enough to ride out an SMTP outage.
const sendMaxAttempts = 10

// SendArgs is the River job that delivers one outbox row.
type SendArgs struct {
	MessageID uuid.UUID `json:"message_id"`
}

// Kind implements river.JobArgs.
func (SendArgs) Kind() string { return "mail_send" }

// InsertOpts implements river.JobArgsWithInsertOpts: at most
// sendMaxAttempts attempts, with River's exponential backoff between them.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: sendMaxAttempts}
}

// JobInserter inserts a River job inside the caller's transaction.
// *river.Client[pgx.Tx] satisfies it.
type JobInserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Outbox queues mail for delivery by SendWorker.
type Outbox struct {
	inserter JobInserter
}

// NewOutbox returns an Outbox that queues send jobs through inserter (the
// River client; it need not be started: inserting works without workers).
func NewOutbox(inserter JobInserter) *Outbox {
	return &Outbox{inserter: inserter}
}

// Enqueue validates msg, writes it to the outbox and queues its SendArgs job,
// both through q's transaction: the mail exists, and will be sent, exactly
// when the caller's transaction commits. It returns the outbox row's id. q
// must come from db.WithTx; otherwise Enqueue returns ErrNotInTx and writes
// nothing. An invalid msg gives an error wrapping ErrInvalidMessage.
func (o *Outbox) Enqueue(ctx context.Context, q *db.Queries, msg Message) (uuid.UUID, error) {
	if err := msg.Validate(); err != nil {
		return uuid.Nil, err
	}
	tx, ok := q.Tx()
	if !ok {
		return uuid.Nil, ErrNotInTx
	}
	row, err := q.InsertMail(ctx, db.InsertMailParams{
		ToAddress: msg.To, Subject: msg.Subject, TextBody: msg.Text, HtmlBody: msg.HTML,
	})
	if err != nil {
		return uuid.Nil, fmt.Errorf("mail: insert into outbox: %w", db.Translate(err))
	}
	if _, err := o.inserter.InsertTx(ctx, tx, SendArgs{MessageID: row.ID}, nil); err != nil {
		return uuid.Nil, fmt.Errorf("mail: queue send job: %w", db.Translate(err))
	}
	return row.ID, nil
}
