package catalog

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/platform/kv"
)

//go:embed queries.sql
var queriesSQL string

var qs = db.MustParseQueries("catalog/queries.sql", queriesSQL)

// Service reads the catalogue.
type Service struct {
	pool      *pgxpool.Pool
	trees     *Trees
	searcher  *Searcher
	products  *productCache
	currency  string
	reviewing *Reviewing
	clock     clock.Clock
}

// Options tune the catalogue's caches.
type Options struct {
	// Currency is the shop currency every price is in.
	Currency string
	// SearchCacheTTL is how long search totals and facets are reused (0: never).
	SearchCacheTTL time.Duration
	// ProductCacheTTL bounds how long a product page is kept in this
	// instance (0: no cache); announced changes drop it at once.
	ProductCacheTTL time.Duration
}

// NewService returns a catalogue reader.
func NewService(pool *pgxpool.Pool, clk clock.Clock, o Options) *Service {
	return &Service{
		pool: pool, trees: NewTrees(pool, clk, 10*time.Second),
		searcher: NewSearcher(pool).WithAggregateCache(clk, o.SearchCacheTTL),
		products: newProductCache(clk, o.ProductCacheTTL, 20000),
		currency: o.Currency,
		clock:    clk,
	}
}

// Run keeps the product cache's invalidation subscription until ctx ends.
func (s *Service) Run(ctx context.Context, rdb *kv.Client, log *slog.Logger) {
	s.products.run(ctx, rdb, log)
}

// Currency is the shop currency.
func (s *Service) Currency() string { return s.currency }

// Tree returns the (briefly cached) category tree.
func (s *Service) Tree(ctx context.Context) (*Tree, error) { return s.trees.Get(ctx) }

// Trees exposes the tree cache so writers can invalidate it.
func (s *Service) Trees() *Trees { return s.trees }

// Search runs a product search.
func (s *Service) Search(ctx context.Context, p SearchParams) (SearchResult, error) {
	tree, err := s.trees.Get(ctx)
	if err != nil {
		return SearchResult{}, err
	}
	var res SearchResult
	err = db.Retry(ctx, func(ctx context.Context) error {
		var err error
		res, err = s.searcher.Search(ctx, p, tree)
		return err
	})
	return res, err
}

// Searcher exposes the search engine (for benchmarks of the raw SQL).
func (s *Service) Searcher() *Searcher { return s.searcher }

// ProductLookup finds a product by id or slug.
type ProductLookup struct {
	ID   string
	Slug string
}

// Product returns a product page. Drafts are not found; archived products
// are (old links keep working).
func (s *Service) Product(ctx context.Context, l ProductLookup) (Product, error) {
	tree, err := s.trees.Get(ctx)
	if err != nil {
		return Product{}, err
	}
	if p, ok := s.products.get(l); ok {
		return p, nil
	}
	var p Product
	err = db.Retry(ctx, func(ctx context.Context) error {
		var err error
		p, err = loadProduct(ctx, s.pool, l, tree)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) || err == nil && p.Status == StatusDraft {
		return Product{}, ErrNotFound
	}
	if err != nil {
		return Product{}, fmt.Errorf("load product: %w", err)
	}
	s.products.put(p)
	return p, nil
}

func loadProduct(ctx context.Context, q db.Querier, l ProductLookup, tree *Tree) (Product, error) {
	var row pgx.Row
	if l.ID != "" {
		row = q.QueryRow(ctx, qs.SQL("ProductByID"), l.ID)
	} else {
		row = q.QueryRow(ctx, qs.SQL("ProductBySlug"), l.Slug)
	}
	var p Product
	var status string
	if err := row.Scan(&p.ID, &p.SKU, &p.Slug, &p.Name, &p.Brand, &p.CategoryID, &p.PriceMinor, &p.Currency, &p.Stock,
		&p.RatingAvg, &p.RatingCount, &p.WarrantyMonths, &p.CreatedAt, &p.Description, &p.WeightGrams, &status,
		&p.Version, &p.UpdatedAt); err != nil {
		return Product{}, err
	}
	p.Status = Status(status)
	defs := map[string]SpecKey{}
	if c, ok := tree.ByID(p.CategoryID); ok {
		for _, k := range tree.SpecKeys(c) {
			defs[k.Key] = k
		}
	}
	rows, err := q.Query(ctx, qs.SQL("ProductSpecs"), p.ID)
	if err != nil {
		return Product{}, err
	}
	err = collect(rows, func(r pgx.Rows) error {
		var sp Spec
		if err := r.Scan(&sp.Key, &sp.Value, &sp.Number, &sp.Unit); err != nil {
			return err
		}
		sp.DisplayName = sp.Key
		if d, ok := defs[sp.Key]; ok {
			sp.DisplayName, sp.Numeric = d.DisplayName, d.Numeric
			if sp.Unit == "" {
				sp.Unit = d.Unit
			}
		}
		p.Specs = append(p.Specs, sp)
		return nil
	})
	if err != nil {
		return Product{}, err
	}
	// Specs in the order the category declares them, unknown keys last.
	order := map[string]int{}
	if c, ok := tree.ByID(p.CategoryID); ok {
		for i, k := range tree.SpecKeys(c) {
			order[k.Key] = i + 1
		}
	}
	sortSpecs(p.Specs, order)

	rows, err = q.Query(ctx, qs.SQL("ProductImages"), p.ID)
	if err != nil {
		return Product{}, err
	}
	err = collect(rows, func(r pgx.Rows) error {
		var im Image
		if err := r.Scan(&im.SHA256, &im.ContentType, &im.Width, &im.Height, &im.AltText, &im.Position); err != nil {
			return err
		}
		p.Images = append(p.Images, im)
		return nil
	})
	if err != nil {
		return Product{}, err
	}
	if len(p.Images) > 0 {
		p.Image = &p.Images[0]
	}
	return p, nil
}

func sortSpecs(specs []Spec, order map[string]int) {
	rank := func(k string) int {
		if r, ok := order[k]; ok {
			return r
		}
		return 1 << 20
	}
	for i := 1; i < len(specs); i++ {
		for j := i; j > 0 && (rank(specs[j].Key) < rank(specs[j-1].Key) ||
			rank(specs[j].Key) == rank(specs[j-1].Key) && specs[j].Key < specs[j-1].Key); j-- {
			specs[j], specs[j-1] = specs[j-1], specs[j]
		}
	}
}

// ReviewPage is one page of a product's reviews.
type ReviewPage struct {
	Reviews       []Review
	NextPageToken string
	Total         int
	RatingAvg     float64
}

type reviewCursor struct {
	Created int64  `json:"t"`
	ID      string `json:"i"`
	Product string `json:"p"`
}

// Reviews returns a page of a product's reviews, newest first.
func (s *Service) Reviews(ctx context.Context, productID string, pageSize int, pageToken string) (ReviewPage, error) {
	var cur *reviewCursor
	if pageToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(pageToken)
		var c reviewCursor
		if err != nil || len(pageToken) > 256 || json.Unmarshal(b, &c) != nil || len(c.ID) != 36 {
			return ReviewPage{}, ErrBadPageToken
		}
		if c.Product != productID {
			return ReviewPage{}, ErrForeignPageToken
		}
		cur = &c
	}
	var page ReviewPage
	err := db.Retry(ctx, func(ctx context.Context) error {
		page = ReviewPage{}
		var status string
		if err := s.pool.QueryRow(ctx, qs.SQL("ProductStatusRating"), productID).Scan(&status, &page.RatingAvg, &page.Total); err != nil {
			return err
		}
		if Status(status) == StatusDraft {
			return pgx.ErrNoRows
		}
		var after, afterID any
		if cur != nil {
			after, afterID = time.UnixMicro(cur.Created).UTC(), cur.ID
		}
		rows, err := s.pool.Query(ctx, qs.SQL("ReviewsPage"), productID, after, afterID, pageSize+1)
		if err != nil {
			return err
		}
		return collect(rows, func(r pgx.Rows) error {
			var rv Review
			var fullName string
			if err := r.Scan(&rv.ID, &rv.ProductID, &fullName, &rv.Rating, &rv.Title, &rv.Body, &rv.CreatedAt); err != nil {
				return err
			}
			rv.AuthorName = publicName(fullName)
			page.Reviews = append(page.Reviews, rv)
			return nil
		})
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return ReviewPage{}, ErrNotFound
	}
	if err != nil {
		return ReviewPage{}, fmt.Errorf("list reviews: %w", err)
	}
	if len(page.Reviews) > pageSize {
		page.Reviews = page.Reviews[:pageSize]
		last := page.Reviews[len(page.Reviews)-1]
		b, _ := json.Marshal(reviewCursor{Created: last.CreatedAt.UnixMicro(), ID: last.ID, Product: productID})
		page.NextPageToken = base64.RawURLEncoding.EncodeToString(b)
	}
	return page, nil
}

// publicName shows a reviewer as "Ann E.": first name and the initial of
// the last, never the full name.
func publicName(full string) string {
	parts := strings.Fields(full)
	switch len(parts) {
	case 0:
		return "A customer"
	case 1:
		return parts[0]
	}
	last := []rune(parts[len(parts)-1])
	return parts[0] + " " + string(last[0]) + "."
}

// ImageData returns a stored image's bytes and content type.
func (s *Service) ImageData(ctx context.Context, sha string) (contentType string, data []byte, err error) {
	err = db.Retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, qs.SQL("ImageByHash"), sha).Scan(&contentType, &data)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("load image: %w", err)
	}
	return contentType, data, nil
}

// Stocked is a product as carts and orders see it.
type Stocked struct {
	ID         string
	SKU        string
	Name       string
	Slug       string
	PriceMinor int64
	Stock      int
	Status     Status
	ImageSHA   string
}

// Stocked returns the non-draft products among ids, always fresh from the
// database (carts need the current price and stock).
func (s *Service) Stocked(ctx context.Context, ids []string) (map[string]Stocked, error) {
	out := make(map[string]Stocked, len(ids))
	err := db.Retry(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, qs.SQL("ProductsByIDs"), ids)
		if err != nil {
			return err
		}
		return collect(rows, func(r pgx.Rows) error {
			var p Stocked
			var status string
			var img *string
			if err := r.Scan(&p.ID, &p.SKU, &p.Name, &p.Slug, &p.PriceMinor, &p.Stock, &status, &img); err != nil {
				return err
			}
			p.Status = Status(status)
			if img != nil {
				p.ImageSHA = *img
			}
			out[p.ID] = p
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load products: %w", err)
	}
	return out, nil
}
