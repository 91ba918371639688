package cart

import (
	"context"
	"errors"
	"regexp"
	"strconv"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	cartv1 "github.com/partsbin/partsbin/gen/partsbin/cart/v1"
	"github.com/partsbin/partsbin/gen/partsbin/cart/v1/cartv1connect"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
)

// Handler serves partsbin.cart.v1.CartService.
type Handler struct {
	svc *Service
}

var _ cartv1connect.CartServiceHandler = (*Handler)(nil)

// NewHandler returns the CartService handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var codeRE = regexp.MustCompile(`^[A-Za-z0-9_-]{3,32}$`)

func caller(ctx context.Context) (string, error) {
	c, ok := auth.CallerFrom(ctx)
	if !ok {
		return "", connect.NewError(connect.CodeUnauthenticated, auth.ErrUnauthenticated)
	}
	return c.UserID, nil
}

func checkCommon(v *rpc.Violations, productID string, expectedVersion int64) {
	if _, err := uuid.Parse(productID); err != nil {
		v.Add("product_id", "must be a UUID")
	}
	if expectedVersion < 0 {
		v.Add("expected_version", "must not be negative")
	}
}

// GetCart implements CartService.GetCart.
func (h *Handler) GetCart(ctx context.Context, _ *cartv1.GetCartRequest) (*cartv1.GetCartResponse, error) {
	uid, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := h.svc.Get(ctx, uid)
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	return &cartv1.GetCartResponse{Cart: h.toProto(v)}, nil
}

// AddItem implements CartService.AddItem.
func (h *Handler) AddItem(ctx context.Context, req *cartv1.AddItemRequest) (*cartv1.AddItemResponse, error) {
	uid, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v rpc.Violations
	checkCommon(&v, req.GetProductId(), req.GetExpectedVersion())
	if q := req.GetQuantity(); q < 1 || q > MaxQuantity {
		v.Add("quantity", "must be 1 to %d", MaxQuantity)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	view, err := h.svc.AddItem(ctx, uid, req.GetProductId(), int(req.GetQuantity()), req.GetExpectedVersion())
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	return &cartv1.AddItemResponse{Cart: h.toProto(view)}, nil
}

// UpdateItemQuantity implements CartService.UpdateItemQuantity.
func (h *Handler) UpdateItemQuantity(ctx context.Context, req *cartv1.UpdateItemQuantityRequest) (*cartv1.UpdateItemQuantityResponse, error) {
	uid, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v rpc.Violations
	checkCommon(&v, req.GetProductId(), req.GetExpectedVersion())
	if q := req.GetQuantity(); q < 0 || q > MaxQuantity {
		v.Add("quantity", "must be 0 to %d", MaxQuantity)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	view, err := h.svc.SetQuantity(ctx, uid, req.GetProductId(), int(req.GetQuantity()), req.GetExpectedVersion())
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	return &cartv1.UpdateItemQuantityResponse{Cart: h.toProto(view)}, nil
}

// RemoveItem implements CartService.RemoveItem.
func (h *Handler) RemoveItem(ctx context.Context, req *cartv1.RemoveItemRequest) (*cartv1.RemoveItemResponse, error) {
	uid, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v rpc.Violations
	checkCommon(&v, req.GetProductId(), req.GetExpectedVersion())
	if err := v.Err(); err != nil {
		return nil, err
	}
	view, err := h.svc.RemoveItem(ctx, uid, req.GetProductId(), req.GetExpectedVersion())
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	return &cartv1.RemoveItemResponse{Cart: h.toProto(view)}, nil
}

// ApplyDiscountCode implements CartService.ApplyDiscountCode.
func (h *Handler) ApplyDiscountCode(ctx context.Context, req *cartv1.ApplyDiscountCodeRequest) (*cartv1.ApplyDiscountCodeResponse, error) {
	uid, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var v rpc.Violations
	if !codeRE.MatchString(req.GetCode()) {
		v.Add("code", "must be 3 to 32 characters of letters, digits, - and _")
	}
	if req.GetExpectedVersion() < 0 {
		v.Add("expected_version", "must not be negative")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	view, err := h.svc.ApplyCode(ctx, uid, req.GetCode(), req.GetExpectedVersion())
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	return &cartv1.ApplyDiscountCodeResponse{Cart: h.toProto(view)}, nil
}

// RemoveDiscountCode implements CartService.RemoveDiscountCode.
func (h *Handler) RemoveDiscountCode(ctx context.Context, req *cartv1.RemoveDiscountCodeRequest) (*cartv1.RemoveDiscountCodeResponse, error) {
	uid, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetExpectedVersion() < 0 {
		return nil, rpc.InvalidField("expected_version", "must not be negative")
	}
	view, err := h.svc.RemoveCode(ctx, uid, req.GetExpectedVersion())
	if err != nil {
		return nil, toConnect(ctx, err)
	}
	return &cartv1.RemoveDiscountCodeResponse{Cart: h.toProto(view)}, nil
}

func toConnect(ctx context.Context, err error) error {
	var (
		vc  *VersionConflictError
		ins *InsufficientStockError
		mn  *MinimumNotMetError
		rl  *RateLimitError
	)
	switch {
	case errors.As(err, &vc):
		return rpc.VersionConflict("cart", vc.Expected, vc.Current)
	case errors.As(err, &ins):
		return rpc.Errorf(connect.CodeFailedPrecondition, "only %d in stock", ins.Available)
	case errors.As(err, &mn):
		return rpc.Errorf(connect.CodeFailedPrecondition, "this code needs a subtotal of at least %s", formatMinor(mn.MinimumMinor, "EUR"))
	case errors.As(err, &rl):
		if ci, ok := connect.CallInfoForHandlerContext(ctx); ok {
			ci.ResponseHeader().Set("Retry-After", strconv.Itoa(max(1, int(rl.RetryAfter.Seconds()+0.999))))
		}
		return rpc.RateLimited("discount code attempts", rl.RetryAfter)
	case errors.Is(err, ErrProductNotFound), errors.Is(err, ErrNotInCart), errors.Is(err, ErrCodeNotValid):
		return connect.NewError(connect.CodeNotFound, err)
	case errors.Is(err, ErrProductUnavailable), errors.Is(err, ErrOutOfStock), errors.Is(err, ErrCustomerLimitReached):
		return connect.NewError(connect.CodeFailedPrecondition, err)
	case errors.Is(err, ErrTooManyLines), errors.Is(err, ErrLineTooLarge):
		return connect.NewError(connect.CodeInvalidArgument, err)
	}
	return err
}

func (h *Handler) money(m int64) *commonv1.Money {
	return &commonv1.Money{AmountMinor: m, Currency: h.svc.currency}
}

func stockStatus(stock int) cartv1.StockStatus {
	switch {
	case stock <= 0:
		return cartv1.StockStatus_STOCK_STATUS_OUT_OF_STOCK
	case stock <= LowStockThreshold:
		return cartv1.StockStatus_STOCK_STATUS_LOW_STOCK
	}
	return cartv1.StockStatus_STOCK_STATUS_IN_STOCK
}

func (h *Handler) toProto(v View) *cartv1.Cart {
	out := &cartv1.Cart{
		Id: v.ID, CustomerId: v.CustomerID, Currency: v.Currency,
		Subtotal: h.money(v.SubtotalMinor), Discount: h.money(v.DiscountMinor), Total: h.money(v.TotalMinor),
		ItemCount: int32(v.ItemCount), Version: v.Version, UpdateTime: timestamppb.New(v.UpdatedAt),
	}
	for _, l := range v.Lines {
		cl := &cartv1.CartLine{
			ProductId: l.ProductID, Sku: l.Product.SKU, Name: l.Product.Name, Slug: l.Product.Slug,
			UnitPrice: h.money(l.Product.PriceMinor), AddedUnitPrice: h.money(l.AddedUnitPriceMinor),
			Quantity: int32(l.Quantity), LineTotal: h.money(l.Product.PriceMinor * int64(l.Quantity)),
			StockStatus: stockStatus(l.Product.Stock), AvailableQuantity: int32(max(0, l.Product.Stock)),
			AddTime: timestamppb.New(l.AddedAt),
		}
		if l.Product.ImageSHA != "" {
			cl.ImageUrl = "/images/" + l.Product.ImageSHA
		}
		out.Lines = append(out.Lines, cl)
	}
	if v.Discount != nil {
		out.DiscountCode = &cartv1.AppliedDiscountCode{Code: v.Discount.Code, Description: v.Discount.Description}
	}
	for _, p := range v.Problems {
		out.Problems = append(out.Problems, &cartv1.CartProblem{
			Kind: cartv1.CartProblemKind(p.Kind), ProductId: p.ProductID, Message: p.Message, Blocking: p.Blocking,
		})
	}
	return out
}
