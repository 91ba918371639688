package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/partsbin/partsbin/backend/internal/catalog"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	catalogv1 "github.com/partsbin/partsbin/gen/partsbin/catalog/v1"
)

func ptr[T any](v T) *T { return &v }

// testInfo is a small catalogue: two roots, three leaves.
func testInfo() catalogInfo {
	return catalogInfo{
		roots:  []categoryInfo{{slug: "components", products: 300}, {slug: "displays", products: 50}},
		brands: []string{"Samsung", "AMD", "Intel"},
		leaves: []leafInfo{
			{
				categoryInfo: categoryInfo{slug: "cpus", products: 100},
				facetInfo: facetInfo{
					brands: []string{"AMD", "Intel"},
					prices: []priceBucket{{min: 0, max: ptr(int64(5000)), count: 3}, {min: 10000, max: ptr(int64(25000)), count: 40}, {min: 200000, count: 90}},
					specs: []specFacet{
						{key: "socket", values: []facetValue{{value: "AM5", count: 50}, {value: "LGA1700", count: 30}}},
						{key: "cores", numeric: true, values: []facetValue{{value: "6", number: ptr(6.0), count: 10}, {value: "8", number: ptr(8.0), count: 60}, {value: "16", number: ptr(16.0), count: 30}}},
					},
				},
			},
			{
				categoryInfo: categoryInfo{slug: "graphics-cards", products: 200},
				facetInfo:    facetInfo{brands: []string{"ASUS"}},
			},
			{
				categoryInfo: categoryInfo{slug: "monitors", products: 50},
				facetInfo: facetInfo{specs: []specFacet{
					{key: "refresh_rate", numeric: true, values: []facetValue{{value: "60", number: ptr(60.0), count: 5}}},
				}},
			},
		},
	}
}

func TestBuildMix(t *testing.T) {
	t.Parallel()
	info := testInfo()
	mix := buildMix(info)
	if again := buildMix(testInfo()); !reflect.DeepEqual(mix, again) {
		t.Fatal("buildMix is not deterministic")
	}
	for _, k := range mixKinds {
		if len(mix[k]) == 0 {
			t.Errorf("no %s requests", k)
		}
		for _, c := range mix[k] {
			if c.kind != k {
				t.Errorf("%s listed under %s", c.describe(), k)
			}
			if c.facets != (k == mixFacets) {
				t.Errorf("%s: facets = %v", c.describe(), c.facets)
			}
			if k == mixDeep && (c.depth < 5 || c.depth > 10) || k != mixDeep && c.depth != 1 {
				t.Errorf("%s: depth %d", c.describe(), c.depth)
			}
		}
	}
	has := func(kind string, want func(searchCase) bool) bool {
		return slices.ContainsFunc(mix[kind], want)
	}
	for _, q := range []string{"rizen 7", "geforse rtx", "ryz", "samsung 990 pro 2tb", "samsung", "amd"} {
		if !has(mixText, func(c searchCase) bool { return c.query == q }) {
			t.Errorf("no text query %q", q)
		}
	}
	if !has(mixFilters, func(c searchCase) bool {
		return c.category == "cpus" && len(c.specs) == 1 && c.specs[0].key == "socket" && slices.Equal(c.specs[0].values, []string{"AM5"})
	}) {
		t.Error("no socket=AM5 filter within cpus")
	}
	if !has(mixFacets, func(c searchCase) bool {
		return c.category == "cpus" && len(c.specs) == 1 && slices.Equal(c.specs[0].values, []string{"AM5", "LGA1700"})
	}) {
		t.Error("no spec-filtered facet request within cpus")
	}
	// The busiest bounded bucket is [10000, 25000): the open top bucket
	// has more products but no upper bound.
	if !has(mixFilters, func(c searchCase) bool {
		return c.category == "cpus" && slices.Equal(c.brands, []string{"AMD"}) && *c.priceMin == 10000 && *c.priceMax == 24999
	}) {
		t.Error("no brand + price range filter within cpus")
	}
	// 60 of 100 cpus have 8 cores or fewer: the weighted median is 8.
	if !has(mixFilters, func(c searchCase) bool {
		return c.category == "cpus" && len(c.specs) == 1 && c.specs[0].key == "cores" && *c.specs[0].min == 8 && c.inStock
	}) {
		t.Error("no numeric spec range within cpus")
	}
	if has(mixFilters, func(c searchCase) bool {
		return c.category == "graphics-cards" && len(c.brands) > 0 && c.priceMin != nil
	}) {
		t.Error("price filter for a leaf without price buckets")
	}
	if !has(mixDeep, func(c searchCase) bool { return c.category == "graphics-cards" && c.sort == catalog.SortRating }) {
		t.Error("the deep rating request is not on the largest leaf")
	}
}

func TestBuildMix_EmptyCatalogue(t *testing.T) {
	t.Parallel()
	mix := buildMix(catalogInfo{})
	if len(mix[mixText]) != len(textQueries) {
		t.Errorf("text requests = %d, want %d", len(mix[mixText]), len(textQueries))
	}
	for _, c := range mix[mixFilters] {
		if c.category != "" || len(c.brands) > 0 || len(c.specs) > 0 {
			t.Errorf("unexpected filter request without a catalogue: %s", c.describe())
		}
	}
}

func TestSelectMix(t *testing.T) {
	t.Parallel()
	mix := buildMix(testInfo())
	all, err := selectMix(mix, mixAll)
	if err != nil || len(all) != len(mixKinds) {
		t.Fatalf("selectMix(all) = %d groups, %v", len(all), err)
	}
	for i, g := range all {
		if g[0].kind != mixKinds[i] {
			t.Errorf("group %d is %s, want %s", i, g[0].kind, mixKinds[i])
		}
	}
	// The groups are copies: resolving deep tokens must not touch mix.
	all[3][0].pageToken = "x"
	if mix[mixDeep][0].pageToken != "" {
		t.Error("selectMix shares its requests with the mix")
	}
	deep, err := selectMix(mix, mixDeep)
	if err != nil || len(deep) != 1 || deep[0][0].kind != mixDeep {
		t.Errorf("selectMix(deep) = %v, %v", deep, err)
	}
	if _, err := selectMix(mix, "sorts"); !errors.As(err, new(usageError)) {
		t.Errorf("selectMix(sorts) error = %v, want a usage error", err)
	}
	if _, err := selectMix(map[string][]searchCase{}, mixText); err == nil {
		t.Error("selectMix of an empty mix succeeded")
	}
}

func TestPick(t *testing.T) {
	t.Parallel()
	sizes := []int{18, 40, 60, 6}
	counts := make([]int, len(sizes))
	seen := map[[2]int]bool{}
	const calls = 40000
	for w := range 4 {
		for call := range uint64(calls / 4) {
			g, i := pick(w, call, sizes)
			if g2, i2 := pick(w, call, sizes); g2 != g || i2 != i {
				t.Fatal("pick is not deterministic")
			}
			if g < 0 || g >= len(sizes) || i < 0 || i >= sizes[g] {
				t.Fatalf("pick(%d, %d) = (%d, %d), out of range", w, call, g, i)
			}
			counts[g]++
			seen[[2]int{g, i}] = true
		}
	}
	for g, n := range counts {
		if math.Abs(float64(n)-calls/4) > calls/40 {
			t.Errorf("group %d got %d of %d calls, want about a quarter", g, n, calls)
		}
	}
	if len(seen) != 18+40+60+6 {
		t.Errorf("%d distinct requests picked, want all %d", len(seen), 18+40+60+6)
	}
	var a, b []int
	for call := range uint64(20) {
		_, i := pick(0, call, []int{1000})
		_, j := pick(1, call, []int{1000})
		a, b = append(a, i), append(b, j)
	}
	if slices.Equal(a, b) {
		t.Error("workers 0 and 1 make the same sequence")
	}
}

func TestCallCounters(t *testing.T) {
	t.Parallel()
	c := make(callCounters, 2)
	for want := range uint64(3) {
		if got := c.next(1); got != want {
			t.Errorf("next(1) = %d, want %d", got, want)
		}
	}
	if got := c.next(0); got != 0 {
		t.Errorf("next(0) = %d, want 0", got)
	}
}

func TestWeightedMedian(t *testing.T) {
	t.Parallel()
	v := func(n float64, count int) facetValue { return facetValue{number: ptr(n), count: count} }
	tests := []struct {
		values []facetValue
		want   float64
		ok     bool
	}{
		{nil, 0, false},
		{[]facetValue{{value: "x", count: 3}}, 0, false},
		{[]facetValue{v(4, 1)}, 4, true},
		{[]facetValue{v(16, 1), v(4, 1), v(8, 1)}, 8, true},
		{[]facetValue{v(4, 1), v(8, 1)}, 4, true},
		{[]facetValue{v(4, 1), v(8, 10), v(16, 1)}, 8, true},
		{[]facetValue{v(4, 0), v(8, 0), v(16, 2)}, 16, true},
	}
	for _, tt := range tests {
		got, ok := weightedMedian(tt.values)
		if got != tt.want || ok != tt.ok {
			t.Errorf("weightedMedian(%v) = %v, %v; want %v, %v", tt.values, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBusiestBucket(t *testing.T) {
	t.Parallel()
	if _, ok := busiestBucket([]priceBucket{{min: 100, count: 9}}); ok {
		t.Error("an open-ended bucket was chosen")
	}
	b, ok := busiestBucket([]priceBucket{{min: 0, max: ptr(int64(10)), count: 5}, {min: 10, max: ptr(int64(20)), count: 5}, {min: 20, count: 50}})
	if !ok || b.min != 0 {
		t.Errorf("busiestBucket = %+v, %v; want the cheapest of equals", b, ok)
	}
}

func TestFirstRunes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"samsung": "sam", "ab": "ab", "": "", "äöüß": "äöü"} {
		if got := firstRunes(in, 3); got != want {
			t.Errorf("firstRunes(%q, 3) = %q, want %q", in, got, want)
		}
	}
}

// testCategories is a lookup for searchCase.params.
func testCategories(slug string) (*catalog.Category, bool) {
	if slug == "cpus" {
		return &catalog.Category{ID: "0b6f3c8e-6a4e-4d3b-9c1e-1f2a3b4c5d6e", Slug: "cpus"}, true
	}
	return nil, false
}

func TestSearchCase_RequestAndParamsAgree(t *testing.T) {
	t.Parallel()
	c := searchCase{
		kind: mixFilters, query: " rizen 7 ", category: "cpus", brands: []string{"AMD"},
		priceMin: ptr(int64(100)), priceMax: ptr(int64(5000)), inStock: true,
		specs: []specCase{{key: "socket", values: []string{"AM5"}}, {key: "cores", min: ptr(8.0), max: ptr(16.0)}},
		sort:  catalog.SortPriceDesc, facets: true, pageToken: "tok", depth: 3,
	}
	req := c.request("EUR")
	if req.GetQuery() != " rizen 7 " || req.GetCategorySlug() != "cpus" || !slices.Equal(req.GetBrands(), []string{"AMD"}) ||
		req.GetPriceMin().GetAmountMinor() != 100 || req.GetPriceMax().GetCurrency() != "EUR" || !req.GetInStockOnly() ||
		len(req.GetSpecFilters()) != 2 || req.GetSpecFilters()[1].GetMinValue() != 8 ||
		req.GetOrderBy() != catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_DESC || req.GetPageSize() != 0 ||
		req.GetPageToken() != "tok" || !req.GetIncludeFacets() {
		t.Errorf("request = %v", req)
	}
	p, err := c.params(testCategories)
	if err != nil {
		t.Fatal(err)
	}
	if p.Query != "rizen 7" || p.Category.Slug != "cpus" || !slices.Equal(p.Brands, []string{"AMD"}) ||
		*p.PriceMin != 100 || *p.PriceMax != 5000 || !p.InStockOnly || len(p.Specs) != 2 ||
		p.Specs[0].Key != "socket" || !slices.Equal(p.Specs[0].Values, []string{"AM5"}) || *p.Specs[1].Min != 8 || *p.Specs[1].Max != 16 ||
		p.Sort != catalog.SortPriceDesc || p.PageSize != rpc.DefaultPageSize || p.PageToken != "tok" || !p.IncludeFacets {
		t.Errorf("params = %+v", p)
	}
	for size, want := range map[int]int{0: rpc.DefaultPageSize, 7: 7, 100: 100, 500: rpc.MaxPageSize} {
		p, _ := searchCase{pageSize: size}.params(testCategories)
		if p.PageSize != want {
			t.Errorf("page size %d -> %d, want %d", size, p.PageSize, want)
		}
	}
	if _, err := (searchCase{category: "nope"}).params(testCategories); !errors.Is(err, catalog.ErrCategoryNotFound) {
		t.Errorf("unknown category: error = %v", err)
	}
	for s, want := range sortProtos {
		if got := (searchCase{sort: s}).request("EUR").GetOrderBy(); got != want {
			t.Errorf("sort %v -> %v, want %v", s, got, want)
		}
	}
}

func TestSearchCase_Describe(t *testing.T) {
	t.Parallel()
	c := searchCase{kind: mixDeep, query: "amd", category: "cpus", priceMax: ptr(int64(500)), inStock: true,
		specs: []specCase{{key: "cores", min: ptr(8.0)}}, sort: catalog.SortRating, pageSize: 100, depth: 7}
	want := `deep: query="amd" category=cpus price=[,500] in_stock_only spec.cores=[8,] sort=rating page_size=100 page=7`
	if got := c.describe(); got != want {
		t.Errorf("describe() =\n%s\nwant\n%s", got, want)
	}
}

// fakeSource is a catalogue of pages of slugs, each request kind paging
// through its own number of pages.
type fakeSource struct {
	roots, leaves []categoryInfo
	brands        []string
	pages         int
	facetCalls    []string
	pageCalls     []string
}

func (f *fakeSource) categories(context.Context) ([]categoryInfo, []categoryInfo, error) {
	return f.roots, f.leaves, nil
}

func (f *fakeSource) facets(_ context.Context, category string) (facetInfo, error) {
	f.facetCalls = append(f.facetCalls, category)
	return facetInfo{brands: f.brands}, nil
}

func (f *fakeSource) page(_ context.Context, c searchCase, token string) ([]string, string, error) {
	f.pageCalls = append(f.pageCalls, token)
	n := 0
	if token != "" {
		if _, err := fmt.Sscanf(token, "p%d", &n); err != nil {
			return nil, "", err
		}
	}
	size := c.pageSize
	if size == 0 {
		size = 2
	}
	slugs := make([]string, size)
	for i := range slugs {
		slugs[i] = fmt.Sprintf("s%d-%d", n, i)
	}
	next := ""
	if n+1 < f.pages {
		next = fmt.Sprintf("p%d", n+1)
	}
	return slugs, next, nil
}

func TestGatherInfo(t *testing.T) {
	t.Parallel()
	src := &fakeSource{
		roots:  []categoryInfo{{slug: "a", products: 3}},
		leaves: []categoryInfo{{slug: "a1", products: 3}, {slug: "a2"}},
		brands: []string{"X"},
	}
	info, err := gatherInfo(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(src.facetCalls, []string{"", "a1"}) {
		t.Errorf("facet searches %q, want the catalogue and the non-empty leaf", src.facetCalls)
	}
	if len(info.leaves) != 1 || info.leaves[0].slug != "a1" || !slices.Equal(info.brands, []string{"X"}) {
		t.Errorf("info = %+v", info)
	}
	if _, err := gatherInfo(context.Background(), &fakeSource{}); err == nil || !strings.Contains(err.Error(), "seed") {
		t.Errorf("empty catalogue: error = %v", err)
	}
}

func TestResolveDeep(t *testing.T) {
	t.Parallel()
	groups := [][]searchCase{{{kind: mixDeep, depth: 3}, {kind: mixDeep, depth: 8}, {kind: mixDeep, depth: 1}}}
	var stderr bytes.Buffer
	if err := resolveDeep(context.Background(), &fakeSource{pages: 5}, groups, "search", &stderr); err != nil {
		t.Fatal(err)
	}
	g := groups[0]
	if g[0].pageToken != "p2" || g[0].depth != 3 {
		t.Errorf("depth 3: token %q depth %d, want p2 (the third page)", g[0].pageToken, g[0].depth)
	}
	if g[1].pageToken != "p4" || g[1].depth != 5 || !strings.Contains(stderr.String(), "only 5 pages") {
		t.Errorf("depth 8 of 5 pages: token %q depth %d, stderr %q; want the last page", g[1].pageToken, g[1].depth, stderr.String())
	}
	if g[2].pageToken != "" {
		t.Errorf("depth 1: token %q, want none", g[2].pageToken)
	}
}

func TestCollectSlugs(t *testing.T) {
	t.Parallel()
	src := &fakeSource{pages: 100}
	slugs, err := collectSlugs(context.Background(), src, 250)
	if err != nil || len(slugs) != 250 || len(src.pageCalls) != 3 {
		t.Errorf("collectSlugs(250) = %d slugs in %d pages, %v; want 250 in 3", len(slugs), len(src.pageCalls), err)
	}
	slugs, err = collectSlugs(context.Background(), &fakeSource{pages: 2}, 1000)
	if err != nil || len(slugs) != 2*slugPageSize {
		t.Errorf("collectSlugs of a short catalogue = %d, %v; want %d", len(slugs), err, 2*slugPageSize)
	}
}

func TestCheckLoopbackDatabase(t *testing.T) {
	t.Parallel()
	loop := fakeResolver{netip.MustParseAddr("127.0.0.1")}
	public := fakeResolver{netip.MustParseAddr("192.0.2.7")}
	tests := []struct {
		url string
		r   resolver
		ok  bool
	}{
		{"postgres://u:secret@127.0.0.1:54321/bench?sslmode=disable", loop, true},
		{"postgres://u@[::1]/bench", loop, true},
		{"postgres://u@localhost/bench", loop, true},
		{"host=/var/run/postgresql user=u dbname=bench", loop, true},
		{"postgres://u@db.example/bench", public, false},
		{"postgres://u@10.0.0.5/bench", loop, false},
		{"postgres://u@127.0.0.1,10.0.0.5/bench", loop, false},
	}
	for _, tt := range tests {
		cfg, err := pgconn.ParseConfig(tt.url)
		if err != nil {
			t.Fatalf("parse %q: %v", tt.url, err)
		}
		err = checkLoopbackDatabase(context.Background(), cfg, tt.r)
		if (err == nil) != tt.ok {
			t.Errorf("checkLoopbackDatabase(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("error %q shows the password", err)
		}
		if err != nil && !errors.Is(err, errNotLoopback) {
			t.Errorf("checkLoopbackDatabase(%q) = %v, want errNotLoopback", tt.url, err)
		}
	}
}

func TestOpenBenchPool_RefusesBeforeConnecting(t *testing.T) {
	t.Parallel()
	_, err := openBenchPool(context.Background(), "postgres://u:secret@192.0.2.7:5432/x", 1)
	if !errors.Is(err, errNotLoopback) {
		t.Errorf("openBenchPool(remote) = %v, want errNotLoopback", err)
	}
	_, err = openBenchPool(context.Background(), "postgres://u:secret@127.0.0.1:5432/x?sslmode=bogus", 1)
	if !errors.As(err, new(usageError)) || strings.Contains(err.Error(), "secret") {
		t.Errorf("openBenchPool(bad url) = %v, want a usage error without the password", err)
	}
}

func TestFormatArgs(t *testing.T) {
	t.Parallel()
	got := formatArgs([]any{"rizen:*", []string{"amd"}, int64(5), 21})
	want := `    args: $1="rizen:*" $2=[amd] $3=5 $4=21`
	if got != want {
		t.Errorf("formatArgs = %q, want %q", got, want)
	}
}
