-- name: UpsertPendingTOTP :execrows
-- Starts (or restarts) an enrollment: stores a new, unconfirmed secret. An
-- authenticator that is already confirmed is left alone (no row changes):
-- 2FA has to be turned off before a new one is set up.
INSERT INTO totp_authenticators (user_id, secret_encrypted, key_id, confirmed_at, last_used_step, created_at)
VALUES (sqlc.arg(user_id), sqlc.arg(secret_encrypted), sqlc.arg(key_id), NULL, 0, sqlc.arg(now))
ON CONFLICT (user_id) DO UPDATE
SET secret_encrypted = EXCLUDED.secret_encrypted,
    key_id = EXCLUDED.key_id,
    last_used_step = 0,
    created_at = EXCLUDED.created_at
WHERE totp_authenticators.confirmed_at IS NULL;

-- name: GetTOTPAuthenticator :one
SELECT * FROM totp_authenticators WHERE user_id = $1;

-- name: ConfirmTOTP :execrows
-- Turns 2FA on with the first code: only the pending secret that was
-- checked (a concurrent restart replaces it), only for a step after the
-- last one used.
UPDATE totp_authenticators
SET confirmed_at = sqlc.arg(now)::timestamptz, last_used_step = sqlc.arg(step)
WHERE user_id = sqlc.arg(user_id)
  AND confirmed_at IS NULL
  AND secret_encrypted = sqlc.arg(secret_encrypted)
  AND last_used_step < sqlc.arg(step);

-- name: UseTOTPStep :execrows
-- Records that a code for step was accepted, only if no code for this step
-- or a later one was: the second of two parallel uses of one code waits for
-- the first and then matches no row.
UPDATE totp_authenticators
SET last_used_step = sqlc.arg(step)
WHERE user_id = sqlc.arg(user_id)
  AND confirmed_at IS NOT NULL
  AND last_used_step < sqlc.arg(step);

-- name: ResealTOTPSecret :execrows
-- Stores the secret encrypted under the current key, if it still is the
-- value that was read (lazy key rotation).
UPDATE totp_authenticators
SET secret_encrypted = sqlc.arg(new_secret), key_id = sqlc.arg(new_key_id)
WHERE user_id = sqlc.arg(user_id) AND secret_encrypted = sqlc.arg(old_secret);

-- name: DeleteTOTPAuthenticator :execrows
DELETE FROM totp_authenticators WHERE user_id = $1;

-- name: InsertRecoveryCode :exec
INSERT INTO recovery_codes (user_id, code_hash, created_at)
VALUES (sqlc.arg(user_id), sqlc.arg(code_hash), sqlc.arg(now));

-- name: DeleteRecoveryCodes :execrows
DELETE FROM recovery_codes WHERE user_id = $1;

-- name: UseRecoveryCode :execrows
-- Uses one recovery code, atomically: of two parallel uses exactly one
-- matches the row.
UPDATE recovery_codes
SET used_at = sqlc.arg(now)::timestamptz
WHERE user_id = sqlc.arg(user_id) AND code_hash = sqlc.arg(code_hash) AND used_at IS NULL;

-- name: CountUnusedRecoveryCodes :one
SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL;

-- name: InsertLoginChallenge :one
INSERT INTO login_challenges (user_id, token_hash, method, next, created_at, expires_at)
VALUES (sqlc.arg(user_id), sqlc.arg(token_hash), sqlc.arg(method), sqlc.arg(next),
        sqlc.arg(now), sqlc.arg(expires_at))
RETURNING *;

-- name: GetLiveLoginChallenge :one
-- A challenge is live until it expires, is used, or has had max_attempts
-- wrong codes.
SELECT * FROM login_challenges
WHERE token_hash = sqlc.arg(token_hash)
  AND used_at IS NULL
  AND expires_at > sqlc.arg(now)
  AND failed_attempts < sqlc.arg(max_attempts)::integer;

-- name: LockLiveLoginChallenge :one
-- GetLiveLoginChallenge, locking the row for the transaction: two
-- submissions on one challenge run one after the other.
SELECT * FROM login_challenges
WHERE token_hash = sqlc.arg(token_hash)
  AND used_at IS NULL
  AND expires_at > sqlc.arg(now)
  AND failed_attempts < sqlc.arg(max_attempts)::integer
FOR UPDATE;

-- name: RecordLoginChallengeFailure :one
UPDATE login_challenges
SET failed_attempts = failed_attempts + 1
WHERE id = $1
RETURNING failed_attempts;

-- name: UseLoginChallenge :execrows
UPDATE login_challenges
SET used_at = sqlc.arg(now)::timestamptz
WHERE id = sqlc.arg(id) AND used_at IS NULL;

-- name: DeleteUserLoginChallenges :execrows
-- Ends every pending second step of the user (password changed, 2FA off).
DELETE FROM login_challenges WHERE user_id = $1;

-- name: DeleteExpiredLoginChallenges :execrows
-- For the cleanup job.
DELETE FROM login_challenges WHERE expires_at < sqlc.arg(cutoff)::timestamptz;

-- name: SetSessionSudo :execrows
UPDATE sessions
SET sudo_at = sqlc.arg(sudo_at)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: RecentOneTimeTokenExists :one
-- Whether a token of purpose was issued to the user after since (the
-- one-email-a-minute rule of magic links).
SELECT EXISTS (
    SELECT 1 FROM one_time_tokens
    WHERE user_id = sqlc.arg(user_id) AND purpose = sqlc.arg(purpose)
      AND created_at > sqlc.arg(since)::timestamptz
);

-- name: LockUser :one
-- Locks the user's row for the transaction, serialising per-account work
-- such as the magic-link rate check.
SELECT id FROM users WHERE id = $1 FOR UPDATE;
