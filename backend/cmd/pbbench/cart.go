package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"

	"connectrpc.com/connect"

	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	"github.com/partsbin/partsbin/gen/partsbin/auth/v1/authv1connect"
	cartv1 "github.com/partsbin/partsbin/gen/partsbin/cart/v1"
	"github.com/partsbin/partsbin/gen/partsbin/cart/v1/cartv1connect"
	catalogv1 "github.com/partsbin/partsbin/gen/partsbin/catalog/v1"
	"github.com/partsbin/partsbin/gen/partsbin/catalog/v1/catalogv1connect"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
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

// demoCart is one logged-in demo customer's cart.
type demoCart struct {
	client cartv1connect.CartServiceClient
	token  string
	// http connects from the customer's own loopback address.
	http *http.Client
}

// demoCarts logs in as demo customers 1..n, empties their carts and finds
// in-stock products to buy.
func demoCarts(ctx context.Context, o options, t target, n int) ([]demoCart, []string, error) {
	cat := catalogv1connect.NewCatalogServiceClient(t.httpClient, t.baseURL, t.options...)
	// Up to 1,000 well-stocked products, so orders do not sell them out
	// within a run.
	var products []string
	req := &catalogv1.SearchProductsRequest{InStockOnly: true, PageSize: 100, OrderBy: catalogv1.ProductSortOrder_PRODUCT_SORT_ORDER_NEWEST}
	for range 10 {
		res, err := cat.SearchProducts(ctx, req)
		if err != nil {
			return nil, nil, fmt.Errorf("find products: %w", err)
		}
		for _, p := range res.GetProducts() {
			if p.GetStockStatus() == catalogv1.StockStatus_STOCK_STATUS_IN_STOCK {
				products = append(products, p.GetId())
			}
		}
		if req.PageToken = res.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	if len(products) == 0 {
		return nil, nil, fmt.Errorf("no product in stock: seed a catalogue first (partsbin seed)")
	}
	carts := make([]demoCart, n)
	for i := range n {
		hc := shopperClient(o, t.baseURL, i)
		auth := authv1connect.NewAuthServiceClient(hc, t.baseURL, t.options...)
		email := fmt.Sprintf("customer%d@partsbin.localhost", i+1)
		lr, err := auth.Login(ctx, &authv1.LoginRequest{Email: email, Password: demoPassword})
		if err != nil {
			return nil, nil, fmt.Errorf("log in as %s (seeded demo customers needed): %w", email, err)
		}
		tok := lr.GetSession().GetToken()
		c := cartv1connect.NewCartServiceClient(hc, t.baseURL, append(t.options, connect.WithInterceptors(bearer(tok)))...)
		// Start from an empty cart so no line nears its limits.
		cur, err := c.GetCart(ctx, &cartv1.GetCartRequest{})
		if err != nil {
			return nil, nil, fmt.Errorf("read cart of %s: %w", email, err)
		}
		for _, l := range cur.GetCart().GetLines() {
			if _, err := c.RemoveItem(ctx, &cartv1.RemoveItemRequest{ProductId: l.GetProductId()}); err != nil {
				return nil, nil, fmt.Errorf("empty cart of %s: %w", email, err)
			}
		}
		carts[i] = demoCart{client: c, token: tok, http: hc}
	}
	return carts, products, nil
}

func prepareAddToCart(ctx context.Context, o options, customers int, stderr io.Writer) (workload, error) {
	if customers < 1 || customers > 20 {
		return workload{}, usageError{fmt.Sprintf("-customers must be 1 to 20, got %d", customers)}
	}
	t, err := newTarget(ctx, o)
	if err != nil {
		return workload{}, err
	}
	n := min(customers, o.concurrency)
	dcs, products, err := demoCarts(ctx, o, t, n)
	if err != nil {
		return workload{}, err
	}
	carts := make([]cartv1connect.CartServiceClient, n)
	for i, dc := range dcs {
		carts[i] = dc.client
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

// checkoutScenario measures a full cash-on-delivery checkout: two items
// added to the cart and the order placed.
func checkoutScenario() scenario {
	return scenario{
		name:    "checkout",
		summary: "a full checkout: AddItem x2 then PlaceOrder (cash on delivery), one demo customer per worker",
		help: `Logs in as the seeded demo customers (as addtocart). Each call adds two
in-stock products to the customer's cart and places a cash-on-delivery
order with a fresh idempotency key: three RPCs, timed together. Orders
take stock: run it against a bench database, not a shop you care about.`,
		server: true,
		flags: func(fs *flag.FlagSet) prepareFunc {
			customers := fs.Int("customers", 20, "demo customers to log in as (at most 20 are seeded)")
			return func(ctx context.Context, o options, stderr io.Writer) (workload, error) {
				return prepareCheckout(ctx, o, *customers, stderr)
			}
		},
	}
}

func prepareCheckout(ctx context.Context, o options, customers int, stderr io.Writer) (workload, error) {
	if customers < 1 || customers > 20 {
		return workload{}, usageError{fmt.Sprintf("-customers must be 1 to 20, got %d", customers)}
	}
	t, err := newTarget(ctx, o)
	if err != nil {
		return workload{}, err
	}
	carts, products, err := demoCarts(ctx, o, t, min(customers, o.concurrency))
	if err != nil {
		return workload{}, err
	}
	fmt.Fprintf(stderr, "pbbench checkout: %d customers, %d products\n", len(carts), len(products))
	orders := make([]checkoutv1connect.CheckoutServiceClient, len(carts))
	for i := range carts {
		orders[i] = checkoutv1connect.NewCheckoutServiceClient(carts[i].http, t.baseURL,
			append(t.options, connect.WithInterceptors(bearer(carts[i].token)))...)
	}
	addr := &commonv1.Address{Recipient: "Bench Customer", Line1: "Benchstr. 1", City: "Berlin", PostalCode: "10115", CountryCode: "DE"}
	counters := make(callCounters, o.concurrency)
	acks := newAckLog(o.concurrency)
	call := func(ctx context.Context, worker int) error {
		i := counters.next(worker)
		n := worker % len(carts)
		picked := make([]string, 0, 2)
		var err error
		for k := range 2 {
			p := products[(worker*7919+int(i)*2+k)%len(products)]
			err = retryOutage(ctx, func() error {
				_, err := carts[n].client.AddItem(ctx, &cartv1.AddItemRequest{ProductId: p, Quantity: 1})
				return err
			})
			if err != nil {
				break
			}
			picked = append(picked, p)
		}
		if err == nil {
			// One key per checkout, kept across retries: a PlaceOrder whose
			// answer was lost in an outage is asked again and answers with
			// the order it made, never a second one.
			key := "bench-" + randomHex(12)
			var res *checkoutv1.PlaceOrderResponse
			err = retryOutage(ctx, func() error {
				var err error
				res, err = orders[n].PlaceOrder(ctx, &checkoutv1.PlaceOrderRequest{
					ShippingAddress: addr, PaymentMethod: checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY,
					IdempotencyKey: key,
				})
				return err
			})
			if err == nil {
				acks.record(worker, n, key, res.GetOrder().GetId())
			}
		}
		if err != nil && ctx.Err() == nil {
			// A failed checkout (a product sold out meanwhile) leaves its
			// lines behind: take them out so the next call starts clean.
			for _, p := range picked {
				_, _ = carts[n].client.RemoveItem(context.WithoutCancel(ctx), &cartv1.RemoveItemRequest{ProductId: p})
			}
		}
		return err
	}
	report := func(ctx context.Context, w io.Writer) error {
		return acks.verify(ctx, w, func(ctx context.Context, customer int, id string) error {
			_, err := orders[customer].GetOrder(ctx, &checkoutv1.GetOrderRequest{OrderId: id})
			return err
		})
	}
	return workload{call: call, protocol: o.protocol, report: report,
		notes: []string{"checkout: one call = AddItem, AddItem, PlaceOrder (cash on delivery); workers on one customer share its cart lock",
			"checkout: `unavailable` and broken connections (a database failover) are retried within the call, PlaceOrder with the same idempotency key"}}, nil
}
