-- The catalogue: a category tree with typed spec keys, products with specs
-- and images, reviews, and what full-text search needs.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is only STABLE; a wrapper pinned to the dictionary is
-- IMMUTABLE, so it can be used in indexes and the search document.
CREATE FUNCTION partsbin_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

CREATE TABLE categories (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    parent_id   uuid REFERENCES categories (id) ON DELETE RESTRICT,
    position    int NOT NULL DEFAULT 0,
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT categories_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    CONSTRAINT categories_not_own_parent CHECK (parent_id IS DISTINCT FROM id)
);
CREATE UNIQUE INDEX categories_slug_key ON categories (slug);
-- Sibling names are unique (roots share the NULL parent).
CREATE UNIQUE INDEX categories_sibling_name_key ON categories (COALESCE(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));
CREATE INDEX categories_parent_idx ON categories (parent_id, position);

-- The spec keys a category declares; its subcategories inherit them.
CREATE TABLE category_spec_keys (
    category_id  uuid NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    key          text NOT NULL,
    display_name text NOT NULL,
    unit         text NOT NULL DEFAULT '',
    value_type   text NOT NULL DEFAULT 'text',
    facetable    boolean NOT NULL DEFAULT false,
    position     int NOT NULL DEFAULT 0,
    PRIMARY KEY (category_id, key),
    CONSTRAINT category_spec_keys_key_format CHECK (key ~ '^[a-z][a-z0-9_]{0,39}$'),
    CONSTRAINT category_spec_keys_type CHECK (value_type IN ('text', 'number'))
);

CREATE TABLE products (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    sku             text NOT NULL,
    slug            text NOT NULL,
    name            text NOT NULL,
    brand           text NOT NULL,
    category_id     uuid NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    description     text NOT NULL DEFAULT '',
    price_minor     bigint NOT NULL,
    currency        char(3) NOT NULL DEFAULT 'EUR',
    stock           int NOT NULL DEFAULT 0,
    warranty_months int NOT NULL DEFAULT 24,
    weight_grams    int NOT NULL DEFAULT 0,
    status          text NOT NULL DEFAULT 'draft',
    rating_avg      numeric(3, 2) NOT NULL DEFAULT 0,
    rating_count    int NOT NULL DEFAULT 0,
    -- Spec values joined by spaces, kept by the writer of product_specs so
    -- the search document can include them.
    spec_text       text NOT NULL DEFAULT '',
    -- Maintained by products_search_doc(): name (A), brand (B), category
    -- name (C), SKU, description and spec values (D).
    search_doc      tsvector NOT NULL DEFAULT ''::tsvector,
    version         bigint NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_stock_not_negative CHECK (stock >= 0),
    CONSTRAINT products_price_not_negative CHECK (price_minor >= 0),
    CONSTRAINT products_status_known CHECK (status IN ('draft', 'active', 'archived')),
    CONSTRAINT products_sku_format CHECK (sku ~ '^[A-Z0-9][A-Z0-9-]{1,39}$'),
    CONSTRAINT products_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    CONSTRAINT products_rating_range CHECK (rating_avg BETWEEN 0 AND 5 AND rating_count >= 0),
    CONSTRAINT products_warranty_range CHECK (warranty_months BETWEEN 0 AND 120),
    CONSTRAINT products_weight_range CHECK (weight_grams BETWEEN 0 AND 1000000)
);
CREATE UNIQUE INDEX products_sku_key ON products (sku);
CREATE UNIQUE INDEX products_slug_key ON products (slug);
-- Search and listing only ever read active products: partial indexes keep
-- drafts and archived products out of the way. See docs/catalog.md for the
-- EXPLAIN of each query shape.
CREATE INDEX products_search_idx ON products USING gin (search_doc) WHERE status = 'active';
CREATE INDEX products_category_price_idx ON products (category_id, price_minor, id) WHERE status = 'active';
CREATE INDEX products_price_idx ON products (price_minor, id) WHERE status = 'active';
CREATE INDEX products_newest_idx ON products (created_at DESC, id) WHERE status = 'active';
CREATE INDEX products_rating_idx ON products (rating_avg DESC, rating_count DESC, id) WHERE status = 'active';
CREATE INDEX products_brand_idx ON products (brand) WHERE status = 'active';

CREATE TABLE product_specs (
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    key        text NOT NULL,
    value      text NOT NULL,
    -- lower(value), what filters compare with.
    value_norm text GENERATED ALWAYS AS (lower(value)) STORED,
    value_num  double precision,
    unit       text NOT NULL DEFAULT '',
    PRIMARY KEY (product_id, key),
    CONSTRAINT product_specs_value_len CHECK (length(value) BETWEEN 1 AND 200)
);
CREATE INDEX product_specs_text_idx ON product_specs (key, value_norm, product_id);
CREATE INDEX product_specs_num_idx ON product_specs (key, value_num, product_id) WHERE value_num IS NOT NULL;

-- Images are stored once by the SHA-256 of their bytes.
CREATE TABLE images (
    sha256       text PRIMARY KEY,
    content_type text NOT NULL,
    data         bytea NOT NULL,
    width        int NOT NULL DEFAULT 0,
    height       int NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT images_hash_format CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT images_type CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp'))
);

CREATE TABLE product_images (
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    image_sha  text NOT NULL REFERENCES images (sha256) ON DELETE RESTRICT,
    alt_text   text NOT NULL DEFAULT '',
    position   int NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, image_sha)
);
CREATE INDEX product_images_order_idx ON product_images (product_id, position);

CREATE TABLE reviews (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    product_id uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating     smallint NOT NULL,
    title      text NOT NULL DEFAULT '',
    body       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT reviews_rating_range CHECK (rating BETWEEN 1 AND 5)
);
CREATE UNIQUE INDEX reviews_one_per_customer ON reviews (product_id, user_id);
CREATE INDEX reviews_product_newest_idx ON reviews (product_id, created_at DESC, id);

-- Words of product names and brands, for typo correction: a query word
-- that is not a known word is matched to the most similar one by trigrams.
CREATE TABLE search_words (
    word text PRIMARY KEY
);
CREATE INDEX search_words_trgm_idx ON search_words USING gin (word gin_trgm_ops);

-- +goose StatementBegin
CREATE FUNCTION products_search_doc() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cat_name text;
BEGIN
    SELECT name INTO cat_name FROM categories WHERE id = NEW.category_id;
    NEW.search_doc :=
        setweight(to_tsvector('simple', partsbin_unaccent(NEW.name)), 'A') ||
        setweight(to_tsvector('simple', partsbin_unaccent(NEW.brand)), 'B') ||
        setweight(to_tsvector('simple', partsbin_unaccent(coalesce(cat_name, ''))), 'C') ||
        setweight(to_tsvector('simple', partsbin_unaccent(NEW.sku || ' ' || NEW.spec_text || ' ' || NEW.description)), 'D');
    IF TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name OR NEW.brand IS DISTINCT FROM OLD.brand THEN
        INSERT INTO search_words (word)
        SELECT DISTINCT w FROM regexp_split_to_table(lower(partsbin_unaccent(NEW.name || ' ' || NEW.brand)), '[^[:alnum:]]+') AS w
        WHERE length(w) >= 3 AND w !~ '^[0-9]+$'
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER products_search_doc_trg
    BEFORE INSERT OR UPDATE OF name, brand, category_id, sku, description, spec_text ON products
    FOR EACH ROW EXECUTE FUNCTION products_search_doc();

-- +goose Down
DROP TABLE search_words;
DROP TABLE reviews;
DROP TABLE product_images;
DROP TABLE images;
DROP TABLE product_specs;
DROP TABLE products;
DROP FUNCTION products_search_doc();
DROP TABLE category_spec_keys;
DROP TABLE categories;
DROP FUNCTION partsbin_unaccent(text);
