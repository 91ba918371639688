#!/usr/bin/env bash
# partsbin: entrypoint of the pgpool container (compose.yaml, official
# pgpool/pgpool image, which runs as its `postgres` OS user and has Pgpool
# in /opt/pgpool-II/bin). The container twin of pgpool_write_conf and
# pgpool_up in ops/local/pg.sh, with the same files from ops/pgpool (mounted
# read-only at /etc/partsbin/pgpool).
#
#   entrypoint.sh start      the service's command: render pgpool.conf and
#                            pool_hba.conf for the containers, write
#                            pool_passwd, pcp.conf and the pass files from
#                            the environment, make the standby synchronous
#                            (rejoin.sh attach) and exec Pgpool in the
#                            foreground
#   entrypoint.sh health     the healthcheck: Pgpool answers and routes to a
#                            primary that is up
#   entrypoint.sh attach I   node I came back as a standby (its container
#                            rewinds it on start): make it the synchronous
#                            standby again and attach it in Pgpool
#                              docker compose exec pgpool bash /etc/partsbin/pgpool/entrypoint.sh attach 0
#   entrypoint.sh nodes      SHOW pool_nodes
#
# Environment (compose.yaml):
#   PB_NET_CIDR              the compose network, appended to pool_hba.conf
#   PB_NODE0_HOST, PB_NODE1_HOST   the nodes (pg0, pg1), port 5432 each
#   PB_PGPOOL_CHILDREN       num_init_children (160)
#   PB_STREAM_TIMEOUT        seconds the standby gets to stream at start (30)
#   PB_PGPOOL_LISTEN         listen address of Pgpool and pcp ('*'); the
#                            healthcheck and `attach` use 127.0.0.1
#   PARTSBIN_PG_SUPERUSER_PASSWORD, PARTSBIN_PG_PASSWORD,
#   PARTSBIN_PGPOOL_CHECK_PASSWORD, PARTSBIN_PCP_PASSWORD
set -euo pipefail

SRC="${PB_PGPOOL_SRC:-/etc/partsbin/pgpool}"
STATE="${PB_PGPOOL_STATE:-/var/run/pgpool/partsbin}"
LISTEN="${PB_PGPOOL_LISTEN:-*}"
PORT=5432
PCP_PORT=9898
NODE_PORT=5432
NODE_HOSTS=("${PB_NODE0_HOST:-pg0}" "${PB_NODE1_HOST:-pg1}")
NODE_DATA=/var/lib/postgresql/data
SUPERUSER=postgres
APP_ROLE=partsbin
CHECK_ROLE=pgpool
PCP_USER=pgpool
export PATH="/opt/pgpool-II/bin:${PATH}"
export PGPASSFILE="${STATE}/pgpass"

log() { printf '%s [pgpool entrypoint] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

need() {
	local v
	for v in "$@"; do
		[[ -n "${!v:-}" ]] || die "${v} is not set (see ops/docker/env.example)"
	done
}

# The folder holding psql (failover.sh and rejoin.sh take it as PB_PG_BIN):
# on the PATH, or where Alpine's and Debian's packages keep it.
pg_bin() {
	local psql c
	if ! psql="$(command -v psql)"; then
		psql=""
		for c in /usr/libexec/postgresql*/psql /usr/lib/postgresql/*/bin/psql; do
			if [[ -x "$c" ]]; then psql="$c"; fi
		done
	fi
	[[ -n "$psql" ]] || die "psql is missing from the image"
	dirname "$psql"
}

# pgpass fields escape ':' and '\'.
pgpass_field() { printf '%s' "$1" | sed -e 's/[\\:]/\\&/g'; }

# put FILE : stdin into FILE, mode 600.
put() {
	local tmp="$1.tmp"
	(
		umask 077
		cat >"$tmp"
	)
	mv -f "$tmp" "$1"
}

render() {
	need PB_NET_CIDR PARTSBIN_PG_SUPERUSER_PASSWORD PARTSBIN_PG_PASSWORD PARTSBIN_PGPOOL_CHECK_PASSWORD PARTSBIN_PCP_PASSWORD
	[[ "$PB_NET_CIDR" =~ ^[0-9a-fA-F.:]+/[0-9]+$ ]] || die "PB_NET_CIDR must be the compose network's CIDR (got '${PB_NET_CIDR}')"
	local f
	for f in pgpool.conf pool_hba.conf failover.sh rejoin.sh; do
		[[ -r "${SRC}/${f}" ]] || die "${SRC}/${f} is missing (mount ops/pgpool at ${SRC})"
	done
	mkdir -p "${STATE}/scripts"
	chmod 700 "$STATE"

	sed -e "s|@LISTEN@|${LISTEN}|g" -e "s|@PORT@|${PORT}|g" -e "s|@PCP_PORT@|${PCP_PORT}|g" \
		-e "s|@SOCKET_DIR@|${STATE}|g" -e "s|@STATE_DIR@|${STATE}|g" \
		-e "s|@NODE0_HOST@|${NODE_HOSTS[0]}|g" -e "s|@NODE0_PORT@|${NODE_PORT}|g" -e "s|@NODE0_DATA@|${NODE_DATA}|g" \
		-e "s|@NODE1_HOST@|${NODE_HOSTS[1]}|g" -e "s|@NODE1_PORT@|${NODE_PORT}|g" -e "s|@NODE1_DATA@|${NODE_DATA}|g" \
		-e "s|@CHECK_USER@|${CHECK_ROLE}|g" -e "s|@SCRIPTS_DIR@|${STATE}/scripts|g" \
		-e "s|@NUM_CHILDREN@|${PB_PGPOOL_CHILDREN:-160}|g" \
		"${SRC}/pgpool.conf" | put "${STATE}/pgpool.conf"
	if grep -q '@[A-Z0-9_]*@' "${STATE}/pgpool.conf"; then
		die "${SRC}/pgpool.conf has a placeholder this script does not fill: update ops/pgpool/entrypoint.sh"
	fi

	{
		cat "${SRC}/pool_hba.conf"
		printf 'host    all       all   %-14s scram-sha-256\n' "$PB_NET_CIDR"
	} | put "${STATE}/pool_hba.conf"

	# Cleartext entries (TEXT prefix) let Pgpool do scram with the client
	# and again with each backend (as natively).
	{
		printf '%s:TEXT%s\n' "$APP_ROLE" "$PARTSBIN_PG_PASSWORD"
		printf '%s:TEXT%s\n' "$SUPERUSER" "$PARTSBIN_PG_SUPERUSER_PASSWORD"
		printf '%s:TEXT%s\n' "$CHECK_ROLE" "$PARTSBIN_PGPOOL_CHECK_PASSWORD"
	} | put "${STATE}/pool_passwd"
	printf '%s:%s\n' "$PCP_USER" "$(printf '%s' "$PARTSBIN_PCP_PASSWORD" | md5sum | cut -d' ' -f1)" | put "${STATE}/pcp.conf"
	{
		printf '127.0.0.1:%s:%s:%s\n' "$PCP_PORT" "$PCP_USER" "$(pgpass_field "$PARTSBIN_PCP_PASSWORD")"
		printf 'localhost:%s:%s:%s\n' "$PCP_PORT" "$PCP_USER" "$(pgpass_field "$PARTSBIN_PCP_PASSWORD")"
	} | put "${STATE}/pcppass"
	# failover.sh and rejoin.sh connect to the nodes as the superuser; the
	# healthcheck connects to Pgpool as the check role.
	{
		printf '*:*:*:%s:%s\n' "$SUPERUSER" "$(pgpass_field "$PARTSBIN_PG_SUPERUSER_PASSWORD")"
		printf '*:*:*:%s:%s\n' "$CHECK_ROLE" "$(pgpass_field "$PARTSBIN_PGPOOL_CHECK_PASSWORD")"
	} | put "${STATE}/pgpass"

	# Copies Pgpool can execute whatever the checkout's file modes are.
	install -m 750 "${SRC}/failover.sh" "${SRC}/rejoin.sh" "${STATE}/scripts/"
}

node_sql() {
	local i="$1"
	shift
	PGCONNECT_TIMEOUT=3 psql -X -q -At -v ON_ERROR_STOP=1 \
		-h "${NODE_HOSTS[$i]}" -p "$NODE_PORT" -U "$SUPERUSER" -d postgres -c "$@"
}

# find_primary [TIMEOUT] : sets PRIMARY to the one node that is not in
# recovery; dies when both are (never two primaries behind Pgpool) or when
# none is within TIMEOUT seconds.
find_primary() {
	local deadline=$((SECONDS + ${1:-120})) i r primaries
	while :; do
		primaries=()
		for i in 0 1; do
			r="$(node_sql "$i" "SELECT pg_is_in_recovery()" 2>/dev/null)" || r=""
			if [[ "$r" == f ]]; then primaries+=("$i"); fi
		done
		if ((${#primaries[@]} == 1)); then
			PRIMARY="${primaries[0]}"
			return 0
		fi
		if ((${#primaries[@]} == 2)); then
			die "both ${NODE_HOSTS[0]} and ${NODE_HOSTS[1]} run as primaries; stop the stale one and let it rejoin (docs/compose.md)"
		fi
		((SECONDS < deadline)) || die "no node runs as the primary after ${1:-120} s"
		sleep 1
	done
}

# rejoin_attach I [VAR=VALUE...] : ops/pgpool/rejoin.sh attach for node I
# against the current primary.
rejoin_attach() {
	local i="$1"
	shift
	env NODE_ID="$i" NODE_DATA="$NODE_DATA" PRIMARY_HOST="${NODE_HOSTS[$PRIMARY]}" PRIMARY_PORT="$NODE_PORT" \
		PGPASSFILE="$PGPASSFILE" PB_PG_BIN="$PB_PG_BIN" PB_PG_SUPERUSER="$SUPERUSER" \
		"$@" bash "${STATE}/scripts/rejoin.sh" attach
}

cmd_start() {
	render
	find_primary "${PB_PRIMARY_TIMEOUT:-120}"
	local standby=$((1 - PRIMARY)) status=(up up)
	log "primary: node${PRIMARY} (${NODE_HOSTS[$PRIMARY]})"
	if rejoin_attach "$standby" PCP_PORT= STREAM_TIMEOUT="${PB_STREAM_TIMEOUT:-30}"; then
		log "node${standby} is the synchronous standby (remote_apply)"
	else
		# Commits must not wait for a standby that does not stream, and
		# reads must not go to it: start with it detached.
		node_sql "$PRIMARY" "ALTER SYSTEM SET synchronous_standby_names = ''" >/dev/null
		node_sql "$PRIMARY" "SELECT pg_reload_conf()" >/dev/null
		status[standby]=down
		log "WARNING: node${standby} does not stream from node${PRIMARY}; Pgpool starts with it detached and commits are asynchronous."
		log "WARNING: once it streams: docker compose exec pgpool bash ${SRC}/entrypoint.sh attach ${standby}"
	fi
	# Node states at start (what -D would reset to "up" for both).
	printf '%s\n' "${status[@]}" >"${STATE}/pgpool_status"
	log "starting Pgpool-II on ${PORT} (pcp ${PCP_PORT})"
	# failover.sh: the superuser's pass file, its name, the folder of psql.
	export PB_PG_SUPERUSER="$SUPERUSER" PB_PG_BIN
	exec pgpool -n -f "${STATE}/pgpool.conf" -F "${STATE}/pcp.conf" -a "${STATE}/pool_hba.conf"
}

pool_nodes() {
	PGCONNECT_TIMEOUT=3 psql -X -q -At -F '|' -h 127.0.0.1 -p "$PORT" -U "$CHECK_ROLE" -d postgres -c "SHOW pool_nodes"
}

cmd_health() {
	local out
	out="$(pool_nodes)" || exit 1
	awk -F'|' '$4 == "up" && $7 == "primary" { found = 1 } END { exit !found }' <<<"$out"
}

cmd_attach() {
	local i="${1:-}"
	[[ "$i" == 0 || "$i" == 1 ]] || die "usage: entrypoint.sh attach 0|1"
	find_primary 10
	[[ "$i" != "$PRIMARY" ]] || die "node${i} is the primary"
	rejoin_attach "$i" PCP_HOST=127.0.0.1 PCP_PORT="$PCP_PORT" PCP_USER="$PCP_USER" \
		PCPPASSFILE="${STATE}/pcppass" STREAM_TIMEOUT="${PB_STREAM_TIMEOUT:-30}"
}

cmd_nodes() {
	PGCONNECT_TIMEOUT=3 psql -X -q -P pager=off -h 127.0.0.1 -p "$PORT" -U "$CHECK_ROLE" -d postgres -c "SHOW pool_nodes"
}

PB_PG_BIN="$(pg_bin)" || exit 1
export PATH="${PB_PG_BIN}:${PATH}"

case "${1:-start}" in
start) cmd_start ;;
health) cmd_health ;;
attach) cmd_attach "${2:-}" ;;
nodes) cmd_nodes ;;
*)
	echo "usage: entrypoint.sh start|health|attach I|nodes (see the header)" >&2
	exit 2
	;;
esac
