package checkout

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	staffv1 "github.com/partsbin/partsbin/gen/partsbin/staff/v1"
	"github.com/partsbin/partsbin/gen/partsbin/staff/v1/staffv1connect"
)

// StaffOrders serves the order RPCs of partsbin.staff.v1.StaffService; the
// back office's other RPCs answer unimplemented until they land.
type StaffOrders struct {
	staffv1connect.UnimplementedStaffServiceHandler
	h        *Handler
	customer func(ctx context.Context, id string) (*authv1.User, error)
}

// NewStaffOrders returns the staff order handler; customer looks up the
// account that placed an order.
func NewStaffOrders(h *Handler, customer func(ctx context.Context, id string) (*authv1.User, error)) *StaffOrders {
	return &StaffOrders{h: h, customer: customer}
}

// GetOrder implements StaffService.GetOrder.
func (s *StaffOrders) GetOrder(ctx context.Context, req *staffv1.GetOrderRequest) (*staffv1.GetOrderResponse, error) {
	if _, err := uuid.Parse(req.GetOrderId()); err != nil {
		return nil, rpc.InvalidField("order_id", "must be a UUID")
	}
	o, err := s.h.svc.Order(ctx, "", req.GetOrderId())
	if err != nil {
		return nil, toConnect(err)
	}
	u, err := s.customer(ctx, o.CustomerID)
	if err != nil {
		return nil, err
	}
	return &staffv1.GetOrderResponse{Order: s.h.orderToProto(o), Customer: u}, nil
}

// UpdateOrderStatus implements StaffService.UpdateOrderStatus.
func (s *StaffOrders) UpdateOrderStatus(ctx context.Context, req *staffv1.UpdateOrderStatusRequest) (*staffv1.UpdateOrderStatusResponse, error) {
	c, err := callerOf(ctx)
	if err != nil {
		return nil, err
	}
	var v rpc.Violations
	if _, err := uuid.Parse(req.GetOrderId()); err != nil {
		v.Add("order_id", "must be a UUID")
	}
	to, ok := statusFromProto(req.GetStatus())
	if !ok {
		v.Add("status", "must be a status to move the order to")
	}
	if req.GetExpectedVersion() <= 0 {
		v.Add("expected_version", "is required")
	}
	change := StatusChange{To: to, ExpectedVersion: req.GetExpectedVersion(),
		TrackingNumber: strings.TrimSpace(req.GetTrackingNumber()), Carrier: strings.TrimSpace(req.GetCarrier()),
		Note: strings.TrimSpace(req.GetNote())}
	rpc.CheckText(&v, "tracking_number", change.TrackingNumber, 0, 64, false)
	rpc.CheckText(&v, "carrier", change.Carrier, 0, 64, false)
	rpc.CheckText(&v, "note", change.Note, 0, 500, true)
	if to == StatusShipped && (change.TrackingNumber == "" || change.Carrier == "") {
		v.Add("tracking_number", "and carrier are required when shipping")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	o, err := s.h.svc.UpdateStatus(ctx, Actor{Kind: ActorStaff, UserID: c.UserID}, req.GetOrderId(), change)
	if err != nil {
		return nil, toConnect(err)
	}
	out := &staffv1.UpdateOrderStatusResponse{Order: s.h.orderToProto(o)}
	if n := len(out.Order.GetEvents()); n > 0 {
		out.Event = out.Order.GetEvents()[n-1]
	}
	return out, nil
}

// ListOrders implements StaffService.ListOrders: every customer's orders,
// newest first, with the statuses, customer and time filters.
func (s *StaffOrders) ListOrders(ctx context.Context, req *staffv1.ListOrdersRequest) (*staffv1.ListOrdersResponse, error) {
	var v rpc.Violations
	size := rpc.PageSize(&v, req.GetPageSize())
	f := StaffFilter{Query: strings.TrimSpace(req.GetQuery())}
	for _, st := range req.GetStatuses() {
		x, ok := statusFromProto(st)
		if !ok {
			v.Add("statuses", "unknown status %d", st)
			break
		}
		f.Statuses = append(f.Statuses, x)
	}
	if id := req.GetCustomerId(); id != "" {
		if _, err := uuid.Parse(id); err != nil {
			v.Add("customer_id", "must be a UUID")
		}
		f.CustomerID = id
	}
	if t := req.GetPlacedStartTime(); t != nil {
		x := t.AsTime()
		f.From = &x
	}
	if t := req.GetPlacedEndTime(); t != nil {
		x := t.AsTime()
		f.To = &x
	}
	rpc.CheckText(&v, "query", f.Query, 0, 254, false)
	if err := v.Err(); err != nil {
		return nil, err
	}
	entries, next, err := s.h.svc.ListAll(ctx, f, size, req.GetPageToken())
	if err != nil {
		return nil, toConnect(err)
	}
	out := &staffv1.ListOrdersResponse{NextPageToken: next}
	for _, e := range entries {
		out.Orders = append(out.Orders, &staffv1.OrderListEntry{Order: s.h.orderToProto(e.Order),
			Customer: &staffv1.OrderCustomer{UserId: e.Order.CustomerID, Email: e.Email, FullName: e.FullName}})
	}
	return out, nil
}

// StaffFilter narrows the back office's order list.
type StaffFilter struct {
	Statuses   []Status
	CustomerID string
	From, To   *time.Time
	// Query matches an order number prefix or a customer email prefix.
	Query string
}

// StaffEntry is an order with its customer's contact.
type StaffEntry struct {
	Order    Order
	Email    string
	FullName string
}

// ListAll pages through every customer's orders, newest first.
func (s *Service) ListAll(ctx context.Context, f StaffFilter, pageSize int, pageToken string) ([]StaffEntry, string, error) {
	var cur *listCursor
	if pageToken != "" {
		c, err := decodeListCursor(pageToken, f.Statuses)
		if err != nil {
			return nil, "", err
		}
		cur = &c
	}
	st := make([]string, len(f.Statuses))
	for i, x := range f.Statuses {
		st[i] = string(x)
	}
	var customer, from, to, after, afterID any
	if f.CustomerID != "" {
		customer = f.CustomerID
	}
	if f.From != nil {
		from = *f.From
	}
	if f.To != nil {
		to = *f.To
	}
	if cur != nil {
		after, afterID = time.UnixMicro(cur.Created).UTC(), cur.ID
	}
	query := strings.ToLower(f.Query)
	sql := `SELECT o.id, u.email, u.full_name FROM orders o JOIN users u ON u.id = o.customer_id
		WHERE (cardinality($1::text[]) = 0 OR o.status = ANY($1::text[]))
		  AND ($2::uuid IS NULL OR o.customer_id = $2)
		  AND ($3::timestamptz IS NULL OR o.created_at >= $3)
		  AND ($4::timestamptz IS NULL OR o.created_at < $4)
		  AND ($5 = '' OR lower(o.number) LIKE $5 || '%' OR u.email LIKE $5 || '%')
		  AND ($6::timestamptz IS NULL OR (o.created_at, o.id) < ($6, $7::uuid))
		ORDER BY o.created_at DESC, o.id DESC LIMIT $8`
	var out []StaffEntry
	err := db.Retry(ctx, func(ctx context.Context) error {
		out = out[:0]
		rows, err := s.pool.Query(ctx, sql, st, customer, from, to, escapeLike(query), after, afterID, pageSize+1)
		if err != nil {
			return err
		}
		type head struct{ id, email, name string }
		var heads []head
		for rows.Next() {
			var h head
			if err := rows.Scan(&h.id, &h.email, &h.name); err != nil {
				rows.Close()
				return err
			}
			heads = append(heads, h)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, h := range heads {
			o, err := loadOrder(ctx, s.pool, "", h.id, false)
			if err != nil {
				return err
			}
			out = append(out, StaffEntry{Order: o, Email: h.email, FullName: h.name})
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > pageSize {
		out = out[:pageSize]
		last := out[len(out)-1].Order
		next = encodeListCursor(listCursor{Created: last.CreatedAt.UnixMicro(), ID: last.ID, Statuses: f.Statuses})
	}
	return out, next, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
