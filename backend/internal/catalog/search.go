package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"golang.org/x/sync/errgroup"
	"golang.org/x/text/unicode/norm"

	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
)

// Sort orders search results.
type Sort int

// Sort orders. Relevance needs a query; without one it falls back to Newest.
const (
	SortRelevance Sort = iota
	SortPriceAsc
	SortPriceDesc
	SortNewest
	SortRating
)

// Search limits.
const (
	MaxQueryRunes = 200
	maxTerms      = 12
	maxTermRunes  = 40
	// countCap bounds the exact count: past it the total is reported as an
	// estimate, so a broad query never counts the whole catalogue.
	countCap    = 10000
	facetValues = 50
)

// priceEdges are the price bucket boundaries in minor units.
var priceEdges = []int64{5000, 10000, 25000, 50000, 100000, 200000}

// SpecFilter restricts results by one spec key.
type SpecFilter struct {
	Key string
	// Values match case-insensitively, any of them.
	Values []string
	// Min and Max bound numeric specs (inclusive).
	Min, Max *float64
}

// SearchParams is a validated search request.
type SearchParams struct {
	Query string
	// Category, when set, restricts results to it and its subcategories.
	Category      *Category
	Brands        []string
	PriceMin      *int64
	PriceMax      *int64
	InStockOnly   bool
	Specs         []SpecFilter
	Sort          Sort
	PageSize      int
	PageToken     string
	IncludeFacets bool
}

// CategoryCount is a facet entry.
type CategoryCount struct {
	Category *Category
	Count    int
}

// ValueCount is a facet entry for brands and spec values.
type ValueCount struct {
	Value  string
	Number *float64
	Count  int
}

// PriceBucket counts products with Min <= price < Max (Max nil: no top).
type PriceBucket struct {
	Min   int64
	Max   *int64
	Count int
}

// SpecFacet counts the values of one facetable spec key.
type SpecFacet struct {
	Key    SpecKey
	Values []ValueCount
}

// Facets are the counts over the whole result set; each dimension ignores
// its own filter, so a shopper sees what choosing another value would give.
type Facets struct {
	Categories []CategoryCount
	Brands     []ValueCount
	Prices     []PriceBucket
	Specs      []SpecFacet
}

// SearchResult is one page of results.
type SearchResult struct {
	Products       []ProductSummary
	Facets         *Facets
	Total          int
	TotalEstimated bool
	NextPageToken  string
}

// Searcher runs searches against the catalogue.
type Searcher struct {
	pool db.Querier
	aggs *aggCache
}

// NewSearcher returns a Searcher reading from pool.
func NewSearcher(pool db.Querier) *Searcher { return &Searcher{pool: pool} }

// WithAggregateCache makes the searcher keep totals and facets for ttl
// (0 disables it); see aggCache.
func (s *Searcher) WithAggregateCache(clk clock.Clock, ttl time.Duration) *Searcher {
	s.aggs = newAggCache(clk, ttl, 4096)
	return s
}

// NormalizeTerms splits a free-text query into search terms: accents
// removed, lower case, only letters and digits (so nothing a user types can
// reach tsquery syntax), at most 12 terms of 40 characters.
func NormalizeTerms(q string) []string {
	var b strings.Builder
	for _, r := range norm.NFD.String(q) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// combining accent: dropped
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	var terms []string
	for _, f := range strings.Fields(b.String()) {
		if r := []rune(f); len(r) > maxTermRunes {
			f = string(r[:maxTermRunes])
		}
		if !slices.Contains(terms, f) {
			terms = append(terms, f)
		}
		if len(terms) == maxTerms {
			break
		}
	}
	return terms
}

// buildTSQuery turns terms (and their typo corrections) into a tsquery in
// to_tsquery syntax. Every term is required; a misspelt term also matches
// its closest known word; the last term matches as a prefix, for
// search-as-you-type.
func buildTSQuery(terms []string, corrections map[string]string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		suffix := ""
		if i == len(terms)-1 {
			suffix = ":*"
		}
		alts := []string{t + suffix}
		if c, ok := corrections[t]; ok && c != t {
			alts = append(alts, c+suffix)
		}
		if len(alts) == 1 {
			parts[i] = alts[0]
		} else {
			parts[i] = "(" + strings.Join(alts, " | ") + ")"
		}
	}
	return strings.Join(parts, " & ")
}

// corrections finds, for terms that are not known words, the most similar
// known word (pg_trgm similarity above the default 0.3).
func (s *Searcher) corrections(ctx context.Context, terms []string) (map[string]string, error) {
	var candidates []string
	for _, t := range terms {
		if len([]rune(t)) >= 3 && !isNumber(t) {
			candidates = append(candidates, t)
		}
	}
	out := map[string]string{}
	if len(candidates) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `
		SELECT t.term, w.word
		FROM unnest($1::text[]) AS t(term)
		CROSS JOIN LATERAL (
			SELECT word FROM search_words
			WHERE word % t.term
			ORDER BY word = t.term DESC, similarity(word, t.term) DESC, word
			LIMIT 1
		) w`, candidates)
	if err != nil {
		return nil, fmt.Errorf("typo corrections: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var term, word string
		if err := rows.Scan(&term, &word); err != nil {
			return nil, err
		}
		out[term] = word
	}
	return out, rows.Err()
}

func isNumber(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return s != ""
}

// dimension names a filter that facets leave out.
type dimension int

const (
	dimNone dimension = iota
	dimCategory
	dimBrand
	dimPrice
	dimSpec // with specKey
)

// query composes one SQL statement with numbered arguments.
type query struct {
	args  []any
	where []string
}

func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// plan is a search prepared for SQL: the tsquery and the filters.
type plan struct {
	p       SearchParams
	tsquery string // "" when the query has no terms
	catIDs  []string
}

// filters returns the WHERE clauses for the plan, leaving out dimension
// skip (and, for dimSpec, only the spec filter on skipKey).
func (pl *plan) filters(q *query, skip dimension, skipKey string) (tsArg string) {
	q.where = append(q.where, "p.status = 'active'")
	if pl.tsquery != "" {
		tsArg = q.arg(pl.tsquery)
		q.where = append(q.where, "p.search_doc @@ to_tsquery('simple', "+tsArg+")")
	}
	if pl.catIDs != nil && skip != dimCategory {
		q.where = append(q.where, "p.category_id = ANY("+q.arg(pl.catIDs)+"::uuid[])")
	}
	if len(pl.p.Brands) > 0 && skip != dimBrand {
		q.where = append(q.where, "lower(p.brand) = ANY("+q.arg(lowerAll(pl.p.Brands))+"::text[])")
	}
	if skip != dimPrice {
		if pl.p.PriceMin != nil {
			q.where = append(q.where, "p.price_minor >= "+q.arg(*pl.p.PriceMin))
		}
		if pl.p.PriceMax != nil {
			q.where = append(q.where, "p.price_minor <= "+q.arg(*pl.p.PriceMax))
		}
	}
	if pl.p.InStockOnly {
		q.where = append(q.where, "p.stock > 0")
	}
	for _, f := range pl.p.Specs {
		if skip == dimSpec && f.Key == skipKey {
			continue
		}
		cond := "s.product_id = p.id AND s.key = " + q.arg(f.Key)
		if len(f.Values) > 0 {
			cond += " AND s.value_norm = ANY(" + q.arg(lowerAll(f.Values)) + "::text[])"
		}
		if f.Min != nil {
			cond += " AND s.value_num >= " + q.arg(*f.Min)
		}
		if f.Max != nil {
			cond += " AND s.value_num <= " + q.arg(*f.Max)
		}
		q.where = append(q.where, "EXISTS (SELECT 1 FROM product_specs s WHERE "+cond+")")
	}
	return tsArg
}

func (q *query) whereSQL() string { return strings.Join(q.where, "\n  AND ") }

func lowerAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(s)
	}
	return out
}

// cursor is the decoded page token: the sort key of the last row shown.
type cursor struct {
	Version int     `json:"v"`
	Hash    string  `json:"h"`
	Sort    Sort    `json:"s"`
	Rank    float32 `json:"r,omitempty"`
	Price   int64   `json:"p,omitempty"`
	Created int64   `json:"t,omitempty"` // unix microseconds
	Rating  float64 `json:"a,omitempty"`
	Count   int     `json:"c,omitempty"`
	ID      string  `json:"i"`
}

// fingerprint identifies the query a page token belongs to: everything but
// the page position and size.
func (pl *plan) fingerprint() string {
	p := pl.p
	p.PageToken, p.PageSize, p.IncludeFacets = "", 0, false
	catID := ""
	if p.Category != nil {
		catID = p.Category.ID
	}
	p.Category = nil
	// The terms, not the tsquery: typo corrections can change when products
	// are added between two pages, and the token must survive that.
	terms := NormalizeTerms(p.Query)
	p.Query = ""
	b, _ := json.Marshal(struct {
		P     SearchParams
		Cat   string
		Terms []string
	}{p, catID, terms})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(token string) (cursor, error) {
	var c cursor
	if len(token) > 512 {
		return c, ErrBadPageToken
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Version != 1 || len(c.ID) != 36 {
		return c, ErrBadPageToken
	}
	return c, nil
}

// effectiveSort resolves relevance without a query to newest.
func (pl *plan) effectiveSort() Sort {
	if pl.p.Sort == SortRelevance && pl.tsquery == "" {
		return SortNewest
	}
	return pl.p.Sort
}

// orderAndKeyset returns the ORDER BY (columns prefixed with "{p}.", for
// the inner and the outer query) and the keyset condition after c, which
// compares with rankExpr for relevance.
func (pl *plan) orderAndKeyset(q *query, c *cursor, rankExpr string) (order string, keyset string) {
	switch pl.effectiveSort() {
	case SortRelevance:
		order = "rank DESC, {p}.id"
		if c != nil {
			r, id := q.arg(c.Rank), q.arg(c.ID)
			keyset = fmt.Sprintf("(%s < %s::real OR (%s = %s::real AND p.id > %s::uuid))", rankExpr, r, rankExpr, r, id)
		}
	case SortPriceAsc:
		order = "{p}.price_minor, {p}.id"
		if c != nil {
			keyset = fmt.Sprintf("(p.price_minor, p.id) > (%s, %s::uuid)", q.arg(c.Price), q.arg(c.ID))
		}
	case SortPriceDesc:
		order = "{p}.price_minor DESC, {p}.id"
		if c != nil {
			pr, id := q.arg(c.Price), q.arg(c.ID)
			keyset = fmt.Sprintf("(p.price_minor < %s OR (p.price_minor = %s AND p.id > %s::uuid))", pr, pr, id)
		}
	case SortNewest:
		order = "{p}.created_at DESC, {p}.id"
		if c != nil {
			t, id := q.arg(time.UnixMicro(c.Created).UTC()), q.arg(c.ID)
			keyset = fmt.Sprintf("(p.created_at < %s OR (p.created_at = %s AND p.id > %s::uuid))", t, t, id)
		}
	case SortRating:
		order = "{p}.rating_avg DESC, {p}.rating_count DESC, {p}.id"
		if c != nil {
			a, n, id := q.arg(c.Rating), q.arg(c.Count), q.arg(c.ID)
			keyset = fmt.Sprintf("(p.rating_avg < %s::numeric OR (p.rating_avg = %s::numeric AND (p.rating_count < %s OR (p.rating_count = %s AND p.id > %s::uuid))))", a, a, n, n, id)
		}
	}
	return order, keyset
}

// prepare turns p into a plan: the typo corrections of its terms (one
// query when a term may be misspelt), the category subtree and the decoded
// page token.
func (s *Searcher) prepare(ctx context.Context, p SearchParams, tree *Tree) (*plan, *cursor, error) {
	pl := &plan{p: p}
	if terms := NormalizeTerms(p.Query); len(terms) > 0 {
		corr, err := s.corrections(ctx, terms)
		if err != nil {
			return nil, nil, err
		}
		pl.tsquery = buildTSQuery(terms, corr)
	}
	if p.Category != nil {
		pl.catIDs = tree.Subtree(p.Category)
	}
	if p.PageToken == "" {
		return pl, nil, nil
	}
	c, err := decodeCursor(p.PageToken)
	if err != nil {
		return nil, nil, err
	}
	if c.Hash != pl.fingerprint() || c.Sort != pl.effectiveSort() {
		return nil, nil, ErrForeignPageToken
	}
	return pl, &c, nil
}

// Search runs one search.
func (s *Searcher) Search(ctx context.Context, p SearchParams, tree *Tree) (SearchResult, error) {
	pl, cur, err := s.prepare(ctx, p, tree)
	if err != nil {
		return SearchResult{}, err
	}

	var res SearchResult
	key := pl.aggKey()
	cached, hit := s.aggs.get(key)
	needCount := !hit
	needFacets := p.IncludeFacets && (!hit || cached.facets == nil)
	if hit {
		res.Total, res.TotalEstimated = cached.total, cached.estimated
		if p.IncludeFacets {
			res.Facets = cached.facets
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		var err error
		res.Products, res.NextPageToken, err = s.page(gctx, pl, cur)
		return err
	})
	if needCount {
		g.Go(func() error {
			var err error
			res.Total, res.TotalEstimated, err = s.count(gctx, pl)
			return err
		})
	}
	if needFacets {
		g.Go(func() error {
			var err error
			res.Facets, err = s.facets(gctx, pl, tree)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return SearchResult{}, err
	}
	if needCount || needFacets {
		a := aggregates{total: res.Total, estimated: res.TotalEstimated, facets: res.Facets}
		if !needFacets && hit {
			a.facets = cached.facets
		}
		s.aggs.put(key, a)
	}
	return res, nil
}

const summaryColumns = `p.id, p.sku, p.slug, p.name, p.brand, p.category_id, p.price_minor, p.currency, p.stock,
       p.rating_avg::float8, p.rating_count, p.warranty_months, p.created_at`

// SearchSQL returns the page query of a search and its arguments, for
// tools that measure the database alone (pbbench search-sql). It runs the
// typo-correction query, if any, itself; p.PageToken selects a later page
// as in Search.
func (s *Searcher) SearchSQL(ctx context.Context, p SearchParams, tree *Tree) (string, []any, error) {
	pl, cur, err := s.prepare(ctx, p, tree)
	if err != nil {
		return "", nil, err
	}
	sql, args := pl.pageSQL(cur)
	return sql, args, nil
}

// pageSQL picks one page of matches first and joins each product's first
// image afterwards, so the image lookup runs for the page, not the matches.
func (pl *plan) pageSQL(cur *cursor) (string, []any) {
	q := &query{}
	tsArg := pl.filters(q, dimNone, "")
	rank := "0::real"
	if tsArg != "" {
		// ts_rank scores the last term's prefix match like a whole word, so
		// "ryzen 7" would tie "Ryzen 7 7800X3D" with "Ryzen 9 7950X"; the
		// rank of the exact-word query breaks the tie towards whole words.
		exact := q.arg(strings.ReplaceAll(pl.tsquery, ":*", ""))
		rank = "(ts_rank(p.search_doc, to_tsquery('simple', " + tsArg + ")) + ts_rank(p.search_doc, to_tsquery('simple', " + exact + ")))"
	}
	order, keyset := pl.orderAndKeyset(q, cur, rank)
	where := q.whereSQL()
	if keyset != "" {
		where += "\n  AND " + keyset
	}
	limit := q.arg(pl.p.PageSize + 1)
	sql := `SELECT m.*, img.sha256, img.content_type, img.width, img.height
FROM (
  SELECT ` + summaryColumns + `, p.rating_avg AS rating_sort, ` + rank + ` AS rank
  FROM products p
  WHERE ` + where + `
  ORDER BY ` + strings.ReplaceAll(order, "{p}", "p") + `
  LIMIT ` + limit + `
) m
LEFT JOIN LATERAL (
  SELECT i.sha256, i.content_type, i.width, i.height
  FROM product_images pi JOIN images i ON i.sha256 = pi.image_sha
  WHERE pi.product_id = m.id ORDER BY pi.position LIMIT 1
) img ON true
ORDER BY ` + strings.ReplaceAll(strings.ReplaceAll(order, "{p}.rating_avg", "m.rating_sort"), "{p}", "m")
	return sql, q.args
}

func (s *Searcher) page(ctx context.Context, pl *plan, cur *cursor) ([]ProductSummary, string, error) {
	sql, args := pl.pageSQL(cur)
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, "", fmt.Errorf("search page: %w", err)
	}
	defer rows.Close()
	var (
		out   []ProductSummary
		ranks []float32
	)
	for rows.Next() {
		var (
			ps            ProductSummary
			rank          float32
			sha, ctype    *string
			width, height *int
		)
		var ratingSort pgtype.Numeric
		if err := rows.Scan(&ps.ID, &ps.SKU, &ps.Slug, &ps.Name, &ps.Brand, &ps.CategoryID, &ps.PriceMinor, &ps.Currency,
			&ps.Stock, &ps.RatingAvg, &ps.RatingCount, &ps.WarrantyMonths, &ps.CreatedAt, &ratingSort, &rank,
			&sha, &ctype, &width, &height); err != nil {
			return nil, "", err
		}
		if sha != nil {
			ps.Image = &Image{SHA256: *sha, ContentType: *ctype, Width: *width, Height: *height, AltText: ps.Name}
		}
		out = append(out, ps)
		ranks = append(ranks, rank)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("search page: %w", err)
	}
	next := ""
	if len(out) > pl.p.PageSize {
		out = out[:pl.p.PageSize]
		last := out[len(out)-1]
		c := cursor{Version: 1, Hash: pl.fingerprint(), Sort: pl.effectiveSort(), ID: last.ID}
		switch c.Sort {
		case SortRelevance:
			c.Rank = ranks[len(out)-1]
		case SortPriceAsc, SortPriceDesc:
			c.Price = last.PriceMinor
		case SortNewest:
			c.Created = last.CreatedAt.UnixMicro()
		case SortRating:
			c.Rating, c.Count = last.RatingAvg, last.RatingCount
		}
		next = encodeCursor(c)
	}
	return out, next, nil
}

func (s *Searcher) count(ctx context.Context, pl *plan) (int, bool, error) {
	q := &query{}
	pl.filters(q, dimNone, "")
	sql := "SELECT count(*) FROM (SELECT 1 FROM products p WHERE " + q.whereSQL() + " LIMIT " + q.arg(countCap+1) + ") m"
	var n int
	if err := s.pool.QueryRow(ctx, sql, q.args...).Scan(&n); err != nil {
		return 0, false, fmt.Errorf("search count: %w", err)
	}
	if n > countCap {
		return countCap, true, nil
	}
	return n, false, nil
}

func (s *Searcher) facets(ctx context.Context, pl *plan, tree *Tree) (*Facets, error) {
	f := &Facets{}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		q := &query{}
		pl.filters(q, dimNone, "")
		rows, err := s.pool.Query(ctx, "SELECT p.category_id, count(*) FROM products p WHERE "+q.whereSQL()+
			" GROUP BY p.category_id", q.args...)
		if err != nil {
			return fmt.Errorf("category facet: %w", err)
		}
		// Counts are per product category; the facet lists the direct
		// children of the filtered category (the roots without a filter),
		// each counting its whole subtree.
		counts := map[string]int{}
		err = collect(rows, func(r pgx.Rows) error {
			var id string
			var n int
			if err := r.Scan(&id, &n); err != nil {
				return err
			}
			c, ok := tree.ByID(id)
			if !ok {
				return nil
			}
			path, i := tree.Path(c), 0
			if pl.p.Category != nil {
				i = slices.IndexFunc(path, func(a *Category) bool { return a.ID == pl.p.Category.ID }) + 1
			}
			// i is 0 outside the filtered subtree, len(path) in the
			// filtered category itself: neither is in a child.
			if (i > 0 || pl.p.Category == nil) && i < len(path) {
				counts[path[i].ID] += n
			}
			return nil
		})
		if err != nil {
			return err
		}
		children := tree.Roots
		if pl.p.Category != nil {
			children = nil
			if fc, ok := tree.ByID(pl.p.Category.ID); ok {
				children = fc.Children
			}
		}
		for _, c := range children {
			if counts[c.ID] > 0 {
				f.Categories = append(f.Categories, CategoryCount{Category: c, Count: counts[c.ID]})
			}
		}
		sort.SliceStable(f.Categories, func(i, j int) bool { return f.Categories[i].Count > f.Categories[j].Count })
		return nil
	})
	g.Go(func() error {
		q := &query{}
		pl.filters(q, dimBrand, "")
		rows, err := s.pool.Query(ctx, "SELECT p.brand, count(*) FROM products p WHERE "+q.whereSQL()+
			" GROUP BY p.brand ORDER BY count(*) DESC, p.brand LIMIT "+strconv.Itoa(facetValues), q.args...)
		if err != nil {
			return fmt.Errorf("brand facet: %w", err)
		}
		return collect(rows, func(r pgx.Rows) error {
			var v ValueCount
			if err := r.Scan(&v.Value, &v.Count); err != nil {
				return err
			}
			f.Brands = append(f.Brands, v)
			return nil
		})
	})
	g.Go(func() error {
		q := &query{}
		pl.filters(q, dimPrice, "")
		rows, err := s.pool.Query(ctx, "SELECT width_bucket(p.price_minor, "+q.arg(priceEdges)+"::bigint[]) AS b, count(*) FROM products p WHERE "+
			q.whereSQL()+" GROUP BY b ORDER BY b", q.args...)
		if err != nil {
			return fmt.Errorf("price facet: %w", err)
		}
		return collect(rows, func(r pgx.Rows) error {
			var b, n int
			if err := r.Scan(&b, &n); err != nil {
				return err
			}
			pb := PriceBucket{Count: n}
			if b > 0 {
				pb.Min = priceEdges[b-1]
			}
			if b < len(priceEdges) {
				pb.Max = &priceEdges[b]
			}
			f.Prices = append(f.Prices, pb)
			return nil
		})
	})
	if pl.p.Category != nil {
		var keys []SpecKey
		for _, k := range tree.SpecKeys(pl.p.Category) {
			if k.Facetable {
				keys = append(keys, k)
			}
		}
		specs := make([]SpecFacet, len(keys))
		filtered := map[string]bool{}
		for _, sf := range pl.p.Specs {
			filtered[sf.Key] = true
		}
		// Keys without a filter of their own share one query; a filtered
		// key gets one that leaves its own filter out.
		var shared []string
		for _, k := range keys {
			if !filtered[k.Key] {
				shared = append(shared, k.Key)
			}
		}
		record := func(key string, v ValueCount) {
			for i := range keys {
				if keys[i].Key == key {
					specs[i].Values = append(specs[i].Values, v)
				}
			}
		}
		run := func(skip dimension, skipKey string, keyList []string) error {
			q := &query{}
			pl.filters(q, skip, skipKey)
			sql := "SELECT s.key, s.value, s.value_num, count(*) FROM products p JOIN product_specs s ON s.product_id = p.id AND s.key = ANY(" +
				q.arg(keyList) + "::text[]) WHERE " + q.whereSQL() + " GROUP BY s.key, s.value, s.value_num"
			rows, err := s.pool.Query(ctx, sql, q.args...)
			if err != nil {
				return fmt.Errorf("spec facet: %w", err)
			}
			var found []struct {
				key string
				v   ValueCount
			}
			err = collect(rows, func(r pgx.Rows) error {
				var key string
				var v ValueCount
				if err := r.Scan(&key, &v.Value, &v.Number, &v.Count); err != nil {
					return err
				}
				found = append(found, struct {
					key string
					v   ValueCount
				}{key, v})
				return nil
			})
			if err != nil {
				return err
			}
			// Record under a lock-free scheme: each run owns distinct keys.
			for _, fv := range found {
				record(fv.key, fv.v)
			}
			return nil
		}
		for i, k := range keys {
			specs[i].Key = k
		}
		// Spec queries run one after another: they write into specs.
		g.Go(func() error {
			if len(shared) > 0 {
				if err := run(dimNone, "", shared); err != nil {
					return err
				}
			}
			for _, k := range keys {
				if filtered[k.Key] {
					if err := run(dimSpec, k.Key, []string{k.Key}); err != nil {
						return err
					}
				}
			}
			for i := range specs {
				sortFacetValues(specs[i].Key, specs[i].Values)
				if len(specs[i].Values) > facetValues {
					specs[i].Values = specs[i].Values[:facetValues]
				}
			}
			f.Specs = specs
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return f, nil
}

// sortFacetValues puts numbers in ascending order and text by count.
func sortFacetValues(k SpecKey, vs []ValueCount) {
	sort.SliceStable(vs, func(i, j int) bool {
		if k.Numeric && vs[i].Number != nil && vs[j].Number != nil {
			return *vs[i].Number < *vs[j].Number
		}
		if vs[i].Count != vs[j].Count {
			return vs[i].Count > vs[j].Count
		}
		return vs[i].Value < vs[j].Value
	})
}

func collect(rows pgx.Rows, fn func(pgx.Rows) error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
