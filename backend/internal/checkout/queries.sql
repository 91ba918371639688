-- Named queries of the checkout package.

-- name: OrderByKey
SELECT id, customer_id, request_hash FROM orders WHERE idempotency_key = $1;

-- name: NextNumber
SELECT nextval('order_number_seq');

-- name: InsertOrder
INSERT INTO orders (number, customer_id, status, payment_method, payment_status, subtotal_minor, discount_minor,
                    shipping_minor, total_minor, currency, discount_code_id, discount_code, shipping_address,
                    customer_note, idempotency_key, request_hash, expires_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)
RETURNING id;

-- name: SetOrderCode
-- Run after the code's redemption locked its row (see PlaceOrder).
UPDATE orders SET discount_code_id = $2 WHERE id = $1;

-- name: InsertLine
INSERT INTO order_lines (order_id, position, product_id, sku, name, slug, image_sha, unit_price_minor, quantity)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: OrderColumns
SELECT id, number, customer_id, status, payment_method, payment_status, subtotal_minor, discount_minor,
       shipping_minor, total_minor, currency, discount_code, shipping_address, customer_note, cancel_reason,
       tracking_number, carrier, expires_at, version, created_at, updated_at, last_event_seq
FROM orders;

-- name: Lines
SELECT product_id, sku, name, slug, image_sha, unit_price_minor, quantity
FROM order_lines WHERE order_id = $1 ORDER BY position;

-- name: Events
SELECT sequence, order_id, created_at, actor_kind, actor_id, from_status, to_status, payment_status, note,
       tracking_number, carrier, order_version
FROM order_events WHERE order_id = $1 AND sequence > $2 ORDER BY sequence;

-- name: AppendEvent
-- Under the order row's lock: the next sequence, no gaps.
WITH o AS (
    UPDATE orders SET last_event_seq = last_event_seq + 1 WHERE id = $1 RETURNING last_event_seq, version
)
INSERT INTO order_events (order_id, sequence, created_at, actor_kind, actor_id, from_status, to_status,
                          payment_status, note, tracking_number, carrier, order_version)
SELECT $1, o.last_event_seq, $2, $3, $4, $5, $6, $7, $8, $9, $10, o.version FROM o
RETURNING sequence;

-- name: SetStatus
UPDATE orders SET status = $2, payment_status = $3, cancel_reason = $4, version = version + 1, updated_at = $5,
                  expires_at = CASE WHEN $2 = 'pending_payment' THEN expires_at ELSE NULL END
WHERE id = $1
RETURNING version;

-- name: DueUnpaid
-- Several instances may run the expiry job: SKIP LOCKED hands each order
-- to one of them.
SELECT id FROM orders
WHERE status = 'pending_payment' AND expires_at <= $1
ORDER BY expires_at
LIMIT $2
FOR UPDATE SKIP LOCKED;

-- name: SetShipping
UPDATE orders SET tracking_number = $2, carrier = $3 WHERE id = $1;

-- name: AppendEventWithShipping
WITH o AS (
    UPDATE orders SET last_event_seq = last_event_seq + 1 WHERE id = $1 RETURNING last_event_seq, version
)
INSERT INTO order_events (order_id, sequence, created_at, actor_kind, actor_id, from_status, to_status,
                          payment_status, note, tracking_number, carrier, order_version)
SELECT $1, o.last_event_seq, $2, $3, $4, $5, $6, $7, $8, $9, $10, o.version FROM o
RETURNING sequence;

-- name: HasReceived
SELECT EXISTS (
    SELECT 1 FROM orders o JOIN order_lines l ON l.order_id = o.id
    WHERE o.customer_id = $1 AND l.product_id = $2 AND o.status = 'delivered'
);

-- name: PaymentByKey
SELECT id, provider_payment_id, status, client_secret, next_action, failure_message
FROM payments WHERE order_id = $1 AND idempotency_key = $2;

-- name: LiveIntent
-- The order's newest attempt that may still go somewhere: one in flight, or
-- an intent that another payment method can confirm.
SELECT provider_payment_id, status, provider_status, updated_at FROM payments
WHERE order_id = $1 AND status IN ('creating', 'requires_action', 'processing', 'failed')
ORDER BY created_at DESC LIMIT 1;

-- name: StartAttempt
INSERT INTO payments (order_id, idempotency_key, provider_payment_id, status, amount_minor, currency, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
RETURNING id;

-- name: FinishAttempt
-- A success another path recorded first (a webhook) is never downgraded.
UPDATE payments SET provider_payment_id = $2,
                    status = CASE WHEN status IN ('succeeded', 'refunded') THEN status ELSE $3 END,
                    provider_status = $4, client_secret = $5, next_action = $6, failure_message = $7, updated_at = $8
WHERE id = $1;

-- name: PaidBy
SELECT paid_by FROM orders WHERE id = $1;

-- name: SetPaidBy
UPDATE orders SET paid_by = $2 WHERE id = $1;

-- name: PaymentRefunded
SELECT EXISTS (SELECT 1 FROM payments WHERE provider_payment_id = $1 AND status = 'refunded');

-- name: RefundableOfOrder
-- Captures that do not pay the order: every one of a cancelled order, any
-- but the paying one otherwise.
SELECT DISTINCT p.provider_payment_id FROM payments p JOIN orders o ON o.id = p.order_id
WHERE p.order_id = $1 AND p.status = 'succeeded' AND p.provider_payment_id <> ''
  AND (o.status = 'cancelled' OR p.provider_payment_id <> o.paid_by);

-- name: MarkRefunded
UPDATE payments SET status = 'refunded', updated_at = $2 WHERE provider_payment_id = $1 AND status = 'succeeded';

-- name: CapturedCount
SELECT count(DISTINCT provider_payment_id) FROM payments WHERE order_id = $1 AND status = 'succeeded';

-- name: SetPaymentStatus
UPDATE orders SET payment_status = $2, version = version + 1, updated_at = $3 WHERE id = $1
RETURNING version;

-- name: OrderByPayment
SELECT order_id FROM payments WHERE provider_payment_id = $1 LIMIT 1;

-- name: RecordWebhook
INSERT INTO webhook_events (event_id, type, received_at) VALUES ($1, $2, $3)
ON CONFLICT (event_id) DO NOTHING;

-- name: RecordProviderPayment
-- What the provider reported about a payment, attached to its order (a
-- webhook may be the first we hear of it). A succeeded or refunded payment
-- is never downgraded by late news.
WITH upd AS (
    UPDATE payments SET status = $3, provider_status = $5, updated_at = $4
    WHERE provider_payment_id = $2 AND status NOT IN ('succeeded', 'refunded')
    RETURNING id
)
INSERT INTO payments (order_id, idempotency_key, provider_payment_id, status, provider_status, amount_minor, currency, created_at, updated_at)
SELECT o.id, 'provider-' || $2, $2, $3, $5, o.total_minor, o.currency, $4, $4
FROM orders o
WHERE o.id = $1 AND NOT EXISTS (SELECT 1 FROM upd)
  AND NOT EXISTS (SELECT 1 FROM payments WHERE provider_payment_id = $2)
ON CONFLICT (order_id, idempotency_key) DO NOTHING;

-- name: RefundsDue
-- Orders holding a capture that does not pay them (a refund that failed, a
-- second success, money after a cancellation).
SELECT DISTINCT p.order_id FROM payments p JOIN orders o ON o.id = p.order_id
WHERE p.status = 'succeeded' AND p.provider_payment_id <> ''
  AND (o.status = 'cancelled' OR p.provider_payment_id <> o.paid_by)
LIMIT $1;
