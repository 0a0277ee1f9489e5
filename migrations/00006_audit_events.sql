-- +goose Up
-- The security activity log: sign-ups, logins and failures, lockouts,
-- password changes, revoked sessions. Shown to the user on /account, so it is
-- read by (user_id, newest first). user_id is NULL for events of no account.
CREATE TABLE audit_events (
    id         bigserial   PRIMARY KEY,
    user_id    uuid        REFERENCES users (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.]*$'),
    ip         text        NOT NULL DEFAULT '',
    user_agent text        NOT NULL DEFAULT '',
    request_id text        NOT NULL DEFAULT '',
    detail     jsonb       NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_events_user_id_created_at_idx ON audit_events (user_id, created_at DESC);

-- +goose Down
DROP TABLE audit_events;
