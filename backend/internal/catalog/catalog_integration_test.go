package catalog_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/catalog"
	"github.com/partsbin/partsbin/backend/internal/platform/config"
	catalogv1 "github.com/partsbin/partsbin/gen/partsbin/catalog/v1"
	"github.com/partsbin/partsbin/gen/partsbin/catalog/v1/catalogv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

var ctx = context.Background()

// The fixture: a small hand-made catalogue whose every count and order the
// tests below know.
//
//	components (Components)        peripherals (Peripherals)
//	├── cpus (Processors)          └── mice (Mice)
//	└── graphics-cards (Graphics cards)
//
// Active products by price: katar 49.90, scimitar 79.90, deathadder 84.90,
// g502 89.90, r5 199, i5 219, rtx4060 309, i7 399, x3d 449, rx7800 529,
// r9 549, rtx4070s 629. One draft and one archived CPU never show in search.

// fixtureEpoch is the creation time of the oldest fixture product.
var fixtureEpoch = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type fxProduct struct {
	key, name, brand, cat, status, desc string
	price                               int64
	stock                               int
	added                               int // hours after fixtureEpoch: larger is newer
	specs                               [][2]string
}

var fxProducts = []fxProduct{
	{key: "x3d", name: "AMD Ryzen 7 7800X3D", brand: "AMD", cat: "cpus", price: 44900, stock: 12, added: 9,
		specs: [][2]string{{"socket", "AM5"}, {"cores", "8"}, {"boost_clock", "5.0"}}, desc: "Eight-core desktop processor with 3D V-Cache."},
	{key: "r5", name: "AMD Ryzen 5 7600", brand: "AMD", cat: "cpus", price: 19900, stock: 3, added: 5,
		specs: [][2]string{{"socket", "AM5"}, {"cores", "6"}}},
	{key: "r9", name: "AMD Ryzen 9 7950X", brand: "AMD", cat: "cpus", price: 54900, stock: 0, added: 11,
		specs: [][2]string{{"socket", "AM5"}, {"cores", "16"}}},
	{key: "i7", name: "Intel Core i7-14700K", brand: "Intel", cat: "cpus", price: 39900, stock: 20, added: 7,
		specs: [][2]string{{"socket", "LGA1700"}, {"cores", "20"}}},
	{key: "i5", name: "Intel Core i5-14400F", brand: "Intel", cat: "cpus", price: 21900, stock: 6, added: 3,
		specs: [][2]string{{"socket", "LGA1700"}, {"cores", "10"}}},
	{key: "rtx4070s", name: "ASUS GeForce RTX 4070 Super Dual", brand: "ASUS", cat: "graphics-cards", price: 62900, stock: 8, added: 12,
		specs: [][2]string{{"chipset", "GeForce RTX 4070 Super"}, {"memory", "12"}}},
	{key: "rtx4060", name: "MSI GeForce RTX 4060 Ventus", brand: "MSI", cat: "graphics-cards", price: 30900, stock: 2, added: 2,
		specs: [][2]string{{"chipset", "GeForce RTX 4060"}, {"memory", "8"}}},
	{key: "rx7800", name: "Sapphire Pulse Radeon RX 7800 XT", brand: "Sapphire", cat: "graphics-cards", price: 52900, stock: 9, added: 10,
		specs: [][2]string{{"chipset", "Radeon RX 7800 XT"}, {"memory", "16"}}},
	{key: "katar", name: "Corsair Katar Pro Wireless", brand: "Corsair", cat: "mice", price: 4990, stock: 30, added: 4},
	{key: "scimitar", name: "Scimitar RGB Elite", brand: "Corsair", cat: "mice", price: 7990, stock: 5, added: 8},
	{key: "g502", name: "Logitech G502 X", brand: "Logitech", cat: "mice", price: 8990, stock: 15, added: 1,
		desc: "Wired gaming mouse, lighter than the Corsair flagships."},
	{key: "deathadder", name: "Razer DeathAdder V3", brand: "Razer", cat: "mice", price: 8490, stock: 0, added: 6},
	{key: "draft", name: "AMD Ryzen 7 9800X3D", brand: "AMD", cat: "cpus", status: "draft", price: 52500, stock: 40, added: 13,
		specs: [][2]string{{"socket", "AM5"}, {"cores", "8"}}},
	{key: "archived", name: "Intel Core i9-9900K", brand: "Intel", cat: "cpus", status: "archived", price: 29900, stock: 0, added: 0,
		specs: [][2]string{{"socket", "LGA1151"}, {"cores", "8"}}},
}

var numericSpec = map[string]bool{"cores": true, "memory": true, "boost_clock": true}

// Expected orders of all active products.
var (
	byPriceAsc = []string{"katar", "scimitar", "deathadder", "g502", "r5", "i5", "rtx4060", "i7", "x3d", "rx7800", "r9", "rtx4070s"}
	byNewest   = []string{"rtx4070s", "r9", "rx7800", "x3d", "scimitar", "i7", "deathadder", "r5", "katar", "i5", "rtx4060", "g502"}
	// Rated products first (4.67, then 4.50 by 4 reviews, 4.50 by 2, 3.00);
	// the unrated ones follow in id order.
	byRatingRated = []string{"x3d", "i7", "r5", "katar"}
)

// fxReview is a review by fixture user `user`, `added` hours after the
// epoch plus one day.
type fxReview struct {
	product string
	user    int
	rating  int
	added   int
}

// Reviewer names as stored, and as reviews must show them.
var (
	fxUserNames   = []string{"Anna Kowalska", "Ben Müller", "Chloé de la Cruz", "Dmitri"}
	fxPublicNames = []string{"Anna K.", "Ben M.", "Chloé C.", "Dmitri"}
)

var fxReviews = []fxReview{
	{"x3d", 0, 5, 20}, {"x3d", 1, 5, 21}, {"x3d", 2, 4, 22},
	// Four reviews of the same instant: paging must break ties.
	{"i7", 0, 5, 30}, {"i7", 1, 5, 30}, {"i7", 2, 4, 30}, {"i7", 3, 4, 30},
	{"r5", 0, 5, 10}, {"r5", 1, 4, 11},
	{"katar", 3, 3, 5},
}

type fxImage struct {
	sha  string
	data []byte
	w, h int
}

type fixture struct {
	cat   map[string]string // category slug -> id
	id    map[string]string // product key -> id
	key   map[string]string // product id -> key
	slug  map[string]string // product key -> slug
	imgs  []fxImage         // attached to x3d at positions 0 and 1
	users []apptest.Account
}

func slugOf(name string) string {
	return strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(name), "-"), "-")
}

func pngImage(t *testing.T, w, h int, c color.Color) fxImage {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			m.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return fxImage{sha: hex.EncodeToString(sum[:]), data: buf.Bytes(), w: w, h: h}
}

// insertFixture writes the fixture catalogue into the test's database. It
// must run before the test's first catalogue call (the server caches the
// category tree).
func insertFixture(t *testing.T, s *apptest.Server) *fixture {
	t.Helper()
	conn := s.Conn(t)
	fx := &fixture{cat: map[string]string{}, id: map[string]string{}, key: map[string]string{}, slug: map[string]string{}}
	for _, c := range []struct {
		slug, name, parent string
		pos                int
	}{
		{"components", "Components", "", 0},
		{"cpus", "Processors", "components", 0},
		{"graphics-cards", "Graphics cards", "components", 1},
		{"peripherals", "Peripherals", "", 1},
		{"mice", "Mice", "peripherals", 0},
	} {
		var parent *string
		if c.parent != "" {
			id := fx.cat[c.parent]
			parent = &id
		}
		var id string
		if err := conn.QueryRow(ctx, `INSERT INTO categories (slug, name, parent_id, position, description)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, c.slug, c.name, parent, c.pos, "All "+strings.ToLower(c.name)).Scan(&id); err != nil {
			t.Fatalf("insert category %s: %v", c.slug, err)
		}
		fx.cat[c.slug] = id
	}
	for _, k := range []struct {
		cat, key, display, unit, typ string
		facetable                    bool
		pos                          int
	}{
		{"cpus", "socket", "Socket", "", "text", true, 0},
		{"cpus", "cores", "Cores", "", "number", true, 1},
		{"cpus", "boost_clock", "Boost clock", "GHz", "number", false, 2},
		{"graphics-cards", "chipset", "Chipset", "", "text", true, 0},
		{"graphics-cards", "memory", "Memory", "GB", "number", true, 1},
	} {
		if _, err := conn.Exec(ctx, `INSERT INTO category_spec_keys (category_id, key, display_name, unit, value_type, facetable, position)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, fx.cat[k.cat], k.key, k.display, k.unit, k.typ, k.facetable, k.pos); err != nil {
			t.Fatalf("insert spec key %s: %v", k.key, err)
		}
	}
	for _, p := range fxProducts {
		status := p.status
		if status == "" {
			status = "active"
		}
		var values []string
		for _, sp := range p.specs {
			values = append(values, sp[1])
		}
		created := fixtureEpoch.Add(time.Duration(p.added) * time.Hour)
		slug := slugOf(p.name)
		var id string
		if err := conn.QueryRow(ctx, `INSERT INTO products (sku, slug, name, brand, category_id, description, price_minor, stock,
				status, spec_text, warranty_months, weight_grams, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 36, 450, $11, $11) RETURNING id`,
			"PB-"+strings.ToUpper(p.key), slug, p.name, p.brand, fx.cat[p.cat], p.desc, p.price, p.stock,
			status, strings.Join(values, " "), created).Scan(&id); err != nil {
			t.Fatalf("insert product %s: %v", p.key, err)
		}
		fx.id[p.key], fx.key[id], fx.slug[p.key] = id, p.key, slug
		for _, sp := range p.specs {
			var num *float64
			if numericSpec[sp[0]] {
				f, err := strconv.ParseFloat(sp[1], 64)
				if err != nil {
					t.Fatal(err)
				}
				num = &f
			}
			if _, err := conn.Exec(ctx, `INSERT INTO product_specs (product_id, key, value, value_num) VALUES ($1, $2, $3, $4)`,
				id, sp[0], sp[1], num); err != nil {
				t.Fatalf("insert spec %s of %s: %v", sp[0], p.key, err)
			}
		}
	}
	fx.imgs = []fxImage{pngImage(t, 4, 3, color.RGBA{R: 200, A: 255}), pngImage(t, 2, 2, color.RGBA{B: 200, A: 255})}
	for i, im := range fx.imgs {
		if _, err := conn.Exec(ctx, `INSERT INTO images (sha256, content_type, data, width, height) VALUES ($1, 'image/png', $2, $3, $4)`,
			im.sha, im.data, im.w, im.h); err != nil {
			t.Fatalf("insert image: %v", err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO product_images (product_id, image_sha, alt_text, position) VALUES ($1, $2, $3, $4)`,
			fx.id["x3d"], im.sha, fmt.Sprintf("Picture %d", i+1), i); err != nil {
			t.Fatalf("attach image: %v", err)
		}
	}
	for i, name := range fxUserNames {
		u := s.CreateUser(t, auth.RoleCustomer)
		if _, err := conn.Exec(ctx, `UPDATE users SET full_name = $2 WHERE id = $1`, u.ID, name); err != nil {
			t.Fatalf("name user %d: %v", i, err)
		}
		fx.users = append(fx.users, u)
	}
	for _, r := range fxReviews {
		if _, err := conn.Exec(ctx, `INSERT INTO reviews (product_id, user_id, rating, title, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			fx.id[r.product], fx.users[r.user].ID, r.rating, fmt.Sprintf("%d stars", r.rating), "Review text of "+r.product,
			fixtureEpoch.Add(24*time.Hour+time.Duration(r.added)*time.Hour)); err != nil {
			t.Fatalf("insert review: %v", err)
		}
	}
	if _, err := conn.Exec(ctx, `UPDATE products p SET rating_avg = r.avg, rating_count = r.n
		FROM (SELECT product_id, round(avg(rating), 2) AS avg, count(*) AS n FROM reviews GROUP BY product_id) r
		WHERE r.product_id = p.id`); err != nil {
		t.Fatalf("ratings: %v", err)
	}
	return fx
}

// keysOf names the products of a result by fixture key ("?name" for
// products outside the fixture).
func (fx *fixture) keysOf(ps []*catalogv1.ProductSummary) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		if k, ok := fx.key[p.GetId()]; ok {
			out[i] = k
		} else {
			out[i] = "?" + p.GetName()
		}
	}
	return out
}

func eur(minor int64) *commonv1.Money { return &commonv1.Money{AmountMinor: minor, Currency: "EUR"} }

func ptr[T any](v T) *T { return &v }

func catalogClient(s *apptest.Server, p apptest.Protocol) catalogv1connect.CatalogServiceClient {
	return apptest.NewClient(s, p, catalogv1connect.NewCatalogServiceClient)
}

// protocol returns the named protocol of apptest.Protocols.
func protocol(t *testing.T, prefix string) apptest.Protocol {
	t.Helper()
	for _, p := range apptest.Protocols {
		if strings.HasPrefix(p.Name, prefix) {
			return p
		}
	}
	t.Fatalf("no protocol %s", prefix)
	return apptest.Protocol{}
}

func search(t *testing.T, c catalogv1connect.CatalogServiceClient, req *catalogv1.SearchProductsRequest) *catalogv1.SearchProductsResponse {
	t.Helper()
	res, err := c.SearchProducts(ctx, req)
	if err != nil {
		t.Fatalf("SearchProducts(%v): %v", req, err)
	}
	return res
}

// searchAll walks every page of req with the given page size.
func searchAll(t *testing.T, c catalogv1connect.CatalogServiceClient, req *catalogv1.SearchProductsRequest, size int32) []*catalogv1.ProductSummary {
	t.Helper()
	var all []*catalogv1.ProductSummary
	req.PageSize, req.PageToken = size, ""
	for page := 0; ; page++ {
		if page > 200 {
			t.Fatal("paging does not end")
		}
		res := search(t, c, req)
		if int32(len(res.GetProducts())) > size {
			t.Fatalf("page %d has %d products, want at most %d", page, len(res.GetProducts()), size)
		}
		all = append(all, res.GetProducts()...)
		if res.GetNextPageToken() == "" {
			return all
		}
		if len(res.GetProducts()) == 0 {
			t.Fatalf("page %d is empty but has a next_page_token", page)
		}
		req.PageToken = res.GetNextPageToken()
	}
}

func TestSearchProducts_RanksNameAboveBrandAboveDescription(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	c := catalogClient(s, protocol(t, "connect"))
	for _, q := range []string{"corsair", "CORSAIR", " Corsair "} {
		res := search(t, c, &catalogv1.SearchProductsRequest{Query: q})
		// katar has Corsair in its name (and brand), scimitar only in its
		// brand, g502 only in its description.
		if got, want := fx.keysOf(res.GetProducts()), []string{"katar", "scimitar", "g502"}; !slices.Equal(got, want) {
			t.Errorf("query %q: got %v, want %v", q, got, want)
		}
		if res.GetTotalSize() != 3 || res.GetTotalSizeEstimated() {
			t.Errorf("query %q: total_size %d (estimated %v), want exactly 3", q, res.GetTotalSize(), res.GetTotalSizeEstimated())
		}
	}
	// Relevance is the default with a query; an explicit RELEVANCE is the same.
	res := search(t, c, &catalogv1.SearchProductsRequest{Query: "corsair", OrderBy: catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RELEVANCE})
	if got, want := fx.keysOf(res.GetProducts()), []string{"katar", "scimitar", "g502"}; !slices.Equal(got, want) {
		t.Errorf("RELEVANCE: got %v, want %v", got, want)
	}
	// The category name is searchable: "processors" finds every active CPU.
	res = search(t, c, &catalogv1.SearchProductsRequest{Query: "processors", OrderBy: catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC})
	if got, want := fx.keysOf(res.GetProducts()), []string{"r5", "i5", "i7", "x3d", "r9"}; !slices.Equal(got, want) {
		t.Errorf("query processors: got %v, want %v", got, want)
	}
	// So are spec values and the SKU.
	res = search(t, c, &catalogv1.SearchProductsRequest{Query: "lga1700", OrderBy: catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC})
	if got, want := fx.keysOf(res.GetProducts()), []string{"i5", "i7"}; !slices.Equal(got, want) {
		t.Errorf("query lga1700: got %v, want %v", got, want)
	}
	res = search(t, c, &catalogv1.SearchProductsRequest{Query: "pb-rx7800"})
	if got := fx.keysOf(res.GetProducts()); len(got) == 0 || got[0] != "rx7800" {
		t.Errorf("query by SKU pb-rx7800: got %v, want rx7800 first", got)
	}
}

func TestSearchProducts_ToleratesTyposAndPrefixes(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	c := catalogClient(s, protocol(t, "grpc-"))
	cases := []struct {
		query     string
		wantFirst string
		wantAll   []string // in any order; nil: only check the first
	}{
		{"rizen 7", "x3d", nil},
		{"Ryzen 7 7800X3D", "x3d", nil},
		{"geforse", "", []string{"rtx4060", "rtx4070s"}},
		{"GeForse rtx", "", []string{"rtx4060", "rtx4070s"}},
		{"ryz", "", []string{"r5", "r9", "x3d"}},
		{"ryzen", "", []string{"r5", "r9", "x3d"}},
		{"logitec", "g502", []string{"g502"}},
		{"radéon", "rx7800", []string{"rx7800"}},
		{"deathader", "deathadder", []string{"deathadder"}},
	}
	for _, tc := range cases {
		res := search(t, c, &catalogv1.SearchProductsRequest{Query: tc.query})
		got := fx.keysOf(res.GetProducts())
		if tc.wantFirst != "" && (len(got) == 0 || got[0] != tc.wantFirst) {
			t.Errorf("query %q: got %v, want %s first", tc.query, got, tc.wantFirst)
		}
		if tc.wantAll != nil {
			sorted := slices.Sorted(slices.Values(got))
			if !slices.Equal(sorted, tc.wantAll) {
				t.Errorf("query %q: got %v, want exactly %v", tc.query, sorted, tc.wantAll)
			}
		}
	}
}

func TestSearchProducts_Filters(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	c := catalogClient(s, protocol(t, "connect"))
	byID := func(slug string) *catalogv1.SearchProductsRequest_CategoryId {
		return &catalogv1.SearchProductsRequest_CategoryId{CategoryId: fx.cat[slug]}
	}
	bySlug := func(slug string) *catalogv1.SearchProductsRequest_CategorySlug {
		return &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: slug}
	}
	cases := []struct {
		name string
		req  *catalogv1.SearchProductsRequest
		want []string // by price ascending
	}{
		{"no filter", &catalogv1.SearchProductsRequest{}, byPriceAsc},
		{"parent category by id", &catalogv1.SearchProductsRequest{Category: byID("components")},
			[]string{"r5", "i5", "rtx4060", "i7", "x3d", "rx7800", "r9", "rtx4070s"}},
		{"parent category by slug", &catalogv1.SearchProductsRequest{Category: bySlug("components")},
			[]string{"r5", "i5", "rtx4060", "i7", "x3d", "rx7800", "r9", "rtx4070s"}},
		{"leaf category by slug", &catalogv1.SearchProductsRequest{Category: bySlug("cpus")}, []string{"r5", "i5", "i7", "x3d", "r9"}},
		{"leaf category by id", &catalogv1.SearchProductsRequest{Category: byID("mice")}, []string{"katar", "scimitar", "deathadder", "g502"}},
		{"brands case-insensitive", &catalogv1.SearchProductsRequest{Brands: []string{"amd", "INTEL"}}, []string{"r5", "i5", "i7", "x3d", "r9"}},
		{"one brand", &catalogv1.SearchProductsRequest{Brands: []string{"cOrSaIr"}}, []string{"katar", "scimitar"}},
		{"unknown brand", &catalogv1.SearchProductsRequest{Brands: []string{"Noname"}}, nil},
		{"price range inclusive", &catalogv1.SearchProductsRequest{PriceMin: eur(21900), PriceMax: eur(44900)}, []string{"i5", "rtx4060", "i7", "x3d"}},
		{"price min only", &catalogv1.SearchProductsRequest{PriceMin: eur(54900)}, []string{"r9", "rtx4070s"}},
		{"price max only", &catalogv1.SearchProductsRequest{PriceMax: eur(8490)}, []string{"katar", "scimitar", "deathadder"}},
		{"in stock only", &catalogv1.SearchProductsRequest{InStockOnly: true},
			[]string{"katar", "scimitar", "g502", "r5", "i5", "rtx4060", "i7", "x3d", "rx7800", "rtx4070s"}},
		{"text spec case-insensitive", &catalogv1.SearchProductsRequest{Category: bySlug("cpus"),
			SpecFilters: []*catalogv1.SpecFilter{{Key: "socket", Values: []string{"am5"}}}}, []string{"r5", "x3d", "r9"}},
		{"text spec values OR'ed", &catalogv1.SearchProductsRequest{Category: bySlug("cpus"),
			SpecFilters: []*catalogv1.SpecFilter{{Key: "socket", Values: []string{"AM5", "lga1700"}}}}, []string{"r5", "i5", "i7", "x3d", "r9"}},
		{"text spec without category", &catalogv1.SearchProductsRequest{
			SpecFilters: []*catalogv1.SpecFilter{{Key: "socket", Values: []string{"LGA1700"}}}}, []string{"i5", "i7"}},
		{"number range inclusive", &catalogv1.SearchProductsRequest{Category: bySlug("cpus"),
			SpecFilters: []*catalogv1.SpecFilter{{Key: "cores", MinValue: ptr(8.0), MaxValue: ptr(16.0)}}}, []string{"i5", "x3d", "r9"}},
		{"number min only", &catalogv1.SearchProductsRequest{Category: bySlug("cpus"),
			SpecFilters: []*catalogv1.SpecFilter{{Key: "cores", MinValue: ptr(10.0)}}}, []string{"i5", "i7", "r9"}},
		{"number max only", &catalogv1.SearchProductsRequest{Category: bySlug("cpus"),
			SpecFilters: []*catalogv1.SpecFilter{{Key: "cores", MaxValue: ptr(8.0)}}}, []string{"r5", "x3d"}},
		{"number by value", &catalogv1.SearchProductsRequest{Category: bySlug("graphics-cards"),
			SpecFilters: []*catalogv1.SpecFilter{{Key: "memory", Values: []string{"16", "8"}}}}, []string{"rtx4060", "rx7800"}},
		{"two spec filters", &catalogv1.SearchProductsRequest{Category: bySlug("cpus"), SpecFilters: []*catalogv1.SpecFilter{
			{Key: "socket", Values: []string{"am5"}}, {Key: "cores", MinValue: ptr(8.0)}}}, []string{"x3d", "r9"}},
		{"category, brand, stock and price", &catalogv1.SearchProductsRequest{Category: bySlug("components"), Brands: []string{"amd"},
			InStockOnly: true, PriceMax: eur(50000)}, []string{"r5", "x3d"}},
		{"query and numeric spec", &catalogv1.SearchProductsRequest{Query: "ryzen", Category: bySlug("cpus"),
			SpecFilters: []*catalogv1.SpecFilter{{Key: "cores", MaxValue: ptr(8.0)}}}, []string{"r5", "x3d"}},
		{"category, spec range and brands", &catalogv1.SearchProductsRequest{Category: byID("graphics-cards"), Brands: []string{"asus", "sapphire", "msi"},
			SpecFilters: []*catalogv1.SpecFilter{{Key: "memory", MinValue: ptr(12.0)}}}, []string{"rx7800", "rtx4070s"}},
		{"query and category disjoint", &catalogv1.SearchProductsRequest{Query: "corsair", Category: bySlug("cpus")}, nil},
		{"everything at once", &catalogv1.SearchProductsRequest{Query: "geforce", Category: bySlug("graphics-cards"), Brands: []string{"MSI", "asus"},
			PriceMin: eur(30000), PriceMax: eur(40000), InStockOnly: true,
			SpecFilters: []*catalogv1.SpecFilter{{Key: "chipset", Values: []string{"geforce rtx 4060"}}, {Key: "memory", MaxValue: ptr(8.0)}}},
			[]string{"rtx4060"}},
	}
	for _, tc := range cases {
		tc.req.OrderBy = catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC
		res := search(t, c, tc.req)
		if got := fx.keysOf(res.GetProducts()); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		if int(res.GetTotalSize()) != len(tc.want) {
			t.Errorf("%s: total_size %d, want %d", tc.name, res.GetTotalSize(), len(tc.want))
		}
	}
}

// brandCounts and the helpers below render facets as "name=count" lists
// for comparison.
func brandCounts(f *catalogv1.SearchFacets) []string {
	var out []string
	for _, b := range f.GetBrands() {
		out = append(out, fmt.Sprintf("%s=%d", b.GetBrand(), b.GetCount()))
	}
	return out
}

func categoryCounts(f *catalogv1.SearchFacets) []string {
	var out []string
	for _, c := range f.GetCategories() {
		out = append(out, fmt.Sprintf("%s=%d", c.GetSlug(), c.GetCount()))
	}
	slices.Sort(out)
	return out
}

func priceCounts(f *catalogv1.SearchFacets) []string {
	var out []string
	for _, b := range f.GetPriceBuckets() {
		hi := "inf"
		if b.GetMax() != nil {
			hi = fmt.Sprintf("%d%s", b.GetMax().GetAmountMinor(), b.GetMax().GetCurrency())
		}
		out = append(out, fmt.Sprintf("[%d%s,%s)=%d", b.GetMin().GetAmountMinor(), b.GetMin().GetCurrency(), hi, b.GetCount()))
	}
	return out
}

func specCounts(f *catalogv1.SearchFacets) []string {
	var out []string
	for _, sf := range f.GetSpecs() {
		var vs []string
		for _, v := range sf.GetValues() {
			n := ""
			if v.NumberValue != nil {
				n = fmt.Sprintf("(%g)", v.GetNumberValue())
			}
			vs = append(vs, fmt.Sprintf("%s%s=%d", v.GetValue(), n, v.GetCount()))
		}
		out = append(out, fmt.Sprintf("%s[%s,%s,%s]: %s", sf.GetKey(), sf.GetDisplayName(), sf.GetUnit(),
			strings.TrimPrefix(sf.GetValueType().String(), "SPEC_VALUE_TYPE_"), strings.Join(vs, " ")))
	}
	return out
}

func TestSearchProducts_Facets(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	c := catalogClient(s, protocol(t, "grpc-"))
	allBrands := []string{"AMD=3", "Corsair=2", "Intel=2", "ASUS=1", "Logitech=1", "MSI=1", "Razer=1", "Sapphire=1"}
	allPrices := []string{"[0EUR,5000EUR)=1", "[5000EUR,10000EUR)=3", "[10000EUR,25000EUR)=2", "[25000EUR,50000EUR)=3", "[50000EUR,100000EUR)=3"}
	cases := []struct {
		name                              string
		req                               *catalogv1.SearchProductsRequest
		products                          int
		brands, categories, prices, specs []string
	}{
		{
			name:       "no filter",
			req:        &catalogv1.SearchProductsRequest{},
			products:   12,
			brands:     allBrands,
			categories: []string{"components=8", "peripherals=4"},
			prices:     allPrices,
		},
		{
			// Brand counts ignore the brand filter; the other dimensions
			// respect it.
			name:       "brand filter",
			req:        &catalogv1.SearchProductsRequest{Brands: []string{"amd"}},
			products:   3,
			brands:     allBrands,
			categories: []string{"components=3"},
			prices:     []string{"[10000EUR,25000EUR)=1", "[25000EUR,50000EUR)=1", "[50000EUR,100000EUR)=1"},
		},
		{
			// Price buckets ignore the price bounds; brands respect them.
			name:       "price filter",
			req:        &catalogv1.SearchProductsRequest{PriceMin: eur(20000)},
			products:   7,
			brands:     []string{"AMD=2", "Intel=2", "ASUS=1", "MSI=1", "Sapphire=1"},
			categories: []string{"components=7"},
			prices:     allPrices,
		},
		{
			// A parent category: its children as category facets, no spec
			// keys of its own.
			name:       "parent category",
			req:        &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: "components"}},
			products:   8,
			brands:     []string{"AMD=3", "Intel=2", "ASUS=1", "MSI=1", "Sapphire=1"},
			categories: []string{"cpus=5", "graphics-cards=3"},
			prices:     []string{"[10000EUR,25000EUR)=2", "[25000EUR,50000EUR)=3", "[50000EUR,100000EUR)=3"},
		},
		{
			name: "leaf category with brand and stock filters",
			req: &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: "cpus"},
				Brands: []string{"AMD"}, InStockOnly: true},
			products: 2,
			brands:   []string{"AMD=2", "Intel=2"},
			prices:   []string{"[10000EUR,25000EUR)=1", "[25000EUR,50000EUR)=1"},
			specs:    []string{"socket[Socket,,TEXT]: AM5=2", "cores[Cores,,NUMBER]: 6(6)=1 8(8)=1"},
		},
		{
			// The socket facet ignores the socket filter; cores respects it.
			name: "spec filter",
			req: &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategoryId{CategoryId: fx.cat["cpus"]},
				SpecFilters: []*catalogv1.SpecFilter{{Key: "socket", Values: []string{"am5"}}}},
			products: 3,
			brands:   []string{"AMD=3"},
			prices:   []string{"[10000EUR,25000EUR)=1", "[25000EUR,50000EUR)=1", "[50000EUR,100000EUR)=1"},
			specs:    []string{"socket[Socket,,TEXT]: AM5=3 LGA1700=2", "cores[Cores,,NUMBER]: 6(6)=1 8(8)=1 16(16)=1"},
		},
		{
			name: "two spec filters",
			req: &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: "cpus"},
				SpecFilters: []*catalogv1.SpecFilter{{Key: "socket", Values: []string{"am5"}}, {Key: "cores", MinValue: ptr(10.0)}}},
			products: 1,
			brands:   []string{"AMD=1"},
			prices:   []string{"[50000EUR,100000EUR)=1"},
			specs:    []string{"socket[Socket,,TEXT]: LGA1700=2 AM5=1", "cores[Cores,,NUMBER]: 6(6)=1 8(8)=1 16(16)=1"},
		},
		{
			name:     "graphics cards",
			req:      &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: "graphics-cards"}},
			products: 3,
			brands:   []string{"ASUS=1", "MSI=1", "Sapphire=1"},
			prices:   []string{"[25000EUR,50000EUR)=1", "[50000EUR,100000EUR)=2"},
			specs: []string{"chipset[Chipset,,TEXT]: GeForce RTX 4060=1 GeForce RTX 4070 Super=1 Radeon RX 7800 XT=1",
				"memory[Memory,GB,NUMBER]: 8(8)=1 12(12)=1 16(16)=1"},
		},
		{
			name:       "query",
			req:        &catalogv1.SearchProductsRequest{Query: "ryzen"},
			products:   3,
			brands:     []string{"AMD=3"},
			categories: []string{"components=3"},
			prices:     []string{"[10000EUR,25000EUR)=1", "[25000EUR,50000EUR)=1", "[50000EUR,100000EUR)=1"},
		},
	}
	for _, tc := range cases {
		tc.req.IncludeFacets = true
		tc.req.PageSize = 1 // facets count the whole result, not the page
		res := search(t, c, tc.req)
		if res.GetTotalSize() != int32(tc.products) {
			t.Errorf("%s: total_size %d, want %d", tc.name, res.GetTotalSize(), tc.products)
		}
		f := res.GetFacets()
		if f == nil {
			t.Errorf("%s: no facets", tc.name)
			continue
		}
		if got := brandCounts(f); !slices.Equal(got, tc.brands) {
			t.Errorf("%s: brand facets %v, want %v", tc.name, got, tc.brands)
		}
		if got := categoryCounts(f); !slices.Equal(got, tc.categories) {
			t.Errorf("%s: category facets %v, want %v", tc.name, got, tc.categories)
		}
		if got := priceCounts(f); !slices.Equal(got, tc.prices) {
			t.Errorf("%s: price buckets %v, want %v", tc.name, got, tc.prices)
		}
		if got := specCounts(f); !slices.Equal(got, tc.specs) {
			t.Errorf("%s: spec facets %v, want %v", tc.name, got, tc.specs)
		}
	}
	// Without include_facets there are none.
	if res := search(t, c, &catalogv1.SearchProductsRequest{}); res.GetFacets() != nil {
		t.Errorf("facets without include_facets: %v", res.GetFacets())
	}
}

func TestSearchProducts_Sorts(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	c := catalogClient(s, protocol(t, "connect"))
	reversed := slices.Clone(byPriceAsc)
	slices.Reverse(reversed)
	for _, tc := range []struct {
		order catalogv1.ProductSortOrder
		query string
		want  []string
	}{
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC, "", byPriceAsc},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_DESC, "", reversed},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_NEWEST, "", byNewest},
		// Without a query, relevance and the default are newest first.
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_UNSPECIFIED, "", byNewest},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RELEVANCE, "", byNewest},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC, "ryzen", []string{"r5", "x3d", "r9"}},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_NEWEST, "ryzen", []string{"r9", "x3d", "r5"}},
	} {
		res := search(t, c, &catalogv1.SearchProductsRequest{Query: tc.query, OrderBy: tc.order})
		if got := fx.keysOf(res.GetProducts()); !slices.Equal(got, tc.want) {
			t.Errorf("%v %q: got %v, want %v", tc.order, tc.query, got, tc.want)
		}
	}
	res := search(t, c, &catalogv1.SearchProductsRequest{OrderBy: catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RATING})
	got := fx.keysOf(res.GetProducts())
	if len(got) != 12 || !slices.Equal(got[:4], byRatingRated) {
		t.Fatalf("RATING: got %v, want %v first, then the 8 unrated", got, byRatingRated)
	}
	for _, p := range res.GetProducts()[4:] {
		if p.GetRatingCount() != 0 || p.GetRatingAverage() != 0 {
			t.Errorf("RATING: %s (%.2f, %d reviews) after the rated products", p.GetName(), p.GetRatingAverage(), p.GetRatingCount())
		}
	}
	if p := res.GetProducts()[0]; p.GetRatingAverage() != 4.67 || p.GetRatingCount() != 3 {
		t.Errorf("x3d rating %.2f by %d, want 4.67 by 3", p.GetRatingAverage(), p.GetRatingCount())
	}
}

func TestSearchProducts_PagesWalkTheWholeResult(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	for i, tc := range []struct {
		order catalogv1.ProductSortOrder
		query string
	}{
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_UNSPECIFIED, ""},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC, ""},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_DESC, ""},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_NEWEST, ""},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RATING, ""},
		// "a" matches many products with many equal ranks (a prefix of
		// amd, asus, am5 ...).
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RELEVANCE, "a"},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RELEVANCE, "rtx geforce"},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RATING, "ryzen"},
	} {
		// Alternate protocols so both Connect and gRPC carry page tokens.
		c := catalogClient(s, apptest.Protocols[i%len(apptest.Protocols)])
		full := search(t, c, &catalogv1.SearchProductsRequest{Query: tc.query, OrderBy: tc.order, PageSize: 100})
		if full.GetNextPageToken() != "" {
			t.Errorf("%v %q: a complete single page has next_page_token %q", tc.order, tc.query, full.GetNextPageToken())
		}
		if len(full.GetProducts()) < 2 {
			t.Fatalf("%v %q: only %d results; the query should match several", tc.order, tc.query, len(full.GetProducts()))
		}
		for _, size := range []int32{1, 2, 5} {
			paged := searchAll(t, c, &catalogv1.SearchProductsRequest{Query: tc.query, OrderBy: tc.order}, size)
			if got, want := fx.keysOf(paged), fx.keysOf(full.GetProducts()); !slices.Equal(got, want) {
				t.Errorf("%v %q by %d: pages give %v, want %v", tc.order, tc.query, size, got, want)
			}
		}
	}
}

func TestSearchProducts_PagingSurvivesConcurrentChanges(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	conn := s.Conn(t)
	c := catalogClient(s, protocol(t, "grpc-"))
	for i, tc := range []struct {
		order catalogv1.ProductSortOrder
		// first is the SET clause that makes a new product sort first.
		first string
		// priceIsKey: the price change moves the changed product.
		priceIsKey bool
	}{
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC, `price_minor = 100`, true},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_DESC, `price_minor = 9000000`, true},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_NEWEST, `created_at = now()`, false},
		{catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RATING, `rating_avg = 5, rating_count = 99`, false},
	} {
		t.Run(tc.order.String(), func(t *testing.T) {
			req := &catalogv1.SearchProductsRequest{OrderBy: tc.order, PageSize: 2}
			before := searchAll(t, c, &catalogv1.SearchProductsRequest{OrderBy: tc.order}, 100)
			res := search(t, c, req)
			seen := map[string]int{}
			for _, p := range res.GetProducts() {
				seen[p.GetId()]++
			}
			changed := res.GetProducts()[0].GetId()

			// Behind the cursor: a new product that sorts first, and a new
			// price for a product already shown.
			var newID string
			if err := conn.QueryRow(ctx, `INSERT INTO products (sku, slug, name, brand, category_id, price_minor, stock, status)
				VALUES ($1, $2, 'Fresh arrival', 'Newco', $3, 1234, 1, 'active') RETURNING id`,
				fmt.Sprintf("NEW-%d", i), fmt.Sprintf("fresh-arrival-%d", i), fx.cat["mice"]).Scan(&newID); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `UPDATE products SET `+tc.first+` WHERE id = $1`, newID); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `UPDATE products SET price_minor = price_minor + 700000, version = version + 1 WHERE id = $1`, changed); err != nil {
				t.Fatal(err)
			}

			for page := 1; res.GetNextPageToken() != ""; page++ {
				if page > 50 {
					t.Fatal("paging does not end")
				}
				req.PageToken = res.GetNextPageToken()
				res = search(t, c, req)
				for _, p := range res.GetProducts() {
					seen[p.GetId()]++
				}
			}
			for id, n := range seen {
				if n > 1 && (id != changed || !tc.priceIsKey) {
					t.Errorf("%s shown %d times; its sort key did not change", fx.keyOr(id), n)
				}
			}
			for _, p := range before {
				if seen[p.GetId()] == 0 {
					t.Errorf("%s (%s) never shown: a gap", fx.keyOr(p.GetId()), p.GetName())
				}
			}
			if seen[newID] != 0 {
				t.Errorf("the new product, sorting before the cursor, was shown on a later page")
			}
		})
	}
}

func (fx *fixture) keyOr(id string) string {
	if k, ok := fx.key[id]; ok {
		return k
	}
	return id
}

func TestCatalog_OnlyActiveProductsArePublic(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	c := catalogClient(s, protocol(t, "connect"))
	for _, q := range []string{"", "9800x3d", "i9-9900k", "ryzen", "intel core", "amd"} {
		res := search(t, c, &catalogv1.SearchProductsRequest{Query: q, IncludeFacets: true, PageSize: 100})
		for _, k := range fx.keysOf(res.GetProducts()) {
			if k == "draft" || k == "archived" {
				t.Errorf("query %q: %s product listed", q, k)
			}
		}
		for _, b := range res.GetFacets().GetBrands() {
			if want := map[string]int32{"AMD": 3, "Intel": 2}[b.GetBrand()]; want != 0 && b.GetCount() > want {
				t.Errorf("query %q: brand facet %s=%d counts drafts or archived products (want at most %d)", q, b.GetBrand(), b.GetCount(), want)
			}
		}
	}
	// Spec facets and filters skip them too: only active CPUs have 8 cores.
	res := search(t, c, &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: "cpus"},
		SpecFilters: []*catalogv1.SpecFilter{{Key: "cores", Values: []string{"8"}}}, IncludeFacets: true})
	if got := fx.keysOf(res.GetProducts()); !slices.Equal(got, []string{"x3d"}) {
		t.Errorf("8-core CPUs: got %v, want [x3d]", got)
	}
	if got, want := specCounts(res.GetFacets()), []string{"socket[Socket,,TEXT]: AM5=1", "cores[Cores,,NUMBER]: 6(6)=1 8(8)=1 10(10)=1 16(16)=1 20(20)=1"}; !slices.Equal(got, want) {
		t.Errorf("spec facets %v, want %v (no LGA1151 from the archived CPU)", got, want)
	}

	for _, lookup := range []*catalogv1.GetProductRequest{
		{Lookup: &catalogv1.GetProductRequest_Id{Id: fx.id["draft"]}},
		{Lookup: &catalogv1.GetProductRequest_Slug{Slug: fx.slug["draft"]}},
	} {
		_, err := c.GetProduct(ctx, lookup)
		if got := apptest.CodeOf(t, err); got != connect.CodeNotFound {
			t.Errorf("GetProduct(draft %v): code %v, want not_found", lookup, got)
		}
	}
	for _, lookup := range []*catalogv1.GetProductRequest{
		{Lookup: &catalogv1.GetProductRequest_Id{Id: fx.id["archived"]}},
		{Lookup: &catalogv1.GetProductRequest_Slug{Slug: fx.slug["archived"]}},
	} {
		res, err := c.GetProduct(ctx, lookup)
		if err != nil {
			t.Fatalf("GetProduct(archived %v): %v", lookup, err)
		}
		if got := res.GetProduct(); got.GetStatus() != catalogv1.ProductStatus_PRODUCT_STATUS_ARCHIVED || got.GetId() != fx.id["archived"] {
			t.Errorf("GetProduct(archived) = %s status %v, want the archived product with status ARCHIVED", got.GetName(), got.GetStatus())
		}
	}
}

func TestGetProduct_ByIDAndSlug(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	for _, p := range apptest.Protocols {
		t.Run(p.Name, func(t *testing.T) {
			c := catalogClient(s, p)
			for _, lookup := range []*catalogv1.GetProductRequest{
				{Lookup: &catalogv1.GetProductRequest_Id{Id: fx.id["x3d"]}},
				{Lookup: &catalogv1.GetProductRequest_Slug{Slug: "amd-ryzen-7-7800x3d"}},
			} {
				res, err := c.GetProduct(ctx, lookup)
				if err != nil {
					t.Fatalf("GetProduct(%v): %v", lookup, err)
				}
				got := res.GetProduct()
				if got.GetId() != fx.id["x3d"] || got.GetSku() != "PB-X3D" || got.GetSlug() != "amd-ryzen-7-7800x3d" ||
					got.GetName() != "AMD Ryzen 7 7800X3D" || got.GetBrand() != "AMD" || got.GetDescription() != fxProducts[0].desc {
					t.Errorf("GetProduct(%v) = %s %s %s %q, want x3d", lookup, got.GetId(), got.GetSku(), got.GetSlug(), got.GetName())
				}
				if got.GetPrice().GetAmountMinor() != 44900 || got.GetPrice().GetCurrency() != "EUR" {
					t.Errorf("price %v, want 449.00 EUR", got.GetPrice())
				}
				if got.GetStockQuantity() != 12 || got.GetStockStatus() != catalogv1.StockStatus_STOCK_STATUS_IN_STOCK {
					t.Errorf("stock %d %v, want 12 IN_STOCK", got.GetStockQuantity(), got.GetStockStatus())
				}
				if got.GetStatus() != catalogv1.ProductStatus_PRODUCT_STATUS_ACTIVE || got.GetWarrantyMonths() != 36 || got.GetWeightGrams() != 450 {
					t.Errorf("status %v warranty %d weight %d, want ACTIVE 36 450", got.GetStatus(), got.GetWarrantyMonths(), got.GetWeightGrams())
				}
				if got.GetRatingAverage() != 4.67 || got.GetRatingCount() != 3 {
					t.Errorf("rating %.2f by %d, want 4.67 by 3", got.GetRatingAverage(), got.GetRatingCount())
				}
				if want := fixtureEpoch.Add(9 * time.Hour); !got.GetCreateTime().AsTime().Equal(want) {
					t.Errorf("create_time %v, want %v", got.GetCreateTime().AsTime(), want)
				}
				if got.GetCategory().GetSlug() != "cpus" || got.GetCategory().GetId() != fx.cat["cpus"] || got.GetCategory().GetName() != "Processors" {
					t.Errorf("category %v, want cpus", got.GetCategory())
				}
				var path []string
				for _, c := range got.GetCategoryPath() {
					path = append(path, c.GetSlug())
				}
				if want := []string{"components", "cpus"}; !slices.Equal(path, want) {
					t.Errorf("category_path %v, want %v", path, want)
				}
				var specs []string
				for _, sp := range got.GetSpecs() {
					n := "-"
					if sp.NumberValue != nil {
						n = strconv.FormatFloat(sp.GetNumberValue(), 'g', -1, 64)
					}
					specs = append(specs, fmt.Sprintf("%s|%s|%s|%s|%s|%v", sp.GetKey(), sp.GetDisplayName(), sp.GetValue(), n, sp.GetUnit(), sp.GetValueType()))
				}
				wantSpecs := []string{
					"socket|Socket|AM5|-||SPEC_VALUE_TYPE_TEXT",
					"cores|Cores|8|8||SPEC_VALUE_TYPE_NUMBER",
					"boost_clock|Boost clock|5.0|5|GHz|SPEC_VALUE_TYPE_NUMBER",
				}
				if !slices.Equal(specs, wantSpecs) {
					t.Errorf("specs\n got %v\nwant %v", specs, wantSpecs)
				}
				if len(got.GetImages()) != 2 {
					t.Fatalf("%d images, want 2", len(got.GetImages()))
				}
				for i, im := range got.GetImages() {
					want := fx.imgs[i]
					if im.GetContentHash() != want.sha || im.GetUrl() != "/images/"+want.sha || im.GetContentType() != "image/png" ||
						im.GetWidth() != int32(want.w) || im.GetHeight() != int32(want.h) || im.GetPosition() != int32(i) ||
						im.GetAltText() != fmt.Sprintf("Picture %d", i+1) {
						t.Errorf("image %d = %v, want %s at position %d, %dx%d png", i, im, want.sha, i, want.w, want.h)
					}
				}
			}
		})
	}
	// The search summary carries the main image.
	res := search(t, catalogClient(s, apptest.Protocols[0]), &catalogv1.SearchProductsRequest{Query: "7800x3d"})
	if len(res.GetProducts()) == 0 {
		t.Fatal("search 7800x3d: no result")
	}
	if im := res.GetProducts()[0].GetImage(); im.GetContentHash() != fx.imgs[0].sha || im.GetUrl() != "/images/"+fx.imgs[0].sha {
		t.Errorf("summary image %v, want the position-0 image %s", im, fx.imgs[0].sha)
	}
	if got := fx.keysOf(res.GetProducts()); got[0] != "x3d" {
		t.Errorf("search 7800x3d: got %v, want x3d first", got)
	}
}

func TestGetProduct_StockStatus(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	c := catalogClient(s, protocol(t, "grpc-"))
	for _, tc := range []struct {
		key   string
		stock int32
		want  catalogv1.StockStatus
	}{
		{"r9", 0, catalogv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK},
		{"rtx4060", 2, catalogv1.StockStatus_STOCK_STATUS_LOW_STOCK},
		{"scimitar", 5, catalogv1.StockStatus_STOCK_STATUS_LOW_STOCK},
		{"i5", 6, catalogv1.StockStatus_STOCK_STATUS_IN_STOCK},
		{"katar", 30, catalogv1.StockStatus_STOCK_STATUS_IN_STOCK},
	} {
		res, err := c.GetProduct(ctx, &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Id{Id: fx.id[tc.key]}})
		if err != nil {
			t.Fatalf("GetProduct(%s): %v", tc.key, err)
		}
		if got := res.GetProduct(); got.GetStockQuantity() != tc.stock || got.GetStockStatus() != tc.want {
			t.Errorf("%s: stock %d %v, want %d %v", tc.key, got.GetStockQuantity(), got.GetStockStatus(), tc.stock, tc.want)
		}
		// Search summaries agree.
		sr := search(t, c, &catalogv1.SearchProductsRequest{Query: fxProductByKey(tc.key).name})
		if len(sr.GetProducts()) == 0 || sr.GetProducts()[0].GetId() != fx.id[tc.key] {
			t.Fatalf("search %q: got %v, want %s first", fxProductByKey(tc.key).name, fx.keysOf(sr.GetProducts()), tc.key)
		}
		if got := sr.GetProducts()[0].GetStockStatus(); got != tc.want {
			t.Errorf("%s in search: stock status %v, want %v", tc.key, got, tc.want)
		}
	}
	// An unknown id or slug is not found.
	for _, lookup := range []*catalogv1.GetProductRequest{
		{Lookup: &catalogv1.GetProductRequest_Id{Id: "00000000-0000-4000-8000-000000000000"}},
		{Lookup: &catalogv1.GetProductRequest_Slug{Slug: "no-such-product"}},
	} {
		_, err := c.GetProduct(ctx, lookup)
		if got := apptest.CodeOf(t, err); got != connect.CodeNotFound {
			t.Errorf("GetProduct(%v): code %v, want not_found", lookup, got)
		}
	}
}

func fxProductByKey(key string) fxProduct {
	for _, p := range fxProducts {
		if p.key == key {
			return p
		}
	}
	panic("no fixture product " + key)
}

func TestListCategories_TreeWithActiveCounts(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	for _, p := range []apptest.Protocol{protocol(t, "connect"), protocol(t, "grpc-")} {
		res, err := catalogClient(s, p).ListCategories(ctx, &catalogv1.ListCategoriesRequest{})
		if err != nil {
			t.Fatalf("%s: ListCategories: %v", p.Name, err)
		}
		var lines []string
		var walk func(cs []*catalogv1.Category, depth int, parent string)
		walk = func(cs []*catalogv1.Category, depth int, parent string) {
			for _, c := range cs {
				if c.GetParentId() != parent || c.GetId() != fx.cat[c.GetSlug()] {
					t.Errorf("%s: %s has id %s parent %q, want %s parent %q", p.Name, c.GetSlug(), c.GetId(), c.GetParentId(), fx.cat[c.GetSlug()], parent)
				}
				var keys []string
				for _, d := range c.GetSpecDefinitions() {
					keys = append(keys, fmt.Sprintf("%s/%s/%s/%v/%v/%d", d.GetKey(), d.GetDisplayName(), d.GetUnit(),
						strings.TrimPrefix(d.GetValueType().String(), "SPEC_VALUE_TYPE_"), d.GetFacetable(), d.GetPosition()))
				}
				lines = append(lines, fmt.Sprintf("%s%s (%s) %d %v", strings.Repeat("  ", depth), c.GetSlug(), c.GetName(), c.GetProductCount(), keys))
				walk(c.GetChildren(), depth+1, c.GetId())
			}
		}
		walk(res.GetCategories(), 0, "")
		// Drafts and archived CPUs are not counted: 5 active CPUs.
		want := []string{
			"components (Components) 8 []",
			"  cpus (Processors) 5 [socket/Socket//TEXT/true/0 cores/Cores//NUMBER/true/1 boost_clock/Boost clock/GHz/NUMBER/false/2]",
			"  graphics-cards (Graphics cards) 3 [chipset/Chipset//TEXT/true/0 memory/Memory/GB/NUMBER/true/1]",
			"peripherals (Peripherals) 4 []",
			"  mice (Mice) 4 []",
		}
		if !slices.Equal(lines, want) {
			t.Errorf("%s: tree\n%s\nwant\n%s", p.Name, strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestListReviews_NewestFirstPaged(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	for _, p := range []apptest.Protocol{protocol(t, "connect"), protocol(t, "grpc-")} {
		c := catalogClient(s, p)
		walk := func(product string, size int32) []*catalogv1.Review {
			t.Helper()
			var all []*catalogv1.Review
			req := &catalogv1.ListReviewsRequest{ProductId: fx.id[product], PageSize: size}
			for page := 0; ; page++ {
				if page > 20 {
					t.Fatal("review paging does not end")
				}
				res, err := c.ListReviews(ctx, req)
				if err != nil {
					t.Fatalf("%s: ListReviews(%s) page %d: %v", p.Name, product, page, err)
				}
				if int32(len(res.GetReviews())) > size {
					t.Errorf("%s: page of %d reviews, want at most %d", p.Name, len(res.GetReviews()), size)
				}
				wantTotal := map[string]int32{"x3d": 3, "i7": 4}[product]
				if res.GetTotalSize() != wantTotal {
					t.Errorf("%s: total_size %d, want %d", p.Name, res.GetTotalSize(), wantTotal)
				}
				all = append(all, res.GetReviews()...)
				if res.GetNextPageToken() == "" {
					return all
				}
				req.PageToken = res.GetNextPageToken()
			}
		}
		got := walk("x3d", 1)
		var lines []string
		for _, r := range got {
			lines = append(lines, fmt.Sprintf("%s %d %q %s", r.GetAuthorName(), r.GetRating(), r.GetTitle(), r.GetCreateTime().AsTime().Format(time.RFC3339)))
			if r.GetProductId() != fx.id["x3d"] || r.GetId() == "" || r.GetText() != "Review text of x3d" {
				t.Errorf("%s: review %v of the wrong product or without id/text", p.Name, r)
			}
		}
		at := func(h int) string {
			return fixtureEpoch.Add(24*time.Hour + time.Duration(h)*time.Hour).Format(time.RFC3339)
		}
		want := []string{
			fxPublicNames[2] + ` 4 "4 stars" ` + at(22),
			fxPublicNames[1] + ` 5 "5 stars" ` + at(21),
			fxPublicNames[0] + ` 5 "5 stars" ` + at(20),
		}
		if !slices.Equal(lines, want) {
			t.Errorf("%s: reviews\n%s\nwant\n%s", p.Name, strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
		res, err := c.ListReviews(ctx, &catalogv1.ListReviewsRequest{ProductId: fx.id["x3d"]})
		if err != nil {
			t.Fatal(err)
		}
		if res.GetRatingAverage() != 4.67 || len(res.GetReviews()) != 3 || res.GetNextPageToken() != "" {
			t.Errorf("%s: default page: %d reviews, average %.2f, token %q; want all 3, 4.67, no token", p.Name, len(res.GetReviews()), res.GetRatingAverage(), res.GetNextPageToken())
		}

		// Four reviews of the same instant page without gaps or repeats.
		for _, size := range []int32{1, 3} {
			var authors []string
			for _, r := range walk("i7", size) {
				authors = append(authors, r.GetAuthorName())
			}
			slices.Sort(authors)
			if want := slices.Sorted(slices.Values(fxPublicNames)); !slices.Equal(authors, want) {
				t.Errorf("%s: i7 reviews by %d: authors %v, want each of %v once", p.Name, size, authors, want)
			}
		}

		// A product without reviews.
		res, err = c.ListReviews(ctx, &catalogv1.ListReviewsRequest{ProductId: fx.id["g502"]})
		if err != nil || len(res.GetReviews()) != 0 || res.GetTotalSize() != 0 || res.GetRatingAverage() != 0 || res.GetNextPageToken() != "" {
			t.Errorf("%s: reviews of g502 = %v, %v; want none", p.Name, res, err)
		}

		// Errors.
		first, err := c.ListReviews(ctx, &catalogv1.ListReviewsRequest{ProductId: fx.id["i7"], PageSize: 1})
		if err != nil || first.GetNextPageToken() == "" {
			t.Fatalf("%s: first i7 page: %v (token %q)", p.Name, err, first.GetNextPageToken())
		}
		searchToken := search(t, c, &catalogv1.SearchProductsRequest{PageSize: 1}).GetNextPageToken()
		for _, tc := range []struct {
			name string
			req  *catalogv1.ListReviewsRequest
			want connect.Code
		}{
			{"garbage token", &catalogv1.ListReviewsRequest{ProductId: fx.id["x3d"], PageToken: "not a token!"}, connect.CodeInvalidArgument},
			{"base64 garbage token", &catalogv1.ListReviewsRequest{ProductId: fx.id["x3d"], PageToken: "eyJ0IjoxfQ"}, connect.CodeInvalidArgument},
			{"another product's token", &catalogv1.ListReviewsRequest{ProductId: fx.id["x3d"], PageToken: first.GetNextPageToken()}, connect.CodeInvalidArgument},
			{"a search token", &catalogv1.ListReviewsRequest{ProductId: fx.id["x3d"], PageToken: searchToken}, connect.CodeInvalidArgument},
			{"negative page size", &catalogv1.ListReviewsRequest{ProductId: fx.id["x3d"], PageSize: -1}, connect.CodeInvalidArgument},
			{"malformed product id", &catalogv1.ListReviewsRequest{ProductId: "x3d"}, connect.CodeInvalidArgument},
			{"no product id", &catalogv1.ListReviewsRequest{}, connect.CodeInvalidArgument},
			{"draft product", &catalogv1.ListReviewsRequest{ProductId: fx.id["draft"]}, connect.CodeNotFound},
			{"unknown product", &catalogv1.ListReviewsRequest{ProductId: "00000000-0000-4000-8000-000000000000"}, connect.CodeNotFound},
		} {
			_, err := c.ListReviews(ctx, tc.req)
			if got := apptest.CodeOf(t, err); got != tc.want {
				t.Errorf("%s: %s: code %v (%v), want %v", p.Name, tc.name, got, err, tc.want)
			}
		}
		// Archived products keep their reviews readable; page size is capped.
		if _, err := c.ListReviews(ctx, &catalogv1.ListReviewsRequest{ProductId: fx.id["archived"], PageSize: 1000}); err != nil {
			t.Errorf("%s: reviews of an archived product with page_size 1000: %v", p.Name, err)
		}
	}
}

func TestImages_ServedByHashWithCacheHeaders(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	get := func(path string, header map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := s.HTTP1.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}
	for _, im := range fx.imgs {
		res, body := get("/images/"+im.sha, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET image: status %d, want 200", res.StatusCode)
		}
		if !bytes.Equal(body, im.data) {
			t.Errorf("GET image: %d bytes, want the stored %d", len(body), len(im.data))
		}
		if got := res.Header.Get("Content-Type"); got != "image/png" {
			t.Errorf("Content-Type %q, want image/png", got)
		}
		if got := res.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") || !strings.Contains(got, "max-age=") {
			t.Errorf("Cache-Control %q, want a long max-age and immutable", got)
		}
		etag := res.Header.Get("ETag")
		if etag != `"`+im.sha+`"` {
			t.Errorf("ETag %q, want the quoted hash", etag)
		}
		if _, err := png.Decode(bytes.NewReader(body)); err != nil {
			t.Errorf("served bytes are not a PNG: %v", err)
		}
		res, body = get("/images/"+im.sha, map[string]string{"If-None-Match": etag})
		if res.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match: status %d with %d bytes, want 304 and no body", res.StatusCode, len(body))
		}
	}
	for _, path := range []string{
		"/images/" + strings.Repeat("0", 64),         // unknown hash
		"/images/" + strings.ToUpper(fx.imgs[0].sha), // not lower-case hex
		"/images/" + fx.imgs[0].sha[:63],
		"/images/" + fx.imgs[0].sha + "0",
		"/images/" + fx.imgs[0].sha + "/x",
		"/images/not-a-hash",
		"/images/..%2f..%2fetc%2fpasswd",
		"/images/",
	} {
		if res, _ := get(path, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, res.StatusCode)
		}
	}
}

func TestSearchProducts_BadInput(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	fx := insertFixture(t, s)
	// 101 more products, so a page can be capped at 100.
	if _, err := s.Conn(t).Exec(ctx, `INSERT INTO products (sku, slug, name, brand, category_id, price_minor, stock, status)
		SELECT 'BULK-' || g, 'bulk-cable-' || g, 'Bulk cable ' || g, 'Generic', $1, 100 + g, 1, 'active'
		FROM generate_series(1, 101) AS g`, fx.cat["mice"]); err != nil {
		t.Fatal(err)
	}
	for _, p := range apptest.Protocols {
		t.Run(p.Name, func(t *testing.T) {
			c := catalogClient(s, p)
			res := search(t, c, &catalogv1.SearchProductsRequest{PageSize: 1000})
			if len(res.GetProducts()) != 100 || res.GetNextPageToken() == "" || res.GetTotalSize() != 113 {
				t.Errorf("page_size 1000: %d products, total %d, token %q; want 100 of 113 and a token",
					len(res.GetProducts()), res.GetTotalSize(), res.GetNextPageToken())
			}
			if res := search(t, c, &catalogv1.SearchProductsRequest{}); len(res.GetProducts()) != 20 {
				t.Errorf("default page size: %d products, want 20", len(res.GetProducts()))
			}

			// The contract's limits are accepted.
			if res := search(t, c, &catalogv1.SearchProductsRequest{Brands: append(manyBrands(49), "AMD")}); res.GetTotalSize() != 3 {
				t.Errorf("50 brands: total %d, want the 3 AMD products", res.GetTotalSize())
			}

			amd := &catalogv1.SearchProductsRequest{Brands: []string{"amd"}, PageSize: 1}
			token := search(t, c, amd).GetNextPageToken()
			if token == "" {
				t.Fatal("no next_page_token for 3 AMD products by 1")
			}
			// Only the page size may change between pages.
			if _, err := c.SearchProducts(ctx, &catalogv1.SearchProductsRequest{Brands: []string{"amd"}, PageSize: 2, PageToken: token}); err != nil {
				t.Errorf("same query, other page size: %v", err)
			}
			bad := []struct {
				name string
				req  *catalogv1.SearchProductsRequest
				want connect.Code
			}{
				{"negative page size", &catalogv1.SearchProductsRequest{PageSize: -1}, connect.CodeInvalidArgument},
				{"garbage page token", &catalogv1.SearchProductsRequest{PageToken: "garbage"}, connect.CodeInvalidArgument},
				{"base64 json page token", &catalogv1.SearchProductsRequest{PageToken: "eyJ2IjoxfQ"}, connect.CodeInvalidArgument},
				{"huge page token", &catalogv1.SearchProductsRequest{PageToken: strings.Repeat("A", 4000)}, connect.CodeInvalidArgument},
				{"token of other filters", &catalogv1.SearchProductsRequest{Brands: []string{"intel"}, PageSize: 1, PageToken: token}, connect.CodeInvalidArgument},
				{"token of another sort", &catalogv1.SearchProductsRequest{Brands: []string{"amd"}, PageSize: 1, PageToken: token,
					OrderBy: catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC}, connect.CodeInvalidArgument},
				{"token of another query", &catalogv1.SearchProductsRequest{Query: "ryzen", Brands: []string{"amd"}, PageSize: 1, PageToken: token}, connect.CodeInvalidArgument},
				{"10 kB query", &catalogv1.SearchProductsRequest{Query: strings.Repeat("ryzen ", 1700)}, connect.CodeInvalidArgument},
				{"unknown category id", &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategoryId{CategoryId: "00000000-0000-4000-8000-000000000000"}}, connect.CodeNotFound},
				{"unknown category slug", &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: "spaceships"}}, connect.CodeNotFound},
				{"malformed category id", &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategoryId{CategoryId: "cpus"}}, connect.CodeInvalidArgument},
				{"malformed category slug", &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: "CPUs!"}}, connect.CodeInvalidArgument},
				{"unknown spec key", &catalogv1.SearchProductsRequest{SpecFilters: []*catalogv1.SpecFilter{{Key: "warp_factor", Values: []string{"9"}}}}, connect.CodeInvalidArgument},
				{"spec key of another category", &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: "cpus"},
					SpecFilters: []*catalogv1.SpecFilter{{Key: "memory", MinValue: ptr(8.0)}}}, connect.CodeInvalidArgument},
				{"malformed spec key", &catalogv1.SearchProductsRequest{SpecFilters: []*catalogv1.SpecFilter{{Key: "Socket; DROP", Values: []string{"AM5"}}}}, connect.CodeInvalidArgument},
				{"spec filter without values or range", &catalogv1.SearchProductsRequest{SpecFilters: []*catalogv1.SpecFilter{{Key: "socket"}}}, connect.CodeInvalidArgument},
				{"range on a text spec", &catalogv1.SearchProductsRequest{SpecFilters: []*catalogv1.SpecFilter{{Key: "socket", MinValue: ptr(1.0)}}}, connect.CodeInvalidArgument},
				{"spec min above max", &catalogv1.SearchProductsRequest{SpecFilters: []*catalogv1.SpecFilter{{Key: "cores", MinValue: ptr(9.0), MaxValue: ptr(8.0)}}}, connect.CodeInvalidArgument},
				{"price_min above price_max", &catalogv1.SearchProductsRequest{PriceMin: eur(20000), PriceMax: eur(10000)}, connect.CodeInvalidArgument},
				{"price in USD", &catalogv1.SearchProductsRequest{PriceMax: &commonv1.Money{AmountMinor: 10000, Currency: "USD"}}, connect.CodeInvalidArgument},
				{"price without currency", &catalogv1.SearchProductsRequest{PriceMin: &commonv1.Money{AmountMinor: 10000}}, connect.CodeInvalidArgument},
				{"negative price", &catalogv1.SearchProductsRequest{PriceMin: eur(-1)}, connect.CodeInvalidArgument},
				{"empty brand", &catalogv1.SearchProductsRequest{Brands: []string{" "}}, connect.CodeInvalidArgument},
				{"unknown sort order", &catalogv1.SearchProductsRequest{OrderBy: 42}, connect.CodeInvalidArgument},
				{"51 brands", &catalogv1.SearchProductsRequest{Brands: manyBrands(51)}, connect.CodeInvalidArgument},
				{"two filters on one key", &catalogv1.SearchProductsRequest{Category: &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: "cpus"},
					SpecFilters: []*catalogv1.SpecFilter{{Key: "cores", MinValue: ptr(8.0)}, {Key: "cores", MaxValue: ptr(6.0)}}}, connect.CodeInvalidArgument},
				{"21 spec filters", &catalogv1.SearchProductsRequest{SpecFilters: slices.Repeat([]*catalogv1.SpecFilter{{Key: "socket", Values: []string{"AM5"}}}, 21)},
					connect.CodeInvalidArgument},
			}
			for _, tc := range bad {
				_, err := c.SearchProducts(ctx, tc.req)
				if got := apptest.CodeOf(t, err); got != tc.want {
					t.Errorf("%s: code %v (%v), want %v", tc.name, got, err, tc.want)
				}
			}

			// Query syntax of tsquery and SQL is plain text to search.
			for _, q := range []string{
				`'`, `''`, `&`, `|`, `!`, `:*`, `\`, `(`, `)`, `<->`, `' OR 1=1 --`, `ryzen & !amd`, `ryzen:* | intel`,
				`(ryzen`, `amd)`, `a <-> b`, `"quoted"`, `%_`, `;`, `$1`, `\x00`, "nul\x00byte", `ryzen'); DROP TABLE products; --`,
				`ryzen:A`, `*`, `!!!`, `&&||`, `a:*:*`, strings.Repeat("(", 200), strings.Repeat("x ", 100), "日本語 ᅟ ª 𝟙",
			} {
				res, err := c.SearchProducts(ctx, &catalogv1.SearchProductsRequest{Query: q, IncludeFacets: true})
				if err != nil {
					t.Errorf("query %q: %v (code %v), want success", q, err, connect.CodeOf(err))
				} else if res.GetTotalSize() > 113 {
					t.Errorf("query %q: total %d, more than the catalogue", q, res.GetTotalSize())
				}
			}
			res = search(t, c, &catalogv1.SearchProductsRequest{Query: `ryzen' OR 1=1 --`})
			if got := fx.keysOf(res.GetProducts()); len(got) > 3 {
				t.Errorf("query with SQL injection: %v, want at most the Ryzens", got)
			}
		})
	}
}

func manyBrands(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("Brand %d", i)
	}
	return out
}

func TestGetProduct_BadInput(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	for _, p := range apptest.Protocols {
		c := catalogClient(s, p)
		for _, tc := range []struct {
			name string
			req  *catalogv1.GetProductRequest
			want connect.Code
		}{
			{"neither id nor slug", &catalogv1.GetProductRequest{}, connect.CodeInvalidArgument},
			{"malformed uuid", &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Id{Id: "1234"}}, connect.CodeInvalidArgument},
			{"empty id", &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Id{}}, connect.CodeInvalidArgument},
			{"sql in id", &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Id{Id: "' OR 1=1 --"}}, connect.CodeInvalidArgument},
			{"malformed slug", &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Slug{Slug: "Not A Slug"}}, connect.CodeInvalidArgument},
			{"unknown id", &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Id{Id: "00000000-0000-4000-8000-000000000000"}}, connect.CodeNotFound},
		} {
			_, err := c.GetProduct(ctx, tc.req)
			if got := apptest.CodeOf(t, err); got != tc.want {
				t.Errorf("%s: %s: code %v (%v), want %v", p.Name, tc.name, got, err, tc.want)
			}
		}
	}
}

func TestSearchProducts_AggregateCacheReusesCountsForItsTTL(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) { c.SearchCacheTTL = time.Minute }))
	fx := insertFixture(t, s)
	c := catalogClient(s, apptest.Protocols[0])
	req := &catalogv1.SearchProductsRequest{Category: ptrCategorySlug("mice"), IncludeFacets: true, OrderBy: catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC}
	first := search(t, c, req)

	// A new mouse that sorts first: the page shows it at once, the total
	// and facets stay as they were until the TTL passes.
	var newID string
	if err := s.Conn(t).QueryRow(ctx, `INSERT INTO products (sku, slug, name, brand, category_id, price_minor, stock, status)
		VALUES ('CACHE-1', 'cache-mouse', 'Cache Mouse', 'Newco', $1, 1, 3, 'active') RETURNING id`, fx.cat["mice"]).Scan(&newID); err != nil {
		t.Fatal(err)
	}
	second := search(t, c, req)
	if got := second.GetProducts()[0].GetId(); got != newID {
		t.Errorf("page after insert starts with %s, want the new product: pages are never cached", fx.keyOr(got))
	}
	if second.GetTotalSize() != first.GetTotalSize() || strings.Join(brandCounts(second.GetFacets()), ",") != strings.Join(brandCounts(first.GetFacets()), ",") {
		t.Errorf("within the TTL the aggregates changed: total %d -> %d, brands %v -> %v",
			first.GetTotalSize(), second.GetTotalSize(), brandCounts(first.GetFacets()), brandCounts(second.GetFacets()))
	}
	// Another sort shares the aggregates: same matches.
	req.OrderBy = catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_NEWEST
	if got := search(t, c, req).GetTotalSize(); got != first.GetTotalSize() {
		t.Errorf("another sort within the TTL: total %d, want the cached %d", got, first.GetTotalSize())
	}
	s.Clock.Advance(2 * time.Minute)
	third := search(t, c, req)
	if third.GetTotalSize() != first.GetTotalSize()+1 {
		t.Errorf("after the TTL: total %d, want %d", third.GetTotalSize(), first.GetTotalSize()+1)
	}
	if !slices.Contains(brandCounts(third.GetFacets()), "Newco=1") {
		t.Errorf("after the TTL the brand facet lacks the new brand: %v", brandCounts(third.GetFacets()))
	}
}

func ptrCategorySlug(slug string) *catalogv1.SearchProductsRequest_CategorySlug {
	return &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: slug}
}

func TestGetProduct_CacheDropsAnnouncedChanges(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.WithConfig(func(c *config.Config) { c.ProductCacheTTL = time.Minute }))
	fx := insertFixture(t, s)
	_ = fx
	c := catalogClient(s, apptest.Protocols[0])
	get := func() *catalogv1.Product {
		t.Helper()
		res, err := c.GetProduct(ctx, &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Slug{Slug: "amd-ryzen-7-7800x3d"}})
		if err != nil {
			t.Fatalf("GetProduct: %v", err)
		}
		return res.GetProduct()
	}
	// The cache fills only while its invalidation subscription is up.
	deadline := time.Now().Add(10 * time.Second)
	var before *catalogv1.Product
	for {
		before = get()
		if _, err := s.Conn(t).Exec(ctx, `UPDATE products SET name = 'Renamed quietly' WHERE id = $1`, before.GetId()); err != nil {
			t.Fatal(err)
		}
		if get().GetName() == before.GetName() {
			break // served from the cache: the silent update is not seen
		}
		if _, err := s.Conn(t).Exec(ctx, `UPDATE products SET name = $2 WHERE id = $1`, before.GetId(), before.GetName()); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("product pages are never cached")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A writer commits a change and announces it: the next read sees it.
	if _, err := s.Conn(t).Exec(ctx, `UPDATE products SET name = 'AMD Ryzen 7 7800X3D (new box)', version = version + 1 WHERE id = $1`, before.GetId()); err != nil {
		t.Fatal(err)
	}
	if err := catalog.PublishProductChange(ctx, s.App.Redis, before.GetId(), before.GetVersion()+1); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for get().GetName() != "AMD Ryzen 7 7800X3D (new box)" {
		if time.Now().After(deadline) {
			t.Fatal("an announced change was not seen within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := get().GetVersion(); got != before.GetVersion()+1 {
		t.Errorf("version after the change = %d, want %d", got, before.GetVersion()+1)
	}
	// Without an announcement, the TTL still bounds staleness.
	if _, err := s.Conn(t).Exec(ctx, `UPDATE products SET name = 'Silent rename' WHERE id = $1`, before.GetId()); err != nil {
		t.Fatal(err)
	}
	s.Clock.Advance(2 * time.Minute)
	if got := get().GetName(); got != "Silent rename" {
		t.Errorf("after the TTL: name %q, want the database's", got)
	}
}
