-- name: InsertWebhookEndpoint :one
INSERT INTO webhook_endpoints (id, user_id, name, provider, secret_encrypted, key_id, created_at)
VALUES (sqlc.arg(id), sqlc.arg(user_id), sqlc.arg(name), sqlc.arg(provider), sqlc.arg(secret_encrypted), sqlc.arg(key_id), sqlc.arg(now))
RETURNING *;

-- name: GetWebhookEndpoint :one
-- An endpoint by id, for receiving (any owner).
SELECT * FROM webhook_endpoints WHERE id = $1;

-- name: GetUserWebhookEndpoint :one
SELECT * FROM webhook_endpoints WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: ListUserWebhookEndpoints :many
-- The user's endpoints, newest first, with their delivery counts.
SELECT sqlc.embed(e), s.deliveries, s.last_received_at
FROM webhook_endpoints e
LEFT JOIN LATERAL (
    SELECT count(*) AS deliveries, max(d.received_at) AS last_received_at
    FROM webhook_deliveries d WHERE d.endpoint_id = e.id
) s ON true
WHERE e.user_id = sqlc.arg(user_id)
ORDER BY e.created_at DESC, e.id DESC;

-- name: CountUserWebhookEndpoints :one
SELECT count(*) FROM webhook_endpoints WHERE user_id = $1;

-- name: RotateWebhookSecret :execrows
-- Replaces the secret; the old one stays valid until previous_expires_at.
UPDATE webhook_endpoints
SET previous_secret_encrypted = secret_encrypted,
    previous_key_id = key_id,
    previous_expires_at = sqlc.arg(previous_expires_at)::timestamptz,
    secret_encrypted = sqlc.arg(secret_encrypted),
    key_id = sqlc.arg(key_id)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: SetWebhookEndpointDisabled :execrows
-- disabled_at NULL enables the endpoint again.
UPDATE webhook_endpoints
SET disabled_at = sqlc.narg(disabled_at)
WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: DeleteWebhookEndpoint :execrows
DELETE FROM webhook_endpoints WHERE id = sqlc.arg(id) AND user_id = sqlc.arg(user_id);

-- name: InsertWebhookDelivery :one
-- Stores a delivery once: a duplicate (same provider delivery id for the
-- endpoint), even a parallel one, inserts nothing and returns no row.
INSERT INTO webhook_deliveries (endpoint_id, delivery_id, event_type, headers, body, received_at)
VALUES (sqlc.arg(endpoint_id), sqlc.arg(delivery_id), sqlc.arg(event_type), sqlc.arg(headers), sqlc.arg(body), sqlc.arg(now))
ON CONFLICT (endpoint_id, delivery_id) DO NOTHING
RETURNING id;

-- name: LockWebhookDelivery :one
-- The delivery with its endpoint's provider and owner, locked for the
-- processing transaction.
SELECT sqlc.embed(d), e.provider, e.user_id
FROM webhook_deliveries d
JOIN webhook_endpoints e ON e.id = d.endpoint_id
WHERE d.id = $1
FOR UPDATE OF d;

-- name: MarkWebhookDeliveryProcessed :exec
UPDATE webhook_deliveries
SET status = 'processed', processed_at = sqlc.arg(now)::timestamptz, attempts = attempts + 1, last_error = ''
WHERE id = sqlc.arg(id);

-- name: MarkWebhookDeliveryAttempt :exec
-- Records a failed attempt: status failed once retries are exhausted,
-- else processing (a retry is scheduled). A delivery another run has
-- processed meanwhile stays processed.
UPDATE webhook_deliveries
SET status = sqlc.arg(status), attempts = attempts + 1, last_error = sqlc.arg(last_error)
WHERE id = sqlc.arg(id) AND status <> 'processed';

-- name: ResetWebhookDeliveryForReplay :execrows
-- A replay: back to received, so the worker processes it again.
UPDATE webhook_deliveries d
SET status = 'received', processed_at = NULL, last_error = ''
FROM webhook_endpoints e
WHERE d.id = sqlc.arg(id) AND d.endpoint_id = e.id AND e.id = sqlc.arg(endpoint_id) AND e.user_id = sqlc.arg(user_id);

-- name: ListWebhookDeliveries :many
-- An endpoint's deliveries, newest first, optionally of one status ('' for all).
SELECT id, endpoint_id, delivery_id, event_type, received_at, status, attempts, last_error, processed_at
FROM webhook_deliveries
WHERE endpoint_id = sqlc.arg(endpoint_id)
  AND (sqlc.arg(status)::text = '' OR status = sqlc.arg(status)::text)
ORDER BY received_at DESC, id DESC
LIMIT sqlc.arg(max_rows);

-- name: GetWebhookDelivery :one
SELECT d.* FROM webhook_deliveries d
JOIN webhook_endpoints e ON e.id = d.endpoint_id
WHERE d.id = sqlc.arg(id) AND e.id = sqlc.arg(endpoint_id) AND e.user_id = sqlc.arg(user_id);

-- name: UpsertSubscription :execrows
-- Applies a Stripe subscription event, unless the row already reflects a
-- newer event (event_created_at): out-of-order and repeated deliveries
-- never roll it back.
INSERT INTO subscriptions (id, user_id, customer_id, status, price_id, current_period_end, cancel_at_period_end, event_created_at, updated_at)
VALUES (sqlc.arg(id), sqlc.arg(user_id), sqlc.arg(customer_id), sqlc.arg(status), sqlc.arg(price_id),
        sqlc.narg(current_period_end), sqlc.arg(cancel_at_period_end), sqlc.arg(event_created_at), sqlc.arg(now))
ON CONFLICT (id) DO UPDATE
SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status, price_id = EXCLUDED.price_id,
    current_period_end = EXCLUDED.current_period_end, cancel_at_period_end = EXCLUDED.cancel_at_period_end,
    event_created_at = EXCLUDED.event_created_at, updated_at = EXCLUDED.updated_at
WHERE subscriptions.user_id = EXCLUDED.user_id
  AND subscriptions.event_created_at <= EXCLUDED.event_created_at;

-- name: ListUserSubscriptions :many
SELECT * FROM subscriptions WHERE user_id = $1 ORDER BY updated_at DESC;

-- name: GetWebhookDeliveryByProviderID :one
-- The delivery an endpoint of user_id stored under the provider's delivery id.
SELECT d.id
FROM webhook_deliveries d
JOIN webhook_endpoints e ON e.id = d.endpoint_id
WHERE e.id = sqlc.arg(endpoint_id) AND e.user_id = sqlc.arg(user_id) AND d.delivery_id = sqlc.arg(delivery_id);
