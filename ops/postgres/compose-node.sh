#!/usr/bin/env bash
# partsbin: entrypoint of the Postgres node containers pg0 and pg1
# (compose.yaml, official postgres:15 image). The container twin of pg_up,
# pg_initdb, pg_write_conf, pg_bootstrap and pg_make_standby in
# ops/local/pg.sh: same settings template (ops/postgres/postgresql.local.conf
# rendered into <data>/partsbin.conf), same roles, same standby-making script
# (ops/pgpool/rejoin.sh prepare).
#
#   compose-node.sh start       the service's command: decide this node's
#                               role, prepare its data folder, then exec the
#                               image's `docker-entrypoint.sh postgres`
#   compose-node.sh bootstrap   re-apply roles, passwords, database and
#                               extensions on the running primary (after a
#                               password changed in .env):
#                                 docker compose exec pg0 bash /etc/partsbin/postgres/compose-node.sh bootstrap
#   compose-node.sh fresh       with the service stopped, replace this node's
#                               data with a fresh base backup of the primary:
#                                 docker compose stop pg0
#                                 docker compose run --rm --no-deps pg0 fresh
#                                 docker compose up -d pg0
#
# Roles are a fact of the data folders, as natively: the standby has
# standby.signal. On start, a node that
#   - has no data: node0 (when node1 has none either) runs initdb and the
#     bootstrap; otherwise it waits for the other node to be a primary and
#     becomes its standby (pg_basebackup without -R; rejoin.sh writes
#     standby.signal and creates slot node<ID> on the primary);
#   - has standby.signal: starts as the standby and streams from the other
#     node through slot node<ID> (application_name node<ID>);
#   - believes it is the primary: if the other node runs as a primary (a
#     failover happened while this one was away), or the other node's data
#     folder (mounted read-only) holds a primary on a later timeline, it is
#     rewound into that primary's standby (rejoin.sh prepare: pg_rewind, a
#     fresh base backup when that fails); otherwise it starts as the primary.
# Never two primaries. synchronous_standby_names is set on the primary by
# the pgpool container once the standby streams (ops/pgpool/entrypoint.sh,
# through rejoin.sh attach), and cleared by ops/pgpool/failover.sh when a
# node is lost.
#
# Environment (compose.yaml):
#   NODE_ID                 0 or 1: this node is node<ID>
#   PB_PEER_HOST            the other node's host (pg1 for node0, pg0 for node1)
#   PB_PEER_DATA            the other node's data volume, read-only
#                           (/var/lib/postgresql/peer)
#   PB_NET_CIDR             the compose network, allowed in pg_hba.conf
#   PARTSBIN_PG_SUPERUSER_PASSWORD, PARTSBIN_PG_PASSWORD,
#   PARTSBIN_PG_REPLICATION_PASSWORD, PARTSBIN_PGPOOL_CHECK_PASSWORD
#   PB_CONF_DIR             where ops/postgres and ops/pgpool are mounted
#                           (/etc/partsbin: postgres/ and pgpool/)
#   PB_LISTEN, PB_RUN_DIR   listen address ('*') and socket folder
#                           (/var/run/postgresql)
set -euo pipefail

NODE_ID="${NODE_ID:-}"
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
PORT=5432
SUPERUSER=postgres
APP_ROLE=partsbin
APP_DB=partsbin
REPL_ROLE=replicator
CHECK_ROLE=pgpool
CONF_DIR="${PB_CONF_DIR:-/etc/partsbin}"
TEMPLATE="${CONF_DIR}/postgres/postgresql.local.conf"
REJOIN="${CONF_DIR}/pgpool/rejoin.sh"
RUN_DIR="${PB_RUN_DIR:-/var/run/postgresql}"
LISTEN="${PB_LISTEN:-*}"
PASSFILE="${RUN_DIR}/partsbin.pgpass"
HBA_BEGIN="# BEGIN partsbin compose (ops/postgres/compose-node.sh)"
HBA_END="# END partsbin compose"

log() { printf '%s [compose-node node%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "${NODE_ID:-?}" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

[[ "$NODE_ID" == 0 || "$NODE_ID" == 1 ]] || die "NODE_ID must be 0 or 1 (got '${NODE_ID}')"
NODE_NAME="node${NODE_ID}"
PEER_ID=$((1 - NODE_ID))
PEER_HOST="${PB_PEER_HOST:-pg${PEER_ID}}"
PEER_DATA="${PB_PEER_DATA:-/var/lib/postgresql/peer}"
SELF_HOST="${PB_SELF_HOST:-pg${NODE_ID}}"

# The folder holding postgres, initdb, pg_ctl, pg_rewind (on PATH in the
# official image: /usr/lib/postgresql/15/bin).
BIN="${PB_PG_BIN:-}"
if [[ -z "$BIN" ]]; then
	BIN="$(dirname "$(command -v pg_ctl || echo /usr/lib/postgresql/15/bin/pg_ctl)")"
fi

need() {
	local v
	for v in "$@"; do
		[[ -n "${!v:-}" ]] || die "${v} is not set (see ops/docker/env.example)"
	done
}

# The official image starts as root: own the folders, then run the rest as
# the postgres OS user (Postgres refuses to run as root).
step_down() {
	if [[ "$(id -u)" != 0 ]]; then return 0; fi
	mkdir -p "$PGDATA" "$RUN_DIR"
	find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
	chmod 700 "$PGDATA"
	chown postgres:postgres "$RUN_DIR"
	chmod 3775 "$RUN_DIR"
	exec gosu postgres bash "${BASH_SOURCE[0]}" "$@"
}

# pgpass fields escape ':' and '\'.
pgpass_field() { printf '%s' "$1" | sed -e 's/[\\:]/\\&/g'; }

# The pass file of the superuser (rejoin.sh, bootstrap) and of the
# replication role (primary_conninfo's passfile, pg_basebackup).
write_passfile() {
	need PARTSBIN_PG_SUPERUSER_PASSWORD PARTSBIN_PG_REPLICATION_PASSWORD
	local tmp="${PASSFILE}.tmp"
	(
		umask 077
		{
			printf '*:*:*:%s:%s\n' "$SUPERUSER" "$(pgpass_field "$PARTSBIN_PG_SUPERUSER_PASSWORD")"
			printf '*:*:*:%s:%s\n' "$REPL_ROLE" "$(pgpass_field "$PARTSBIN_PG_REPLICATION_PASSWORD")"
		} >"$tmp"
	)
	mv -f "$tmp" "$PASSFILE"
	export PGPASSFILE="$PASSFILE"
}

has_data() { [[ -f "$1/PG_VERSION" ]]; }
is_standby() { [[ -f "$1/standby.signal" ]]; }

# timeline DIR : the timeline of the last checkpoint in DIR's control file.
timeline() {
	local tl
	tl="$(LC_ALL=C "${BIN}/pg_controldata" "$1" 2>/dev/null | sed -n "s/^Latest checkpoint's TimeLineID: *//p")"
	printf '%s\n' "${tl:-0}"
}

peer_sql() {
	PGCONNECT_TIMEOUT=3 "${BIN}/psql" -X -q -At -v ON_ERROR_STOP=1 \
		-h "$PEER_HOST" -p "$PORT" -U "$SUPERUSER" -d postgres -c "$1"
}

peer_is_primary() { [[ "$(peer_sql "SELECT pg_is_in_recovery()" 2>/dev/null)" == f ]]; }

# peer_outranks : the other node's data folder (read-only mount) holds a
# primary that wins over this one: a later timeline, or on a tie the lower
# node id (as pg_primary_node in ops/local/pg.sh).
peer_outranks() {
	has_data "$PEER_DATA" && ! is_standby "$PEER_DATA" || return 1
	local mine theirs
	mine="$(timeline "$PGDATA")"
	theirs="$(timeline "$PEER_DATA")"
	((theirs > mine || (theirs == mine && PEER_ID < NODE_ID)))
}

wait_for_peer_primary() {
	local waited=0
	until peer_is_primary; do
		if ((waited % 30 == 0)); then
			log "waiting for ${PEER_HOST} to run as the primary (${waited} s)"
		fi
		sleep 2
		waited=$((waited + 2))
	done
}

rejoin_prepare() {
	env NODE_ID="$NODE_ID" NODE_DATA="$PGDATA" PRIMARY_HOST="$PEER_HOST" PRIMARY_PORT="$PORT" \
		PGPASSFILE="$PASSFILE" PB_PG_BIN="$BIN" PB_PG_SUPERUSER="$SUPERUSER" PB_REPL_USER="$REPL_ROLE" \
		"$@" bash "$REJOIN" prepare
}

make_standby() {
	wait_for_peer_primary
	rejoin_prepare || die "could not make this node a standby of ${PEER_HOST} (see above)"
}

pg_locale() {
	if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then echo C.UTF-8; else echo C; fi
}

# render_conf : ops/postgres/postgresql.local.conf into <data>/partsbin.conf,
# streaming (used only as a standby) from the other node through slot
# node<ID>; as pg_write_conf in ops/local/pg.sh.
render_conf() {
	local conninfo tmp="${PGDATA}/partsbin.conf.tmp"
	[[ -r "$TEMPLATE" ]] || die "${TEMPLATE} is missing (mount ops/postgres at ${CONF_DIR}/postgres)"
	conninfo="host=${PEER_HOST} port=${PORT} user=${REPL_ROLE} passfile=${PASSFILE} application_name=${NODE_NAME} connect_timeout=2"
	sed -e "s|@LISTEN@|${LISTEN}|g" -e "s|@PORT@|${PORT}|g" -e "s|@SOCKET_DIR@|${RUN_DIR}|g" \
		-e "s|@NODE_NAME@|${NODE_NAME}|g" -e "s|@UPSTREAM_CONNINFO@|${conninfo}|g" \
		"$TEMPLATE" >"$tmp"
	if grep -q '@[A-Z0-9_]*@' "$tmp"; then
		rm -f "$tmp"
		die "${TEMPLATE} has a placeholder this script does not fill: update ops/postgres/compose-node.sh"
	fi
	chmod 600 "$tmp"
	mv -f "$tmp" "${PGDATA}/partsbin.conf"
	if ! grep -qx "include_if_exists = 'partsbin.conf'" "${PGDATA}/postgresql.conf"; then
		printf "\n# partsbin local stack settings\ninclude_if_exists = 'partsbin.conf'\n" >>"${PGDATA}/postgresql.conf"
	fi
}

# render_hba : the compose network may connect (scram only): every role to
# every database (Pgpool, the other node's pg_rewind), and the replication
# role for streaming and base backups. Rewritten on every start.
render_hba() {
	local cidr="${PB_NET_CIDR:-}" hba="${PGDATA}/pg_hba.conf" tmp
	[[ "$cidr" =~ ^[0-9a-fA-F.:]+/[0-9]+$ ]] || die "PB_NET_CIDR must be the compose network's CIDR (got '${cidr}')"
	tmp="$(mktemp)"
	awk -v b="$HBA_BEGIN" -v e="$HBA_END" '$0 == b { skip = 1 } !skip { print } $0 == e { skip = 0 }' "$hba" >"$tmp"
	{
		echo "$HBA_BEGIN"
		echo "host    all             all             ${cidr}    scram-sha-256"
		echo "host    replication     ${REPL_ROLE}      ${cidr}    scram-sha-256"
		echo "$HBA_END"
	} >>"$tmp"
	cat "$tmp" >"$hba"
	rm -f "$tmp"
}

local_psql() {
	PGOPTIONS="-c client_min_messages=warning" "${BIN}/psql" -X -q -v ON_ERROR_STOP=1 \
		-h "$RUN_DIR" -p "$PORT" -U "$SUPERUSER" "$@"
}

# bootstrap_sql : roles, database, extensions; idempotent, passwords are
# re-applied (ops/postgres/bootstrap.sql, as ops/local/pg.sh does).
bootstrap_sql() {
	need PARTSBIN_PG_PASSWORD PARTSBIN_PG_REPLICATION_PASSWORD PARTSBIN_PGPOOL_CHECK_PASSWORD
	local_psql -d postgres \
		-v app_role="$APP_ROLE" -v app_db="$APP_DB" -v repl_role="$REPL_ROLE" -v check_role="$CHECK_ROLE" \
		-v app_pw="$PARTSBIN_PG_PASSWORD" -v repl_pw="$PARTSBIN_PG_REPLICATION_PASSWORD" \
		-v check_pw="$PARTSBIN_PGPOOL_CHECK_PASSWORD" -f "${CONF_DIR}/postgres/bootstrap.sql"
	log "roles ${APP_ROLE}, ${REPL_ROLE}, ${CHECK_ROLE}; database ${APP_DB}; extensions pg_trgm, unaccent"
}

# first_init : initdb and bootstrap on a server that listens on its socket
# only, so nothing connects before the roles exist.
first_init() {
	local pwfile
	if [[ -n "$(ls -A "$PGDATA")" ]]; then
		die "${PGDATA} is not empty but has no PG_VERSION (a failed initdb?); remove the volume and retry"
	fi
	pwfile="$(mktemp)"
	printf '%s\n' "$PARTSBIN_PG_SUPERUSER_PASSWORD" >"$pwfile"
	log "first start: initdb (${PGDATA})"
	if ! "${BIN}/initdb" -D "$PGDATA" -U "$SUPERUSER" --auth=scram-sha-256 --pwfile="$pwfile" \
		-E UTF8 --locale="$(pg_locale)" >/dev/null; then
		rm -f "$pwfile"
		die "initdb failed"
	fi
	rm -f "$pwfile"
	render_conf
	render_hba
	"${BIN}/pg_ctl" -D "$PGDATA" -w -t 60 -s -o "-c listen_addresses='' -c unix_socket_directories='${RUN_DIR}'" start
	bootstrap_sql
	# No standby yet: commits must not wait for one.
	local_psql -d postgres -c "ALTER SYSTEM SET synchronous_standby_names = ''"
	"${BIN}/pg_ctl" -D "$PGDATA" -w -t 60 -s -m fast stop
}

cmd_start() {
	write_passfile
	if ! has_data "$PGDATA"; then
		if [[ "$NODE_ID" == 0 ]] && ! has_data "$PEER_DATA"; then
			first_init
			log "initialised as the primary"
		else
			log "no data yet: becoming the standby of ${PEER_HOST} (base backup)"
			make_standby
		fi
	elif is_standby "$PGDATA"; then
		log "standby: streams from ${PEER_HOST} through slot ${NODE_NAME}"
	elif peer_is_primary; then
		log "${PEER_HOST} runs as the primary (a failover while this node was away): rewinding into its standby"
		make_standby
	elif peer_outranks; then
		log "${PEER_HOST}'s data holds the newer primary (timeline $(timeline "$PEER_DATA") vs $(timeline "$PGDATA")): waiting for it, then rewinding into its standby"
		make_standby
	else
		log "primary"
	fi
	render_conf
	render_hba
	exec docker-entrypoint.sh postgres
}

cmd_bootstrap() {
	write_passfile
	[[ "$(local_psql -At -d postgres -c "SELECT pg_is_in_recovery()")" == f ]] ||
		die "node${NODE_ID} is a standby: run bootstrap on the primary"
	bootstrap_sql
}

cmd_fresh() {
	write_passfile
	if "${BIN}/pg_isready" -q -h "$SELF_HOST" -p "$PORT" 2>/dev/null; then
		die "the ${SELF_HOST} service still runs on this data: docker compose stop ${SELF_HOST} first"
	fi
	peer_is_primary || die "${PEER_HOST} is not a running primary: nothing to copy from"
	if has_data "$PGDATA"; then
		rejoin_prepare REJOIN_FRESH=1 || die "fresh base backup failed"
	else
		rejoin_prepare || die "base backup failed"
	fi
	render_conf
	render_hba
	log "fresh standby of ${PEER_HOST}; start it with: docker compose up -d ${SELF_HOST}"
}

main() {
	local cmd="${1:-start}"
	case "$cmd" in
	start | bootstrap | fresh) ;;
	*)
		echo "usage: compose-node.sh start|bootstrap|fresh (see the header)" >&2
		exit 2
		;;
	esac
	step_down "$@"
	"cmd_${cmd}"
}

main "$@"
