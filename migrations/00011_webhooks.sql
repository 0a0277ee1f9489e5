-- +goose Up
-- Inbound webhook endpoints: each account's own URLs
-- (APP_BASE_URL/webhooks/{id}; the random id is the unguessable part) with
-- the provider whose signatures they verify. Secrets are encrypted at rest
-- (AES-256-GCM, key id stored); after a rotation the previous secret is
-- still accepted until previous_expires_at.
CREATE TABLE webhook_endpoints (
    id                        uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                      text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    provider                  text        NOT NULL CHECK (provider IN ('github', 'stripe', 'slack', 'standard')),
    secret_encrypted          bytea       NOT NULL,
    key_id                    text        NOT NULL,
    previous_secret_encrypted bytea,
    previous_key_id           text,
    previous_expires_at       timestamptz,
    created_at                timestamptz NOT NULL DEFAULT now(),
    disabled_at               timestamptz
);

CREATE INDEX webhook_endpoints_user_id_idx ON webhook_endpoints (user_id);

-- One row per delivery, stored once: the provider's delivery id (printable
-- ASCII, at most 255 bytes, as internal/webhook accepts) is unique per endpoint, so a duplicate (even a parallel one) inserts nothing. The
-- body is kept as received; headers are kept with signature values
-- redacted. The worker moves status received -> processing -> processed or
-- failed (last_error), counting attempts.
CREATE TABLE webhook_deliveries (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    endpoint_id  uuid        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    delivery_id  text        NOT NULL CHECK (octet_length(delivery_id) BETWEEN 1 AND 255),
    event_type   text        NOT NULL DEFAULT '' CHECK (char_length(event_type) <= 200),
    headers      jsonb       NOT NULL DEFAULT '{}',
    body         bytea       NOT NULL,
    received_at  timestamptz NOT NULL,
    status       text        NOT NULL DEFAULT 'received'
                             CHECK (status IN ('received', 'processing', 'processed', 'failed')),
    attempts     integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   text        NOT NULL DEFAULT '',
    processed_at timestamptz,
    UNIQUE (endpoint_id, delivery_id)
);

CREATE INDEX webhook_deliveries_endpoint_received_idx ON webhook_deliveries (endpoint_id, received_at DESC, id DESC);
CREATE INDEX webhook_deliveries_endpoint_status_idx ON webhook_deliveries (endpoint_id, status, received_at DESC);

-- The worked example of a handler: Stripe customer.subscription.* events
-- keep this table current. An event older than the row's last one is
-- ignored, so retries and out-of-order deliveries cannot roll it back.
CREATE TABLE subscriptions (
    id                   text        PRIMARY KEY,
    user_id              uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    customer_id          text        NOT NULL DEFAULT '',
    status               text        NOT NULL,
    price_id             text        NOT NULL DEFAULT '',
    current_period_end   timestamptz,
    cancel_at_period_end boolean     NOT NULL DEFAULT false,
    event_created_at     timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);

CREATE INDEX subscriptions_user_id_idx ON subscriptions (user_id);

-- +goose Down
DROP TABLE subscriptions;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
