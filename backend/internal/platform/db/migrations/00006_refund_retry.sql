-- Cancelled orders whose card payment still needs to go back: what the
-- refund retry job looks for.

-- +goose Up
CREATE INDEX orders_refund_due_idx ON orders (updated_at) WHERE status = 'cancelled' AND payment_status = 'succeeded';

-- +goose Down
DROP INDEX orders_refund_due_idx;
