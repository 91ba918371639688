package cart

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ForCheckout is a cart locked inside an order transaction.
type ForCheckout struct {
	ID      string
	Version int64
	Lines   []Line
	// Code is the attached discount code, "" when none.
	Code string
}

// LockForCheckout locks userID's cart inside tx (an order transaction) and
// returns what it holds. Prices are not taken from here: the order prices
// what it takes from stock.
func (s *Service) LockForCheckout(ctx context.Context, tx pgx.Tx, userID string) (ForCheckout, error) {
	c, err := s.load(ctx, tx, userID, true)
	if err != nil {
		return ForCheckout{}, err
	}
	out := ForCheckout{ID: c.ID, Version: c.Version, Lines: c.Lines}
	if c.Code != nil {
		out.Code = *c.Code
	}
	return out, nil
}

// EmptyAfterOrder clears the cart inside the order transaction.
func (s *Service) EmptyAfterOrder(ctx context.Context, tx pgx.Tx, cartID string, now time.Time) error {
	if _, err := tx.Exec(ctx, q.SQL("EmptyCart"), cartID, now); err != nil {
		return fmt.Errorf("empty cart: %w", err)
	}
	return nil
}
