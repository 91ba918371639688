#!/usr/bin/env bash
# Every test of partsbin, as `just test` and CI run it:
#   1. install what is missing, start Postgres, Redis and Mailpit
#   2. contract: buf lint and format, generated code fresh, buf breaking
#   3. Go: gofmt, go vet, unit and integration tests (fresh database per test)
#   4. end to end against a real server built from this tree: the TypeScript
#      client tests, the README's curl walkthrough, grpcurl via reflection
# It stops only what it started itself (the test server, by pid).
set -euo pipefail
# shellcheck source=ops/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PB_REPO_ROOT"
export PATH="${PB_TOOLS_BIN}:${PB_REPO_ROOT}/clients/ts/node_modules/.bin:${PATH}"
STACK_DIR="${STACK_DIR:-${PB_REPO_ROOT}/.stack}"
start_all="$(now_ms)"
passed=0
step() {
	printf '\n[test] ==== %s\n' "$*"
}
ok() {
	passed=$((passed + 1))
	log "PASS: $*"
}

step "install and start services"
bash ops/local/install.sh
# Services that were already up (`just up`) stay up; ones started here are
# stopped again at the end.
started_stack=1
# (Read the whole status first: grep -q closing the pipe early would fail
# the pipeline under pipefail.)
stack_status="$(bash ops/local/stack.sh status 2>/dev/null || true)"
if grep -q 'redis  *running' <<<"$stack_status"; then
	started_stack=0
fi
bash ops/local/stack.sh up
stop_started() {
	stop_pidfile partsbin-e2e "${STACK_DIR}/run/partsbin-e2e.pid" partsbin-e2e 30 >/dev/null
	if ((started_stack)); then
		bash ops/local/stack.sh down >/dev/null
	fi
}
trap stop_started EXIT
# shellcheck disable=SC1091
source "${STACK_DIR}/env"

step "contract"
bash ops/local/contract.sh check
ok "contract checks"

step "go: gofmt and vet"
unformatted="$(gofmt -l backend)"
if [[ -n "$unformatted" ]]; then
	die "gofmt needed on: ${unformatted}"
fi
go vet ./...
ok "gofmt and go vet"

step "go: unit, integration and topology tests"
# -v only to collect the measured figures (failover times, limiter
# accuracy) that the topology and edge proofs log as "figure:"; the whole
# output is kept in the log and shown when a test fails.
mkdir -p "${STACK_DIR}/logs"
go_log="${STACK_DIR}/logs/go-test.log"
if ! go test -count=1 -timeout 15m -v ./... >"$go_log" 2>&1; then
	grep -E -- '^(--- FAIL|FAIL|panic)|_test\.go:[0-9]+:' "$go_log" | grep -v 'figure:' | head -150 >&2 || true
	die "go tests failed (full output: ${go_log})"
fi
grep -E '^(ok|FAIL)[[:space:]]' "$go_log" || true
grep -E 'figure:' "$go_log" | sed -E 's/^[[:space:]]*[a-z_]+_test\.go:[0-9]+: figure: /  figure: /' || true
ok "go tests"

step "end to end: a real server"
e2e_addr="127.0.0.1:${PB_E2E_PORT:-18080}"
e2e_db="partsbin_e2e"
e2e_url_db="$(printf '%s' "$PARTSBIN_TEST_PG_ADMIN_URL" | sed "s#/postgres?#/${e2e_db}?#")"
psql -q "$PARTSBIN_TEST_PG_PRIMARY_URL" -c "DROP DATABASE IF EXISTS ${e2e_db} WITH (FORCE)"
psql -q "$PARTSBIN_TEST_PG_ADMIN_URL" -c "CREATE DATABASE ${e2e_db}"
mkdir -p "${STACK_DIR}/bin" "${STACK_DIR}/run" "${STACK_DIR}/logs"
go build -trimpath -o "${STACK_DIR}/bin/partsbin-e2e" ./backend/cmd/partsbin
e2e_pid="${STACK_DIR}/run/partsbin-e2e.pid"
stop_pidfile partsbin-e2e "$e2e_pid" partsbin-e2e 30 >/dev/null
PARTSBIN_DATABASE_URL="$e2e_url_db" PARTSBIN_LOG_LEVEL=warn "${STACK_DIR}/bin/partsbin-e2e" migrate
PARTSBIN_DATABASE_URL="$e2e_url_db" PARTSBIN_LOG_LEVEL=warn "${STACK_DIR}/bin/partsbin-e2e" seed --products 1500
PARTSBIN_DATABASE_URL="$e2e_url_db" PARTSBIN_HTTP_ADDR="$e2e_addr" PARTSBIN_PUBLIC_URL="http://${e2e_addr}" \
	PARTSBIN_REDIS_PREFIX="e2e:$(random_hex 4):" PARTSBIN_DRAIN_DELAY=0s \
	setsid nohup "${STACK_DIR}/bin/partsbin-e2e" serve >"${STACK_DIR}/logs/partsbin-e2e.log" 2>&1 </dev/null &
echo $! >"$e2e_pid"
if ! wait_until 30 curl -fsS "http://${e2e_addr}/readyz"; then
	tail -n 40 "${STACK_DIR}/logs/partsbin-e2e.log" >&2
	die "test server did not become ready"
fi
log "test server ready on http://${e2e_addr}"

step "typescript client tests"
(cd clients/ts && PARTSBIN_BASE_URL="http://${e2e_addr}" npm test)
ok "typescript client tests"

step "README curl walkthrough"
PARTSBIN_BASE_URL="http://${e2e_addr}" bash clients/curl/auth-walkthrough.sh
ok "curl walkthrough"

step "README catalogue walkthrough"
PARTSBIN_BASE_URL="http://${e2e_addr}" bash clients/curl/catalog-walkthrough.sh
ok "catalog walkthrough"

step "README buying walkthrough (cart, code, card order, webhook, live stream)"
PARTSBIN_BASE_URL="http://${e2e_addr}" bash clients/curl/buy-walkthrough.sh
ok "buy walkthrough"

step "grpcurl through server reflection"
services="$(grpcurl -plaintext "$e2e_addr" list)"
for svc in auth.v1.AuthService catalog.v1.CatalogService cart.v1.CartService checkout.v1.CheckoutService \
	promotion.v1.PromotionService staff.v1.StaffService stats.v1.StatsService support.v1.SupportService; do
	grep -qx "partsbin.${svc}" <<<"$services" || die "reflection does not list partsbin.${svc}"
done
grpcurl -plaintext -d '{"email":"nobody@example.com"}' "$e2e_addr" partsbin.auth.v1.AuthService/RequestPasswordReset >/dev/null
ok "grpcurl reflection and call"

stop_started
trap - EXIT
printf '\n[test] all suites passed in %s\n' "$(elapsed_since "$start_all")"
printf 'suites: %d passed, 0 failed\n' "$passed"
