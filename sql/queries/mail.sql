-- name: InsertMail :one
INSERT INTO mail_outbox (to_address, subject, text_body, html_body)
VALUES (sqlc.arg(to_address), sqlc.arg(subject), sqlc.arg(text_body), sqlc.arg(html_body))
RETURNING *;

-- name: GetMail :one
SELECT * FROM mail_outbox WHERE id = $1;

-- name: ClaimMailForSend :one
-- Counts one more delivery attempt and returns the row, or no row when the
-- mail was already sent (or does not exist): the send job is idempotent.
UPDATE mail_outbox
SET attempts = attempts + 1
WHERE id = $1 AND sent_at IS NULL
RETURNING *;

-- name: MarkMailSent :execrows
UPDATE mail_outbox SET sent_at = now() WHERE id = $1 AND sent_at IS NULL;

-- name: RecordMailFailure :exec
UPDATE mail_outbox SET last_error = sqlc.arg(last_error) WHERE id = sqlc.arg(id);

-- name: ListMailByRecipient :many
-- Newest first; to_address is citext, so the match ignores case.
SELECT * FROM mail_outbox
WHERE to_address = sqlc.arg(to_address)
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(max_rows);

-- name: ListMail :many
SELECT * FROM mail_outbox
ORDER BY created_at DESC, id DESC
LIMIT sqlc.arg(max_rows);

-- name: DeleteSentMailBefore :execrows
-- Removes mail sent before cutoff. Unsent mail is kept: it is either still
-- being retried or, without SMTP, what the dev mailbox shows.
DELETE FROM mail_outbox WHERE sent_at < sqlc.arg(cutoff)::timestamptz;
