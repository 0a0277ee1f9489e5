-- name: CreateUser :one
INSERT INTO users (email, password_hash, email_verified_at)
VALUES (sqlc.arg(email), sqlc.arg(password_hash), sqlc.narg(email_verified_at))
RETURNING *;

-- name: GetUserByID :one
SELECT * FROM users WHERE id = $1;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE email = $1;

-- name: CountUsers :one
SELECT count(*) FROM users;

-- name: InsertUserIfNew :one
-- Creates the user, or returns no row when the address is taken (also by a
-- concurrent sign-up, which the insert waits for): sign-up then mails the
-- owner of the address instead.
INSERT INTO users (email, password_hash, created_at, updated_at)
VALUES (sqlc.arg(email), sqlc.arg(password_hash), sqlc.arg(now), sqlc.arg(now))
ON CONFLICT (email) DO NOTHING
RETURNING *;

-- name: GetUserAccountByID :one
-- The user with whether they hold admin.access (directly or through a
-- group), the permission of /admin,
-- and whether two-factor authentication is on.
SELECT sqlc.embed(users),
       EXISTS (SELECT 1 FROM user_permissions p
               WHERE p.user_id = users.id AND p.codename = 'admin.access'
               UNION ALL
               SELECT 1 FROM user_groups ug JOIN group_permissions gp ON gp.group_id = ug.group_id
               WHERE ug.user_id = users.id AND gp.codename = 'admin.access') AS is_admin,
       EXISTS (SELECT 1 FROM totp_authenticators t
               WHERE t.user_id = users.id AND t.confirmed_at IS NOT NULL) AS totp_enabled
FROM users
WHERE users.id = $1;

-- name: GetUserAccountByEmail :one
-- As GetUserAccountByID; email is citext, so the match ignores case.
SELECT sqlc.embed(users),
       EXISTS (SELECT 1 FROM user_permissions p
               WHERE p.user_id = users.id AND p.codename = 'admin.access'
               UNION ALL
               SELECT 1 FROM user_groups ug JOIN group_permissions gp ON gp.group_id = ug.group_id
               WHERE ug.user_id = users.id AND gp.codename = 'admin.access') AS is_admin,
       EXISTS (SELECT 1 FROM totp_authenticators t
               WHERE t.user_id = users.id AND t.confirmed_at IS NOT NULL) AS totp_enabled
FROM users
WHERE users.email = $1;

-- name: SetPasswordHash :execrows
UPDATE users
SET password_hash = sqlc.arg(password_hash), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);

-- name: ReplacePasswordHash :execrows
-- Stores a re-hash of the password just verified, only if the stored hash is
-- still the one that was verified: a concurrent password change wins.
UPDATE users
SET password_hash = sqlc.arg(new_hash), updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id) AND password_hash = sqlc.arg(old_hash);

-- name: MarkEmailVerified :execrows
UPDATE users
SET email_verified_at = sqlc.arg(now)::timestamptz, updated_at = sqlc.arg(now)::timestamptz
WHERE id = sqlc.arg(id) AND email_verified_at IS NULL;

-- name: RecordLoginFailure :one
-- Counts one more failed login of an account that is not locked at now and,
-- in the same statement, locks it until lock_until when the count reaches
-- max_failures. Once a lock has passed the count starts over at 1. A locked
-- account matches no row, so its count does not move while it is locked; a
-- non-NULL locked_until in the result means this failure locked it.
UPDATE users
SET failed_login_count = CASE WHEN locked_until IS NULL THEN failed_login_count + 1 ELSE 1 END,
    locked_until = CASE
        WHEN (CASE WHEN locked_until IS NULL THEN failed_login_count + 1 ELSE 1 END) >= sqlc.arg(max_failures)::integer
        THEN sqlc.arg(lock_until)::timestamptz
    END,
    updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id)
  AND (locked_until IS NULL OR locked_until <= sqlc.arg(now))
RETURNING failed_login_count, locked_until;

-- name: ClearLoginFailures :execrows
-- Resets the failure count and lifts any lock (login success, unlock).
UPDATE users
SET failed_login_count = 0, locked_until = NULL, updated_at = sqlc.arg(now)
WHERE id = sqlc.arg(id);

-- name: SearchUsers :many
-- Users whose email contains pattern, case-insensitively, newest first,
-- with the permissions they hold (directly or through groups) and their groups.
-- pattern is matched with ILIKE: the caller escapes %, _ and \ with \ so
-- that they match literally.
SELECT sqlc.embed(users),
       EXISTS (SELECT 1 FROM user_permissions p
               WHERE p.user_id = users.id AND p.codename = 'admin.access'
               UNION ALL
               SELECT 1 FROM user_groups ug JOIN group_permissions gp ON gp.group_id = ug.group_id
               WHERE ug.user_id = users.id AND gp.codename = 'admin.access') AS is_admin,
       EXISTS (SELECT 1 FROM totp_authenticators t
               WHERE t.user_id = users.id AND t.confirmed_at IS NOT NULL) AS totp_enabled,
       ARRAY(SELECT up.codename FROM user_permissions up WHERE up.user_id = users.id
             UNION
             SELECT gp.codename FROM user_groups ug JOIN group_permissions gp ON gp.group_id = ug.group_id
             WHERE ug.user_id = users.id
             ORDER BY 1)::text[] AS permissions,
       ARRAY(SELECT g.name FROM user_groups ug JOIN groups g ON g.id = ug.group_id
             WHERE ug.user_id = users.id ORDER BY g.name)::text[] AS group_names
FROM users
WHERE users.email ILIKE '%' || sqlc.arg(pattern)::text || '%' ESCAPE '\'
ORDER BY users.created_at DESC, users.id DESC
LIMIT sqlc.arg(max_rows) OFFSET sqlc.arg(skip_rows);

-- name: CountUsersMatching :one
SELECT count(*) FROM users
WHERE email ILIKE '%' || sqlc.arg(pattern)::text || '%' ESCAPE '\';
