package cart_test

import (
	"context"
	"fmt"
	"testing"

	"connectrpc.com/connect"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/cart"
	"github.com/partsbin/partsbin/backend/internal/promotion"
	cartv1 "github.com/partsbin/partsbin/gen/partsbin/cart/v1"
	"github.com/partsbin/partsbin/gen/partsbin/cart/v1/cartv1connect"
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
	id    string
	price int64
	stock int
}

// pick returns an active product with at least minStock units.
func pick(t *testing.T, s *apptest.Server, minStock int, skip ...string) product {
	t.Helper()
	var p product
	err := s.Conn(t).QueryRow(ctx, `SELECT id, price_minor, stock FROM products
		WHERE status = 'active' AND stock >= $1 AND NOT (id = ANY($2::uuid[])) ORDER BY sku LIMIT 1`, minStock, append([]string{}, skip...)).Scan(&p.id, &p.price, &p.stock)
	if err != nil {
		t.Fatalf("pick a product: %v", err)
	}
	return p
}

func cartClient(s *apptest.Server, p apptest.Protocol, token string) cartv1connect.CartServiceClient {
	return apptest.NewClient(s, p, cartv1connect.NewCartServiceClient, apptest.WithToken(token))
}

func TestCart_AddMergeUpdateRemove(t *testing.T) {
	t.Parallel()
	s := shop(t)
	for _, proto := range apptest.Protocols[:2] {
		t.Run(proto.Name, func(t *testing.T) {
			acct := s.CreateUser(t, auth.RoleCustomer)
			c := cartClient(s, proto, acct.Token)
			empty, err := c.GetCart(ctx, &cartv1.GetCartRequest{})
			if err != nil {
				t.Fatalf("GetCart: %v", err)
			}
			if len(empty.GetCart().GetLines()) != 0 || empty.GetCart().GetTotal().GetAmountMinor() != 0 || empty.GetCart().GetCurrency() != "EUR" {
				t.Fatalf("new cart = %v, want empty in EUR", empty.GetCart())
			}
			a, b := pick(t, s, 10), pick(t, s, 10)
			b = pick(t, s, 10, a.id)
			res, err := c.AddItem(ctx, &cartv1.AddItemRequest{ProductId: a.id, Quantity: 2, ExpectedVersion: empty.GetCart().GetVersion()})
			if err != nil {
				t.Fatalf("AddItem: %v", err)
			}
			res, err = c.AddItem(ctx, &cartv1.AddItemRequest{ProductId: a.id, Quantity: 1})
			if err != nil {
				t.Fatalf("AddItem again: %v", err)
			}
			if _, err = c.AddItem(ctx, &cartv1.AddItemRequest{ProductId: b.id, Quantity: 1}); err != nil {
				t.Fatal(err)
			}
			got, _ := c.GetCart(ctx, &cartv1.GetCartRequest{})
			cart := got.GetCart()
			qty := map[string]int32{}
			for _, l := range cart.GetLines() {
				qty[l.GetProductId()] = l.GetQuantity()
			}
			if len(cart.GetLines()) != 2 || qty[a.id] != 3 || qty[b.id] != 1 || cart.GetItemCount() != 4 {
				t.Fatalf("lines = %v, want the merged line of 3 and one of 1", cart.GetLines())
			}
			want := 3*a.price + b.price
			if cart.GetSubtotal().GetAmountMinor() != want || cart.GetTotal().GetAmountMinor() != want {
				t.Errorf("subtotal %d total %d, want %d (priced by the server)", cart.GetSubtotal().GetAmountMinor(), cart.GetTotal().GetAmountMinor(), want)
			}
			if cart.GetVersion() != empty.GetCart().GetVersion()+3 {
				t.Errorf("version %d after three changes from %d", cart.GetVersion(), empty.GetCart().GetVersion())
			}
			// 0 removes; removing what is absent changes nothing.
			up, err := c.UpdateItemQuantity(ctx, &cartv1.UpdateItemQuantityRequest{ProductId: b.id, Quantity: 0})
			if err != nil || len(up.GetCart().GetLines()) != 1 {
				t.Fatalf("UpdateItemQuantity 0: %v %v", err, up.GetCart().GetLines())
			}
			again, err := c.RemoveItem(ctx, &cartv1.RemoveItemRequest{ProductId: b.id})
			if err != nil || again.GetCart().GetVersion() != up.GetCart().GetVersion() {
				t.Errorf("removing an absent line: err %v, version %d -> %d", err, up.GetCart().GetVersion(), again.GetCart().GetVersion())
			}
			_, err = c.UpdateItemQuantity(ctx, &cartv1.UpdateItemQuantityRequest{ProductId: b.id, Quantity: 1})
			if got := apptest.CodeOf(t, err); got != connect.CodeNotFound {
				t.Errorf("quantity of a line not in the cart: %v, want not_found", got)
			}
			_ = res
		})
	}
}

func TestCart_StaleVersionIsAborted(t *testing.T) {
	t.Parallel()
	s := shop(t)
	acct := s.CreateUser(t, auth.RoleCustomer)
	c := cartClient(s, apptest.Protocols[0], acct.Token)
	p := pick(t, s, 5)
	first, err := c.AddItem(ctx, &cartv1.AddItemRequest{ProductId: p.id, Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AddItem(ctx, &cartv1.AddItemRequest{ProductId: p.id, Quantity: 1, ExpectedVersion: first.GetCart().GetVersion() - 1})
	if got := apptest.CodeOf(t, err); got != connect.CodeAborted {
		t.Fatalf("stale version: %v, want aborted", got)
	}
	vm := apptest.Detail[*commonv1.VersionMismatch](err)
	if vm.GetCurrentVersion() != first.GetCart().GetVersion() || vm.GetEntity() != "cart" {
		t.Errorf("aborted error lacks VersionMismatch with the current version: %v", err)
	}
}

func TestCart_RefusesWhatCannotBeBought(t *testing.T) {
	t.Parallel()
	s := shop(t)
	acct := s.CreateUser(t, auth.RoleCustomer)
	c := cartClient(s, apptest.Protocols[0], acct.Token)
	conn := s.Conn(t)
	low := pick(t, s, 1)
	if _, err := conn.Exec(ctx, `UPDATE products SET stock = 2 WHERE id = $1`, low.id); err != nil {
		t.Fatal(err)
	}
	archived, draft, empty := pick(t, s, 1, low.id), product{}, product{}
	draft = pick(t, s, 1, low.id, archived.id)
	empty = pick(t, s, 1, low.id, archived.id, draft.id)
	for sql, id := range map[string]string{
		`UPDATE products SET status = 'archived' WHERE id = $1`: archived.id,
		`UPDATE products SET status = 'draft' WHERE id = $1`:    draft.id,
		`UPDATE products SET stock = 0 WHERE id = $1`:           empty.id,
	} {
		if _, err := conn.Exec(ctx, sql, id); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		req  *cartv1.AddItemRequest
		want connect.Code
	}{
		{"unknown product", &cartv1.AddItemRequest{ProductId: "00000000-0000-4000-8000-000000000000", Quantity: 1}, connect.CodeNotFound},
		{"draft", &cartv1.AddItemRequest{ProductId: draft.id, Quantity: 1}, connect.CodeNotFound},
		{"archived", &cartv1.AddItemRequest{ProductId: archived.id, Quantity: 1}, connect.CodeFailedPrecondition},
		{"out of stock", &cartv1.AddItemRequest{ProductId: empty.id, Quantity: 1}, connect.CodeFailedPrecondition},
		{"more than in stock", &cartv1.AddItemRequest{ProductId: low.id, Quantity: 3}, connect.CodeFailedPrecondition},
		{"zero", &cartv1.AddItemRequest{ProductId: low.id, Quantity: 0}, connect.CodeInvalidArgument},
		{"negative", &cartv1.AddItemRequest{ProductId: low.id, Quantity: -5}, connect.CodeInvalidArgument},
		{"huge", &cartv1.AddItemRequest{ProductId: low.id, Quantity: 1 << 30}, connect.CodeInvalidArgument},
		{"malformed id", &cartv1.AddItemRequest{ProductId: "not-a-uuid", Quantity: 1}, connect.CodeInvalidArgument},
		{"negative version", &cartv1.AddItemRequest{ProductId: low.id, Quantity: 1, ExpectedVersion: -1}, connect.CodeInvalidArgument},
	}
	for _, tc := range cases {
		_, err := c.AddItem(ctx, tc.req)
		if got := apptest.CodeOf(t, err); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	res, err := c.GetCart(ctx, &cartv1.GetCartRequest{})
	if err != nil || len(res.GetCart().GetLines()) != 0 {
		t.Errorf("after refused adds the cart holds %v (err %v), want nothing", res.GetCart().GetLines(), err)
	}
	// Staff have no cart.
	staff := s.CreateUser(t, auth.RoleStaff)
	_, err = cartClient(s, apptest.Protocols[0], staff.Token).GetCart(ctx, &cartv1.GetCartRequest{})
	if got := apptest.CodeOf(t, err); got != connect.CodePermissionDenied {
		t.Errorf("staff GetCart: %v, want permission_denied", got)
	}
}

func TestCart_ReportsProblemsInsteadOfFailing(t *testing.T) {
	t.Parallel()
	s := shop(t)
	acct := s.CreateUser(t, auth.RoleCustomer)
	c := cartClient(s, apptest.Protocols[0], acct.Token)
	a := pick(t, s, 10)
	b := pick(t, s, 10, a.id)
	d := pick(t, s, 10, a.id, b.id)
	for _, p := range []product{a, b, d} {
		if _, err := c.AddItem(ctx, &cartv1.AddItemRequest{ProductId: p.id, Quantity: 4}); err != nil {
			t.Fatal(err)
		}
	}
	conn := s.Conn(t)
	for sql, id := range map[string]string{
		`UPDATE products SET price_minor = price_minor + 1000 WHERE id = $1`: a.id,
		`UPDATE products SET stock = 2 WHERE id = $1`:                        b.id,
		`UPDATE products SET status = 'archived' WHERE id = $1`:              d.id,
	} {
		if _, err := conn.Exec(ctx, sql, id); err != nil {
			t.Fatal(err)
		}
	}
	res, err := c.GetCart(ctx, &cartv1.GetCartRequest{})
	if err != nil {
		t.Fatalf("GetCart with problems: %v", err)
	}
	kinds := map[string]cartv1.CartProblemKind{}
	blocking := map[string]bool{}
	for _, p := range res.GetCart().GetProblems() {
		kinds[p.GetProductId()] = p.GetKind()
		blocking[p.GetProductId()] = p.GetBlocking()
	}
	if kinds[a.id] != cartv1.CartProblemKind_CART_PROBLEM_KIND_PRICE_CHANGED || blocking[a.id] {
		t.Errorf("price change: %v blocking=%v, want PRICE_CHANGED, informational", kinds[a.id], blocking[a.id])
	}
	if kinds[b.id] != cartv1.CartProblemKind_CART_PROBLEM_KIND_INSUFFICIENT_STOCK || !blocking[b.id] {
		t.Errorf("stock drop: %v blocking=%v, want INSUFFICIENT_STOCK, blocking", kinds[b.id], blocking[b.id])
	}
	if kinds[d.id] != cartv1.CartProblemKind_CART_PROBLEM_KIND_PRODUCT_UNAVAILABLE || !blocking[d.id] {
		t.Errorf("archived: %v blocking=%v, want PRODUCT_UNAVAILABLE, blocking", kinds[d.id], blocking[d.id])
	}
	for _, l := range res.GetCart().GetLines() {
		if l.GetProductId() == a.id && l.GetUnitPrice().GetAmountMinor() != a.price+1000 {
			t.Errorf("line priced %d, want the current price %d", l.GetUnitPrice().GetAmountMinor(), a.price+1000)
		}
	}
	// Lowering the quantity to what is in stock clears the stock problem.
	up, err := c.UpdateItemQuantity(ctx, &cartv1.UpdateItemQuantityRequest{ProductId: b.id, Quantity: 2})
	if err != nil {
		t.Fatalf("lower quantity: %v", err)
	}
	for _, p := range up.GetCart().GetProblems() {
		if p.GetProductId() == b.id {
			t.Errorf("problem left after lowering to stock: %v", p)
		}
	}
}

func TestCart_EachCustomerHasTheirOwn(t *testing.T) {
	t.Parallel()
	s := shop(t)
	ann, bob := s.CreateUser(t, auth.RoleCustomer), s.CreateUser(t, auth.RoleCustomer)
	p := pick(t, s, 5)
	if _, err := cartClient(s, apptest.Protocols[0], ann.Token).AddItem(ctx, &cartv1.AddItemRequest{ProductId: p.id, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	res, err := cartClient(s, apptest.Protocols[0], bob.Token).GetCart(ctx, &cartv1.GetCartRequest{})
	if err != nil || len(res.GetCart().GetLines()) != 0 || res.GetCart().GetCustomerId() != bob.ID {
		t.Errorf("bob's cart = %v (err %v), want his own, empty", res.GetCart(), err)
	}
}

func TestCart_DiscountCodes(t *testing.T) {
	t.Parallel()
	s := shop(t)
	acct := s.CreateUser(t, auth.RoleCustomer)
	c := cartClient(s, apptest.Protocols[0], acct.Token)
	p := pick(t, s, 10)
	if _, err := c.AddItem(ctx, &cartv1.AddItemRequest{ProductId: p.id, Quantity: 2}); err != nil {
		t.Fatal(err)
	}
	subtotal := 2 * p.price
	ten, err := s.App.Promotion.Create(ctx, "spring-10", promotion.Rules{Description: "10% off", Kind: promotion.KindPercent, Percent: 10, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Promotion.Create(ctx, "BIGSPENDER", promotion.Rules{Kind: promotion.KindFixed, FixedAmountMinor: 500, MinimumSubtotalMinor: subtotal + 1, Active: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Promotion.Create(ctx, "SLEEPING", promotion.Rules{Kind: promotion.KindPercent, Percent: 50}); err != nil {
		t.Fatal(err)
	}

	res, err := c.ApplyDiscountCode(ctx, &cartv1.ApplyDiscountCodeRequest{Code: "Spring-10"})
	if err != nil {
		t.Fatalf("ApplyDiscountCode: %v", err)
	}
	cart := res.GetCart()
	if cart.GetDiscountCode().GetCode() != "SPRING-10" || cart.GetDiscount().GetAmountMinor() != subtotal/10 ||
		cart.GetTotal().GetAmountMinor() != subtotal-subtotal/10 {
		t.Errorf("with SPRING-10: code %q discount %d total %d, want 10%% of %d", cart.GetDiscountCode().GetCode(),
			cart.GetDiscount().GetAmountMinor(), cart.GetTotal().GetAmountMinor(), subtotal)
	}
	for name, tc := range map[string]struct {
		code string
		want connect.Code
	}{
		"unknown":           {"NOPE-123", connect.CodeNotFound},
		"inactive":          {"sleeping", connect.CodeNotFound},
		"minimum not met":   {"bigspender", connect.CodeFailedPrecondition},
		"malformed":         {"a b", connect.CodeInvalidArgument},
		"sql metacharacter": {"x'--", connect.CodeInvalidArgument},
	} {
		_, err := c.ApplyDiscountCode(ctx, &cartv1.ApplyDiscountCodeRequest{Code: tc.code})
		if got := apptest.CodeOf(t, err); got != tc.want {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
	// The code stops applying once staff deactivate it: a blocking problem.
	if _, err := s.App.Promotion.Deactivate(ctx, ten.ID, ten.Version); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetCart(ctx, &cartv1.GetCartRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetCart().GetDiscount().GetAmountMinor() != 0 || len(got.GetCart().GetProblems()) != 1 ||
		got.GetCart().GetProblems()[0].GetKind() != cartv1.CartProblemKind_CART_PROBLEM_KIND_DISCOUNT_CODE_INVALID || !got.GetCart().GetProblems()[0].GetBlocking() {
		t.Errorf("after deactivation: discount %d problems %v, want none and a blocking DISCOUNT_CODE_INVALID",
			got.GetCart().GetDiscount().GetAmountMinor(), got.GetCart().GetProblems())
	}
	removed, err := c.RemoveDiscountCode(ctx, &cartv1.RemoveDiscountCodeRequest{})
	if err != nil || removed.GetCart().GetDiscountCode() != nil || len(removed.GetCart().GetProblems()) != 0 {
		t.Errorf("RemoveDiscountCode: %v, cart %v", err, removed.GetCart())
	}
}

func TestCart_CodeGuessingIsThrottled(t *testing.T) {
	t.Parallel()
	s := shop(t)
	acct := s.CreateUser(t, auth.RoleCustomer)
	c := cartClient(s, apptest.Protocols[0], acct.Token)
	var last error
	for i := range cart.DefaultCodeAttempts.Limit + 1 {
		_, last = c.ApplyDiscountCode(ctx, &cartv1.ApplyDiscountCodeRequest{Code: fmt.Sprintf("GUESS-%03d", i)})
	}
	if got := apptest.CodeOf(t, last); got != connect.CodeResourceExhausted {
		t.Errorf("attempt %d: %v, want resource_exhausted", cart.DefaultCodeAttempts.Limit+1, got)
	}
	// Another customer is not affected.
	other := s.CreateUser(t, auth.RoleCustomer)
	_, err := cartClient(s, apptest.Protocols[0], other.Token).ApplyDiscountCode(ctx, &cartv1.ApplyDiscountCodeRequest{Code: "GUESS-999"})
	if got := apptest.CodeOf(t, err); got != connect.CodeNotFound {
		t.Errorf("another customer's first guess: %v, want not_found", got)
	}
}
