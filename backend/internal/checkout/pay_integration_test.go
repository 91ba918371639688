package checkout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/partsbin/partsbin/backend/internal/app"
	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
)

// sendWebhook posts a payment_intent event signed with secret (or unsigned
// when secret is "") and returns the HTTP status and body.
func sendWebhook(t *testing.T, s *apptest.Server, secret, eventID, typ, piID, orderID string) (int, string) {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{
		"id": eventID, "object": "event", "type": typ, "api_version": "2025-01-01",
		"data": map[string]any{"object": map[string]any{
			"id": piID, "object": "payment_intent", "status": map[string]string{
				"payment_intent.succeeded": "succeeded", "payment_intent.payment_failed": "requires_payment_method",
				"payment_intent.requires_action": "requires_action"}[typ],
			"metadata": map[string]string{"order_id": orderID},
		}},
	})
	req, _ := http.NewRequest(http.MethodPost, s.URL+app.StripeWebhookPath, bytes.NewReader(payload))
	if secret != "" {
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret})
		req.Header.Set("Stripe-Signature", signed.Header)
	}
	res, err := s.HTTP1.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func events(t *testing.T, c checkoutv1connect.CheckoutServiceClient, id string) *checkoutv1.Order {
	t.Helper()
	res, err := c.GetOrder(context.Background(), &checkoutv1.GetOrderRequest{OrderId: id})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetOrder()
}

func TestPayOrder_RetriesNeverChargeTwiceAndWebhooksDecide(t *testing.T) {
	t.Parallel()
	s, pid, stock := lifecycleShop(t)
	ctx := context.Background()
	cust := s.CreateUser(t, auth.RoleCustomer)
	c := apptest.NewClient(s, apptest.Protocols[0], checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(cust.Token))
	o := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)

	pay := &checkoutv1.PayOrderRequest{OrderId: o.GetId(), PaymentMethodId: "pm_card_visa", IdempotencyKey: "pay-attempt-0001"}
	first, err := c.PayOrder(ctx, pay)
	if err != nil {
		t.Fatalf("PayOrder: %v", err)
	}
	p := first.GetPayment()
	if p.GetProviderPaymentId() == "" || p.GetAmount().GetAmountMinor() != o.GetTotal().GetAmountMinor() {
		t.Fatalf("payment = %v, want a provider id and the order's total %d", p, o.GetTotal().GetAmountMinor())
	}
	again, err := c.PayOrder(ctx, pay)
	if err != nil || again.GetPayment().GetProviderPaymentId() != p.GetProviderPaymentId() {
		t.Fatalf("retried PayOrder: %v, payment %v; want the first attempt back", err, again.GetPayment())
	}
	var attempts int
	if err := s.Conn(t).QueryRow(ctx, `SELECT count(*) FROM payments WHERE order_id = $1`, o.GetId()).Scan(&attempts); err != nil || attempts != 1 {
		t.Fatalf("payment attempts = %d (%v), want 1", attempts, err)
	}

	secret := s.Env.StripeWebhookSecret
	if code, body := sendWebhook(t, s, "", "evt_unsigned", "payment_intent.succeeded", p.GetProviderPaymentId(), o.GetId()); code != http.StatusBadRequest {
		t.Errorf("unsigned webhook: %d %s, want 400", code, body)
	}
	if code, _ := sendWebhook(t, s, "whsec_wrong", "evt_forged", "payment_intent.succeeded", p.GetProviderPaymentId(), o.GetId()); code != http.StatusBadRequest {
		t.Errorf("forged webhook: %d, want 400", code)
	}
	if got := events(t, c, o.GetId()).GetStatus(); got != checkoutv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
		t.Fatalf("after rejected webhooks: %v, want still pending", got)
	}
	code, body := sendWebhook(t, s, secret, "evt_ok_1", "payment_intent.succeeded", p.GetProviderPaymentId(), o.GetId())
	if code != http.StatusOK {
		t.Fatalf("signed webhook: %d %s", code, body)
	}
	paid := events(t, c, o.GetId())
	last := paid.GetEvents()[len(paid.GetEvents())-1]
	if paid.GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PAID || paid.GetPaymentStatus() != checkoutv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED ||
		last.GetActor().GetKind() != checkoutv1.ActorKind_ACTOR_KIND_PAYMENT_PROVIDER {
		t.Fatalf("after succeeded webhook: %v / %v, last event %v", paid.GetStatus(), paid.GetPaymentStatus(), last)
	}
	n := len(paid.GetEvents())
	// Replayed and late news change nothing.
	if _, body := sendWebhook(t, s, secret, "evt_ok_1", "payment_intent.succeeded", p.GetProviderPaymentId(), o.GetId()); body != "{\"status\":\"duplicate\"}\n" {
		t.Errorf("replayed event: %q, want duplicate", body)
	}
	sendWebhook(t, s, secret, "evt_late_fail", "payment_intent.payment_failed", p.GetProviderPaymentId(), o.GetId())
	if after := events(t, c, o.GetId()); len(after.GetEvents()) != n || after.GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PAID {
		t.Errorf("replay or late failure changed the order: %v, %d events (was %d)", after.GetStatus(), len(after.GetEvents()), n)
	}
	_, err = c.PayOrder(ctx, &checkoutv1.PayOrderRequest{OrderId: o.GetId(), PaymentMethodId: "pm_card_visa", IdempotencyKey: "pay-attempt-0002"})
	if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
		t.Errorf("paying a paid order: %v, want failed_precondition", got)
	}
	if _, body := sendWebhook(t, s, secret, "evt_unknown", "payment_intent.succeeded", "pi_unknown", "00000000-0000-4000-8000-000000000000"); body != "{\"status\":\"unknown order\"}\n" {
		t.Errorf("webhook for an unknown order: %q", body)
	}

	// Cancelling the paid order refunds it and gives the stock back.
	res, err := c.CancelOrder(ctx, &checkoutv1.CancelOrderRequest{OrderId: o.GetId(), Reason: "changed my mind"})
	if err != nil {
		t.Fatalf("cancel a paid order: %v", err)
	}
	if got := res.GetOrder().GetPaymentStatus(); got != checkoutv1.PaymentStatus_PAYMENT_STATUS_REFUNDED {
		t.Errorf("payment after cancelling a paid order: %v, want REFUNDED", got)
	}
	if got := stockOf(t, s, pid); got != stock {
		t.Errorf("stock after cancel: %d, want %d", got, stock)
	}
}

func TestPayOrder_WebhookInsteadOfConfirmationAndAfterExpiry(t *testing.T) {
	t.Parallel()
	s, pid, _ := lifecycleShop(t)
	ctx := context.Background()
	cust := s.CreateUser(t, auth.RoleCustomer)
	c := apptest.NewClient(s, apptest.Protocols[1], checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(cust.Token))
	secret := s.Env.StripeWebhookSecret

	// The webhook arrives although the client never got an answer.
	o := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)
	sendWebhook(t, s, secret, "evt_instead", "payment_intent.succeeded", "pi_instead_1", o.GetId())
	if got := events(t, c, o.GetId()).GetStatus(); got != checkoutv1.OrderStatus_ORDER_STATUS_PAID {
		t.Errorf("webhook instead of the client's confirmation: %v, want PAID", got)
	}

	// A payment that lands after the order expired is refunded.
	late := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)
	s.Clock.Advance(31 * time.Minute)
	if n, err := s.App.Checkout.ExpireDue(ctx, 10); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	_, err := c.PayOrder(ctx, &checkoutv1.PayOrderRequest{OrderId: late.GetId(), PaymentMethodId: "pm_card_visa", IdempotencyKey: "too-late-attempt-1"})
	if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
		t.Errorf("paying an expired order: %v, want failed_precondition", got)
	}
	sendWebhook(t, s, secret, "evt_after_expiry", "payment_intent.succeeded", "pi_after_expiry", late.GetId())
	got := events(t, c, late.GetId())
	if got.GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_CANCELLED || got.GetPaymentStatus() != checkoutv1.PaymentStatus_PAYMENT_STATUS_REFUNDED {
		t.Errorf("payment after expiry: %v / %v, want CANCELLED and REFUNDED", got.GetStatus(), got.GetPaymentStatus())
	}
	// Bad input.
	for name, req := range map[string]*checkoutv1.PayOrderRequest{
		"no pm":       {OrderId: o.GetId(), IdempotencyKey: "0123456789abcdef"},
		"bad pm":      {OrderId: o.GetId(), PaymentMethodId: "card 4242", IdempotencyKey: "0123456789abcdef"},
		"short key":   {OrderId: o.GetId(), PaymentMethodId: "pm_card_visa", IdempotencyKey: "short"},
		"bad id":      {OrderId: "x", PaymentMethodId: "pm_card_visa", IdempotencyKey: "0123456789abcdef"},
		"http return": {OrderId: o.GetId(), PaymentMethodId: "pm_card_visa", IdempotencyKey: "0123456789abcdef", ReturnUrl: "http://evil"},
	} {
		_, err := c.PayOrder(ctx, req)
		if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
			t.Errorf("%s: %v, want invalid_argument", name, got)
		}
	}
	other := s.CreateUser(t, auth.RoleCustomer)
	_, err = apptest.NewClient(s, apptest.Protocols[0], checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(other.Token)).
		PayOrder(ctx, &checkoutv1.PayOrderRequest{OrderId: o.GetId(), PaymentMethodId: "pm_card_visa", IdempotencyKey: "0123456789abcdef"})
	if got := apptest.CodeOf(t, err); got != connect.CodeNotFound {
		t.Errorf("paying another customer's order: %v, want not_found", got)
	}
}

func TestRetryRefunds_GivesBackWhatAFailedRefundLeft(t *testing.T) {
	t.Parallel()
	s, pid, _ := lifecycleShop(t)
	ctx := context.Background()
	cust := s.CreateUser(t, auth.RoleCustomer)
	c := apptest.NewClient(s, apptest.Protocols[0], checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(cust.Token))
	o := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)
	sendWebhook(t, s, s.Env.StripeWebhookSecret, "evt_retry_paid", "payment_intent.succeeded", "pi_retry_1", o.GetId())
	// As if the cancellation committed but the refund call then failed.
	if _, err := s.Conn(t).Exec(ctx, `UPDATE orders SET status = 'cancelled' WHERE id = $1`, o.GetId()); err != nil {
		t.Fatal(err)
	}
	n, err := s.App.Checkout.RetryRefunds(ctx, 10)
	if err != nil || n != 1 {
		t.Fatalf("RetryRefunds: %d, %v; want the one order", n, err)
	}
	if got := events(t, c, o.GetId()).GetPaymentStatus(); got != checkoutv1.PaymentStatus_PAYMENT_STATUS_REFUNDED {
		t.Errorf("after the retry: %v, want REFUNDED", got)
	}
	if n, _ := s.App.Checkout.RetryRefunds(ctx, 10); n != 0 {
		t.Errorf("a second retry found %d orders", n)
	}
}
