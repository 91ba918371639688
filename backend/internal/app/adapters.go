package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/cart"
	"github.com/partsbin/partsbin/backend/internal/catalog"
	"github.com/partsbin/partsbin/backend/internal/checkout"
	"github.com/partsbin/partsbin/backend/internal/platform/kv"
	"github.com/partsbin/partsbin/backend/internal/platform/stripepay"
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

// checkoutCarts gives checkout the cart inside the order transaction.
type checkoutCarts struct{ cart *cart.Service }

func (a checkoutCarts) LockForCheckout(ctx context.Context, tx pgx.Tx, customerID string) (checkout.CartContents, error) {
	c, err := a.cart.LockForCheckout(ctx, tx, customerID)
	if err != nil {
		return checkout.CartContents{}, err
	}
	out := checkout.CartContents{ID: c.ID, Version: c.Version, Code: c.Code}
	for _, l := range c.Lines {
		out.Items = append(out.Items, checkout.Item{ProductID: l.ProductID, Quantity: l.Quantity})
	}
	return out, nil
}

func (a checkoutCarts) EmptyAfterOrder(ctx context.Context, tx pgx.Tx, cartID string, now time.Time) error {
	return a.cart.EmptyAfterOrder(ctx, tx, cartID, now)
}

// checkoutStock takes stock through the catalogue's guarded updates and
// announces the new product versions so every instance drops its cached
// product pages.
type checkoutStock struct {
	rdb *kv.Client
	log *slog.Logger
}

func toStockItems(items []checkout.Item) []catalog.StockItem {
	out := make([]catalog.StockItem, len(items))
	for i, it := range items {
		out[i] = catalog.StockItem{ProductID: it.ProductID, Quantity: it.Quantity}
	}
	return out
}

func (a checkoutStock) Take(ctx context.Context, tx pgx.Tx, items []checkout.Item, now time.Time) ([]checkout.Line, map[string]int64, error) {
	taken, err := catalog.TakeStock(ctx, tx, toStockItems(items), now)
	var se *catalog.StockError
	if errors.As(err, &se) {
		return nil, nil, &checkout.StockError{ProductID: se.ProductID, Unavailable: se.Unavailable, Available: se.Available}
	}
	if err != nil {
		return nil, nil, err
	}
	// Lines keep the cart's order; versions go to the announcement.
	byID := make(map[string]catalog.Taken, len(taken))
	versions := make(map[string]int64, len(taken))
	for _, t := range taken {
		byID[t.ProductID] = t
		versions[t.ProductID] = t.Version
	}
	lines := make([]checkout.Line, 0, len(items))
	for _, it := range items {
		t := byID[it.ProductID]
		lines = append(lines, checkout.Line{ProductID: t.ProductID, SKU: t.SKU, Name: t.Name, Slug: t.Slug,
			ImageSHA: t.ImageSHA, UnitPriceMinor: t.PriceMinor, Quantity: t.Quantity})
	}
	return lines, versions, nil
}

func (a checkoutStock) Release(ctx context.Context, tx pgx.Tx, items []checkout.Item, now time.Time) (map[string]int64, error) {
	return catalog.ReleaseStock(ctx, tx, toStockItems(items), now)
}

func (a checkoutStock) Announce(ctx context.Context, versions map[string]int64) {
	for id, v := range versions {
		if err := catalog.PublishProductChange(context.WithoutCancel(ctx), a.rdb, id, v); err != nil {
			a.log.WarnContext(ctx, "product change not announced; caches expire with their TTL", "product_id", id, "err", err)
		}
	}
}

// checkoutDiscounts applies the promotion rules inside the order
// transaction; any reason a code does not apply is one error for checkout.
type checkoutDiscounts struct{ promotion *promotion.Service }

func (a checkoutDiscounts) Evaluate(ctx context.Context, tx pgx.Tx, code, customerID string, subtotalMinor int64, now time.Time) (checkout.Discount, error) {
	ap, err := a.promotion.Evaluate(ctx, tx, code, customerID, subtotalMinor, now)
	if err != nil {
		if isCodeRefusal(err) {
			return checkout.Discount{}, checkout.ErrCodeNoLongerValid
		}
		return checkout.Discount{}, err
	}
	return checkout.Discount{CodeID: ap.CodeID, Code: ap.Code, AmountMinor: ap.DiscountMinor}, nil
}

func (a checkoutDiscounts) Redeem(ctx context.Context, tx pgx.Tx, codeID, customerID, orderID string, amountMinor int64) error {
	err := a.promotion.Redeem(ctx, tx, codeID, customerID, orderID, amountMinor)
	if isCodeRefusal(err) {
		return checkout.ErrCodeNoLongerValid
	}
	return err
}

func (a checkoutDiscounts) Release(ctx context.Context, tx pgx.Tx, orderID string) error {
	return a.promotion.Release(ctx, tx, orderID)
}

func isCodeRefusal(err error) bool {
	return errors.Is(err, promotion.ErrCodeNotValid) || errors.Is(err, promotion.ErrCustomerLimitReached) ||
		errors.Is(err, promotion.ErrMinimumNotMet)
}

// checkoutPayments charges through Stripe.
type checkoutPayments struct{ stripe *stripepay.Client }

func (a checkoutPayments) ChargeCard(ctx context.Context, r checkout.ChargeRequest) (checkout.ChargeResult, error) {
	res, err := a.stripe.ChargeCard(ctx, stripepay.Charge{AmountMinor: r.AmountMinor, Currency: r.Currency,
		PaymentMethodID: r.PaymentMethodID, IdempotencyKey: r.IdempotencyKey, OrderID: r.OrderID, ReturnURL: r.ReturnURL,
		IntentID: r.IntentID})
	if errors.Is(err, stripepay.ErrUnavailable) {
		return checkout.ChargeResult{}, fmt.Errorf("%w: %w", checkout.ErrProviderUnavailable, err)
	}
	if err != nil {
		return checkout.ChargeResult{}, err
	}
	return checkout.ChargeResult{ProviderID: res.ID, Status: res.Status, ClientSecret: res.ClientSecret,
		NextAction: res.NextAction, Failure: res.Failure}, nil
}

func (a checkoutPayments) Refund(ctx context.Context, providerID, key string) error {
	if err := a.stripe.Refund(ctx, providerID, key); err != nil {
		return fmt.Errorf("%w: %w", checkout.ErrProviderUnavailable, err)
	}
	return nil
}

// verifyStripe checks a webhook's signature for checkout.
func verifyStripe(c *stripepay.Client) func([]byte, string) (checkout.ProviderEvent, error) {
	return func(payload []byte, sig string) (checkout.ProviderEvent, error) {
		ev, err := c.VerifyEvent(payload, sig)
		if err != nil {
			return checkout.ProviderEvent{}, err
		}
		return checkout.ProviderEvent{ID: ev.ID, Type: ev.Type, ProviderID: ev.PaymentIntentID, OrderID: ev.OrderID,
			Status: ev.Status, Failure: ev.Failure}, nil
	}
}
