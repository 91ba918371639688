-- Named queries of the catalog package. The search query is composed in
-- search.go from the filters a request carries.

-- name: Categories
SELECT id, slug, name, description, parent_id, position, version, created_at, updated_at
FROM categories;

-- name: CategorySpecKeys
SELECT category_id, key, display_name, unit, value_type, facetable, position
FROM category_spec_keys
ORDER BY position, key;

-- name: ActiveProductCounts
SELECT category_id, count(*) FROM products WHERE status = 'active' GROUP BY category_id;

-- name: ProductByID
SELECT id, sku, slug, name, brand, category_id, price_minor, currency, stock, rating_avg::float8,
       rating_count, warranty_months, created_at, description, weight_grams, status, version, updated_at
FROM products WHERE id = $1;

-- name: ProductBySlug
SELECT id, sku, slug, name, brand, category_id, price_minor, currency, stock, rating_avg::float8,
       rating_count, warranty_months, created_at, description, weight_grams, status, version, updated_at
FROM products WHERE slug = $1;

-- name: ProductSpecs
SELECT key, value, value_num, unit FROM product_specs WHERE product_id = $1 ORDER BY key;

-- name: ProductImages
SELECT i.sha256, i.content_type, i.width, i.height, pi.alt_text, pi.position
FROM product_images pi JOIN images i ON i.sha256 = pi.image_sha
WHERE pi.product_id = $1
ORDER BY pi.position, i.sha256;

-- name: ProductStatusRating
SELECT status, rating_avg::float8, rating_count FROM products WHERE id = $1;

-- name: ReviewsPage
-- Newest first; $2/$3 are the keyset cursor (NULL for the first page).
SELECT r.id, r.product_id, u.full_name, r.rating, r.title, r.body, r.created_at
FROM reviews r JOIN users u ON u.id = r.user_id
WHERE r.product_id = $1
  AND ($2::timestamptz IS NULL OR (r.created_at, r.id) < ($2, $3::uuid))
ORDER BY r.created_at DESC, r.id DESC
LIMIT $4;

-- name: ImageByHash
SELECT content_type, data FROM images WHERE sha256 = $1;

-- name: ProductsByIDs
-- Products for carts and orders: drafts are left out, archived ones come
-- back with their status so the caller can refuse them.
SELECT p.id, p.sku, p.name, p.slug, p.price_minor, p.stock, p.status,
       (SELECT pi.image_sha FROM product_images pi WHERE pi.product_id = p.id ORDER BY pi.position LIMIT 1)
FROM products p
WHERE p.id = ANY($1::uuid[]) AND p.status <> 'draft';

-- name: TakeStock
-- The guarded, versioned stock update of an order: never below zero, only
-- for products on sale, and it bumps the version so a concurrent staff
-- edit made against the old version fails instead of overwriting it.
UPDATE products SET stock = stock - $2, version = version + 1, updated_at = $3
WHERE id = $1 AND status = 'active' AND stock >= $2
RETURNING sku, name, slug, price_minor, version,
          coalesce((SELECT pi.image_sha FROM product_images pi WHERE pi.product_id = products.id ORDER BY pi.position LIMIT 1), '');

-- name: StockState
SELECT status, stock FROM products WHERE id = $1;

-- name: ReleaseStock
UPDATE products SET stock = stock + $2, version = version + 1, updated_at = $3
WHERE id = $1
RETURNING version;

-- name: LockProductForReview
SELECT status FROM products WHERE id = $1 FOR UPDATE;

-- name: InsertReview
INSERT INTO reviews (product_id, user_id, rating, title, body, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: RefreshRating
-- Recomputed from the reviews under the product's row lock, so concurrent
-- reviews of one product cannot lose each other.
UPDATE products p SET rating_avg = r.avg, rating_count = r.n, version = p.version + 1, updated_at = $2
FROM (SELECT coalesce(round(avg(rating), 2), 0) AS avg, count(*) AS n FROM reviews WHERE product_id = $1) r
WHERE p.id = $1
RETURNING p.version;

-- name: ReviewAuthor
SELECT full_name FROM users WHERE id = $1;
