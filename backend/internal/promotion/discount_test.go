package promotion

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestDiscountMinor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		kind     Kind
		percent  int
		fixed    int64
		subtotal int64
		want     int64
	}{
		{"percent exact", KindPercent, 10, 0, 10000, 1000},
		{"percent rounds down", KindPercent, 15, 0, 999, 149}, // 149.85
		{"percent rounds down below one cent", KindPercent, 1, 0, 99, 0},
		{"percent of one cent", KindPercent, 50, 0, 1, 0},
		{"percent hundred is everything", KindPercent, 100, 0, 12345, 12345},
		{"percent 33 of 100.01", KindPercent, 33, 0, 10001, 3300}, // 3300.33
		{"percent huge subtotal does not overflow", KindPercent, 100, 0, math.MaxInt64, math.MaxInt64},
		{"percent zero subtotal", KindPercent, 20, 0, 0, 0},
		{"percent negative subtotal", KindPercent, 20, 0, -500, 0},
		{"percent out of range is capped", KindPercent, 150, 0, 1000, 1000},
		{"percent zero", KindPercent, 0, 0, 1000, 0},
		{"fixed below subtotal", KindFixed, 0, 500, 1999, 500},
		{"fixed equal to subtotal", KindFixed, 0, 1999, 1999, 1999},
		{"fixed capped at subtotal", KindFixed, 0, 5000, 1999, 1999},
		{"fixed zero subtotal", KindFixed, 0, 500, 0, 0},
		{"fixed negative amount", KindFixed, 0, -5, 100, 0},
		{"unknown kind", Kind("bogus"), 10, 10, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := DiscountMinor(tt.kind, tt.percent, tt.fixed, tt.subtotal); got != tt.want {
				t.Errorf("DiscountMinor(%s, %d, %d, %d) = %d, want %d", tt.kind, tt.percent, tt.fixed, tt.subtotal, got, tt.want)
			}
		})
	}
}

func TestDiscountMinor_PercentMatchesExactArithmetic(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		subtotal := rng.Int64N(math.MaxInt64)
		if rng.IntN(2) == 0 {
			subtotal = rng.Int64N(1_000_000)
		}
		percent := 1 + rng.IntN(100)
		want := new(big.Int).Mul(big.NewInt(subtotal), big.NewInt(int64(percent)))
		want.Quo(want, big.NewInt(100))
		if got := DiscountMinor(KindPercent, percent, 0, subtotal); got != want.Int64() {
			t.Fatalf("DiscountMinor(percent %d, subtotal %d) = %d, want %s", percent, subtotal, got, want)
		}
	}
}

func TestRulesCheck(t *testing.T) {
	t.Parallel()
	ok := Rules{Kind: KindPercent, Percent: 10}
	if p := ok.Check(); len(p) != 0 {
		t.Fatalf("Check(valid) = %v, want none", p)
	}
	tests := []struct {
		name  string
		edit  func(*Rules)
		field string
	}{
		{"no kind", func(r *Rules) { r.Kind = "" }, "kind"},
		{"percent zero", func(r *Rules) { r.Percent = 0 }, "percent"},
		{"percent 101", func(r *Rules) { r.Percent = 101 }, "percent"},
		{"percent with fixed", func(r *Rules) { r.FixedAmountMinor = 5 }, "fixed_amount"},
		{"fixed without amount", func(r *Rules) { r.Kind, r.Percent = KindFixed, 0 }, "fixed_amount"},
		{"fixed with percent", func(r *Rules) { r.Kind, r.FixedAmountMinor = KindFixed, 100 }, "percent"},
		{"negative minimum", func(r *Rules) { r.MinimumSubtotalMinor = -1 }, "minimum_subtotal.amount_minor"},
		{"negative total limit", func(r *Rules) { r.TotalLimit = -1 }, "total_redemption_limit"},
		{"huge per-customer limit", func(r *Rules) { r.PerCustomerLimit = MaxLimit + 1 }, "per_customer_limit"},
	}
	for _, tt := range tests {
		r := ok
		tt.edit(&r)
		p := r.Check()
		if len(p) != 1 || p[0].Field != tt.field {
			t.Errorf("%s: Check = %v, want one problem with %s", tt.name, p, tt.field)
		}
	}
}

func TestApply_KindSwitchDropsOtherAmount(t *testing.T) {
	t.Parallel()
	cur := Rules{Kind: KindPercent, Percent: 10, Description: "ten"}
	got := apply(cur, Rules{Kind: KindFixed, FixedAmountMinor: 500}, []Field{FieldKind, FieldFixedAmount})
	if got.Kind != KindFixed || got.Percent != 0 || got.FixedAmountMinor != 500 || got.Description != "ten" {
		t.Errorf("apply = %+v, want a fixed 500 code keeping its description", got)
	}
	if p := got.Check(); len(p) != 0 {
		t.Errorf("Check after switch = %v, want none", p)
	}
	// Naming an amount that contradicts the kind stays an error.
	got = apply(cur, Rules{Kind: KindFixed, FixedAmountMinor: 500, Percent: 5}, []Field{FieldKind, FieldFixedAmount, FieldPercent})
	if p := got.Check(); len(p) != 1 || p[0].Field != "percent" {
		t.Errorf("Check = %v, want percent rejected", p)
	}
}
