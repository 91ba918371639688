#!/usr/bin/env bash
# Bring a Postgres node back as a synchronous standby of the current primary
# and attach it in Pgpool. Runs where the node's data folder is, as its
# owner (natively: ops/local/stack.sh rejoin, i.e. `just rejoin`).
#
#   rejoin.sh prepare   the node is stopped: rewind it onto the primary's
#                       timeline (pg_rewind; a fresh pg_basebackup when the
#                       folder is empty or rewinding fails), make it a
#                       standby, create its replication slot on the primary
#   rejoin.sh attach    the node runs: wait until it streams, make it the
#                       synchronous standby again, attach it in Pgpool
#
# Environment:
#   NODE_ID NODE_DATA              the node (0 or 1) and its data folder
#   PRIMARY_HOST PRIMARY_PORT      the current primary
#   PGPASSFILE                     passwords of PB_PG_SUPERUSER and PB_REPL_USER
#   PB_PG_SUPERUSER (postgres) PB_REPL_USER (replicator) PB_PG_BIN (psql...)
#   PCP_HOST PCP_PORT PCP_USER PCPPASSFILE   Pgpool's control port (attach)
# The node's own settings (port, listen address, primary_conninfo pointing at
# the other node, primary_slot_name = node<ID>) live in <data>/partsbin.conf,
# which this script keeps across pg_rewind (that copies the source's).
set -euo pipefail

: "${NODE_ID:?}" "${NODE_DATA:?}" "${PRIMARY_HOST:?}" "${PRIMARY_PORT:?}" "${PGPASSFILE:?}"
SUPERUSER="${PB_PG_SUPERUSER:-postgres}"
REPL_USER="${PB_REPL_USER:-replicator}"
BIN="${PB_PG_BIN:-}"
if [[ -z "$BIN" ]]; then BIN="$(dirname "$(command -v pg_rewind || command -v psql)")"; fi
SLOT="node${NODE_ID}"
export PGPASSFILE

log() { printf '%s [rejoin node%s] %s\n' "$(date -u +%H:%M:%S.%3N)" "$NODE_ID" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}

primary_sql() {
	PGCONNECT_TIMEOUT=3 "${BIN}/psql" -X -q -At -v ON_ERROR_STOP=1 \
		-h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$SUPERUSER" -d postgres -c "$1"
}

prepare() {
	[[ "$(primary_sql "SELECT pg_is_in_recovery()")" == f ]] ||
		die "${PRIMARY_HOST}:${PRIMARY_PORT} is not a primary"
	if [[ -f "${NODE_DATA}/postmaster.pid" ]] && "${BIN}/pg_ctl" -D "$NODE_DATA" status >/dev/null 2>&1; then
		die "the node still runs: stop it first"
	fi
	# A fresh slot holds the primary's WAL from now on, so the rewound node
	# finds everything it needs to catch up.
	# A slot that is still there keeps the WAL this node has not received
	# yet; only one the primary gave up on (wal_status lost) is replaced.
	primary_sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${SLOT}' AND NOT active AND wal_status = 'lost'" >/dev/null
	primary_sql "SELECT pg_create_physical_replication_slot('${SLOT}', true) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = '${SLOT}')" >/dev/null

	# pg_rewind reads the source's timeline from its control file, which a
	# recent promotion updates only at the next checkpoint.
	primary_sql "CHECKPOINT" >/dev/null

	local saved="" source="host=${PRIMARY_HOST} port=${PRIMARY_PORT} user=${SUPERUSER} dbname=postgres connect_timeout=5"
	if [[ -n "${REJOIN_FRESH:-}" && -f "${NODE_DATA}/PG_VERSION" ]]; then
		log "fresh base backup requested"
		saved="$(mktemp)"
		cp "${NODE_DATA}/partsbin.conf" "$saved"
		find "$NODE_DATA" -mindepth 1 -delete
	fi
	if [[ -f "${NODE_DATA}/standby.signal" && -z "${REJOIN_FRESH:-}" ]]; then
		# Already a standby (it was stopped or killed as one): it only has
		# to start and catch up. pg_rewind would finish its recovery as a
		# primary and write WAL of its own that the real primary lacks.
		log "already a standby; it catches up from slot ${SLOT}"
		return 0
	fi
	if [[ -f "${NODE_DATA}/PG_VERSION" ]]; then
		# pg_rewind first finishes crash recovery in single-user mode,
		# which refuses to run as a standby.
		rm -f "${NODE_DATA}/standby.signal"
		saved="$(mktemp)"
		cp "${NODE_DATA}/partsbin.conf" "$saved"
		log "pg_rewind onto ${PRIMARY_HOST}:${PRIMARY_PORT}"
		if ! "${BIN}/pg_rewind" --target-pgdata="$NODE_DATA" --source-server="$source" --progress 2>&1 | tail -3 >&2; then
			log "pg_rewind failed; taking a fresh base backup instead"
			find "$NODE_DATA" -mindepth 1 -delete
		fi
	fi
	if [[ ! -f "${NODE_DATA}/PG_VERSION" ]]; then
		log "pg_basebackup from ${PRIMARY_HOST}:${PRIMARY_PORT}"
		"${BIN}/pg_basebackup" -D "$NODE_DATA" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPL_USER" \
			-X stream -c fast --no-password >&2
		chmod 700 "$NODE_DATA"
	fi
	if [[ -n "$saved" ]]; then
		cp "$saved" "${NODE_DATA}/partsbin.conf"
		rm -f "$saved"
	fi
	# Slots copied or left behind belong to the node's past as a primary.
	find "${NODE_DATA}/pg_replslot" -mindepth 1 -delete 2>/dev/null || true
	rm -f "${NODE_DATA}/postmaster.pid"
	touch "${NODE_DATA}/standby.signal"
	log "ready to start as a standby of ${PRIMARY_HOST}:${PRIMARY_PORT} (slot ${SLOT})"
}

attach() {
	local deadline=$((SECONDS + ${STREAM_TIMEOUT:-30})) state=""
	until state="$(primary_sql "SELECT state FROM pg_stat_replication WHERE application_name = '${SLOT}'")" && [[ "$state" == streaming ]]; do
		((SECONDS < deadline)) || die "node${NODE_ID} is not streaming after ${STREAM_TIMEOUT:-30} s (state '${state}')"
		sleep 0.2
	done
	log "streaming; making it the synchronous standby"
	primary_sql "ALTER SYSTEM SET synchronous_standby_names = '${SLOT}'" >/dev/null
	primary_sql "SELECT pg_reload_conf()" >/dev/null
	deadline=$((SECONDS + 30))
	until [[ "$(primary_sql "SELECT sync_state FROM pg_stat_replication WHERE application_name = '${SLOT}'")" == sync ]]; do
		((SECONDS < deadline)) || die "node${NODE_ID} did not become synchronous within 30 s"
		sleep 0.1
	done
	if [[ -n "${PCP_PORT:-}" ]]; then
		: "${PCPPASSFILE:?}"
		export PCPPASSFILE
		local pcp
		pcp="$(command -v pcp_attach_node || echo /usr/sbin/pcp_attach_node)"
		"$pcp" -h "${PCP_HOST:-127.0.0.1}" -p "$PCP_PORT" -U "${PCP_USER:-pgpool}" -w -n "$NODE_ID" >/dev/null
		log "attached in Pgpool"
	fi
	log "node${NODE_ID} is the synchronous standby of ${PRIMARY_HOST}:${PRIMARY_PORT}"
}

case "${1:-}" in
prepare) prepare ;;
attach) attach ;;
*)
	echo "usage: rejoin.sh prepare|attach (see the header for the environment)" >&2
	exit 2
	;;
esac
