#!/usr/bin/env bash
# The edge of the native local stack: nginx + ngx_lua with ops/openresty's
# config, in front of the API instances.
#
#   bash ops/local/edge.sh up       render the config, start (or restart on a
#                                   changed config) and wait until it answers
#   bash ops/local/edge.sh down     stop it (graceful, by pid file)
#   bash ops/local/edge.sh status
#
# Settings (environment):
#   STACK_DIR            state folder (default <repo>/.stack); the edge lives
#                        in $STACK_DIR/run/edge, its logs in $STACK_DIR/logs/edge
#   PB_EDGE_HTTP_PORT    HTTP/1.1 port: Connect, gRPC-Web, JSON (8080)
#   PB_EDGE_GRPC_PORT    cleartext HTTP/2 port: gRPC (8081)
#   PB_EDGE_STATUS_PORT  limiter counters, GET /edge/status (8089)
#   PB_EDGE_LISTEN       address the ports bind to (127.0.0.1)
#   PB_API_ADDRS         API instances (127.0.0.1:9001,127.0.0.1:9002)
#   PB_EDGE_REDIS_URL    Redis of the limiter (default: PARTSBIN_REDIS_URL
#                        from $STACK_DIR/env)
#   PB_EDGE_LIMITER      on | off
#   PB_EDGE_LIMITS       quota overrides, e.g. "auth=5/60000,browse=100/1000"
#   PB_EDGE_REDIS_PREFIX, PB_EDGE_REDIS_TIMEOUT_MS  see ops/openresty/nginx.conf
#   PB_NGINX_BIN         the nginx binary (nginx on PATH, else /usr/sbin/nginx)
set -euo pipefail
# shellcheck source=ops/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STACK_DIR="${STACK_DIR:-${PB_REPO_ROOT}/.stack}"
[[ "$STACK_DIR" == /* ]] || STACK_DIR="${PWD}/${STACK_DIR}"
cd "$PB_REPO_ROOT"

LISTEN="${PB_EDGE_LISTEN:-127.0.0.1}"
HTTP_PORT="${PB_EDGE_HTTP_PORT:-8080}"
GRPC_PORT="${PB_EDGE_GRPC_PORT:-8081}"
STATUS_PORT="${PB_EDGE_STATUS_PORT:-8089}"
API_ADDRS="${PB_API_ADDRS:-127.0.0.1:9001,127.0.0.1:9002}"
PREFIX="${STACK_DIR}/run/edge"
LOGS="${STACK_DIR}/logs/edge"
PIDFILE="${PREFIX}/logs/nginx.pid"
SCRIPT="${PB_REPO_ROOT}/backend/internal/ratelimit/sliding_window.lua"

nginx_bin() {
	if [[ -n "${PB_NGINX_BIN:-}" ]]; then
		echo "$PB_NGINX_BIN"
	elif command -v nginx >/dev/null 2>&1; then
		command -v nginx
	elif [[ -x /usr/sbin/nginx ]]; then
		echo /usr/sbin/nginx
	else
		die "nginx missing: run bash ops/local/install.sh (Debian: nginx libnginx-mod-http-lua lua-resty-core)"
	fi
}
NGINX="$(nginx_bin)"

# The master's command line names the prefix: a pid of another program (or
# of the lead's edge) never matches.
PATTERN="nginx: master process"
edge_pid() {
	local pid
	pid="$(pidfile_alive "$PIDFILE" "$PATTERN")" || return 1
	[[ "$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null)" == *"${PREFIX}"* ]] || return 1
	echo "$pid"
}

# Lines for the main context: Debian's nginx loads ngx_lua (and NDK, which
# it needs) as dynamic modules; OpenResty has them built in.
main_conf() {
	echo "# rendered by ops/local/edge.sh"
	if ! "$NGINX" -V 2>&1 | grep -q 'openresty'; then
		local dir
		for dir in /usr/lib/nginx/modules /usr/share/nginx/modules; do
			if [[ -f "${dir}/ngx_http_lua_module.so" ]]; then
				echo "load_module ${dir}/ndk_http_module.so;"
				echo "load_module ${dir}/ngx_http_lua_module.so;"
				break
			fi
		done
	fi
	if is_root; then
		# Workers drop root; everything they read is loaded by the master.
		if getent group nogroup >/dev/null; then echo "user nobody nogroup;"; else echo "user nobody;"; fi
	fi
}

http_conf() {
	echo "# rendered by ops/local/edge.sh: http-context additions (none natively)."
	echo "# The API instances come from PB_EDGE_UPSTREAMS=${API_ADDRS}."
}

render() {
	mkdir -p "${PREFIX}/conf/edge.d" "${PREFIX}/temp" "$LOGS"
	ln -sfn "${PB_REPO_ROOT}/ops/openresty/nginx.conf" "${PREFIX}/conf/nginx.conf"
	ln -sfn "${PB_REPO_ROOT}/ops/openresty/partsbin-common.conf" "${PREFIX}/conf/partsbin-common.conf"
	ln -sfn "${PB_REPO_ROOT}/ops/openresty/lua" "${PREFIX}/conf/lua"
	ln -sfn "$SCRIPT" "${PREFIX}/sliding_window.lua"
	if [[ ! -L "${PREFIX}/logs" ]]; then
		rm -rf "${PREFIX}/logs"
		ln -s "$LOGS" "${PREFIX}/logs"
	fi
	local d="${PREFIX}/conf/edge.d"
	main_conf >"${d}/main.conf"
	http_conf >"${d}/http.conf"
	echo "listen ${LISTEN}:${HTTP_PORT} reuseport;" >"${d}/listen-http.conf"
	echo "listen ${LISTEN}:${GRPC_PORT} http2 reuseport;" >"${d}/listen-grpc.conf"
	echo "listen 127.0.0.1:${STATUS_PORT};" >"${d}/listen-status.conf"
}

load_redis_url() {
	if [[ -z "${PB_EDGE_REDIS_URL:-}" && "${PB_EDGE_LIMITER:-on}" != off ]]; then
		[[ -r "${STACK_DIR}/env" ]] || die "no PB_EDGE_REDIS_URL and no ${STACK_DIR}/env: run 'bash ops/local/stack.sh up' first"
		PB_EDGE_REDIS_URL="$(
			# shellcheck disable=SC1091
			source "${STACK_DIR}/env"
			printf '%s' "${PARTSBIN_REDIS_URL:-}"
		)"
		[[ -n "$PB_EDGE_REDIS_URL" ]] || die "${STACK_DIR}/env has no PARTSBIN_REDIS_URL"
	fi
	export PB_EDGE_UPSTREAMS="${API_ADDRS// /}"
	export PB_EDGE_REDIS_URL="${PB_EDGE_REDIS_URL:-}"
	export PB_EDGE_SCRIPT="$SCRIPT"
	export PB_EDGE_LIMITER="${PB_EDGE_LIMITER:-on}" PB_EDGE_LIMITS="${PB_EDGE_LIMITS:-}"
	export PB_EDGE_REDIS_PREFIX="${PB_EDGE_REDIS_PREFIX:-pb:edge:}" PB_EDGE_REDIS_TIMEOUT_MS="${PB_EDGE_REDIS_TIMEOUT_MS:-500}"
}

# fingerprint: what the running edge was started with (rendered config and
# settings: a change needs a restart, the master keeps its environment).
fingerprint() {
	{
		cat "${PREFIX}/conf/edge.d/"*.conf
		printf '%s\n' "$PB_EDGE_UPSTREAMS" "$PB_EDGE_REDIS_URL" "$PB_EDGE_LIMITER" "$PB_EDGE_LIMITS" "$PB_EDGE_REDIS_PREFIX" "$PB_EDGE_REDIS_TIMEOUT_MS"
	} | sha256sum | cut -c1-16
}

# code_fingerprint: the committed config, Lua and limiter script (a change
# needs only a reload: no connection is dropped).
code_fingerprint() {
	find "${PB_REPO_ROOT}/ops/openresty" -type f -print0 | sort -z | xargs -0 cat | cat - "$SCRIPT" | sha256sum | cut -c1-16
}

nginx_cmd() {
	"$NGINX" -p "${PREFIX}/" -c "${PREFIX}/conf/nginx.conf" -e "${PREFIX}/logs/error.log" "$@"
}

ready() {
	curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${STATUS_PORT}/edge/status" &&
		port_open "$LISTEN" "$HTTP_PORT" && port_open "$LISTEN" "$GRPC_PORT"
}

cmd_up() {
	load_redis_url
	render
	local pid fp code
	fp="$(fingerprint)"
	code="$(code_fingerprint)"
	if pid="$(edge_pid)"; then
		if [[ "$(cat "${PREFIX}/fingerprint" 2>/dev/null)" == "$fp" ]]; then
			if [[ "$(cat "${PREFIX}/code-fingerprint" 2>/dev/null)" == "$code" ]]; then
				log "edge: already running (pid ${pid}, http ${LISTEN}:${HTTP_PORT}, grpc ${LISTEN}:${GRPC_PORT})"
				return 0
			fi
			if ! nginx_cmd -t -q 2>"${LOGS}/config-test.log"; then
				cat "${LOGS}/config-test.log" >&2
				die "edge: nginx rejected the new configuration; the running edge keeps the old one"
			fi
			kill -HUP "$pid"
			echo "$code" >"${PREFIX}/code-fingerprint"
			log "edge: config or Lua changed, reloaded (pid ${pid}; workers finish their requests)"
			return 0
		fi
		log "edge: settings changed, restarting"
		cmd_down
	fi
	local p
	for p in "$HTTP_PORT" "$GRPC_PORT" "$STATUS_PORT"; do
		if port_open 127.0.0.1 "$p" || { [[ "$LISTEN" != 127.0.0.1 ]] && port_open "$LISTEN" "$p"; }; then
			die "port ${p} is in use by another process (set PB_EDGE_HTTP_PORT / PB_EDGE_GRPC_PORT / PB_EDGE_STATUS_PORT)"
		fi
	done
	if ! nginx_cmd -t -q 2>"${LOGS}/config-test.log"; then
		cat "${LOGS}/config-test.log" >&2
		die "edge: nginx rejected the configuration"
	fi
	nginx_cmd
	echo "$fp" >"${PREFIX}/fingerprint"
	echo "$code" >"${PREFIX}/code-fingerprint"
	if ! wait_until 15 ready; then
		tail -20 "${LOGS}/error.log" >&2 || true
		die "edge: not answering after 15 s (log: ${LOGS}/error.log)"
	fi
	log "edge: ready (pid $(read_pid "$PIDFILE" || echo '?')): http://${LISTEN}:${HTTP_PORT} (HTTP/1.1), h2c ${LISTEN}:${GRPC_PORT} (gRPC), limiter ${PB_EDGE_LIMITER}, upstreams ${API_ADDRS}, status http://127.0.0.1:${STATUS_PORT}/edge/status"
}

cmd_down() {
	local pid deadline
	if ! pid="$(edge_pid)"; then
		rm -f "$PIDFILE"
		log "edge: not running"
		return 0
	fi
	# QUIT: finish the requests in flight (streams end within 10 s), then stop.
	kill -QUIT "$pid" 2>/dev/null || true
	deadline=$((SECONDS + 10))
	while pid_alive "$pid" "$PATTERN"; do
		if ((SECONDS >= deadline)); then
			warn "edge: pid ${pid} still running after 10 s, sending TERM"
			kill -TERM "$pid" 2>/dev/null || true
			wait_until 5 pid_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.1
	done
	rm -f "$PIDFILE"
	log "edge: stopped (pid ${pid})"
}

cmd_status() {
	local pid
	if pid="$(edge_pid)"; then
		printf '[stack] %-18s %-8s %-40s %s\n' edge running "http ${LISTEN}:${HTTP_PORT} grpc ${LISTEN}:${GRPC_PORT}" "pid ${pid}"
		curl -fsS --max-time 2 "http://127.0.0.1:${STATUS_PORT}/edge/status" || echo "(status port not answering)"
	else
		printf '[stack] %-18s %-8s %-40s %s\n' edge stopped "http ${LISTEN}:${HTTP_PORT} grpc ${LISTEN}:${GRPC_PORT}" "-"
	fi
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
	echo "usage: bash ops/local/edge.sh up|down|status" >&2
	exit 2
	;;
esac
