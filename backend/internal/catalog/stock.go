package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// StockItem is a quantity of one product.
type StockItem struct {
	ProductID string
	Quantity  int
}

// Taken is a product whose stock an order took, as it was at that moment.
type Taken struct {
	ProductID  string
	SKU        string
	Name       string
	Slug       string
	ImageSHA   string
	PriceMinor int64
	Quantity   int
	// Version is the product's version after the update (for cache
	// announcements).
	Version int64
}

// StockError says why an item could not be taken.
type StockError struct {
	ProductID string
	// Unavailable: not on sale (archived, draft or gone). Otherwise there
	// were only Available units.
	Unavailable bool
	Available   int
}

func (e *StockError) Error() string {
	if e.Unavailable {
		return "product " + e.ProductID + " is not on sale"
	}
	return fmt.Sprintf("product %s: only %d in stock", e.ProductID, e.Available)
}

// TakeStock takes items from stock inside the caller's transaction, in
// product-id order so concurrent orders lock rows in the same order and
// cannot deadlock. The first item that cannot be taken fails the whole
// call with a *StockError; the caller's transaction then rolls back.
func TakeStock(ctx context.Context, tx pgx.Tx, items []StockItem, now time.Time) ([]Taken, error) {
	sorted := slices.Clone(items)
	slices.SortFunc(sorted, func(a, b StockItem) int { return strings.Compare(a.ProductID, b.ProductID) })
	out := make([]Taken, 0, len(items))
	for _, it := range sorted {
		t := Taken{ProductID: it.ProductID, Quantity: it.Quantity}
		err := tx.QueryRow(ctx, qs.SQL("TakeStock"), it.ProductID, it.Quantity, now).
			Scan(&t.SKU, &t.Name, &t.Slug, &t.PriceMinor, &t.Version, &t.ImageSHA)
		if errors.Is(err, pgx.ErrNoRows) {
			var status string
			var stock int
			serr := tx.QueryRow(ctx, qs.SQL("StockState"), it.ProductID).Scan(&status, &stock)
			if errors.Is(serr, pgx.ErrNoRows) || serr == nil && Status(status) != StatusActive {
				return nil, &StockError{ProductID: it.ProductID, Unavailable: true}
			}
			if serr != nil {
				return nil, serr
			}
			return nil, &StockError{ProductID: it.ProductID, Available: stock}
		}
		if err != nil {
			return nil, fmt.Errorf("take stock: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}

// ReleaseStock puts items back (a cancelled or expired order) and returns
// the products' new versions by id.
func ReleaseStock(ctx context.Context, tx pgx.Tx, items []StockItem, now time.Time) (map[string]int64, error) {
	sorted := slices.Clone(items)
	slices.SortFunc(sorted, func(a, b StockItem) int { return strings.Compare(a.ProductID, b.ProductID) })
	versions := make(map[string]int64, len(items))
	for _, it := range sorted {
		var v int64
		if err := tx.QueryRow(ctx, qs.SQL("ReleaseStock"), it.ProductID, it.Quantity, now).Scan(&v); err != nil {
			return nil, fmt.Errorf("release stock: %w", err)
		}
		versions[it.ProductID] = v
	}
	return versions, nil
}
