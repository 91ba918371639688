package seed_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/seed"
)

const testProducts = 500

// A fixed clock, so two runs on either side of midnight still match.
var testNow = time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)

func runSeed(t *testing.T, s *apptest.Server, opts seed.Options) seed.Report {
	t.Helper()
	rep, err := seed.Run(context.Background(), s.App.Pool, opts, testWriter{t})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return rep
}

func count(t *testing.T, conn *pgx.Conn, query string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestRun_SeedsCatalog(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := apptest.Start(t)
	rep := runSeed(t, s, seed.Options{Products: testProducts, Now: testNow})
	conn := s.Conn(t)

	if rep.Skipped || rep.Products != testProducts || rep.UsersCreated != 23 || rep.Reviews == 0 {
		t.Fatalf("report = %+v, want %d products, 23 users, some reviews", rep, testProducts)
	}
	counts := []struct {
		name  string
		query string
		want  int
	}{
		{"products", "SELECT count(*) FROM products", testProducts},
		{"root categories", "SELECT count(*) FROM categories WHERE parent_id IS NULL", 5},
		{"categories", "SELECT count(*) FROM categories", rep.Categories},
		{"products outside leaves", "SELECT count(*) FROM products p JOIN categories c ON c.id = p.category_id WHERE c.parent_id IS NULL", 0},
		{"spec keys", "SELECT count(*) FROM category_spec_keys", rep.SpecKeys},
		{"customers", "SELECT count(*) FROM users WHERE role = 'customer' AND email LIKE 'customer%@partsbin.localhost'", 20},
		{"staff", "SELECT count(*) FROM users WHERE role = 'staff' AND email LIKE 'staff%@partsbin.localhost'", 3},
		{"specs", "SELECT count(*) FROM product_specs", rep.Specs},
		{"product images", "SELECT count(*) FROM product_images", rep.ProductImages},
		{"reviews", "SELECT count(*) FROM reviews", rep.Reviews},
		{"products without specs", "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM product_specs s WHERE s.product_id = p.id)", 0},
		{"products without images", "SELECT count(*) FROM products p WHERE NOT EXISTS (SELECT 1 FROM product_images i WHERE i.product_id = p.id AND i.position = 0)", 0},
		{"negative stock", "SELECT count(*) FROM products WHERE stock < 0", 0},
		{"alt text not the name", "SELECT count(*) FROM product_images i JOIN products p ON p.id = i.product_id WHERE i.alt_text <> p.name", 0},
		{"specs of undeclared keys", `SELECT count(*) FROM product_specs s JOIN products p ON p.id = s.product_id
			LEFT JOIN category_spec_keys k ON k.category_id = p.category_id AND k.key = s.key WHERE k.key IS NULL`, 0},
		{"numbers without value_num or with the wrong unit", `SELECT count(*) FROM product_specs s JOIN products p ON p.id = s.product_id
			JOIN category_spec_keys k ON k.category_id = p.category_id AND k.key = s.key
			WHERE (k.value_type = 'number' AND (s.value_num IS NULL OR s.value_num::text <> s.value::float8::text)) OR s.unit <> k.unit`, 0},
		{"spec_text not the spec values", `SELECT count(*) FROM products p WHERE p.spec_text <> (
			SELECT string_agg(s.value, ' ' ORDER BY k.position) FROM product_specs s
			JOIN category_spec_keys k ON k.category_id = p.category_id AND k.key = s.key WHERE s.product_id = p.id)`, 0},
		{"ratings not from reviews", `SELECT count(*) FROM products p LEFT JOIN (
			SELECT product_id, count(*) AS n, round(avg(rating), 2) AS avg FROM reviews GROUP BY product_id) r ON r.product_id = p.id
			WHERE p.rating_count <> coalesce(r.n, 0) OR p.rating_avg <> coalesce(r.avg, 0)`, 0},
		{"reviews of drafts", "SELECT count(*) FROM reviews r JOIN products p ON p.id = r.product_id WHERE p.status = 'draft'", 0},
		{"reviews by non-customers", "SELECT count(*) FROM reviews r JOIN users u ON u.id = r.user_id WHERE u.role <> 'customer'", 0},
		{"reviews before their product", "SELECT count(*) FROM reviews r JOIN products p ON p.id = r.product_id WHERE r.created_at < p.created_at OR r.created_at > $1", 0},
		{"empty search documents", "SELECT count(*) FROM products WHERE search_doc = ''::tsvector", 0},
	}
	for _, c := range counts {
		var args []any
		if c.name == "reviews before their product" {
			args = append(args, testNow)
		}
		if got := count(t, conn, c.query, args...); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}

	// Realistic shares (loose bounds: 500 products is a small sample).
	active := count(t, conn, "SELECT count(*) FROM products WHERE status = 'active'")
	outOfStock := count(t, conn, "SELECT count(*) FROM products WHERE stock = 0")
	if active < testProducts*88/100 || active == testProducts {
		t.Errorf("active products: got %d of %d, want about 95%% (and some drafts or archived)", active, testProducts)
	}
	if outOfStock < testProducts*3/100 || outOfStock > testProducts*15/100 {
		t.Errorf("out of stock: got %d of %d, want about 8%%", outOfStock, testProducts)
	}

	for _, name := range seed.Featured {
		var status, brand string
		var stock int
		err := conn.QueryRow(ctx, "SELECT status, stock, brand FROM products WHERE name = $1", name).Scan(&status, &stock, &brand)
		if err != nil {
			t.Errorf("featured %q: %v", name, err)
			continue
		}
		if status != "active" || stock <= 0 {
			t.Errorf("featured %q: status %s, stock %d; want active and in stock", name, status, stock)
		}
		found := count(t, conn, "SELECT count(*) FROM products WHERE name = $1 AND search_doc @@ plainto_tsquery('simple', partsbin_unaccent($1))", name)
		if found != 1 {
			t.Errorf("featured %q: full-text search for its name finds it %d times, want 1", name, found)
		}
	}
	if got := count(t, conn, "SELECT count(*) FROM products WHERE name = 'NVIDIA GeForce RTX 4070 Founders Edition' AND brand = 'NVIDIA'"); got != 1 {
		t.Errorf("Founders Edition with brand NVIDIA: got %d, want 1", got)
	}
	if got := count(t, conn, "SELECT count(*) FROM search_words WHERE word IN ('ryzen', 'geforce', 'logitech')"); got != 3 {
		t.Errorf("search_words with ryzen, geforce, logitech: got %d, want 3", got)
	}

	var hash string
	if err := conn.QueryRow(ctx, "SELECT password_hash FROM users WHERE email = 'customer1@partsbin.localhost'").Scan(&hash); err != nil {
		t.Fatal(err)
	}
	h := auth.NewHasher(auth.HashParams{MemoryKiB: 19 * 1024, Iterations: 2, Parallelism: 1}, 1)
	if ok, _, err := h.Verify(ctx, hash, seed.DemoPassword); err != nil || !ok {
		t.Errorf("demo password does not verify against customer1's hash: ok=%v err=%v", ok, err)
	}

	var data []byte
	var width, height int
	if err := conn.QueryRow(ctx, "SELECT data, width, height FROM images ORDER BY sha256 LIMIT 1").Scan(&data, &width, &height); err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width != width || cfg.Height != height {
		t.Errorf("image: decode %v, %dx%d, stored as %dx%d", err, cfg.Width, cfg.Height, width, height)
	}
	if got := count(t, conn, "SELECT count(*) FROM images WHERE sha256 <> encode(sha256(data), 'hex') OR content_type <> 'image/png'"); got != 0 {
		t.Errorf("images not keyed by their SHA-256 or not PNG: %d", got)
	}

	// A second run leaves the catalogue alone.
	again, err := seed.Run(ctx, s.App.Pool, seed.Options{Products: testProducts, Now: testNow, IfEmpty: true}, nil)
	if err != nil || !again.Skipped {
		t.Errorf("rerun with IfEmpty: report %+v, err %v; want skipped", again, err)
	}
	if _, err := seed.Run(ctx, s.App.Pool, seed.Options{Products: testProducts, Now: testNow}, nil); !errors.Is(err, seed.ErrCatalogNotEmpty) {
		t.Errorf("rerun without IfEmpty: err %v, want ErrCatalogNotEmpty", err)
	}
	if got := count(t, conn, "SELECT count(*) FROM products"); got != testProducts {
		t.Errorf("products after reruns: got %d, want %d", got, testProducts)
	}
}

// fingerprint sums up everything a seed writes except password hashes
// (their salt is random).
func fingerprint(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	queries := map[string]string{
		"sku+price": "SELECT md5(string_agg(sku || price_minor::text, ',' ORDER BY sku)) FROM products",
		"products": `SELECT md5(string_agg(concat_ws('|', id, sku, slug, name, brand, category_id, description, price_minor, stock,
			warranty_months, weight_grams, status, spec_text, rating_avg, rating_count, search_doc, created_at, updated_at), ',' ORDER BY id)) FROM products`,
		"categories": "SELECT md5(string_agg(concat_ws('|', id, slug, name, parent_id, position), ',' ORDER BY id)) FROM categories",
		"specs":      "SELECT md5(string_agg(concat_ws('|', product_id, key, value, value_num, unit), ',' ORDER BY product_id, key)) FROM product_specs",
		"images":     "SELECT md5(string_agg(concat_ws('|', product_id, image_sha, position), ',' ORDER BY product_id, position)) FROM product_images",
		"reviews":    "SELECT md5(string_agg(concat_ws('|', id, product_id, user_id, rating, title, body, created_at), ',' ORDER BY id)) FROM reviews",
		"users":      "SELECT md5(string_agg(concat_ws('|', id, email, full_name, role, created_at), ',' ORDER BY email)) FROM users",
	}
	out := map[string]string{}
	for name, q := range queries {
		var sum string
		if err := conn.QueryRow(context.Background(), q).Scan(&sum); err != nil {
			t.Fatalf("fingerprint %s: %v", name, err)
		}
		out[name] = sum
	}
	return out
}

func TestRun_Deterministic(t *testing.T) {
	t.Parallel()
	seeded := func(seedValue int64) map[string]string {
		s := apptest.Start(t)
		runSeed(t, s, seed.Options{Products: testProducts, Seed: seedValue, Now: testNow})
		return fingerprint(t, s.Conn(t))
	}
	first, second, other := seeded(1), seeded(1), seeded(2)
	for name, sum := range first {
		if second[name] != sum {
			t.Errorf("%s: two runs with seed 1 differ: %s vs %s", name, sum, second[name])
		}
	}
	if other["sku+price"] == first["sku+price"] || other["products"] == first["products"] {
		t.Errorf("seed 2 gave the same products as seed 1")
	}
}

func TestRun_RefusesTooFewProducts(t *testing.T) {
	t.Parallel()
	_, err := seed.Run(context.Background(), nil, seed.Options{Products: len(seed.Featured) - 1}, nil)
	if err == nil {
		t.Fatal("got no error for fewer products than the featured ones")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}
