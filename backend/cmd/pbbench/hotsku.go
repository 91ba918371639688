package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"

	"connectrpc.com/connect"

	"github.com/partsbin/partsbin/backend/internal/app"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/checkout"
	"github.com/partsbin/partsbin/backend/internal/platform/config"
)

// hotSKUScenario races many buyers for one product with little stock: each
// worker is a buyer with one unit in the cart and places one order at the
// same moment as all the others. It runs the server's services in process
// against a bench database (it writes: users, stock, orders).
func hotSKUScenario() scenario {
	return scenario{
		name:    "hotsku",
		summary: "N buyers race for one product with S units (in process, writes to a bench database)",
		help: `Creates -concurrency buyer accounts, sets one product's stock to -stock,
puts one unit in every buyer's cart and lets all buyers place their
order at once (one call each). Prints latency and the error mix, then
the units sold against the stock. Uses PARTSBIN_DATABASE_URL and
PARTSBIN_REDIS_URL (. .stack/env); the database name must start with
"bench" because the run writes to it.`,
		flags: func(fs *flag.FlagSet) prepareFunc {
			stock := fs.Int("stock", 50, "units of the hot product")
			return func(ctx context.Context, o options, stderr io.Writer) (workload, error) {
				return prepareHotSKU(ctx, o, *stock, stderr)
			}
		},
	}
}

func prepareHotSKU(ctx context.Context, o options, stock int, stderr io.Writer) (workload, error) {
	cfg, err := config.Load()
	if err != nil {
		return workload{}, err
	}
	u, err := url.Parse(cfg.DatabaseURL)
	if err != nil || !strings.HasPrefix(strings.TrimPrefix(u.Path, "/"), "bench") {
		return workload{}, usageError{"hotsku writes to its database: PARTSBIN_DATABASE_URL must name a database starting with \"bench\""}
	}
	if stock < 1 {
		return workload{}, usageError{"-stock must be at least 1"}
	}
	cfg.DBMaxConns = int32(min(max(o.concurrency, 8), 200))
	cfg.OrderExpiryInterval = 0
	cfg.RedisPrefix = "hotsku:"
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		return workload{}, err
	}
	var pid string
	if err := a.Pool.QueryRow(ctx, `UPDATE products SET stock = $1, version = version + 1
		WHERE id = (SELECT id FROM products WHERE status = 'active' ORDER BY sku LIMIT 1) RETURNING id`, stock).Scan(&pid); err != nil {
		a.Close()
		return workload{}, fmt.Errorf("pick the hot product: %w", err)
	}
	buyers := make([]string, o.concurrency)
	run := randomHex(4)
	for i := range buyers {
		usr, err := a.Auth.CreateUser(ctx, fmt.Sprintf("hotsku-%s-%d@example.com", run, i), "Hot-Sku-Buyer-"+run, "Hot SKU buyer", auth.RoleCustomer)
		if err != nil {
			a.Close()
			return workload{}, fmt.Errorf("create buyer: %w", err)
		}
		// Carts are checked against stock when filled: fill them while
		// every unit is still there.
		if _, err := a.Cart.AddItem(ctx, usr.ID, pid, 1, 0); err != nil {
			a.Close()
			return workload{}, fmt.Errorf("fill cart: %w", err)
		}
		buyers[i] = usr.ID
	}
	fmt.Fprintf(stderr, "pbbench hotsku: %d buyers, product %s with %d units\n", len(buyers), pid, stock)
	addr := checkout.Address{Recipient: "Hot Buyer", Line1: "Benchstr. 1", City: "Berlin", PostalCode: "10115", CountryCode: "DE"}
	// Calls take buyers in turn, so every buyer orders exactly once even if
	// a fast worker makes more than one call.
	var next atomic.Int64
	call := func(ctx context.Context, _ int) error {
		i := int(next.Add(1) - 1)
		if i >= len(buyers) {
			return nil
		}
		_, err := a.Checkout.PlaceOrder(ctx, buyers[i], checkout.PlaceRequest{
			Address: addr, Method: checkout.PayCashOnDelivery, IdempotencyKey: "hotsku-" + run + "-" + fmt.Sprint(i)})
		var se *checkout.StockError
		if errors.As(err, &se) {
			return connect.NewError(connect.CodeFailedPrecondition, err)
		}
		return err
	}
	closeFn := func() {
		defer a.Close()
		var left, sold int
		_ = a.Pool.QueryRow(context.Background(), `SELECT stock FROM products WHERE id = $1`, pid).Scan(&left)
		_ = a.Pool.QueryRow(context.Background(), `SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
			WHERE l.product_id = $1 AND o.idempotency_key LIKE $2`, pid, "hotsku-"+run+"-%").Scan(&sold)
		fmt.Fprintf(stderr, "hotsku: stock %d, sold %d, left %d (oversold: %v)\n", stock, sold, left, sold > stock || left < 0)
	}
	return workload{call: call, protocol: "in-process", maxCalls: int64(len(buyers)), close: closeFn,
		notes: []string{"hotsku: one PlaceOrder per buyer, all at once; failed_precondition = sold out"}}, nil
}
