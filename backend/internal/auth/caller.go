// Package auth owns accounts and sessions: password hashing, session tokens
// and their cache, login throttling, password reset, the caller identity
// that other packages read from the context, the per-RPC authorization
// policy, and the AuthService handler.
package auth

import (
	"context"
	"errors"
)

// Role is what an account may do.
type Role string

// Roles. Admin can do everything Staff can.
const (
	RoleCustomer Role = "customer"
	RoleStaff    Role = "staff"
	RoleAdmin    Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return r == RoleCustomer || r == RoleStaff || r == RoleAdmin
}

// IsStaff reports whether r may use the back office.
func (r Role) IsStaff() bool { return r == RoleStaff || r == RoleAdmin }

// Caller is the signed-in account making a request.
type Caller struct {
	UserID    string
	SessionID string
	Role      Role
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller of the request, if it is signed in.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// Domain errors of the auth package; the handler maps them to codes.
var (
	ErrUnauthenticated    = errors.New("not signed in or session expired")
	ErrInvalidCredentials = errors.New("invalid email or password")
	ErrAccountDisabled    = errors.New("account is disabled")
	ErrEmailTaken         = errors.New("an account with this email already exists")
	ErrNotFound           = errors.New("account not found")
	ErrInvalidResetToken  = errors.New("reset token is invalid, used or expired")
	ErrWrongPassword      = errors.New("current password is wrong")
	ErrLastAdmin          = errors.New("the last active admin cannot be demoted or disabled")
)

// VersionConflictError reports a stale expected_version.
type VersionConflictError struct {
	Expected, Current int64
}

func (e *VersionConflictError) Error() string { return "version conflict" }

// RateLimitError reports a throttled attempt.
type RateLimitError struct {
	What       string
	RetryAfter int64 // milliseconds
}

func (e *RateLimitError) Error() string { return "too many " + e.What }

// LimiterDownError reports that a limit could not be checked because Redis
// is unreachable: login and reset fail closed.
type LimiterDownError struct{ Err error }

func (e *LimiterDownError) Error() string { return "rate limiter unavailable: " + e.Err.Error() }
func (e *LimiterDownError) Unwrap() error { return e.Err }
