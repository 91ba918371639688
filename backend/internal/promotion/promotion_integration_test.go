package promotion_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/partsbin/partsbin/backend/internal/app/apptest"
	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/promotion"
	commonv1 "github.com/partsbin/partsbin/gen/partsbin/common/v1"
	promotionv1 "github.com/partsbin/partsbin/gen/partsbin/promotion/v1"
	"github.com/partsbin/partsbin/gen/partsbin/promotion/v1/promotionv1connect"
)

var ctx = context.Background()

func eur(minor int64) *commonv1.Money { return &commonv1.Money{AmountMinor: minor, Currency: "EUR"} }

func staffClient(t *testing.T, s *apptest.Server, p apptest.Protocol) promotionv1connect.PromotionServiceClient {
	t.Helper()
	tok := s.CreateUser(t, auth.RoleStaff).Token
	return apptest.NewClient(s, p, promotionv1connect.NewPromotionServiceClient, apptest.WithToken(tok))
}

// percentCode is a valid create request for a 10 % code.
func percentCode(code string) *promotionv1.CreateDiscountCodeRequest {
	return &promotionv1.CreateDiscountCodeRequest{
		Code: code, Description: "Ten percent off", Kind: promotionv1.DiscountKind_DISCOUNT_KIND_PERCENT,
		Percent: 10, Active: true,
	}
}

func create(t *testing.T, c promotionv1connect.PromotionServiceClient, req *promotionv1.CreateDiscountCodeRequest) *promotionv1.DiscountCode {
	t.Helper()
	res, err := c.CreateDiscountCode(ctx, req)
	if err != nil {
		t.Fatalf("CreateDiscountCode(%s): %v", req.GetCode(), err)
	}
	return res.GetDiscountCode()
}

func TestDiscountCode_CreateAndGet(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	start := s.Clock.Now().Truncate(time.Second).Add(-time.Hour)
	end := start.Add(30 * 24 * time.Hour)
	for i, p := range apptest.Protocols {
		t.Run(p.Name, func(t *testing.T) {
			c := staffClient(t, s, p)
			pc := create(t, c, percentCode(fmt.Sprintf("  spring-sale_%d ", i)))
			want := fmt.Sprintf("SPRING-SALE_%d", i)
			if pc.GetCode() != want || pc.GetKind() != promotionv1.DiscountKind_DISCOUNT_KIND_PERCENT || pc.GetPercent() != 10 ||
				pc.GetFixedAmount() != nil || pc.GetMinimumSubtotal() != nil || !pc.GetActive() || pc.GetVersion() != 1 ||
				pc.GetRedemptionCount() != 0 || pc.GetDescription() != "Ten percent off" || pc.GetId() == "" ||
				pc.GetStartTime() != nil || pc.GetEndTime() != nil || pc.GetCreateTime() == nil {
				t.Errorf("created = %v, want an active 10 %% code %s at version 1", pc, want)
			}

			fixed := create(t, c, &promotionv1.CreateDiscountCodeRequest{
				Code: fmt.Sprintf("FIVER%d", i), Description: "5 EUR off from 50 EUR",
				Kind: promotionv1.DiscountKind_DISCOUNT_KIND_FIXED_AMOUNT, FixedAmount: eur(500), MinimumSubtotal: eur(5000),
				StartTime: timestamppb.New(start), EndTime: timestamppb.New(end),
				TotalRedemptionLimit: 100, PerCustomerLimit: 1,
			})
			if fixed.GetKind() != promotionv1.DiscountKind_DISCOUNT_KIND_FIXED_AMOUNT || fixed.GetPercent() != 0 ||
				!proto.Equal(fixed.GetFixedAmount(), eur(500)) || !proto.Equal(fixed.GetMinimumSubtotal(), eur(5000)) ||
				!fixed.GetStartTime().AsTime().Equal(start) || !fixed.GetEndTime().AsTime().Equal(end) ||
				fixed.GetTotalRedemptionLimit() != 100 || fixed.GetPerCustomerLimit() != 1 || fixed.GetActive() {
				t.Errorf("created = %v, want an inactive fixed 5.00 EUR code with minimum, window and limits", fixed)
			}

			for _, req := range []*promotionv1.GetDiscountCodeRequest{
				{Lookup: &promotionv1.GetDiscountCodeRequest_Id{Id: fixed.GetId()}},
				{Lookup: &promotionv1.GetDiscountCodeRequest_Code{Code: strings.ToLower(fixed.GetCode())}},
			} {
				got, err := c.GetDiscountCode(ctx, req)
				if err != nil {
					t.Fatalf("GetDiscountCode(%v): %v", req, err)
				}
				if !proto.Equal(got.GetDiscountCode(), fixed) {
					t.Errorf("GetDiscountCode(%v) = %v, want %v", req, got.GetDiscountCode(), fixed)
				}
			}
		})
	}
}

func TestGetDiscountCode_Errors(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	c := staffClient(t, s, apptest.Protocols[0])
	tests := []struct {
		name string
		req  *promotionv1.GetDiscountCodeRequest
		want connect.Code
	}{
		{"neither set", &promotionv1.GetDiscountCodeRequest{}, connect.CodeInvalidArgument},
		{"malformed id", &promotionv1.GetDiscountCodeRequest{Lookup: &promotionv1.GetDiscountCodeRequest_Id{Id: "nope"}}, connect.CodeInvalidArgument},
		{"malformed code", &promotionv1.GetDiscountCodeRequest{Lookup: &promotionv1.GetDiscountCodeRequest_Code{Code: "a b"}}, connect.CodeInvalidArgument},
		{"unknown id", &promotionv1.GetDiscountCodeRequest{Lookup: &promotionv1.GetDiscountCodeRequest_Id{Id: "00000000-0000-4000-8000-000000000000"}}, connect.CodeNotFound},
		{"unknown code", &promotionv1.GetDiscountCodeRequest{Lookup: &promotionv1.GetDiscountCodeRequest_Code{Code: "nosuchcode"}}, connect.CodeNotFound},
	}
	for _, tt := range tests {
		_, err := c.GetDiscountCode(ctx, tt.req)
		if got := apptest.CodeOf(t, err); got != tt.want {
			t.Errorf("%s: code %v, want %v (%v)", tt.name, got, tt.want, err)
		}
	}
}

func TestCreateDiscountCode_DuplicateIsAlreadyExists(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	c := staffClient(t, s, apptest.Protocols[1])
	create(t, c, percentCode("WELCOME10"))
	_, err := c.CreateDiscountCode(ctx, percentCode("welcome10"))
	if got := apptest.CodeOf(t, err); got != connect.CodeAlreadyExists {
		t.Errorf("duplicate in other case: %v, want already_exists", err)
	}
}

func TestCreateDiscountCode_BadInputIsInvalidArgument(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	c := staffClient(t, s, apptest.Protocols[0])
	now := s.Clock.Now()
	fixed := func(r *promotionv1.CreateDiscountCodeRequest) {
		r.Kind, r.Percent, r.FixedAmount = promotionv1.DiscountKind_DISCOUNT_KIND_FIXED_AMOUNT, 0, eur(500)
	}
	tests := []struct {
		name  string
		edit  func(*promotionv1.CreateDiscountCodeRequest)
		field string
	}{
		{"empty code", func(r *promotionv1.CreateDiscountCodeRequest) { r.Code = "" }, "code"},
		{"short code", func(r *promotionv1.CreateDiscountCodeRequest) { r.Code = "AB" }, "code"},
		{"long code", func(r *promotionv1.CreateDiscountCodeRequest) { r.Code = strings.Repeat("A", 33) }, "code"},
		{"code with space", func(r *promotionv1.CreateDiscountCodeRequest) { r.Code = "SPRING SALE" }, "code"},
		{"code with umlaut", func(r *promotionv1.CreateDiscountCodeRequest) { r.Code = "GRÜN10" }, "code"},
		{"long description", func(r *promotionv1.CreateDiscountCodeRequest) { r.Description = strings.Repeat("x", 201) }, "description"},
		{"control character in description", func(r *promotionv1.CreateDiscountCodeRequest) { r.Description = "a\x00b" }, "description"},
		{"no kind", func(r *promotionv1.CreateDiscountCodeRequest) {
			r.Kind = promotionv1.DiscountKind_DISCOUNT_KIND_UNSPECIFIED
		}, "kind"},
		{"unknown kind", func(r *promotionv1.CreateDiscountCodeRequest) { r.Kind = 7 }, "kind"},
		{"percent zero", func(r *promotionv1.CreateDiscountCodeRequest) { r.Percent = 0 }, "percent"},
		{"percent 101", func(r *promotionv1.CreateDiscountCodeRequest) { r.Percent = 101 }, "percent"},
		{"percent negative", func(r *promotionv1.CreateDiscountCodeRequest) { r.Percent = -5 }, "percent"},
		{"percent with fixed amount", func(r *promotionv1.CreateDiscountCodeRequest) { r.FixedAmount = eur(100) }, "fixed_amount"},
		{"fixed without amount", func(r *promotionv1.CreateDiscountCodeRequest) { fixed(r); r.FixedAmount = nil }, "fixed_amount"},
		{"fixed with percent", func(r *promotionv1.CreateDiscountCodeRequest) { fixed(r); r.Percent = 10 }, "percent"},
		{"fixed amount zero", func(r *promotionv1.CreateDiscountCodeRequest) { fixed(r); r.FixedAmount = eur(0) }, "fixed_amount.amount_minor"},
		{"fixed amount negative", func(r *promotionv1.CreateDiscountCodeRequest) { fixed(r); r.FixedAmount = eur(-1) }, "fixed_amount.amount_minor"},
		{"fixed amount in USD", func(r *promotionv1.CreateDiscountCodeRequest) {
			fixed(r)
			r.FixedAmount.Currency = "USD"
		}, "fixed_amount.currency"},
		{"minimum in USD", func(r *promotionv1.CreateDiscountCodeRequest) {
			r.MinimumSubtotal = &commonv1.Money{AmountMinor: 100, Currency: "USD"}
		}, "minimum_subtotal.currency"},
		{"minimum negative", func(r *promotionv1.CreateDiscountCodeRequest) { r.MinimumSubtotal = eur(-1) }, "minimum_subtotal.amount_minor"},
		{"end before start", func(r *promotionv1.CreateDiscountCodeRequest) {
			r.StartTime, r.EndTime = timestamppb.New(now), timestamppb.New(now.Add(-time.Hour))
		}, "end_time"},
		{"end equal to start", func(r *promotionv1.CreateDiscountCodeRequest) {
			r.StartTime, r.EndTime = timestamppb.New(now), timestamppb.New(now)
		}, "end_time"},
		{"negative total limit", func(r *promotionv1.CreateDiscountCodeRequest) { r.TotalRedemptionLimit = -1 }, "total_redemption_limit"},
		{"negative per-customer limit", func(r *promotionv1.CreateDiscountCodeRequest) { r.PerCustomerLimit = -1 }, "per_customer_limit"},
		{"huge total limit", func(r *promotionv1.CreateDiscountCodeRequest) { r.TotalRedemptionLimit = 1_000_001 }, "total_redemption_limit"},
		{"huge per-customer limit", func(r *promotionv1.CreateDiscountCodeRequest) { r.PerCustomerLimit = 1_000_001 }, "per_customer_limit"},
	}
	for i, tt := range tests {
		req := percentCode(fmt.Sprintf("BAD%d", i))
		tt.edit(req)
		_, err := c.CreateDiscountCode(ctx, req)
		if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument {
			t.Errorf("%s: %v, want invalid_argument", tt.name, err)
			continue
		}
		if fields := violatedFields(err); !slices.Contains(fields, tt.field) {
			t.Errorf("%s: violations %v, want one for %s", tt.name, fields, tt.field)
		}
	}
	// JSON cannot even carry an invalid timestamp; binary protobuf can.
	req := percentCode("BADTIME")
	req.StartTime = &timestamppb.Timestamp{Seconds: 1, Nanos: -5}
	_, err := staffClient(t, s, apptest.Protocols[1]).CreateDiscountCode(ctx, req)
	if got := apptest.CodeOf(t, err); got != connect.CodeInvalidArgument || !slices.Contains(violatedFields(err), "start_time") {
		t.Errorf("invalid timestamp: %v, want invalid_argument for start_time", err)
	}
	// The limits themselves are fine.
	req = percentCode("EDGES")
	req.TotalRedemptionLimit, req.PerCustomerLimit, req.Percent, req.MinimumSubtotal = 1_000_000, 1_000_000, 100, eur(0)
	create(t, c, req)
}

func TestUpdateDiscountCode(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	c := staffClient(t, s, apptest.Protocols[2])
	orig := create(t, c, percentCode("AUTUMN"))
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

	// Only the masked field changes.
	res, err := c.UpdateDiscountCode(ctx, &promotionv1.UpdateDiscountCodeRequest{
		Id: orig.GetId(), ExpectedVersion: orig.GetVersion(), Description: "  Autumn sale ", Percent: 50,
		UpdateMask: mask("description"),
	})
	if err != nil {
		t.Fatalf("update description: %v", err)
	}
	got := res.GetDiscountCode()
	if got.GetDescription() != "Autumn sale" || got.GetPercent() != 10 || !got.GetActive() || got.GetVersion() != orig.GetVersion()+1 || got.GetCode() != "AUTUMN" {
		t.Errorf("after description update = %v, want only the description changed and version %d", got, orig.GetVersion()+1)
	}

	// Switching the kind drops the other kind's amount.
	res, err = c.UpdateDiscountCode(ctx, &promotionv1.UpdateDiscountCodeRequest{
		Id: orig.GetId(), ExpectedVersion: got.GetVersion(),
		Kind: promotionv1.DiscountKind_DISCOUNT_KIND_FIXED_AMOUNT, FixedAmount: eur(1500),
		UpdateMask: mask("kind", "fixed_amount"),
	})
	if err != nil {
		t.Fatalf("switch kind: %v", err)
	}
	got = res.GetDiscountCode()
	if got.GetKind() != promotionv1.DiscountKind_DISCOUNT_KIND_FIXED_AMOUNT || got.GetPercent() != 0 || !proto.Equal(got.GetFixedAmount(), eur(1500)) || got.GetDescription() != "Autumn sale" {
		t.Errorf("after kind switch = %v, want a fixed 15.00 EUR code", got)
	}

	// A stale version is aborted with the current one.
	_, err = c.UpdateDiscountCode(ctx, &promotionv1.UpdateDiscountCodeRequest{
		Id: orig.GetId(), ExpectedVersion: orig.GetVersion(), Description: "late", UpdateMask: mask("description"),
	})
	if code := apptest.CodeOf(t, err); code != connect.CodeAborted {
		t.Fatalf("stale update: %v, want aborted", err)
	}
	if vm := apptest.Detail[*commonv1.VersionMismatch](err); vm == nil || vm.GetEntity() != "discount_code" ||
		vm.GetCurrentVersion() != got.GetVersion() || vm.GetExpectedVersion() != orig.GetVersion() {
		t.Errorf("VersionMismatch = %v, want discount_code expected %d current %d", vm, orig.GetVersion(), got.GetVersion())
	}

	// An empty mask replaces every mutable field.
	start := s.Clock.Now().Truncate(time.Second)
	res, err = c.UpdateDiscountCode(ctx, &promotionv1.UpdateDiscountCodeRequest{
		Id: orig.GetId(), ExpectedVersion: got.GetVersion(),
		Kind: promotionv1.DiscountKind_DISCOUNT_KIND_PERCENT, Percent: 25,
		MinimumSubtotal: eur(2000), StartTime: timestamppb.New(start), EndTime: timestamppb.New(start.Add(time.Hour)),
		TotalRedemptionLimit: 3, PerCustomerLimit: 2,
	})
	if err != nil {
		t.Fatalf("full update: %v", err)
	}
	got = res.GetDiscountCode()
	if got.GetDescription() != "" || got.GetPercent() != 25 || got.GetFixedAmount() != nil || got.GetActive() ||
		!proto.Equal(got.GetMinimumSubtotal(), eur(2000)) || !got.GetStartTime().AsTime().Equal(start) ||
		got.GetTotalRedemptionLimit() != 3 || got.GetPerCustomerLimit() != 2 || got.GetCode() != "AUTUMN" {
		t.Errorf("after full update = %v, want every field replaced", got)
	}
	// Unsetting a masked field clears it.
	res, err = c.UpdateDiscountCode(ctx, &promotionv1.UpdateDiscountCodeRequest{
		Id: orig.GetId(), ExpectedVersion: got.GetVersion(), Active: true, UpdateMask: mask("end_time", "minimum_subtotal", "active"),
	})
	if err != nil {
		t.Fatalf("clear end_time: %v", err)
	}
	got = res.GetDiscountCode()
	if got.GetEndTime() != nil || got.GetMinimumSubtotal() != nil || !got.GetActive() || got.GetStartTime() == nil {
		t.Errorf("after clearing = %v, want no end, no minimum, active, start kept", got)
	}

	bad := []struct {
		name string
		req  *promotionv1.UpdateDiscountCodeRequest
		want connect.Code
	}{
		{"no expected_version", &promotionv1.UpdateDiscountCodeRequest{Id: orig.GetId(), UpdateMask: mask("description")}, connect.CodeInvalidArgument},
		{"malformed id", &promotionv1.UpdateDiscountCodeRequest{Id: "x", ExpectedVersion: 1, UpdateMask: mask("description")}, connect.CodeInvalidArgument},
		{"unknown path", &promotionv1.UpdateDiscountCodeRequest{Id: orig.GetId(), ExpectedVersion: got.GetVersion(), UpdateMask: mask("colour")}, connect.CodeInvalidArgument},
		{"code path", &promotionv1.UpdateDiscountCodeRequest{Id: orig.GetId(), ExpectedVersion: got.GetVersion(), UpdateMask: mask("code")}, connect.CodeInvalidArgument},
		{"empty mask without kind", &promotionv1.UpdateDiscountCodeRequest{Id: orig.GetId(), ExpectedVersion: got.GetVersion(), Percent: 5}, connect.CodeInvalidArgument},
		{"kind switch without amount", &promotionv1.UpdateDiscountCodeRequest{Id: orig.GetId(), ExpectedVersion: got.GetVersion(),
			Kind: promotionv1.DiscountKind_DISCOUNT_KIND_FIXED_AMOUNT, UpdateMask: mask("kind")}, connect.CodeInvalidArgument},
		{"fixed amount on a percent code", &promotionv1.UpdateDiscountCodeRequest{Id: orig.GetId(), ExpectedVersion: got.GetVersion(),
			FixedAmount: eur(100), UpdateMask: mask("fixed_amount")}, connect.CodeInvalidArgument},
		{"percent out of range", &promotionv1.UpdateDiscountCodeRequest{Id: orig.GetId(), ExpectedVersion: got.GetVersion(),
			Percent: 0, UpdateMask: mask("percent")}, connect.CodeInvalidArgument},
		{"end before the kept start", &promotionv1.UpdateDiscountCodeRequest{Id: orig.GetId(), ExpectedVersion: got.GetVersion(),
			EndTime: timestamppb.New(start.Add(-time.Minute)), UpdateMask: mask("end_time")}, connect.CodeInvalidArgument},
		{"negative limit", &promotionv1.UpdateDiscountCodeRequest{Id: orig.GetId(), ExpectedVersion: got.GetVersion(),
			TotalRedemptionLimit: -2, UpdateMask: mask("total_redemption_limit")}, connect.CodeInvalidArgument},
		{"long description", &promotionv1.UpdateDiscountCodeRequest{Id: orig.GetId(), ExpectedVersion: got.GetVersion(),
			Description: strings.Repeat("d", 201), UpdateMask: mask("description")}, connect.CodeInvalidArgument},
		{"unknown code", &promotionv1.UpdateDiscountCodeRequest{Id: "00000000-0000-4000-8000-000000000000", ExpectedVersion: 1,
			UpdateMask: mask("description")}, connect.CodeNotFound},
	}
	for _, tt := range bad {
		_, err := c.UpdateDiscountCode(ctx, tt.req)
		if code := apptest.CodeOf(t, err); code != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	// None of the failures changed anything.
	after, err := c.GetDiscountCode(ctx, &promotionv1.GetDiscountCodeRequest{Lookup: &promotionv1.GetDiscountCodeRequest_Id{Id: orig.GetId()}})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(after.GetDiscountCode(), got) {
		t.Errorf("after failed updates = %v, want unchanged %v", after.GetDiscountCode(), got)
	}
}

func TestDeactivateDiscountCode(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	c := staffClient(t, s, apptest.Protocols[1])
	dc := create(t, c, percentCode("WINTER"))

	_, err := c.DeactivateDiscountCode(ctx, &promotionv1.DeactivateDiscountCodeRequest{Id: dc.GetId(), ExpectedVersion: dc.GetVersion() + 5})
	if code := apptest.CodeOf(t, err); code != connect.CodeAborted {
		t.Errorf("stale deactivate: %v, want aborted", err)
	} else if vm := apptest.Detail[*commonv1.VersionMismatch](err); vm.GetCurrentVersion() != dc.GetVersion() {
		t.Errorf("VersionMismatch = %v, want current version %d", vm, dc.GetVersion())
	}

	res, err := c.DeactivateDiscountCode(ctx, &promotionv1.DeactivateDiscountCodeRequest{Id: dc.GetId(), ExpectedVersion: dc.GetVersion()})
	if err != nil {
		t.Fatalf("deactivate: %v", err)
	}
	off := res.GetDiscountCode()
	if off.GetActive() || off.GetVersion() != dc.GetVersion()+1 {
		t.Errorf("deactivated = %v, want inactive at version %d", off, dc.GetVersion()+1)
	}
	// Again, with the version the first call was sent with: unchanged.
	res, err = c.DeactivateDiscountCode(ctx, &promotionv1.DeactivateDiscountCodeRequest{Id: dc.GetId(), ExpectedVersion: dc.GetVersion()})
	if err != nil {
		t.Fatalf("deactivate again: %v", err)
	}
	if !proto.Equal(res.GetDiscountCode(), off) {
		t.Errorf("deactivated twice = %v, want unchanged %v", res.GetDiscountCode(), off)
	}

	for _, tt := range []struct {
		name string
		req  *promotionv1.DeactivateDiscountCodeRequest
		want connect.Code
	}{
		{"malformed id", &promotionv1.DeactivateDiscountCodeRequest{Id: "x", ExpectedVersion: 1}, connect.CodeInvalidArgument},
		{"no version", &promotionv1.DeactivateDiscountCodeRequest{Id: dc.GetId()}, connect.CodeInvalidArgument},
		{"unknown", &promotionv1.DeactivateDiscountCodeRequest{Id: "00000000-0000-4000-8000-000000000000", ExpectedVersion: 1}, connect.CodeNotFound},
	} {
		_, err := c.DeactivateDiscountCode(ctx, tt.req)
		if code := apptest.CodeOf(t, err); code != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestListDiscountCodes_PagingAndFilters(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	c := staffClient(t, s, apptest.Protocols[0])
	// Created oldest first, a second apart; "A_B" must not match "AXB" (the
	// underscore is literal, not a wildcard).
	names := []string{"SUMMER1", "SUMMER2", "AXB01", "A_B01", "SUMMER3", "BLACK-FRIDAY", "summer4"}
	inactive := map[string]bool{"SUMMER2": true, "BLACK-FRIDAY": true}
	var newestFirst []string
	for _, n := range names {
		req := percentCode(n)
		req.Active = !inactive[n]
		create(t, c, req)
		newestFirst = append([]string{strings.ToUpper(n)}, newestFirst...)
		s.Clock.Advance(time.Second)
	}
	// Two codes of the same instant: the tie is broken by id, never lost.
	create(t, c, percentCode("SAME-A"))
	create(t, c, percentCode("SAME-B"))

	walk := func(req *promotionv1.ListDiscountCodesRequest) []string {
		t.Helper()
		var out []string
		for pages := 0; ; pages++ {
			if pages > 20 {
				t.Fatal("paging does not end")
			}
			res, err := c.ListDiscountCodes(ctx, req)
			if err != nil {
				t.Fatalf("ListDiscountCodes(%v): %v", req, err)
			}
			if n := len(res.GetDiscountCodes()); req.GetPageSize() > 0 && n > int(req.GetPageSize()) {
				t.Fatalf("page of %d codes, page_size %d", n, req.GetPageSize())
			}
			for _, dc := range res.GetDiscountCodes() {
				out = append(out, dc.GetCode())
			}
			if res.GetNextPageToken() == "" {
				return out
			}
			req = proto.CloneOf(req)
			req.PageToken = res.GetNextPageToken()
		}
	}

	all := walk(&promotionv1.ListDiscountCodesRequest{PageSize: 3})
	if len(all) != len(names)+2 || !slices.Equal(all[2:], newestFirst) ||
		!(slices.Contains(all[:2], "SAME-A") && slices.Contains(all[:2], "SAME-B")) {
		t.Errorf("all codes by pages of 3 = %v, want SAME-A/B then %v", all, newestFirst)
	}
	if got := walk(&promotionv1.ListDiscountCodesRequest{}); !slices.Equal(got, all) {
		t.Errorf("one default page = %v, want %v", got, all)
	}
	if got := walk(&promotionv1.ListDiscountCodesRequest{PageSize: 1, CodePrefix: "summer"}); !slices.Equal(got, []string{"SUMMER4", "SUMMER3", "SUMMER2", "SUMMER1"}) {
		t.Errorf("prefix summer = %v", got)
	}
	if got := walk(&promotionv1.ListDiscountCodesRequest{PageSize: 2, CodePrefix: "summer", ActiveOnly: true}); !slices.Equal(got, []string{"SUMMER4", "SUMMER3", "SUMMER1"}) {
		t.Errorf("active prefix summer = %v", got)
	}
	if got := walk(&promotionv1.ListDiscountCodesRequest{CodePrefix: "a_"}); !slices.Equal(got, []string{"A_B01"}) {
		t.Errorf("prefix a_ = %v, want only A_B01", got)
	}
	if got := walk(&promotionv1.ListDiscountCodesRequest{ActiveOnly: true, PageSize: 1000}); len(got) != len(all)-2 || slices.Contains(got, "BLACK-FRIDAY") {
		t.Errorf("active only = %v, want all but the two inactive", got)
	}
	res, err := c.ListDiscountCodes(ctx, &promotionv1.ListDiscountCodesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, dc := range res.GetDiscountCodes() {
		if dc.GetRedemptionCount() != 0 || dc.GetVersion() != 1 {
			t.Errorf("listed %v, want redemption count 0 and version 1", dc)
		}
	}

	first, err := c.ListDiscountCodes(ctx, &promotionv1.ListDiscountCodesRequest{PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		req  *promotionv1.ListDiscountCodesRequest
	}{
		{"negative page size", &promotionv1.ListDiscountCodesRequest{PageSize: -1}},
		{"garbage token", &promotionv1.ListDiscountCodesRequest{PageToken: "not a token"}},
		{"token of another filter", &promotionv1.ListDiscountCodesRequest{PageToken: first.GetNextPageToken(), ActiveOnly: true}},
		{"token of another prefix", &promotionv1.ListDiscountCodesRequest{PageToken: first.GetNextPageToken(), CodePrefix: "S"}},
		{"prefix with space", &promotionv1.ListDiscountCodesRequest{CodePrefix: "A B"}},
		{"prefix too long", &promotionv1.ListDiscountCodesRequest{CodePrefix: strings.Repeat("A", 33)}},
	} {
		_, err := c.ListDiscountCodes(ctx, tt.req)
		if code := apptest.CodeOf(t, err); code != connect.CodeInvalidArgument {
			t.Errorf("%s: %v, want invalid_argument", tt.name, err)
		}
	}
}

func TestPromotionService_CustomersAreDenied(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	tok := s.CreateUser(t, auth.RoleCustomer).Token
	c := apptest.NewClient(s, apptest.Protocols[0], promotionv1connect.NewPromotionServiceClient, apptest.WithToken(tok))
	_, err := c.CreateDiscountCode(ctx, percentCode("SNEAKY"))
	if code := apptest.CodeOf(t, err); code != connect.CodePermissionDenied {
		t.Errorf("customer create: %v, want permission_denied", err)
	}
}

// newCode creates a code through the domain service.
func newCode(t *testing.T, s *apptest.Server, code string, r promotion.Rules) promotion.DiscountCode {
	t.Helper()
	dc, err := s.App.Promotion.Create(ctx, code, r)
	if err != nil {
		t.Fatalf("create %s: %v", code, err)
	}
	return dc
}

// redeem counts one use in a transaction of its own, as checkout would.
func redeem(s *apptest.Server, codeID, customerID string, amount int64) error {
	return db.InTx(ctx, s.App.Pool, db.TxOptions{}, func(tx pgx.Tx) error {
		return s.App.Promotion.Redeem(ctx, tx, codeID, customerID, "", amount)
	})
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	svc := s.App.Promotion
	pool := s.App.Pool
	now := s.Clock.Now()
	customer := s.CreateUser(t, auth.RoleCustomer).ID
	start, end := now.Add(-time.Hour), now.Add(time.Hour)

	newCode(t, s, "PCT15", promotion.Rules{Description: "15 %", Kind: promotion.KindPercent, Percent: 15, Active: true})
	newCode(t, s, "FIX20", promotion.Rules{Kind: promotion.KindFixed, FixedAmountMinor: 2000, Active: true, StartsAt: &start, EndsAt: &end})
	newCode(t, s, "MIN50", promotion.Rules{Kind: promotion.KindPercent, Percent: 5, MinimumSubtotalMinor: 5000, Active: true})
	newCode(t, s, "OFF", promotion.Rules{Kind: promotion.KindPercent, Percent: 5})

	t.Run("maths", func(t *testing.T) {
		for _, tt := range []struct {
			code     string
			subtotal int64
			want     int64
		}{
			{"pct15", 999, 149}, {"PCT15", 100000, 15000}, {" Pct15 ", 0, 0},
			{"FIX20", 5000, 2000}, {"fix20", 1500, 1500},
			{"MIN50", 5000, 250},
		} {
			a, err := svc.Evaluate(ctx, pool, tt.code, customer, tt.subtotal, now)
			if err != nil {
				t.Errorf("Evaluate(%q, %d): %v", tt.code, tt.subtotal, err)
				continue
			}
			if a.DiscountMinor != tt.want || a.Code != strings.ToUpper(strings.TrimSpace(tt.code)) || a.CodeID == "" || a.Currency != "EUR" {
				t.Errorf("Evaluate(%q, %d) = %+v, want discount %d", tt.code, tt.subtotal, a, tt.want)
			}
		}
		a, _ := svc.Evaluate(ctx, pool, "PCT15", customer, 100, now)
		if a.Description != "15 %" {
			t.Errorf("description = %q, want 15 %%", a.Description)
		}
	})

	t.Run("not valid", func(t *testing.T) {
		for _, tt := range []struct {
			name, code string
			at         time.Time
		}{
			{"unknown", "NOPE", now},
			{"malformed", "no such code!", now},
			{"inactive", "OFF", now},
			{"before start", "FIX20", start.Add(-time.Microsecond)},
			{"at end", "FIX20", end},
			{"after end", "FIX20", end.Add(time.Hour)},
		} {
			if _, err := svc.Evaluate(ctx, pool, tt.code, customer, 10000, tt.at); !errors.Is(err, promotion.ErrCodeNotValid) {
				t.Errorf("%s: Evaluate = %v, want ErrCodeNotValid", tt.name, err)
			}
		}
		if _, err := svc.Evaluate(ctx, pool, "FIX20", customer, 10000, start); err != nil {
			t.Errorf("at start: %v, want valid (start is inclusive)", err)
		}
	})

	t.Run("minimum", func(t *testing.T) {
		_, err := svc.Evaluate(ctx, pool, "MIN50", customer, 4999, now)
		var mn *promotion.MinimumNotMetError
		if !errors.Is(err, promotion.ErrMinimumNotMet) || !errors.As(err, &mn) || mn.MinimumMinor != 5000 || mn.Currency != "EUR" {
			t.Errorf("below minimum: %v, want MinimumNotMetError with 5000 EUR", err)
		}
	})
}

func TestEvaluateRedeem_Limits(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	svc := s.App.Promotion
	pool := s.App.Pool
	now := s.Clock.Now()
	ann, ben, cleo := s.CreateUser(t, auth.RoleCustomer).ID, s.CreateUser(t, auth.RoleCustomer).ID, s.CreateUser(t, auth.RoleCustomer).ID

	once := newCode(t, s, "ONCE-EACH", promotion.Rules{Kind: promotion.KindFixed, FixedAmountMinor: 500, Active: true, PerCustomerLimit: 1, TotalLimit: 2})
	if _, err := svc.Evaluate(ctx, pool, "ONCE-EACH", ann, 1000, now); err != nil {
		t.Fatalf("first evaluate: %v", err)
	}
	if err := redeem(s, once.ID, ann, 500); err != nil {
		t.Fatalf("first redeem: %v", err)
	}
	if _, err := svc.Evaluate(ctx, pool, "ONCE-EACH", ann, 1000, now); !errors.Is(err, promotion.ErrCustomerLimitReached) {
		t.Errorf("evaluate after own use: %v, want ErrCustomerLimitReached", err)
	}
	if err := redeem(s, once.ID, ann, 500); !errors.Is(err, promotion.ErrCustomerLimitReached) {
		t.Errorf("redeem again: %v, want ErrCustomerLimitReached", err)
	}
	if err := redeem(s, once.ID, ben, 500); err != nil {
		t.Fatalf("ben redeems: %v", err)
	}
	// Two of two used: nobody else, and the reason is not told apart.
	if _, err := svc.Evaluate(ctx, pool, "ONCE-EACH", cleo, 1000, now); !errors.Is(err, promotion.ErrCodeNotValid) {
		t.Errorf("evaluate used-up code: %v, want ErrCodeNotValid", err)
	}
	if err := redeem(s, once.ID, cleo, 500); !errors.Is(err, promotion.ErrCodeNotValid) {
		t.Errorf("redeem used-up code: %v, want ErrCodeNotValid", err)
	}
	got, err := svc.Get(ctx, promotion.Lookup{ID: once.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got.RedemptionCount != 2 || got.Version != once.Version {
		t.Errorf("after redemptions: count %d version %d, want count 2 and the version unchanged (%d)", got.RedemptionCount, got.Version, once.Version)
	}
	var rows int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM discount_redemptions WHERE code_id = $1 AND order_id IS NULL", once.ID).Scan(&rows); err != nil || rows != 2 {
		t.Errorf("redemption rows = %d (%v), want 2", rows, err)
	}

	// Redeem re-checks what Evaluate saw: a code switched off or expired
	// in between is refused.
	gone := newCode(t, s, "GONE", promotion.Rules{Kind: promotion.KindPercent, Percent: 10, Active: true})
	if _, err := svc.Deactivate(ctx, gone.ID, gone.Version); err != nil {
		t.Fatal(err)
	}
	if err := redeem(s, gone.ID, ann, 100); !errors.Is(err, promotion.ErrCodeNotValid) {
		t.Errorf("redeem inactive: %v, want ErrCodeNotValid", err)
	}
	end := now.Add(time.Minute)
	expiring := newCode(t, s, "EXPIRING", promotion.Rules{Kind: promotion.KindPercent, Percent: 10, Active: true, EndsAt: &end})
	s.Clock.Advance(2 * time.Minute)
	if err := redeem(s, expiring.ID, ann, 100); !errors.Is(err, promotion.ErrCodeNotValid) {
		t.Errorf("redeem expired: %v, want ErrCodeNotValid", err)
	}
	if err := redeem(s, "not-a-uuid", ann, 100); !errors.Is(err, promotion.ErrCodeNotValid) {
		t.Errorf("redeem malformed id: %v, want ErrCodeNotValid", err)
	}
}

func TestRedeem_RaceForTheLastUse(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	dc := newCode(t, s, "LAST-ONE", promotion.Rules{Kind: promotion.KindPercent, Percent: 50, Active: true, TotalLimit: 1})
	const racers = 20
	customers := make([]string, racers)
	for i := range customers {
		customers[i] = s.CreateUser(t, auth.RoleCustomer).ID
	}
	errs := make([]error, racers)
	var wg sync.WaitGroup
	startLine := make(chan struct{})
	for i := range racers {
		wg.Go(func() {
			<-startLine
			errs[i] = redeem(s, dc.ID, customers[i], 100)
		})
	}
	close(startLine)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, promotion.ErrCodeNotValid):
			t.Errorf("racer %d: %v, want success or ErrCodeNotValid", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d redemptions succeeded, want exactly 1", won)
	}
	got, err := s.App.Promotion.Get(ctx, promotion.Lookup{ID: dc.ID})
	if err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := s.App.Pool.QueryRow(ctx, "SELECT count(*) FROM discount_redemptions WHERE code_id = $1", dc.ID).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if got.RedemptionCount != 1 || rows != 1 {
		t.Errorf("redemption_count %d, rows %d; want 1 and 1", got.RedemptionCount, rows)
	}
}

// violatedFields lists the fields of an invalid_argument error's BadRequest.
func violatedFields(err error) []string {
	var out []string
	for _, v := range apptest.Detail[*commonv1.BadRequest](err).GetFieldViolations() {
		out = append(out, v.GetField())
	}
	return out
}
