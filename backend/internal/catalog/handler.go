package catalog

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	catalogv1 "github.com/partsbin/partsbin/gen/partsbin/catalog/v1"
	"github.com/partsbin/partsbin/gen/partsbin/catalog/v1/catalogv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

// Handler serves partsbin.catalog.v1.CatalogService.
type Handler struct {
	svc *Service
}

var _ catalogv1connect.CatalogServiceHandler = (*Handler)(nil)

// NewHandler returns the CatalogService handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var (
	slugRE    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	specKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
)

// SearchProducts implements CatalogService.SearchProducts.
func (h *Handler) SearchProducts(ctx context.Context, req *catalogv1.SearchProductsRequest) (*catalogv1.SearchProductsResponse, error) {
	tree, err := h.svc.Tree(ctx)
	if err != nil {
		return nil, err
	}
	var v rpc.Violations
	p := SearchParams{
		Query:         strings.TrimSpace(req.GetQuery()),
		InStockOnly:   req.GetInStockOnly(),
		PageToken:     req.GetPageToken(),
		IncludeFacets: req.GetIncludeFacets(),
		PageSize:      rpc.PageSize(&v, req.GetPageSize()),
	}
	if !utf8.ValidString(p.Query) || utf8.RuneCountInString(p.Query) > MaxQueryRunes {
		v.Add("query", "must be valid text of at most %d characters", MaxQueryRunes)
	}
	switch c := req.GetCategory().(type) {
	case *catalogv1.SearchProductsRequest_CategoryId:
		if _, err := uuid.Parse(c.CategoryId); err != nil {
			v.Add("category_id", "must be a UUID")
		} else if cat, ok := tree.ByID(c.CategoryId); ok {
			p.Category = cat
		} else {
			return nil, connect.NewError(connect.CodeNotFound, ErrCategoryNotFound)
		}
	case *catalogv1.SearchProductsRequest_CategorySlug:
		if !slugRE.MatchString(c.CategorySlug) || len(c.CategorySlug) > 100 {
			v.Add("category_slug", "must be a slug like graphics-cards")
		} else if cat, ok := tree.BySlug(c.CategorySlug); ok {
			p.Category = cat
		} else {
			return nil, connect.NewError(connect.CodeNotFound, ErrCategoryNotFound)
		}
	}
	if len(req.GetBrands()) > 50 {
		v.Add("brands", "at most 50 brands")
	}
	for _, b := range req.GetBrands() {
		b = strings.TrimSpace(b)
		if b == "" || len(b) > 100 || !utf8.ValidString(b) {
			v.Add("brands", "each brand must be 1 to 100 characters")
			break
		}
		p.Brands = append(p.Brands, b)
	}
	p.PriceMin = h.price(&v, "price_min", req.GetPriceMin())
	p.PriceMax = h.price(&v, "price_max", req.GetPriceMax())
	if p.PriceMin != nil && p.PriceMax != nil && *p.PriceMin > *p.PriceMax {
		v.Add("price_max", "must not be below price_min")
	}
	if len(req.GetSpecFilters()) > 20 {
		v.Add("spec_filters", "at most 20 spec filters")
	}
	seenKeys := map[string]bool{}
	for i, f := range req.GetSpecFilters() {
		field := "spec_filters[" + itoa(i) + "]"
		if !specKeyRE.MatchString(f.GetKey()) {
			v.Add(field+".key", "must be a spec key like socket or memory_size")
			continue
		}
		// One filter per key: facets leave a key's own filter out by key.
		if seenKeys[f.GetKey()] {
			v.Add(field+".key", "%q has a filter already; put all its values in one", f.GetKey())
			continue
		}
		seenKeys[f.GetKey()] = true
		var key SpecKey
		var known bool
		if p.Category != nil {
			key, known = tree.SpecKeyUnder(p.Category, f.GetKey())
		} else {
			key, known = tree.AnySpecKey(f.GetKey())
		}
		if !known {
			v.Add(field+".key", "no spec key %q here", f.GetKey())
			continue
		}
		sf := SpecFilter{Key: key.Key}
		if len(f.GetValues()) > 50 {
			v.Add(field+".values", "at most 50 values")
		}
		for _, val := range f.GetValues() {
			if val == "" || len(val) > 200 || !utf8.ValidString(val) {
				v.Add(field+".values", "each value must be 1 to 200 characters")
				break
			}
			sf.Values = append(sf.Values, val)
		}
		if f.MinValue != nil || f.MaxValue != nil {
			if !key.Numeric {
				v.Add(field, "min_value and max_value need a numeric spec; %q is text", key.Key)
			}
			sf.Min, sf.Max = f.MinValue, f.MaxValue
			if sf.Min != nil && sf.Max != nil && *sf.Min > *sf.Max {
				v.Add(field+".max_value", "must not be below min_value")
			}
		}
		if len(sf.Values) == 0 && sf.Min == nil && sf.Max == nil {
			v.Add(field, "set values or a min_value/max_value range")
		}
		p.Specs = append(p.Specs, sf)
	}
	switch req.GetOrderBy() {
	case catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_UNSPECIFIED, catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RELEVANCE:
		p.Sort = SortRelevance
	case catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_ASC:
		p.Sort = SortPriceAsc
	case catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_PRICE_DESC:
		p.Sort = SortPriceDesc
	case catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_NEWEST:
		p.Sort = SortNewest
	case catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_RATING:
		p.Sort = SortRating
	default:
		v.Add("order_by", "unknown sort order %d", req.GetOrderBy())
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	res, err := h.svc.Search(ctx, p)
	if err != nil {
		return nil, toConnect(err)
	}
	out := &catalogv1.SearchProductsResponse{
		TotalSize:          int32(res.Total),
		TotalSizeEstimated: res.TotalEstimated,
		NextPageToken:      res.NextPageToken,
	}
	for _, ps := range res.Products {
		out.Products = append(out.Products, summaryToProto(ps, tree))
	}
	if res.Facets != nil {
		out.Facets = h.facetsToProto(res.Facets)
	}
	return out, nil
}

// price reads an optional price bound in the shop currency.
func (h *Handler) price(v *rpc.Violations, field string, m *commonv1.Money) *int64 {
	if m == nil {
		return nil
	}
	if m.GetCurrency() != h.svc.Currency() {
		v.Add(field+".currency", "must be %s, the shop currency", h.svc.Currency())
		return nil
	}
	if m.GetAmountMinor() < 0 {
		v.Add(field+".amount_minor", "must not be negative")
		return nil
	}
	n := m.GetAmountMinor()
	return &n
}

// GetProduct implements CatalogService.GetProduct.
func (h *Handler) GetProduct(ctx context.Context, req *catalogv1.GetProductRequest) (*catalogv1.GetProductResponse, error) {
	var l ProductLookup
	switch k := req.GetLookup().(type) {
	case *catalogv1.GetProductRequest_Id:
		if _, err := uuid.Parse(k.Id); err != nil {
			return nil, rpc.InvalidField("id", "must be a UUID")
		}
		l.ID = k.Id
	case *catalogv1.GetProductRequest_Slug:
		if !slugRE.MatchString(k.Slug) || len(k.Slug) > 200 {
			return nil, rpc.InvalidField("slug", "must be a product slug like amd-ryzen-7-7800x3d")
		}
		l.Slug = k.Slug
	default:
		return nil, rpc.InvalidField("lookup", "set id or slug")
	}
	p, err := h.svc.Product(ctx, l)
	if err != nil {
		return nil, toConnect(err)
	}
	tree, err := h.svc.Tree(ctx)
	if err != nil {
		return nil, err
	}
	return &catalogv1.GetProductResponse{Product: productToProto(p, tree)}, nil
}

// ListCategories implements CatalogService.ListCategories.
func (h *Handler) ListCategories(ctx context.Context, _ *catalogv1.ListCategoriesRequest) (*catalogv1.ListCategoriesResponse, error) {
	tree, err := h.svc.Tree(ctx)
	if err != nil {
		return nil, err
	}
	out := &catalogv1.ListCategoriesResponse{}
	for _, r := range tree.Roots {
		out.Categories = append(out.Categories, categoryToProto(r))
	}
	return out, nil
}

// ListReviews implements CatalogService.ListReviews.
func (h *Handler) ListReviews(ctx context.Context, req *catalogv1.ListReviewsRequest) (*catalogv1.ListReviewsResponse, error) {
	var v rpc.Violations
	if _, err := uuid.Parse(req.GetProductId()); err != nil {
		v.Add("product_id", "must be a UUID")
	}
	size := rpc.PageSize(&v, req.GetPageSize())
	if err := v.Err(); err != nil {
		return nil, err
	}
	page, err := h.svc.Reviews(ctx, req.GetProductId(), size, req.GetPageToken())
	if err != nil {
		return nil, toConnect(err)
	}
	out := &catalogv1.ListReviewsResponse{NextPageToken: page.NextPageToken, TotalSize: int32(page.Total), RatingAverage: page.RatingAvg}
	for _, r := range page.Reviews {
		out.Reviews = append(out.Reviews, &catalogv1.Review{
			Id: r.ID, ProductId: r.ProductID, AuthorName: r.AuthorName, Rating: int32(r.Rating),
			Title: r.Title, Text: r.Body, CreateTime: timestamppb.New(r.CreatedAt),
		})
	}
	return out, nil
}

// SubmitReview implements CatalogService.SubmitReview.
func (h *Handler) SubmitReview(ctx context.Context, req *catalogv1.SubmitReviewRequest) (*catalogv1.SubmitReviewResponse, error) {
	c, ok := auth.CallerFrom(ctx)
	if !ok {
		return nil, connect.NewError(connect.CodeUnauthenticated, auth.ErrUnauthenticated)
	}
	var v rpc.Violations
	if _, err := uuid.Parse(req.GetProductId()); err != nil {
		v.Add("product_id", "must be a UUID")
	}
	if r := req.GetRating(); r < 1 || r > 5 {
		v.Add("rating", "must be 1 to 5 stars")
	}
	title, text := strings.TrimSpace(req.GetTitle()), strings.TrimSpace(req.GetText())
	rpc.CheckText(&v, "title", title, 1, 120, false)
	rpc.CheckText(&v, "text", text, 1, 4000, true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	rv, err := h.svc.SubmitReview(ctx, c.UserID, req.GetProductId(), int(req.GetRating()), title, text)
	if err != nil {
		return nil, toConnect(err)
	}
	return &catalogv1.SubmitReviewResponse{Review: &catalogv1.Review{Id: rv.ID, ProductId: rv.ProductID, AuthorName: rv.AuthorName,
		Rating: int32(rv.Rating), Title: rv.Title, Text: rv.Body, CreateTime: timestamppb.New(rv.CreatedAt)}}, nil
}

func toConnect(err error) error {
	switch {
	case errors.Is(err, ErrNotReceived):
		return connect.NewError(connect.CodeFailedPrecondition, err)
	case errors.Is(err, ErrAlreadyReviewed):
		return connect.NewError(connect.CodeAlreadyExists, err)
	case errors.Is(err, ErrTooManyReviews):
		return rpc.RateLimited("reviews", time.Minute)
	case errors.Is(err, ErrNotFound):
		return connect.NewError(connect.CodeNotFound, errors.New("product not found"))
	case errors.Is(err, ErrCategoryNotFound):
		return connect.NewError(connect.CodeNotFound, ErrCategoryNotFound)
	case errors.Is(err, ErrBadPageToken):
		return rpc.InvalidField("page_token", "is malformed; pass the next_page_token of the previous response unchanged")
	case errors.Is(err, ErrForeignPageToken):
		return rpc.InvalidField("page_token", "belongs to a different query; send the same filters and sort as the first page")
	}
	return err
}

// ImagePath is the URL path prefix of product images.
const ImagePath = "/images/"

var shaRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ImageHandler serves product images by content hash. The bytes behind a
// hash never change, so responses are cacheable forever.
func (s *Service) ImageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sha := strings.TrimPrefix(r.URL.Path, ImagePath)
		if !shaRE.MatchString(sha) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		etag := `"` + sha + `"`
		if match := r.Header.Get("If-None-Match"); match == etag || match == "*" {
			w.Header().Set("ETag", etag)
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		ctype, data, err := s.ImageData(r.Context(), sha)
		if errors.Is(err, ErrNotFound) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if err != nil {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", etag)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Length", itoa(len(data)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(data)
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
