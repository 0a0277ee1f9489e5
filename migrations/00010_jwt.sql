-- +goose Up
-- Refresh tokens of the JSON API (internal/auth/jwt). A family is one login:
-- IssuePair starts it, every Refresh adds the next token of the chain, and
-- revoking the family (re-use of a consumed token, Revoke, RevokeUser) ends
-- every token of it at once.
CREATE TABLE jwt_families (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

CREATE INDEX jwt_families_user_id_idx ON jwt_families (user_id);

-- One row per issued pair. The token itself is never stored: a refresh token
-- is an HS256 JWT naming its row by jti, so a copy of this table is no
-- credential without the signing key. A token is consumed by one
-- UPDATE ... WHERE used_at IS NULL; the pair issued in its place is the row
-- whose parent_jti is its jti (at most one, by the unique constraint). That
-- row holds everything the pair was signed from (both jtis, the issue and
-- expiry times, the custom claims), so a retry within the grace period gets
-- the same, byte-identical pair signed again.
CREATE TABLE jwt_refresh_tokens (
    jti               uuid        PRIMARY KEY,
    family_id         uuid        NOT NULL REFERENCES jwt_families (id) ON DELETE CASCADE,
    parent_jti        uuid        UNIQUE REFERENCES jwt_refresh_tokens (jti) ON DELETE SET NULL,
    access_jti        uuid        NOT NULL,
    access_expires_at timestamptz NOT NULL,
    custom_claims     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(custom_claims) = 'object'),
    issued_at         timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL CHECK (expires_at > issued_at),
    used_at           timestamptz
);

-- RevokeUser finds the live access tokens of each family.
CREATE INDEX jwt_refresh_tokens_family_id_idx ON jwt_refresh_tokens (family_id, access_expires_at);
-- The cleanup job deletes expired tokens.
CREATE INDEX jwt_refresh_tokens_expires_at_idx ON jwt_refresh_tokens (expires_at);

-- +goose Down
DROP TABLE jwt_refresh_tokens;
DROP TABLE jwt_families;
