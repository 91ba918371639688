// Package seed fills an empty database with a deterministic, realistic demo
// catalogue: a two-level category tree of computer equipment with typed
// spec keys, products with specs and placeholder images, customer and staff
// accounts, and reviews. The same Seed and Products always give the same
// rows (ids included), so tests and docs can rely on them.
package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/auth"
)

// DemoPassword is the password of every seeded account.
const DemoPassword = "partsbin-demo-password"

// EmailDomain is the domain of every seeded account's address:
// customer1@partsbin.localhost, staff1@partsbin.localhost, ...
const EmailDomain = "partsbin.localhost"

// Featured names products that always exist, active and in stock, with
// exactly these names (the first of them all in a seeded catalogue), so
// tests and docs can search for them.
var Featured = []string{
	"AMD Ryzen 7 7800X3D",
	"AMD Ryzen 5 7600X",
	"Intel Core i7-14700K",
	"NVIDIA GeForce RTX 4070 Founders Edition",
	"ASUS GeForce RTX 4090 ROG Strix OC 24G",
	"Samsung 990 Pro 2TB",
	"Corsair Vengeance DDR5-6000 32GB",
	"Logitech MX Master 3S",
}

// ErrCatalogNotEmpty means the database already holds products or
// categories; the seed only fills an empty catalogue (use IfEmpty to make
// that a no-op instead of an error).
var ErrCatalogNotEmpty = errors.New("catalogue is not empty")

// Options tune a seed run. Zero values mean the defaults; a negative
// Customers, Staff or ReviewsPerProduct means none.
type Options struct {
	// Products is how many products to create, at least len(Featured).
	Products int
	// Seed picks the data; the same Seed and Products give the same rows.
	// Default 1.
	Seed int64
	// IfEmpty makes a run on a non-empty catalogue a no-op (Report.Skipped)
	// rather than ErrCatalogNotEmpty.
	IfEmpty bool
	// Customers and Staff are how many accounts of each role to create
	// (customerN@ / staffN@partsbin.localhost). Defaults 20 and 3.
	Customers int
	Staff     int
	// ReviewsPerProduct is the average number of reviews of a product,
	// drawn from a skewed distribution (many products have none or a few,
	// some many), never more than there are customers. Default 2.5.
	ReviewsPerProduct float64
	// Hasher hashes DemoPassword; nil means argon2id with the OWASP
	// minimum parameters.
	Hasher *auth.Hasher
	// Now anchors every timestamp (products are spread over the two years
	// before it). Default: today at 00:00 UTC, so runs on the same day are
	// identical.
	Now time.Time
	// BatchSize is how many products are generated and copied at a time.
	// Default 5000.
	BatchSize int
}

// Report says what a run created and how long it took.
type Report struct {
	// Skipped is true when IfEmpty found a non-empty catalogue.
	Skipped bool

	Categories    int
	SpecKeys      int
	Products      int
	Specs         int
	Images        int
	ProductImages int
	// UsersCreated counts new accounts; accounts whose address already
	// existed are reused (and not counted).
	UsersCreated int
	Reviews      int

	// Durations of the phases and of the whole run.
	HashTime     time.Duration
	ProductsTime time.Duration
	ReviewsTime  time.Duration
	FinishTime   time.Duration
	Total        time.Duration
}

// String summarises the report in one line.
func (r Report) String() string {
	if r.Skipped {
		return "catalogue not empty: seed skipped"
	}
	return fmt.Sprintf("seeded %d categories (%d spec keys), %d products (%d specs, %d product images of %d distinct images), %d new users, %d reviews in %s (hash %s, products %s, reviews %s, ratings and statistics %s)",
		r.Categories, r.SpecKeys, r.Products, r.Specs, r.ProductImages, r.Images, r.UsersCreated, r.Reviews,
		r.Total.Round(time.Millisecond), r.HashTime.Round(time.Millisecond), r.ProductsTime.Round(time.Millisecond),
		r.ReviewsTime.Round(time.Millisecond), r.FinishTime.Round(time.Millisecond))
}

func (o *Options) defaults() error {
	if o.Products < len(Featured) {
		return fmt.Errorf("seed: want at least %d products, got %d", len(Featured), o.Products)
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Customers == 0 {
		o.Customers = 20
	}
	o.Customers = max(o.Customers, 0)
	if o.Staff == 0 {
		o.Staff = 3
	}
	o.Staff = max(o.Staff, 0)
	if o.ReviewsPerProduct == 0 {
		o.ReviewsPerProduct = 2.5
	}
	o.ReviewsPerProduct = max(o.ReviewsPerProduct, 0)
	if o.Hasher == nil {
		o.Hasher = auth.NewHasher(auth.HashParams{MemoryKiB: 19 * 1024, Iterations: 2, Parallelism: 1}, 1)
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC().Truncate(24 * time.Hour)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 5000
	}
	return nil
}

// seedLockKey serialises concurrent seed runs (pg_advisory_xact_lock).
const seedLockKey = 4242101

// Random streams: each part of the data draws from its own PCG stream, so
// changing how reviews are drawn does not change the products.
const (
	streamProducts = iota + 1
	streamIDs
	streamUsers
	streamReviews
)

func newRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream))
}

// Run seeds the catalogue in one transaction: either everything is there
// afterwards or nothing is. It only fills an empty catalogue (no products
// and no categories): otherwise it returns ErrCatalogNotEmpty, or a
// Skipped report with IfEmpty. progress (may be nil) gets a line per batch.
func Run(ctx context.Context, pool *pgxpool.Pool, opts Options, progress io.Writer) (Report, error) {
	start := time.Now()
	if err := opts.defaults(); err != nil {
		return Report{}, err
	}
	if progress == nil {
		progress = io.Discard
	}
	var rep Report

	tx, err := pool.Begin(ctx)
	if err != nil {
		return Report{}, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit

	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", seedLockKey); err != nil {
		return Report{}, fmt.Errorf("seed lock: %w", err)
	}
	var nonEmpty bool
	err = tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM products) OR EXISTS (SELECT 1 FROM categories)").Scan(&nonEmpty)
	if err != nil {
		return Report{}, fmt.Errorf("check catalogue: %w", err)
	}
	if nonEmpty {
		if opts.IfEmpty {
			return Report{Skipped: true, Total: time.Since(start)}, nil
		}
		return Report{}, fmt.Errorf("seed: %w (it holds products or categories)", ErrCatalogNotEmpty)
	}

	// One hash for every seeded account: argon2id is deliberately slow and
	// memory hungry, and the accounts share one demo password anyway, so
	// hashing once and reusing the PHC string keeps the seed fast. (The salt
	// is random: password_hash is the only column that differs between two
	// runs with the same options.)
	hashStart := time.Now()
	passwordHash, err := opts.Hasher.Hash(ctx, DemoPassword)
	if err != nil {
		return Report{}, fmt.Errorf("hash demo password: %w", err)
	}
	rep.HashTime = time.Since(hashStart)

	ids := newRand(opts.Seed, streamIDs)
	tree := buildTree(ids)
	if err := insertTree(ctx, tx, tree, opts.Now); err != nil {
		return Report{}, err
	}
	rep.Categories = len(tree.all)
	rep.SpecKeys = tree.specKeys()

	imgs, err := insertImages(ctx, tx, tree)
	if err != nil {
		return Report{}, err
	}
	rep.Images = imgs

	users, created, err := insertUsers(ctx, tx, opts, passwordHash, newRand(opts.Seed, streamUsers), ids)
	if err != nil {
		return Report{}, err
	}
	rep.UsersCreated = created
	fmt.Fprintf(progress, "categories %d, images %d, users %d new (%s)\n", rep.Categories, rep.Images, created, time.Since(start).Round(time.Millisecond))

	gen := newGenerator(tree, opts, ids)
	rv := newReviewer(opts, users.customers, newRand(opts.Seed, streamReviews))
	productsStart := time.Now()
	for done := 0; done < opts.Products; {
		n := min(opts.BatchSize, opts.Products-done)
		batch := gen.next(n)
		counts, err := copyProducts(ctx, tx, batch)
		if err != nil {
			return Report{}, err
		}
		rep.Products += len(batch)
		rep.Specs += counts.specs
		rep.ProductImages += counts.images
		reviewStart := time.Now()
		reviews := rv.reviews(batch)
		k, err := copyReviews(ctx, tx, reviews)
		if err != nil {
			return Report{}, err
		}
		rep.Reviews += k
		rep.ReviewsTime += time.Since(reviewStart)
		done += n
		fmt.Fprintf(progress, "products %d/%d, reviews %d (%s)\n", done, opts.Products, rep.Reviews, time.Since(productsStart).Round(100*time.Millisecond))
	}
	rep.ProductsTime = time.Since(productsStart) - rep.ReviewsTime

	finishStart := time.Now()
	// Ratings come from the reviews just written, in one statement.
	if _, err := tx.Exec(ctx, `
		UPDATE products p SET rating_avg = r.avg, rating_count = r.n
		FROM (SELECT product_id, round(avg(rating), 2) AS avg, count(*) AS n FROM reviews GROUP BY product_id) r
		WHERE p.id = r.product_id`); err != nil {
		return Report{}, fmt.Errorf("update ratings: %w", err)
	}
	// Fresh statistics, so the first searches get good plans (ANALYZE
	// counts the rows this transaction inserted).
	if _, err := tx.Exec(ctx, "ANALYZE categories, category_spec_keys, products, product_specs, images, product_images, reviews, search_words, users"); err != nil {
		return Report{}, fmt.Errorf("analyze: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return Report{}, fmt.Errorf("commit: %w", err)
	}
	rep.FinishTime = time.Since(finishStart)
	rep.Total = time.Since(start)
	fmt.Fprintf(progress, "ratings and statistics (%s)\n", rep.FinishTime.Round(time.Millisecond))
	return rep, nil
}

// copyCounts are the child rows copied with a batch of products.
type copyCounts struct{ specs, images int }

func copyProducts(ctx context.Context, tx pgx.Tx, batch []product) (copyCounts, error) {
	var c copyCounts
	rows := make([][]any, len(batch))
	for i, p := range batch {
		rows[i] = []any{p.id, p.sku, p.slug, p.name, p.brand, p.categoryID, p.description, p.priceMinor, "EUR",
			p.stock, p.warranty, p.weight, p.status, p.specText, p.created, p.updated}
		c.specs += len(p.specs)
		c.images += len(p.images)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"products"},
		[]string{"id", "sku", "slug", "name", "brand", "category_id", "description", "price_minor", "currency",
			"stock", "warranty_months", "weight_grams", "status", "spec_text", "created_at", "updated_at"},
		pgx.CopyFromRows(rows)); err != nil {
		return c, fmt.Errorf("copy products: %w", err)
	}

	specs := make([][]any, 0, c.specs)
	imgs := make([][]any, 0, c.images)
	for _, p := range batch {
		for _, s := range p.specs {
			specs = append(specs, []any{p.id, s.key, s.value, s.num, s.unit})
		}
		for i, sha := range p.images {
			imgs = append(imgs, []any{p.id, sha, p.name, i})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"product_specs"},
		[]string{"product_id", "key", "value", "value_num", "unit"}, pgx.CopyFromRows(specs)); err != nil {
		return c, fmt.Errorf("copy product specs: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"product_images"},
		[]string{"product_id", "image_sha", "alt_text", "position"}, pgx.CopyFromRows(imgs)); err != nil {
		return c, fmt.Errorf("copy product images: %w", err)
	}
	return c, nil
}

func copyReviews(ctx context.Context, tx pgx.Tx, reviews []review) (int, error) {
	rows := make([][]any, len(reviews))
	for i, r := range reviews {
		rows[i] = []any{r.id, r.productID, r.userID, r.rating, r.title, r.body, r.created}
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"reviews"},
		[]string{"id", "product_id", "user_id", "rating", "title", "body", "created_at"}, pgx.CopyFromRows(rows))
	if err != nil {
		return 0, fmt.Errorf("copy reviews: %w", err)
	}
	return int(n), nil
}
