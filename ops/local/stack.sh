#!/usr/bin/env bash
# Native local stack: PostgreSQL 15 primary, Redis 7, Mailpit.
#   bash ops/local/stack.sh up|down|status|env
# State (data, logs, pid files, secrets, env file) lives in $STACK_DIR
# (default <repo>/.stack). Ports: PB_PG_PORT (54321), PB_REDIS_PORT (63790),
# PB_SMTP_PORT (1025), PB_MAILPIT_PORT (8025), PB_STRIPE_PORT (12111).
set -euo pipefail

# shellcheck source=ops/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# STACK_DIR may be relative to the caller's folder; resolve it before cd.
STACK_DIR="${STACK_DIR:-${PB_REPO_ROOT}/.stack}"
[[ "$STACK_DIR" == /* ]] || STACK_DIR="${PWD}/${STACK_DIR}"
cd "$PB_REPO_ROOT"

HOST=127.0.0.1
PG_PORT="${PB_PG_PORT:-54321}"
REDIS_PORT="${PB_REDIS_PORT:-63790}"
SMTP_PORT="${PB_SMTP_PORT:-1025}"
MAILPIT_PORT="${PB_MAILPIT_PORT:-8025}"
STRIPE_PORT="${PB_STRIPE_PORT:-12111}"

DATA_DIR="${STACK_DIR}/data"
LOG_DIR="${STACK_DIR}/logs"
RUN_DIR="${STACK_DIR}/run"
SECRETS_DIR="${STACK_DIR}/secrets"
ENV_FILE="${STACK_DIR}/env"

PG_SUPERUSER=postgres
APP_ROLE=partsbin
APP_DB=partsbin

ensure_dirs() {
	mkdir -p "$STACK_DIR" "$DATA_DIR" "$LOG_DIR" "$RUN_DIR" "$SECRETS_DIR"
	chmod 755 "$STACK_DIR" "$DATA_DIR" "$LOG_DIR" "$RUN_DIR"
	chmod 700 "$SECRETS_DIR"
}

# ---------------------------------------------------------------- secrets ---
# secret NAME : print the secret, generating it once (hex, mode 600).
secret() {
	local f="${SECRETS_DIR}/$1"
	if [[ ! -s "$f" ]]; then
		(
			umask 077
			random_hex 24 >"${f}.tmp"
			mv -f "${f}.tmp" "$f"
		)
	fi
	chmod 600 "$f"
	tr -d '\n' <"$f"
}

# ------------------------------------------------------------- Postgres ---
# pg_paths NAME [create] : sets PG_DATA, PG_LOG, PG_SOCK for instance NAME
# (primary, later replica). The `postgres` OS user must reach them: when it
# cannot traverse the repo path (a parent folder is 0700, e.g. /root), or the
# socket path is too long, the folders live under /var/tmp/partsbin-<hash>/
# and are symlinked into $STACK_DIR. Without `create` it only follows
# existing symlinks (no side effects: for status/down).
pg_paths() {
	local name="$1" mode="${2:-}"
	PG_DATA="${DATA_DIR}/pg-${name}"
	PG_LOG="${LOG_DIR}/postgres-${name}.log"
	PG_SOCK="${RUN_DIR}/pg"
	if [[ "$mode" != create ]]; then
		if [[ -L "$PG_DATA" ]]; then PG_DATA="$(readlink "$PG_DATA")"; fi
		if [[ -L "$PG_LOG" ]]; then PG_LOG="$(readlink "$PG_LOG")"; fi
		if [[ -L "$PG_SOCK" ]]; then PG_SOCK="$(readlink "$PG_SOCK")"; fi
		return 0
	fi

	local reachable=1
	if is_root && ! runuser -u postgres -- test -x "$DATA_DIR" 2>/dev/null; then
		reachable=0
	fi
	local sock_ok=1
	if ((${#PG_SOCK} + 20 > 107)); then sock_ok=0; fi
	if ((reachable && sock_ok)); then
		return 0
	fi

	local base
	base="/var/tmp/partsbin-$(short_hash "$STACK_DIR")"
	mkdir -p "$base"
	chmod 755 "$base"
	if ((!reachable)); then
		# Fresh .stack (no symlink yet) but an old folder in /var/tmp: it
		# belongs to a deleted .stack whose secrets are gone.
		if [[ ! -L "$PG_DATA" && -e "${base}/pg-${name}" ]]; then
			local stale_pid
			if stale_pid="$(read_pid "${base}/pg-${name}/postmaster.pid" 2>/dev/null)" &&
				pid_alive "$stale_pid" postgres; then
				die "${base}/pg-${name} belongs to a deleted ${STACK_DIR} but its Postgres still runs (pid ${stale_pid}); stop it with: runuser -u postgres -- ${PB_PG_BIN}/pg_ctl -D ${base}/pg-${name} -m fast stop"
			fi
			log "postgres-${name}: removing stale data ${base}/pg-${name} (its .stack was deleted)"
			rm -rf -- "${base:?}/pg-${name}"
		fi
		link_into "${base}/pg-${name}" "$PG_DATA"
		link_into "${base}/postgres-${name}.log" "$PG_LOG"
		PG_DATA="${base}/pg-${name}"
		PG_LOG="${base}/postgres-${name}.log"
	fi
	link_into "${base}/run-pg" "$PG_SOCK"
	PG_SOCK="${base}/run-pg"
}

# link_into TARGET LINK : make LINK a symlink to TARGET (replace a wrong one).
link_into() {
	local target="$1" link="$2"
	if [[ -L "$link" && "$(readlink "$link")" == "$target" ]]; then return 0; fi
	if [[ -e "$link" && ! -L "$link" ]]; then
		die "${link} exists and is not a symlink to ${target}; remove ${STACK_DIR} to start clean"
	fi
	ln -sfn "$target" "$link"
}

pg_locale() {
	local locales
	locales="$(locale -a 2>/dev/null || true)"
	if grep -ixE 'c\.utf-?8' <<<"$locales" >/dev/null; then echo C.UTF-8; else echo C; fi
}

# pg_pid : print the postmaster pid if the instance in $PG_DATA runs.
pg_pid() {
	local pid
	[[ -f "${PG_DATA}/postmaster.pid" ]] || return 1
	pid="$(read_pid "${PG_DATA}/postmaster.pid")" || return 1
	pid_alive "$pid" postgres || return 1
	printf '%s\n' "$pid"
}

# psql_admin [psql args...] : psql as the superuser over TCP.
psql_admin() {
	PGPASSWORD="$(secret pg-superuser-password)" PGCONNECT_TIMEOUT=5 \
		PGOPTIONS="-c client_min_messages=warning" \
		"${PB_PG_BIN}/psql" -X -q -v ON_ERROR_STOP=1 \
		-h "$HOST" -p "$PG_PORT" -U "$PG_SUPERUSER" "$@"
}

pg_initdb() {
	local owner locale pwfile
	owner="$(pg_os_user)"
	if [[ -d "$PG_DATA" ]] && [[ -n "$(ls -A "$PG_DATA")" ]]; then
		die "${PG_DATA} is not empty but has no PG_VERSION (failed initdb?); remove it and retry"
	fi
	install -d -m 700 -o "$owner" -g "$(id -gn "$owner")" "$PG_DATA"
	install -d -m 750 -o "$owner" -g "$(id -gn "$owner")" "$PG_SOCK"
	locale="$(pg_locale)"
	pwfile="${PG_SOCK}/.initdb-pw"
	install -m 600 -o "$owner" -g "$(id -gn "$owner")" /dev/null "$pwfile"
	secret pg-superuser-password >"$pwfile"
	log "postgres-primary: initdb (${PG_DATA}, locale ${locale}, owner ${owner})"
	if ! run_as_pg "${PB_PG_BIN}/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" \
		--auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale="$locale" \
		>"${LOG_DIR}/initdb-primary.log" 2>&1; then
		rm -f "$pwfile"
		tail -20 "${LOG_DIR}/initdb-primary.log" >&2
		die "initdb failed (full log: ${LOG_DIR}/initdb-primary.log)"
	fi
	rm -f "$pwfile"
}

pg_write_conf() {
	local owner tmp
	owner="$(pg_os_user)"
	tmp="$(mktemp)"
	sed -e "s|@LISTEN@|${HOST}|g" -e "s|@PORT@|${PG_PORT}|g" -e "s|@SOCKET_DIR@|${PG_SOCK}|g" \
		"${PB_REPO_ROOT}/ops/postgres/postgresql.local.conf" >"$tmp"
	install -m 600 -o "$owner" -g "$(id -gn "$owner")" "$tmp" "${PG_DATA}/partsbin.conf"
	rm -f "$tmp"
	if ! grep -qx "include_if_exists = 'partsbin.conf'" "${PG_DATA}/postgresql.conf"; then
		printf "\n# partsbin local stack settings\ninclude_if_exists = 'partsbin.conf'\n" |
			run_as_pg tee -a "${PG_DATA}/postgresql.conf" >/dev/null
	fi
}

# A killed postmaster can linger as a zombie until PID 1 reaps it (seconds on
# this kind of VM); Postgres then refuses to start ("lock file already
# exists"). Wait for it. A recycled pid (another program) makes the lock file
# stale: remove it.
pg_wait_stale_postmaster() {
	local pid
	pid="$(read_pid "${PG_DATA}/postmaster.pid" 2>/dev/null)" || return 0
	pid_gone "$pid" && return 0
	if pid_zombie "$pid"; then
		log "postgres-primary: waiting for the previous postmaster (pid ${pid}, zombie) to be reaped"
		wait_until 15 pid_gone "$pid" || true
	fi
	if ! pid_gone "$pid" && ! pid_alive "$pid" postgres; then
		log "postgres-primary: removing stale postmaster.pid (pid ${pid} is another program now)"
		run_as_pg rm -f "${PG_DATA}/postmaster.pid"
	fi
}

pg_up() {
	pg_paths primary create
	local pid owner
	owner="$(pg_os_user)"
	if pid="$(pg_pid)"; then
		log "postgres-primary: already running (pid ${pid}, ${HOST}:${PG_PORT})"
	else
		if port_open "$HOST" "$PG_PORT"; then
			die "port ${HOST}:${PG_PORT} is in use by another process (set PB_PG_PORT)"
		fi
		install -d -m 750 -o "$owner" -g "$(id -gn "$owner")" "$PG_SOCK"
		if [[ ! -f "${PG_DATA}/PG_VERSION" ]]; then
			pg_initdb
		elif [[ ! -s "${SECRETS_DIR}/pg-superuser-password" ]]; then
			die "Postgres data exists but ${SECRETS_DIR}/pg-superuser-password is gone; run 'stack.sh down && rm -rf ${STACK_DIR}'"
		fi
		[[ "$(stat -c %U "$PG_DATA")" == "$owner" ]] ||
			die "${PG_DATA} belongs to $(stat -c %U "$PG_DATA"), expected ${owner}"
		pg_write_conf
		if [[ ! -e "$PG_LOG" ]]; then install -m 640 -o "$owner" -g "$(id -gn "$owner")" /dev/null "$PG_LOG"; fi
		pg_wait_stale_postmaster
		log "postgres-primary: starting on ${HOST}:${PG_PORT}"
		# -w: pg_ctl returns as soon as the server is up, or at once if it dies
		if ! run_as_pg "${PB_PG_BIN}/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 30 -s start ||
			! wait_until 30 "${PB_PG_BIN}/pg_isready" -q -h "$HOST" -p "$PG_PORT"; then
			tail -30 "$PG_LOG" >&2 || true
			die "postgres-primary did not become ready within 30 s (log: ${PG_LOG})"
		fi
		pid="$(pg_pid || echo '?')"
		log "postgres-primary: ready (pid ${pid})"
	fi
	pg_bootstrap
}

# Roles, database, extensions. Idempotent; the app password is re-applied so
# the role always matches the secret.
pg_bootstrap() {
	local app_pw
	app_pw="$(secret app-password)"
	psql_admin -d postgres <<SQL
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', '${APP_ROLE}', '${app_pw}')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${APP_ROLE}') \gexec
ALTER ROLE ${APP_ROLE} WITH LOGIN PASSWORD '${app_pw}';
\c template1
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
\c postgres
SELECT format('CREATE DATABASE %I OWNER %I', '${APP_DB}', '${APP_ROLE}')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${APP_DB}') \gexec
\c ${APP_DB}
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
SQL
	log "postgres-primary: role ${APP_ROLE}, database ${APP_DB}, extensions pg_trgm+unaccent ok"
}

pg_down() {
	pg_paths primary
	local pid
	if ! pid="$(pg_pid)"; then
		log "postgres-primary: not running"
		return 0
	fi
	run_as_pg "${PB_PG_BIN}/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 -s stop
	log "postgres-primary: stopped (pid ${pid})"
}

# ----------------------------------------------------------------- Redis ---
REDIS_PIDFILE="${RUN_DIR}/redis.pid"

redis_ping() {
	local out
	out="$(REDISCLI_AUTH="$(secret redis-password)" redis-cli --no-auth-warning \
		-h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" || return 1
	[[ "$out" == PONG ]]
}

redis_up() {
	local pid
	if pid="$(pidfile_alive "$REDIS_PIDFILE" redis-server)"; then
		log "redis: already running (pid ${pid}, ${HOST}:${REDIS_PORT})"
		return 0
	fi
	if port_open "$HOST" "$REDIS_PORT"; then
		die "port ${HOST}:${REDIS_PORT} is in use by another process (set PB_REDIS_PORT)"
	fi
	command -v redis-server >/dev/null 2>&1 || die "redis-server missing: run bash ops/local/install.sh"
	mkdir -p "${DATA_DIR}/redis"
	local conf="${RUN_DIR}/redis.conf" pw
	pw="$(secret redis-password)"
	(
		umask 077
		sed -e "s|@BIND@|${HOST}|g" -e "s|@PORT@|${REDIS_PORT}|g" -e "s|@PASSWORD@|${pw}|g" \
			-e "s|@DIR@|${DATA_DIR}/redis|g" -e "s|@PIDFILE@|${REDIS_PIDFILE}|g" \
			-e "s|@LOGFILE@|${LOG_DIR}/redis.log|g" \
			"${PB_REPO_ROOT}/ops/redis/redis.local.conf" >"$conf"
	)
	log "redis: starting on ${HOST}:${REDIS_PORT}"
	redis-server "$conf"
	if ! wait_until 15 redis_ping; then
		tail -20 "${LOG_DIR}/redis.log" >&2 || true
		die "redis did not answer PING within 15 s (log: ${LOG_DIR}/redis.log)"
	fi
	log "redis: ready (pid $(read_pid "$REDIS_PIDFILE" || echo '?'))"
}

redis_down() { stop_pidfile redis "$REDIS_PIDFILE" redis-server; }

# --------------------------------------------------------------- Mailpit ---
MAILPIT_PIDFILE="${RUN_DIR}/mailpit.pid"

mailpit_ready() { curl -fsS -o /dev/null --max-time 2 "http://${HOST}:${MAILPIT_PORT}/api/v1/info"; }

mailpit_up() {
	local pid bin="${PB_TOOLS_BIN}/mailpit"
	if pid="$(pidfile_alive "$MAILPIT_PIDFILE" mailpit)"; then
		log "mailpit: already running (pid ${pid}, smtp ${HOST}:${SMTP_PORT}, api ${HOST}:${MAILPIT_PORT})"
		return 0
	fi
	[[ -x "$bin" ]] || die "mailpit missing: run bash ops/local/install.sh"
	local p
	for p in "$SMTP_PORT" "$MAILPIT_PORT"; do
		if port_open "$HOST" "$p"; then
			die "port ${HOST}:${p} is in use by another process (set PB_SMTP_PORT / PB_MAILPIT_PORT)"
		fi
	done
	log "mailpit: starting (smtp ${HOST}:${SMTP_PORT}, api ${HOST}:${MAILPIT_PORT})"
	# --disable-version-check (and the env twin) keep it off the internet.
	# The inner shell records its own pid, then execs mailpit (same pid).
	# shellcheck disable=SC2016 # expanded by the inner shell
	MP_DISABLE_VERSION_CHECK=true setsid bash -c 'echo "$$" >"$1"; shift; exec "$@"' _ \
		"$MAILPIT_PIDFILE" "$bin" \
		--smtp "${HOST}:${SMTP_PORT}" --listen "${HOST}:${MAILPIT_PORT}" \
		--disable-version-check --database "${DATA_DIR}/mailpit.db" \
		</dev/null >>"${LOG_DIR}/mailpit.log" 2>&1 &
	if ! wait_until 20 mailpit_ready; then
		tail -20 "${LOG_DIR}/mailpit.log" >&2 || true
		die "mailpit API did not answer within 20 s (log: ${LOG_DIR}/mailpit.log)"
	fi
	log "mailpit: ready (pid $(read_pid "$MAILPIT_PIDFILE" || echo '?'))"
}

mailpit_down() { stop_pidfile mailpit "$MAILPIT_PIDFILE" mailpit; }

# ----------------------------------------------------------- stripe-mock ---
# A local Stripe API (fixtures, no state) that the server's Stripe client
# talks to instead of the real one.
STRIPE_PIDFILE="${RUN_DIR}/stripe-mock.pid"

stripe_ready() { port_open "$HOST" "$STRIPE_PORT"; }

stripe_up() {
	local pid bin="${PB_TOOLS_BIN}/stripe-mock"
	if pid="$(pidfile_alive "$STRIPE_PIDFILE" stripe-mock)"; then
		log "stripe-mock: already running (pid ${pid}, http ${HOST}:${STRIPE_PORT})"
		return 0
	fi
	[[ -x "$bin" ]] || die "stripe-mock missing: run bash ops/local/install.sh"
	if port_open "$HOST" "$STRIPE_PORT"; then
		die "port ${HOST}:${STRIPE_PORT} is in use by another process (set PB_STRIPE_PORT)"
	fi
	log "stripe-mock: starting (http ${HOST}:${STRIPE_PORT})"
	# shellcheck disable=SC2016 # expanded by the inner shell
	setsid bash -c 'echo "$$" >"$1"; shift; exec "$@"' _ \
		"$STRIPE_PIDFILE" "$bin" -http-addr "${HOST}:${STRIPE_PORT}" \
		</dev/null >>"${LOG_DIR}/stripe-mock.log" 2>&1 &
	if ! wait_until 20 stripe_ready; then
		tail -20 "${LOG_DIR}/stripe-mock.log" >&2 || true
		die "stripe-mock did not listen within 20 s (log: ${LOG_DIR}/stripe-mock.log)"
	fi
	log "stripe-mock: ready (pid $(read_pid "$STRIPE_PIDFILE" || echo '?'))"
}

stripe_down() { stop_pidfile stripe-mock "$STRIPE_PIDFILE" stripe-mock; }

# ------------------------------------------------------- partsbin servers ---
# The lead's scripts write .stack/run/partsbin-<name>.pid for API instances.
partsbin_down() {
	local f name
	shopt -s nullglob
	for f in "${RUN_DIR}"/partsbin-*.pid; do
		name="$(basename "$f" .pid)"
		stop_pidfile "$name" "$f" partsbin
	done
	shopt -u nullglob
}

# ------------------------------------------------------------------ env ---
write_env() {
	local app_pw redis_pw super_pw stripe_key webhook_secret tmp
	app_pw="$(secret app-password)"
	redis_pw="$(secret redis-password)"
	super_pw="$(secret pg-superuser-password)"
	stripe_key="sk_test_$(secret stripe-api-key)"
	webhook_secret="whsec_$(secret stripe-webhook-secret)"
	tmp="${ENV_FILE}.tmp"
	(
		umask 077
		cat >"$tmp" <<ENV
# generated by ops/local/stack.sh up; source it: . ${ENV_FILE}
export PARTSBIN_DATABASE_URL='postgres://${APP_ROLE}:${app_pw}@${HOST}:${PG_PORT}/${APP_DB}?sslmode=disable'
export PARTSBIN_REDIS_URL='redis://default:${redis_pw}@${HOST}:${REDIS_PORT}/0'
export PARTSBIN_SMTP_ADDR='${HOST}:${SMTP_PORT}'
export PARTSBIN_MAILPIT_URL='http://${HOST}:${MAILPIT_PORT}'
export PARTSBIN_TEST_PG_ADMIN_URL='postgres://${PG_SUPERUSER}:${super_pw}@${HOST}:${PG_PORT}/postgres?sslmode=disable'
export PARTSBIN_STRIPE_API_BASE='http://${HOST}:${STRIPE_PORT}'
export PARTSBIN_STRIPE_API_KEY='${stripe_key}'
export PARTSBIN_STRIPE_WEBHOOK_SECRET='${webhook_secret}'
ENV
	)
	mv -f "$tmp" "$ENV_FILE"
	chmod 600 "$ENV_FILE"
}

# ------------------------------------------------------------- commands ---
cmd_up() {
	local t0
	t0="$(now_ms)"
	ensure_dirs
	secret pg-superuser-password >/dev/null
	secret app-password >/dev/null
	secret redis-password >/dev/null
	pg_up
	redis_up
	mailpit_up
	stripe_up
	write_env
	log "stack up in $(elapsed_since "$t0"); env: ${ENV_FILE}  (source it: . ${ENV_FILE})"
}

cmd_down() {
	if [[ ! -d "$RUN_DIR" ]]; then
		log "nothing to stop (${STACK_DIR} has no run/ folder)"
		return 0
	fi
	partsbin_down
	stripe_down
	mailpit_down
	redis_down
	pg_down
	log "stack down"
}

status_line() {
	printf '[stack] %-18s %-8s %-40s %s\n' "$1" "$2" "$3" "$4"
}

cmd_status() {
	local pid
	pg_paths primary
	if pid="$(pg_pid)"; then
		status_line postgres-primary running "${HOST}:${PG_PORT}" "pid ${pid}"
	else
		status_line postgres-primary stopped "${HOST}:${PG_PORT}" "-"
	fi
	if pid="$(pidfile_alive "$REDIS_PIDFILE" redis-server)"; then
		status_line redis running "${HOST}:${REDIS_PORT}" "pid ${pid}"
	else
		status_line redis stopped "${HOST}:${REDIS_PORT}" "-"
	fi
	if pid="$(pidfile_alive "$MAILPIT_PIDFILE" mailpit)"; then
		status_line mailpit running "smtp ${HOST}:${SMTP_PORT} api ${HOST}:${MAILPIT_PORT}" "pid ${pid}"
	else
		status_line mailpit stopped "smtp ${HOST}:${SMTP_PORT} api ${HOST}:${MAILPIT_PORT}" "-"
	fi
	if pid="$(pidfile_alive "$STRIPE_PIDFILE" stripe-mock)"; then
		status_line stripe-mock running "http ${HOST}:${STRIPE_PORT}" "pid ${pid}"
	else
		status_line stripe-mock stopped "http ${HOST}:${STRIPE_PORT}" "-"
	fi
	local f name
	shopt -s nullglob
	for f in "${RUN_DIR}"/partsbin-*.pid; do
		name="$(basename "$f" .pid)"
		if pid="$(pidfile_alive "$f" partsbin)"; then
			status_line "$name" running "-" "pid ${pid}"
		else
			status_line "$name" stopped "-" "(stale pid file)"
		fi
	done
	shopt -u nullglob
}

cmd_env() {
	[[ -f "$ENV_FILE" ]] || die "no env file yet: run bash ops/local/stack.sh up"
	printf '%s\n' "$ENV_FILE"
}

usage() {
	echo "usage: bash ops/local/stack.sh up|down|status|env" >&2
	exit 2
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) cmd_env ;;
*) usage ;;
esac
