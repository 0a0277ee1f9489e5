-- name: InsertJWTFamily :one
-- Starts a token family for user_id; no row when the user does not exist.
INSERT INTO jwt_families (id, user_id, created_at)
SELECT sqlc.arg(id)::uuid, u.id, sqlc.arg(now)::timestamptz
FROM users u
WHERE u.id = sqlc.arg(user_id)::uuid
RETURNING id;

-- name: InsertJWTRefreshToken :exec
INSERT INTO jwt_refresh_tokens (jti, family_id, parent_jti, access_jti, access_expires_at,
                                custom_claims, issued_at, expires_at)
VALUES (sqlc.arg(jti), sqlc.arg(family_id), sqlc.narg(parent_jti), sqlc.arg(access_jti),
        sqlc.arg(access_expires_at), sqlc.arg(custom_claims), sqlc.arg(issued_at), sqlc.arg(expires_at));

-- name: GetJWTRefreshToken :one
-- The token with its family's owner and revocation time.
SELECT sqlc.embed(t), f.user_id, f.revoked_at AS family_revoked_at
FROM jwt_refresh_tokens t
JOIN jwt_families f ON f.id = t.family_id
WHERE t.jti = sqlc.arg(jti);

-- name: GetJWTRefreshTokenSuccessor :one
-- The pair issued when the token parent_jti was consumed.
SELECT * FROM jwt_refresh_tokens WHERE parent_jti = sqlc.arg(parent_jti)::uuid;

-- name: ConsumeJWTRefreshToken :execrows
-- Marks the token used, atomically: of concurrent calls with one token, the
-- others wait for the first to commit and then match no row. No row either
-- when the token is expired at now or its family is revoked.
UPDATE jwt_refresh_tokens t
SET used_at = sqlc.arg(now)::timestamptz
WHERE t.jti = sqlc.arg(jti)
  AND t.used_at IS NULL
  AND t.expires_at > sqlc.arg(now)
  AND EXISTS (SELECT 1 FROM jwt_families f WHERE f.id = t.family_id AND f.revoked_at IS NULL);

-- name: RevokeJWTFamily :execrows
-- Revokes one family of user_id; a revoked family keeps its first revocation time.
UPDATE jwt_families
SET revoked_at = coalesce(revoked_at, sqlc.arg(now)::timestamptz)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: RevokeJWTUserFamilies :execrows
-- Revokes every family of user_id not revoked yet.
UPDATE jwt_families
SET revoked_at = sqlc.arg(now)::timestamptz
WHERE user_id = sqlc.arg(user_id) AND revoked_at IS NULL;

-- name: ListJWTLiveAccessFamilies :many
-- The families of user_id (only family_id, when given) that issued an access
-- token still unexpired at now, each with the latest expiry among them: how
-- long the family must stay on the denylist.
SELECT t.family_id, max(t.access_expires_at)::timestamptz AS access_expires_at
FROM jwt_refresh_tokens t
JOIN jwt_families f ON f.id = t.family_id
WHERE f.user_id = sqlc.arg(user_id)
  AND (sqlc.narg(family_id)::uuid IS NULL OR f.id = sqlc.narg(family_id)::uuid)
  AND t.access_expires_at > sqlc.arg(now)
GROUP BY t.family_id;

-- name: DeleteExpiredJWTRefreshTokens :execrows
-- Removes tokens that expired before cutoff, used or not. For the cleanup job.
DELETE FROM jwt_refresh_tokens WHERE expires_at < sqlc.arg(cutoff)::timestamptz;

-- name: DeleteEmptyJWTFamilies :execrows
-- Removes families with no token left (all expired). For the cleanup job.
DELETE FROM jwt_families f
WHERE NOT EXISTS (SELECT 1 FROM jwt_refresh_tokens t WHERE t.family_id = f.id);

-- name: GetJWTFamilyCreatedAt :one
-- When a live family's first pair was issued: the password (and second
-- factor) login every token of the family descends from.
SELECT created_at FROM jwt_families WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL;
