package checkout_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/platform/config"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
	staffv1 "github.com/partsbin/partsbin/gen/partsbin/staff/v1"
	"github.com/partsbin/partsbin/gen/partsbin/staff/v1/staffv1connect"
)

// watcher reads a WatchOrder stream in the background.
type watcher struct {
	msgs   chan *checkoutv1.WatchOrderResponse
	done   chan error
	cancel context.CancelFunc
}

func watch(t *testing.T, s *apptest.Server, p apptest.Protocol, token, orderID string, after int64) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := apptest.NewClient(s, p, checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(token))
	stream, err := c.WatchOrder(ctx, &checkoutv1.WatchOrderRequest{OrderId: orderID, AfterEventSequence: after})
	if err != nil {
		cancel()
		t.Fatalf("WatchOrder: %v", err)
	}
	w := &watcher{msgs: make(chan *checkoutv1.WatchOrderResponse, 64), done: make(chan error, 1), cancel: cancel}
	go func() {
		for stream.Receive() {
			w.msgs <- stream.Msg()
		}
		w.done <- stream.Err()
		close(w.msgs)
	}()
	t.Cleanup(func() { cancel(); _ = stream.Close() })
	return w
}

// next returns the next non-heartbeat message, failing after 10 s.
func (w *watcher) next(t *testing.T) *checkoutv1.WatchOrderResponse {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-w.msgs:
			if !ok {
				t.Fatalf("stream ended: %v", <-w.done)
			}
			if m.GetHeartbeat() != nil {
				continue
			}
			return m
		case <-deadline:
			t.Fatal("no message within 10 s")
		}
	}
}

func TestWatchOrder_EventsFromAnyInstanceResumeWithoutGaps(t *testing.T) {
	t.Parallel()
	a := apptest.Start(t, apptest.WithConfig(func(c *config.Config) { c.StreamHeartbeat = 200 * time.Millisecond }))
	a.Seed(t, 30)
	b := a.Twin(t)
	var pid string
	if err := a.Conn(t).QueryRow(context.Background(), `SELECT id FROM products WHERE status = 'active' AND stock >= 10 ORDER BY sku LIMIT 1`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	cust := a.CreateUser(t, auth.RoleCustomer)
	staff := a.CreateUser(t, auth.RoleStaff)
	o := placeOrder(t, a, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY)

	// Watching on instance B: the snapshot first.
	w := watch(t, b, apptest.Protocols[1], cust.Token, o.GetId(), 0)
	snap := w.next(t).GetSnapshot()
	if snap == nil || snap.GetLastEventSequence() != 1 || snap.GetOrder().GetStatus() != checkoutv1.OrderStatus_ORDER_STATUS_PROCESSING {
		t.Fatalf("first message = %v, want a snapshot at sequence 1", snap)
	}
	// A heartbeat arrives while nothing happens.
	deadline := time.After(5 * time.Second)
	for gotBeat := false; !gotBeat; {
		select {
		case m := <-w.msgs:
			gotBeat = m.GetHeartbeat() != nil
		case <-deadline:
			t.Fatal("no heartbeat on an idle stream")
		}
	}
	// Staff ship the order through instance A; B's watcher sees it.
	sc := apptest.NewClient(a, apptest.Protocols[0], staffv1connect.NewStaffServiceClient, apptest.WithToken(staff.Token))
	shipped, err := sc.UpdateOrderStatus(context.Background(), &staffv1.UpdateOrderStatusRequest{OrderId: o.GetId(),
		Status: checkoutv1.OrderStatus_ORDER_STATUS_SHIPPED, ExpectedVersion: o.GetVersion(), TrackingNumber: "T-1", Carrier: "DHL"})
	if err != nil {
		t.Fatal(err)
	}
	ev := w.next(t).GetEvent()
	if ev.GetSequence() != 2 || ev.GetToStatus() != checkoutv1.OrderStatus_ORDER_STATUS_SHIPPED || ev.GetTrackingNumber() != "T-1" {
		t.Fatalf("event = %v, want sequence 2 to SHIPPED", ev)
	}
	// The client drops; meanwhile the order is delivered (through B).
	w.cancel()
	scB := apptest.NewClient(b, apptest.Protocols[0], staffv1connect.NewStaffServiceClient, apptest.WithToken(staff.Token))
	if _, err := scB.UpdateOrderStatus(context.Background(), &staffv1.UpdateOrderStatusRequest{OrderId: o.GetId(),
		Status: checkoutv1.OrderStatus_ORDER_STATUS_DELIVERED, ExpectedVersion: shipped.GetOrder().GetVersion()}); err != nil {
		t.Fatal(err)
	}
	// Reconnecting to A with the last sequence seen gets exactly what it missed.
	r := watch(t, a, apptest.Protocols[0], cust.Token, o.GetId(), 2)
	ev = r.next(t).GetEvent()
	if ev.GetSequence() != 3 || ev.GetToStatus() != checkoutv1.OrderStatus_ORDER_STATUS_DELIVERED {
		t.Fatalf("after reconnect: %v, want sequence 3 to DELIVERED", ev)
	}
	select {
	case m := <-r.msgs:
		if m.GetHeartbeat() == nil {
			t.Errorf("unexpected extra message after resume: %v", m)
		}
	case <-time.After(300 * time.Millisecond):
	}
}

func TestWatchOrder_OwnOrStaffAndCapped(t *testing.T) {
	t.Parallel()
	s, pid, _ := lifecycleShop(t)
	cust := s.CreateUser(t, auth.RoleCustomer)
	other := s.CreateUser(t, auth.RoleCustomer)
	staff := s.CreateUser(t, auth.RoleStaff)
	o := placeOrder(t, s, cust.Token, pid, checkoutv1.PaymentMethod_PAYMENT_METHOD_CASH_ON_DELIVERY)
	p := apptest.Protocols[0]
	try := func(token string, orderID string, after int64) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stream, err := apptest.NewClient(s, p, checkoutv1connect.NewCheckoutServiceClient, apptest.WithToken(token)).
			WatchOrder(ctx, &checkoutv1.WatchOrderRequest{OrderId: orderID, AfterEventSequence: after})
		if err != nil {
			return err
		}
		defer stream.Close()
		if stream.Receive() {
			return nil
		}
		return stream.Err()
	}
	if err := try(other.Token, o.GetId(), 0); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("another customer's order: %v, want not_found", err)
	}
	if err := try(staff.Token, o.GetId(), 0); err != nil {
		t.Errorf("staff watching: %v", err)
	}
	if err := try(cust.Token, o.GetId(), 99); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("resume beyond the last event: %v, want invalid_argument", err)
	}
	if err := try(cust.Token, "nope", 0); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("malformed id: %v, want invalid_argument", err)
	}
	// At most MaxStreamsPerUser open streams per account and instance.
	for range s.App.Config.MaxStreamsPerUser {
		w := watch(t, s, p, cust.Token, o.GetId(), 0)
		w.next(t)
	}
	if err := try(cust.Token, o.GetId(), 0); connect.CodeOf(err) != connect.CodeResourceExhausted {
		t.Errorf("one stream over the cap: %v, want resource_exhausted", err)
	}
}
