-- name: DeleteExpiredSessions :execrows
-- Removes sessions past their absolute expiry or idle for longer than the
-- idle timeout. Run periodically by the worker.
DELETE FROM sessions
WHERE expires_at < sqlc.arg(now)
   OR last_seen_at < sqlc.arg(idle_cutoff);
