// Package checkout turns carts into orders: idempotent placement in one
// transaction (stock taken with guarded versioned updates, prices and the
// discount snapshotted, the code's use counted, the cart emptied), the
// order state machine, and the per-order event log that order tracking
// streams resume from. It owns the orders, order_lines and order_events
// tables.
package checkout

import (
	"errors"
	"fmt"
	"time"
)

// Status is where an order is.
type Status string

// Order statuses.
const (
	StatusPendingPayment Status = "pending_payment"
	StatusPaid           Status = "paid"
	StatusProcessing     Status = "processing"
	StatusShipped        Status = "shipped"
	StatusDelivered      Status = "delivered"
	StatusCancelled      Status = "cancelled"
)

// PaymentMethod is how an order is paid.
type PaymentMethod string

// Payment methods.
const (
	PayCashOnDelivery PaymentMethod = "cash_on_delivery"
	PayCard           PaymentMethod = "card"
)

// PaymentStatus is where an order's payment is.
type PaymentStatus string

// Payment statuses.
const (
	PaymentNotRequired     PaymentStatus = "not_required"
	PaymentRequiresPayment PaymentStatus = "requires_payment"
	PaymentSucceeded       PaymentStatus = "succeeded"
	PaymentFailed          PaymentStatus = "failed"
	PaymentRefunded        PaymentStatus = "refunded"
)

// ActorKind is who caused an event.
type ActorKind string

// Actors.
const (
	ActorSystem   ActorKind = "system"
	ActorCustomer ActorKind = "customer"
	ActorStaff    ActorKind = "staff"
	ActorProvider ActorKind = "payment_provider"
)

// Actor is who caused an event.
type Actor struct {
	Kind   ActorKind
	UserID string
}

// transitions is the order state machine of the API: the one place that
// says which status may follow which, and who may make the move.
var transitions = map[Status]map[Status][]ActorKind{
	StatusPendingPayment: {
		StatusPaid:      {ActorProvider, ActorSystem},
		StatusCancelled: {ActorCustomer, ActorStaff, ActorSystem},
	},
	StatusPaid: {
		StatusProcessing: {ActorStaff, ActorSystem},
		StatusCancelled:  {ActorCustomer, ActorStaff},
	},
	StatusProcessing: {
		StatusShipped:   {ActorStaff},
		StatusCancelled: {ActorCustomer, ActorStaff},
	},
	StatusShipped: {
		StatusDelivered: {ActorStaff, ActorSystem},
	},
}

// CanTransition reports whether actor may move an order from one status
// to another.
func CanTransition(from, to Status, actor ActorKind) bool {
	for _, a := range transitions[from][to] {
		if a == actor {
			return true
		}
	}
	return false
}

// Domain errors; the handler maps them to codes.
var (
	ErrNotFound          = errors.New("order not found")
	ErrEmptyCart         = errors.New("the cart is empty")
	ErrKeyReused         = errors.New("idempotency key already used for a different order request")
	ErrIllegalTransition = errors.New("the order's status does not allow this")
	ErrCodeNoLongerValid = errors.New("the cart's discount code is no longer valid; remove it and try again")
	ErrTotalChanged      = errors.New("the cart total changed; review the cart and try again")
)

// StockError says a product could not be taken.
type StockError struct {
	ProductID   string
	Unavailable bool
	Available   int
}

func (e *StockError) Error() string {
	if e.Unavailable {
		return "a product in the cart is no longer sold: " + e.ProductID
	}
	return fmt.Sprintf("only %d left of product %s", e.Available, e.ProductID)
}

// VersionConflictError reports a stale expected version.
type VersionConflictError struct {
	Entity            string
	Expected, Current int64
}

func (e *VersionConflictError) Error() string { return e.Entity + " changed meanwhile" }

// Address is a shipping address as stored with an order.
type Address struct {
	Recipient   string `json:"recipient"`
	Line1       string `json:"line1"`
	Line2       string `json:"line2,omitempty"`
	City        string `json:"city"`
	Region      string `json:"region,omitempty"`
	PostalCode  string `json:"postal_code"`
	CountryCode string `json:"country_code"`
	Phone       string `json:"phone,omitempty"`
}

// Line is one snapshotted product of an order.
type Line struct {
	ProductID      string
	SKU            string
	Name           string
	Slug           string
	ImageSHA       string
	UnitPriceMinor int64
	Quantity       int
}

// Event is one entry of an order's log.
type Event struct {
	Sequence       int64
	OrderID        string
	CreatedAt      time.Time
	Actor          Actor
	From           Status // "" for the first event
	To             Status
	PaymentStatus  PaymentStatus
	Note           string
	TrackingNumber string
	Carrier        string
	OrderVersion   int64
}

// Order is a placed order.
type Order struct {
	ID             string
	Number         string
	CustomerID     string
	Status         Status
	PaymentMethod  PaymentMethod
	PaymentStatus  PaymentStatus
	Lines          []Line
	SubtotalMinor  int64
	DiscountMinor  int64
	ShippingMinor  int64
	TotalMinor     int64
	Currency       string
	DiscountCode   string
	Address        Address
	CustomerNote   string
	CancelReason   string
	TrackingNumber string
	Carrier        string
	ExpiresAt      *time.Time
	Version        int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Events         []Event
}

// Shipping: free from FreeShippingFromMinor, else a flat fee.
const (
	FreeShippingFromMinor = 10000
	ShippingFeeMinor      = 499
)

// ShippingFor returns the shipping fee for a discounted subtotal.
func ShippingFor(totalBeforeShippingMinor int64) int64 {
	if totalBeforeShippingMinor >= FreeShippingFromMinor {
		return 0
	}
	return ShippingFeeMinor
}
