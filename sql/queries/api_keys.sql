-- name: LockAPIKeyOwner :one
-- Locks the owner's row until the transaction ends, so that two parallel
-- creations for one user cannot both pass the per-user limit. NO KEY UPDATE
-- does not block inserts that reference the user (sessions, keys).
SELECT id FROM users WHERE id = sqlc.arg(user_id) FOR NO KEY UPDATE;

-- name: CountUnrevokedAPIKeys :one
SELECT count(*) FROM api_keys
WHERE user_id = sqlc.arg(user_id) AND revoked_at IS NULL;

-- name: InsertAPIKey :one
-- Returns no row when the prefix is taken (the unique constraint decides, not
-- an earlier SELECT), and the caller retries with a new key.
INSERT INTO api_keys (user_id, prefix, secret_hash, name, scopes, created_at, expires_at)
VALUES (sqlc.arg(user_id), sqlc.arg(prefix), sqlc.arg(secret_hash), sqlc.arg(name),
        sqlc.arg(scopes)::text[], sqlc.arg(created_at), sqlc.narg(expires_at))
ON CONFLICT (prefix) DO NOTHING
RETURNING *;

-- name: GetAPIKeyByPrefix :one
SELECT * FROM api_keys WHERE prefix = sqlc.arg(prefix);

-- name: GetUserAPIKey :one
SELECT * FROM api_keys WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: ListUnrevokedUserAPIKeys :many
SELECT * FROM api_keys
WHERE user_id = sqlc.arg(user_id) AND revoked_at IS NULL
ORDER BY created_at DESC, id DESC;

-- name: RevokeUserAPIKey :one
-- Revoking twice keeps the first revocation time.
UPDATE api_keys
SET revoked_at = coalesce(revoked_at, sqlc.arg(now)::timestamptz)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id)
RETURNING prefix;

-- name: RevokeAllUserAPIKeys :many
UPDATE api_keys
SET revoked_at = sqlc.arg(now)::timestamptz
WHERE user_id = sqlc.arg(user_id) AND revoked_at IS NULL
RETURNING prefix;

-- name: TouchAPIKey :execrows
-- Writes last_used_at only when it is unset or older than stale_before (now
-- minus a minute), so a busy key is written once a minute, not per request.
UPDATE api_keys
SET last_used_at = sqlc.arg(now)::timestamptz
WHERE id = sqlc.arg(id)
  AND (last_used_at IS NULL OR last_used_at < sqlc.arg(stale_before)::timestamptz);
