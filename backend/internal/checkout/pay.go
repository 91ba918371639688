package checkout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/partsbin/partsbin/backend/internal/platform/db"
)

// More payment statuses (the provider's intermediate states).
const (
	PaymentRequiresAction PaymentStatus = "requires_action"
	PaymentProcessing     PaymentStatus = "processing"
)

// ErrNotPayable means the order cannot take a card payment now.
var ErrNotPayable = errors.New("this order cannot be paid now: it is not an unpaid card order, it expired, or a payment is already under way")

// ChargeRequest is a card charge for an order.
type ChargeRequest struct {
	AmountMinor     int64
	Currency        string
	PaymentMethodID string
	IdempotencyKey  string
	OrderID         string
	ReturnURL       string
}

// ChargeResult is the provider's answer.
type ChargeResult struct {
	ProviderID   string
	Status       string // the provider's PaymentIntent status
	ClientSecret string
	NextAction   string
	Failure      string
}

// Payments charges and refunds cards (Stripe in production, stripe-mock
// locally).
type Payments interface {
	ChargeCard(ctx context.Context, r ChargeRequest) (ChargeResult, error)
	Refund(ctx context.Context, providerID, idempotencyKey string) error
}

// Payment is one attempt as the client sees it.
type Payment struct {
	ProviderID   string
	Status       PaymentStatus
	AmountMinor  int64
	ClientSecret string
	NextAction   string
	Failure      string
}

// paymentStatusOf maps the provider's PaymentIntent status.
func paymentStatusOf(providerStatus string) PaymentStatus {
	switch providerStatus {
	case "succeeded":
		return PaymentSucceeded
	case "processing":
		return PaymentProcessing
	case "requires_action", "requires_confirmation":
		return PaymentRequiresAction
	}
	// requires_payment_method after a confirmation is a declined card;
	// canceled ends the attempt.
	return PaymentFailed
}

// PayOrder charges a pending card order. A retry with the same key returns
// the first attempt without charging again (the provider gets the same
// idempotency key too, in case our record of the first attempt was lost).
func (s *Service) PayOrder(ctx context.Context, customerID, orderID, paymentMethodID, key, returnURL string) (Order, Payment, error) {
	if s.payments == nil {
		return Order{}, Payment{}, errors.New("card payments are not configured")
	}
	var p Payment
	err := db.Retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, q.SQL("PaymentByKey"), orderID, key).Scan(&p.ProviderID, &p.Status, &p.ClientSecret, &p.NextAction, &p.Failure)
	})
	if err == nil {
		o, err := s.Order(ctx, customerID, orderID)
		p.AmountMinor = o.TotalMinor
		return o, p, err
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return Order{}, Payment{}, err
	}
	o, err := s.Order(ctx, customerID, orderID)
	if err != nil {
		return Order{}, Payment{}, err
	}
	now := s.clock.Now()
	if o.PaymentMethod != PayCard || o.Status != StatusPendingPayment || (o.ExpiresAt != nil && !now.Before(*o.ExpiresAt)) ||
		o.PaymentStatus == PaymentProcessing || o.PaymentStatus == PaymentSucceeded {
		return Order{}, Payment{}, ErrNotPayable
	}
	res, err := s.payments.ChargeCard(ctx, ChargeRequest{AmountMinor: o.TotalMinor, Currency: o.Currency,
		PaymentMethodID: paymentMethodID, IdempotencyKey: "pay-" + orderID + "-" + key, OrderID: orderID, ReturnURL: returnURL})
	if err != nil {
		return Order{}, Payment{}, fmt.Errorf("charge card: %w", err)
	}
	p = Payment{ProviderID: res.ProviderID, Status: paymentStatusOf(res.Status), AmountMinor: o.TotalMinor,
		ClientSecret: res.ClientSecret, NextAction: res.NextAction, Failure: res.Failure}
	var refund bool
	err = db.InTx(ctx, s.pool, db.TxOptions{Idempotent: true}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, q.SQL("InsertPayment"), orderID, key, p.ProviderID, p.Status, o.TotalMinor, o.Currency,
			p.ClientSecret, p.NextAction, p.Failure, now); err != nil {
			return err
		}
		refund, err = s.applyPayment(ctx, tx, orderID, p.Status, p.Failure, now)
		return err
	})
	if err != nil {
		return Order{}, Payment{}, err
	}
	s.afterPayment(ctx, orderID, p.ProviderID, refund)
	o, err = s.Order(ctx, customerID, orderID)
	return o, p, err
}

// applyPayment moves an order by a payment status, idempotently: a
// succeeded payment makes a pending order paid exactly once, later or
// repeated news changes nothing. It reports whether the money must go back
// (the payment succeeded on an order that was cancelled meanwhile).
func (s *Service) applyPayment(ctx context.Context, tx pgx.Tx, orderID string, status PaymentStatus, failure string, now time.Time) (refund bool, err error) {
	o, err := loadOrder(ctx, tx, "", orderID, true)
	if err != nil {
		return false, err
	}
	if o.PaymentStatus == PaymentSucceeded || o.PaymentStatus == PaymentRefunded || o.PaymentStatus == status {
		return false, nil
	}
	actor := Actor{Kind: ActorProvider}
	switch {
	case status == PaymentSucceeded && o.Status == StatusPendingPayment:
		if _, err := tx.Exec(ctx, q.SQL("SetStatus"), o.ID, StatusPaid, PaymentSucceeded, o.CancelReason, now); err != nil {
			return false, err
		}
		return false, appendEvent(ctx, tx, o.ID, now, actor, o.Status, StatusPaid, PaymentSucceeded, "payment received")
	case status == PaymentSucceeded:
		// Paid after it expired or was cancelled: keep the record, refund.
		if _, err := tx.Exec(ctx, q.SQL("SetPaymentStatus"), o.ID, PaymentSucceeded, now); err != nil {
			return false, err
		}
		return true, appendEvent(ctx, tx, o.ID, now, actor, o.Status, o.Status, PaymentSucceeded, "payment received after cancellation; refunding")
	case o.Status != StatusPendingPayment:
		return false, nil
	}
	if _, err := tx.Exec(ctx, q.SQL("SetPaymentStatus"), o.ID, status, now); err != nil {
		return false, err
	}
	note := string(status)
	if failure != "" {
		note = failure
	}
	return false, appendEvent(ctx, tx, o.ID, now, actor, o.Status, o.Status, status, note)
}

// afterPayment refunds when needed and wakes the order's watchers.
func (s *Service) afterPayment(ctx context.Context, orderID, providerID string, refund bool) {
	if refund && providerID != "" {
		s.refund(ctx, orderID, providerID)
	}
	s.notify(ctx, orderID)
}

// refund gives a succeeded payment back and records it. A failure is
// logged loudly; the provider key makes a later retry safe.
func (s *Service) refund(ctx context.Context, orderID, providerID string) {
	if err := s.payments.Refund(context.WithoutCancel(ctx), providerID, "refund-"+orderID); err != nil {
		s.log.ErrorContext(ctx, "refund failed: money to return by hand or retry", "order_id", orderID, "payment", providerID, "err", err)
		return
	}
	err := db.InTx(ctx, s.pool, db.TxOptions{Idempotent: true}, func(tx pgx.Tx) error {
		o, err := loadOrder(ctx, tx, "", orderID, true)
		if err != nil || o.PaymentStatus == PaymentRefunded {
			return err
		}
		now := s.clock.Now()
		if _, err := tx.Exec(ctx, q.SQL("SetPaymentStatus"), orderID, PaymentRefunded, now); err != nil {
			return err
		}
		return appendEvent(ctx, tx, orderID, now, Actor{Kind: ActorSystem}, o.Status, o.Status, PaymentRefunded, "payment refunded")
	})
	if err != nil {
		s.log.ErrorContext(ctx, "refund done but not recorded", "order_id", orderID, "err", err)
	}
}

// refundIfPaid refunds a cancelled order whose card payment succeeded.
func (s *Service) refundIfPaid(ctx context.Context, orderID string) {
	if s.payments == nil {
		return
	}
	var providerID string
	err := s.pool.QueryRow(ctx, q.SQL("SucceededPayment"), orderID).Scan(&providerID)
	if err != nil {
		return // no succeeded card payment
	}
	o, err := loadOrder(ctx, s.pool, "", orderID, false)
	if err == nil && o.Status == StatusCancelled && o.PaymentStatus == PaymentSucceeded {
		s.refund(ctx, orderID, providerID)
	}
}

// ProviderEvent is a verified webhook event about a payment.
type ProviderEvent struct {
	ID         string
	Type       string
	ProviderID string
	OrderID    string
	Status     string
	Failure    string
}

// WebhookHandler applies the payment provider's signed events. verify
// checks the signature; events are applied once each.
func (s *Service) WebhookHandler(verify func(payload []byte, signature string) (ProviderEvent, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, err := io.ReadAll(io.LimitReader(r.Body, 256<<10))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		ev, err := verify(payload, r.Header.Get("Stripe-Signature"))
		if err != nil {
			http.Error(w, "invalid signature", http.StatusBadRequest)
			return
		}
		status, err := s.applyEvent(r.Context(), ev)
		if err != nil {
			s.log.ErrorContext(r.Context(), "webhook not applied; the provider will retry", "event", ev.ID, "err", err)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, "{\"status\":%q}\n", status)
	})
}

// applyEvent applies one event; the result says what happened to it.
func (s *Service) applyEvent(ctx context.Context, ev ProviderEvent) (string, error) {
	var status PaymentStatus
	switch ev.Type {
	case "payment_intent.succeeded":
		status = PaymentSucceeded
	case "payment_intent.processing":
		status = PaymentProcessing
	case "payment_intent.requires_action":
		status = PaymentRequiresAction
	case "payment_intent.payment_failed", "payment_intent.canceled":
		status = PaymentFailed
	default:
		return "ignored", nil
	}
	var (
		orderID string
		refund  bool
		result  = "applied"
	)
	err := db.InTx(ctx, s.pool, db.TxOptions{Idempotent: true}, func(tx pgx.Tx) error {
		refund, result = false, "applied"
		tag, err := tx.Exec(ctx, q.SQL("RecordWebhook"), ev.ID, ev.Type, s.clock.Now())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			result = "duplicate"
			return nil
		}
		orderID = ""
		if err := tx.QueryRow(ctx, q.SQL("OrderByPayment"), ev.ProviderID).Scan(&orderID); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if orderID == "" {
			if _, err := uuid.Parse(ev.OrderID); err == nil {
				orderID = ev.OrderID
			}
		}
		if orderID == "" {
			result = "unknown order"
			return nil
		}
		refund, err = s.applyPayment(ctx, tx, orderID, status, ev.Failure, s.clock.Now())
		if errors.Is(err, ErrNotFound) {
			result = "unknown order"
			return nil
		}
		if err != nil || ev.ProviderID == "" {
			return err
		}
		_, err = tx.Exec(ctx, q.SQL("RecordProviderPayment"), orderID, ev.ProviderID, status, s.clock.Now())
		return err
	})
	if err != nil {
		return "", err
	}
	if result == "applied" {
		s.afterPayment(ctx, orderID, ev.ProviderID, refund)
	}
	return result, nil
}
