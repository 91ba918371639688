-- Card payment attempts and the provider's webhook events.

-- +goose Up
CREATE TABLE payments (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id            uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    -- The client's key for this attempt: a retried PayOrder finds it here
    -- and never charges twice.
    idempotency_key     text NOT NULL,
    provider_payment_id text NOT NULL DEFAULT '',
    status              text NOT NULL,
    amount_minor        bigint NOT NULL,
    currency            char(3) NOT NULL,
    client_secret       text NOT NULL DEFAULT '',
    next_action         text NOT NULL DEFAULT '',
    failure_message     text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payments_amount CHECK (amount_minor > 0)
);
CREATE UNIQUE INDEX payments_attempt_key ON payments (order_id, idempotency_key);
CREATE INDEX payments_provider_idx ON payments (provider_payment_id) WHERE provider_payment_id <> '';

-- Each provider event is applied once, whatever the provider retries.
CREATE TABLE webhook_events (
    event_id    text PRIMARY KEY,
    type        text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE webhook_events;
DROP TABLE payments;
