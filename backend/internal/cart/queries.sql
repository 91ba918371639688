-- Named queries of the cart package.

-- name: EnsureCart
INSERT INTO carts (user_id, created_at, updated_at) VALUES ($1, $2, $2)
ON CONFLICT (user_id) DO NOTHING;

-- name: LockCart
-- The attached code's text is read with the cart (one column of the
-- promotion package's table, to evaluate it by code).
SELECT c.id, c.version, c.updated_at, c.discount_code_id, dc.code
FROM carts c LEFT JOIN discount_codes dc ON dc.id = c.discount_code_id
WHERE c.user_id = $1
FOR UPDATE OF c;

-- name: ReadCart
SELECT c.id, c.version, c.updated_at, c.discount_code_id, dc.code
FROM carts c LEFT JOIN discount_codes dc ON dc.id = c.discount_code_id
WHERE c.user_id = $1;

-- name: Lines
SELECT product_id, quantity, added_unit_price_minor, added_at
FROM cart_items WHERE cart_id = $1
ORDER BY added_at, product_id;

-- name: UpsertLine
INSERT INTO cart_items (cart_id, product_id, quantity, added_unit_price_minor, added_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (cart_id, product_id)
DO UPDATE SET quantity = EXCLUDED.quantity, added_unit_price_minor = EXCLUDED.added_unit_price_minor;

-- name: DeleteLine
DELETE FROM cart_items WHERE cart_id = $1 AND product_id = $2;

-- name: BumpCart
UPDATE carts SET version = version + 1, updated_at = $2 WHERE id = $1;

-- name: SetCode
UPDATE carts SET discount_code_id = $2, version = version + 1, updated_at = $3 WHERE id = $1;

-- name: EmptyCart
-- After an order: no lines, no code, a new version.
WITH gone AS (DELETE FROM cart_items WHERE cart_id = $1)
UPDATE carts SET discount_code_id = NULL, version = version + 1, updated_at = $2 WHERE id = $1;
