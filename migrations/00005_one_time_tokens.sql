-- +goose Up
-- The single-use secrets carried by mailed links (verify email, password
-- reset, unlock, magic login). Only the SHA-256 of the token in the link is
-- stored. A token is used by one UPDATE ... WHERE used_at IS NULL RETURNING,
-- so of two uses of one link exactly one succeeds. email is the address the
-- link was sent to: a link stops working when the account's address changes.
CREATE TABLE one_time_tokens (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('verify_email', 'password_reset', 'unlock', 'magic_login')),
    token_hash bytea       NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    email      citext      NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

CREATE INDEX one_time_tokens_user_id_purpose_idx ON one_time_tokens (user_id, purpose) WHERE used_at IS NULL;
-- The cleanup job deletes expired tokens.
CREATE INDEX one_time_tokens_expires_at_idx ON one_time_tokens (expires_at);

-- +goose Down
DROP TABLE one_time_tokens;
