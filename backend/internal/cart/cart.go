// Package cart is the customer's shopping cart: one per customer, priced
// from the catalogue on every read, with quantities checked against stock,
// an optional discount code, and the problems that would stop an order.
// It owns the carts and cart_items tables.
package cart

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/ratelimit"
)

//go:embed queries.sql
var queriesSQL string

var q = db.MustParseQueries("cart/queries.sql", queriesSQL)

// Limits of a cart.
const (
	MaxQuantity = 99
	MaxLines    = 50
)

// Domain errors; the handler maps them to codes.
var (
	ErrProductNotFound    = errors.New("no such product")
	ErrProductUnavailable = errors.New("this product is no longer sold")
	ErrOutOfStock         = errors.New("this product is out of stock")
	ErrNotInCart          = errors.New("this product is not in the cart")
	ErrTooManyLines       = errors.New("a cart holds at most 50 different products")
	ErrLineTooLarge       = errors.New("a line holds at most 99 units")
	// Discount code errors come from the Discounts implementation.
	ErrCodeNotValid         = errors.New("this code is not valid")
	ErrCustomerLimitReached = errors.New("you have already used this code as often as it allows")
)

// InsufficientStockError says how many units there are.
type InsufficientStockError struct{ Available int }

func (e *InsufficientStockError) Error() string {
	return fmt.Sprintf("only %d in stock", e.Available)
}

// MinimumNotMetError says what subtotal a code needs.
type MinimumNotMetError struct{ MinimumMinor int64 }

func (e *MinimumNotMetError) Error() string { return "the subtotal is below the code's minimum" }

// VersionConflictError reports a stale expected_version.
type VersionConflictError struct{ Expected, Current int64 }

func (e *VersionConflictError) Error() string { return "cart changed meanwhile" }

// RateLimitError reports too many code attempts.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string { return "too many discount code attempts" }

// Product is what the cart needs to know about a product.
type Product struct {
	ID         string
	SKU        string
	Name       string
	Slug       string
	ImageSHA   string
	PriceMinor int64
	Stock      int
	// Sellable is false for archived products.
	Sellable bool
}

// Products reads products for the cart; a missing id (or a draft) is
// absent from the map. The catalogue satisfies it.
type Products interface {
	CartProducts(ctx context.Context, ids []string) (map[string]Product, error)
}

// Discount is a code's effect on a subtotal.
type Discount struct {
	CodeID      string
	Code        string
	Description string
	AmountMinor int64
}

// Discounts evaluates discount codes; it returns ErrCodeNotValid,
// *MinimumNotMetError or ErrCustomerLimitReached when a code does not
// apply. The promotion package satisfies it.
type Discounts interface {
	Evaluate(ctx context.Context, code, customerID string, subtotalMinor int64, now time.Time) (Discount, error)
}

// Service runs the cart operations.
type Service struct {
	pool      *pgxpool.Pool
	products  Products
	discounts Discounts
	limiter   *ratelimit.Limiter
	codeRule  ratelimit.Rule
	clock     clock.Clock
	currency  string
}

// Config gathers what Service needs.
type Config struct {
	Pool      *pgxpool.Pool
	Products  Products
	Discounts Discounts
	Limiter   *ratelimit.Limiter
	// CodeAttempts caps ApplyDiscountCode calls per account.
	CodeAttempts ratelimit.Rule
	Clock        clock.Clock
	Currency     string
}

// DefaultCodeAttempts allows 10 code attempts per account per 10 minutes.
var DefaultCodeAttempts = ratelimit.Rule{Name: "discount-code", Limit: 10, Window: 10 * time.Minute}

// NewService returns a cart service.
func NewService(c Config) *Service {
	return &Service{pool: c.Pool, products: c.Products, discounts: c.Discounts, limiter: c.Limiter,
		codeRule: c.CodeAttempts, clock: c.Clock, currency: c.Currency}
}

// Line is a cart line as stored.
type Line struct {
	ProductID           string
	Quantity            int
	AddedUnitPriceMinor int64
	AddedAt             time.Time
}

// stored is a cart row with its lines.
type stored struct {
	ID        string
	Version   int64
	UpdatedAt time.Time
	CodeID    *string
	Code      *string
	Lines     []Line
}

func (s *Service) load(ctx context.Context, tx db.Querier, userID string, lock bool) (stored, error) {
	var c stored
	if _, err := tx.Exec(ctx, q.SQL("EnsureCart"), userID, s.clock.Now()); err != nil {
		return c, fmt.Errorf("create cart: %w", err)
	}
	query := q.SQL("ReadCart")
	if lock {
		query = q.SQL("LockCart")
	}
	if err := tx.QueryRow(ctx, query, userID).Scan(&c.ID, &c.Version, &c.UpdatedAt, &c.CodeID, &c.Code); err != nil {
		return c, fmt.Errorf("load cart: %w", err)
	}
	rows, err := tx.Query(ctx, q.SQL("Lines"), c.ID)
	if err != nil {
		return c, fmt.Errorf("load lines: %w", err)
	}
	c.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Line, error) {
		var l Line
		err := r.Scan(&l.ProductID, &l.Quantity, &l.AddedUnitPriceMinor, &l.AddedAt)
		return l, err
	})
	return c, err
}

// mutate runs fn on the locked cart of userID, checks expectedVersion (0
// skips it) and returns the cart as it is afterwards.
func (s *Service) mutate(ctx context.Context, userID string, expectedVersion int64, fn func(tx pgx.Tx, c *stored) (changed bool, err error)) (View, error) {
	err := db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		c, err := s.load(ctx, tx, userID, true)
		if err != nil {
			return err
		}
		if expectedVersion != 0 && expectedVersion != c.Version {
			return &VersionConflictError{Expected: expectedVersion, Current: c.Version}
		}
		changed, err := fn(tx, &c)
		if err != nil || !changed {
			return err
		}
		_, err = tx.Exec(ctx, q.SQL("BumpCart"), c.ID, s.clock.Now())
		return err
	})
	if err != nil {
		return View{}, err
	}
	return s.Get(ctx, userID)
}

// Get returns the caller's cart, priced now.
func (s *Service) Get(ctx context.Context, userID string) (View, error) {
	var c stored
	err := db.Retry(ctx, func(ctx context.Context) error {
		var err error
		c, err = s.load(ctx, s.pool, userID, false)
		return err
	})
	if err != nil {
		return View{}, err
	}
	return s.price(ctx, userID, c)
}

func (s *Service) product(ctx context.Context, id string) (Product, error) {
	ps, err := s.products.CartProducts(ctx, []string{id})
	if err != nil {
		return Product{}, err
	}
	p, ok := ps[id]
	if !ok {
		return Product{}, ErrProductNotFound
	}
	return p, nil
}

// AddItem adds quantity units of productID.
func (s *Service) AddItem(ctx context.Context, userID, productID string, quantity int, expectedVersion int64) (View, error) {
	p, err := s.product(ctx, productID)
	if err != nil {
		return View{}, err
	}
	return s.mutate(ctx, userID, expectedVersion, func(tx pgx.Tx, c *stored) (bool, error) {
		total := quantity
		found := false
		for _, l := range c.Lines {
			if l.ProductID == productID {
				total += l.Quantity
				found = true
			}
		}
		switch {
		case !p.Sellable:
			return false, ErrProductUnavailable
		case p.Stock <= 0:
			return false, ErrOutOfStock
		case total > MaxQuantity:
			return false, ErrLineTooLarge
		case total > p.Stock:
			return false, &InsufficientStockError{Available: p.Stock}
		case !found && len(c.Lines) >= MaxLines:
			return false, ErrTooManyLines
		}
		addedAt := s.clock.Now()
		for _, l := range c.Lines {
			if l.ProductID == productID {
				addedAt = l.AddedAt
			}
		}
		_, err := tx.Exec(ctx, q.SQL("UpsertLine"), c.ID, productID, total, p.PriceMinor, addedAt)
		return true, err
	})
}

// SetQuantity sets a line's quantity; 0 removes it.
func (s *Service) SetQuantity(ctx context.Context, userID, productID string, quantity int, expectedVersion int64) (View, error) {
	var p Product
	if quantity > 0 {
		var err error
		if p, err = s.product(ctx, productID); err != nil && !errors.Is(err, ErrProductNotFound) {
			return View{}, err
		}
	}
	return s.mutate(ctx, userID, expectedVersion, func(tx pgx.Tx, c *stored) (bool, error) {
		var line *Line
		for i := range c.Lines {
			if c.Lines[i].ProductID == productID {
				line = &c.Lines[i]
			}
		}
		if line == nil {
			return false, ErrNotInCart
		}
		if quantity == 0 {
			_, err := tx.Exec(ctx, q.SQL("DeleteLine"), c.ID, productID)
			return true, err
		}
		if quantity == line.Quantity {
			return false, nil
		}
		switch {
		case p.ID == "" || (!p.Sellable && quantity > line.Quantity):
			return false, ErrProductUnavailable
		case quantity > p.Stock && quantity > line.Quantity:
			return false, &InsufficientStockError{Available: p.Stock}
		}
		_, err := tx.Exec(ctx, q.SQL("UpsertLine"), c.ID, productID, quantity, p.PriceMinor, line.AddedAt)
		return true, err
	})
}

// RemoveItem removes a line; removing an absent product changes nothing.
func (s *Service) RemoveItem(ctx context.Context, userID, productID string, expectedVersion int64) (View, error) {
	return s.mutate(ctx, userID, expectedVersion, func(tx pgx.Tx, c *stored) (bool, error) {
		tag, err := tx.Exec(ctx, q.SQL("DeleteLine"), c.ID, productID)
		return err == nil && tag.RowsAffected() > 0, err
	})
}

// ApplyCode attaches a discount code after checking it against the cart.
func (s *Service) ApplyCode(ctx context.Context, userID, code string, expectedVersion int64) (View, error) {
	d, err := s.limiter.Allow(ctx, s.codeRule, userID)
	if err != nil {
		return View{}, fmt.Errorf("discount code limiter: %w", err)
	}
	if !d.Allowed {
		return View{}, &RateLimitError{RetryAfter: d.RetryAfter}
	}
	current, err := s.Get(ctx, userID)
	if err != nil {
		return View{}, err
	}
	disc, err := s.discounts.Evaluate(ctx, code, userID, current.SubtotalMinor, s.clock.Now())
	if err != nil {
		return View{}, err
	}
	return s.mutate(ctx, userID, expectedVersion, func(tx pgx.Tx, c *stored) (bool, error) {
		if c.CodeID != nil && *c.CodeID == disc.CodeID {
			return false, nil
		}
		_, err := tx.Exec(ctx, q.SQL("SetCode"), c.ID, disc.CodeID, s.clock.Now())
		return false, err // SetCode bumps the version itself
	})
}

// RemoveCode detaches the discount code.
func (s *Service) RemoveCode(ctx context.Context, userID string, expectedVersion int64) (View, error) {
	return s.mutate(ctx, userID, expectedVersion, func(tx pgx.Tx, c *stored) (bool, error) {
		if c.CodeID == nil {
			return false, nil
		}
		_, err := tx.Exec(ctx, q.SQL("SetCode"), c.ID, nil, s.clock.Now())
		return false, err
	})
}
