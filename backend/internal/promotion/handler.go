package promotion

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
	promotionv1 "github.com/partsbin/partsbin/gen/partsbin/promotion/v1"
	"github.com/partsbin/partsbin/gen/partsbin/promotion/v1/promotionv1connect"
)

// Handler serves partsbin.promotion.v1.PromotionService.
type Handler struct {
	svc *Service
}

var _ promotionv1connect.PromotionServiceHandler = (*Handler)(nil)

// NewHandler returns the PromotionService handler.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9_-]{0,32}$`)

// CreateDiscountCode implements PromotionService.CreateDiscountCode.
func (h *Handler) CreateDiscountCode(ctx context.Context, req *promotionv1.CreateDiscountCodeRequest) (*promotionv1.CreateDiscountCodeResponse, error) {
	var v rpc.Violations
	code := NormalizeCode(req.GetCode())
	if !ValidCode(code) {
		v.Add("code", "must be 3 to 32 characters of A-Z, a-z, 0-9, - and _")
	}
	r := h.rulesFromProto(&v, req, MutableFields)
	if !v.Any() {
		for _, p := range r.Check() {
			v.Add(p.Field, "%s", p.Reason)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	dc, err := h.svc.Create(ctx, code, r)
	if err != nil {
		return nil, toConnect(err)
	}
	return &promotionv1.CreateDiscountCodeResponse{DiscountCode: codeToProto(dc)}, nil
}

// UpdateDiscountCode implements PromotionService.UpdateDiscountCode.
func (h *Handler) UpdateDiscountCode(ctx context.Context, req *promotionv1.UpdateDiscountCodeRequest) (*promotionv1.UpdateDiscountCodeResponse, error) {
	var v rpc.Violations
	checkID(&v, req.GetId())
	if req.GetExpectedVersion() <= 0 {
		v.Add("expected_version", "is required: send the version you last read")
	}
	fields := MutableFields
	if paths := req.GetUpdateMask().GetPaths(); len(paths) > 0 {
		fields = nil
		for _, p := range paths {
			f := Field(p)
			switch {
			case p == "code":
				v.Add("update_mask", "the code text cannot change; create a new code instead")
			case !slices.Contains(MutableFields, f):
				v.Add("update_mask", "unknown path %q: want %s", p, fieldList())
			case !slices.Contains(fields, f):
				fields = append(fields, f)
			}
		}
	}
	r := h.rulesFromProto(&v, req, fields)
	if err := v.Err(); err != nil {
		return nil, err
	}
	dc, err := h.svc.Update(ctx, req.GetId(), req.GetExpectedVersion(), r, fields)
	if err != nil {
		return nil, toConnect(err)
	}
	return &promotionv1.UpdateDiscountCodeResponse{DiscountCode: codeToProto(dc)}, nil
}

// GetDiscountCode implements PromotionService.GetDiscountCode.
func (h *Handler) GetDiscountCode(ctx context.Context, req *promotionv1.GetDiscountCodeRequest) (*promotionv1.GetDiscountCodeResponse, error) {
	var l Lookup
	switch k := req.GetLookup().(type) {
	case *promotionv1.GetDiscountCodeRequest_Id:
		if _, err := uuid.Parse(k.Id); err != nil {
			return nil, rpc.InvalidField("id", "must be a UUID")
		}
		l.ID = k.Id
	case *promotionv1.GetDiscountCodeRequest_Code:
		l.Code = NormalizeCode(k.Code)
		if !ValidCode(l.Code) {
			return nil, rpc.InvalidField("code", "must be 3 to 32 characters of A-Z, a-z, 0-9, - and _")
		}
	default:
		return nil, rpc.InvalidField("lookup", "set id or code")
	}
	dc, err := h.svc.Get(ctx, l)
	if err != nil {
		return nil, toConnect(err)
	}
	return &promotionv1.GetDiscountCodeResponse{DiscountCode: codeToProto(dc)}, nil
}

// ListDiscountCodes implements PromotionService.ListDiscountCodes.
func (h *Handler) ListDiscountCodes(ctx context.Context, req *promotionv1.ListDiscountCodesRequest) (*promotionv1.ListDiscountCodesResponse, error) {
	var v rpc.Violations
	size := rpc.PageSize(&v, req.GetPageSize())
	if !prefixRE.MatchString(req.GetCodePrefix()) {
		v.Add("code_prefix", "must be at most 32 characters of A-Z, a-z, 0-9, - and _")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	page, err := h.svc.List(ctx, ListParams{
		PageSize: size, PageToken: req.GetPageToken(), ActiveOnly: req.GetActiveOnly(), CodePrefix: req.GetCodePrefix(),
	})
	if err != nil {
		return nil, toConnect(err)
	}
	out := &promotionv1.ListDiscountCodesResponse{NextPageToken: page.NextPageToken}
	for _, dc := range page.Codes {
		out.DiscountCodes = append(out.DiscountCodes, codeToProto(dc))
	}
	return out, nil
}

// DeactivateDiscountCode implements PromotionService.DeactivateDiscountCode.
func (h *Handler) DeactivateDiscountCode(ctx context.Context, req *promotionv1.DeactivateDiscountCodeRequest) (*promotionv1.DeactivateDiscountCodeResponse, error) {
	var v rpc.Violations
	checkID(&v, req.GetId())
	if req.GetExpectedVersion() <= 0 {
		v.Add("expected_version", "is required: send the version you last read")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	dc, err := h.svc.Deactivate(ctx, req.GetId(), req.GetExpectedVersion())
	if err != nil {
		return nil, toConnect(err)
	}
	return &promotionv1.DeactivateDiscountCodeResponse{DiscountCode: codeToProto(dc)}, nil
}

func checkID(v *rpc.Violations, id string) {
	if _, err := uuid.Parse(id); err != nil {
		v.Add("id", "must be a UUID")
	}
}

func fieldList() string {
	names := make([]string, len(MutableFields))
	for i, f := range MutableFields {
		names[i] = string(f)
	}
	return strings.Join(names, ", ")
}

// rulesMessage is what the create and update requests share.
type rulesMessage interface {
	GetDescription() string
	GetKind() promotionv1.DiscountKind
	GetPercent() int32
	GetFixedAmount() *commonv1.Money
	GetMinimumSubtotal() *commonv1.Money
	GetStartTime() *timestamppb.Timestamp
	GetEndTime() *timestamppb.Timestamp
	GetTotalRedemptionLimit() int32
	GetPerCustomerLimit() int32
	GetActive() bool
}

// rulesFromProto converts the named fields of a request and checks what
// only the wire can get wrong (text, enum values, currencies, timestamps);
// Rules.Check judges the result as a whole.
func (h *Handler) rulesFromProto(v *rpc.Violations, m rulesMessage, fields []Field) Rules {
	var r Rules
	for _, f := range fields {
		switch f {
		case FieldDescription:
			r.Description = strings.TrimSpace(m.GetDescription())
			rpc.CheckText(v, "description", r.Description, 0, MaxDescriptionRunes, false)
		case FieldKind:
			switch m.GetKind() {
			case promotionv1.DiscountKind_DISCOUNT_KIND_PERCENT:
				r.Kind = KindPercent
			case promotionv1.DiscountKind_DISCOUNT_KIND_FIXED_AMOUNT:
				r.Kind = KindFixed
			case promotionv1.DiscountKind_DISCOUNT_KIND_UNSPECIFIED:
				v.Add("kind", "is required: PERCENT or FIXED_AMOUNT")
			default:
				v.Add("kind", "unknown kind %d", m.GetKind())
			}
		case FieldPercent:
			r.Percent = int(m.GetPercent())
		case FieldFixedAmount:
			if a := m.GetFixedAmount(); a != nil {
				h.checkCurrency(v, "fixed_amount", a)
				if a.GetAmountMinor() <= 0 {
					v.Add("fixed_amount.amount_minor", "must be positive; leave fixed_amount unset for a PERCENT code")
				}
				r.FixedAmountMinor = a.GetAmountMinor()
			}
		case FieldMinimumSubtotal:
			if a := m.GetMinimumSubtotal(); a != nil {
				h.checkCurrency(v, "minimum_subtotal", a)
				r.MinimumSubtotalMinor = a.GetAmountMinor()
			}
		case FieldStartTime:
			r.StartsAt = timeFromProto(v, "start_time", m.GetStartTime())
		case FieldEndTime:
			r.EndsAt = timeFromProto(v, "end_time", m.GetEndTime())
		case FieldTotalLimit:
			r.TotalLimit = int(m.GetTotalRedemptionLimit())
		case FieldPerCustomerLimit:
			r.PerCustomerLimit = int(m.GetPerCustomerLimit())
		case FieldActive:
			r.Active = m.GetActive()
		}
	}
	return r
}

func (h *Handler) checkCurrency(v *rpc.Violations, field string, m *commonv1.Money) {
	if m.GetCurrency() != h.svc.Currency() {
		v.Add(field+".currency", "must be %s, the shop currency", h.svc.Currency())
	}
}

func timeFromProto(v *rpc.Violations, field string, ts *timestamppb.Timestamp) *time.Time {
	if ts == nil {
		return nil
	}
	if err := ts.CheckValid(); err != nil {
		v.Add(field, "must be a valid timestamp between years 1 and 9999")
		return nil
	}
	// Stored with microsecond precision; truncate so comparisons agree.
	t := ts.AsTime().Truncate(time.Microsecond)
	return &t
}

// toConnect maps the package's domain errors to Connect codes; anything
// else passes through to the Observer, which hides it behind `internal`.
func toConnect(err error) error {
	var (
		vc  *VersionConflictError
		inv *InvalidError
	)
	switch {
	case errors.As(err, &vc):
		return rpc.VersionConflict("discount_code", vc.Expected, vc.Current)
	case errors.As(err, &inv):
		var v rpc.Violations
		for _, p := range inv.Problems {
			v.Add(p.Field, "%s", p.Reason)
		}
		return v.Err()
	case errors.Is(err, ErrNotFound):
		return connect.NewError(connect.CodeNotFound, ErrNotFound)
	case errors.Is(err, ErrCodeTaken):
		return connect.NewError(connect.CodeAlreadyExists, ErrCodeTaken)
	case errors.Is(err, ErrBadPageToken):
		return rpc.InvalidField("page_token", "is malformed; pass the next_page_token of the previous response unchanged")
	case errors.Is(err, ErrForeignPageToken):
		return rpc.InvalidField("page_token", "belongs to a different query; send the same active_only and code_prefix as the first page")
	}
	return err
}

func money(amount int64, currency string) *commonv1.Money {
	return &commonv1.Money{AmountMinor: amount, Currency: currency}
}

func codeToProto(dc DiscountCode) *promotionv1.DiscountCode {
	out := &promotionv1.DiscountCode{
		Id:                   dc.ID,
		Code:                 dc.Code,
		Description:          dc.Description,
		TotalRedemptionLimit: int32(dc.TotalLimit),
		PerCustomerLimit:     int32(dc.PerCustomerLimit),
		Active:               dc.Active,
		RedemptionCount:      int32(dc.RedemptionCount),
		Version:              dc.Version,
		CreateTime:           timestamppb.New(dc.CreatedAt),
		UpdateTime:           timestamppb.New(dc.UpdatedAt),
	}
	switch dc.Kind {
	case KindPercent:
		out.Kind = promotionv1.DiscountKind_DISCOUNT_KIND_PERCENT
		out.Percent = int32(dc.Percent)
	case KindFixed:
		out.Kind = promotionv1.DiscountKind_DISCOUNT_KIND_FIXED_AMOUNT
		out.FixedAmount = money(dc.FixedAmountMinor, dc.Currency)
	}
	if dc.MinimumSubtotalMinor > 0 {
		out.MinimumSubtotal = money(dc.MinimumSubtotalMinor, dc.Currency)
	}
	if dc.StartsAt != nil {
		out.StartTime = timestamppb.New(*dc.StartsAt)
	}
	if dc.EndsAt != nil {
		out.EndTime = timestamppb.New(*dc.EndsAt)
	}
	return out
}
