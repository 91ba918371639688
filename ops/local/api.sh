#!/usr/bin/env bash
# Builds and runs the partsbin API instance(s) of the native local stack.
#
#   bash ops/local/api.sh up        build, migrate, create the first admin, start
#   bash ops/local/api.sh down      stop the instance(s) this script started
#   bash ops/local/api.sh restart   rebuild and restart
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
API_ADDR="${PB_API_ADDR:-127.0.0.1:8080}"
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
		die "partsbin-${name}: ${addr} is taken by another process; set PB_API_ADDR or stop it"
	fi
	PARTSBIN_HTTP_ADDR="$addr" PARTSBIN_PUBLIC_URL="http://${addr}" \
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

case "${1:-}" in
up)
	load_env
	build
	migrate
	ensure_admin
	seed_demo
	start api "$API_ADDR"
	;;
restart)
	load_env
	build
	migrate
	stop api
	start api "$API_ADDR"
	;;
down)
	stop api
	;;
*)
	echo "usage: $0 up|down|restart" >&2
	exit 2
	;;
esac
