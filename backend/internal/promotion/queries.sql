-- Named queries of the promotion package. Every query returning a code
-- selects the columns in the order scanCode reads them.

-- name: InsertCode
INSERT INTO discount_codes (code, description, kind, percent, fixed_amount_minor, currency,
                            minimum_subtotal_minor, starts_at, ends_at, total_limit, per_customer_limit,
                            active, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
RETURNING id, code, description, kind, percent, fixed_amount_minor, currency, minimum_subtotal_minor,
          starts_at, ends_at, total_limit, per_customer_limit, active, redemption_count, version,
          created_at, updated_at;

-- name: CodeByID
SELECT id, code, description, kind, percent, fixed_amount_minor, currency, minimum_subtotal_minor,
       starts_at, ends_at, total_limit, per_customer_limit, active, redemption_count, version,
       created_at, updated_at
FROM discount_codes WHERE id = $1;

-- name: CodeByCode
SELECT id, code, description, kind, percent, fixed_amount_minor, currency, minimum_subtotal_minor,
       starts_at, ends_at, total_limit, per_customer_limit, active, redemption_count, version,
       created_at, updated_at
FROM discount_codes WHERE code = $1;

-- name: UpdateCode
-- The caller holds the row lock and has checked $2 against the version.
UPDATE discount_codes
SET description = $3, kind = $4, percent = $5, fixed_amount_minor = $6, minimum_subtotal_minor = $7,
    starts_at = $8, ends_at = $9, total_limit = $10, per_customer_limit = $11, active = $12,
    version = version + 1, updated_at = $13
WHERE id = $1 AND version = $2
RETURNING id, code, description, kind, percent, fixed_amount_minor, currency, minimum_subtotal_minor,
          starts_at, ends_at, total_limit, per_customer_limit, active, redemption_count, version,
          created_at, updated_at;

-- name: DeactivateCode
UPDATE discount_codes
SET active = false, version = version + 1, updated_at = $3
WHERE id = $1 AND version = $2
RETURNING id, code, description, kind, percent, fixed_amount_minor, currency, minimum_subtotal_minor,
          starts_at, ends_at, total_limit, per_customer_limit, active, redemption_count, version,
          created_at, updated_at;

-- name: CodesPage
-- Newest first; $3/$4 are the keyset cursor (NULL for the first page).
-- starts_with, not LIKE: '_' is a legal code character and a LIKE wildcard.
SELECT id, code, description, kind, percent, fixed_amount_minor, currency, minimum_subtotal_minor,
       starts_at, ends_at, total_limit, per_customer_limit, active, redemption_count, version,
       created_at, updated_at
FROM discount_codes
WHERE (NOT $1::boolean OR active)
  AND ($2::text = '' OR starts_with(code, $2))
  AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
ORDER BY created_at DESC, id DESC
LIMIT $5;

-- name: CustomerRedemptions
SELECT count(*) FROM discount_redemptions WHERE code_id = $1 AND user_id = $2;

-- name: LockCodeForRedemption
-- Serialises the redemptions of one code, so the per-customer count read
-- after it sees every redemption committed before.
SELECT per_customer_limit FROM discount_codes WHERE id = $1 FOR UPDATE;

-- name: CountRedemption
-- The guard repeats every rule a redemption depends on; with the row lock
-- and the table's CHECK, "one use left, many racing" ends in one success.
UPDATE discount_codes
SET redemption_count = redemption_count + 1
WHERE id = $1 AND active
  AND (total_limit = 0 OR redemption_count < total_limit)
  AND (starts_at IS NULL OR starts_at <= $2)
  AND (ends_at IS NULL OR ends_at > $2);

-- name: InsertRedemption
INSERT INTO discount_redemptions (code_id, user_id, order_id, amount_minor, created_at)
VALUES ($1, $2, $3, $4, $5);

-- name: ReleaseRedemption
-- Gives back the use of a code when its order is cancelled or expires.
WITH r AS (DELETE FROM discount_redemptions WHERE order_id = $1 RETURNING code_id)
UPDATE discount_codes SET redemption_count = redemption_count - 1
WHERE id IN (SELECT code_id FROM r);
