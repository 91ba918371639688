package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"connectrpc.com/connect"

	"github.com/partsbin/partsbin/backend/internal/catalog"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	catalogv1 "github.com/partsbin/partsbin/gen/partsbin/catalog/v1"
	"github.com/partsbin/partsbin/gen/partsbin/catalog/v1/catalogv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

// The search mix is a fixed list of requests in four kinds; -mix picks one
// kind or all of them.
const (
	mixText    = "text"
	mixFacets  = "facets"
	mixFilters = "filters"
	mixDeep    = "deep"
	mixAll     = "all"
)

// mixKinds are the kinds in the order the mix lists them.
var mixKinds = []string{mixText, mixFacets, mixFilters, mixDeep}

// textQueries are the free-text searches of the mix: typos, prefixes
// (search-as-you-type) and multi-word queries. Two more come from the live
// catalogue's brands.
var textQueries = []string{
	"rizen 7", "geforse rtx", "ryz", "samsung 990 pro 2tb", "rtx 4070", "ddr5 32gb", "nvme 2tb",
	"wireless gaming mouse", "27 144hz", "wifi 7 mesh", "intel core i7", "corsiar", "mechanical keyboard",
	"radeon rx", "4tb nas", "850w modular", "usb c", "gam",
}

// defaultSlugs is how many product slugs the getproduct scenarios collect.
const defaultSlugs = 1000

// slugPageSize is the page size used to collect slugs (the maximum).
const slugPageSize = 100

// maxReportedErrors bounds the failed calls a run describes on stderr; the
// table counts them all.
const maxReportedErrors = 10

// searchMixHelp explains the mix; search and search-sql share it.
const searchMixHelp = `The mix is built at set-up from the live catalogue (the category tree,
then one search with facets for the whole catalogue and one per leaf
category to learn brands, price buckets and spec values) and is the same
for search and search-sql on the same data:
  text     free-text queries: typos ("rizen 7", "geforse rtx"), prefixes
           ("ryz"), multi-word ("samsung 990 pro 2tb"), brand names
  facets   first pages with include_facets: whole catalogue, each root and
           leaf category, leaves with a spec filter, two text queries
  filters  no facets: sorts over the whole catalogue (newest, price, rating),
           in_stock_only, and per leaf brand + price range, two brands,
           a text spec value (socket AM5 style) and a numeric spec range
  deep     pages 5 to 10 of broad queries. The page tokens are fetched
           at set-up; each measured call is ONE request, for the deepest
           page, with its token (keyset paging: the pages before it are
           not re-read and not timed)
A call picks its kind, then a request of that kind, from a hash of the
worker index and the worker's call number, so -mix all weighs the four
kinds equally and every run makes the same sequence of requests. -list
prints the requests (search-sql: with their SQL and arguments).`

// specCase is a spec filter of a mix request.
type specCase struct {
	key      string
	values   []string
	min, max *float64
}

// searchCase is one request of the search mix, described once so the RPC
// and the raw-SQL scenarios run the same searches.
type searchCase struct {
	kind     string
	query    string
	category string // slug; "" for the whole catalogue
	brands   []string
	// priceMin and priceMax are inclusive bounds in minor units of the
	// shop currency.
	priceMin, priceMax *int64
	inStock            bool
	specs              []specCase
	sort               catalog.Sort
	// pageSize 0 is the server default.
	pageSize int
	facets   bool
	// depth is the page a deep request fetches (1 for the others);
	// pageToken is that page's token, fetched at set-up.
	depth     int
	pageToken string
}

// sortNames name the sort orders in descriptions.
var sortNames = map[catalog.Sort]string{
	catalog.SortRelevance: "relevance",
	catalog.SortPriceAsc:  "price_asc",
	catalog.SortPriceDesc: "price_desc",
	catalog.SortNewest:    "newest",
	catalog.SortRating:    "rating",
}

// sortProtos map the sort orders to the API's.
var sortProtos = map[catalog.Sort]catalogv1.ProductSortOrder{
	catalog.SortRelevance: catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RELEVANCE,
	catalog.SortPriceAsc:  catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC,
	catalog.SortPriceDesc: catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_DESC,
	catalog.SortNewest:    catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_NEWEST,
	catalog.SortRating:    catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RATING,
}

// describe renders c on one line, for -list and error reports.
func (c searchCase) describe() string {
	var parts []string
	parts = append(parts, c.kind+":")
	if c.query != "" {
		parts = append(parts, fmt.Sprintf("query=%q", c.query))
	}
	if c.category != "" {
		parts = append(parts, "category="+c.category)
	}
	if len(c.brands) > 0 {
		parts = append(parts, fmt.Sprintf("brands=%q", c.brands))
	}
	if c.priceMin != nil || c.priceMax != nil {
		parts = append(parts, "price=["+optInt(c.priceMin)+","+optInt(c.priceMax)+"]")
	}
	if c.inStock {
		parts = append(parts, "in_stock_only")
	}
	for _, s := range c.specs {
		p := "spec." + s.key
		if len(s.values) > 0 {
			p += fmt.Sprintf("=%q", s.values)
		}
		if s.min != nil || s.max != nil {
			p += "=[" + optFloat(s.min) + "," + optFloat(s.max) + "]"
		}
		parts = append(parts, p)
	}
	parts = append(parts, "sort="+sortNames[c.sort])
	if c.pageSize != 0 {
		parts = append(parts, fmt.Sprintf("page_size=%d", c.pageSize))
	}
	if c.facets {
		parts = append(parts, "facets")
	}
	if c.depth > 1 {
		parts = append(parts, fmt.Sprintf("page=%d", c.depth))
	}
	return strings.Join(parts, " ")
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

func optFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprint(*p)
}

// request is c as a SearchProductsRequest; prices are in currency.
func (c searchCase) request(currency string) *catalogv1.SearchProductsRequest {
	req := &catalogv1.SearchProductsRequest{
		Query:         c.query,
		Brands:        c.brands,
		InStockOnly:   c.inStock,
		OrderBy:       sortProtos[c.sort],
		PageSize:      int32(c.pageSize),
		PageToken:     c.pageToken,
		IncludeFacets: c.facets,
	}
	if c.category != "" {
		req.Category = &catalogv1.SearchProductsRequest_CategorySlug{CategorySlug: c.category}
	}
	if c.priceMin != nil {
		req.PriceMin = &commonv1.Money{AmountMinor: *c.priceMin, Currency: currency}
	}
	if c.priceMax != nil {
		req.PriceMax = &commonv1.Money{AmountMinor: *c.priceMax, Currency: currency}
	}
	for _, s := range c.specs {
		req.SpecFilters = append(req.SpecFilters, &catalogv1.SpecFilter{Key: s.key, Values: s.values, MinValue: s.min, MaxValue: s.max})
	}
	return req
}

// params is c as the catalog.SearchParams the server's handler makes of
// c.request(): the category resolved by bySlug (a Tree's BySlug), the page
// size defaulted and capped.
func (c searchCase) params(bySlug func(string) (*catalog.Category, bool)) (catalog.SearchParams, error) {
	p := catalog.SearchParams{
		Query:         strings.TrimSpace(c.query),
		Brands:        c.brands,
		PriceMin:      c.priceMin,
		PriceMax:      c.priceMax,
		InStockOnly:   c.inStock,
		Sort:          c.sort,
		PageSize:      c.pageSize,
		PageToken:     c.pageToken,
		IncludeFacets: c.facets,
	}
	switch {
	case p.PageSize == 0:
		p.PageSize = rpc.DefaultPageSize
	case p.PageSize > rpc.MaxPageSize:
		p.PageSize = rpc.MaxPageSize
	}
	if c.category != "" {
		cat, ok := bySlug(c.category)
		if !ok {
			return catalog.SearchParams{}, fmt.Errorf("category %q: %w", c.category, catalog.ErrCategoryNotFound)
		}
		p.Category = cat
	}
	for _, s := range c.specs {
		p.Specs = append(p.Specs, catalog.SpecFilter{Key: s.key, Values: s.values, Min: s.min, Max: s.max})
	}
	return p, nil
}

// categoryInfo is a category of the live catalogue.
type categoryInfo struct {
	slug     string
	products int
}

// priceBucket is a price facet entry: min <= price < max (max nil: no top).
type priceBucket struct {
	min   int64
	max   *int64
	count int
}

// facetValue is a spec facet entry.
type facetValue struct {
	value  string
	number *float64
	count  int
}

// specFacet is the facet of one spec key: text values by count descending,
// numbers ascending (as the server orders them).
type specFacet struct {
	key     string
	numeric bool
	values  []facetValue
}

// facetInfo is what a search with facets tells about its results.
type facetInfo struct {
	brands []string // by count, descending
	prices []priceBucket
	specs  []specFacet
}

// leafInfo is a leaf category with the facets of its products.
type leafInfo struct {
	categoryInfo
	facetInfo
}

// catalogInfo is what the mix is built from.
type catalogInfo struct {
	roots  []categoryInfo // in tree order
	leaves []leafInfo     // categories without children, in tree order
	brands []string       // whole catalogue, by count
}

// buildMix makes the request list of every kind from info. It is a pure
// function of info, so the same catalogue gives the same mix.
func buildMix(info catalogInfo) map[string][]searchCase {
	mix := map[string][]searchCase{}
	add := func(c searchCase) {
		if c.depth == 0 {
			c.depth = 1
		}
		mix[c.kind] = append(mix[c.kind], c)
	}

	// Free text, relevance order.
	for _, q := range textQueries {
		add(searchCase{kind: mixText, query: q})
	}
	if len(info.brands) > 0 {
		add(searchCase{kind: mixText, query: strings.ToLower(info.brands[0])})
	}
	if len(info.brands) > 1 {
		add(searchCase{kind: mixText, query: firstRunes(strings.ToLower(info.brands[1]), 3)})
	}

	// First pages with facets.
	add(searchCase{kind: mixFacets, facets: true})
	for _, r := range info.roots {
		add(searchCase{kind: mixFacets, category: r.slug, facets: true})
	}
	for _, l := range info.leaves {
		add(searchCase{kind: mixFacets, category: l.slug, facets: true})
		if s, ok := firstSpec(l.specs, false); ok {
			vals := []string{s.values[0].value}
			if len(s.values) > 1 {
				vals = append(vals, s.values[1].value)
			}
			add(searchCase{kind: mixFacets, category: l.slug, specs: []specCase{{key: s.key, values: vals}}, facets: true})
		}
	}
	add(searchCase{kind: mixFacets, query: "samsung 990 pro 2tb", facets: true})
	if len(info.brands) > 0 {
		add(searchCase{kind: mixFacets, query: strings.ToLower(info.brands[0]), facets: true})
	}

	// Filters and sorts, no facets.
	for _, s := range []catalog.Sort{catalog.SortNewest, catalog.SortPriceAsc, catalog.SortPriceDesc, catalog.SortRating} {
		add(searchCase{kind: mixFilters, sort: s})
	}
	add(searchCase{kind: mixFilters, inStock: true, sort: catalog.SortPriceAsc})
	for _, r := range info.roots {
		add(searchCase{kind: mixFilters, category: r.slug, inStock: true, sort: catalog.SortRating})
	}
	for _, l := range info.leaves {
		if b, ok := busiestBucket(l.prices); ok && len(l.brands) > 0 {
			lo, hi := b.min, *b.max-1
			add(searchCase{kind: mixFilters, category: l.slug, brands: l.brands[:1], priceMin: &lo, priceMax: &hi, sort: catalog.SortPriceAsc})
		}
		if len(l.brands) > 1 {
			add(searchCase{kind: mixFilters, category: l.slug, brands: l.brands[:2], sort: catalog.SortRating})
		}
		if s, ok := firstSpec(l.specs, false); ok {
			add(searchCase{kind: mixFilters, category: l.slug, specs: []specCase{{key: s.key, values: []string{s.values[0].value}}}, sort: catalog.SortPriceAsc})
		}
		if s, ok := firstSpec(l.specs, true); ok {
			if m, ok := weightedMedian(s.values); ok {
				add(searchCase{kind: mixFilters, category: l.slug, specs: []specCase{{key: s.key, min: &m}}, inStock: true, sort: catalog.SortPriceDesc})
			}
		}
	}
	if len(info.brands) > 0 {
		hi := int64(50000)
		add(searchCase{kind: mixFilters, query: strings.ToLower(info.brands[0]), priceMax: &hi, inStock: true, sort: catalog.SortPriceAsc})
	}

	// Deep pages of broad queries.
	add(searchCase{kind: mixDeep, sort: catalog.SortNewest, depth: 10})
	add(searchCase{kind: mixDeep, sort: catalog.SortPriceAsc, depth: 8})
	add(searchCase{kind: mixDeep, sort: catalog.SortPriceDesc, pageSize: rpc.MaxPageSize, depth: 5})
	if len(info.roots) > 0 {
		add(searchCase{kind: mixDeep, category: info.roots[0].slug, sort: catalog.SortPriceDesc, depth: 6})
	}
	if big, ok := largestLeaf(info.leaves); ok {
		add(searchCase{kind: mixDeep, category: big.slug, inStock: true, sort: catalog.SortRating, depth: 7})
	}
	if len(info.brands) > 0 {
		add(searchCase{kind: mixDeep, query: strings.ToLower(info.brands[0]), depth: 5})
	}
	return mix
}

// firstRunes returns the first n runes of s.
func firstRunes(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}

// firstSpec returns the first facet of the wanted type with values.
func firstSpec(specs []specFacet, numeric bool) (specFacet, bool) {
	for _, s := range specs {
		if s.numeric == numeric && len(s.values) > 0 && (!numeric || hasNumbers(s.values)) {
			return s, true
		}
	}
	return specFacet{}, false
}

func hasNumbers(vs []facetValue) bool {
	for _, v := range vs {
		if v.number != nil {
			return true
		}
	}
	return false
}

// busiestBucket is the bounded price bucket with the most products (the
// cheapest of equals).
func busiestBucket(bs []priceBucket) (priceBucket, bool) {
	var best priceBucket
	found := false
	for _, b := range bs {
		if b.max == nil || b.count == 0 {
			continue
		}
		if !found || b.count > best.count || b.count == best.count && b.min < best.min {
			best, found = b, true
		}
	}
	return best, found
}

// weightedMedian is the numeric value below which at least half of the
// products lie, weighting each value by its count.
func weightedMedian(vs []facetValue) (float64, bool) {
	var nums []facetValue
	total := 0
	for _, v := range vs {
		if v.number != nil && v.count > 0 {
			nums = append(nums, v)
			total += v.count
		}
	}
	if total == 0 {
		return 0, false
	}
	slices.SortStableFunc(nums, func(a, b facetValue) int { return cmp.Compare(*a.number, *b.number) })
	seen := 0
	for _, v := range nums {
		seen += v.count
		if 2*seen >= total {
			return *v.number, true
		}
	}
	return *nums[len(nums)-1].number, true
}

// largestLeaf is the leaf with the most products (the first of equals).
func largestLeaf(ls []leafInfo) (leafInfo, bool) {
	if len(ls) == 0 {
		return leafInfo{}, false
	}
	best := ls[0]
	for _, l := range ls[1:] {
		if l.products > best.products {
			best = l
		}
	}
	return best, true
}

// selectMix returns the kinds -mix asks for, in order, with their requests;
// kinds without requests are left out.
func selectMix(mix map[string][]searchCase, which string) ([][]searchCase, error) {
	if err := checkMix(which); err != nil {
		return nil, err
	}
	kinds := mixKinds
	if which != mixAll {
		kinds = []string{which}
	}
	var out [][]searchCase
	for _, k := range kinds {
		if len(mix[k]) > 0 {
			out = append(out, slices.Clone(mix[k]))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the catalogue gives no %s requests (is it seeded?)", which)
	}
	return out, nil
}

// checkMix validates -mix.
func checkMix(which string) error {
	if which == mixAll || slices.Contains(mixKinds, which) {
		return nil
	}
	return usageError{fmt.Sprintf("-mix must be %s or %s, got %q", mixAll, strings.Join(mixKinds, ", "), which)}
}

// mixSummary renders the size of each kind, for stderr.
func mixSummary(groups [][]searchCase) string {
	parts := make([]string, len(groups))
	n := 0
	for i, g := range groups {
		parts[i] = fmt.Sprintf("%s %d", g[0].kind, len(g))
		n += len(g)
	}
	return fmt.Sprintf("%d requests (%s)", n, strings.Join(parts, ", "))
}

// mix64 is the splitmix64 finaliser: a cheap, well-spread hash.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// pick chooses the request of call number call of worker: first a group
// (kind), uniformly, then a request within it, uniformly. The same worker
// and call always get the same request.
func pick(worker int, call uint64, sizes []int) (group, index int) {
	h := mix64(mix64(uint64(worker)+0x9e3779b97f4a7c15) ^ call)
	group = int(h % uint64(len(sizes)))
	index = int((h / uint64(len(sizes))) % uint64(sizes[group]))
	return group, index
}

// callCounters number each worker's calls. A worker only touches its own
// counter, so counting needs no atomics; the padding keeps two workers'
// counters off the same cache line.
type callCounters []struct {
	n uint64
	_ [56]byte
}

// next returns worker's next call number, from 0.
func (c callCounters) next(worker int) uint64 {
	n := c[worker].n
	c[worker].n++
	return n
}

// errorLog describes the first failed calls of a run on stderr, with the
// request that failed; later failures are only counted in the table.
type errorLog struct {
	name string
	n    atomic.Int32
	mu   sync.Mutex
	w    io.Writer
}

// report logs err for the request described by what, unless the run is
// over (cut-off calls are not failures) or enough errors were logged.
func (l *errorLog) report(ctx context.Context, what string, err error) {
	if ctx.Err() != nil || l.n.Add(1) > maxReportedErrors {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "pbbench %s: %s failed: %v\n", l.name, what, err)
}

// catalogSource is where a scenario learns the catalogue at set-up: the
// server's RPCs, or the domain service for the direct scenarios.
type catalogSource interface {
	// categories returns the root and leaf categories in tree order.
	categories(ctx context.Context) (roots, leaves []categoryInfo, err error)
	// facets runs a one-product search with facets, within category
	// (a slug) or over the whole catalogue ("").
	facets(ctx context.Context, category string) (facetInfo, error)
	// page runs c with page token token and returns the slugs of the
	// page and the next page's token.
	page(ctx context.Context, c searchCase, token string) (slugs []string, next string, err error)
}

// gatherInfo learns the catalogue from src: the tree, then one facet search
// for the whole catalogue and one per leaf.
func gatherInfo(ctx context.Context, src catalogSource) (catalogInfo, error) {
	roots, leaves, err := src.categories(ctx)
	if err != nil {
		return catalogInfo{}, fmt.Errorf("list categories: %w", err)
	}
	all, err := src.facets(ctx, "")
	if err != nil {
		return catalogInfo{}, fmt.Errorf("search with facets: %w", err)
	}
	info := catalogInfo{roots: roots, brands: all.brands}
	for _, l := range leaves {
		if l.products == 0 {
			continue
		}
		f, err := src.facets(ctx, l.slug)
		if err != nil {
			return catalogInfo{}, fmt.Errorf("search %s with facets: %w", l.slug, err)
		}
		info.leaves = append(info.leaves, leafInfo{categoryInfo: l, facetInfo: f})
	}
	if len(info.brands) == 0 {
		return catalogInfo{}, errors.New("the catalogue has no active products: seed it first (partsbin seed)")
	}
	return info, nil
}

// resolveDeep fetches, for each deep request, the token of the page it
// asks for by following the pages before it. A result with fewer pages
// is measured at its last page, with a warning.
// loadMix learns the catalogue from src, builds the request mix, keeps the
// kinds `which` selects and fetches the deep-page tokens.
func loadMix(ctx context.Context, src catalogSource, which, name string, stderr io.Writer) ([][]searchCase, error) {
	info, err := gatherInfo(ctx, src)
	if err != nil {
		return nil, err
	}
	groups, err := selectMix(buildMix(info), which)
	if err != nil {
		return nil, err
	}
	if err := resolveDeep(ctx, src, groups, name, stderr); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "pbbench %s: mix %s: %s\n", name, which, mixSummary(groups))
	return groups, nil
}

func resolveDeep(ctx context.Context, src catalogSource, groups [][]searchCase, name string, stderr io.Writer) error {
	for _, g := range groups {
		for i := range g {
			c := &g[i]
			token := ""
			for page := 1; page < c.depth; page++ {
				_, next, err := src.page(ctx, *c, token)
				if err != nil {
					return fmt.Errorf("%s (page %d): %w", c.describe(), page, err)
				}
				if next == "" {
					fmt.Fprintf(stderr, "pbbench %s: warning: %s has only %d pages; measuring page %d\n", name, c.describe(), page, page)
					c.depth = page
					break
				}
				token = next
			}
			c.pageToken = token
		}
	}
	return nil
}

// collectSlugs pages a search of every active product, newest first, until
// it has n slugs or the catalogue ends.
func collectSlugs(ctx context.Context, src catalogSource, n int) ([]string, error) {
	c := searchCase{kind: "slugs", sort: catalog.SortNewest, pageSize: slugPageSize}
	var slugs []string
	token := ""
	for len(slugs) < n {
		page, next, err := src.page(ctx, c, token)
		if err != nil {
			return nil, fmt.Errorf("collect slugs: %w", err)
		}
		slugs = append(slugs, page...)
		if next == "" {
			break
		}
		token = next
	}
	if len(slugs) == 0 {
		return nil, errors.New("the catalogue has no active products: seed it first (partsbin seed)")
	}
	return slugs[:min(n, len(slugs))], nil
}

// rpcSource learns the catalogue through CatalogService.
type rpcSource struct {
	client catalogv1connect.CatalogServiceClient
	// currency is the shop currency, learned from the first product.
	currency string
}

func (s *rpcSource) categories(ctx context.Context) (roots, leaves []categoryInfo, err error) {
	res, err := s.client.ListCategories(ctx, &catalogv1.ListCategoriesRequest{})
	if err != nil {
		return nil, nil, err
	}
	var walk func(c *catalogv1.Category)
	walk = func(c *catalogv1.Category) {
		if len(c.GetChildren()) == 0 {
			leaves = append(leaves, categoryInfo{slug: c.GetSlug(), products: int(c.GetProductCount())})
		}
		for _, ch := range c.GetChildren() {
			walk(ch)
		}
	}
	for _, r := range res.GetCategories() {
		roots = append(roots, categoryInfo{slug: r.GetSlug(), products: int(r.GetProductCount())})
		walk(r)
	}
	return roots, leaves, nil
}

func (s *rpcSource) facets(ctx context.Context, category string) (facetInfo, error) {
	c := searchCase{category: category, pageSize: 1, facets: true}
	res, err := s.client.SearchProducts(ctx, c.request(s.currency))
	if err != nil {
		return facetInfo{}, err
	}
	if s.currency == "" && len(res.GetProducts()) > 0 {
		s.currency = res.GetProducts()[0].GetPrice().GetCurrency()
	}
	var f facetInfo
	for _, b := range res.GetFacets().GetBrands() {
		f.brands = append(f.brands, b.GetBrand())
	}
	for _, b := range res.GetFacets().GetPriceBuckets() {
		pb := priceBucket{min: b.GetMin().GetAmountMinor(), count: int(b.GetCount())}
		if b.GetMax() != nil {
			m := b.GetMax().GetAmountMinor()
			pb.max = &m
		}
		f.prices = append(f.prices, pb)
	}
	for _, sf := range res.GetFacets().GetSpecs() {
		spec := specFacet{key: sf.GetKey(), numeric: sf.GetValueType() == catalogv1.SpecValueType_SPEC_VALUE_TYPE_NUMBER}
		for _, v := range sf.GetValues() {
			spec.values = append(spec.values, facetValue{value: v.GetValue(), number: v.NumberValue, count: int(v.GetCount())})
		}
		f.specs = append(f.specs, spec)
	}
	return f, nil
}

func (s *rpcSource) page(ctx context.Context, c searchCase, token string) ([]string, string, error) {
	c.pageToken = token
	res, err := s.client.SearchProducts(ctx, c.request(s.currency))
	if err != nil {
		return nil, "", err
	}
	slugs := make([]string, len(res.GetProducts()))
	for i, p := range res.GetProducts() {
		slugs[i] = p.GetSlug()
	}
	return slugs, res.GetNextPageToken(), nil
}

// searchFlags registers the flags search and search-sql share.
func searchFlags(fs *flag.FlagSet) (mix *string, list *bool) {
	mix = fs.String("mix", mixAll, "requests to make: all, text, facets, filters or deep")
	list = fs.Bool("list", false, "print the requests of the mix to stderr before the run")
	return mix, list
}

// searchScenario runs the search mix through CatalogService.SearchProducts.
func searchScenario() scenario {
	return scenario{
		name:    "search",
		summary: "CatalogService.SearchProducts over a fixed mix of searches (-mix)",
		help: `Each call is one SearchProducts RPC. Server side a search runs up to
three things in parallel on its pool: the page query, a capped count query
and, with include_facets, the category, brand and price facet queries plus
the spec facet queries (one for unfiltered keys, one per filtered key), all
after a typo-correction query when the text has a word of 3 or more
letters. Compare with search-sql, which runs the same page queries alone.

` + searchMixHelp,
		server: true,
		flags: func(fs *flag.FlagSet) prepareFunc {
			mix, list := searchFlags(fs)
			return func(ctx context.Context, o options, stderr io.Writer) (workload, error) {
				return prepareSearch(ctx, o, *mix, *list, stderr)
			}
		},
	}
}

// prepareSearch learns the catalogue, builds the mix and returns a
// SearchProducts workload.
func prepareSearch(ctx context.Context, o options, which string, list bool, stderr io.Writer) (workload, error) {
	if err := checkMix(which); err != nil {
		return workload{}, err
	}
	t, err := newTarget(ctx, o)
	if err != nil {
		return workload{}, err
	}
	client := catalogv1connect.NewCatalogServiceClient(t.httpClient, t.baseURL, t.options...)
	src := &rpcSource{client: client}
	groups, err := loadMix(ctx, src, which, "search", stderr)
	if err != nil {
		return workload{}, err
	}
	sizes := make([]int, len(groups))
	reqs := make([][]*catalogv1.SearchProductsRequest, len(groups))
	for i, g := range groups {
		sizes[i] = len(g)
		for _, c := range g {
			if list {
				fmt.Fprintf(stderr, "  %s\n", c.describe())
			}
			reqs[i] = append(reqs[i], c.request(src.currency))
		}
	}
	counters := make(callCounters, o.concurrency)
	elog := &errorLog{name: "search", w: stderr}
	call := func(ctx context.Context, worker int) error {
		g, i := pick(worker, counters.next(worker), sizes)
		_, err := client.SearchProducts(ctx, reqs[g][i])
		if err != nil {
			elog.report(ctx, groups[g][i].describe(), err)
		}
		return err
	}
	return workload{call: call, protocol: o.protocol, notes: []string{
		"search: one SearchProducts RPC per call (server: typo corrections, page, count and, with facets, facet queries)",
	}}, nil
}

// getProductScenario measures CatalogService.GetProduct by slug.
func getProductScenario() scenario {
	return scenario{
		name:    "getproduct",
		summary: "CatalogService.GetProduct by slug over -slugs active products",
		help: `Collects -slugs product slugs at set-up (a search of every active product,
newest first, 100 a page); each call asks for one of them, picked from a
hash of the worker index and the worker's call number. Server side a call
is three queries: the product, its specs, its images.`,
		server: true,
		flags: func(fs *flag.FlagSet) prepareFunc {
			n := fs.Int("slugs", defaultSlugs, "number of product slugs to spread the calls over")
			return func(ctx context.Context, o options, stderr io.Writer) (workload, error) {
				return prepareGetProduct(ctx, o, *n, stderr)
			}
		},
	}
}

// prepareGetProduct collects the slugs and returns a GetProduct workload.
func prepareGetProduct(ctx context.Context, o options, n int, stderr io.Writer) (workload, error) {
	if n < 1 {
		return workload{}, usageError{fmt.Sprintf("-slugs must be at least 1, got %d", n)}
	}
	t, err := newTarget(ctx, o)
	if err != nil {
		return workload{}, err
	}
	client := catalogv1connect.NewCatalogServiceClient(t.httpClient, t.baseURL, t.options...)
	slugs, err := collectSlugs(ctx, &rpcSource{client: client}, n)
	if err != nil {
		return workload{}, err
	}
	fmt.Fprintf(stderr, "pbbench getproduct: %d slugs\n", len(slugs))
	reqs := make([]*catalogv1.GetProductRequest, len(slugs))
	for i, s := range slugs {
		reqs[i] = &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Slug{Slug: s}}
	}
	sizes := []int{len(slugs)}
	counters := make(callCounters, o.concurrency)
	elog := &errorLog{name: "getproduct", w: stderr}
	call := func(ctx context.Context, worker int) error {
		_, i := pick(worker, counters.next(worker), sizes)
		res, err := client.GetProduct(ctx, reqs[i])
		if err == nil && res.GetProduct().GetSlug() != slugs[i] {
			err = connect.NewError(connect.CodeInternal, fmt.Errorf("asked for %s, got %q", slugs[i], res.GetProduct().GetSlug()))
		}
		if err != nil {
			elog.report(ctx, "GetProduct slug="+slugs[i], err)
		}
		return err
	}
	return workload{call: call, protocol: o.protocol}, nil
}
