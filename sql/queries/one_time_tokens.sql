-- name: InsertOneTimeToken :one
INSERT INTO one_time_tokens (user_id, purpose, token_hash, email, created_at, expires_at)
VALUES (sqlc.arg(user_id), sqlc.arg(purpose), sqlc.arg(token_hash), sqlc.arg(email),
        sqlc.arg(now), sqlc.arg(expires_at))
RETURNING *;

-- name: UseOneTimeToken :one
-- Marks the token used and returns it, atomically: of two uses of one link,
-- the second waits for the first and then matches no row. No row either when
-- the token is unknown, of another purpose, used, expired at now, or was sent
-- to an address the account no longer has.
UPDATE one_time_tokens t
SET used_at = sqlc.arg(now)::timestamptz
FROM users u
WHERE t.token_hash = sqlc.arg(token_hash)
  AND t.purpose = sqlc.arg(purpose)
  AND t.used_at IS NULL
  AND t.expires_at > sqlc.arg(now)
  AND u.id = t.user_id
  AND u.email = t.email
RETURNING t.*;

-- name: GetUsableOneTimeToken :one
-- What UseOneTimeToken would return, without using the token.
SELECT t.* FROM one_time_tokens t
JOIN users u ON u.id = t.user_id AND u.email = t.email
WHERE t.token_hash = sqlc.arg(token_hash)
  AND t.purpose = sqlc.arg(purpose)
  AND t.used_at IS NULL
  AND t.expires_at > sqlc.arg(now);

-- name: RetireUserTokens :execrows
-- Marks every unused token of purpose for the user used: a password change
-- voids the reset links still in the mailbox.
UPDATE one_time_tokens
SET used_at = sqlc.arg(now)::timestamptz
WHERE user_id = sqlc.arg(user_id) AND purpose = sqlc.arg(purpose) AND used_at IS NULL;

-- name: DeleteExpiredOneTimeTokens :execrows
-- Removes tokens that expired before cutoff, used or not. For the cleanup job.
DELETE FROM one_time_tokens WHERE expires_at < sqlc.arg(cutoff)::timestamptz;
