package checkout

import (
	"context"
	"errors"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	checkoutv1 "github.com/partsbin/partsbin/gen/partsbin/checkout/v1"
)

// WatchOptions tune order tracking streams.
type WatchOptions struct {
	// Heartbeat is how often an idle stream says it is alive (proxies
	// close silent connections).
	Heartbeat time.Duration
	// Poll is how often a stream re-reads the log without a wake-up: the
	// safety net for lost pub/sub messages.
	Poll time.Duration
	// MaxPerUser caps one account's open streams on one instance.
	MaxPerUser int
	// Stop is closed when the server drains: streams end cleanly and
	// clients resume elsewhere with their last sequence.
	Stop <-chan struct{}
}

// streamCaps counts open streams per user.
type streamCaps struct {
	mu   sync.Mutex
	open map[string]int
}

func (c *streamCaps) acquire(user string, max int) (func(), bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open == nil {
		c.open = map[string]int{}
	}
	if c.open[user] >= max {
		return nil, false
	}
	c.open[user]++
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.open[user]--; c.open[user] <= 0 {
			delete(c.open, user)
		}
	}, true
}

// EnableWatch turns on WatchOrder with the given options.
func (h *Handler) EnableWatch(o WatchOptions) { h.watch = &o }

// WatchOrder implements CheckoutService.WatchOrder: the order's state, then
// every event from any instance, resumable with the last sequence seen.
func (h *Handler) WatchOrder(ctx context.Context, req *checkoutv1.WatchOrderRequest, stream *connect.ServerStream[checkoutv1.WatchOrderResponse]) error {
	if h.watch == nil || h.svc.events == nil {
		return connect.NewError(connect.CodeUnimplemented, errors.New("order tracking is not enabled"))
	}
	c, err := callerOf(ctx)
	if err != nil {
		return err
	}
	var v rpc.Violations
	if _, err := uuid.Parse(req.GetOrderId()); err != nil {
		v.Add("order_id", "must be a UUID")
	}
	if req.GetAfterEventSequence() < 0 {
		v.Add("after_event_sequence", "must not be negative")
	}
	if err := v.Err(); err != nil {
		return err
	}
	release, ok := h.caps.acquire(c.UserID, h.watch.MaxPerUser)
	if !ok {
		return rpc.RateLimited("open order streams", time.Second)
	}
	defer release()
	// Listen before the first read, so no event can slip in between.
	wake, stop := h.svc.events.Listen(req.GetOrderId())
	defer stop()

	owner := c.UserID
	if c.Role.IsStaff() {
		owner = ""
	}
	o, err := h.svc.Order(ctx, owner, req.GetOrderId())
	if err != nil {
		return toConnect(err)
	}
	var last int64
	for _, e := range o.Events {
		last = max(last, e.Sequence)
	}
	switch after := req.GetAfterEventSequence(); {
	case after == 0:
		if err := stream.Send(&checkoutv1.WatchOrderResponse{Payload: &checkoutv1.WatchOrderResponse_Snapshot{
			Snapshot: &checkoutv1.OrderSnapshot{Order: h.orderToProto(o), LastEventSequence: last}}}); err != nil {
			return err
		}
	case after > last:
		return rpc.InvalidField("after_event_sequence", "is beyond the order's last event %d", last)
	default:
		last = after
	}
	heartbeat := time.NewTicker(h.watch.Heartbeat)
	defer heartbeat.Stop()
	poll := time.NewTicker(h.watch.Poll)
	defer poll.Stop()
	for {
		events, err := h.svc.Events(ctx, req.GetOrderId(), last)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, e := range events {
			if err := stream.Send(&checkoutv1.WatchOrderResponse{Payload: &checkoutv1.WatchOrderResponse_Event{Event: h.eventToProto(e)}}); err != nil {
				return err
			}
			last = e.Sequence
		}
		select {
		case <-ctx.Done():
			return nil
		case <-h.watch.Stop:
			return nil
		case <-wake:
		case <-poll.C:
		case <-heartbeat.C:
			if err := stream.Send(&checkoutv1.WatchOrderResponse{Payload: &checkoutv1.WatchOrderResponse_Heartbeat{
				Heartbeat: &checkoutv1.Heartbeat{ServerTime: timestamppb.New(h.svc.clock.Now())}}}); err != nil {
				return err
			}
		}
	}
}

// Events returns an order's events after sequence after.
func (s *Service) Events(ctx context.Context, orderID string, after int64) ([]Event, error) {
	return loadEvents(ctx, s.pool, orderID, after)
}
