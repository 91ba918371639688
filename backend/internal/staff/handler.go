// Package staff assembles the back office, partsbin.staff.v1.StaffService,
// from the packages that own each kind of entity: the catalogue serves the
// product, stock, image and category RPCs, checkout the order RPCs, auth the
// account RPCs, and this package the audit log. Each part is declared here
// as the small interface this package consumes; app wires the real ones.
package staff

import (
	"context"

	staffv1 "github.com/partsbin/partsbin/gen/partsbin/staff/v1"
	"github.com/partsbin/partsbin/gen/partsbin/staff/v1/staffv1connect"
)

// Catalog is the product, stock, image and category part of the back office.
type Catalog interface {
	GetProduct(context.Context, *staffv1.GetProductRequest) (*staffv1.GetProductResponse, error)
	ListProducts(context.Context, *staffv1.ListProductsRequest) (*staffv1.ListProductsResponse, error)
	CreateProduct(context.Context, *staffv1.CreateProductRequest) (*staffv1.CreateProductResponse, error)
	UpdateProduct(context.Context, *staffv1.UpdateProductRequest) (*staffv1.UpdateProductResponse, error)
	ArchiveProduct(context.Context, *staffv1.ArchiveProductRequest) (*staffv1.ArchiveProductResponse, error)
	AdjustStock(context.Context, *staffv1.AdjustStockRequest) (*staffv1.AdjustStockResponse, error)
	UploadProductImage(context.Context, *staffv1.UploadProductImageRequest) (*staffv1.UploadProductImageResponse, error)
	RemoveProductImage(context.Context, *staffv1.RemoveProductImageRequest) (*staffv1.RemoveProductImageResponse, error)
	CreateCategory(context.Context, *staffv1.CreateCategoryRequest) (*staffv1.CreateCategoryResponse, error)
	UpdateCategory(context.Context, *staffv1.UpdateCategoryRequest) (*staffv1.UpdateCategoryResponse, error)
	DeleteCategory(context.Context, *staffv1.DeleteCategoryRequest) (*staffv1.DeleteCategoryResponse, error)
}

// Orders is the fulfilment part of the back office.
type Orders interface {
	ListOrders(context.Context, *staffv1.ListOrdersRequest) (*staffv1.ListOrdersResponse, error)
	GetOrder(context.Context, *staffv1.GetOrderRequest) (*staffv1.GetOrderResponse, error)
	UpdateOrderStatus(context.Context, *staffv1.UpdateOrderStatusRequest) (*staffv1.UpdateOrderStatusResponse, error)
}

// Accounts is the admin's account management.
type Accounts interface {
	ListUsers(context.Context, *staffv1.ListUsersRequest) (*staffv1.ListUsersResponse, error)
	CreateStaffAccount(context.Context, *staffv1.CreateStaffAccountRequest) (*staffv1.CreateStaffAccountResponse, error)
	SetUserRole(context.Context, *staffv1.SetUserRoleRequest) (*staffv1.SetUserRoleResponse, error)
	SetUserDisabled(context.Context, *staffv1.SetUserDisabledRequest) (*staffv1.SetUserDisabledResponse, error)
}

// Audit serves the audit log.
type Audit interface {
	ListAuditEvents(context.Context, *staffv1.ListAuditEventsRequest) (*staffv1.ListAuditEventsResponse, error)
}

// Handler implements StaffService by delegating each RPC to its part.
type Handler struct {
	Catalog
	Orders
	Accounts
	Audit
}

// Parts are the pieces of the back office. A nil part answers
// unimplemented.
type Parts struct {
	Catalog  Catalog
	Orders   Orders
	Accounts Accounts
	Audit    Audit
}

// NewHandler returns the StaffService handler made of parts.
func NewHandler(p Parts) *Handler {
	var none staffv1connect.UnimplementedStaffServiceHandler
	h := &Handler{Catalog: p.Catalog, Orders: p.Orders, Accounts: p.Accounts, Audit: p.Audit}
	if h.Catalog == nil {
		h.Catalog = none
	}
	if h.Orders == nil {
		h.Orders = none
	}
	if h.Accounts == nil {
		h.Accounts = none
	}
	if h.Audit == nil {
		h.Audit = none
	}
	return h
}

var _ staffv1connect.StaffServiceHandler = (*Handler)(nil)
