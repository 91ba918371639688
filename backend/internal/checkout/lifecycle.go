package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partsbin/partsbin/backend/internal/platform/db"
)

// ExpireDue cancels card orders whose payment did not arrive in time and
// gives their stock and code uses back. It handles at most batch orders
// and returns how many it expired; safe to run on every instance at once.
func (s *Service) ExpireDue(ctx context.Context, batch int) (int, error) {
	var (
		expired  int
		versions = map[string]int64{}
		ids      []string
	)
	err := db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		expired = 0
		now := s.clock.Now()
		rows, err := tx.Query(ctx, q.SQL("DueUnpaid"), now, batch)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		for _, id := range ids {
			o, err := loadOrder(ctx, tx, "", id, false) // locked by DueUnpaid
			if err != nil {
				return fmt.Errorf("expire order %s: %w", id, err)
			}
			vs, err := s.cancelLocked(ctx, tx, o, Actor{Kind: ActorSystem}, "payment not received in time", now)
			if err != nil {
				return fmt.Errorf("expire order %s: %w", id, err)
			}
			for k, v := range vs {
				versions[k] = v
			}
			expired++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.stock.Announce(ctx, versions)
	for _, id := range ids {
		s.notify(ctx, id)
	}
	return expired, nil
}

// RunExpiry runs ExpireDue every interval until ctx ends.
func (s *Service) RunExpiry(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.RetryRefunds(ctx, 50); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "refund retry failed; trying next round", "err", err)
			}
			for {
				n, err := s.ExpireDue(ctx, 100)
				if err != nil {
					if ctx.Err() == nil {
						s.log.WarnContext(ctx, "order expiry failed; retrying next round", "err", err)
					}
					break
				}
				if n > 0 {
					s.log.InfoContext(ctx, "unpaid orders expired", "count", n)
				}
				if n < 100 {
					break
				}
			}
		}
	}
}

// cancelLocked cancels o, whose row tx has locked.
func (s *Service) cancelLocked(ctx context.Context, tx pgx.Tx, o Order, actor Actor, reason string, now time.Time) (map[string]int64, error) {
	if !CanTransition(o.Status, StatusCancelled, actor.Kind) {
		return nil, ErrIllegalTransition
	}
	items := make([]Item, len(o.Lines))
	for i, l := range o.Lines {
		items[i] = Item{ProductID: l.ProductID, Quantity: l.Quantity}
	}
	versions, err := s.stock.Release(ctx, tx, items, now)
	if err != nil {
		return nil, err
	}
	if err := s.discounts.Release(ctx, tx, o.ID); err != nil {
		return nil, err
	}
	payment := o.PaymentStatus
	if payment == PaymentRequiresPayment {
		payment = PaymentNotRequired
	}
	if _, err := tx.Exec(ctx, q.SQL("SetStatus"), o.ID, StatusCancelled, payment, reason, now); err != nil {
		return nil, err
	}
	return versions, appendEvent(ctx, tx, o.ID, now, actor, o.Status, StatusCancelled, payment, reason)
}

// ErrTrackingRequired means a shipment needs a tracking number and carrier.
var ErrTrackingRequired = errors.New("shipping an order needs a tracking number and a carrier")

// StatusChange is a staff move of an order.
type StatusChange struct {
	To              Status
	TrackingNumber  string
	Carrier         string
	Note            string
	ExpectedVersion int64
}

// UpdateStatus moves an order along the state machine as staff (or the
// system): processing -> shipped (with tracking) -> delivered, paid ->
// processing, or cancelled before shipment.
func (s *Service) UpdateStatus(ctx context.Context, actor Actor, orderID string, c StatusChange) (Order, error) {
	var versions map[string]int64
	err := db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		now := s.clock.Now()
		o, err := loadOrder(ctx, tx, "", orderID, true)
		if err != nil {
			return err
		}
		if c.ExpectedVersion != o.Version {
			return &VersionConflictError{Entity: "order", Expected: c.ExpectedVersion, Current: o.Version}
		}
		if !CanTransition(o.Status, c.To, actor.Kind) {
			return ErrIllegalTransition
		}
		if c.To == StatusCancelled {
			versions, err = s.cancelLocked(ctx, tx, o, actor, c.Note, now)
			return err
		}
		if c.To == StatusShipped {
			if c.TrackingNumber == "" || c.Carrier == "" {
				return ErrTrackingRequired
			}
			if _, err := tx.Exec(ctx, q.SQL("SetShipping"), o.ID, c.TrackingNumber, c.Carrier); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, q.SQL("SetStatus"), o.ID, c.To, o.PaymentStatus, o.CancelReason, now); err != nil {
			return err
		}
		var actorID any
		if actor.UserID != "" {
			actorID = actor.UserID
		}
		var seq int64
		return tx.QueryRow(ctx, q.SQL("AppendEventWithShipping"), o.ID, now, actor.Kind, actorID, o.Status, c.To,
			o.PaymentStatus, c.Note, c.TrackingNumber, c.Carrier).Scan(&seq)
	})
	if err != nil {
		return Order{}, err
	}
	s.stock.Announce(ctx, versions)
	if c.To == StatusCancelled {
		s.settleRefunds(ctx, orderID)
	}
	s.notify(ctx, orderID)
	return s.Order(ctx, "", orderID)
}

// RetryRefunds refunds cancelled orders whose card payment has not gone
// back yet (a refund call that failed after the cancellation committed).
// The provider idempotency key makes a repeat harmless.
func (s *Service) RetryRefunds(ctx context.Context, batch int) (int, error) {
	if s.payments == nil {
		return 0, nil
	}
	rows, err := s.pool.Query(ctx, q.SQL("RefundsDue"), batch)
	if err != nil {
		return 0, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		s.settleRefunds(ctx, id)
		s.notify(ctx, id)
	}
	return len(ids), nil
}
