#!/usr/bin/env bash
# Pgpool-II failover_command (see pgpool.conf):
#   failover.sh FAILED_ID FAILED_HOST FAILED_PORT NEW_MAIN_ID NEW_MAIN_HOST
#               NEW_MAIN_PORT OLD_PRIMARY_ID OLD_PRIMARY_HOST OLD_PRIMARY_PORT
#
# Primary lost: promote the standby over a SQL connection (pg_promote, so it
#   works the same natively and between containers) and clear
#   synchronous_standby_names on it, so its commits do not wait for a standby
#   that does not exist.
# Standby lost: clear synchronous_standby_names on the primary so writes go
#   on, asynchronously until ops/pgpool/rejoin.sh restores the standby.
#
# Environment (inherited from Pgpool): PGPASSFILE with the superuser's
# password, PB_PG_SUPERUSER (postgres), PB_PG_BIN (folder holding psql).
set -uo pipefail

failed_id="$1" failed_host="$2" failed_port="$3"
new_id="$4" new_host="$5" new_port="$6"
old_primary_id="$7" old_primary_host="$8" old_primary_port="$9"

PSQL="psql"
if [[ -n "${PB_PG_BIN:-}" && -x "${PB_PG_BIN}/psql" ]]; then PSQL="${PB_PG_BIN}/psql"; fi
SUPERUSER="${PB_PG_SUPERUSER:-postgres}"

log() { printf '%s [failover] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$*" >&2; }

# sql HOST PORT STATEMENT... : run statements as the superuser, print output.
sql() {
	local host="$1" port="$2"
	shift 2
	local args=()
	for s in "$@"; do args+=(-c "$s"); done
	PGCONNECT_TIMEOUT=3 PGOPTIONS="-c statement_timeout=60000" \
		"$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$host" -p "$port" -U "$SUPERUSER" -d postgres "${args[@]}"
}

clear_sync() {
	sql "$1" "$2" "ALTER SYSTEM SET synchronous_standby_names = ''" "SELECT pg_reload_conf()" >/dev/null
}

if [[ "$failed_id" != "$old_primary_id" ]]; then
	log "standby node ${failed_id} (${failed_host}:${failed_port}) lost; primary node ${old_primary_id} now commits ASYNCHRONOUSLY until the standby rejoins"
	if [[ "$old_primary_id" -lt 0 ]] || ! clear_sync "$old_primary_host" "$old_primary_port"; then
		log "could not clear synchronous_standby_names on ${old_primary_host}:${old_primary_port}: commits may wait"
		exit 1
	fi
	exit 0
fi

if [[ "$new_id" -lt 0 || "$new_id" == "$failed_id" ]]; then
	log "primary node ${failed_id} lost and no standby is left to promote"
	exit 1
fi

log "primary node ${failed_id} (${failed_host}:${failed_port}) lost; promoting node ${new_id} (${new_host}:${new_port})"
# Clear first (allowed during recovery): a standby cloned from the primary
# carries its synchronous_standby_names and would hang its first commit.
clear_sync "$new_host" "$new_port" || log "clearing synchronous_standby_names before promotion failed; retrying after"
in_recovery="$(sql "$new_host" "$new_port" "SELECT pg_is_in_recovery()")" || {
	log "node ${new_id} does not answer; cannot promote"
	exit 1
}
if [[ "$in_recovery" == t ]]; then
	if [[ "$(sql "$new_host" "$new_port" "SELECT pg_promote(wait => true, wait_seconds => 30)")" != t ]]; then
		log "pg_promote on node ${new_id} did not finish within 30 s"
		exit 1
	fi
fi
clear_sync "$new_host" "$new_port" || {
	log "could not clear synchronous_standby_names on the new primary"
	exit 1
}
# A checkpoint writes the new timeline into the control file; pg_rewind
# reads it there when the old primary rejoins.
sql "$new_host" "$new_port" "CHECKPOINT" >/dev/null || log "checkpoint after promotion failed"
log "node ${new_id} is the primary (asynchronous until a standby rejoins: ops/pgpool/rejoin.sh)"
