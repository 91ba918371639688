package checkout_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/promotion"
	cartv1 "github.com/partsbin/partsbin/gen/partsbin/cart/v1"
	"github.com/partsbin/partsbin/gen/partsbin/cart/v1/cartv1connect"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

var ctx = context.Background()

// shop starts a server with a small seeded catalogue.
func shop(t *testing.T) *apptest.Server {
	t.Helper()
	s := apptest.Start(t)
	s.Seed(t, 60)
	return s
}

type product struct {
	id, sku, name string
	price         int64
	stock         int
}

// pick returns an active product with at least minStock units, not one of
// skip, and sets its price when price > 0.
func pick(t *testing.T, s *apptest.Server, minStock int, price int64, skip ...string) product {
	t.Helper()
	conn := s.Conn(t)
	var p product
	err := conn.QueryRow(ctx, `SELECT id, sku, name, price_minor, stock FROM products
		WHERE status = 'active' AND stock >= $1 AND NOT (id = ANY($2::uuid[])) ORDER BY sku LIMIT 1`,
		minStock, append([]string{}, skip...)).Scan(&p.id, &p.sku, &p.name, &p.price, &p.stock)
	if err != nil {
		t.Fatalf("pick a product: %v", err)
	}
	if price > 0 {
		if _, err := conn.Exec(ctx, `UPDATE products SET price_minor = $2 WHERE id = $1`, p.id, price); err != nil {
			t.Fatal(err)
		}
		p.price = price
	}
	return p
}

func checkoutClient(s *apptest.Server, p apptest.Protocol, token string, extra ...connect.ClientOption) checkoutv1connect.CheckoutServiceClient {
	return apptest.NewClient(s, p, checkoutv1connect.NewCheckoutServiceClient, append([]connect.ClientOption{apptest.WithToken(token)}, extra...)...)
}

func cartClient(s *apptest.Server, p apptest.Protocol, token string) cartv1connect.CartServiceClient {
	return apptest.NewClient(s, p, cartv1connect.NewCartServiceClient, apptest.WithToken(token))
}

func address() *commonv1.Address {
	return &commonv1.Address{Recipient: "Ada Lovelace", Line1: "Hauptstr. 1", City: "Berlin", PostalCode: "10115", CountryCode: "DE"}
}

func newKey() string { return "key-" + apptest.RandomHex(12) }

func cod(key string) *checkoutv1.PlaceOrderRequest {
	return &checkoutv1.PlaceOrderRequest{ShippingAddress: address(), PaymentMethod: checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY, IdempotencyKey: key}
}

func add(t *testing.T, c cartv1connect.CartServiceClient, id string, qty int32) *cartv1.Cart {
	t.Helper()
	res, err := c.AddItem(ctx, &cartv1.AddItemRequest{ProductId: id, Quantity: qty})
	if err != nil {
		t.Fatalf("AddItem %s x%d: %v", id, qty, err)
	}
	return res.GetCart()
}

func getCart(t *testing.T, c cartv1connect.CartServiceClient) *cartv1.Cart {
	t.Helper()
	res, err := c.GetCart(ctx, &cartv1.GetCartRequest{})
	if err != nil {
		t.Fatalf("GetCart: %v", err)
	}
	return res.GetCart()
}

func stockOf(t *testing.T, s *apptest.Server, id string) int {
	t.Helper()
	var n int
	if err := s.Conn(t).QueryRow(ctx, `SELECT stock FROM products WHERE id = $1`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ordersOf(t *testing.T, s *apptest.Server, customerID string) int {
	t.Helper()
	var n int
	if err := s.Conn(t).QueryRow(ctx, `SELECT count(*) FROM orders WHERE customer_id = $1`, customerID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func redemptions(t *testing.T, s *apptest.Server, code string) int {
	t.Helper()
	var n int
	if err := s.Conn(t).QueryRow(ctx, `SELECT redemption_count FROM discount_codes WHERE code = $1`, code).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func newCode(t *testing.T, s *apptest.Server, code string, r promotion.Rules) {
	t.Helper()
	if _, err := s.App.Promotion.Create(ctx, code, r); err != nil {
		t.Fatalf("create code %s: %v", code, err)
	}
}

func place(t *testing.T, c checkoutv1connect.CheckoutServiceClient, req *checkoutv1.PlaceOrderRequest) *checkoutv1.Order {
	t.Helper()
	res, err := c.PlaceOrder(ctx, req)
	if err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
	return res.GetOrder()
}

func versionMismatch(err error) *commonv1.VersionMismatch {
	var cerr *connect.Error
	if !errors.As(err, &cerr) {
		return nil
	}
	for _, d := range cerr.Details() {
		if v, e := d.Value(); e == nil {
			if vm, ok := v.(*commonv1.VersionMismatch); ok {
				return vm
			}
		}
	}
	return nil
}

func TestPlaceOrder_CashOnDeliverySnapshotsAndEmptiesCart(t *testing.T) {
	t.Parallel()
	s := shop(t)
	newCode(t, s, "TENOFF", promotion.Rules{Kind: promotion.KindPercent, Percent: 10, Active: true})
	var used []string
	for _, proto := range apptest.Protocols {
		t.Run(proto.Name, func(t *testing.T) {
			acct := s.CreateUser(t, auth.RoleCustomer)
			cc, co := cartClient(s, proto, acct.Token), checkoutClient(s, proto, acct.Token)
			a := pick(t, s, 10, 2500, used...)
			b := pick(t, s, 10, 1999, append(used, a.id)...)
			used = append(used, a.id, b.id)
			add(t, cc, a.id, 2)
			s.Clock.Advance(time.Second) // the cart keeps lines in the order they were added
			before := add(t, cc, b.id, 1)
			placedAt := s.Clock.Now()

			o := place(t, co, cod(newKey()))
			if o.GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PROCESSING || o.GetPaymentStatus() != checkoutv1.PaymentStatus_PAYMENT_STATUS_NOT_REQUIRED {
				t.Errorf("status %v payment %v, want PROCESSING / NOT_REQUIRED", o.GetStatus(), o.GetPaymentStatus())
			}
			if o.GetPaymentMethod() != checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY || o.GetCustomerId() != acct.ID || o.GetExpireTime() != nil {
				t.Errorf("method %v customer %q expire %v, want COD of %s without expiry", o.GetPaymentMethod(), o.GetCustomerId(), o.GetExpireTime(), acct.ID)
			}
			if !strings.HasPrefix(o.GetNumber(), "PB-") || o.GetVersion() != 1 {
				t.Errorf("number %q version %d, want PB-... and 1", o.GetNumber(), o.GetVersion())
			}
			subtotal := 2*a.price + b.price // 69.99: below the free-shipping line
			checkTotals(t, o, subtotal, 0, 499)
			if got := o.GetShippingAddress().GetCity(); got != "Berlin" {
				t.Errorf("address city %q, want Berlin", got)
			}
			wantLines := []struct {
				p   product
				qty int32
			}{{a, 2}, {b, 1}}
			if len(o.GetLines()) != 2 {
				t.Fatalf("lines = %v, want 2", o.GetLines())
			}
			for i, w := range wantLines {
				l := o.GetLines()[i]
				if l.GetProductId() != w.p.id || l.GetSku() != w.p.sku || l.GetName() != w.p.name || l.GetUnitPrice().GetAmountMinor() != w.p.price ||
					l.GetQuantity() != w.qty || l.GetLineTotal().GetAmountMinor() != w.p.price*int64(w.qty) || l.GetUnitPrice().GetCurrency() != "EUR" {
					t.Errorf("line %d = %v, want %+v x%d", i, l, w.p, w.qty)
				}
			}
			if got := stockOf(t, s, a.id); got != a.stock-2 {
				t.Errorf("stock of a %d, want %d", got, a.stock-2)
			}
			if got := stockOf(t, s, b.id); got != b.stock-1 {
				t.Errorf("stock of b %d, want %d", got, b.stock-1)
			}
			after := getCart(t, cc)
			if len(after.GetLines()) != 0 || after.GetDiscountCode() != nil || after.GetVersion() <= before.GetVersion() {
				t.Errorf("cart after order: lines %v code %v version %d (was %d), want empty, no code, a newer version",
					after.GetLines(), after.GetDiscountCode(), after.GetVersion(), before.GetVersion())
			}

			// The catalogue changes; the order does not.
			if _, err := s.Conn(t).Exec(ctx, `UPDATE products SET name = name || ' (new)', price_minor = price_minor + 700, sku = sku || '-X' WHERE id = ANY($1::uuid[])`, []string{a.id, b.id}); err != nil {
				t.Fatal(err)
			}
			got, err := co.GetOrder(ctx, &checkoutv1.GetOrderRequest{OrderId: o.GetId()})
			if err != nil {
				t.Fatalf("GetOrder: %v", err)
			}
			g := got.GetOrder()
			if g.GetLines()[0].GetName() != a.name || g.GetLines()[0].GetSku() != a.sku || g.GetLines()[0].GetUnitPrice().GetAmountMinor() != a.price ||
				g.GetLines()[1].GetUnitPrice().GetAmountMinor() != b.price || g.GetTotal().GetAmountMinor() != o.GetTotal().GetAmountMinor() {
				t.Errorf("after catalogue changes the order reads %v, want the snapshot", g.GetLines())
			}
			if len(g.GetEvents()) != 1 {
				t.Fatalf("events = %v, want one", g.GetEvents())
			}
			e := g.GetEvents()[0]
			if e.GetSequence() != 1 || e.GetActor().GetKind() != checkoutv1.ActorKind_ACTOR_KIND_CUSTOMER || e.GetActor().GetUserId() != acct.ID ||
				e.GetFromStatus() != checkoutv1.OrderStatus_ORDER_STATUS_UNSPECIFIED || e.GetToStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PROCESSING ||
				e.GetPaymentStatus() != checkoutv1.PaymentStatus_PAYMENT_STATUS_NOT_REQUIRED || e.GetOrderVersion() != 1 || e.GetOrderId() != o.GetId() {
				t.Errorf("first event = %v, want 1, CUSTOMER %s, UNSPECIFIED -> PROCESSING", e, acct.ID)
			}
			if !e.GetCreateTime().AsTime().Equal(placedAt.Truncate(time.Microsecond)) {
				t.Errorf("event time %v, want %v", e.GetCreateTime().AsTime(), placedAt)
			}
		})
	}

	t.Run("discount and free shipping", func(t *testing.T) {
		acct := s.CreateUser(t, auth.RoleCustomer)
		cc, co := cartClient(s, apptest.Protocols[0], acct.Token), checkoutClient(s, apptest.Protocols[0], acct.Token)
		// 105.00 - 10 % = 94.50: the discount takes it under the line, so
		// shipping is charged.
		p := pick(t, s, 10, 10500, used...)
		used = append(used, p.id)
		add(t, cc, p.id, 1)
		if _, err := cc.ApplyDiscountCode(ctx, &cartv1.ApplyDiscountCodeRequest{Code: "tenoff"}); err != nil {
			t.Fatal(err)
		}
		o := place(t, co, cod(newKey()))
		checkTotals(t, o, 10500, 1050, 499)
		if o.GetDiscountCode() != "TENOFF" {
			t.Errorf("discount code %q, want TENOFF", o.GetDiscountCode())
		}
		// Exactly 100.00 ships free.
		q := pick(t, s, 10, 5000, used...)
		used = append(used, q.id)
		add(t, cc, q.id, 2)
		o = place(t, co, cod(newKey()))
		checkTotals(t, o, 10000, 0, 0)
	})

	t.Run("card", func(t *testing.T) {
		acct := s.CreateUser(t, auth.RoleCustomer)
		cc, co := cartClient(s, apptest.Protocols[1], acct.Token), checkoutClient(s, apptest.Protocols[1], acct.Token)
		p := pick(t, s, 10, 1234, used...)
		add(t, cc, p.id, 3)
		placedAt := s.Clock.Now()
		req := cod(newKey())
		req.PaymentMethod = checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD
		o := place(t, co, req)
		if o.GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT || o.GetPaymentStatus() != checkoutv1.PaymentStatus_PAYMENT_STATUS_REQUIRES_PAYMENT ||
			o.GetPaymentMethod() != checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD {
			t.Errorf("card order: %v / %v / %v, want PENDING_PAYMENT / REQUIRES_PAYMENT / CARD", o.GetStatus(), o.GetPaymentStatus(), o.GetPaymentMethod())
		}
		if o.GetExpireTime() == nil {
			t.Fatal("card order has no expire_time")
		}
		if d := o.GetExpireTime().AsTime().Sub(placedAt); d < 30*time.Minute-time.Second || d > 30*time.Minute+time.Second {
			t.Errorf("expire_time %v after placement, want 30 min", d)
		}
		if got := stockOf(t, s, p.id); got != p.stock-3 {
			t.Errorf("stock %d, want %d", got, p.stock-3)
		}
		if e := o.GetEvents(); len(e) != 1 || e[0].GetToStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT {
			t.Errorf("events = %v, want one to PENDING_PAYMENT", e)
		}
	})
}

func checkTotals(t *testing.T, o *checkoutv1.Order, subtotal, discount, shipping int64) {
	t.Helper()
	if o.GetSubtotal().GetAmountMinor() != subtotal || o.GetDiscount().GetAmountMinor() != discount ||
		o.GetShippingFee().GetAmountMinor() != shipping || o.GetTotal().GetAmountMinor() != subtotal-discount+shipping {
		t.Errorf("subtotal %d discount %d shipping %d total %d, want %d %d %d %d",
			o.GetSubtotal().GetAmountMinor(), o.GetDiscount().GetAmountMinor(), o.GetShippingFee().GetAmountMinor(), o.GetTotal().GetAmountMinor(),
			subtotal, discount, shipping, subtotal-discount+shipping)
	}
	for _, m := range []*commonv1.Money{o.GetSubtotal(), o.GetDiscount(), o.GetShippingFee(), o.GetTotal()} {
		if m.GetCurrency() != "EUR" {
			t.Errorf("currency %q, want EUR", m.GetCurrency())
		}
	}
}

func TestPlaceOrder_Idempotency(t *testing.T) {
	t.Parallel()
	s := shop(t)
	proto := apptest.Protocols[0]
	acct := s.CreateUser(t, auth.RoleCustomer)
	cc, co := cartClient(s, proto, acct.Token), checkoutClient(s, proto, acct.Token)
	p := pick(t, s, 20, 1500)

	t.Run("retry returns the first order", func(t *testing.T) {
		add(t, cc, p.id, 2)
		key := newKey()
		first := place(t, co, cod(key))
		again := place(t, co, cod(key))
		if again.GetId() != first.GetId() || again.GetNumber() != first.GetNumber() {
			t.Errorf("retry returned %s, want %s", again.GetId(), first.GetId())
		}
		if n := ordersOf(t, s, acct.ID); n != 1 {
			t.Errorf("%d orders, want 1", n)
		}
		if got := stockOf(t, s, p.id); got != p.stock-2 {
			t.Errorf("stock %d, want %d (taken once)", got, p.stock-2)
		}
		// The same key with another request is refused, even with the
		// cart filled again.
		add(t, cc, p.id, 1)
		other := cod(key)
		other.ShippingAddress.City = "Hamburg"
		_, err := co.PlaceOrder(ctx, other)
		if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
			t.Errorf("key reused with another address: %v, want invalid_argument", got)
		}
		note := cod(key)
		note.CustomerNote = "ring twice"
		_, err = co.PlaceOrder(ctx, note)
		if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
			t.Errorf("key reused with another note: %v, want invalid_argument", got)
		}
		if n := ordersOf(t, s, acct.ID); n != 1 {
			t.Errorf("%d orders after reuse, want 1", n)
		}
		if got := stockOf(t, s, p.id); got != p.stock-2 {
			t.Errorf("stock %d after reuse, want %d", got, p.stock-2)
		}
		if c := getCart(t, cc); len(c.GetLines()) != 1 {
			t.Errorf("cart after refused reuse = %v, want the line kept", c.GetLines())
		}
	})

	t.Run("key in the header", func(t *testing.T) {
		key := newKey()
		hc := checkoutClient(s, proto, acct.Token, apptest.WithHeader("Idempotency-Key", key))
		first := place(t, hc, cod(""))
		again := place(t, co, cod(key))
		if again.GetId() != first.GetId() {
			t.Errorf("body key after header key: %s, want %s", again.GetId(), first.GetId())
		}
		again = place(t, hc, cod(key))
		if again.GetId() != first.GetId() {
			t.Errorf("header and equal body key: %s, want %s", again.GetId(), first.GetId())
		}
		_, err := hc.PlaceOrder(ctx, cod(newKey()))
		if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
			t.Errorf("header and body keys differ: %v, want invalid_argument", got)
		}
		if n := ordersOf(t, s, acct.ID); n != 2 {
			t.Errorf("%d orders, want 2", n)
		}
	})

	t.Run("another customer's key", func(t *testing.T) {
		add(t, cc, p.id, 1)
		key := newKey()
		mine := place(t, co, cod(key))
		thief := s.CreateUser(t, auth.RoleCustomer)
		tc := cartClient(s, proto, thief.Token)
		add(t, tc, p.id, 1)
		stock := stockOf(t, s, p.id)
		_, err := checkoutClient(s, proto, thief.Token).PlaceOrder(ctx, cod(key))
		if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
			t.Errorf("another customer's key: %v, want invalid_argument", got)
		}
		if n := ordersOf(t, s, thief.ID); n != 0 {
			t.Errorf("the other customer has %d orders, want 0", n)
		}
		if got := stockOf(t, s, p.id); got != stock {
			t.Errorf("stock %d, want %d", got, stock)
		}
		if c := getCart(t, tc); len(c.GetLines()) != 1 {
			t.Errorf("other customer's cart = %v, want kept", c.GetLines())
		}
		_, err = checkoutClient(s, proto, thief.Token).GetOrder(ctx, &checkoutv1.GetOrderRequest{OrderId: mine.GetId()})
		if got := apptest.CodeOf(t, err); got != connect.CodeNotFound {
			t.Errorf("the other customer reads the order: %v, want not_found", got)
		}
	})

	t.Run("concurrent duplicates", func(t *testing.T) {
		racer := s.CreateUser(t, auth.RoleCustomer)
		rc := checkoutClient(s, proto, racer.Token)
		add(t, cartClient(s, proto, racer.Token), p.id, 3)
		stock := stockOf(t, s, p.id)
		key := newKey()
		const n = 10
		ids := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := rc.PlaceOrder(ctx, cod(key))
				ids[i], errs[i] = res.GetOrder().GetId(), err
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("call %d: %v", i, errs[i])
			} else if ids[i] != ids[0] {
				t.Errorf("call %d returned order %s, want %s", i, ids[i], ids[0])
			}
		}
		if got := ordersOf(t, s, racer.ID); got != 1 {
			t.Errorf("%d orders, want 1", got)
		}
		if got := stockOf(t, s, p.id); got != stock-3 {
			t.Errorf("stock %d, want %d", got, stock-3)
		}
	})
}

func TestPlaceOrder_HotSKUNeverOversells(t *testing.T) {
	t.Parallel()
	s := shop(t)
	proto := apptest.Protocols[0]
	const stock, racers = 5, 20
	p := pick(t, s, 1, 0)
	if _, err := s.Conn(t).Exec(ctx, `UPDATE products SET stock = $2 WHERE id = $1`, p.id, stock); err != nil {
		t.Fatal(err)
	}
	clients := make([]checkoutv1connect.CheckoutServiceClient, racers)
	for i := range clients {
		acct := s.CreateUser(t, auth.RoleCustomer)
		add(t, cartClient(s, proto, acct.Token), p.id, 1)
		clients[i] = checkoutClient(s, proto, acct.Token)
	}
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = c.PlaceOrder(ctx, cod(newKey()))
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case connect.CodeOf(err) != connect.CodeFailedPrecondition:
			t.Errorf("racer %d: %v, want ok or failed_precondition", i, err)
		}
	}
	if ok != stock {
		t.Errorf("%d orders succeeded, want %d", ok, stock)
	}
	if got := stockOf(t, s, p.id); got != 0 {
		t.Errorf("stock ends at %d, want 0", got)
	}
	var rows int
	if err := s.Conn(t).QueryRow(ctx, `SELECT count(DISTINCT order_id) FROM order_lines WHERE product_id = $1`, p.id).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != stock {
		t.Errorf("%d orders hold the product, want %d", rows, stock)
	}
}

func TestPlaceOrder_LastCodeUseGoesToOneOrder(t *testing.T) {
	t.Parallel()
	s := shop(t)
	proto := apptest.Protocols[0]
	newCode(t, s, "ONLY-ONE", promotion.Rules{Kind: promotion.KindFixed, FixedAmountMinor: 500, TotalLimit: 1, Active: true})
	const racers = 10
	type racer struct {
		id    string
		co    checkoutv1connect.CheckoutServiceClient
		p     product
		stock int
	}
	rs := make([]racer, racers)
	var used []string
	for i := range rs {
		acct := s.CreateUser(t, auth.RoleCustomer)
		cc := cartClient(s, proto, acct.Token)
		// Different products, so the orders race on the code alone.
		p := pick(t, s, 5, 3000, used...)
		used = append(used, p.id)
		add(t, cc, p.id, 1)
		if _, err := cc.ApplyDiscountCode(ctx, &cartv1.ApplyDiscountCodeRequest{Code: "ONLY-ONE"}); err != nil {
			t.Fatalf("apply code: %v", err)
		}
		rs[i] = racer{id: acct.ID, co: checkoutClient(s, proto, acct.Token), p: p, stock: p.stock}
	}
	orders := make([]*checkoutv1.Order, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := r.co.PlaceOrder(ctx, cod(newKey()))
			orders[i], errs[i] = res.GetOrder(), err
		}()
	}
	close(start)
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
			if orders[i].GetDiscountCode() != "ONLY-ONE" || orders[i].GetDiscount().GetAmountMinor() != 500 {
				t.Errorf("winning order: code %q discount %d, want ONLY-ONE 500", orders[i].GetDiscountCode(), orders[i].GetDiscount().GetAmountMinor())
			}
		case connect.CodeOf(err) != connect.CodeFailedPrecondition:
			t.Errorf("racer %d: %v, want ok or failed_precondition", i, err)
		default:
			if n := ordersOf(t, s, rs[i].id); n != 0 {
				t.Errorf("refused racer %d has %d orders", i, n)
			}
			if got := stockOf(t, s, rs[i].p.id); got != rs[i].stock {
				t.Errorf("refused racer %d: stock %d, want %d", i, got, rs[i].stock)
			}
		}
	}
	if ok != 1 {
		t.Errorf("%d orders succeeded, want 1", ok)
	}
	if n := redemptions(t, s, "ONLY-ONE"); n != 1 {
		t.Errorf("redemption_count %d, want 1", n)
	}
	var total int
	if err := s.Conn(t).QueryRow(ctx, `SELECT count(*) FROM orders`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != 1 {
		t.Errorf("%d orders in all, want 1", total)
	}
}

// TestPlaceOrder_PopularCodeServesEveryone races orders that share an
// unlimited code: each must succeed and count one use. (Orders that took
// the code row's key-share lock before Redeem's FOR UPDATE deadlocked each
// other here.)
func TestPlaceOrder_PopularCodeServesEveryone(t *testing.T) {
	t.Parallel()
	s := shop(t)
	proto := apptest.Protocols[0]
	newCode(t, s, "EVERYONE", promotion.Rules{Kind: promotion.KindPercent, Percent: 5, Active: true})
	const racers = 16
	clients := make([]checkoutv1connect.CheckoutServiceClient, racers)
	var used []string
	for i := range clients {
		acct := s.CreateUser(t, auth.RoleCustomer)
		cc := cartClient(s, proto, acct.Token)
		p := pick(t, s, 5, 4000, used...)
		used = append(used, p.id)
		add(t, cc, p.id, 1)
		if _, err := cc.ApplyDiscountCode(ctx, &cartv1.ApplyDiscountCodeRequest{Code: "EVERYONE"}); err != nil {
			t.Fatalf("apply code: %v", err)
		}
		clients[i] = checkoutClient(s, proto, acct.Token)
	}
	orders := make([]*checkoutv1.Order, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := c.PlaceOrder(ctx, cod(newKey()))
			orders[i], errs[i] = res.GetOrder(), err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("racer %d: %v", i, err)
		} else if orders[i].GetDiscount().GetAmountMinor() != 200 || orders[i].GetDiscountCode() != "EVERYONE" {
			t.Errorf("racer %d: discount %d code %q, want 200 EVERYONE", i, orders[i].GetDiscount().GetAmountMinor(), orders[i].GetDiscountCode())
		}
	}
	if n := redemptions(t, s, "EVERYONE"); n != racers {
		t.Errorf("redemption_count %d, want %d", n, racers)
	}
	var linked int
	if err := s.Conn(t).QueryRow(ctx, `SELECT count(*) FROM orders o JOIN discount_codes dc ON dc.id = o.discount_code_id WHERE dc.code = 'EVERYONE'`).Scan(&linked); err != nil {
		t.Fatal(err)
	}
	if linked != racers {
		t.Errorf("%d orders reference the code, want %d", linked, racers)
	}
}

func TestCheckout_OtherCustomersOrdersAreNotFound(t *testing.T) {
	t.Parallel()
	s := shop(t)
	for _, proto := range apptest.Protocols {
		t.Run(proto.Name, func(t *testing.T) {
			owner, other := s.CreateUser(t, auth.RoleCustomer), s.CreateUser(t, auth.RoleCustomer)
			p := pick(t, s, 10, 0)
			add(t, cartClient(s, proto, owner.Token), p.id, 1)
			oc, xc := checkoutClient(s, proto, owner.Token), checkoutClient(s, proto, other.Token)
			o := place(t, oc, cod(newKey()))

			_, err := xc.GetOrder(ctx, &checkoutv1.GetOrderRequest{OrderId: o.GetId()})
			if got := apptest.CodeOf(t, err); got != connect.CodeNotFound {
				t.Errorf("GetOrder of another's order: %v, want not_found", got)
			}
			_, err = xc.CancelOrder(ctx, &checkoutv1.CancelOrderRequest{OrderId: o.GetId()})
			if got := apptest.CodeOf(t, err); got != connect.CodeNotFound {
				t.Errorf("CancelOrder of another's order: %v, want not_found", got)
			}
			_, err = xc.GetOrder(ctx, &checkoutv1.GetOrderRequest{OrderId: "00000000-0000-4000-8000-000000000000"})
			if got := apptest.CodeOf(t, err); got != connect.CodeNotFound {
				t.Errorf("GetOrder of no order: %v, want not_found", got)
			}
			list, err := xc.ListOrders(ctx, &checkoutv1.ListOrdersRequest{})
			if err != nil || len(list.GetOrders()) != 0 {
				t.Errorf("other's list = %v (err %v), want empty", list.GetOrders(), err)
			}
			mine, err := oc.ListOrders(ctx, &checkoutv1.ListOrdersRequest{})
			if err != nil || len(mine.GetOrders()) != 1 || mine.GetOrders()[0].GetId() != o.GetId() {
				t.Errorf("owner's list = %v (err %v), want the one order", mine.GetOrders(), err)
			}
			got, err := oc.GetOrder(ctx, &checkoutv1.GetOrderRequest{OrderId: o.GetId()})
			if err != nil || got.GetOrder().GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PROCESSING || len(got.GetOrder().GetEvents()) != 1 {
				t.Errorf("owner's order after the other's cancel: %v (err %v), want untouched", got.GetOrder(), err)
			}
		})
	}
}

func TestPlaceOrder_ClientPricesAreIgnored(t *testing.T) {
	t.Parallel()
	s := shop(t)
	proto := apptest.Protocols[0]
	acct := s.CreateUser(t, auth.RoleCustomer)
	cc, co := cartClient(s, proto, acct.Token), checkoutClient(s, proto, acct.Token)
	p := pick(t, s, 10, 2000)
	add(t, cc, p.id, 2)
	c := getCart(t, cc)
	if c.GetTotal().GetAmountMinor() != 4000 {
		t.Fatalf("cart total %d, want 4000", c.GetTotal().GetAmountMinor())
	}
	for _, amount := range []int64{1, 3999, 4001} {
		req := cod(newKey())
		req.ExpectedCartTotal = &commonv1.Money{AmountMinor: amount, Currency: "EUR"}
		_, err := co.PlaceOrder(ctx, req)
		if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
			t.Errorf("expected total %d: %v, want failed_precondition", amount, got)
		}
	}
	// The price changes after the customer looked at the cart.
	if _, err := s.Conn(t).Exec(ctx, `UPDATE products SET price_minor = 2100 WHERE id = $1`, p.id); err != nil {
		t.Fatal(err)
	}
	req := cod(newKey())
	req.ExpectedCartTotal = c.GetTotal()
	_, err := co.PlaceOrder(ctx, req)
	if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
		t.Errorf("stale expected total: %v, want failed_precondition", got)
	}
	if n := ordersOf(t, s, acct.ID); n != 0 {
		t.Fatalf("%d orders after refusals, want 0", n)
	}
	if got := stockOf(t, s, p.id); got != p.stock {
		t.Errorf("stock %d after refusals, want %d", got, p.stock)
	}
	req = cod(newKey())
	req.ExpectedCartTotal = &commonv1.Money{AmountMinor: 4200, Currency: "EUR"}
	o := place(t, co, req)
	checkTotals(t, o, 4200, 0, 499)
}

func TestCancelOrder(t *testing.T) {
	t.Parallel()
	s := shop(t)
	newCode(t, s, "CANCEL5", promotion.Rules{Kind: promotion.KindFixed, FixedAmountMinor: 500, Active: true})
	for _, proto := range apptest.Protocols {
		t.Run(proto.Name, func(t *testing.T) {
			acct := s.CreateUser(t, auth.RoleCustomer)
			cc, co := cartClient(s, proto, acct.Token), checkoutClient(s, proto, acct.Token)
			p := pick(t, s, 20, 3000)
			add(t, cc, p.id, 2)
			if _, err := cc.ApplyDiscountCode(ctx, &cartv1.ApplyDiscountCodeRequest{Code: "CANCEL5"}); err != nil {
				t.Fatal(err)
			}
			count := redemptions(t, s, "CANCEL5")
			before := stockOf(t, s, p.id)
			o := place(t, co, cod(newKey()))
			if o.GetDiscount().GetAmountMinor() != 500 || redemptions(t, s, "CANCEL5") != count+1 || stockOf(t, s, p.id) != before-2 {
				t.Fatalf("placement: discount %d, redemptions %d (was %d), stock %d (was %d)",
					o.GetDiscount().GetAmountMinor(), redemptions(t, s, "CANCEL5"), count, stockOf(t, s, p.id), before)
			}
			s.Clock.Advance(time.Minute)
			res, err := co.CancelOrder(ctx, &checkoutv1.CancelOrderRequest{OrderId: o.GetId(), Reason: "changed my mind", ExpectedVersion: o.GetVersion()})
			if err != nil {
				t.Fatalf("CancelOrder: %v", err)
			}
			c := res.GetOrder()
			if c.GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_CANCELLED || c.GetCancelReason() != "changed my mind" || c.GetVersion() != o.GetVersion()+1 {
				t.Errorf("cancelled: status %v reason %q version %d, want CANCELLED, the reason, %d", c.GetStatus(), c.GetCancelReason(), c.GetVersion(), o.GetVersion()+1)
			}
			if got := stockOf(t, s, p.id); got != before {
				t.Errorf("stock %d after cancel, want %d", got, before)
			}
			if got := redemptions(t, s, "CANCEL5"); got != count {
				t.Errorf("redemption_count %d after cancel, want %d", got, count)
			}
			if len(c.GetEvents()) != 2 {
				t.Fatalf("events = %v, want two", c.GetEvents())
			}
			e := c.GetEvents()[1]
			if e.GetSequence() != 2 || e.GetActor().GetKind() != checkoutv1.ActorKind_ACTOR_KIND_CUSTOMER || e.GetActor().GetUserId() != acct.ID ||
				e.GetFromStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PROCESSING || e.GetToStatus() != checkoutv1.OrderStatus_ORDER_STATUS_CANCELLED ||
				e.GetOrderVersion() != c.GetVersion() || e.GetNote() != "changed my mind" {
				t.Errorf("cancel event = %v, want 2, CUSTOMER, PROCESSING -> CANCELLED", e)
			}
			again, err := co.CancelOrder(ctx, &checkoutv1.CancelOrderRequest{OrderId: o.GetId(), Reason: "again"})
			if err != nil {
				t.Fatalf("cancel again: %v", err)
			}
			if a := again.GetOrder(); a.GetVersion() != c.GetVersion() || len(a.GetEvents()) != 2 || a.GetCancelReason() != "changed my mind" {
				t.Errorf("cancel again: version %d events %d reason %q, want unchanged", a.GetVersion(), len(a.GetEvents()), a.GetCancelReason())
			}
			if got := stockOf(t, s, p.id); got != before {
				t.Errorf("stock %d after the second cancel, want %d", got, before)
			}
			if got := redemptions(t, s, "CANCEL5"); got != count {
				t.Errorf("redemption_count %d after the second cancel, want %d", got, count)
			}

			// Shipped orders stay.
			add(t, cc, p.id, 1)
			shipped := place(t, co, cod(newKey()))
			if _, err := s.Conn(t).Exec(ctx, `UPDATE orders SET status = 'shipped' WHERE id = $1`, shipped.GetId()); err != nil {
				t.Fatal(err)
			}
			stock := stockOf(t, s, p.id)
			_, err = co.CancelOrder(ctx, &checkoutv1.CancelOrderRequest{OrderId: shipped.GetId()})
			if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
				t.Errorf("cancel shipped: %v, want failed_precondition", got)
			}
			if got := stockOf(t, s, p.id); got != stock {
				t.Errorf("stock %d after refused cancel, want %d", got, stock)
			}

			// A stale version is aborted with the current one.
			add(t, cc, p.id, 1)
			card := cod(newKey())
			card.PaymentMethod = checkoutv1.PaymentMethod_PAYMENT_METHOD_CARD
			pending := place(t, co, card)
			if _, err := s.Conn(t).Exec(ctx, `UPDATE orders SET version = version + 1 WHERE id = $1`, pending.GetId()); err != nil {
				t.Fatal(err)
			}
			_, err = co.CancelOrder(ctx, &checkoutv1.CancelOrderRequest{OrderId: pending.GetId(), ExpectedVersion: pending.GetVersion()})
			if got := apptest.CodeOf(t, err); got != connect.CodeAborted {
				t.Errorf("stale expected_version: %v, want aborted", got)
			}
			if vm := versionMismatch(err); vm == nil || vm.GetEntity() != "order" || vm.GetCurrentVersion() != pending.GetVersion()+1 {
				t.Errorf("aborted detail = %v, want entity order, current %d", vm, pending.GetVersion()+1)
			}
			// An unpaid card order can be cancelled; its stock comes back.
			stock = stockOf(t, s, p.id)
			res, err = co.CancelOrder(ctx, &checkoutv1.CancelOrderRequest{OrderId: pending.GetId(), ExpectedVersion: pending.GetVersion() + 1})
			if err != nil || res.GetOrder().GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_CANCELLED || res.GetOrder().GetExpireTime() != nil {
				t.Errorf("cancel a pending card order: %v (err %v), want CANCELLED without expiry", res.GetOrder(), err)
			}
			if got := stockOf(t, s, p.id); got != stock+1 {
				t.Errorf("stock %d after cancelling the card order, want %d", got, stock+1)
			}

			long := strings.Repeat("x", 501)
			for name, req := range map[string]*checkoutv1.CancelOrderRequest{
				"malformed id":     {OrderId: "not-a-uuid"},
				"empty id":         {},
				"long reason":      {OrderId: o.GetId(), Reason: long},
				"negative version": {OrderId: o.GetId(), ExpectedVersion: -1},
			} {
				_, err := co.CancelOrder(ctx, req)
				if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
					t.Errorf("%s: %v, want invalid_argument", name, got)
				}
			}
		})
	}
}

func TestListOrders(t *testing.T) {
	t.Parallel()
	s := shop(t)
	for _, proto := range apptest.Protocols {
		t.Run(proto.Name, func(t *testing.T) {
			acct := s.CreateUser(t, auth.RoleCustomer)
			cc, co := cartClient(s, proto, acct.Token), checkoutClient(s, proto, acct.Token)
			p := pick(t, s, 20, 1000)
			var placed []string // oldest first
			for range 4 {
				add(t, cc, p.id, 1)
				placed = append(placed, place(t, co, cod(newKey())).GetId())
				s.Clock.Advance(time.Second)
			}
			if _, err := co.CancelOrder(ctx, &checkoutv1.CancelOrderRequest{OrderId: placed[1]}); err != nil {
				t.Fatal(err)
			}
			newestFirst := []string{placed[3], placed[2], placed[1], placed[0]}

			all, err := co.ListOrders(ctx, &checkoutv1.ListOrdersRequest{})
			if err != nil {
				t.Fatalf("ListOrders: %v", err)
			}
			if got := ids(all.GetOrders()); strings.Join(got, ",") != strings.Join(newestFirst, ",") || all.GetNextPageToken() != "" {
				t.Errorf("list = %v next %q, want %v and no next page", got, all.GetNextPageToken(), newestFirst)
			}
			for _, o := range all.GetOrders() {
				if len(o.GetEvents()) != 0 || len(o.GetLines()) != 1 {
					t.Errorf("listed order has %d events and %d lines, want none and its line", len(o.GetEvents()), len(o.GetLines()))
				}
			}

			var walked []string
			token := ""
			for page := 0; ; page++ {
				if page > len(placed) {
					t.Fatalf("paging did not end after %d pages", page)
				}
				res, err := co.ListOrders(ctx, &checkoutv1.ListOrdersRequest{PageSize: 1, PageToken: token})
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				if len(res.GetOrders()) != 1 {
					t.Fatalf("page %d holds %d orders, want 1", page, len(res.GetOrders()))
				}
				walked = append(walked, res.GetOrders()[0].GetId())
				if token = res.GetNextPageToken(); token == "" {
					break
				}
			}
			if strings.Join(walked, ",") != strings.Join(newestFirst, ",") {
				t.Errorf("walked %v, want %v", walked, newestFirst)
			}

			cancelled, err := co.ListOrders(ctx, &checkoutv1.ListOrdersRequest{Statuses: []checkoutv1.OrderStatus{checkoutv1.OrderStatus_ORDER_STATUS_CANCELLED}})
			if err != nil || strings.Join(ids(cancelled.GetOrders()), ",") != placed[1] {
				t.Errorf("cancelled filter = %v (err %v), want [%s]", ids(cancelled.GetOrders()), err, placed[1])
			}
			processing, err := co.ListOrders(ctx, &checkoutv1.ListOrdersRequest{PageSize: 2, Statuses: []checkoutv1.OrderStatus{checkoutv1.OrderStatus_ORDER_STATUS_PROCESSING}})
			if err != nil || strings.Join(ids(processing.GetOrders()), ",") != placed[3]+","+placed[2] || processing.GetNextPageToken() == "" {
				t.Fatalf("processing filter page 1 = %v (err %v)", ids(processing.GetOrders()), err)
			}
			rest, err := co.ListOrders(ctx, &checkoutv1.ListOrdersRequest{PageSize: 2, PageToken: processing.GetNextPageToken(),
				Statuses: []checkoutv1.OrderStatus{checkoutv1.OrderStatus_ORDER_STATUS_PROCESSING}})
			if err != nil || strings.Join(ids(rest.GetOrders()), ",") != placed[0] || rest.GetNextPageToken() != "" {
				t.Errorf("processing filter page 2 = %v next %q (err %v), want [%s]", ids(rest.GetOrders()), rest.GetNextPageToken(), err, placed[0])
			}

			for name, req := range map[string]*checkoutv1.ListOrdersRequest{
				"garbage token":       {PageToken: "not a token!"},
				"base64 junk token":   {PageToken: "eyJ0IjoxfQ"},
				"token of a filter":   {PageToken: processing.GetNextPageToken()},
				"negative page_size":  {PageSize: -1},
				"unknown status":      {Statuses: []checkoutv1.OrderStatus{checkoutv1.OrderStatus(99)}},
				"token for no filter": {PageToken: processing.GetNextPageToken(), Statuses: []checkoutv1.OrderStatus{checkoutv1.OrderStatus_ORDER_STATUS_CANCELLED}},
			} {
				_, err := co.ListOrders(ctx, req)
				if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
					t.Errorf("%s: %v (%v), want invalid_argument", name, got, err)
				}
			}
		})
	}
}

func ids(orders []*checkoutv1.Order) []string {
	out := make([]string, len(orders))
	for i, o := range orders {
		out[i] = o.GetId()
	}
	return out
}

func TestPlaceOrder_BadInputChangesNothing(t *testing.T) {
	t.Parallel()
	s := shop(t)
	proto := apptest.Protocols[0]
	acct := s.CreateUser(t, auth.RoleCustomer)
	cc, co := cartClient(s, proto, acct.Token), checkoutClient(s, proto, acct.Token)
	p := pick(t, s, 10, 1000)
	q := pick(t, s, 10, 2000, p.id)
	add(t, cc, p.id, 2)
	before := add(t, cc, q.id, 1)

	with := func(f func(r *checkoutv1.PlaceOrderRequest)) *checkoutv1.PlaceOrderRequest {
		r := cod(newKey())
		f(r)
		return r
	}
	huge := strings.Repeat("a", 1<<20)
	cases := []struct {
		name string
		req  *checkoutv1.PlaceOrderRequest
		want []connect.Code
	}{
		{"missing key", with(func(r *checkoutv1.PlaceOrderRequest) { r.IdempotencyKey = "" }), []connect.Code{connect.CodeInvalidArgument}},
		{"short key", with(func(r *checkoutv1.PlaceOrderRequest) { r.IdempotencyKey = "abc-123" }), []connect.Code{connect.CodeInvalidArgument}},
		{"15-char key", with(func(r *checkoutv1.PlaceOrderRequest) { r.IdempotencyKey = strings.Repeat("k", 15) }), []connect.Code{connect.CodeInvalidArgument}},
		{"long key", with(func(r *checkoutv1.PlaceOrderRequest) { r.IdempotencyKey = strings.Repeat("k", 129) }), []connect.Code{connect.CodeInvalidArgument}},
		{"key charset", with(func(r *checkoutv1.PlaceOrderRequest) { r.IdempotencyKey = "key with spaces and !" }), []connect.Code{connect.CodeInvalidArgument}},
		{"key non-ascii", with(func(r *checkoutv1.PlaceOrderRequest) { r.IdempotencyKey = "schlüssel-schlüssel" }), []connect.Code{connect.CodeInvalidArgument}},
		{"missing address", with(func(r *checkoutv1.PlaceOrderRequest) { r.ShippingAddress = nil }), []connect.Code{connect.CodeInvalidArgument}},
		{"empty recipient", with(func(r *checkoutv1.PlaceOrderRequest) { r.ShippingAddress.Recipient = "  " }), []connect.Code{connect.CodeInvalidArgument}},
		{"missing postal code", with(func(r *checkoutv1.PlaceOrderRequest) { r.ShippingAddress.PostalCode = "" }), []connect.Code{connect.CodeInvalidArgument}},
		{"1 MB line", with(func(r *checkoutv1.PlaceOrderRequest) { r.ShippingAddress.Line1 = huge }), []connect.Code{connect.CodeInvalidArgument, connect.CodeResourceExhausted}},
		{"201-char line", with(func(r *checkoutv1.PlaceOrderRequest) { r.ShippingAddress.Line1 = strings.Repeat("a", 201) }), []connect.Code{connect.CodeInvalidArgument}},
		{"lower-case country", with(func(r *checkoutv1.PlaceOrderRequest) { r.ShippingAddress.CountryCode = "de" }), []connect.Code{connect.CodeInvalidArgument}},
		{"3-letter country", with(func(r *checkoutv1.PlaceOrderRequest) { r.ShippingAddress.CountryCode = "DEU" }), []connect.Code{connect.CodeInvalidArgument}},
		{"no country", with(func(r *checkoutv1.PlaceOrderRequest) { r.ShippingAddress.CountryCode = "" }), []connect.Code{connect.CodeInvalidArgument}},
		{"unspecified payment", with(func(r *checkoutv1.PlaceOrderRequest) {
			r.PaymentMethod = checkoutv1.PaymentMethod_PAYMENT_METHOD_UNSPECIFIED
		}), []connect.Code{connect.CodeInvalidArgument}},
		{"unknown payment", with(func(r *checkoutv1.PlaceOrderRequest) { r.PaymentMethod = 42 }), []connect.Code{connect.CodeInvalidArgument}},
		{"long note", with(func(r *checkoutv1.PlaceOrderRequest) { r.CustomerNote = strings.Repeat("n", 501) }), []connect.Code{connect.CodeInvalidArgument}},
		{"negative cart version", with(func(r *checkoutv1.PlaceOrderRequest) { r.ExpectedCartVersion = -1 }), []connect.Code{connect.CodeInvalidArgument}},
		{"total in another currency", with(func(r *checkoutv1.PlaceOrderRequest) {
			r.ExpectedCartTotal = &commonv1.Money{AmountMinor: before.GetTotal().GetAmountMinor(), Currency: "USD"}
		}), []connect.Code{connect.CodeInvalidArgument}},
		{"negative total", with(func(r *checkoutv1.PlaceOrderRequest) {
			r.ExpectedCartTotal = &commonv1.Money{AmountMinor: -1, Currency: "EUR"}
		}), []connect.Code{connect.CodeInvalidArgument}},
		{"stale cart version", with(func(r *checkoutv1.PlaceOrderRequest) { r.ExpectedCartVersion = before.GetVersion() - 1 }), []connect.Code{connect.CodeAborted}},
		{"future cart version", with(func(r *checkoutv1.PlaceOrderRequest) { r.ExpectedCartVersion = before.GetVersion() + 1 }), []connect.Code{connect.CodeAborted}},
	}
	for _, tc := range cases {
		res, err := co.PlaceOrder(ctx, tc.req)
		if err == nil {
			t.Fatalf("%s: placed order %v, want %v", tc.name, res.GetOrder(), tc.want)
		}
		got := connect.CodeOf(err)
		ok := false
		for _, w := range tc.want {
			ok = ok || got == w
		}
		if !ok {
			t.Errorf("%s: %v (%v), want %v", tc.name, got, err, tc.want)
		}
		if tc.name == "stale cart version" {
			if vm := versionMismatch(err); vm == nil || vm.GetEntity() != "cart" || vm.GetCurrentVersion() != before.GetVersion() {
				t.Errorf("stale cart version detail = %v, want entity cart, current %d", vm, before.GetVersion())
			}
		}
	}
	for name, id := range map[string]string{"empty": "", "not a uuid": "order-1", "sql": "1' OR '1'='1", "too long": strings.Repeat("a", 1000)} {
		_, err := co.GetOrder(ctx, &checkoutv1.GetOrderRequest{OrderId: id})
		if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
			t.Errorf("GetOrder %s id: %v, want invalid_argument", name, got)
		}
	}
	assertUntouched := func(t *testing.T) {
		t.Helper()
		if n := ordersOf(t, s, acct.ID); n != 0 {
			t.Errorf("%d orders, want 0", n)
		}
		if got := stockOf(t, s, p.id); got != p.stock {
			t.Errorf("stock of p %d, want %d", got, p.stock)
		}
		if got := stockOf(t, s, q.id); got != q.stock {
			t.Errorf("stock of q %d, want %d", got, q.stock)
		}
	}
	assertUntouched(t)
	if c := getCart(t, cc); len(c.GetLines()) != 2 || c.GetVersion() != before.GetVersion() {
		t.Errorf("cart after refusals: %d lines version %d, want 2 lines version %d", len(c.GetLines()), c.GetVersion(), before.GetVersion())
	}

	t.Run("archived product", func(t *testing.T) {
		if _, err := s.Conn(t).Exec(ctx, `UPDATE products SET status = 'archived' WHERE id = $1`, q.id); err != nil {
			t.Fatal(err)
		}
		_, err := co.PlaceOrder(ctx, cod(newKey()))
		if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
			t.Errorf("archived product in the cart: %v, want failed_precondition", got)
		}
		assertUntouched(t)
	})

	t.Run("not enough stock", func(t *testing.T) {
		other := s.CreateUser(t, auth.RoleCustomer)
		r := pick(t, s, 3, 1000, p.id, q.id)
		add(t, cartClient(s, proto, other.Token), r.id, 3)
		if _, err := s.Conn(t).Exec(ctx, `UPDATE products SET stock = 2 WHERE id = $1`, r.id); err != nil {
			t.Fatal(err)
		}
		_, err := checkoutClient(s, proto, other.Token).PlaceOrder(ctx, cod(newKey()))
		if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
			t.Errorf("more than in stock: %v, want failed_precondition", got)
		}
		if got := stockOf(t, s, r.id); got != 2 {
			t.Errorf("stock %d, want 2", got)
		}
	})

	t.Run("empty cart", func(t *testing.T) {
		empty := s.CreateUser(t, auth.RoleCustomer)
		_, err := checkoutClient(s, proto, empty.Token).PlaceOrder(ctx, cod(newKey()))
		if got := apptest.CodeOf(t, err); got != connect.CodeFailedPrecondition {
			t.Errorf("empty cart: %v, want failed_precondition", got)
		}
		if n := ordersOf(t, s, empty.ID); n != 0 {
			t.Errorf("%d orders, want 0", n)
		}
	})
}

func TestCheckout_StaffCannotUseCustomerRPCs(t *testing.T) {
	t.Parallel()
	s := shop(t)
	staff := s.CreateUser(t, auth.RoleStaff)
	for _, proto := range apptest.Protocols {
		co := checkoutClient(s, proto, staff.Token)
		_, err := co.PlaceOrder(ctx, cod(newKey()))
		if got := apptest.CodeOf(t, err); got != connect.CodePermissionDenied {
			t.Errorf("%s: staff PlaceOrder: %v, want permission_denied", proto.Name, got)
		}
		_, err = co.ListOrders(ctx, &checkoutv1.ListOrdersRequest{})
		if got := apptest.CodeOf(t, err); got != connect.CodePermissionDenied {
			t.Errorf("%s: staff ListOrders: %v, want permission_denied", proto.Name, got)
		}
		anon := apptest.NewClient(s, proto, checkoutv1connect.NewCheckoutServiceClient)
		_, err = anon.PlaceOrder(ctx, cod(newKey()))
		if got := apptest.CodeOf(t, err); got != connect.CodeUnauthenticated {
			t.Errorf("%s: anonymous PlaceOrder: %v, want unauthenticated", proto.Name, got)
		}
	}
	var n int
	if err := s.Conn(t).QueryRow(ctx, `SELECT count(*) FROM orders`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d orders (err %v), want 0", n, err)
	}
}
