#!/usr/bin/env bash
# Every test of partsbin, as `just test` and CI run it:
#   1. install what is missing, start Postgres, Redis and Mailpit
#   2. contract: buf lint and format, generated code fresh, buf breaking
#   3. Go: gofmt, go vet, unit and integration tests (fresh database per test)
#   4. end to end against two instances built from this tree behind a
#      private edge: the TypeScript client tests, the README's curl
#      walkthroughs, grpcurl via reflection
# It stops only what it started itself (test instances and edge, by pid).
set -euo pipefail
# shellcheck source=ops/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PB_REPO_ROOT"
export PATH="${PB_TOOLS_BIN}:${PB_REPO_ROOT}/clients/ts/node_modules/.bin:${PATH}"
STACK_DIR="${STACK_DIR:-${PB_REPO_ROOT}/.stack}"
start_all="$(now_ms)"
passed=0
# PB_TEST_SKIP=contract,go skips suites while iterating on one part (CI
# and `just test` skip nothing).
skipped() { [[ ",${PB_TEST_SKIP:-}," == *",$1,"* ]]; }
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
	if ((started_stack)); then
		bash ops/local/stack.sh down >/dev/null
	fi
}
trap stop_started EXIT
# shellcheck disable=SC1091
source "${STACK_DIR}/env"

if ! skipped contract; then
	step "contract"
	bash ops/local/contract.sh check
	ok "contract checks"
fi

if ! skipped go; then
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
fi

step "end to end: two real instances behind a private edge"
# The same shape as `just up`, on ports of its own: instances e2e1 and e2e2
# on one seeded database, the edge (nginx + Lua, limiter on with roomy
# quotas so the suites are not throttled) in front of them. Suites talk to
# the edge; PB_E2E_* override the ports.
e2e_edge_http="${PB_E2E_PORT:-18080}"
e2e_edge_grpc="${PB_E2E_GRPC_PORT:-18081}"
e2e_edge_status="${PB_E2E_STATUS_PORT:-18089}"
e2e_instances=("127.0.0.1:${PB_E2E_API1_PORT:-18091}" "127.0.0.1:${PB_E2E_API2_PORT:-18092}")
e2e_base="http://127.0.0.1:${e2e_edge_http}"
e2e_grpc="127.0.0.1:${e2e_edge_grpc}"
e2e_db="partsbin_e2e_${e2e_edge_http}"
e2e_dir="${STACK_DIR}/e2e-${e2e_edge_http}"
e2e_name="partsbin-e2e-${e2e_edge_http}"
e2e_url_db="$(printf '%s' "$PARTSBIN_TEST_PG_ADMIN_URL" | sed "s#/postgres?#/${e2e_db}?#")"
e2e_prefix="e2e:$(random_hex 4):"
e2e_edge() {
	STACK_DIR="$e2e_dir" PB_EDGE_HTTP_PORT="$e2e_edge_http" PB_EDGE_GRPC_PORT="$e2e_edge_grpc" \
		PB_EDGE_STATUS_PORT="$e2e_edge_status" PB_API_ADDRS="$(IFS=,; echo "${e2e_instances[*]}")" \
		PB_EDGE_REDIS_URL="$PARTSBIN_REDIS_URL" PB_EDGE_REDIS_PREFIX="${e2e_prefix}edge:" \
		PB_EDGE_LIMITS="auth=2000/60000,browse=20000/10000,default=20000/10000" bash ops/local/edge.sh "$@"
}
stop_e2e() {
	e2e_edge down >/dev/null 2>&1 || true
	local i
	for i in 1 2; do
		stop_pidfile "${e2e_name}-${i}" "${STACK_DIR}/run/${e2e_name}-${i}.pid" partsbin-e2e 30 >/dev/null
	done
}
stop_started() {
	stop_e2e
	if ((started_stack)); then
		bash ops/local/stack.sh down >/dev/null
	fi
}
psql -q "$PARTSBIN_TEST_PG_PRIMARY_URL" -c "DROP DATABASE IF EXISTS ${e2e_db} WITH (FORCE)"
psql -q "$PARTSBIN_TEST_PG_ADMIN_URL" -c "CREATE DATABASE ${e2e_db}"
mkdir -p "${STACK_DIR}/bin" "${STACK_DIR}/run" "${STACK_DIR}/logs" "$e2e_dir"
go build -trimpath -o "${STACK_DIR}/bin/${e2e_name}" ./backend/cmd/partsbin
stop_e2e
PARTSBIN_DATABASE_URL="$e2e_url_db" PARTSBIN_LOG_LEVEL=warn "${STACK_DIR}/bin/${e2e_name}" migrate
PARTSBIN_DATABASE_URL="$e2e_url_db" PARTSBIN_LOG_LEVEL=warn "${STACK_DIR}/bin/${e2e_name}" seed --products 1500
for i in 1 2; do
	addr="${e2e_instances[$((i - 1))]}"
	PARTSBIN_DATABASE_URL="$e2e_url_db" PARTSBIN_HTTP_ADDR="$addr" PARTSBIN_PUBLIC_URL="$e2e_base" \
		PARTSBIN_REDIS_PREFIX="$e2e_prefix" PARTSBIN_DRAIN_DELAY=0s PARTSBIN_TRUSTED_PROXIES=127.0.0.1/32 \
		setsid nohup "${STACK_DIR}/bin/${e2e_name}" serve >"${STACK_DIR}/logs/${e2e_name}-${i}.log" 2>&1 </dev/null &
	echo $! >"${STACK_DIR}/run/${e2e_name}-${i}.pid"
done
for i in 1 2; do
	if ! wait_until 30 curl -fsS "http://${e2e_instances[$((i - 1))]}/readyz"; then
		tail -n 40 "${STACK_DIR}/logs/${e2e_name}-${i}.log" >&2
		die "test instance e2e${i} did not become ready"
	fi
done
e2e_edge up
log "test topology ready: edge ${e2e_base} (gRPC ${e2e_grpc}) over ${e2e_instances[*]}"
# Suites may need them: the edge for clients, the instances for
# per-instance checks (a stream on one, a write on the other).
export PARTSBIN_BASE_URL="$e2e_base" PARTSBIN_GRPC_ADDR="$e2e_grpc" PARTSBIN_GRPC_URL="http://${e2e_grpc}"
PARTSBIN_INSTANCE_URLS="$(printf 'http://%s,' "${e2e_instances[@]}")"
export PARTSBIN_INSTANCE_URLS="${PARTSBIN_INSTANCE_URLS%,}"

step "typescript client tests"
(cd clients/ts && npm test)
ok "typescript client tests"

step "README curl walkthrough"
bash clients/curl/auth-walkthrough.sh
ok "curl walkthrough"

step "README catalogue walkthrough"
bash clients/curl/catalog-walkthrough.sh
ok "catalog walkthrough"

step "README buying walkthrough (cart, code, card order, webhook, live stream)"
bash clients/curl/buy-walkthrough.sh
ok "buy walkthrough"

step "grpcurl through the edge's gRPC port (server reflection)"
services="$(grpcurl -plaintext "$e2e_grpc" list)"
for svc in auth.v1.AuthService catalog.v1.CatalogService cart.v1.CartService checkout.v1.CheckoutService \
	promotion.v1.PromotionService staff.v1.StaffService stats.v1.StatsService support.v1.SupportService; do
	grep -qx "partsbin.${svc}" <<<"$services" || die "reflection does not list partsbin.${svc}"
done
grpcurl -plaintext -d '{"email":"nobody@example.com"}' "$e2e_grpc" partsbin.auth.v1.AuthService/RequestPasswordReset >/dev/null
ok "grpcurl reflection and call"

stop_started
trap - EXIT
printf '\n[test] all suites passed in %s\n' "$(elapsed_since "$start_all")"
printf 'suites: %d passed, 0 failed\n' "$passed"
