// Package catalog is the public storefront catalogue: the category tree
// with its spec keys, product pages, faceted full-text search with typo
// tolerance on PostgreSQL alone, reviews, and product images served by
// content hash. It owns the tables of migration 00002_catalog.sql.
package catalog

import (
	"errors"
	"time"
)

// Domain errors; the handler maps them to codes.
var (
	ErrNotFound         = errors.New("not found")
	ErrCategoryNotFound = errors.New("category not found")
	ErrBadPageToken     = errors.New("page_token is malformed or expired")
	ErrForeignPageToken = errors.New("page_token belongs to another query; start again without it")
)

// Status is a product's life-cycle state.
type Status string

// Product states.
const (
	StatusDraft    Status = "draft"
	StatusActive   Status = "active"
	StatusArchived Status = "archived"
)

// LowStockThreshold is the stock at or below which a product shows as
// "low stock".
const LowStockThreshold = 5

// Image is a stored product image.
type Image struct {
	SHA256      string
	ContentType string
	Width       int
	Height      int
	AltText     string
	Position    int
}

// Spec is one typed specification of a product.
type Spec struct {
	Key         string
	DisplayName string
	Value       string
	Number      *float64
	Unit        string
	Numeric     bool
}

// ProductSummary is a product as search results list it.
type ProductSummary struct {
	ID             string
	SKU            string
	Slug           string
	Name           string
	Brand          string
	CategoryID     string
	PriceMinor     int64
	Currency       string
	Stock          int
	RatingAvg      float64
	RatingCount    int
	WarrantyMonths int
	CreatedAt      time.Time
	Image          *Image
}

// Product is a full product page.
type Product struct {
	ProductSummary
	Description string
	WeightGrams int
	Status      Status
	Specs       []Spec
	Images      []Image
	Version     int64
	UpdatedAt   time.Time
}

// Review is a customer's review of a product.
type Review struct {
	ID         string
	ProductID  string
	AuthorName string
	Rating     int
	Title      string
	Body       string
	CreatedAt  time.Time
}
