package auth

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	authv1 "github.com/partsbin/partsbin/gen/partsbin/auth/v1"
	"github.com/partsbin/partsbin/gen/partsbin/auth/v1/authv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

// Handler serves partsbin.auth.v1.AuthService.
type Handler struct {
	svc *Service
}

var _ authv1connect.AuthServiceHandler = (*Handler)(nil)

// NewHandler returns the AuthService handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

func clientOf(ctx context.Context) Client {
	return Client{IP: rpc.ClientIP(ctx).String(), UserAgent: rpc.UserAgent(ctx)}
}

// Register implements AuthService.Register.
func (h *Handler) Register(ctx context.Context, req *authv1.RegisterRequest) (*authv1.RegisterResponse, error) {
	email := rpc.NormalizeEmail(req.GetEmail())
	name := strings.TrimSpace(req.GetFullName())
	var v rpc.Violations
	rpc.CheckEmail(&v, "email", email)
	if why := CheckPassword(req.GetPassword(), email); why != "" {
		v.Add("password", "%s", why)
	}
	rpc.CheckText(&v, "full_name", name, 1, 200, false)
	if err := v.Err(); err != nil {
		return nil, err
	}
	u, si, err := h.svc.Register(ctx, email, req.GetPassword(), name, clientOf(ctx))
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	return &authv1.RegisterResponse{User: userToProto(u), Session: sessionToProto(si)}, nil
}

// Login implements AuthService.Login.
func (h *Handler) Login(ctx context.Context, req *authv1.LoginRequest) (*authv1.LoginResponse, error) {
	email := rpc.NormalizeEmail(req.GetEmail())
	var v rpc.Violations
	rpc.CheckEmail(&v, "email", email)
	if req.GetPassword() == "" {
		v.Add("password", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	u, si, err := h.svc.Login(ctx, email, req.GetPassword(), clientOf(ctx))
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	return &authv1.LoginResponse{User: userToProto(u), Session: sessionToProto(si)}, nil
}

// Logout implements AuthService.Logout.
func (h *Handler) Logout(ctx context.Context, _ *authv1.LogoutRequest) (*authv1.LogoutResponse, error) {
	c, err := mustCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := h.svc.Logout(ctx, c); err != nil {
		return nil, toConnect(ctx, err)
	}
	return &authv1.LogoutResponse{}, nil
}

// GetMe implements AuthService.GetMe.
func (h *Handler) GetMe(ctx context.Context, _ *authv1.GetMeRequest) (*authv1.GetMeResponse, error) {
	c, err := mustCaller(ctx)
	if err != nil {
		return nil, err
	}
	u, err := h.svc.User(ctx, c.UserID)
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	return &authv1.GetMeResponse{User: userToProto(u)}, nil
}

// UpdateProfile implements AuthService.UpdateProfile.
func (h *Handler) UpdateProfile(ctx context.Context, req *authv1.UpdateProfileRequest) (*authv1.UpdateProfileResponse, error) {
	c, err := mustCaller(ctx)
	if err != nil {
		return nil, err
	}
	var v rpc.Violations
	if req.GetExpectedVersion() <= 0 {
		v.Add("expected_version", "is required: send the version you last read")
	}
	paths := req.GetUpdateMask().GetPaths()
	if len(paths) == 0 {
		paths = []string{"full_name", "phone", "default_shipping_address"}
	}
	var change ProfileChange
	for _, p := range paths {
		switch p {
		case "full_name":
			name := strings.TrimSpace(req.GetFullName())
			rpc.CheckText(&v, "full_name", name, 1, 200, false)
			change.FullName = &name
		case "phone":
			phone := strings.TrimSpace(req.GetPhone())
			rpc.CheckPhone(&v, "phone", phone)
			change.Phone = &phone
		case "default_shipping_address":
			change.SetAddress = true
			if a := req.GetDefaultShippingAddress(); a != nil {
				rpc.CheckAddress(&v, "default_shipping_address", a)
				change.Address = addressFromProto(a)
			}
		default:
			v.Add("update_mask", "unknown path %q: want full_name, phone or default_shipping_address", p)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	u, err := h.svc.UpdateProfile(ctx, c.UserID, req.GetExpectedVersion(), change)
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	return &authv1.UpdateProfileResponse{User: userToProto(u)}, nil
}

// ChangePassword implements AuthService.ChangePassword.
func (h *Handler) ChangePassword(ctx context.Context, req *authv1.ChangePasswordRequest) (*authv1.ChangePasswordResponse, error) {
	c, err := mustCaller(ctx)
	if err != nil {
		return nil, err
	}
	u, err := h.svc.User(ctx, c.UserID)
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	var v rpc.Violations
	if req.GetCurrentPassword() == "" || len(req.GetCurrentPassword()) > 4*MaxPasswordLen {
		v.Add("current_password", "is required")
	}
	if why := CheckPassword(req.GetNewPassword(), u.Email); why != "" {
		v.Add("new_password", "%s", why)
	} else if req.GetNewPassword() == req.GetCurrentPassword() {
		v.Add("new_password", "must differ from the current password")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := h.svc.ChangePassword(ctx, c, req.GetCurrentPassword(), req.GetNewPassword()); err != nil {
		return nil, toConnect(ctx, err)
	}
	return &authv1.ChangePasswordResponse{}, nil
}

// RequestPasswordReset implements AuthService.RequestPasswordReset.
func (h *Handler) RequestPasswordReset(ctx context.Context, req *authv1.RequestPasswordResetRequest) (*authv1.RequestPasswordResetResponse, error) {
	email := rpc.NormalizeEmail(req.GetEmail())
	var v rpc.Violations
	rpc.CheckEmail(&v, "email", email)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := h.svc.RequestPasswordReset(ctx, email, clientOf(ctx)); err != nil {
		return nil, toConnect(ctx, err)
	}
	return &authv1.RequestPasswordResetResponse{}, nil
}

// ResetPassword implements AuthService.ResetPassword.
func (h *Handler) ResetPassword(ctx context.Context, req *authv1.ResetPasswordRequest) (*authv1.ResetPasswordResponse, error) {
	var v rpc.Violations
	if req.GetToken() == "" {
		v.Add("token", "is required")
	} else if len(req.GetToken()) > 256 {
		v.Add("token", "is not a reset token")
	}
	if why := CheckPassword(req.GetNewPassword(), ""); why != "" {
		v.Add("new_password", "%s", why)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := h.svc.ResetPassword(ctx, strings.TrimSpace(req.GetToken()), req.GetNewPassword(), clientOf(ctx)); err != nil {
		return nil, toConnect(ctx, err)
	}
	return &authv1.ResetPasswordResponse{}, nil
}

func mustCaller(ctx context.Context) (Caller, error) {
	c, ok := CallerFrom(ctx)
	if !ok {
		return Caller{}, connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	}
	return c, nil
}

// toConnect maps the package's domain errors to Connect codes; anything
// else passes through to the Observer, which hides it behind `internal`.
func toConnect(ctx context.Context, err error) error {
	var (
		vc   *VersionConflictError
		rl   *RateLimitError
		down *LimiterDownError
	)
	switch {
	case errors.As(err, &vc):
		return rpc.VersionConflict("user", vc.Expected, vc.Current)
	case errors.As(err, &rl):
		retry := time.Duration(rl.RetryAfter) * time.Millisecond
		setRetryAfter(ctx, retry)
		return rpc.RateLimited(rl.What, retry)
	case errors.As(err, &down):
		return rpc.Unavailable("sign-in protection", 2*time.Second)
	case errors.Is(err, ErrHasherBusy):
		setRetryAfter(ctx, time.Second)
		return rpc.Unavailable("sign-in", time.Second)
	case errors.Is(err, ErrInvalidCredentials):
		return connect.NewError(connect.CodeUnauthenticated, ErrInvalidCredentials)
	case errors.Is(err, ErrAccountDisabled):
		return connect.NewError(connect.CodePermissionDenied, ErrAccountDisabled)
	case errors.Is(err, ErrUnauthenticated):
		return connect.NewError(connect.CodeUnauthenticated, ErrUnauthenticated)
	case errors.Is(err, ErrEmailTaken):
		return connect.NewError(connect.CodeAlreadyExists, ErrEmailTaken)
	case errors.Is(err, ErrNotFound):
		return connect.NewError(connect.CodeNotFound, ErrNotFound)
	case errors.Is(err, ErrInvalidResetToken):
		return rpc.InvalidField("token", "is invalid, already used or expired; request a new reset mail")
	case errors.Is(err, ErrWrongPassword):
		return rpc.InvalidField("current_password", "is wrong")
	case errors.Is(err, ErrLastAdmin):
		return connect.NewError(connect.CodeFailedPrecondition, ErrLastAdmin)
	}
	return err
}

// setRetryAfter adds an HTTP Retry-After header, which plain HTTP clients
// and proxies understand, next to the RetryInfo error detail.
func setRetryAfter(ctx context.Context, d time.Duration) {
	if ci, ok := connect.CallInfoForHandlerContext(ctx); ok {
		secs := max(1, int((d+time.Second-1)/time.Second))
		ci.ResponseHeader().Set("Retry-After", strconv.Itoa(secs))
	}
}

func sessionToProto(si SessionInfo) *authv1.Session {
	return &authv1.Session{Token: si.Token, ExpireTime: timestamppb.New(si.ExpiresAt)}
}

// UserToProto converts a User for the wire (the back office reuses it).
func UserToProto(u User) *authv1.User { return userToProto(u) }

func userToProto(u User) *authv1.User {
	out := &authv1.User{
		Id:         u.ID,
		Email:      u.Email,
		FullName:   u.FullName,
		Phone:      u.Phone,
		Role:       roleToProto(u.Role),
		Status:     authv1.UserStatus_USER_STATUS_ACTIVE,
		Version:    u.Version,
		CreateTime: timestamppb.New(u.CreatedAt),
		UpdateTime: timestamppb.New(u.UpdatedAt),
	}
	if u.Disabled {
		out.Status = authv1.UserStatus_USER_STATUS_DISABLED
	}
	if a := u.DefaultAddress; a != nil {
		out.DefaultShippingAddress = &commonv1.Address{
			Recipient: a.Recipient, Line1: a.Line1, Line2: a.Line2, City: a.City,
			Region: a.Region, PostalCode: a.PostalCode, CountryCode: a.CountryCode, Phone: a.Phone,
		}
	}
	return out
}

func addressFromProto(a *commonv1.Address) *Address {
	return &Address{
		Recipient: strings.TrimSpace(a.GetRecipient()), Line1: strings.TrimSpace(a.GetLine1()),
		Line2: strings.TrimSpace(a.GetLine2()), City: strings.TrimSpace(a.GetCity()),
		Region: strings.TrimSpace(a.GetRegion()), PostalCode: strings.TrimSpace(a.GetPostalCode()),
		CountryCode: a.GetCountryCode(), Phone: strings.TrimSpace(a.GetPhone()),
	}
}

func roleToProto(r Role) authv1.Role {
	switch r {
	case RoleCustomer:
		return authv1.Role_ROLE_CUSTOMER
	case RoleStaff:
		return authv1.Role_ROLE_STAFF
	case RoleAdmin:
		return authv1.Role_ROLE_ADMIN
	}
	return authv1.Role_ROLE_UNSPECIFIED
}

// RoleFromProto converts a wire role; ok is false for unspecified values.
func RoleFromProto(r authv1.Role) (Role, bool) {
	switch r {
	case authv1.Role_ROLE_CUSTOMER:
		return RoleCustomer, true
	case authv1.Role_ROLE_STAFF:
		return RoleStaff, true
	case authv1.Role_ROLE_ADMIN:
		return RoleAdmin, true
	}
	return "", false
}
