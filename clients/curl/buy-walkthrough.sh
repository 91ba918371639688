#!/usr/bin/env bash
# buy-walkthrough.sh - a customer's way from search to a paid card order,
# with the order followed live over a Connect server stream, all in curl:
#
#   1 log in (a demo customer)        5 pay it (PayOrder, stripe-mock)
#   2 search and add to the cart      6 the payment provider's signed webhook
#   3 staff create a discount code;   7 watch the order live while staff
#     the customer applies it           ship it (WatchOrder, streamed)
#   4 place a card order (idempotent, retried once)
#
# Needs a seeded catalogue with the demo accounts (`just up` seeds one) and
# the webhook secret the server uses (PARTSBIN_STRIPE_WEBHOOK_SECRET, from
# .stack/env). Usage: bash clients/curl/buy-walkthrough.sh
# Env: PARTSBIN_BASE_URL (default http://127.0.0.1:8080),
#      PARTSBIN_STRIPE_WEBHOOK_SECRET (required).
# Needs: bash, curl, jq, openssl, xxd. Exit 0 when every step passed.
set -Eeuo pipefail

BASE_URL="${PARTSBIN_BASE_URL:-http://127.0.0.1:8080}"
BASE_URL="${BASE_URL%/}"
for tool in curl jq openssl xxd; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "buy walkthrough: needs ${tool} on PATH" >&2
		exit 2
	}
done
[[ -n "${PARTSBIN_STRIPE_WEBHOOK_SECRET:-}" ]] || {
	echo "buy walkthrough: set PARTSBIN_STRIPE_WEBHOOK_SECRET (. .stack/env)" >&2
	exit 2
}

WALK_NAME="buy walkthrough"
TOTAL=7
RPC_BASE="$BASE_URL"
# shellcheck source=clients/curl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

AUTH=partsbin.auth.v1.AuthService
CAT=partsbin.catalog.v1.CatalogService
CART=partsbin.cart.v1.CartService
PROMO=partsbin.promotion.v1.PromotionService
CO=partsbin.checkout.v1.CheckoutService
STAFF=partsbin.staff.v1.StaffService
PASSWORD="partsbin-demo-password"

echo "partsbin buy walkthrough against ${BASE_URL}"

step 1 "Log in as a demo customer (and a demo staff member)"
rpc "$AUTH/Login" "{\"email\":\"customer4@partsbin.localhost\",\"password\":\"${PASSWORD}\"}" >/dev/null
expect_status 200
TOKEN="$(json .session.token)"
rpc "$AUTH/Login" "{\"email\":\"staff1@partsbin.localhost\",\"password\":\"${PASSWORD}\"}" >/dev/null
expect_status 200
STAFF_TOKEN="$(json .session.token)"
# Start from an empty cart.
rpc "$CART/GetCart" '{}' "$TOKEN" >/dev/null
for pid in $(json '[.cart.lines[]?.productId] | join(" ")'); do
	rpc "$CART/RemoveItem" "{\"productId\":\"${pid}\"}" "$TOKEN" >/dev/null
done
rpc "$CART/RemoveDiscountCode" '{}' "$TOKEN" >/dev/null
pass

step 2 "Search, and put two units in the cart"
rpc "$CAT/SearchProducts" '{"query":"samsung 990 pro","inStockOnly":true,"pageSize":1}'
expect_status 200
PRODUCT="$(json '.products[0].id')"
[[ -n "$PRODUCT" ]] || fail "no product found"
rpc "$CART/AddItem" "{\"productId\":\"${PRODUCT}\",\"quantity\":2}" "$TOKEN"
expect_status 200
SUBTOTAL="$(json '.cart.subtotal.amountMinor')"
pass

step 3 "Staff create a discount code, the customer applies it"
CODE="WALK-$(head -c 3 /dev/urandom | xxd -p | tr a-f A-F)"
rpc "$PROMO/CreateDiscountCode" "{\"code\":\"${CODE}\",\"description\":\"5% off\",\"kind\":\"DISCOUNT_KIND_PERCENT\",\"percent\":5,\"active\":true}" "$STAFF_TOKEN" >/dev/null
expect_status 200
rpc "$CART/ApplyDiscountCode" "{\"code\":\"${CODE,,}\"}" "$TOKEN"
expect_status 200
[[ "$(json '.cart.discount.amountMinor')" == "$((SUBTOTAL * 5 / 100))" ]] || fail "want 5% of ${SUBTOTAL} off"
pass

step 4 "Place a card order; a retry with the same key returns the same order"
KEY="walk-$(head -c 12 /dev/urandom | xxd -p)"
ORDER_BODY='{"shippingAddress":{"recipient":"Ada Lovelace","line1":"Hauptstr. 1","city":"Berlin","postalCode":"10115","countryCode":"DE"},"paymentMethod":"PAYMENT_METHOD_CARD"}'
curl_shown -X POST "${BASE_URL}/${CO}/PlaceOrder" -H 'Content-Type: application/json' -H "Authorization: Bearer ${TOKEN}" \
	-H "Idempotency-Key: ${KEY}" -d "$ORDER_BODY" >/dev/null
expect_status 200
ORDER="$(json .order.id)"
[[ "$(json .order.status)" == ORDER_STATUS_PENDING_PAYMENT ]] || fail "want PENDING_PAYMENT"
run_curl -X POST "${BASE_URL}/${CO}/PlaceOrder" -H 'Content-Type: application/json' -H "Authorization: Bearer ${TOKEN}" \
	-H "Idempotency-Key: ${KEY}" -d "$ORDER_BODY"
[[ "$(json .order.id)" == "$ORDER" ]] || fail "the retry made another order"
echo "retry with the same key: same order ${ORDER}"
pass

step 5 "Pay with a card (the payment provider is stripe-mock locally)"
rpc "$CO/PayOrder" "{\"orderId\":\"${ORDER}\",\"paymentMethodId\":\"pm_card_visa\",\"idempotencyKey\":\"pay-${KEY}\"}" "$TOKEN" >/dev/null
expect_status 200
PI="$(json .payment.providerPaymentId)"
[[ "$PI" == pi_* ]] || fail "want a PaymentIntent id"
jq -c '.payment | {providerPaymentId, status, amount}' <<<"$RESPONSE"
pass

step 6 "The provider's signed webhook confirms the payment"
EVENT="{\"id\":\"evt_walk_${KEY}\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\",\"api_version\":\"2025-01-01\",\"data\":{\"object\":{\"id\":\"${PI}\",\"object\":\"payment_intent\",\"status\":\"succeeded\",\"metadata\":{\"order_id\":\"${ORDER}\"}}}}"
TS="$(date +%s)"
SIG="$(printf '%s.%s' "$TS" "$EVENT" | openssl dgst -sha256 -hmac "$PARTSBIN_STRIPE_WEBHOOK_SECRET" -r | cut -d' ' -f1)"
curl_shown -X POST "${BASE_URL}/webhooks/stripe" -H "Stripe-Signature: t=${TS},v1=${SIG}" -d "$EVENT"
expect_status 200
rpc "$CO/GetOrder" "{\"orderId\":\"${ORDER}\"}" "$TOKEN" >/dev/null
[[ "$(json .order.status)" == ORDER_STATUS_PAID ]] || fail "want PAID after the webhook, got $(json .order.status)"
pass

step 7 "Watch the order live while staff ship it (Connect server stream)"
# A Connect stream request is one enveloped message: a flags byte, a
# 4-byte big-endian length, then the JSON.
BODY="{\"orderId\":\"${ORDER}\"}"
echo "\$ { printf '\\x00'; printf '%08x' \${#BODY} | xxd -r -p; printf '%s' \"\$BODY\"; } | curl -sS -N --max-time 4 -X POST ${BASE_URL}/${CO}/WatchOrder -H 'Content-Type: application/connect+json' -H 'Authorization: Bearer …' --data-binary @-"
STREAM="$(mktemp)"
{
	printf '\x00'
	printf '%08x' "${#BODY}" | xxd -r -p
	printf '%s' "$BODY"
} | curl -sS -N --max-time 4 -X POST "${BASE_URL}/${CO}/WatchOrder" -H 'Content-Type: application/connect+json' \
	-H "Authorization: Bearer ${TOKEN}" --data-binary @- >"$STREAM" 2>/dev/null &
CURL_PID=$!
sleep 1
rpc "$CO/GetOrder" "{\"orderId\":\"${ORDER}\"}" "$TOKEN" >/dev/null
VERSION="$(json .order.version)"
rpc "$STAFF/UpdateOrderStatus" "{\"orderId\":\"${ORDER}\",\"status\":\"ORDER_STATUS_PROCESSING\",\"expectedVersion\":\"${VERSION}\"}" "$STAFF_TOKEN" >/dev/null
expect_status 200
VERSION="$(json .order.version)"
rpc "$STAFF/UpdateOrderStatus" "{\"orderId\":\"${ORDER}\",\"status\":\"ORDER_STATUS_SHIPPED\",\"expectedVersion\":\"${VERSION}\",\"trackingNumber\":\"1Z999AA10123456784\",\"carrier\":\"UPS\"}" "$STAFF_TOKEN" >/dev/null
expect_status 200
wait "$CURL_PID" || true
# The frames' JSON, one per line (envelope bytes stripped).
FRAMES="$(tr -c '[:print:]' '\n' <"$STREAM" | grep -o '{.*}' || true)"
rm -f "$STREAM"
printf '%s\n' "$FRAMES" | jq -c 'if .snapshot then {snapshot: {status: .snapshot.order.status, lastEventSequence: .snapshot.lastEventSequence}} elif .event then {event: {sequence: .event.sequence, to: .event.toStatus, trackingNumber: .event.trackingNumber}} else . end' 2>/dev/null || printf '%s\n' "$FRAMES"
grep -q '"snapshot"' <<<"$FRAMES" || fail "the stream sent no snapshot"
grep -q 'ORDER_STATUS_SHIPPED' <<<"$FRAMES" || fail "the stream did not show the shipment"
pass

printf '\n%s: %s passed, 0 failed\n' "$WALK_NAME" "$PASSED"
