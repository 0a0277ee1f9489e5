-- +goose Up
-- A user's TOTP authenticator. The secret is encrypted at rest (AES-256-GCM,
-- key_id names the key, for rotation), bound to the user by the associated
-- data. confirmed_at is NULL while enrollment waits for its first code; 2FA
-- is on once it is set. last_used_step is the latest time step a code was
-- accepted for: a code for that step or an earlier one is refused (no
-- replay), by one conditional UPDATE, so of two parallel uses of one code
-- exactly one succeeds.
CREATE TABLE totp_authenticators (
    user_id          uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_encrypted bytea       NOT NULL,
    key_id           text        NOT NULL,
    confirmed_at     timestamptz,
    last_used_step   bigint      NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Recovery codes: an HMAC-SHA256 (server key) of each code, never the code.
-- A code is used by one UPDATE ... WHERE used_at IS NULL RETURNING.
CREATE TABLE recovery_codes (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea       NOT NULL CHECK (length(code_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    used_at    timestamptz,
    UNIQUE (user_id, code_hash)
);

-- The half-logged-in state between a first factor (password or magic link)
-- and the second: not a session, it grants nothing but the /login/2fa form.
-- The browser holds a random token; only its SHA-256 is stored. It expires
-- within minutes, allows a few wrong codes, and is used once.
CREATE TABLE login_challenges (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash      bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    method          text        NOT NULL CHECK (method IN ('password', 'magic_link')),
    next            text        NOT NULL DEFAULT '',
    failed_attempts integer     NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);

CREATE INDEX login_challenges_user_id_idx ON login_challenges (user_id);
CREATE INDEX login_challenges_expires_at_idx ON login_challenges (expires_at);

-- Sudo mode: when the password (or a second factor) was last confirmed in
-- this session. A session's own creation (a login) counts as well.
ALTER TABLE sessions ADD COLUMN sudo_at timestamptz;

-- +goose Down
ALTER TABLE sessions DROP COLUMN sudo_at;
DROP TABLE login_challenges;
DROP TABLE recovery_codes;
DROP TABLE totp_authenticators;
