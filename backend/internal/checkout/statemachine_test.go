package checkout

import "testing"

func TestCanTransition(t *testing.T) {
	cases := []struct {
		from, to Status
		actor    ActorKind
		want     bool
	}{
		{StatusPendingPayment, StatusPaid, ActorProvider, true},
		{StatusPendingPayment, StatusPaid, ActorCustomer, false},
		{StatusPendingPayment, StatusPaid, ActorStaff, false},
		{StatusPendingPayment, StatusCancelled, ActorCustomer, true},
		{StatusPendingPayment, StatusCancelled, ActorSystem, true},
		{StatusPendingPayment, StatusProcessing, ActorStaff, false},
		{StatusPaid, StatusProcessing, ActorStaff, true},
		{StatusPaid, StatusCancelled, ActorCustomer, true},
		{StatusProcessing, StatusShipped, ActorStaff, true},
		{StatusProcessing, StatusShipped, ActorCustomer, false},
		{StatusProcessing, StatusCancelled, ActorCustomer, true},
		{StatusShipped, StatusCancelled, ActorCustomer, false},
		{StatusShipped, StatusCancelled, ActorStaff, false},
		{StatusShipped, StatusDelivered, ActorStaff, true},
		{StatusDelivered, StatusCancelled, ActorStaff, false},
		{StatusDelivered, StatusShipped, ActorStaff, false},
		{StatusCancelled, StatusProcessing, ActorStaff, false},
		{StatusProcessing, StatusDelivered, ActorStaff, false},
	}
	for _, c := range cases {
		if got := CanTransition(c.from, c.to, c.actor); got != c.want {
			t.Errorf("CanTransition(%s -> %s by %s) = %v, want %v", c.from, c.to, c.actor, got, c.want)
		}
	}
}

func TestShippingFor(t *testing.T) {
	for total, want := range map[int64]int64{0: ShippingFeeMinor, 9999: ShippingFeeMinor, 10000: 0, 500000: 0} {
		if got := ShippingFor(total); got != want {
			t.Errorf("ShippingFor(%d) = %d, want %d", total, got, want)
		}
	}
}
