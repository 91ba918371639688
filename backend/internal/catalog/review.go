package catalog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/platform/kv"
	"github.com/partsbin/partsbin/backend/internal/ratelimit"
)

// Review errors.
var (
	ErrNotReceived     = errors.New("you can review a product once an order of yours containing it was delivered")
	ErrAlreadyReviewed = errors.New("you have already reviewed this product")
	ErrTooManyReviews  = errors.New("too many reviews in a short time")
)

// Purchases tells whether a customer has received a product; checkout
// satisfies it.
type Purchases interface {
	HasReceived(ctx context.Context, customerID, productID string) (bool, error)
}

// Reviewing is what SubmitReview needs beyond the catalogue itself.
type Reviewing struct {
	Purchases Purchases
	Limiter   *ratelimit.Limiter
	Rule      ratelimit.Rule
	Redis     *kv.Client
	Log       *slog.Logger
}

// EnableReviews lets customers review what they received.
func (s *Service) EnableReviews(r Reviewing) { s.reviewing = &r }

// SubmitReview stores customerID's review of productID and updates the
// product's rating in the same transaction.
func (s *Service) SubmitReview(ctx context.Context, customerID, productID string, rating int, title, body string) (Review, error) {
	if s.reviewing == nil {
		return Review{}, errors.New("reviews are not enabled")
	}
	d, err := s.reviewing.Limiter.Allow(ctx, s.reviewing.Rule, customerID)
	if err != nil {
		return Review{}, fmt.Errorf("review limiter: %w", err)
	}
	if !d.Allowed {
		return Review{}, ErrTooManyReviews
	}
	ok, err := s.reviewing.Purchases.HasReceived(ctx, customerID, productID)
	if err != nil {
		return Review{}, err
	}
	var (
		rv      = Review{ProductID: productID, Rating: rating, Title: title, Body: body}
		version int64
	)
	err = db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		now := s.clock.Now()
		var status string
		if err := tx.QueryRow(ctx, qs.SQL("LockProductForReview"), productID).Scan(&status); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		if Status(status) == StatusDraft {
			return ErrNotFound
		}
		if !ok {
			return ErrNotReceived
		}
		if err := tx.QueryRow(ctx, qs.SQL("InsertReview"), productID, customerID, rating, title, body, now).Scan(&rv.ID); err != nil {
			if db.IsCode(err, db.CodeUniqueViolation) {
				return ErrAlreadyReviewed
			}
			return err
		}
		rv.CreatedAt = now
		var name string
		if err := tx.QueryRow(ctx, qs.SQL("ReviewAuthor"), customerID).Scan(&name); err != nil {
			return err
		}
		rv.AuthorName = publicName(name)
		return tx.QueryRow(ctx, qs.SQL("RefreshRating"), productID, now).Scan(&version)
	})
	if err != nil {
		return Review{}, err
	}
	s.trees.Invalidate()
	if err := PublishProductChange(context.WithoutCancel(ctx), s.reviewing.Redis, productID, version); err != nil {
		s.reviewing.Log.WarnContext(ctx, "rating change not announced; cached pages update with their TTL", "product_id", productID, "err", err)
	}
	return rv, nil
}
