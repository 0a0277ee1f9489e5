-- name: DeleteExpiredSessions :execrows
-- Removes sessions past their absolute expiry or idle for longer than the
-- idle timeout. Run periodically by the worker.
DELETE FROM sessions
WHERE expires_at < sqlc.arg(now)
   OR last_seen_at < sqlc.arg(idle_cutoff);

-- name: InsertSession :one
INSERT INTO sessions (user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent)
VALUES (sqlc.arg(user_id), sqlc.arg(token_hash), sqlc.arg(now), sqlc.arg(now),
        sqlc.arg(expires_at), sqlc.arg(ip), sqlc.arg(user_agent))
RETURNING *;

-- name: GetLiveSessionByTokenHash :one
-- A session is live before its absolute expiry and while it was seen after
-- idle_cutoff (now minus the idle timeout).
SELECT * FROM sessions
WHERE token_hash = sqlc.arg(token_hash)
  AND expires_at > sqlc.arg(now)
  AND last_seen_at > sqlc.arg(idle_cutoff);

-- name: GetLiveUserSession :one
SELECT * FROM sessions
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id)
  AND expires_at > sqlc.arg(now)
  AND last_seen_at > sqlc.arg(idle_cutoff);

-- name: TouchSession :execrows
-- Writes last_seen_at only when the stored one is older than stale_before
-- (now minus a minute), so a busy session is written once a minute, not on
-- every request.
UPDATE sessions
SET last_seen_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND last_seen_at < sqlc.arg(stale_before);

-- name: ListLiveUserSessions :many
SELECT * FROM sessions
WHERE user_id = sqlc.arg(user_id)
  AND expires_at > sqlc.arg(now)
  AND last_seen_at > sqlc.arg(idle_cutoff)
ORDER BY created_at DESC, id DESC;

-- name: SetSessionSecondFactor :execrows
UPDATE sessions
SET second_factor_at = sqlc.arg(second_factor_at)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: DeleteUserSession :execrows
DELETE FROM sessions WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: DeleteSessionByTokenHash :one
DELETE FROM sessions WHERE token_hash = $1
RETURNING *;

-- name: DeleteUserSessionsExcept :execrows
-- Ends every session of the user but keep; uuid.Nil (no session has that id)
-- ends them all.
DELETE FROM sessions WHERE user_id = sqlc.arg(user_id) AND id <> sqlc.arg(keep);

-- name: RenewSessionToken :execrows
-- Gives a live session a new token (its cookie value) in place of the old
-- one, which stops working at once: the session itself, its flags and its
-- lifetime stay.
UPDATE sessions
SET token_hash = sqlc.arg(token_hash)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id) AND expires_at > sqlc.arg(now);
