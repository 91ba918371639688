package promotion

// DiscountMinor is what a code takes off a subtotal, in minor units: a
// percentage rounded down to the minor unit, or a fixed amount capped at
// the subtotal. It is never negative and never more than the subtotal.
func DiscountMinor(kind Kind, percent int, fixedMinor, subtotalMinor int64) int64 {
	if subtotalMinor <= 0 {
		return 0
	}
	switch kind {
	case KindPercent:
		if percent <= 0 {
			return 0
		}
		p := int64(min(percent, 100))
		// Split the subtotal so subtotal*percent cannot overflow; for a
		// non-negative subtotal this is exactly floor(subtotal*p/100).
		return subtotalMinor/100*p + subtotalMinor%100*p/100
	case KindFixed:
		return max(0, min(fixedMinor, subtotalMinor))
	}
	return 0
}
