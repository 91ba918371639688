#!/usr/bin/env bash
# Catalogue benchmark at a fixed catalogue size, as docs/benchmarks.md
# reports it: the search mix and GetProduct through the API (with and
# without the aggregate cache) beside the same page queries run directly
# with pgx and the product page through the domain layer alone.
#
#   bash ops/local/bench-catalog.sh [PRODUCTS] [DURATION]   (default 50000 15s)
#
# Uses its own database (bench<PRODUCTS>, seeded once and kept) and its own
# API instance on 127.0.0.1:18484, stopped by pid at the end. Needs the
# stack (`just up`).
set -euo pipefail
# shellcheck source=ops/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PB_REPO_ROOT"
STACK_DIR="${STACK_DIR:-${PB_REPO_ROOT}/.stack}"
# shellcheck disable=SC1091
source "${STACK_DIR}/env"
products="${1:-50000}"
duration="${2:-15s}"
dbname="bench${products}"
db_url="$(printf '%s' "$PARTSBIN_TEST_PG_ADMIN_URL" | sed "s#/postgres?#/${dbname}?#")"
addr="127.0.0.1:18484"
pidfile="${STACK_DIR}/run/partsbin-bench.pid"
mkdir -p "${STACK_DIR}/bin" "${STACK_DIR}/run" "${STACK_DIR}/logs"

go build -trimpath -o "${STACK_DIR}/bin/partsbin-bench" ./backend/cmd/partsbin
go build -trimpath -o "${STACK_DIR}/bin/pbbench" ./backend/cmd/pbbench
if ! psql -Atq "$PARTSBIN_TEST_PG_ADMIN_URL" -c "SELECT 1 FROM pg_database WHERE datname = '${dbname}'" | grep -q 1; then
	psql -q "$PARTSBIN_TEST_PG_ADMIN_URL" -c "CREATE DATABASE ${dbname}"
fi
PARTSBIN_DATABASE_URL="$db_url" PARTSBIN_LOG_LEVEL=warn "${STACK_DIR}/bin/partsbin-bench" migrate
PARTSBIN_DATABASE_URL="$db_url" PARTSBIN_LOG_LEVEL=warn "${STACK_DIR}/bin/partsbin-bench" seed --products "$products" --if-empty

# start_server CACHE_TTL : an API instance on the bench database, with the
# search aggregate cache and the product page cache set to CACHE_TTL.
start_server() {
	stop_pidfile partsbin-bench "$pidfile" partsbin-bench 30 >/dev/null
	PARTSBIN_DATABASE_URL="$db_url" PARTSBIN_HTTP_ADDR="$addr" PARTSBIN_LOG_LEVEL=warn \
		PARTSBIN_REDIS_PREFIX="bench:" PARTSBIN_SEARCH_CACHE_TTL="$1" PARTSBIN_PRODUCT_CACHE_TTL="$1" \
		setsid nohup "${STACK_DIR}/bin/partsbin-bench" serve >"${STACK_DIR}/logs/partsbin-bench.log" 2>&1 </dev/null &
	echo $! >"$pidfile"
	wait_until 30 curl -fsS "http://${addr}/readyz" || die "bench server not ready"
}
trap 'stop_pidfile partsbin-bench "$pidfile" partsbin-bench 30 >/dev/null' EXIT

bench() { "${STACK_DIR}/bin/pbbench" "$@" -duration "$duration"; }

printf '== %s products, %s per run, %s cores\n' "$products" "$duration" "$(nproc)"
printf '\n== API, caches on (15s)\n'
start_server 15s
bench search -url "http://${addr}" -concurrency 4
bench search -url "http://${addr}" -concurrency 16
bench getproduct -url "http://${addr}" -concurrency 16
printf '\n== API, caches off\n'
start_server 0s
bench search -url "http://${addr}" -concurrency 4
bench search -url "http://${addr}" -concurrency 16
bench getproduct -url "http://${addr}" -concurrency 16
for mix in text facets filters deep; do
	bench search -url "http://${addr}" -concurrency 4 -mix "$mix"
done
printf '\n== PostgreSQL direct (pgx): the page query only / the product page in the domain layer\n'
PARTSBIN_DATABASE_URL="$db_url" bench search-sql -concurrency 4
PARTSBIN_DATABASE_URL="$db_url" bench search-sql -concurrency 16
for mix in text facets filters deep; do
	PARTSBIN_DATABASE_URL="$db_url" bench search-sql -concurrency 4 -mix "$mix"
done
PARTSBIN_DATABASE_URL="$db_url" bench getproduct-direct -concurrency 16
