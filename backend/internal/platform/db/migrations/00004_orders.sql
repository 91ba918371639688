-- Orders: snapshotted lines, an append-only event log per order, and
-- idempotent placement.

-- +goose Up
CREATE SEQUENCE order_number_seq;

CREATE TABLE orders (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Human-readable, e.g. PB-2026-000123.
    number           text NOT NULL,
    customer_id      uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    status           text NOT NULL,
    payment_method   text NOT NULL,
    payment_status   text NOT NULL,
    subtotal_minor   bigint NOT NULL,
    discount_minor   bigint NOT NULL DEFAULT 0,
    shipping_minor   bigint NOT NULL DEFAULT 0,
    total_minor      bigint NOT NULL,
    currency         char(3) NOT NULL,
    discount_code_id uuid REFERENCES discount_codes (id) ON DELETE RESTRICT,
    discount_code    text NOT NULL DEFAULT '',
    shipping_address jsonb NOT NULL,
    customer_note    text NOT NULL DEFAULT '',
    cancel_reason    text NOT NULL DEFAULT '',
    tracking_number  text NOT NULL DEFAULT '',
    carrier          text NOT NULL DEFAULT '',
    -- Idempotent placement: one order per key; the hash of the request
    -- tells a retry from a different request that reused the key.
    idempotency_key  text NOT NULL,
    request_hash     text NOT NULL,
    -- Unpaid card orders expire and give their stock back.
    expires_at       timestamptz,
    -- The sequence of the last event, assigned under this row's lock so
    -- streams can resume after it without gaps.
    last_event_seq   bigint NOT NULL DEFAULT 0,
    version          bigint NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_status_known CHECK (status IN ('pending_payment', 'paid', 'processing', 'shipped', 'delivered', 'cancelled')),
    CONSTRAINT orders_payment_method_known CHECK (payment_method IN ('cash_on_delivery', 'card')),
    CONSTRAINT orders_payment_status_known CHECK (payment_status IN ('not_required', 'requires_payment', 'requires_action', 'processing', 'succeeded', 'failed', 'refunded')),
    CONSTRAINT orders_amounts CHECK (subtotal_minor >= 0 AND discount_minor >= 0 AND discount_minor <= subtotal_minor
        AND shipping_minor >= 0 AND total_minor = subtotal_minor - discount_minor + shipping_minor),
    CONSTRAINT orders_key_format CHECK (idempotency_key ~ '^[A-Za-z0-9_-]{16,128}$')
);
CREATE UNIQUE INDEX orders_number_key ON orders (number);
CREATE UNIQUE INDEX orders_idempotency_key ON orders (idempotency_key);
CREATE INDEX orders_customer_newest_idx ON orders (customer_id, created_at DESC, id DESC);
CREATE INDEX orders_newest_idx ON orders (created_at DESC, id DESC);
CREATE INDEX orders_pending_expiry_idx ON orders (expires_at) WHERE status = 'pending_payment';

CREATE TABLE order_lines (
    order_id         uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    position         int NOT NULL,
    product_id       uuid NOT NULL REFERENCES products (id) ON DELETE RESTRICT,
    sku              text NOT NULL,
    name             text NOT NULL,
    slug             text NOT NULL,
    image_sha        text NOT NULL DEFAULT '',
    unit_price_minor bigint NOT NULL,
    quantity         int NOT NULL,
    PRIMARY KEY (order_id, position),
    CONSTRAINT order_lines_quantity CHECK (quantity BETWEEN 1 AND 99),
    CONSTRAINT order_lines_price CHECK (unit_price_minor >= 0)
);
CREATE INDEX order_lines_product_idx ON order_lines (product_id);

CREATE TABLE order_events (
    order_id        uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    sequence        bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    actor_kind      text NOT NULL,
    actor_id        uuid,
    from_status     text,
    to_status       text NOT NULL,
    payment_status  text NOT NULL,
    note            text NOT NULL DEFAULT '',
    tracking_number text NOT NULL DEFAULT '',
    carrier         text NOT NULL DEFAULT '',
    order_version   bigint NOT NULL,
    PRIMARY KEY (order_id, sequence),
    CONSTRAINT order_events_actor_known CHECK (actor_kind IN ('system', 'customer', 'staff', 'payment_provider'))
);

ALTER TABLE discount_redemptions
    ADD CONSTRAINT discount_redemptions_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE;
CREATE UNIQUE INDEX discount_redemptions_order_key ON discount_redemptions (order_id) WHERE order_id IS NOT NULL;

-- +goose Down
DROP INDEX discount_redemptions_order_key;
ALTER TABLE discount_redemptions DROP CONSTRAINT discount_redemptions_order_fk;
DROP TABLE order_events;
DROP TABLE order_lines;
DROP TABLE orders;
DROP SEQUENCE order_number_seq;
