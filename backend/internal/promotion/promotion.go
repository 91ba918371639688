// Package promotion owns discount codes and their rules: staff create and
// manage codes through PromotionService, the cart asks Evaluate what a code
// is worth for a subtotal, and checkout counts a use with Redeem inside its
// order transaction. It owns the discount tables of migration
// 00003_cart_promotions.sql.
package promotion

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
)

// Domain errors; the handler maps them to codes, the cart and checkout
// branch on the Evaluate and Redeem ones.
var (
	ErrNotFound         = errors.New("discount code not found")
	ErrCodeTaken        = errors.New("a discount code with this text already exists")
	ErrBadPageToken     = errors.New("page_token is malformed")
	ErrForeignPageToken = errors.New("page_token belongs to another query; start again without it")

	// ErrCodeNotValid means a code cannot be used now: it is unknown,
	// inactive, outside its validity window or used up. The reasons are
	// deliberately one error, so customers cannot probe which codes exist.
	ErrCodeNotValid = errors.New("discount code is not valid")
	// ErrMinimumNotMet means the subtotal is below the code's minimum; the
	// error is a *MinimumNotMetError carrying the minimum.
	ErrMinimumNotMet = errors.New("subtotal below the discount code's minimum")
	// ErrCustomerLimitReached means the customer has used the code as often
	// as its per-customer limit allows.
	ErrCustomerLimitReached = errors.New("discount code already used the maximum number of times by this customer")
)

// MinimumNotMetError says how much the subtotal must reach for a code to
// apply. errors.Is(err, ErrMinimumNotMet) holds for it.
type MinimumNotMetError struct {
	MinimumMinor int64
	Currency     string
}

func (e *MinimumNotMetError) Error() string {
	return fmt.Sprintf("%s: minimum %d %s (minor units)", ErrMinimumNotMet, e.MinimumMinor, e.Currency)
}

// Is makes errors.Is(err, ErrMinimumNotMet) true.
func (e *MinimumNotMetError) Is(target error) bool { return target == ErrMinimumNotMet }

// VersionConflictError reports a stale expected_version.
type VersionConflictError struct {
	Expected, Current int64
}

func (e *VersionConflictError) Error() string { return "version conflict" }

// FieldError is one reason a discount code's fields are inconsistent,
// named by the wire field it concerns.
type FieldError struct {
	Field, Reason string
}

// InvalidError reports a discount code that breaks its rules as a whole
// (e.g. after an update merged new fields into old ones).
type InvalidError struct {
	Problems []FieldError
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Reason
	}
	return "invalid discount code: " + strings.Join(parts, "; ")
}

// Kind is how a code reduces the subtotal; the values are the ones stored.
type Kind string

// Discount kinds.
const (
	KindPercent Kind = "percent"
	KindFixed   Kind = "fixed"
)

// Rule limits.
const (
	// MaxLimit bounds both redemption limits.
	MaxLimit = 1_000_000
	// MaxDescriptionRunes bounds the description customers see.
	MaxDescriptionRunes = 200
	// DefaultPageSize and MaxPageSize are the API's paging rules.
	DefaultPageSize = rpc.DefaultPageSize
	MaxPageSize     = rpc.MaxPageSize
)

var codeRE = regexp.MustCompile(`^[A-Z0-9_-]{3,32}$`)

// NormalizeCode returns code as stored: trimmed and upper case.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// ValidCode reports whether a normalized code has the stored format:
// 3 to 32 characters of A-Z, 0-9, '-' and '_'.
func ValidCode(code string) bool { return codeRE.MatchString(code) }

// Rules are the mutable fields of a discount code.
type Rules struct {
	Description string
	Kind        Kind
	// Percent is set (1..100) only for KindPercent.
	Percent int
	// FixedAmountMinor is set (> 0) only for KindFixed.
	FixedAmountMinor int64
	// MinimumSubtotalMinor is 0 for no minimum.
	MinimumSubtotalMinor int64
	// StartsAt (inclusive) and EndsAt (exclusive) bound validity; nil for
	// open ends.
	StartsAt, EndsAt *time.Time
	// TotalLimit and PerCustomerLimit cap redemptions; 0 for unlimited.
	TotalLimit, PerCustomerLimit int
	Active                       bool
}

// Check lists every way r breaks the rules of a discount code. The field
// names are those of the wire contract.
func (r Rules) Check() []FieldError {
	var out []FieldError
	add := func(field, reason string) { out = append(out, FieldError{field, reason}) }
	switch r.Kind {
	case KindPercent:
		if r.Percent < 1 || r.Percent > 100 {
			add("percent", "must be 1 to 100 for a PERCENT code")
		}
		if r.FixedAmountMinor != 0 {
			add("fixed_amount", "must be unset for a PERCENT code")
		}
	case KindFixed:
		if r.FixedAmountMinor <= 0 {
			add("fixed_amount", "is required and must be positive for a FIXED_AMOUNT code")
		}
		if r.Percent != 0 {
			add("percent", "must be 0 for a FIXED_AMOUNT code")
		}
	default:
		add("kind", "is required: PERCENT or FIXED_AMOUNT")
	}
	if r.MinimumSubtotalMinor < 0 {
		add("minimum_subtotal.amount_minor", "must not be negative")
	}
	if r.StartsAt != nil && r.EndsAt != nil && !r.EndsAt.After(*r.StartsAt) {
		add("end_time", "must be after start_time")
	}
	if r.TotalLimit < 0 || r.TotalLimit > MaxLimit {
		add("total_redemption_limit", fmt.Sprintf("must be 0 (unlimited) to %d", MaxLimit))
	}
	if r.PerCustomerLimit < 0 || r.PerCustomerLimit > MaxLimit {
		add("per_customer_limit", fmt.Sprintf("must be 0 (unlimited) to %d", MaxLimit))
	}
	return out
}

// DiscountCode is a stored discount code.
type DiscountCode struct {
	ID   string
	Code string
	Rules
	Currency        string
	RedemptionCount int
	Version         int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Field names a mutable field for Update; the names are the wire ones.
type Field string

// Mutable fields.
const (
	FieldDescription      Field = "description"
	FieldKind             Field = "kind"
	FieldPercent          Field = "percent"
	FieldFixedAmount      Field = "fixed_amount"
	FieldMinimumSubtotal  Field = "minimum_subtotal"
	FieldStartTime        Field = "start_time"
	FieldEndTime          Field = "end_time"
	FieldTotalLimit       Field = "total_redemption_limit"
	FieldPerCustomerLimit Field = "per_customer_limit"
	FieldActive           Field = "active"
)

// MutableFields lists every field Update can change, in wire order.
var MutableFields = []Field{
	FieldDescription, FieldKind, FieldPercent, FieldFixedAmount, FieldMinimumSubtotal,
	FieldStartTime, FieldEndTime, FieldTotalLimit, FieldPerCustomerLimit, FieldActive,
}

// apply copies the fields named in fields from next into cur. Changing the
// kind drops the amount of the other kind, so switching kinds needs only
// kind and the new amount.
func apply(cur Rules, next Rules, fields []Field) Rules {
	for _, f := range fields {
		switch f {
		case FieldDescription:
			cur.Description = next.Description
		case FieldKind:
			cur.Kind = next.Kind
		case FieldPercent:
			cur.Percent = next.Percent
		case FieldFixedAmount:
			cur.FixedAmountMinor = next.FixedAmountMinor
		case FieldMinimumSubtotal:
			cur.MinimumSubtotalMinor = next.MinimumSubtotalMinor
		case FieldStartTime:
			cur.StartsAt = next.StartsAt
		case FieldEndTime:
			cur.EndsAt = next.EndsAt
		case FieldTotalLimit:
			cur.TotalLimit = next.TotalLimit
		case FieldPerCustomerLimit:
			cur.PerCustomerLimit = next.PerCustomerLimit
		case FieldActive:
			cur.Active = next.Active
		}
	}
	if slices.Contains(fields, FieldKind) {
		switch {
		case cur.Kind == KindPercent && !slices.Contains(fields, FieldFixedAmount):
			cur.FixedAmountMinor = 0
		case cur.Kind == KindFixed && !slices.Contains(fields, FieldPercent):
			cur.Percent = 0
		}
	}
	return cur
}
