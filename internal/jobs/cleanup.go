package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rampart-dev/rampart/internal/db"
)

// CleanupArgs is the periodic job that deletes expired rows.
type CleanupArgs struct{}

// Kind implements river.JobArgs.
func (CleanupArgs) Kind() string { return "cleanup_expired" }

// InsertOpts makes the job unique while it waits or runs, so a slow run
// never piles up copies of itself.
func (CleanupArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// CleanupWorker deletes sessions past their absolute expiry or idle for
// longer than IdleTimeout, mail delivered more than 30 days ago, one-time
// link tokens past their expiry, second login steps past theirs, and
// expired refresh tokens with their emptied families.
type CleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	Pool        *pgxpool.Pool
	Logger      *slog.Logger
	IdleTimeout time.Duration
	Now         func() time.Time
}

// Work implements river.Worker.
func (w *CleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	now := w.Now()
	n, err := db.New(w.Pool).DeleteExpiredSessions(ctx, db.DeleteExpiredSessionsParams{
		Now:        now,
		IdleCutoff: now.Add(-w.IdleTimeout),
	})
	if err != nil {
		return fmt.Errorf("jobs: delete expired sessions: %w", db.Translate(err))
	}
	w.Logger.InfoContext(ctx, "expired rows deleted", "table", "sessions", "rows", n)
	n, err = db.New(w.Pool).DeleteSentMailBefore(ctx, now.Add(-sentMailRetention))
	if err != nil {
		return fmt.Errorf("jobs: delete sent mail: %w", db.Translate(err))
	}
	w.Logger.InfoContext(ctx, "expired rows deleted", "table", "mail_outbox", "rows", n)
	n, err = db.New(w.Pool).DeleteExpiredOneTimeTokens(ctx, now)
	if err != nil {
		return fmt.Errorf("jobs: delete expired one-time tokens: %w", db.Translate(err))
	}
	w.Logger.InfoContext(ctx, "expired rows deleted", "table", "one_time_tokens", "rows", n)
	n, err = db.New(w.Pool).DeleteExpiredLoginChallenges(ctx, now)
	if err != nil {
		return fmt.Errorf("jobs: delete expired login challenges: %w", db.Translate(err))
	}
	w.Logger.InfoContext(ctx, "expired rows deleted", "table", "login_challenges", "rows", n)
	// Refresh tokens a little past expiry (the verifier's leeway), then
	// families left without tokens.
	n, err = db.New(w.Pool).DeleteExpiredJWTRefreshTokens(ctx, now.Add(-time.Minute))
	if err != nil {
		return fmt.Errorf("jobs: delete expired refresh tokens: %w", db.Translate(err))
	}
	w.Logger.InfoContext(ctx, "expired rows deleted", "table", "jwt_refresh_tokens", "rows", n)
	n, err = db.New(w.Pool).DeleteEmptyJWTFamilies(ctx)
	if err != nil {
		return fmt.Errorf("jobs: delete empty token families: %w", db.Translate(err))
	}
	w.Logger.InfoContext(ctx, "expired rows deleted", "table", "jwt_families", "rows", n)
	return nil
}

// sentMailRetention is how long delivered mail stays in the outbox (and the
// dev mailbox) before the cleanup job deletes it.
const sentMailRetention = 30 * 24 * time.Hour
