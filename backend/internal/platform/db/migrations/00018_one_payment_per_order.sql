-- One payment per order: which payment paid an order, the provider's own
-- state of each intent (so a later attempt can reuse a live one), and an
-- index for the refund job's search of captures that did not pay their
-- order.

-- +goose Up
ALTER TABLE orders ADD COLUMN paid_by text NOT NULL DEFAULT '';
UPDATE orders o SET paid_by = p.provider_payment_id
FROM (SELECT DISTINCT ON (order_id) order_id, provider_payment_id FROM payments
      WHERE status IN ('succeeded', 'refunded') AND provider_payment_id <> ''
      ORDER BY order_id, created_at) p
WHERE p.order_id = o.id;
ALTER TABLE payments ADD COLUMN provider_status text NOT NULL DEFAULT '';
CREATE INDEX payments_live_idx ON payments (order_id, created_at DESC)
    WHERE status IN ('creating', 'requires_action', 'processing', 'failed');
CREATE INDEX payments_captured_idx ON payments (order_id) WHERE status = 'succeeded';

-- +goose Down
DROP INDEX payments_captured_idx;
DROP INDEX payments_live_idx;
ALTER TABLE payments DROP COLUMN provider_status;
ALTER TABLE orders DROP COLUMN paid_by;
