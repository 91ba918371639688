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

// ErrPaymentInFlight means another attempt to pay the order is talking to
// the provider right now; the client retries in a moment (or with the same
// idempotency key, which resumes that attempt).
var ErrPaymentInFlight = errors.New("another payment attempt for this order is under way; retry in a few seconds")

// ErrProviderUnavailable means the payment provider could not be reached;
// the outcome of the call is unknown and a retry with the same idempotency
// key is safe.
var ErrProviderUnavailable = errors.New("payment provider unavailable")

// paymentCreating marks an attempt whose call to the provider has not come
// back yet. It is never shown to clients.
const paymentCreating PaymentStatus = "creating"

// attemptTimeout is how long an attempt may stay "creating" before other
// attempts stop waiting for it (a crashed instance, a provider that never
// answered). A retry with the attempt's own key resumes it at any time.
const attemptTimeout = 2 * time.Minute

// ChargeRequest is a card charge for an order.
type ChargeRequest struct {
	AmountMinor     int64
	Currency        string
	PaymentMethodID string
	IdempotencyKey  string
	OrderID         string
	ReturnURL       string
	// IntentID, when set, is the order's live payment intent: the charge
	// confirms it with the new payment method instead of creating another
	// intent, so an order is captured at most once.
	IntentID string
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
// locally). Errors that leave the outcome unknown wrap
// ErrProviderUnavailable.
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

// reusableIntent reports whether an intent in this provider state can be
// confirmed again with another payment method.
func reusableIntent(providerStatus string) bool {
	switch providerStatus {
	case "requires_payment_method", "requires_confirmation", "requires_action":
		return true
	}
	return false
}

// attempt is a PayOrder call as planned under the order's lock.
type attempt struct {
	id string
	// intent is the provider intent the attempt confirms ("" for a new one).
	intent string
	// done is set when the key names an attempt that already finished:
	// its result is answered again.
	done    bool
	payment Payment
}

// PayOrder charges a pending card order. Attempts are serialised on the
// order's row: an attempt that is still talking to the provider makes
// others wait (ErrPaymentInFlight), and a later attempt confirms the
// order's live intent (say, one left waiting for 3-D Secure) instead of
// creating a second one. A retry with the same key returns the first
// attempt, or resumes it with the same provider idempotency key if its
// outcome was never recorded. Any capture that still does not pay the
// order (one made outside these rules) is refunded by applyPayment.
func (s *Service) PayOrder(ctx context.Context, customerID, orderID, paymentMethodID, key, returnURL string) (Order, Payment, error) {
	if s.payments == nil {
		return Order{}, Payment{}, errors.New("card payments are not configured")
	}
	var (
		att   attempt
		total int64
		cur   string
	)
	err := db.InTx(ctx, s.pool, db.TxOptions{Idempotent: true}, func(tx pgx.Tx) error {
		att = attempt{}
		o, err := loadOrder(ctx, tx, customerID, orderID, true)
		if err != nil {
			return err
		}
		total, cur = o.TotalMinor, o.Currency
		now := s.clock.Now()
		var p Payment
		err = tx.QueryRow(ctx, q.SQL("PaymentByKey"), orderID, key).Scan(&att.id, &p.ProviderID, &p.Status, &p.ClientSecret, &p.NextAction, &p.Failure)
		switch {
		case err == nil && p.Status == paymentCreating:
			att.intent = p.ProviderID // resume it
			return nil
		case err == nil:
			att.done, att.payment = true, p
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if o.PaymentMethod != PayCard || o.Status != StatusPendingPayment || (o.ExpiresAt != nil && !now.Before(*o.ExpiresAt)) ||
			o.PaymentStatus == PaymentProcessing || o.PaymentStatus == PaymentSucceeded {
			return ErrNotPayable
		}
		var (
			liveIntent, providerStatus string
			liveStatus                 PaymentStatus
			updated                    time.Time
		)
		err = tx.QueryRow(ctx, q.SQL("LiveIntent"), orderID).Scan(&liveIntent, &liveStatus, &providerStatus, &updated)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		case liveStatus == paymentCreating && now.Sub(updated) < attemptTimeout:
			return ErrPaymentInFlight
		case liveIntent != "" && reusableIntent(providerStatus):
			att.intent = liveIntent
		}
		return tx.QueryRow(ctx, q.SQL("StartAttempt"), orderID, key, att.intent, paymentCreating, o.TotalMinor, o.Currency, now).Scan(&att.id)
	})
	if err != nil {
		return Order{}, Payment{}, err
	}
	if att.done {
		o, err := s.Order(ctx, customerID, orderID)
		att.payment.AmountMinor = o.TotalMinor
		return o, att.payment, err
	}
	// The provider key belongs to the attempt row: a resumed attempt sends
	// the same one, and the provider answers with the first outcome.
	res, err := s.payments.ChargeCard(ctx, ChargeRequest{AmountMinor: total, Currency: cur, PaymentMethodID: paymentMethodID,
		IdempotencyKey: "pay-" + att.id, OrderID: orderID, ReturnURL: returnURL, IntentID: att.intent})
	if err != nil {
		// The attempt stays "creating": its own key resumes it, and other
		// attempts wait for attemptTimeout before going around it.
		return Order{}, Payment{}, fmt.Errorf("charge card: %w", err)
	}
	p := Payment{ProviderID: res.ProviderID, Status: paymentStatusOf(res.Status), AmountMinor: total,
		ClientSecret: res.ClientSecret, NextAction: res.NextAction, Failure: res.Failure}
	var refund bool
	err = db.InTx(ctx, s.pool, db.TxOptions{Idempotent: true}, func(tx pgx.Tx) error {
		now := s.clock.Now()
		if _, err := tx.Exec(ctx, q.SQL("FinishAttempt"), att.id, p.ProviderID, p.Status, res.Status,
			p.ClientSecret, p.NextAction, p.Failure, now); err != nil {
			return err
		}
		if p.ProviderID == "" {
			return nil // declined before an intent existed: nothing to apply
		}
		var err error
		refund, err = s.applyPayment(ctx, tx, orderID, p.ProviderID, p.Status, p.Failure, now)
		return err
	})
	if err != nil {
		return Order{}, Payment{}, err
	}
	s.afterPayment(ctx, orderID, refund)
	o, err := s.Order(ctx, customerID, orderID)
	return o, p, err
}

// applyPayment moves an order by news about one of its payments,
// idempotently. The first success makes a pending order paid and becomes
// the payment that paid it (orders.paid_by); any other success - a second
// intent, or money arriving after the order was cancelled or expired - is
// kept on record and reported for refunding. Failures and intermediate
// states only matter while the order waits for its payment.
func (s *Service) applyPayment(ctx context.Context, tx pgx.Tx, orderID, providerID string, status PaymentStatus, failure string, now time.Time) (refund bool, err error) {
	o, err := loadOrder(ctx, tx, "", orderID, true)
	if err != nil {
		return false, err
	}
	var paidBy string
	if err := tx.QueryRow(ctx, q.SQL("PaidBy"), orderID).Scan(&paidBy); err != nil {
		return false, err
	}
	actor := Actor{Kind: ActorProvider}
	if status == PaymentSucceeded {
		var already bool
		if err := tx.QueryRow(ctx, q.SQL("PaymentRefunded"), providerID).Scan(&already); err != nil {
			return false, err
		}
		switch {
		case paidBy == providerID || already:
			return false, nil // repeated news
		case paidBy != "":
			return true, appendEvent(ctx, tx, o.ID, now, actor, o.Status, o.Status, o.PaymentStatus,
				"second payment "+providerID+" received; refunding it")
		case o.Status == StatusPendingPayment:
			if _, err := tx.Exec(ctx, q.SQL("SetStatus"), o.ID, StatusPaid, PaymentSucceeded, o.CancelReason, now); err != nil {
				return false, err
			}
			if _, err := tx.Exec(ctx, q.SQL("SetPaidBy"), o.ID, providerID); err != nil {
				return false, err
			}
			return false, appendEvent(ctx, tx, o.ID, now, actor, o.Status, StatusPaid, PaymentSucceeded, "payment received")
		}
		// Paid after it expired or was cancelled: keep the record, refund.
		if _, err := tx.Exec(ctx, q.SQL("SetPaymentStatus"), o.ID, PaymentSucceeded, now); err != nil {
			return false, err
		}
		return true, appendEvent(ctx, tx, o.ID, now, actor, o.Status, o.Status, PaymentSucceeded, "payment received after cancellation; refunding")
	}
	if paidBy != "" || o.PaymentStatus == PaymentSucceeded || o.PaymentStatus == PaymentRefunded ||
		o.PaymentStatus == status || o.Status != StatusPendingPayment {
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

// afterPayment gives back what must go back and wakes the order's
// watchers.
func (s *Service) afterPayment(ctx context.Context, orderID string, refund bool) {
	if refund {
		s.settleRefunds(ctx, orderID)
	}
	s.notify(ctx, orderID)
}

// settleRefunds refunds every captured payment of the order that does not
// pay it: all of them once it is cancelled, any but orders.paid_by
// otherwise. Each refund has its own provider key ("refund-<intent>"), so a
// repeat - by the retry job or another instance - returns the same refund.
// A failure is logged loudly and left to RetryRefunds.
func (s *Service) settleRefunds(ctx context.Context, orderID string) {
	if s.payments == nil {
		return
	}
	rows, err := s.pool.Query(ctx, q.SQL("RefundableOfOrder"), orderID)
	if err != nil {
		s.log.ErrorContext(ctx, "refunds not looked up; the retry job will", "order_id", orderID, "err", err)
		return
	}
	intents, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		s.log.ErrorContext(ctx, "refunds not looked up; the retry job will", "order_id", orderID, "err", err)
		return
	}
	for _, pi := range intents {
		s.refundPayment(ctx, orderID, pi)
	}
}

// refundPayment gives one captured payment back and records it: the
// payment becomes refunded, and the order's payment status follows once a
// cancelled order holds no money any more.
func (s *Service) refundPayment(ctx context.Context, orderID, providerID string) {
	if err := s.payments.Refund(context.WithoutCancel(ctx), providerID, "refund-"+providerID); err != nil {
		s.log.ErrorContext(ctx, "refund failed: the retry job tries again", "order_id", orderID, "payment", providerID, "err", err)
		return
	}
	err := db.InTx(ctx, s.pool, db.TxOptions{Idempotent: true}, func(tx pgx.Tx) error {
		o, err := loadOrder(ctx, tx, "", orderID, true)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, q.SQL("MarkRefunded"), providerID, s.clock.Now())
		if err != nil || tag.RowsAffected() == 0 {
			return err // recorded already (another instance, the retry job)
		}
		var held int
		if err := tx.QueryRow(ctx, q.SQL("CapturedCount"), orderID).Scan(&held); err != nil {
			return err
		}
		now := s.clock.Now()
		note := "payment " + providerID + " refunded"
		payment := o.PaymentStatus
		if o.Status == StatusCancelled && held == 0 && o.PaymentStatus == PaymentSucceeded {
			payment = PaymentRefunded
			if _, err := tx.Exec(ctx, q.SQL("SetPaymentStatus"), orderID, PaymentRefunded, now); err != nil {
				return err
			}
		}
		return appendEvent(ctx, tx, orderID, now, Actor{Kind: ActorSystem}, o.Status, o.Status, payment, note)
	})
	if err != nil {
		s.log.ErrorContext(ctx, "refund done but not recorded; the retry job records it", "order_id", orderID, "payment", providerID, "err", err)
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
		if ev.ProviderID == "" {
			result = "no payment intent"
			return nil
		}
		refund, err = s.applyPayment(ctx, tx, orderID, ev.ProviderID, status, ev.Failure, s.clock.Now())
		if errors.Is(err, ErrNotFound) {
			result = "unknown order"
			return nil
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, q.SQL("RecordProviderPayment"), orderID, ev.ProviderID, status, s.clock.Now(), ev.Status)
		return err
	})
	if err != nil {
		return "", err
	}
	if result == "applied" {
		s.afterPayment(ctx, orderID, refund)
	}
	return result, nil
}
