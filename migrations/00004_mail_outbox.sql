-- +goose Up
-- Every outgoing email is a row here, written in the same transaction as the
-- change that caused it, together with the River job that sends it: a mail
-- exists exactly when that change commits. Without SMTP_URL the rows are
-- never sent and the dev mailbox (/dev/mail) reads them instead.
CREATE TABLE mail_outbox (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    to_address citext      NOT NULL,
    subject    text        NOT NULL,
    text_body  text        NOT NULL,
    html_body  text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at    timestamptz,
    attempts   integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error text        NOT NULL DEFAULT ''
);

CREATE INDEX mail_outbox_to_address_created_at_idx ON mail_outbox (to_address, created_at DESC);
-- The cleanup job deletes sent mail older than a cutoff.
CREATE INDEX mail_outbox_sent_at_idx ON mail_outbox (sent_at) WHERE sent_at IS NOT NULL;

-- +goose Down
DROP TABLE mail_outbox;
