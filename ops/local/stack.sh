#!/usr/bin/env bash
# Native local stack: PostgreSQL 15 primary + synchronous standby behind
# Pgpool-II, Redis 7, Mailpit, stripe-mock.
#   bash ops/local/stack.sh up|down|status|env|failover|rejoin
#   bash ops/local/stack.sh db-up|db-down   (only Postgres and Pgpool)
# State (data, logs, pid files, secrets, env file) lives in $STACK_DIR
# (default <repo>/.stack). Ports: PB_PGPOOL_PORT (54320), PB_PG_PORT (54321),
# PB_PG_REPLICA_PORT (54322), PB_PCP_PORT (54329), PB_REDIS_PORT (63790),
# PB_SMTP_PORT (1025), PB_MAILPIT_PORT (8025), PB_STRIPE_PORT (12111).
set -euo pipefail

# shellcheck source=ops/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# STACK_DIR may be relative to the caller's folder; resolve it before cd.
STACK_DIR="${STACK_DIR:-${PB_REPO_ROOT}/.stack}"
[[ "$STACK_DIR" == /* ]] || STACK_DIR="${PWD}/${STACK_DIR}"
cd "$PB_REPO_ROOT"

HOST=127.0.0.1
REDIS_PORT="${PB_REDIS_PORT:-63790}"
SMTP_PORT="${PB_SMTP_PORT:-1025}"
MAILPIT_PORT="${PB_MAILPIT_PORT:-8025}"
STRIPE_PORT="${PB_STRIPE_PORT:-12111}"
# stripe-mock also serves HTTPS; without an address it takes *:12112
STRIPE_HTTPS_PORT="${PB_STRIPE_HTTPS_PORT:-$((STRIPE_PORT + 1))}"

DATA_DIR="${STACK_DIR}/data"
LOG_DIR="${STACK_DIR}/logs"
RUN_DIR="${STACK_DIR}/run"
SECRETS_DIR="${STACK_DIR}/secrets"
ENV_FILE="${STACK_DIR}/env"

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

# ------------------------------------------------ Postgres and Pgpool-II ---
# shellcheck source=ops/local/pg.sh
source "${PB_REPO_ROOT}/ops/local/pg.sh"


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
		"$STRIPE_PIDFILE" "$bin" -http-addr "${HOST}:${STRIPE_PORT}" -https-addr "${HOST}:${STRIPE_HTTPS_PORT}" \
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
	local app_pw redis_pw super_pw stripe_key webhook_secret page_secret tmp
	app_pw="$(secret app-password)"
	redis_pw="$(secret redis-password)"
	super_pw="$(secret pg-superuser-password)"
	stripe_key="sk_test_$(secret stripe-api-key)"
	webhook_secret="whsec_$(secret stripe-webhook-secret)"
	page_secret="$(secret page-token-secret)"
	local primary
	primary="$(pool_primary 2>/dev/null || echo 0)"
	tmp="${ENV_FILE}.tmp"
	(
		umask 077
		cat >"$tmp" <<ENV
# generated by ops/local/stack.sh up; source it: . ${ENV_FILE}
# Everything goes through Pgpool-II (${PGPOOL_PORT}); the nodes are ${PG_PORTS[0]} and ${PG_PORTS[1]}.
export PARTSBIN_DATABASE_URL='postgres://${APP_ROLE}:${app_pw}@${HOST}:${PGPOOL_PORT}/${APP_DB}?sslmode=disable'
export PARTSBIN_REDIS_URL='redis://default:${redis_pw}@${HOST}:${REDIS_PORT}/0'
export PARTSBIN_SMTP_ADDR='${HOST}:${SMTP_PORT}'
export PARTSBIN_MAILPIT_URL='http://${HOST}:${MAILPIT_PORT}'
export PARTSBIN_TEST_PG_ADMIN_URL='postgres://${PG_SUPERUSER}:${super_pw}@${HOST}:${PGPOOL_PORT}/postgres?sslmode=disable'
# the primary node itself (tests drop their databases there, see apptest)
export PARTSBIN_TEST_PG_PRIMARY_URL='postgres://${PG_SUPERUSER}:${super_pw}@${HOST}:${PG_PORTS[$primary]}/postgres?sslmode=disable'
export PARTSBIN_STRIPE_API_BASE='http://${HOST}:${STRIPE_PORT}'
export PARTSBIN_STRIPE_API_KEY='${stripe_key}'
export PARTSBIN_STRIPE_WEBHOOK_SECRET='${webhook_secret}'
# every API instance signs page tokens with it (a token from one is valid on all)
export PARTSBIN_PAGE_TOKEN_SECRET='${page_secret}'
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
	db_secrets
	secret redis-password >/dev/null
	pg_up
	pgpool_up
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
	pgpool_down
	pg_down
	log "stack down"
}

status_line() {
	printf '[stack] %-18s %-8s %-40s %s\n' "$1" "$2" "$3" "$4"
}

cmd_status() {
	local pid
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
	pg_status
}

db_secrets() {
	local s
	for s in pg-superuser-password app-password replication-password pgpool-check-password pcp-password; do
		secret "$s" >/dev/null
	done
}

# db-up / db-down: only Postgres and Pgpool (the failover tests run a
# private pair of nodes this way, with their own STACK_DIR and ports).
cmd_db_up() {
	ensure_dirs
	db_secrets
	pg_up
	pgpool_up
	write_env
}

cmd_db_down() {
	[[ -d "$RUN_DIR" ]] || return 0
	pgpool_down
	pg_down
}

cmd_env() {
	[[ -f "$ENV_FILE" ]] || die "no env file yet: run bash ops/local/stack.sh up"
	printf '%s\n' "$ENV_FILE"
}

usage() {
	echo "usage: bash ops/local/stack.sh up|down|status|env|failover|kill-standby|rejoin|db-up|db-down" >&2
	exit 2
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) cmd_env ;;
failover) pg_failover ;;
rejoin) pg_rejoin ;;
kill-standby) pg_kill_standby ;;
db-up) cmd_db_up ;;
db-down) cmd_db_down ;;
*) usage ;;
esac
