package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"connectrpc.com/connect"
)

// Policy says who may call an RPC.
type Policy int

// Policies, from most to least open. The zero value is no policy: denied.
const (
	PolicyNone Policy = iota
	// Public RPCs need no session.
	Public
	// SignedIn RPCs need a session of any role.
	SignedIn
	// CustomerOnly RPCs need a customer session.
	CustomerOnly
	// StaffOnly RPCs need a staff or admin session.
	StaffOnly
	// AdminOnly RPCs need an admin session.
	AdminOnly
)

func (p Policy) String() string {
	switch p {
	case Public:
		return "public"
	case SignedIn:
		return "signed-in"
	case CustomerOnly:
		return "customer"
	case StaffOnly:
		return "staff"
	case AdminOnly:
		return "admin"
	}
	return "none"
}

// Allows reports whether role passes the policy (for policies above SignedIn).
func (p Policy) Allows(r Role) bool {
	switch p {
	case Public, SignedIn:
		return true
	case CustomerOnly:
		return r == RoleCustomer
	case StaffOnly:
		return r.IsStaff()
	case AdminOnly:
		return r == RoleAdmin
	}
	return false
}

// Authenticator resolves a bearer token to its caller.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Caller, error)
}

// Authorizer is the interceptor that enforces one policy per procedure. A
// procedure missing from the table is refused (deny by default) and logged.
type Authorizer struct {
	authn    Authenticator
	policies map[string]Policy
	log      *slog.Logger
}

// NewAuthorizer returns an Authorizer for the given policy table, keyed by
// procedure ("/partsbin.auth.v1.AuthService/Login").
func NewAuthorizer(authn Authenticator, policies map[string]Policy, log *slog.Logger) *Authorizer {
	return &Authorizer{authn: authn, policies: policies, log: log}
}

// WrapUnary implements connect.Interceptor.
func (a *Authorizer) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		ctx, err := a.authorize(ctx, req.Spec().Procedure, req.Header())
		if err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient implements connect.Interceptor.
func (a *Authorizer) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor.
func (a *Authorizer) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		ctx, err := a.authorize(ctx, conn.Spec().Procedure, conn.RequestHeader())
		if err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

func (a *Authorizer) authorize(ctx context.Context, procedure string, h http.Header) (context.Context, error) {
	policy := a.policies[procedure]
	if policy == PolicyNone {
		a.log.ErrorContext(ctx, "procedure has no authorization policy: denied", "procedure", procedure)
		return ctx, connect.NewError(connect.CodePermissionDenied, errors.New("permission denied"))
	}
	token, present, malformed := bearerToken(h)
	if policy == Public {
		// A public call with a good session still learns who calls (for
		// limits and personalisation); a bad one is simply anonymous.
		if present && !malformed {
			if c, err := a.authn.Authenticate(ctx, token); err == nil {
				ctx = WithCaller(ctx, c)
			}
		}
		return ctx, nil
	}
	if !present || malformed {
		return ctx, connect.NewError(connect.CodeUnauthenticated, errors.New("sign in first: missing or malformed Authorization: Bearer token"))
	}
	c, err := a.authn.Authenticate(ctx, token)
	if err != nil {
		if errors.Is(err, ErrUnauthenticated) {
			return ctx, connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
		}
		return ctx, fmt.Errorf("authenticate: %w", err)
	}
	if !policy.Allows(c.Role) {
		return ctx, connect.NewError(connect.CodePermissionDenied,
			fmt.Errorf("this call needs a %s account", policy))
	}
	return WithCaller(ctx, c), nil
}

// bearerToken extracts the token of an "Authorization: Bearer <token>" header.
func bearerToken(h http.Header) (token string, present, malformed bool) {
	v := h.Get("Authorization")
	if v == "" {
		return "", false, false
	}
	scheme, tok, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", true, true
	}
	tok = strings.TrimSpace(tok)
	if tok == "" || len(tok) > 256 {
		return "", true, true
	}
	return tok, true, false
}
