package checkout_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"connectrpc.com/connect"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
)

// payments of one order as the provider ids and statuses we recorded.
func paymentsOf(t *testing.T, s *apptest.Server, orderID string) map[string]string {
	t.Helper()
	rows, err := s.Conn(t).Query(context.Background(),
		`SELECT provider_payment_id, status FROM payments WHERE order_id = $1 AND provider_payment_id <> ''`, orderID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			t.Fatal(err)
		}
		// Attempts that reuse an intent share its id; the most advanced
		// state of the intent is what counts.
		if rank[status] >= rank[out[id]] {
			out[id] = status
		}
	}
	return out
}

var rank = map[string]int{"": 0, "creating": 1, "failed": 2, "requires_action": 3, "processing": 4, "succeeded": 5, "refunded": 6}

// capturedKept counts payments that took money and were not given back.
func capturedKept(p map[string]string) int {
	n := 0
	for _, st := range p {
		if st == "succeeded" {
			n++
		}
	}
	return n
}

func TestPayOrder_ConcurrentAttemptsMakeOneIntent(t *testing.T) {
	t.Parallel()
	s, pid, _ := lifecycleShop(t)
	ctx := context.Background()
	cust := s.CreateUser(t, auth.RoleCustomer)
	c := apptest.NewClient(s, apptest.Protocols[0], checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(cust.Token))
	for round := range 3 {
		o := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)
		const n = 4
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = c.PayOrder(ctx, &checkoutv1.PayOrderRequest{OrderId: o.GetId(), PaymentMethodId: "pm_card_visa",
					IdempotencyKey: fmt.Sprintf("concurrent-%d-attempt-%d", round, i)})
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch connect.CodeOf(err) {
			case connect.CodeUnknown:
				if err == nil {
					ok++
					continue
				}
				t.Errorf("round %d attempt %d: %v", round, i, err)
			case connect.CodeFailedPrecondition: // another attempt is under way
			default:
				t.Errorf("round %d attempt %d: %v, want success or failed_precondition", round, i, err)
			}
		}
		if ok == 0 {
			t.Fatalf("round %d: no attempt succeeded", round)
		}
		intents := paymentsOf(t, s, o.GetId())
		if len(intents) != 1 {
			t.Fatalf("round %d: %d concurrent attempts made %d payment intents %v, want 1", round, n, len(intents), intents)
		}
		for pi := range intents {
			if code, body := sendWebhook(t, s, s.Env.StripeWebhookSecret, "evt_conc_"+pi, "payment_intent.succeeded", pi, o.GetId()); code != http.StatusOK {
				t.Fatalf("webhook: %d %s", code, body)
			}
		}
		if got := capturedKept(paymentsOf(t, s, o.GetId())); got != 1 {
			t.Fatalf("round %d: %d captured payments kept, want 1", round, got)
		}
	}
}

func TestPayOrder_SecondAttemptDuring3DSReusesTheIntent(t *testing.T) {
	t.Parallel()
	s, pid, _ := lifecycleShop(t)
	ctx := context.Background()
	cust := s.CreateUser(t, auth.RoleCustomer)
	c := apptest.NewClient(s, apptest.Protocols[1], checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(cust.Token))
	o := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)
	first, err := c.PayOrder(ctx, &checkoutv1.PayOrderRequest{OrderId: o.GetId(), PaymentMethodId: "pm_card_threeDSecure2Required", IdempotencyKey: "three-ds-attempt-1"})
	if err != nil {
		t.Fatal(err)
	}
	pi := first.GetPayment().GetProviderPaymentId()
	// The provider says the card needs 3-D Secure; the customer gives up
	// on it and tries again with another card.
	if code, body := sendWebhook(t, s, s.Env.StripeWebhookSecret, "evt_3ds_"+pi, "payment_intent.requires_action", pi, o.GetId()); code != http.StatusOK {
		t.Fatalf("webhook: %d %s", code, body)
	}
	second, err := c.PayOrder(ctx, &checkoutv1.PayOrderRequest{OrderId: o.GetId(), PaymentMethodId: "pm_card_mastercard", IdempotencyKey: "three-ds-attempt-2"})
	if err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	if got := second.GetPayment().GetProviderPaymentId(); got != pi {
		t.Fatalf("second attempt made intent %s, want the live intent %s reused", got, pi)
	}
	// Either confirmation completing later captures the one intent.
	sendWebhook(t, s, s.Env.StripeWebhookSecret, "evt_3ds_ok_"+pi, "payment_intent.succeeded", pi, o.GetId())
	p := paymentsOf(t, s, o.GetId())
	if len(p) != 1 || capturedKept(p) != 1 {
		t.Fatalf("payments %v, want exactly one captured intent", p)
	}
	if got := events(t, c, o.GetId()).GetStatus(); got != checkoutv1.OrderStatus_ORDER_STATUS_PAID {
		t.Fatalf("order %v, want PAID", got)
	}
}

// A second intent can still succeed: one made before this server knew of
// the first (lost response, an old client), or by hand in the provider's
// dashboard. Whichever success arrives second is refunded, in every order
// of arrival, and a cancellation refunds every captured payment.
func TestPayOrder_EverySuccessThatDidNotPayIsRefunded(t *testing.T) {
	t.Parallel()
	s, pid, _ := lifecycleShop(t)
	ctx := context.Background()
	cust := s.CreateUser(t, auth.RoleCustomer)
	c := apptest.NewClient(s, apptest.Protocols[0], checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(cust.Token))
	secret := s.Env.StripeWebhookSecret
	pay := func(t *testing.T, o *checkoutv1.Order, key string) string {
		t.Helper()
		res, err := c.PayOrder(ctx, &checkoutv1.PayOrderRequest{OrderId: o.GetId(), PaymentMethodId: "pm_card_visa", IdempotencyKey: key})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetPayment().GetProviderPaymentId()
	}
	succeed := func(t *testing.T, o *checkoutv1.Order, pi string) {
		t.Helper()
		if code, body := sendWebhook(t, s, secret, "evt_ok_"+pi+"_"+apptest.RandomHex(4), "payment_intent.succeeded", pi, o.GetId()); code != http.StatusOK {
			t.Fatalf("webhook: %d %s", code, body)
		}
	}
	want := func(t *testing.T, o *checkoutv1.Order, kept string, refunded ...string) {
		t.Helper()
		p := paymentsOf(t, s, o.GetId())
		if kept != "" && p[kept] != "succeeded" {
			t.Errorf("payment %s: %q, want succeeded (it paid the order)", kept, p[kept])
		}
		for _, r := range refunded {
			if p[r] != "refunded" {
				t.Errorf("payment %s: %q, want refunded (payments %v)", r, p[r], p)
			}
		}
	}

	t.Run("stray success after the order was paid", func(t *testing.T) {
		o := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)
		pi := pay(t, o, "stray-after-attempt-1")
		succeed(t, o, pi)
		succeed(t, o, "pi_stray_after_"+apptest.RandomHex(4)) // unknown to us until now
		stray := ""
		for id := range paymentsOf(t, s, o.GetId()) {
			if id != pi {
				stray = id
			}
		}
		want(t, o, pi, stray)
		if got := events(t, c, o.GetId()); got.GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PAID ||
			got.GetPaymentStatus() != checkoutv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED {
			t.Errorf("order %v / %v, want PAID / SUCCEEDED", got.GetStatus(), got.GetPaymentStatus())
		}
	})
	t.Run("stray success before our own", func(t *testing.T) {
		o := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)
		pi := pay(t, o, "stray-before-attempt-1")
		stray := "pi_stray_before_" + apptest.RandomHex(4)
		succeed(t, o, stray)
		succeed(t, o, pi)
		want(t, o, stray, pi)
	})
	t.Run("cancellation refunds every captured payment", func(t *testing.T) {
		o := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)
		pi := pay(t, o, "cancel-both-attempt-1")
		succeed(t, o, pi)
		// A second capture whose refund failed at the time (provider
		// down): it is on record as succeeded.
		stray := "pi_stray_unrefunded_" + apptest.RandomHex(4)
		if _, err := s.Conn(t).Exec(ctx, `INSERT INTO payments (order_id, idempotency_key, provider_payment_id, status, amount_minor, currency)
			SELECT id, 'provider-' || $2, $2, 'succeeded', total_minor, currency FROM orders WHERE id = $1`, o.GetId(), stray); err != nil {
			t.Fatal(err)
		}
		res, err := c.CancelOrder(ctx, &checkoutv1.CancelOrderRequest{OrderId: o.GetId(), Reason: "no longer needed"})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.GetOrder().GetPaymentStatus(); got != checkoutv1.PaymentStatus_PAYMENT_STATUS_REFUNDED {
			t.Errorf("payment status after cancel: %v, want REFUNDED", got)
		}
		want(t, o, "", pi, stray)
	})
	t.Run("refund retry job finds stray captures", func(t *testing.T) {
		o := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)
		pi := pay(t, o, "retry-stray-attempt-1")
		succeed(t, o, pi)
		stray := "pi_stray_retry_" + apptest.RandomHex(4)
		if _, err := s.Conn(t).Exec(ctx, `INSERT INTO payments (order_id, idempotency_key, provider_payment_id, status, amount_minor, currency)
			SELECT id, 'provider-' || $2, $2, 'succeeded', total_minor, currency FROM orders WHERE id = $1`, o.GetId(), stray); err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Checkout.RetryRefunds(ctx, 100); err != nil {
			t.Fatal(err)
		}
		want(t, o, pi, stray)
	})
}
