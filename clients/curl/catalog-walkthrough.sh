#!/usr/bin/env bash
# catalog-walkthrough.sh - the README's catalogue calls, driven with plain
# curl over Connect's JSON protocol and checked step by step:
#
#   1 ListCategories               5 a token from another query is refused
#   2 free text with a typo        6 GetProduct by slug, and its image
#   3 filtered and faceted search  7 bad input: clear errors, never internal
#   4 the next page
#
# Needs a seeded catalogue (`just up` seeds one; `partsbin seed`).
# Usage:   bash clients/curl/catalog-walkthrough.sh
# Env:     PARTSBIN_BASE_URL (default http://127.0.0.1:8080)
# Needs:   bash, curl, jq. Exit 0 when every step passed, 1 otherwise.
set -Eeuo pipefail

BASE_URL="${PARTSBIN_BASE_URL:-http://127.0.0.1:8080}"
BASE_URL="${BASE_URL%/}"
for tool in curl jq; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "catalog walkthrough: needs ${tool} on PATH" >&2
		exit 2
	}
done

WALK_NAME="catalog walkthrough"
TOTAL=7
RPC_BASE="${BASE_URL}/partsbin.catalog.v1.CatalogService"
# shellcheck source=clients/curl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

echo "partsbin catalog walkthrough against ${BASE_URL}"

step 1 "ListCategories: the tree with product counts"
rpc ListCategories '{}' >/dev/null
expect_status 200
cpus="$(json '[.categories[].children[]? | select(.slug == "cpus")][0].productCount')"
[[ "${cpus:-0}" -gt 0 ]] || fail "want a cpus category with products, got count '${cpus}'"
pass

step 2 "Free text with a typo: \"rizen 7\" finds Ryzen 7 processors"
rpc SearchProducts '{"query":"rizen 7","pageSize":3}'
expect_status 200
first="$(json '.products[0].name')"
[[ "$first" == *"Ryzen 7"* ]] || fail "want a Ryzen 7 first, got \"${first}\""
pass

step 3 "Filtered and faceted: AM5 CPUs up to 500.00 EUR in stock, cheapest first"
FILTERS='"categorySlug":"cpus","specFilters":[{"key":"socket","values":["AM5"]}],"priceMax":{"amountMinor":"50000","currency":"EUR"},"inStockOnly":true,"orderBy":"PRODUCT_SORT_ORDER_PRICE_ASC","pageSize":5'
rpc SearchProducts "{${FILTERS},\"includeFacets\":true}" >/dev/null
expect_status 200
PAGE1="$RESPONSE"
n="$(json '.products | length')"
[[ "$n" -gt 0 ]] || fail "want products, got none"
[[ "$(json '[.products[].price.amountMinor | tonumber] | (. == sort) and all(. <= 50000)')" == true ]] ||
	fail "prices must be ascending and at most 50000"
[[ "$(json '[.products[].stockStatus] | all(. != "STOCK_STATUS_OUT_OF_STOCK")')" == true ]] || fail "out-of-stock product listed"
[[ "$(json '[.facets.brands[].brand] | index("AMD") != null')" == true ]] || fail "want AMD in the brand facet"
[[ -n "$(json '.facets.specs[] | select(.key == "cores") | .values[0].count')" ]] || fail "want a cores spec facet"
[[ -n "$(json '.nextPageToken')" ]] || fail "want a next page"
jq -c '{total: .totalSize, products: [.products[] | {name, price: .price.amountMinor}], brands: .facets.brands}' <<<"$RESPONSE"
pass

step 4 "The next page continues where the first ended"
TOKEN="$(jq -r .nextPageToken <<<"$PAGE1")"
rpc SearchProducts "{${FILTERS},\"pageToken\":\"${TOKEN}\"}" >/dev/null
expect_status 200
overlap="$(jq -n --argjson a "$PAGE1" --argjson b "$RESPONSE" '[$a.products[].id] - ([$a.products[].id] - [$b.products[]?.id]) | length')"
[[ "$overlap" == 0 ]] || fail "pages overlap in ${overlap} products"
last1="$(jq -r '.products[-1].price.amountMinor | tonumber' <<<"$PAGE1")"
first2="$(json '.products[0].price.amountMinor | tonumber')"
[[ -z "$first2" || "$first2" -ge "$last1" ]] || fail "page 2 starts at ${first2}, below page 1's last ${last1}"
jq -c '[.products[] | {name, price: .price.amountMinor}]' <<<"$RESPONSE"
pass

step 5 "A page token only fits its own query"
rpc SearchProducts "{\"categorySlug\":\"gpus-that-do-not-exist\"}" >/dev/null
expect_error 404 not_found
rpc SearchProducts "{\"query\":\"ssd\",\"pageToken\":\"${TOKEN}\"}"
expect_error 400 invalid_argument
pass

step 6 "GetProduct by slug, and its image over plain HTTP"
rpc GetProduct '{"slug":"amd-ryzen-7-7800x3d"}' >/dev/null
expect_status 200
[[ "$(json '.product.name')" == "AMD Ryzen 7 7800X3D" ]] || fail "want AMD Ryzen 7 7800X3D, got $(json '.product.name')"
[[ "$(json '[.product.specs[] | select(.key == "socket") | .value][0]')" == "AM5" ]] || fail "want socket AM5"
IMG="$(json '.product.images[0].url')"
[[ -n "$IMG" ]] || fail "want an image"
jq -c '.product | {name, price, stockStatus, specs: [.specs[] | {key, value, unit}], image: .images[0].url}' <<<"$RESPONSE"
curl_shown -o /dev/null -D - "${BASE_URL}${IMG}" >/dev/null
headers="$(curl -sS -o /dev/null -D - "${BASE_URL}${IMG}")"
grep -qi '^content-type: image/png' <<<"$headers" || fail "image content type: ${headers}"
grep -qi '^cache-control: .*immutable' <<<"$headers" || fail "image cache headers: ${headers}"
printf '%s\n' "$headers" | grep -i '^\(content-type\|cache-control\|etag\)'
pass

step 7 "Bad input gets a clear error, never internal"
long="$(head -c 10240 /dev/zero | tr '\0' 'x')"
rpc SearchProducts "{\"query\":\"${long}\"}" >/dev/null
expect_error 400 invalid_argument
rpc SearchProducts "$(jq -cn '{query: "'"'"' & | ! :* \\\\ <-> ( ) OR 1=1 --"}')"
expect_status 200
rpc SearchProducts '{"pageSize":-1}'
expect_error 400 invalid_argument
rpc SearchProducts '{"priceMin":{"amountMinor":"5000","currency":"EUR"},"priceMax":{"amountMinor":"100","currency":"EUR"}}'
expect_error 400 invalid_argument
pass

printf '\n%s: %s passed, 0 failed\n' "$WALK_NAME" "$PASSED"
