package app

import (
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/gen/partsbin/auth/v1/authv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/cart/v1/cartv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/catalog/v1/catalogv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/checkout/v1/checkoutv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/promotion/v1/promotionv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/staff/v1/staffv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/stats/v1/statsv1connect"
	"github.com/partsbin/partsbin/gen/partsbin/support/v1/supportv1connect"
)

// Policies is the one authorization table: every RPC of every service and
// who may call it. The interceptor refuses procedures missing here, and a
// test fails if any RPC of the contract has no entry. Ownership ("your own
// cart") is checked by the services themselves.
var Policies = map[string]auth.Policy{
	authv1connect.AuthServiceRegisterProcedure:             auth.Public,
	authv1connect.AuthServiceLoginProcedure:                auth.Public,
	authv1connect.AuthServiceLogoutProcedure:               auth.SignedIn,
	authv1connect.AuthServiceGetMeProcedure:                auth.SignedIn,
	authv1connect.AuthServiceUpdateProfileProcedure:        auth.SignedIn,
	authv1connect.AuthServiceChangePasswordProcedure:       auth.SignedIn,
	authv1connect.AuthServiceRequestPasswordResetProcedure: auth.Public,
	authv1connect.AuthServiceResetPasswordProcedure:        auth.Public,

	catalogv1connect.CatalogServiceSearchProductsProcedure: auth.Public,
	catalogv1connect.CatalogServiceGetProductProcedure:     auth.Public,
	catalogv1connect.CatalogServiceListCategoriesProcedure: auth.Public,
	catalogv1connect.CatalogServiceListReviewsProcedure:    auth.Public,
	catalogv1connect.CatalogServiceSubmitReviewProcedure:   auth.CustomerOnly,

	cartv1connect.CartServiceGetCartProcedure:            auth.CustomerOnly,
	cartv1connect.CartServiceAddItemProcedure:            auth.CustomerOnly,
	cartv1connect.CartServiceUpdateItemQuantityProcedure: auth.CustomerOnly,
	cartv1connect.CartServiceRemoveItemProcedure:         auth.CustomerOnly,
	cartv1connect.CartServiceApplyDiscountCodeProcedure:  auth.CustomerOnly,
	cartv1connect.CartServiceRemoveDiscountCodeProcedure: auth.CustomerOnly,

	checkoutv1connect.CheckoutServicePlaceOrderProcedure:  auth.CustomerOnly,
	checkoutv1connect.CheckoutServicePayOrderProcedure:    auth.CustomerOnly,
	checkoutv1connect.CheckoutServiceGetOrderProcedure:    auth.CustomerOnly,
	checkoutv1connect.CheckoutServiceListOrdersProcedure:  auth.CustomerOnly,
	checkoutv1connect.CheckoutServiceCancelOrderProcedure: auth.CustomerOnly,
	// The order's customer or staff: the service checks ownership.
	checkoutv1connect.CheckoutServiceWatchOrderProcedure: auth.SignedIn,

	promotionv1connect.PromotionServiceCreateDiscountCodeProcedure:     auth.StaffOnly,
	promotionv1connect.PromotionServiceUpdateDiscountCodeProcedure:     auth.StaffOnly,
	promotionv1connect.PromotionServiceGetDiscountCodeProcedure:        auth.StaffOnly,
	promotionv1connect.PromotionServiceListDiscountCodesProcedure:      auth.StaffOnly,
	promotionv1connect.PromotionServiceDeactivateDiscountCodeProcedure: auth.StaffOnly,

	staffv1connect.StaffServiceGetProductProcedure:         auth.StaffOnly,
	staffv1connect.StaffServiceListProductsProcedure:       auth.StaffOnly,
	staffv1connect.StaffServiceCreateProductProcedure:      auth.StaffOnly,
	staffv1connect.StaffServiceUpdateProductProcedure:      auth.StaffOnly,
	staffv1connect.StaffServiceArchiveProductProcedure:     auth.StaffOnly,
	staffv1connect.StaffServiceAdjustStockProcedure:        auth.StaffOnly,
	staffv1connect.StaffServiceUploadProductImageProcedure: auth.StaffOnly,
	staffv1connect.StaffServiceRemoveProductImageProcedure: auth.StaffOnly,
	staffv1connect.StaffServiceCreateCategoryProcedure:     auth.StaffOnly,
	staffv1connect.StaffServiceUpdateCategoryProcedure:     auth.StaffOnly,
	staffv1connect.StaffServiceDeleteCategoryProcedure:     auth.StaffOnly,
	staffv1connect.StaffServiceListOrdersProcedure:         auth.StaffOnly,
	staffv1connect.StaffServiceGetOrderProcedure:           auth.StaffOnly,
	staffv1connect.StaffServiceUpdateOrderStatusProcedure:  auth.StaffOnly,
	staffv1connect.StaffServiceListUsersProcedure:          auth.AdminOnly,
	staffv1connect.StaffServiceCreateStaffAccountProcedure: auth.AdminOnly,
	staffv1connect.StaffServiceSetUserRoleProcedure:        auth.AdminOnly,
	staffv1connect.StaffServiceSetUserDisabledProcedure:    auth.AdminOnly,
	staffv1connect.StaffServiceListAuditEventsProcedure:    auth.AdminOnly,

	// Admins and staff read the dashboard; nothing in it writes.
	statsv1connect.StatsServiceGetDashboardProcedure: auth.StaffOnly,

	supportv1connect.SupportServiceStartConversationProcedure:  auth.CustomerOnly,
	supportv1connect.SupportServiceSendMessageProcedure:        auth.SignedIn,
	supportv1connect.SupportServiceListConversationsProcedure:  auth.SignedIn,
	supportv1connect.SupportServiceGetConversationProcedure:    auth.SignedIn,
	supportv1connect.SupportServiceListMessagesProcedure:       auth.SignedIn,
	supportv1connect.SupportServiceAssignConversationProcedure: auth.StaffOnly,
	supportv1connect.SupportServiceCloseConversationProcedure:  auth.SignedIn,
	supportv1connect.SupportServiceMarkReadProcedure:           auth.SignedIn,
	supportv1connect.SupportServiceWatchConversationProcedure:  auth.SignedIn,
	supportv1connect.SupportServiceWatchInboxProcedure:         auth.StaffOnly,
}
