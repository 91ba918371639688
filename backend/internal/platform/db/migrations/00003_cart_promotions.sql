-- Discount codes and carts (the first half of buying; orders follow).

-- +goose Up
CREATE TABLE discount_codes (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Stored upper case; codes are matched case-insensitively by
    -- upper-casing the input.
    code                   text NOT NULL,
    description            text NOT NULL DEFAULT '',
    kind                   text NOT NULL,
    percent                int,
    fixed_amount_minor     bigint,
    currency               char(3) NOT NULL DEFAULT 'EUR',
    minimum_subtotal_minor bigint NOT NULL DEFAULT 0,
    starts_at              timestamptz,
    ends_at                timestamptz,
    -- 0 means unlimited.
    total_limit            int NOT NULL DEFAULT 0,
    per_customer_limit     int NOT NULL DEFAULT 0,
    active                 boolean NOT NULL DEFAULT false,
    -- Counted by a guarded UPDATE inside the order transaction; the CHECK
    -- makes "one use left, many racing" end in exactly one success even if
    -- the code had a bug.
    redemption_count       int NOT NULL DEFAULT 0,
    version                bigint NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT discount_codes_code_format CHECK (code ~ '^[A-Z0-9_-]{3,32}$'),
    CONSTRAINT discount_codes_kind CHECK (
        (kind = 'percent' AND percent BETWEEN 1 AND 100 AND fixed_amount_minor IS NULL) OR
        (kind = 'fixed' AND fixed_amount_minor > 0 AND percent IS NULL)),
    CONSTRAINT discount_codes_minimum CHECK (minimum_subtotal_minor >= 0),
    CONSTRAINT discount_codes_window CHECK (starts_at IS NULL OR ends_at IS NULL OR ends_at > starts_at),
    CONSTRAINT discount_codes_limits CHECK (total_limit >= 0 AND per_customer_limit >= 0),
    CONSTRAINT discount_codes_within_limit CHECK (total_limit = 0 OR redemption_count <= total_limit),
    CONSTRAINT discount_codes_count CHECK (redemption_count >= 0)
);
CREATE UNIQUE INDEX discount_codes_code_key ON discount_codes (code);
CREATE INDEX discount_codes_created_idx ON discount_codes (created_at DESC, id);

-- One row per use of a code; order_id gets its foreign key with the orders
-- table.
CREATE TABLE discount_redemptions (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code_id      uuid NOT NULL REFERENCES discount_codes (id) ON DELETE RESTRICT,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    order_id     uuid,
    amount_minor bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT discount_redemptions_amount CHECK (amount_minor >= 0)
);
CREATE INDEX discount_redemptions_code_user_idx ON discount_redemptions (code_id, user_id);

CREATE TABLE carts (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    discount_code_id uuid REFERENCES discount_codes (id) ON DELETE SET NULL,
    version          bigint NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX carts_user_key ON carts (user_id);

CREATE TABLE cart_items (
    cart_id                uuid NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    product_id             uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    quantity               int NOT NULL,
    -- The unit price when the line was added or last changed, so the cart
    -- can say "price changed since you added it".
    added_unit_price_minor bigint NOT NULL,
    added_at               timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (cart_id, product_id),
    CONSTRAINT cart_items_quantity CHECK (quantity BETWEEN 1 AND 99)
);

-- +goose Down
DROP TABLE cart_items;
DROP TABLE carts;
DROP TABLE discount_redemptions;
DROP TABLE discount_codes;
