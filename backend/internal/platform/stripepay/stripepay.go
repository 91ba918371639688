// Package stripepay talks to the Stripe API (or stripe-mock locally):
// card charges as PaymentIntents, refunds, and webhook signature checks.
// It knows nothing about orders; checkout uses it through an interface.
package stripepay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// Client charges and refunds through Stripe.
type Client struct {
	sc            *stripe.Client
	webhookSecret string
}

// Config says where Stripe is and how to authenticate.
type Config struct {
	APIKey        string
	APIBase       string // "" for the real API; stripe-mock's URL locally
	WebhookSecret string
}

// New returns a Stripe client.
func New(c Config) (*Client, error) {
	if c.APIKey == "" {
		return nil, errors.New("stripe: no API key")
	}
	var opts []stripe.ClientOption
	if c.APIBase != "" {
		url := strings.TrimSuffix(c.APIBase, "/")
		backends := stripe.NewBackendsWithConfig(&stripe.BackendConfig{
			URL:        stripe.String(url),
			HTTPClient: &http.Client{Timeout: 15 * time.Second},
		})
		opts = append(opts, stripe.WithBackends(backends))
	}
	return &Client{sc: stripe.NewClient(c.APIKey, opts...), webhookSecret: c.WebhookSecret}, nil
}

// Charge is a card charge request.
type Charge struct {
	AmountMinor     int64
	Currency        string
	PaymentMethodID string
	// IdempotencyKey makes a retried charge return the first one.
	IdempotencyKey string
	OrderID        string
	ReturnURL      string
	// IntentID, when set, confirms this existing PaymentIntent with the
	// payment method instead of creating a new one: an order keeps one
	// intent across attempts, so it can be captured at most once.
	IntentID string
}

// ErrUnavailable means Stripe could not be reached or answered with a
// server error: the outcome is unknown and a retry with the same key is
// safe.
var ErrUnavailable = errors.New("payment provider unavailable")

// Result is what Stripe said about a PaymentIntent.
type Result struct {
	ID           string
	Status       string // Stripe's PaymentIntent status
	ClientSecret string
	NextAction   string
	Failure      string
}

// ChargeCard creates and confirms a PaymentIntent, or confirms the
// existing one named by ch.IntentID.
func (c *Client) ChargeCard(ctx context.Context, ch Charge) (Result, error) {
	var (
		pi  *stripe.PaymentIntent
		err error
	)
	if ch.IntentID != "" {
		p := &stripe.PaymentIntentConfirmParams{PaymentMethod: stripe.String(ch.PaymentMethodID)}
		if ch.ReturnURL != "" {
			p.ReturnURL = stripe.String(ch.ReturnURL)
		}
		p.SetIdempotencyKey(ch.IdempotencyKey)
		pi, err = c.sc.V1PaymentIntents.Confirm(ctx, ch.IntentID, p)
	} else {
		p := &stripe.PaymentIntentCreateParams{
			Amount:        stripe.Int64(ch.AmountMinor),
			Currency:      stripe.String(strings.ToLower(ch.Currency)),
			PaymentMethod: stripe.String(ch.PaymentMethodID),
			Confirm:       stripe.Bool(true),
		}
		p.AddMetadata("order_id", ch.OrderID)
		if ch.ReturnURL != "" {
			p.ReturnURL = stripe.String(ch.ReturnURL)
		}
		p.SetIdempotencyKey(ch.IdempotencyKey)
		pi, err = c.sc.V1PaymentIntents.Create(ctx, p)
	}
	if err != nil {
		var se *stripe.Error
		if errors.As(err, &se) {
			switch {
			case se.Type == stripe.ErrorTypeCard:
				r := Result{ID: ch.IntentID, Status: "requires_payment_method", Failure: se.Msg}
				if se.PaymentIntent != nil {
					r.ID = se.PaymentIntent.ID
				}
				return r, nil
			case se.HTTPStatusCode >= 500 || se.HTTPStatusCode == http.StatusTooManyRequests || se.HTTPStatusCode == http.StatusConflict:
				return Result{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
			}
			return Result{}, fmt.Errorf("stripe payment intent: %w", err)
		}
		// No answer at all: network, timeout.
		return Result{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	r := Result{ID: pi.ID, Status: string(pi.Status), ClientSecret: pi.ClientSecret}
	if pi.NextAction != nil {
		r.NextAction = string(pi.NextAction.Type)
	}
	if pi.LastPaymentError != nil {
		r.Failure = pi.LastPaymentError.Msg
	}
	return r, nil
}

// Refund refunds a PaymentIntent in full; the key makes retries safe.
func (c *Client) Refund(ctx context.Context, paymentIntentID, idempotencyKey string) error {
	p := &stripe.RefundCreateParams{PaymentIntent: stripe.String(paymentIntentID)}
	p.SetIdempotencyKey(idempotencyKey)
	if _, err := c.sc.V1Refunds.Create(ctx, p); err != nil {
		return fmt.Errorf("stripe refund: %w", err)
	}
	return nil
}

// Event is a verified webhook event about a PaymentIntent.
type Event struct {
	ID              string
	Type            string
	PaymentIntentID string
	OrderID         string // from the PaymentIntent's metadata
	Status          string
	Failure         string
}

// ErrBadSignature means a webhook was not signed with our secret (or is
// too old: a replay).
var ErrBadSignature = errors.New("webhook signature invalid or expired")

// VerifyEvent checks a webhook's Stripe-Signature and decodes it.
func (c *Client) VerifyEvent(payload []byte, signature string) (Event, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, signature, c.webhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		return Event{}, ErrBadSignature
	}
	out := Event{ID: ev.ID, Type: string(ev.Type)}
	if strings.HasPrefix(out.Type, "payment_intent.") && ev.Data != nil {
		var pi stripe.PaymentIntent
		if err := pi.UnmarshalJSON(ev.Data.Raw); err == nil {
			out.PaymentIntentID = pi.ID
			out.Status = string(pi.Status)
			out.OrderID = pi.Metadata["order_id"]
			if pi.LastPaymentError != nil {
				out.Failure = pi.LastPaymentError.Msg
			}
		}
	}
	return out, nil
}
