package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"connectrpc.com/connect"

	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	"github.com/partsbin/partsbin/gen/partsbin/auth/v1/authv1connect"
	cartv1 "github.com/partsbin/partsbin/gen/partsbin/cart/v1"
	"github.com/partsbin/partsbin/gen/partsbin/cart/v1/cartv1connect"
	catalogv1 "github.com/partsbin/partsbin/gen/partsbin/catalog/v1"
	"github.com/partsbin/partsbin/gen/partsbin/catalog/v1/catalogv1connect"
)

// demoPassword is the password `partsbin seed` gives its demo customers.
const demoPassword = "partsbin-demo-password"

// addToCartScenario measures cart mutations: each worker is a seeded demo
// customer whose calls alternate AddItem and removing the line again, so
// the cart stays small and every call does the full work of a change.
func addToCartScenario() scenario {
	return scenario{
		name:    "addtocart",
		summary: "CartService.AddItem / remove alternating, one demo customer per worker",
		help: `Logs in as the seeded demo customers customer1..N@partsbin.localhost
(password "` + demoPassword + `", from partsbin seed; N = min(concurrency,
-customers)) and picks in-stock products with a search. Odd calls add one
unit of a product, even calls set that line to 0; every call locks the
customer's cart, writes, bumps its version and reprices it.`,
		server: true,
		flags: func(fs *flag.FlagSet) prepareFunc {
			customers := fs.Int("customers", 20, "demo customers to log in as (at most 20 are seeded)")
			return func(ctx context.Context, o options, stderr io.Writer) (workload, error) {
				return prepareAddToCart(ctx, o, *customers, stderr)
			}
		},
	}
}

func prepareAddToCart(ctx context.Context, o options, customers int, stderr io.Writer) (workload, error) {
	if customers < 1 || customers > 20 {
		return workload{}, usageError{fmt.Sprintf("-customers must be 1 to 20, got %d", customers)}
	}
	t, err := newTarget(ctx, o)
	if err != nil {
		return workload{}, err
	}
	cat := catalogv1connect.NewCatalogServiceClient(t.httpClient, t.baseURL, t.options...)
	res, err := cat.SearchProducts(ctx, &catalogv1.SearchProductsRequest{InStockOnly: true, PageSize: 100,
		OrderBy: catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_NEWEST})
	if err != nil {
		return workload{}, fmt.Errorf("find products: %w", err)
	}
	var products []string
	for _, p := range res.GetProducts() {
		if p.GetStockStatus() == catalogv1.StockStatus_STOCK_STATUS_IN_STOCK {
			products = append(products, p.GetId())
		}
	}
	if len(products) == 0 {
		return workload{}, fmt.Errorf("no product in stock: seed a catalogue first (partsbin seed)")
	}
	n := min(customers, o.concurrency)
	auth := authv1connect.NewAuthServiceClient(t.httpClient, t.baseURL, t.options...)
	carts := make([]cartv1connect.CartServiceClient, n)
	for i := range n {
		email := fmt.Sprintf("customer%d@partsbin.localhost", i+1)
		lr, err := auth.Login(ctx, &authv1.LoginRequest{Email: email, Password: demoPassword})
		if err != nil {
			return workload{}, fmt.Errorf("log in as %s (seeded demo customers needed): %w", email, err)
		}
		carts[i] = cartv1connect.NewCartServiceClient(t.httpClient, t.baseURL,
			append(t.options, connect.WithInterceptors(bearer(lr.GetSession().GetToken())))...)
		// Start from an empty cart so no line nears its limits.
		cur, err := carts[i].GetCart(ctx, &cartv1.GetCartRequest{})
		if err != nil {
			return workload{}, fmt.Errorf("read cart of %s: %w", email, err)
		}
		for _, l := range cur.GetCart().GetLines() {
			if _, err := carts[i].RemoveItem(ctx, &cartv1.RemoveItemRequest{ProductId: l.GetProductId()}); err != nil {
				return workload{}, fmt.Errorf("empty cart of %s: %w", email, err)
			}
		}
	}
	fmt.Fprintf(stderr, "pbbench addtocart: %d customers, %d products\n", n, len(products))
	counters := make(callCounters, o.concurrency)
	call := func(ctx context.Context, worker int) error {
		i := counters.next(worker)
		c := carts[worker%n]
		p := products[(worker*7919+int(i/2))%len(products)]
		if i%2 == 0 {
			_, err := c.AddItem(ctx, &cartv1.AddItemRequest{ProductId: p, Quantity: 1})
			return err
		}
		_, err := c.UpdateItemQuantity(ctx, &cartv1.UpdateItemQuantityRequest{ProductId: p, Quantity: 0})
		return err
	}
	notes := []string{"addtocart: every call is one cart mutation (AddItem, then setting the line to 0), with the repriced cart in the answer"}
	if n < o.concurrency {
		notes = append(notes, fmt.Sprintf("addtocart: %d workers share %d carts; workers on one cart wait for its row lock", o.concurrency, n))
	}
	return workload{call: call, protocol: o.protocol, notes: notes}, nil
}
