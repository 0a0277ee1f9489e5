-- +goose Up
-- API keys for the JSON API. A key reads "prefix.secret": the prefix (8 hex
-- characters, not secret, shown on the page) finds the row, and only the
-- HMAC-SHA256 of the secret under a server key is stored, so a leaked table
-- yields no usable key. A key is never deleted by its owner, only revoked
-- (revoked_at), so a revocation can be told apart from an unknown key.
CREATE TABLE api_keys (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    prefix       text        NOT NULL UNIQUE CHECK (prefix ~ '^[0-9a-f]{8}$'),
    secret_hash  bytea       NOT NULL CHECK (length(secret_hash) = 32),
    name         text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    scopes       text[]      NOT NULL CHECK (
                     scopes <@ ARRAY['read', 'write']::text[]
                     AND cardinality(scopes) > 0
                     AND array_ndims(scopes) = 1),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz CHECK (expires_at > created_at),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE INDEX api_keys_user_id_idx ON api_keys (user_id);

-- +goose Down
DROP TABLE api_keys;
