package promotion

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
)

//go:embed queries.sql
var queriesSQL string

var qs = db.MustParseQueries("promotion/queries.sql", queriesSQL)

// Service manages discount codes and decides what they are worth.
type Service struct {
	pool     *pgxpool.Pool
	clock    clock.Clock
	currency string
}

// NewService returns a Service for a shop selling in currency.
func NewService(pool *pgxpool.Pool, clk clock.Clock, currency string) *Service {
	return &Service{pool: pool, clock: clk, currency: currency}
}

// Currency is the shop currency every amount of a code is in.
func (s *Service) Currency() string { return s.currency }

// Create stores a new discount code; code is normalized to upper case.
func (s *Service) Create(ctx context.Context, code string, r Rules) (DiscountCode, error) {
	code = NormalizeCode(code)
	if !ValidCode(code) {
		return DiscountCode{}, &InvalidError{Problems: []FieldError{{"code", "must be 3 to 32 characters of A-Z, 0-9, - and _"}}}
	}
	if p := r.Check(); len(p) > 0 {
		return DiscountCode{}, &InvalidError{Problems: p}
	}
	now := s.clock.Now()
	var dc DiscountCode
	err := db.Retry(ctx, func(ctx context.Context) error {
		var err error
		dc, err = scanCode(s.pool.QueryRow(ctx, qs.SQL("InsertCode"), code, r.Description, r.Kind,
			percentArg(r), fixedArg(r), s.currency, r.MinimumSubtotalMinor, r.StartsAt, r.EndsAt,
			r.TotalLimit, r.PerCustomerLimit, r.Active, now))
		return err
	})
	if db.IsCode(err, db.CodeUniqueViolation) {
		return DiscountCode{}, ErrCodeTaken
	}
	if err != nil {
		return DiscountCode{}, fmt.Errorf("create discount code: %w", err)
	}
	return dc, nil
}

// Lookup names a discount code by id or by its text (any case).
type Lookup struct {
	ID   string
	Code string
}

// Get returns one discount code.
func (s *Service) Get(ctx context.Context, l Lookup) (DiscountCode, error) {
	var dc DiscountCode
	err := db.Retry(ctx, func(ctx context.Context) error {
		var err error
		dc, err = loadCode(ctx, s.pool, l)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return DiscountCode{}, ErrNotFound
	}
	if err != nil {
		return DiscountCode{}, fmt.Errorf("load discount code: %w", err)
	}
	return dc, nil
}

func loadCode(ctx context.Context, q db.Querier, l Lookup) (DiscountCode, error) {
	if l.ID != "" {
		if _, err := uuid.Parse(l.ID); err != nil {
			return DiscountCode{}, pgx.ErrNoRows
		}
		return scanCode(q.QueryRow(ctx, qs.SQL("CodeByID"), l.ID))
	}
	code := NormalizeCode(l.Code)
	if !ValidCode(code) {
		return DiscountCode{}, pgx.ErrNoRows
	}
	return scanCode(q.QueryRow(ctx, qs.SQL("CodeByCode"), code))
}

// Update changes the fields named in fields (all mutable fields when
// empty) to their values in next, if the code is still at expectedVersion.
// The merged code must keep every rule; the code text never changes.
func (s *Service) Update(ctx context.Context, id string, expectedVersion int64, next Rules, fields []Field) (DiscountCode, error) {
	if len(fields) == 0 {
		fields = MutableFields
	}
	var dc DiscountCode
	err := db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		cur, err := s.lockForChange(ctx, tx, id, expectedVersion)
		if err != nil {
			return err
		}
		r := apply(cur.Rules, next, fields)
		if p := r.Check(); len(p) > 0 {
			return &InvalidError{Problems: p}
		}
		dc, err = scanCode(tx.QueryRow(ctx, qs.SQL("UpdateCode"), id, expectedVersion, r.Description, r.Kind,
			percentArg(r), fixedArg(r), r.MinimumSubtotalMinor, r.StartsAt, r.EndsAt, r.TotalLimit,
			r.PerCustomerLimit, r.Active, s.clock.Now()))
		return err
	})
	if err != nil {
		return DiscountCode{}, wrapChange("update discount code", err)
	}
	return dc, nil
}

// Deactivate switches a code off if it is still at expectedVersion. An
// inactive code comes back unchanged whatever the version, so a retried
// deactivation succeeds.
func (s *Service) Deactivate(ctx context.Context, id string, expectedVersion int64) (DiscountCode, error) {
	var dc DiscountCode
	err := db.InTx(ctx, s.pool, db.TxOptions{}, func(tx pgx.Tx) error {
		cur, err := scanCode(tx.QueryRow(ctx, qs.SQL("CodeByID")+" FOR UPDATE", id))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if !cur.Active {
			dc = cur
			return nil
		}
		if cur.Version != expectedVersion {
			return &VersionConflictError{Expected: expectedVersion, Current: cur.Version}
		}
		dc, err = scanCode(tx.QueryRow(ctx, qs.SQL("DeactivateCode"), id, expectedVersion, s.clock.Now()))
		return err
	})
	if err != nil {
		return DiscountCode{}, wrapChange("deactivate discount code", err)
	}
	return dc, nil
}

func (s *Service) lockForChange(ctx context.Context, tx pgx.Tx, id string, expectedVersion int64) (DiscountCode, error) {
	cur, err := scanCode(tx.QueryRow(ctx, qs.SQL("CodeByID")+" FOR UPDATE", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return DiscountCode{}, ErrNotFound
	}
	if err != nil {
		return DiscountCode{}, err
	}
	if cur.Version != expectedVersion {
		return DiscountCode{}, &VersionConflictError{Expected: expectedVersion, Current: cur.Version}
	}
	return cur, nil
}

// wrapChange adds context to unexpected errors and leaves the domain ones
// as they are for the handler.
func wrapChange(what string, err error) error {
	var (
		vc  *VersionConflictError
		inv *InvalidError
	)
	if errors.Is(err, ErrNotFound) || errors.As(err, &vc) || errors.As(err, &inv) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ListParams selects a page of discount codes.
type ListParams struct {
	PageSize   int
	PageToken  string
	ActiveOnly bool
	// CodePrefix matches the start of the code, any case.
	CodePrefix string
}

// Page is one page of discount codes, newest first.
type Page struct {
	Codes         []DiscountCode
	NextPageToken string
}

// listCursor is the opaque page token: the last code of the previous page
// and the filters it was listed with.
type listCursor struct {
	Created    int64  `json:"t"`
	ID         string `json:"i"`
	ActiveOnly bool   `json:"a,omitempty"`
	Prefix     string `json:"p,omitempty"`
}

// List returns a page of discount codes, newest first.
func (s *Service) List(ctx context.Context, p ListParams) (Page, error) {
	p.CodePrefix = NormalizeCode(p.CodePrefix)
	if p.PageSize <= 0 {
		p.PageSize = DefaultPageSize
	}
	p.PageSize = min(p.PageSize, MaxPageSize)
	var after, afterID any
	if p.PageToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(p.PageToken)
		var c listCursor
		if err != nil || len(p.PageToken) > 256 || json.Unmarshal(b, &c) != nil {
			return Page{}, ErrBadPageToken
		}
		if _, err := uuid.Parse(c.ID); err != nil {
			return Page{}, ErrBadPageToken
		}
		if c.ActiveOnly != p.ActiveOnly || c.Prefix != p.CodePrefix {
			return Page{}, ErrForeignPageToken
		}
		after, afterID = time.UnixMicro(c.Created).UTC(), c.ID
	}
	var page Page
	err := db.Retry(ctx, func(ctx context.Context) error {
		page = Page{}
		rows, err := s.pool.Query(ctx, qs.SQL("CodesPage"), p.ActiveOnly, p.CodePrefix, after, afterID, p.PageSize+1)
		if err != nil {
			return err
		}
		page.Codes, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (DiscountCode, error) { return scanCode(r) })
		return err
	})
	if err != nil {
		return Page{}, fmt.Errorf("list discount codes: %w", err)
	}
	if len(page.Codes) > p.PageSize {
		page.Codes = page.Codes[:p.PageSize]
		last := page.Codes[len(page.Codes)-1]
		b, _ := json.Marshal(listCursor{Created: last.CreatedAt.UnixMicro(), ID: last.ID, ActiveOnly: p.ActiveOnly, Prefix: p.CodePrefix})
		page.NextPageToken = base64.RawURLEncoding.EncodeToString(b)
	}
	return page, nil
}

// Applied is a code that applies to a subtotal, with what it takes off.
type Applied struct {
	CodeID      string
	Code        string
	Description string
	// DiscountMinor is the amount off the subtotal, in Currency.
	DiscountMinor int64
	Currency      string
}

// Evaluate decides whether code applies to customerID's subtotal at now and
// what it takes off. It reads through q, so the cart and checkout can call
// it inside their transactions. Errors: ErrCodeNotValid (unknown, inactive,
// outside its window or used up: one error for all), ErrCustomerLimitReached,
// a *MinimumNotMetError (errors.Is ErrMinimumNotMet); anything else is a
// database failure. customerID may be empty for a shopper not known yet,
// which skips the per-customer limit.
func (s *Service) Evaluate(ctx context.Context, q db.Querier, code, customerID string, subtotalMinor int64, now time.Time) (Applied, error) {
	dc, err := loadCode(ctx, q, Lookup{Code: code})
	if errors.Is(err, pgx.ErrNoRows) {
		return Applied{}, ErrCodeNotValid
	}
	if err != nil {
		return Applied{}, fmt.Errorf("load discount code: %w", err)
	}
	if !redeemableAt(dc, now) {
		return Applied{}, ErrCodeNotValid
	}
	if dc.PerCustomerLimit > 0 && customerID != "" {
		var used int
		if err := q.QueryRow(ctx, qs.SQL("CustomerRedemptions"), dc.ID, customerID).Scan(&used); err != nil {
			return Applied{}, fmt.Errorf("count redemptions: %w", err)
		}
		if used >= dc.PerCustomerLimit {
			return Applied{}, ErrCustomerLimitReached
		}
	}
	if subtotalMinor < dc.MinimumSubtotalMinor {
		return Applied{}, &MinimumNotMetError{MinimumMinor: dc.MinimumSubtotalMinor, Currency: dc.Currency}
	}
	return Applied{
		CodeID:        dc.ID,
		Code:          dc.Code,
		Description:   dc.Description,
		DiscountMinor: DiscountMinor(dc.Kind, dc.Percent, dc.FixedAmountMinor, subtotalMinor),
		Currency:      dc.Currency,
	}, nil
}

// redeemableAt reports whether dc is switched on, within its window at now
// and not used up. The minimum and the per-customer limit depend on the
// cart and are checked apart.
func redeemableAt(dc DiscountCode, now time.Time) bool {
	switch {
	case !dc.Active:
		return false
	case dc.StartsAt != nil && now.Before(*dc.StartsAt):
		return false
	case dc.EndsAt != nil && !now.Before(*dc.EndsAt):
		return false
	case dc.TotalLimit > 0 && dc.RedemptionCount >= dc.TotalLimit:
		return false
	}
	return true
}

// Redeem counts one use of a code by customerID inside the caller's
// transaction (the one that places the order): it re-checks the
// per-customer limit under the code's row lock, counts the use with a
// guarded update and records it. orderID may be empty until the order has
// an id. Errors: ErrCodeNotValid (inactive, outside its window or used up
// by now), ErrCustomerLimitReached; on any error the caller must roll back.
func (s *Service) Redeem(ctx context.Context, tx pgx.Tx, codeID, customerID, orderID string, amountMinor int64) error {
	if amountMinor < 0 {
		return fmt.Errorf("redeem discount code: negative amount %d", amountMinor)
	}
	if _, err := uuid.Parse(codeID); err != nil {
		// A malformed id would abort the caller's transaction in SQL.
		return ErrCodeNotValid
	}
	var perCustomer int
	err := tx.QueryRow(ctx, qs.SQL("LockCodeForRedemption"), codeID).Scan(&perCustomer)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrCodeNotValid
	}
	if err != nil {
		return fmt.Errorf("lock discount code: %w", err)
	}
	if perCustomer > 0 {
		var used int
		if err := tx.QueryRow(ctx, qs.SQL("CustomerRedemptions"), codeID, customerID).Scan(&used); err != nil {
			return fmt.Errorf("count redemptions: %w", err)
		}
		if used >= perCustomer {
			return ErrCustomerLimitReached
		}
	}
	now := s.clock.Now()
	tag, err := tx.Exec(ctx, qs.SQL("CountRedemption"), codeID, now)
	if err != nil {
		return fmt.Errorf("count redemption: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return ErrCodeNotValid
	}
	var order *string
	if orderID != "" {
		order = &orderID
	}
	if _, err := tx.Exec(ctx, qs.SQL("InsertRedemption"), codeID, customerID, order, amountMinor, now); err != nil {
		return fmt.Errorf("record redemption: %w", err)
	}
	return nil
}

func percentArg(r Rules) *int {
	if r.Kind != KindPercent {
		return nil
	}
	return &r.Percent
}

func fixedArg(r Rules) *int64 {
	if r.Kind != KindFixed {
		return nil
	}
	return &r.FixedAmountMinor
}

func scanCode(row pgx.Row) (DiscountCode, error) {
	var (
		dc      DiscountCode
		kind    string
		percent *int
		fixed   *int64
	)
	if err := row.Scan(&dc.ID, &dc.Code, &dc.Description, &kind, &percent, &fixed, &dc.Currency,
		&dc.MinimumSubtotalMinor, &dc.StartsAt, &dc.EndsAt, &dc.TotalLimit, &dc.PerCustomerLimit,
		&dc.Active, &dc.RedemptionCount, &dc.Version, &dc.CreatedAt, &dc.UpdatedAt); err != nil {
		return DiscountCode{}, err
	}
	dc.Kind = Kind(kind)
	if percent != nil {
		dc.Percent = *percent
	}
	if fixed != nil {
		dc.FixedAmountMinor = *fixed
	}
	return dc, nil
}

// Release gives back the redemption of orderID (if it used a code) inside
// the caller's transaction: a cancelled or expired order does not use up
// the code.
func (s *Service) Release(ctx context.Context, tx pgx.Tx, orderID string) error {
	if _, err := tx.Exec(ctx, qs.SQL("ReleaseRedemption"), orderID); err != nil {
		return fmt.Errorf("release redemption: %w", err)
	}
	return nil
}
