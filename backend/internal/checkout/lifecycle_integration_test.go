package checkout_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	cartv1 "github.com/partsbin/partsbin/gen/partsbin/cart/v1"
	"github.com/partsbin/partsbin/gen/partsbin/cart/v1/cartv1connect"
	catalogv1 "github.com/partsbin/partsbin/gen/partsbin/catalog/v1"
	"github.com/partsbin/partsbin/gen/partsbin/catalog/v1/catalogv1connect"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
	staffv1 "github.com/partsbin/partsbin/gen/partsbin/staff/v1"
	"github.com/partsbin/partsbin/gen/partsbin/staff/v1/staffv1connect"
)

// lifecycleShop is a server with a small catalogue, and one product id
// with plenty of stock.
func lifecycleShop(t *testing.T) (*apptest.Server, string, int) {
	t.Helper()
	s := apptest.Start(t)
	s.Seed(t, 40)
	var id string
	var stock int
	if err := s.Conn(t).QueryRow(context.Background(), `SELECT id, stock FROM products WHERE status = 'active' AND stock >= 10 ORDER BY sku LIMIT 1`).Scan(&id, &stock); err != nil {
		t.Fatal(err)
	}
	return s, id, stock
}

func placeOrder(t *testing.T, s *apptest.Server, token, productID string, method checkoutv1.PaymentMethod) *checkoutv1.Order {
	t.Helper()
	ctx := context.Background()
	p := apptest.Protocols[0]
	if _, err := apptest.NewClient(s, p, cartv1connect.NewCartServiceClient, apptest.WithToken(token)).
		AddItem(ctx, &cartv1.AddItemRequest{ProductId: productID, Quantity: 2}); err != nil {
		t.Fatalf("AddItem: %v", err)
	}
	res, err := apptest.NewClient(s, p, checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(token)).
		PlaceOrder(ctx, &checkoutv1.PlaceOrderRequest{
			ShippingAddress: &commonv1.Address{Recipient: "Ann Example", Line1: "Hauptstr. 1", City: "Berlin", PostalCode: "10115", CountryCode: "DE"},
			PaymentMethod:   method, IdempotencyKey: "lifecycle-" + apptest.RandomHex(8),
		})
	if err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
	return res.GetOrder()
}

func TestExpireDue_UnpaidCardOrdersGiveStockBack(t *testing.T) {
	t.Parallel()
	s, pid, stock := lifecycleShop(t)
	acct := s.CreateUser(t, auth.RoleCustomer)
	card := placeOrder(t, s, acct.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD)
	cod := placeOrder(t, s, acct.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY)
	if got := stockOf(t, s, pid); got != stock-4 {
		t.Fatalf("stock after two orders of 2: %d, want %d", got, stock-4)
	}
	ctx := context.Background()
	if n, err := s.App.Checkout.ExpireDue(ctx, 100); err != nil || n != 0 {
		t.Fatalf("before the deadline: expired %d (err %v), want 0", n, err)
	}
	s.Clock.Advance(31 * time.Minute)
	if n, err := s.App.Checkout.ExpireDue(ctx, 100); err != nil || n != 1 {
		t.Fatalf("after the deadline: expired %d (err %v), want the card order", n, err)
	}
	if n, _ := s.App.Checkout.ExpireDue(ctx, 100); n != 0 {
		t.Errorf("a second run expired %d more", n)
	}
	client := apptest.NewClient(s, apptest.Protocols[0], checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(acct.Token))
	got, err := client.GetOrder(ctx, &checkoutv1.GetOrderRequest{OrderId: card.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	o := got.GetOrder()
	last := o.GetEvents()[len(o.GetEvents())-1]
	if o.GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_CANCELLED || last.GetActor().GetKind() != checkoutv1.ActorKind_ACTOR_KIND_SYSTEM ||
		last.GetFromStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT || last.GetSequence() != 2 {
		t.Errorf("expired order: status %v, last event %v", o.GetStatus(), last)
	}
	if got := stockOf(t, s, pid); got != stock-2 {
		t.Errorf("stock after expiry: %d, want %d (the card order's units back)", got, stock-2)
	}
	res, _ := client.GetOrder(ctx, &checkoutv1.GetOrderRequest{OrderId: cod.GetId()})
	if res.GetOrder().GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PROCESSING {
		t.Errorf("the cash-on-delivery order was touched: %v", res.GetOrder().GetStatus())
	}
}

func TestStaffMovesOrdersAlong(t *testing.T) {
	t.Parallel()
	s, pid, _ := lifecycleShop(t)
	ctx := context.Background()
	acct := s.CreateUser(t, auth.RoleCustomer)
	staff := s.CreateUser(t, auth.RoleStaff)
	o := placeOrder(t, s, acct.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY)
	sc := apptest.NewClient(s, apptest.Protocols[1], staffv1connect.NewStaffServiceClient, apptest.WithToken(staff.Token))

	move := func(to checkoutv1.OrderStatus, version int64, tracking, carrier string) (*staffv1.UpdateOrderStatusResponse, error) {
		return sc.UpdateOrderStatus(ctx, &staffv1.UpdateOrderStatusRequest{OrderId: o.GetId(), Status: to,
			ExpectedVersion: version, TrackingNumber: tracking, Carrier: carrier})
	}
	_, err := move(checkoutv1.OrderStatus_ORDER_STATUS_SHIPPED, o.GetVersion(), "", "")
	if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
		t.Errorf("ship without tracking: %v, want invalid_argument", got)
	}
	_, err = move(checkoutv1.OrderStatus_ORDER_STATUS_DELIVERED, o.GetVersion(), "", "")
	if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
		t.Errorf("processing -> delivered: %v, want failed_precondition", got)
	}
	shipped, err := move(checkoutv1.OrderStatus_ORDER_STATUS_SHIPPED, o.GetVersion(), "1Z999AA10123456784", "UPS")
	if err != nil {
		t.Fatalf("ship: %v", err)
	}
	ev := shipped.GetEvent()
	if shipped.GetOrder().GetTrackingNumber() != "1Z999AA10123456784" || ev.GetToStatus() != checkoutv1.OrderStatus_ORDER_STATUS_SHIPPED ||
		ev.GetActor().GetKind() != checkoutv1.ActorKind_ACTOR_KIND_STAFF || ev.GetActor().GetUserId() != staff.ID || ev.GetTrackingNumber() == "" {
		t.Errorf("shipped: order %v event %v", shipped.GetOrder(), ev)
	}
	_, err = move(checkoutv1.OrderStatus_ORDER_STATUS_DELIVERED, o.GetVersion(), "", "")
	if got := apptest.CodeOf(t, err); got != connect.CodeAborted {
		t.Errorf("stale version: %v, want aborted", got)
	}
	// The customer cannot cancel a shipped order.
	cc := apptest.NewClient(s, apptest.Protocols[0], checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(acct.Token))
	_, err = cc.CancelOrder(ctx, &checkoutv1.CancelOrderRequest{OrderId: o.GetId()})
	if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
		t.Errorf("customer cancels a shipped order: %v, want failed_precondition", got)
	}
	delivered, err := move(checkoutv1.OrderStatus_ORDER_STATUS_DELIVERED, shipped.GetOrder().GetVersion(), "", "")
	if err != nil || delivered.GetOrder().GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_DELIVERED || len(delivered.GetOrder().GetEvents()) != 3 {
		t.Fatalf("deliver: %v, order %v", err, delivered.GetOrder())
	}
	// The back office lists it with its customer; customers cannot.
	list, err := sc.ListOrders(ctx, &staffv1.ListOrdersRequest{Query: o.GetNumber()})
	if err != nil || len(list.GetOrders()) != 1 || list.GetOrders()[0].GetCustomer().GetEmail() != acct.Email {
		t.Errorf("staff ListOrders by number: %v (err %v)", list.GetOrders(), err)
	}
	got, err := sc.GetOrder(ctx, &staffv1.GetOrderRequest{OrderId: o.GetId()})
	if err != nil || got.GetCustomer().GetId() != acct.ID {
		t.Errorf("staff GetOrder: customer %v (err %v)", got.GetCustomer(), err)
	}
	_, err = apptest.NewClient(s, apptest.Protocols[0], staffv1connect.NewStaffServiceClient, apptest.WithToken(acct.Token)).
		ListOrders(ctx, &staffv1.ListOrdersRequest{})
	if got := apptest.CodeOf(t, err); got != connect.CodePermissionDenied {
		t.Errorf("customer calls staff ListOrders: %v, want permission_denied", got)
	}
}

func TestSubmitReview_OnlyForDeliveredProductsOncePerCustomer(t *testing.T) {
	t.Parallel()
	s, pid, _ := lifecycleShop(t)
	ctx := context.Background()
	acct := s.CreateUser(t, auth.RoleCustomer)
	staff := s.CreateUser(t, auth.RoleStaff)
	cat := apptest.NewClient(s, apptest.Protocols[0], catalogv1connect.NewCatalogServiceClient, apptest.WithToken(acct.Token))
	review := &catalogv1.SubmitReviewRequest{ProductId: pid, Rating: 4, Title: "Solid", Text: "Does what it says."}

	o := placeOrder(t, s, acct.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY)
	_, err := cat.SubmitReview(ctx, review)
	if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
		t.Fatalf("review before delivery: %v, want failed_precondition", got)
	}
	sc := apptest.NewClient(s, apptest.Protocols[0], staffv1connect.NewStaffServiceClient, apptest.WithToken(staff.Token))
	shipped, err := sc.UpdateOrderStatus(ctx, &staffv1.UpdateOrderStatusRequest{OrderId: o.GetId(), Status: checkoutv1.OrderStatus_ORDER_STATUS_SHIPPED,
		ExpectedVersion: o.GetVersion(), TrackingNumber: "TRACK-1", Carrier: "DHL"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.UpdateOrderStatus(ctx, &staffv1.UpdateOrderStatusRequest{OrderId: o.GetId(), Status: checkoutv1.OrderStatus_ORDER_STATUS_DELIVERED,
		ExpectedVersion: shipped.GetOrder().GetVersion()}); err != nil {
		t.Fatal(err)
	}
	before, err := cat.GetProduct(ctx, &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Id{Id: pid}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := cat.SubmitReview(ctx, review)
	if err != nil {
		t.Fatalf("review after delivery: %v", err)
	}
	if res.GetReview().GetRating() != 4 || res.GetReview().GetAuthorName() == "" {
		t.Errorf("review = %v", res.GetReview())
	}
	after, _ := cat.GetProduct(ctx, &catalogv1.GetProductRequest{Lookup: &catalogv1.GetProductRequest_Id{Id: pid}})
	if after.GetProduct().GetRatingCount() != before.GetProduct().GetRatingCount()+1 || after.GetProduct().GetVersion() <= before.GetProduct().GetVersion() {
		t.Errorf("rating count %d -> %d, version %d -> %d: want one more review and a new version",
			before.GetProduct().GetRatingCount(), after.GetProduct().GetRatingCount(), before.GetProduct().GetVersion(), after.GetProduct().GetVersion())
	}
	_, err = cat.SubmitReview(ctx, review)
	if got := apptest.CodeOf(t, err); got != connect.CodeAlreadyExists {
		t.Errorf("second review: %v, want already_exists", got)
	}
	for name, bad := range map[string]*catalogv1.SubmitReviewRequest{
		"rating 0":  {ProductId: pid, Rating: 0, Title: "x", Text: "y"},
		"rating 6":  {ProductId: pid, Rating: 6, Title: "x", Text: "y"},
		"no title":  {ProductId: pid, Rating: 3, Title: "  ", Text: "y"},
		"long text": {ProductId: pid, Rating: 3, Title: "x", Text: strings.Repeat("z", 4001)},
		"bad id":    {ProductId: "nope", Rating: 3, Title: "x", Text: "y"},
	} {
		_, err := cat.SubmitReview(ctx, bad)
		if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
			t.Errorf("%s: %v, want invalid_argument", name, got)
		}
	}
}
