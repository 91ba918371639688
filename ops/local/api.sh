#!/usr/bin/env bash
# Builds and runs the partsbin API instance(s) of the native local stack.
#
#   bash ops/local/api.sh up        build, migrate, create the first admin, start
#                                   api1 (127.0.0.1:9001) and api2 (127.0.0.1:9002)
#   bash ops/local/api.sh down      stop the instances this script started
#   bash ops/local/api.sh restart   rebuild, then restart one instance at a time
#                                   (each drains first; the edge routes around it)
#
# Needs `ops/local/stack.sh up` first (it writes .stack/env). Instances are
# tracked by pid files .stack/run/partsbin-<name>.pid and stopped by pid.
set -euo pipefail
# shellcheck source=ops/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PB_REPO_ROOT"

STACK_DIR="${STACK_DIR:-${PB_REPO_ROOT}/.stack}"
ENV_FILE="${STACK_DIR}/env"
BIN="${STACK_DIR}/bin/partsbin"
# Two instances behind the edge (ops/local/edge.sh); PB_API_ADDRS overrides.
IFS=',' read -r -a API_ADDRS <<<"${PB_API_ADDRS:-127.0.0.1:9001,127.0.0.1:9002}"
PUBLIC_URL="${PB_PUBLIC_URL:-http://127.0.0.1:${PB_EDGE_HTTP_PORT:-8080}}"
ADMIN_FILE="${STACK_DIR}/admin.txt"

load_env() {
	[[ -r "$ENV_FILE" ]] || die "no ${ENV_FILE}: run 'bash ops/local/stack.sh up' first"
	# shellcheck disable=SC1090
	source "$ENV_FILE"
}

build() {
	local t
	t="$(now_ms)"
	mkdir -p "${STACK_DIR}/bin"
	go build -trimpath -o "${BIN}.new" ./backend/cmd/partsbin
	if [[ -x "$BIN" ]] && cmp -s "$BIN" "${BIN}.new"; then
		rm -f "${BIN}.new"
		log "partsbin: binary unchanged ($(elapsed_since "$t"))"
	else
		mv -f "${BIN}.new" "$BIN"
		log "partsbin: built ${BIN#"${PB_REPO_ROOT}"/} ($(elapsed_since "$t"))"
	fi
}

migrate() {
	PARTSBIN_LOG_LEVEL=warn "$BIN" migrate
	log "database: migrated"
}

# seed_demo fills an empty catalogue with a demo of PB_SEED_PRODUCTS
# products (default 3000); a catalogue that has products is left alone.
seed_demo() {
	PARTSBIN_LOG_LEVEL=warn "$BIN" seed --products "${PB_SEED_PRODUCTS:-3000}" --if-empty
}

ensure_admin() {
	local email password
	if [[ ! -s "$ADMIN_FILE" ]]; then
		email="admin@partsbin.localhost"
		password="pb-$(random_hex 12)"
		umask 077
		printf 'email=%s\npassword=%s\n' "$email" "$password" >"${ADMIN_FILE}.tmp"
		mv -f "${ADMIN_FILE}.tmp" "$ADMIN_FILE"
	fi
	email="$(sed -n 's/^email=//p' "$ADMIN_FILE")"
	password="$(sed -n 's/^password=//p' "$ADMIN_FILE")"
	printf '%s\n' "$password" | PARTSBIN_LOG_LEVEL=warn "$BIN" admin create --email "$email" --name "partsbin admin" --if-missing >/dev/null
	log "admin: ${email} / ${password} (also in ${ADMIN_FILE#"${PB_REPO_ROOT}"/})"
}

# start NAME ADDR : start one instance unless it already runs this binary.
start() {
	local name="$1" addr="$2" pidfile pid logf host port
	pidfile="${STACK_DIR}/run/partsbin-${name}.pid"
	logf="${STACK_DIR}/logs/partsbin-${name}.log"
	mkdir -p "${STACK_DIR}/run" "${STACK_DIR}/logs"
	if pid="$(pidfile_alive "$pidfile" partsbin)"; then
		if [[ "$BIN" -nt "$pidfile" ]]; then
			log "partsbin-${name}: new binary, restarting"
			stop "$name"
		else
			log "partsbin-${name}: already running (pid ${pid}) on ${addr}"
			return 0
		fi
	fi
	host="${addr%:*}"
	port="${addr##*:}"
	if port_open "$host" "$port"; then
		die "partsbin-${name}: ${addr} is taken by another process; set PB_API_ADDRS or stop it"
	fi
	# Behind the edge: trust its X-Forwarded-For, drain long enough for it to
	# see the drain header and stop sending new requests.
	PARTSBIN_HTTP_ADDR="$addr" PARTSBIN_PUBLIC_URL="$PUBLIC_URL" \
		PARTSBIN_TRUSTED_PROXIES="${PARTSBIN_TRUSTED_PROXIES:-127.0.0.1/32}" \
		PARTSBIN_DRAIN_DELAY="${PARTSBIN_DRAIN_DELAY:-3s}" \
		setsid nohup "$BIN" serve >>"$logf" 2>&1 </dev/null &
	echo $! >"$pidfile"
	if ! wait_until 30 curl -fsS "http://${addr}/readyz"; then
		tail -n 30 "$logf" >&2 || true
		die "partsbin-${name}: not ready after 30 s (log: ${logf})"
	fi
	log "partsbin-${name}: ready on http://${addr} (pid $(cat "$pidfile"), log ${logf#"${PB_REPO_ROOT}"/})"
}

stop() {
	stop_pidfile "partsbin-$1" "${STACK_DIR}/run/partsbin-$1.pid" partsbin 30
}

# each_instance FN : FN NAME ADDR for api1, api2, ...
each_instance() {
	local i
	for i in "${!API_ADDRS[@]}"; do
		"$1" "api$((i + 1))" "${API_ADDRS[$i]}"
	done
}

stop_one() { stop "$1"; }

# restart_one NAME ADDR : SIGTERM (readiness off, drain, finish in-flight
# calls), then start again and wait for /readyz before the next one.
restart_one() {
	stop "$1"
	start "$1" "$2"
}

case "${1:-}" in
up)
	load_env
	build
	migrate
	ensure_admin
	seed_demo
	each_instance start
	;;
restart)
	load_env
	build
	migrate
	each_instance restart_one
	;;
down)
	each_instance stop_one
	# an instance of the single-instance layout (before the edge)
	stop api
	;;
*)
	echo "usage: $0 up|down|restart" >&2
	exit 2
	;;
esac
