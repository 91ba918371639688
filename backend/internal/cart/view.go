package cart

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ProblemKind is what is wrong with a cart.
type ProblemKind int

// Problem kinds, as in the contract.
const (
	ProblemOutOfStock ProblemKind = iota + 1
	ProblemInsufficientStock
	ProblemPriceChanged
	ProblemProductUnavailable
	ProblemCodeInvalid
	ProblemMinimumNotMet
)

// LowStockThreshold matches the catalogue's "low stock" label.
const LowStockThreshold = 5

// Problem is one thing that stops or changes an order.
type Problem struct {
	Kind      ProblemKind
	ProductID string
	Message   string
	Blocking  bool
}

// ViewLine is a line priced now.
type ViewLine struct {
	Line
	Product Product
}

// View is a cart as the customer sees it: priced from the catalogue now.
type View struct {
	ID            string
	CustomerID    string
	Lines         []ViewLine
	SubtotalMinor int64
	Discount      *Discount // the applied code; AmountMinor 0 when it does not apply now
	DiscountMinor int64
	TotalMinor    int64
	Currency      string
	ItemCount     int
	Problems      []Problem
	Version       int64
	UpdatedAt     time.Time
}

// Blocking reports whether an order would be refused.
func (v View) Blocking() bool {
	for _, p := range v.Problems {
		if p.Blocking {
			return true
		}
	}
	return false
}

func (s *Service) price(ctx context.Context, userID string, c stored) (View, error) {
	v := View{ID: c.ID, CustomerID: userID, Currency: s.currency, Version: c.Version, UpdatedAt: c.UpdatedAt}
	ids := make([]string, len(c.Lines))
	for i, l := range c.Lines {
		ids[i] = l.ProductID
	}
	products := map[string]Product{}
	if len(ids) > 0 {
		var err error
		if products, err = s.products.CartProducts(ctx, ids); err != nil {
			return View{}, err
		}
	}
	for _, l := range c.Lines {
		p, ok := products[l.ProductID]
		vl := ViewLine{Line: l, Product: p}
		switch {
		case !ok || !p.Sellable:
			v.Problems = append(v.Problems, Problem{Kind: ProblemProductUnavailable, ProductID: l.ProductID,
				Message: "This product is no longer sold; remove it to order.", Blocking: true})
		case p.Stock <= 0:
			v.Problems = append(v.Problems, Problem{Kind: ProblemOutOfStock, ProductID: l.ProductID,
				Message: "Out of stock.", Blocking: true})
		case l.Quantity > p.Stock:
			v.Problems = append(v.Problems, Problem{Kind: ProblemInsufficientStock, ProductID: l.ProductID,
				Message: fmt.Sprintf("Only %d left in stock.", p.Stock), Blocking: true})
		}
		if ok && p.PriceMinor != l.AddedUnitPriceMinor {
			v.Problems = append(v.Problems, Problem{Kind: ProblemPriceChanged, ProductID: l.ProductID,
				Message: "The price changed since you added this product; the cart shows the current price."})
		}
		if ok {
			v.SubtotalMinor += p.PriceMinor * int64(l.Quantity)
		}
		v.ItemCount += l.Quantity
		v.Lines = append(v.Lines, vl)
	}
	if c.Code != nil {
		d, err := s.discounts.Evaluate(ctx, *c.Code, userID, v.SubtotalMinor, s.clock.Now())
		var minErr *MinimumNotMetError
		switch {
		case err == nil:
			v.Discount = &d
			v.DiscountMinor = min(d.AmountMinor, v.SubtotalMinor)
		case errors.As(err, &minErr):
			v.Discount = &Discount{Code: *c.Code}
			v.Problems = append(v.Problems, Problem{Kind: ProblemMinimumNotMet, Blocking: true,
				Message: fmt.Sprintf("Code %s needs a subtotal of at least %s.", *c.Code, formatMinor(minErr.MinimumMinor, s.currency))})
		case errors.Is(err, ErrCodeNotValid) || errors.Is(err, ErrCustomerLimitReached):
			v.Discount = &Discount{Code: *c.Code}
			v.Problems = append(v.Problems, Problem{Kind: ProblemCodeInvalid, Blocking: true,
				Message: fmt.Sprintf("Code %s is no longer valid; remove it to order.", *c.Code)})
		default:
			return View{}, fmt.Errorf("evaluate discount code: %w", err)
		}
	}
	v.TotalMinor = v.SubtotalMinor - v.DiscountMinor
	return v, nil
}

func formatMinor(m int64, currency string) string {
	return fmt.Sprintf("%d.%02d %s", m/100, m%100, currency)
}
