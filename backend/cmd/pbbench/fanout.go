package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"connectrpc.com/connect"

	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	"github.com/partsbin/partsbin/gen/partsbin/auth/v1/authv1connect"
	cartv1 "github.com/partsbin/partsbin/gen/partsbin/cart/v1"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
	staffv1 "github.com/partsbin/partsbin/gen/partsbin/staff/v1"
	"github.com/partsbin/partsbin/gen/partsbin/staff/v1/staffv1connect"
)

// fanOutScenario opens many WatchOrder streams on one order and measures
// the delay from a status change to each watcher.
func fanOutScenario() scenario {
	return scenario{
		name:    "fanout",
		summary: "-streams WatchOrder streams on one order; delay from a status change to every watcher",
		help: `A demo customer places a cash-on-delivery order; the demo staff account
staff1 opens -streams WatchOrder streams on it (start the server with
PARTSBIN_MAX_STREAMS_PER_USER above -streams), then moves the order to
shipped and to delivered. For each move it reports how many streams saw it
and the delay from the call to each stream's receipt.`,
		server: true,
		flags: func(fs *flag.FlagSet) prepareFunc {
			streams := fs.Int("streams", 1000, "streams to open")
			return func(ctx context.Context, o options, stderr io.Writer) (workload, error) {
				return prepareFanOut(ctx, o, *streams, stderr)
			}
		},
	}
}

func prepareFanOut(ctx context.Context, o options, streams int, stderr io.Writer) (workload, error) {
	if streams < 1 || streams > 20000 {
		return workload{}, usageError{"-streams must be 1 to 20000"}
	}
	t, err := newTarget(ctx, o)
	if err != nil {
		return workload{}, err
	}
	carts, products, err := demoCarts(ctx, o, t, 1)
	if err != nil {
		return workload{}, err
	}
	if _, err := carts[0].client.AddItem(ctx, &cartv1.AddItemRequest{ProductId: products[0], Quantity: 1}); err != nil {
		return workload{}, err
	}
	co := checkoutv1connect.NewCheckoutServiceClient(t.httpClient, t.baseURL, append(t.options, connect.WithInterceptors(bearer(carts[0].token)))...)
	placed, err := co.PlaceOrder(ctx, &checkoutv1.PlaceOrderRequest{
		ShippingAddress: &commonv1.Address{Recipient: "Fan Out", Line1: "Benchstr. 1", City: "Berlin", PostalCode: "10115", CountryCode: "DE"},
		PaymentMethod:   checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY, IdempotencyKey: "fanout-" + randomHex(12)})
	if err != nil {
		return workload{}, fmt.Errorf("place the order: %w", err)
	}
	auth := authv1connect.NewAuthServiceClient(t.httpClient, t.baseURL, t.options...)
	lr, err := auth.Login(ctx, &authv1.LoginRequest{Email: "staff1@partsbin.localhost", Password: demoPassword})
	if err != nil {
		return workload{}, fmt.Errorf("log in as staff1: %w", err)
	}
	staffOpts := append(t.options, connect.WithInterceptors(bearer(lr.GetSession().GetToken())))
	watchClient := checkoutv1connect.NewCheckoutServiceClient(t.httpClient, t.baseURL, staffOpts...)
	staff := staffv1connect.NewStaffServiceClient(t.httpClient, t.baseURL, staffOpts...)
	order := placed.GetOrder()

	direct := func(runCtx context.Context, stdout io.Writer) error {
		ctx, cancel := context.WithCancel(runCtx)
		defer cancel()
		var (
			mu       sync.Mutex
			got      = map[int64][]time.Time{}
			ready    sync.WaitGroup
			failures int
		)
		ready.Add(streams)
		opened := time.Now()
		for range streams {
			go func() {
				stream, err := watchClient.WatchOrder(ctx, &checkoutv1.WatchOrderRequest{OrderId: order.GetId()})
				first := true
				markReady := func() {
					if first {
						first = false
						ready.Done()
					}
				}
				defer markReady()
				if err != nil {
					mu.Lock()
					failures++
					mu.Unlock()
					return
				}
				defer stream.Close()
				for stream.Receive() {
					m := stream.Msg()
					if m.GetSnapshot() != nil {
						markReady()
						continue
					}
					if e := m.GetEvent(); e != nil {
						mu.Lock()
						got[e.GetSequence()] = append(got[e.GetSequence()], time.Now())
						mu.Unlock()
					}
				}
				if ctx.Err() == nil {
					mu.Lock()
					failures++
					if failures == 1 {
						fmt.Fprintf(stdout, "fanout: a stream ended: %v\n", stream.Err())
					}
					mu.Unlock()
				}
			}()
		}
		ready.Wait()
		fmt.Fprintf(stdout, "fanout: %d streams open in %v (%d failed to open or dropped)\n", streams, time.Since(opened).Round(time.Millisecond), failures)
		version := order.GetVersion()
		moves := []struct {
			to                checkoutv1.OrderStatus
			tracking, carrier string
		}{{checkoutv1.OrderStatus_ORDER_STATUS_SHIPPED, "FANOUT-1", "DHL"}, {checkoutv1.OrderStatus_ORDER_STATUS_DELIVERED, "", ""}}
		fmt.Fprintf(stdout, "%12s  %8s  %10s  %10s  %10s  %10s\n", "move", "seen by", "p50", "p95", "p99", "max")
		for _, mv := range moves {
			start := time.Now()
			res, err := staff.UpdateOrderStatus(ctx, &staffv1.UpdateOrderStatusRequest{OrderId: order.GetId(), Status: mv.to,
				ExpectedVersion: version, TrackingNumber: mv.tracking, Carrier: mv.carrier})
			if err != nil {
				return fmt.Errorf("move to %v: %w", mv.to, err)
			}
			version = res.GetOrder().GetVersion()
			seq := res.GetEvent().GetSequence()
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				mu.Lock()
				n := len(got[seq])
				mu.Unlock()
				if n >= streams-failures {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			mu.Lock()
			delays := make([]time.Duration, len(got[seq]))
			for i, at := range got[seq] {
				delays[i] = at.Sub(start)
			}
			mu.Unlock()
			slices.Sort(delays)
			pct := func(p float64) time.Duration {
				if len(delays) == 0 {
					return 0
				}
				return delays[min(len(delays)-1, int(p*float64(len(delays))))].Round(10 * time.Microsecond)
			}
			fmt.Fprintf(stdout, "%12s  %8d  %10v  %10v  %10v  %10v\n", mv.to.String()[13:], len(delays), pct(0.5), pct(0.95), pct(0.99), pct(1))
		}
		return nil
	}
	return workload{direct: direct}, nil
}
