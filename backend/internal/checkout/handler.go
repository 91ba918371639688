package checkout

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

// Handler serves partsbin.checkout.v1.CheckoutService.
type Handler struct {
	checkoutv1connect.UnimplementedCheckoutServiceHandler
	svc   *Service
	watch *WatchOptions
	caps  streamCaps
}

var _ checkoutv1connect.CheckoutServiceHandler = (*Handler)(nil)

// NewHandler returns the CheckoutService handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var keyRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)

func callerOf(ctx context.Context) (auth.Caller, error) {
	c, ok := auth.CallerFrom(ctx)
	if !ok {
		return auth.Caller{}, connect.NewError(connect.CodeUnauthenticated, auth.ErrUnauthenticated)
	}
	return c, nil
}

// PlaceOrder implements CheckoutService.PlaceOrder.
func (h *Handler) PlaceOrder(ctx context.Context, req *checkoutv1.PlaceOrderRequest) (*checkoutv1.PlaceOrderResponse, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	var v rpc.Violations
	key := req.GetIdempotencyKey()
	if ci, ok := connect.CallInfoForHandlerContext(ctx); ok {
		if hk := ci.RequestHeader().Get("Idempotency-Key"); hk != "" {
			if key != "" && key != hk {
				v.Add("idempotency_key", "differs from the Idempotency-Key header")
			}
			key = hk
		}
	}
	if !keyRE.MatchString(key) {
		v.Add("idempotency_key", "must be 16 to 128 characters of letters, digits, - and _ (or send an Idempotency-Key header)")
	}
	// Validate the address as it will be stored: a field of blanks is
	// missing, not one character long.
	a := trimAddress(req.GetShippingAddress())
	rpc.CheckAddress(&v, "shipping_address", a)
	r := PlaceRequest{IdempotencyKey: key, ExpectedCartVersion: req.GetExpectedCartVersion()}
	switch req.GetPaymentMethod() {
	case checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY:
		r.Method = PayCashOnDelivery
	case checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD:
		r.Method = PayCard
	default:
		v.Add("payment_method", "must be CASH_ON_DELIVERY or CARD")
	}
	if req.GetExpectedCartVersion() < 0 {
		v.Add("expected_cart_version", "must not be negative")
	}
	if t := req.GetExpectedCartTotal(); t != nil {
		if t.GetCurrency() != h.svc.currency || t.GetAmountMinor() < 0 {
			v.Add("expected_cart_total", "must be a non-negative amount in %s", h.svc.currency)
		}
		amount := t.GetAmountMinor()
		r.ExpectedTotalMinor = &amount
	}
	r.Note = strings.TrimSpace(req.GetCustomerNote())
	rpc.CheckText(&v, "customer_note", r.Note, 0, 500, true)
	if err := v.Err(); err != nil {
		return nil, err
	}
	r.Address = Address{Recipient: a.GetRecipient(), Line1: a.GetLine1(), Line2: a.GetLine2(), City: a.GetCity(),
		Region: a.GetRegion(), PostalCode: a.GetPostalCode(), CountryCode: a.GetCountryCode(), Phone: a.GetPhone()}
	o, err := h.svc.PlaceOrder(ctx, c.UserID, r)
	if err != nil {
		return nil, toConnect(err)
	}
	return &checkoutv1.PlaceOrderResponse{Order: h.orderToProto(o)}, nil
}

// trimAddress returns a with surrounding blanks removed from its free-text
// fields; nil stays nil.
func trimAddress(a *commonv1.Address) *commonv1.Address {
	if a == nil {
		return nil
	}
	return &commonv1.Address{Recipient: strings.TrimSpace(a.GetRecipient()), Line1: strings.TrimSpace(a.GetLine1()),
		Line2: strings.TrimSpace(a.GetLine2()), City: strings.TrimSpace(a.GetCity()), Region: strings.TrimSpace(a.GetRegion()),
		PostalCode: strings.TrimSpace(a.GetPostalCode()), CountryCode: a.GetCountryCode(), Phone: strings.TrimSpace(a.GetPhone())}
}

// GetOrder implements CheckoutService.GetOrder.
func (h *Handler) GetOrder(ctx context.Context, req *checkoutv1.GetOrderRequest) (*checkoutv1.GetOrderResponse, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := uuid.Parse(req.GetOrderId()); err != nil {
		return nil, rpc.InvalidField("order_id", "must be a UUID")
	}
	o, err := h.svc.Order(ctx, c.UserID, req.GetOrderId())
	if err != nil {
		return nil, toConnect(err)
	}
	return &checkoutv1.GetOrderResponse{Order: h.orderToProto(o)}, nil
}

// ListOrders implements CheckoutService.ListOrders.
func (h *Handler) ListOrders(ctx context.Context, req *checkoutv1.ListOrdersRequest) (*checkoutv1.ListOrdersResponse, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	var v rpc.Violations
	size := rpc.PageSize(&v, req.GetPageSize())
	var statuses []Status
	for _, st := range req.GetStatuses() {
		s, ok := statusFromProto(st)
		if !ok {
			v.Add("statuses", "unknown status %d", st)
			break
		}
		statuses = append(statuses, s)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	orders, next, err := h.svc.List(ctx, c.UserID, statuses, size, req.GetPageToken())
	if err != nil {
		return nil, toConnect(err)
	}
	out := &checkoutv1.ListOrdersResponse{NextPageToken: next}
	for _, o := range orders {
		out.Orders = append(out.Orders, h.orderToProto(o))
	}
	return out, nil
}

// CancelOrder implements CheckoutService.CancelOrder.
func (h *Handler) CancelOrder(ctx context.Context, req *checkoutv1.CancelOrderRequest) (*checkoutv1.CancelOrderResponse, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	var v rpc.Violations
	if _, err := uuid.Parse(req.GetOrderId()); err != nil {
		v.Add("order_id", "must be a UUID")
	}
	reason := strings.TrimSpace(req.GetReason())
	rpc.CheckText(&v, "reason", reason, 0, 500, true)
	if req.GetExpectedVersion() < 0 {
		v.Add("expected_version", "must not be negative")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	o, err := h.svc.Cancel(ctx, Actor{Kind: ActorCustomer, UserID: c.UserID}, c.UserID, req.GetOrderId(), reason, req.GetExpectedVersion())
	if err != nil {
		return nil, toConnect(err)
	}
	return &checkoutv1.CancelOrderResponse{Order: h.orderToProto(o)}, nil
}

func toConnect(err error) error {
	var (
		se *StockError
		vc *VersionConflictError
	)
	switch {
	case errors.As(err, &se):
		return connect.NewError(connect.CodeFailedPrecondition, se)
	case errors.As(err, &vc):
		return rpc.VersionConflict(vc.Entity, vc.Expected, vc.Current)
	case errors.Is(err, ErrNotFound):
		return connect.NewError(connect.CodeNotFound, ErrNotFound)
	case errors.Is(err, ErrBadPageToken):
		return rpc.InvalidField("page_token", "%s", ErrBadPageToken.Error())
	case errors.Is(err, ErrKeyReused):
		return rpc.InvalidField("idempotency_key", "%s", ErrKeyReused.Error())
	case errors.Is(err, ErrEmptyCart), errors.Is(err, ErrIllegalTransition), errors.Is(err, ErrCodeNoLongerValid), errors.Is(err, ErrTotalChanged):
		return connect.NewError(connect.CodeFailedPrecondition, err)
	case errors.Is(err, ErrNotPayable), errors.Is(err, ErrPaymentInFlight):
		return connect.NewError(connect.CodeFailedPrecondition, err)
	case errors.Is(err, ErrProviderUnavailable):
		return rpc.Unavailable("the payment provider", 2*time.Second)
	}
	return err
}

func (h *Handler) money(m int64) *commonv1.Money {
	return &commonv1.Money{AmountMinor: m, Currency: h.svc.currency}
}

var statusNames = map[Status]checkoutv1.OrderStatus{
	StatusPendingPayment: checkoutv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT,
	StatusPaid:           checkoutv1.OrderStatus_ORDER_STATUS_PAID,
	StatusProcessing:     checkoutv1.OrderStatus_ORDER_STATUS_PROCESSING,
	StatusShipped:        checkoutv1.OrderStatus_ORDER_STATUS_SHIPPED,
	StatusDelivered:      checkoutv1.OrderStatus_ORDER_STATUS_DELIVERED,
	StatusCancelled:      checkoutv1.OrderStatus_ORDER_STATUS_CANCELLED,
}

func statusFromProto(p checkoutv1.OrderStatus) (Status, bool) {
	for s, v := range statusNames {
		if v == p {
			return s, true
		}
	}
	return "", false
}

var paymentNames = map[PaymentStatus]checkoutv1.PaymentStatus{
	PaymentNotRequired:     checkoutv1.PaymentStatus_PAYMENT_STATUS_NOT_REQUIRED,
	PaymentRequiresPayment: checkoutv1.PaymentStatus_PAYMENT_STATUS_REQUIRES_PAYMENT,
	PaymentSucceeded:       checkoutv1.PaymentStatus_PAYMENT_STATUS_SUCCEEDED,
	PaymentRequiresAction:  checkoutv1.PaymentStatus_PAYMENT_STATUS_REQUIRES_ACTION,
	PaymentProcessing:      checkoutv1.PaymentStatus_PAYMENT_STATUS_PROCESSING,
	PaymentFailed:          checkoutv1.PaymentStatus_PAYMENT_STATUS_FAILED,
	PaymentRefunded:        checkoutv1.PaymentStatus_PAYMENT_STATUS_REFUNDED,
}

var actorNames = map[ActorKind]checkoutv1.ActorKind{
	ActorSystem:   checkoutv1.ActorKind_ACTOR_KIND_SYSTEM,
	ActorCustomer: checkoutv1.ActorKind_ACTOR_KIND_CUSTOMER,
	ActorStaff:    checkoutv1.ActorKind_ACTOR_KIND_STAFF,
	ActorProvider: checkoutv1.ActorKind_ACTOR_KIND_PAYMENT_PROVIDER,
}

func (h *Handler) orderToProto(o Order) *checkoutv1.Order {
	out := &checkoutv1.Order{
		Id: o.ID, Number: o.Number, CustomerId: o.CustomerID, Status: statusNames[o.Status],
		Subtotal: h.money(o.SubtotalMinor), Discount: h.money(o.DiscountMinor), ShippingFee: h.money(o.ShippingMinor),
		Total: h.money(o.TotalMinor), DiscountCode: o.DiscountCode, PaymentStatus: paymentNames[o.PaymentStatus],
		TrackingNumber: o.TrackingNumber, Carrier: o.Carrier, CustomerNote: o.CustomerNote, CancelReason: o.CancelReason,
		CreateTime: timestamppb.New(o.CreatedAt), UpdateTime: timestamppb.New(o.UpdatedAt), Version: o.Version,
		ShippingAddress: &commonv1.Address{Recipient: o.Address.Recipient, Line1: o.Address.Line1, Line2: o.Address.Line2,
			City: o.Address.City, Region: o.Address.Region, PostalCode: o.Address.PostalCode,
			CountryCode: o.Address.CountryCode, Phone: o.Address.Phone},
	}
	switch o.PaymentMethod {
	case PayCashOnDelivery:
		out.PaymentMethod = checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY
	case PayCard:
		out.PaymentMethod = checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD
	}
	if o.ExpiresAt != nil {
		out.ExpireTime = timestamppb.New(*o.ExpiresAt)
	}
	for _, l := range o.Lines {
		ol := &checkoutv1.OrderLine{ProductId: l.ProductID, Sku: l.SKU, Name: l.Name, Slug: l.Slug,
			UnitPrice: h.money(l.UnitPriceMinor), Quantity: int32(l.Quantity), LineTotal: h.money(l.UnitPriceMinor * int64(l.Quantity))}
		if l.ImageSHA != "" {
			ol.ImageUrl = "/images/" + l.ImageSHA
		}
		out.Lines = append(out.Lines, ol)
	}
	for _, e := range o.Events {
		out.Events = append(out.Events, h.eventToProto(e))
	}
	return out
}

func (h *Handler) eventToProto(e Event) *checkoutv1.OrderEvent {
	return &checkoutv1.OrderEvent{
		Sequence: e.Sequence, OrderId: e.OrderID, CreateTime: timestamppb.New(e.CreatedAt),
		Actor:      &checkoutv1.Actor{Kind: actorNames[e.Actor.Kind], UserId: e.Actor.UserID},
		FromStatus: statusNames[e.From], ToStatus: statusNames[e.To], PaymentStatus: paymentNames[e.PaymentStatus],
		Note: e.Note, TrackingNumber: e.TrackingNumber, Carrier: e.Carrier, OrderVersion: e.OrderVersion,
	}
}

var pmRE = regexp.MustCompile(`^pm_[A-Za-z0-9_]{1,250}$`)

// PayOrder implements CheckoutService.PayOrder.
func (h *Handler) PayOrder(ctx context.Context, req *checkoutv1.PayOrderRequest) (*checkoutv1.PayOrderResponse, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if h.svc.payments == nil {
		return nil, connect.NewError(connect.CodeUnimplemented, errors.New("card payments are not configured on this server"))
	}
	var v rpc.Violations
	if _, err := uuid.Parse(req.GetOrderId()); err != nil {
		v.Add("order_id", "must be a UUID")
	}
	if !pmRE.MatchString(req.GetPaymentMethodId()) {
		v.Add("payment_method_id", "must be a payment method id like pm_...")
	}
	if !keyRE.MatchString(req.GetIdempotencyKey()) {
		v.Add("idempotency_key", "must be 16 to 128 characters of letters, digits, - and _")
	}
	if u := req.GetReturnUrl(); u != "" && (len(u) > 2000 || !strings.HasPrefix(u, "https://")) {
		v.Add("return_url", "must be an absolute https URL of at most 2000 characters")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	o, p, err := h.svc.PayOrder(ctx, c.UserID, req.GetOrderId(), req.GetPaymentMethodId(), req.GetIdempotencyKey(), req.GetReturnUrl())
	if err != nil {
		return nil, toConnect(err)
	}
	return &checkoutv1.PayOrderResponse{Order: h.orderToProto(o), Payment: &checkoutv1.Payment{
		ProviderPaymentId: p.ProviderID, Status: paymentNames[p.Status], Amount: h.money(p.AmountMinor),
		ClientSecret: p.ClientSecret, NextActionType: p.NextAction, FailureMessage: p.Failure,
	}}, nil
}
