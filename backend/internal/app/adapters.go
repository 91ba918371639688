package app

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/cart"
	"github.com/partsbin/partsbin/backend/internal/catalog"
	"github.com/partsbin/partsbin/backend/internal/promotion"
)

// Domain packages reach each other only through the small interfaces they
// declare; these adapters satisfy them with the other domain's services.

// cartProducts serves the cart from the catalogue.
type cartProducts struct{ catalog *catalog.Service }

func (a cartProducts) CartProducts(ctx context.Context, ids []string) (map[string]cart.Product, error) {
	ps, err := a.catalog.Stocked(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]cart.Product, len(ps))
	for id, p := range ps {
		out[id] = cart.Product{
			ID: p.ID, SKU: p.SKU, Name: p.Name, Slug: p.Slug, ImageSHA: p.ImageSHA,
			PriceMinor: p.PriceMinor, Stock: p.Stock, Sellable: p.Status == catalog.StatusActive,
		}
	}
	return out, nil
}

// cartDiscounts evaluates the cart's codes with the promotion rules.
type cartDiscounts struct {
	promotion *promotion.Service
	pool      *pgxpool.Pool
}

func (a cartDiscounts) Evaluate(ctx context.Context, code, customerID string, subtotalMinor int64, now time.Time) (cart.Discount, error) {
	ap, err := a.promotion.Evaluate(ctx, a.pool, code, customerID, subtotalMinor, now)
	var minErr *promotion.MinimumNotMetError
	switch {
	case err == nil:
		return cart.Discount{CodeID: ap.CodeID, Code: ap.Code, Description: ap.Description, AmountMinor: ap.DiscountMinor}, nil
	case errors.As(err, &minErr):
		return cart.Discount{}, &cart.MinimumNotMetError{MinimumMinor: minErr.MinimumMinor}
	case errors.Is(err, promotion.ErrCodeNotValid):
		return cart.Discount{}, cart.ErrCodeNotValid
	case errors.Is(err, promotion.ErrCustomerLimitReached):
		return cart.Discount{}, cart.ErrCustomerLimitReached
	}
	return cart.Discount{}, err
}
