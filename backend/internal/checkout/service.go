package checkout

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/platform/pubsub"
)

//go:embed queries.sql
var queriesSQL string

var q = db.MustParseQueries("checkout/queries.sql", queriesSQL)

// Item is a quantity of a product.
type Item struct {
	ProductID string
	Quantity  int
}

// CartContents is a customer's cart locked for an order.
type CartContents struct {
	ID      string
	Version int64
	Items   []Item
	Code    string
}

// Carts gives checkout the customer's cart inside the order transaction.
type Carts interface {
	LockForCheckout(ctx context.Context, tx pgx.Tx, customerID string) (CartContents, error)
	EmptyAfterOrder(ctx context.Context, tx pgx.Tx, cartID string, now time.Time) error
}

// Stock takes and returns products' stock inside a transaction. Take fails
// with *StockError when an item cannot be taken; Announce tells the other
// instances about the new product versions after the commit.
type Stock interface {
	Take(ctx context.Context, tx pgx.Tx, items []Item, now time.Time) ([]Line, map[string]int64, error)
	Release(ctx context.Context, tx pgx.Tx, items []Item, now time.Time) (map[string]int64, error)
	Announce(ctx context.Context, versions map[string]int64)
}

// Discount is a code's effect on an order.
type Discount struct {
	CodeID      string
	Code        string
	AmountMinor int64
}

// Discounts checks, counts and gives back discount code uses inside the
// order transaction; any reason a code does not apply is
// ErrCodeNoLongerValid.
type Discounts interface {
	Evaluate(ctx context.Context, tx pgx.Tx, code, customerID string, subtotalMinor int64, now time.Time) (Discount, error)
	Redeem(ctx context.Context, tx pgx.Tx, codeID, customerID, orderID string, amountMinor int64) error
	Release(ctx context.Context, tx pgx.Tx, orderID string) error
}

// Service places and manages orders.
type Service struct {
	pool        *pgxpool.Pool
	carts       Carts
	stock       Stock
	discounts   Discounts
	clock       clock.Clock
	log         *slog.Logger
	currency    string
	unpaidAfter time.Duration
	events      *pubsub.Hub
	payments    Payments
}

// Config gathers what Service needs.
type Config struct {
	Pool      *pgxpool.Pool
	Carts     Carts
	Stock     Stock
	Discounts Discounts
	Clock     clock.Clock
	Log       *slog.Logger
	Currency  string
	// UnpaidExpiry is how long a card order may wait for its payment.
	UnpaidExpiry time.Duration
	// Events wakes order watchers on every instance.
	Events *pubsub.Hub
	// Payments charges cards; nil disables PayOrder.
	Payments Payments
}

// NewService returns a checkout service.
func NewService(c Config) *Service {
	return &Service{pool: c.Pool, carts: c.Carts, stock: c.Stock, discounts: c.Discounts, clock: c.Clock,
		log: c.Log, currency: c.Currency, unpaidAfter: c.UnpaidExpiry, events: c.Events, payments: c.Payments}
}

// PlaceRequest is a validated PlaceOrder request.
type PlaceRequest struct {
	Address             Address
	Method              PaymentMethod
	IdempotencyKey      string
	ExpectedCartVersion int64
	// ExpectedTotalMinor, when set, is the cart total (after discount,
	// before shipping) the customer confirmed.
	ExpectedTotalMinor *int64
	Note               string
}

func (r PlaceRequest) hash() string {
	r.IdempotencyKey = ""
	b, _ := json.Marshal(r)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// PlaceOrder turns customerID's cart into an order. The same key with the
// same request returns the order the first call made; with a different
// request, or another customer's key, it fails with ErrKeyReused.
func (s *Service) PlaceOrder(ctx context.Context, customerID string, r PlaceRequest) (Order, error) {
	hash := r.hash()
	var (
		orderID  string
		versions map[string]int64
	)
	err := db.InTx(ctx, s.pool, db.TxOptions{Idempotent: true}, func(tx pgx.Tx) error {
		orderID, versions = "", nil
		now := s.clock.Now()
		// The cart lock comes first: it serialises a customer's retries, so
		// the key lookup below sees an order a retry's twin just committed.
		cart, err := s.carts.LockForCheckout(ctx, tx, customerID)
		if err != nil {
			return err
		}
		var owner, existingHash string
		err = tx.QueryRow(ctx, q.SQL("OrderByKey"), r.IdempotencyKey).Scan(&orderID, &owner, &existingHash)
		switch {
		case err == nil:
			if owner != customerID || existingHash != hash {
				return ErrKeyReused
			}
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		if len(cart.Items) == 0 {
			return ErrEmptyCart
		}
		if r.ExpectedCartVersion != 0 && r.ExpectedCartVersion != cart.Version {
			return &VersionConflictError{Entity: "cart", Expected: r.ExpectedCartVersion, Current: cart.Version}
		}
		lines, vs, err := s.stock.Take(ctx, tx, cart.Items, now)
		if err != nil {
			return err
		}
		var subtotal int64
		for _, l := range lines {
			subtotal += l.UnitPriceMinor * int64(l.Quantity)
		}
		var disc Discount
		if cart.Code != "" {
			if disc, err = s.discounts.Evaluate(ctx, tx, cart.Code, customerID, subtotal, now); err != nil {
				return err
			}
			disc.AmountMinor = min(disc.AmountMinor, subtotal)
		}
		if r.ExpectedTotalMinor != nil && *r.ExpectedTotalMinor != subtotal-disc.AmountMinor {
			return ErrTotalChanged
		}
		shipping := ShippingFor(subtotal - disc.AmountMinor)
		status, payment := StatusProcessing, PaymentNotRequired
		var expires *time.Time
		if r.Method == PayCard {
			status, payment = StatusPendingPayment, PaymentRequiresPayment
			e := now.Add(s.unpaidAfter)
			expires = &e
		}
		var seq int64
		if err := tx.QueryRow(ctx, q.SQL("NextNumber")).Scan(&seq); err != nil {
			return err
		}
		number := fmt.Sprintf("PB-%d-%06d", now.Year(), seq)
		addr, _ := json.Marshal(r.Address)
		// The order references its code only after Redeem has locked the
		// code's row: the foreign key's KEY SHARE lock taken first would
		// deadlock against a concurrent order's FOR UPDATE in Redeem.
		if err := tx.QueryRow(ctx, q.SQL("InsertOrder"), number, customerID, status, r.Method, payment, subtotal,
			disc.AmountMinor, shipping, subtotal-disc.AmountMinor+shipping, s.currency, nil, disc.Code, addr,
			r.Note, r.IdempotencyKey, hash, expires, now).Scan(&orderID); err != nil {
			if db.IsCode(err, db.CodeUniqueViolation) && db.ConstraintName(err) == "orders_idempotency_key" {
				// Another customer's order holds the key.
				return ErrKeyReused
			}
			return err
		}
		for i, l := range lines {
			if _, err := tx.Exec(ctx, q.SQL("InsertLine"), orderID, i+1, l.ProductID, l.SKU, l.Name, l.Slug, l.ImageSHA,
				l.UnitPriceMinor, l.Quantity); err != nil {
				return err
			}
		}
		if disc.CodeID != "" {
			if err := s.discounts.Redeem(ctx, tx, disc.CodeID, customerID, orderID, disc.AmountMinor); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, q.SQL("SetOrderCode"), orderID, disc.CodeID); err != nil {
				return err
			}
		}
		if err := appendEvent(ctx, tx, orderID, now, Actor{Kind: ActorCustomer, UserID: customerID}, "", status, payment, "order placed"); err != nil {
			return err
		}
		versions = vs
		return s.carts.EmptyAfterOrder(ctx, tx, cart.ID, now)
	})
	if err != nil {
		return Order{}, err
	}
	if len(versions) > 0 {
		s.stock.Announce(ctx, versions)
		s.log.InfoContext(ctx, "order placed", "order_id", orderID, "customer_id", customerID)
	}
	return s.Order(ctx, customerID, orderID)
}

// Cancel cancels an order before shipment: stock and the code's use come
// back, and the event log records who did it.
func (s *Service) Cancel(ctx context.Context, actor Actor, customerID, orderID, reason string, expectedVersion int64) (Order, error) {
	var versions map[string]int64
	err := db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		now := s.clock.Now()
		o, err := loadOrder(ctx, tx, customerID, orderID, true)
		if err != nil {
			return err
		}
		if o.Status == StatusCancelled {
			return nil // already cancelled: a retry gets the order as it is
		}
		if expectedVersion != 0 && expectedVersion != o.Version {
			return &VersionConflictError{Entity: "order", Expected: expectedVersion, Current: o.Version}
		}
		versions, err = s.cancelLocked(ctx, tx, o, actor, reason, now)
		return err
	})
	if err != nil {
		return Order{}, err
	}
	s.stock.Announce(ctx, versions)
	s.settleRefunds(ctx, orderID)
	s.notify(ctx, orderID)
	return s.Order(ctx, customerID, orderID)
}

// notify wakes the watchers of an order after a committed event; a lost
// wake-up only delays them until their next poll.
func (s *Service) notify(ctx context.Context, orderID string) {
	if s.events == nil {
		return
	}
	if err := s.events.Publish(ctx, orderID); err != nil {
		s.log.WarnContext(ctx, "order event not announced; watchers catch up by polling", "order_id", orderID, "err", err)
	}
}

func appendEvent(ctx context.Context, tx pgx.Tx, orderID string, now time.Time, actor Actor, from, to Status, payment PaymentStatus, note string) error {
	var actorID, fromArg any
	if actor.UserID != "" {
		actorID = actor.UserID
	}
	if from != "" {
		fromArg = from
	}
	var seq int64
	if err := tx.QueryRow(ctx, q.SQL("AppendEvent"), orderID, now, actor.Kind, actorID, fromArg, to, payment, note, "", "").Scan(&seq); err != nil {
		return fmt.Errorf("append order event: %w", err)
	}
	return nil
}

// Order returns an order with its events; customerID "" skips the owner
// check (staff). Another customer's order is ErrNotFound.
func (s *Service) Order(ctx context.Context, customerID, orderID string) (Order, error) {
	var o Order
	err := db.Retry(ctx, func(ctx context.Context) error {
		var err error
		o, err = loadOrder(ctx, s.pool, customerID, orderID, false)
		if err != nil {
			return err
		}
		o.Events, err = loadEvents(ctx, s.pool, orderID, 0)
		return err
	})
	return o, err
}

func loadOrder(ctx context.Context, qr db.Querier, customerID, orderID string, lock bool) (Order, error) {
	sql := q.SQL("OrderColumns") + " WHERE id = $1"
	if lock {
		sql += " FOR UPDATE"
	}
	rows, err := qr.Query(ctx, sql, orderID)
	if err != nil {
		return Order{}, err
	}
	orders, err := scanOrders(rows)
	if err != nil {
		return Order{}, err
	}
	if len(orders) == 0 || (customerID != "" && orders[0].CustomerID != customerID) {
		return Order{}, ErrNotFound
	}
	o := orders[0]
	o.Lines, err = loadLines(ctx, qr, orderID)
	return o, err
}

func scanOrders(rows pgx.Rows) ([]Order, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Order, error) {
		var (
			o       Order
			addr    []byte
			lastSeq int64
		)
		err := r.Scan(&o.ID, &o.Number, &o.CustomerID, &o.Status, &o.PaymentMethod, &o.PaymentStatus,
			&o.SubtotalMinor, &o.DiscountMinor, &o.ShippingMinor, &o.TotalMinor, &o.Currency, &o.DiscountCode, &addr,
			&o.CustomerNote, &o.CancelReason, &o.TrackingNumber, &o.Carrier, &o.ExpiresAt, &o.Version,
			&o.CreatedAt, &o.UpdatedAt, &lastSeq)
		if err != nil {
			return o, err
		}
		return o, json.Unmarshal(addr, &o.Address)
	})
}

func loadEvents(ctx context.Context, qr db.Querier, orderID string, after int64) ([]Event, error) {
	rows, err := qr.Query(ctx, q.SQL("Events"), orderID, after)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var (
			e       Event
			actorID *string
			from    *string
		)
		err := r.Scan(&e.Sequence, &e.OrderID, &e.CreatedAt, &e.Actor.Kind, &actorID, &from, &e.To, &e.PaymentStatus,
			&e.Note, &e.TrackingNumber, &e.Carrier, &e.OrderVersion)
		if actorID != nil {
			e.Actor.UserID = *actorID
		}
		if from != nil {
			e.From = Status(*from)
		}
		return e, err
	})
}

// ErrBadPageToken means a list page token is malformed or from another
// query.
var ErrBadPageToken = errors.New("page_token is malformed or belongs to another query")

type listCursor struct {
	Created  int64    `json:"t"`
	ID       string   `json:"i"`
	Statuses []Status `json:"s"`
}

func decodeListCursor(token string, statuses []Status) (listCursor, error) {
	var c listCursor
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(token) > 512 || json.Unmarshal(b, &c) != nil || len(c.ID) != 36 || fmt.Sprint(c.Statuses) != fmt.Sprint(statuses) {
		return c, ErrBadPageToken
	}
	return c, nil
}

func encodeListCursor(c listCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// List returns a page of customerID's orders, newest first, without events.
func (s *Service) List(ctx context.Context, customerID string, statuses []Status, pageSize int, pageToken string) ([]Order, string, error) {
	var cur *listCursor
	if pageToken != "" {
		c, err := decodeListCursor(pageToken, statuses)
		if err != nil {
			return nil, "", err
		}
		cur = &c
	}
	sql := q.SQL("OrderColumns") + ` WHERE customer_id = $1 AND (cardinality($2::text[]) = 0 OR status = ANY($2::text[]))
		AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
		ORDER BY created_at DESC, id DESC LIMIT $5`
	st := make([]string, len(statuses))
	for i, x := range statuses {
		st[i] = string(x)
	}
	var after, afterID any
	if cur != nil {
		after, afterID = time.UnixMicro(cur.Created).UTC(), cur.ID
	}
	var orders []Order
	err := db.Retry(ctx, func(ctx context.Context) error {
		rows, err := s.pool.Query(ctx, sql, customerID, st, after, afterID, pageSize+1)
		if err != nil {
			return err
		}
		if orders, err = scanOrders(rows); err != nil {
			return err
		}
		for i := range orders {
			if orders[i].Lines, err = loadLines(ctx, s.pool, orders[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list orders: %w", err)
	}
	next := ""
	if len(orders) > pageSize {
		orders = orders[:pageSize]
		last := orders[len(orders)-1]
		next = encodeListCursor(listCursor{Created: last.CreatedAt.UnixMicro(), ID: last.ID, Statuses: statuses})
	}
	return orders, next, nil
}

func loadLines(ctx context.Context, qr db.Querier, orderID string) ([]Line, error) {
	rows, err := qr.Query(ctx, q.SQL("Lines"), orderID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Line, error) {
		var l Line
		err := r.Scan(&l.ProductID, &l.SKU, &l.Name, &l.Slug, &l.ImageSHA, &l.UnitPriceMinor, &l.Quantity)
		return l, err
	})
}

// HasReceived reports whether customerID has a delivered order containing
// productID (reviews are for products the reviewer received).
func (s *Service) HasReceived(ctx context.Context, customerID, productID string) (bool, error) {
	var ok bool
	err := db.Retry(ctx, func(ctx context.Context) error {
		return s.pool.QueryRow(ctx, q.SQL("HasReceived"), customerID, productID).Scan(&ok)
	})
	return ok, err
}
