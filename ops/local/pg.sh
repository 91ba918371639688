#!/usr/bin/env bash
# Postgres primary + synchronous standby behind Pgpool-II, for the native
# local stack. Sourced by ops/local/stack.sh (which defines HOST, DATA_DIR,
# LOG_DIR, RUN_DIR, SECRETS_DIR and secret()); not run on its own.
#
# Nodes are named by position, not role: node0 (PB_PG_PORT, 54321) and node1
# (PB_PG_REPLICA_PORT, 54322). Which one is the primary is a fact of the data
# folders (the standby has standby.signal), so it survives failovers, `down`
# and `up`. Pgpool-II listens on PB_PGPOOL_PORT (54320), its control port on
# PB_PCP_PORT (54329). Every client - the API, the tests - goes through
# Pgpool; only the stack's own admin steps talk to a node directly.

PG_PORTS=("${PB_PG_PORT:-54321}" "${PB_PG_REPLICA_PORT:-54322}")
PGPOOL_PORT="${PB_PGPOOL_PORT:-54320}"
PCP_PORT="${PB_PCP_PORT:-54329}"
PGPOOL_CHILDREN="${PB_PGPOOL_CHILDREN:-160}"

PG_SUPERUSER=postgres
APP_ROLE=partsbin
APP_DB=partsbin
REPL_ROLE=replicator
CHECK_ROLE=pgpool
PCP_USER=pgpool

# pg_paths NAME [create] : sets PG_DATA, PG_LOG, PG_SOCK for instance NAME
# (node0, node1). The `postgres` OS user must reach them: when it cannot
# traverse the repo path (a parent folder is 0700, e.g. /root), or the
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

# node I [create] : select node I: NODE, NODE_NAME, NODE_PORT, PG_DATA,
# PG_LOG, PG_SOCK; PG_SHARED is the folder (owned by the postgres OS user)
# for the pass files and the scripts Pgpool runs.
node() {
	NODE="$1"
	NODE_NAME="node$1"
	NODE_PORT="${PG_PORTS[$1]}"
	pg_paths "$NODE_NAME" "${2:-}"
	PG_SHARED="$PG_SOCK"
	PGPASS_FILE="${PG_SHARED}/pgpass"
	PGPOOL_DIR="$(dirname "$PG_SOCK")/pgpool"
}

pg_locale() {
	local locales
	locales="$(locale -a 2>/dev/null || true)"
	if grep -ixE 'c\.utf-?8' <<<"$locales" >/dev/null; then echo C.UTF-8; else echo C; fi
}

# pg_pid : print the postmaster pid if the selected node runs.
pg_pid() {
	local pid
	[[ -f "${PG_DATA}/postmaster.pid" ]] || return 1
	pid="$(read_pid "${PG_DATA}/postmaster.pid")" || return 1
	pid_alive "$pid" postgres || return 1
	printf '%s\n' "$pid"
}

is_standby() { [[ -f "${PG_DATA}/standby.signal" ]]; }
has_data() { [[ -f "${PG_DATA}/PG_VERSION" ]]; }

# timeline : the selected node's timeline per its control file (0 if none).
timeline() {
	local tl
	tl="$(run_as_pg "${PB_PG_BIN}/pg_controldata" "$PG_DATA" 2>/dev/null |
		sed -n "s/^Latest checkpoint's TimeLineID: *//p")"
	printf '%s\n' "${tl:-0}"
}

# psql_node I [psql args...] : psql as the superuser on node I over TCP.
psql_node() {
	local port="${PG_PORTS[$1]}"
	shift
	PGPASSWORD="$(secret pg-superuser-password)" PGCONNECT_TIMEOUT=5 \
		PGOPTIONS="-c client_min_messages=warning" \
		"${PB_PG_BIN}/psql" -X -q -v ON_ERROR_STOP=1 \
		-h "$HOST" -p "$port" -U "$PG_SUPERUSER" "$@"
}

# psql_pool [psql args...] : psql as the superuser through Pgpool.
psql_pool() {
	PGPASSWORD="$(secret pg-superuser-password)" PGCONNECT_TIMEOUT=5 \
		PGOPTIONS="-c client_min_messages=warning" \
		"${PB_PG_BIN}/psql" -X -q -v ON_ERROR_STOP=1 \
		-h "$HOST" -p "$PGPOOL_PORT" -U "$PG_SUPERUSER" -d postgres "$@"
}

# pg_files : the pass file the nodes and Pgpool's scripts use, and copies of
# ops/pgpool's scripts where the postgres OS user can run them.
pg_files() {
	local owner group tmp
	owner="$(pg_os_user)"
	group="$(id -gn "$owner")"
	install -d -m 750 -o "$owner" -g "$group" "$PG_SHARED"
	tmp="$(mktemp)"
	{
		printf '%s:*:*:%s:%s\n' "$HOST" "$PG_SUPERUSER" "$(secret pg-superuser-password)"
		printf '%s:*:*:%s:%s\n' "$HOST" "$REPL_ROLE" "$(secret replication-password)"
	} >"$tmp"
	install -m 600 -o "$owner" -g "$group" "$tmp" "$PGPASS_FILE"
	rm -f "$tmp"
	install -d -m 750 -o "$owner" -g "$group" "$PGPOOL_DIR" "${PGPOOL_DIR}/scripts"
	install -m 750 -o "$owner" -g "$group" \
		"${PB_REPO_ROOT}/ops/pgpool/failover.sh" "${PB_REPO_ROOT}/ops/pgpool/rejoin.sh" \
		"${PGPOOL_DIR}/scripts/"
}

pg_initdb() {
	local owner locale pwfile
	owner="$(pg_os_user)"
	if [[ -d "$PG_DATA" ]] && [[ -n "$(ls -A "$PG_DATA")" ]]; then
		die "${PG_DATA} is not empty but has no PG_VERSION (failed initdb?); remove it and retry"
	fi
	install -d -m 700 -o "$owner" -g "$(id -gn "$owner")" "$PG_DATA"
	locale="$(pg_locale)"
	pwfile="${PG_SHARED}/.initdb-pw"
	install -m 600 -o "$owner" -g "$(id -gn "$owner")" /dev/null "$pwfile"
	secret pg-superuser-password >"$pwfile"
	log "postgres-${NODE_NAME}: initdb (${PG_DATA}, locale ${locale}, owner ${owner})"
	if ! run_as_pg "${PB_PG_BIN}/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" \
		--auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --locale="$locale" \
		>"${LOG_DIR}/initdb-${NODE_NAME}.log" 2>&1; then
		rm -f "$pwfile"
		tail -20 "${LOG_DIR}/initdb-${NODE_NAME}.log" >&2
		die "initdb failed (full log: ${LOG_DIR}/initdb-${NODE_NAME}.log)"
	fi
	rm -f "$pwfile"
	pg_write_conf
}

# pg_write_conf : render ops/postgres/postgresql.local.conf into the selected
# node's partsbin.conf: its port, and (used only as a standby) streaming from
# the other node through slot node<I>.
pg_write_conf() {
	local owner tmp other conninfo
	owner="$(pg_os_user)"
	other=$((1 - NODE))
	conninfo="host=${HOST} port=${PG_PORTS[$other]} user=${REPL_ROLE} passfile=${PGPASS_FILE} application_name=${NODE_NAME} connect_timeout=2"
	tmp="$(mktemp)"
	sed -e "s|@LISTEN@|${HOST}|g" -e "s|@PORT@|${NODE_PORT}|g" -e "s|@SOCKET_DIR@|${PG_SOCK}|g" \
		-e "s|@NODE_NAME@|${NODE_NAME}|g" -e "s|@UPSTREAM_CONNINFO@|${conninfo}|g" \
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
		log "postgres-${NODE_NAME}: waiting for the previous postmaster (pid ${pid}, zombie) to be reaped"
		wait_until 15 pid_gone "$pid" || true
	fi
	if ! pid_gone "$pid" && ! pid_alive "$pid" postgres; then
		log "postgres-${NODE_NAME}: removing stale postmaster.pid (pid ${pid} is another program now)"
		run_as_pg rm -f "${PG_DATA}/postmaster.pid"
	fi
}

# pg_start : start the selected node (already initialised) or die.
pg_start() {
	pg_try_start || die "postgres-${NODE_NAME} did not become ready within 60 s (log: ${PG_LOG})"
}

# pg_try_start : start the selected node; fails (with the log's tail) if it
# does not come up.
pg_try_start() {
	local pid owner role=primary
	owner="$(pg_os_user)"
	is_standby && role=standby
	if pid="$(pg_pid)"; then
		log "postgres-${NODE_NAME}: already running as ${role} (pid ${pid}, ${HOST}:${NODE_PORT})"
		return 0
	fi
	if port_open "$HOST" "$NODE_PORT"; then
		die "port ${HOST}:${NODE_PORT} is in use by another process (set PB_PG_PORT / PB_PG_REPLICA_PORT)"
	fi
	[[ "$(stat -c %U "$PG_DATA")" == "$owner" ]] ||
		die "${PG_DATA} belongs to $(stat -c %U "$PG_DATA"), expected ${owner}"
	pg_write_conf
	if [[ ! -e "$PG_LOG" ]]; then install -m 640 -o "$owner" -g "$(id -gn "$owner")" /dev/null "$PG_LOG"; fi
	pg_wait_stale_postmaster
	log "postgres-${NODE_NAME}: starting as ${role} on ${HOST}:${NODE_PORT}"
	# -w: pg_ctl returns as soon as the server accepts connections
	if ! run_as_pg "${PB_PG_BIN}/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 -s start ||
		! wait_until 30 "${PB_PG_BIN}/pg_isready" -q -h "$HOST" -p "$NODE_PORT"; then
		tail -8 "$PG_LOG" >&2 || true
		return 1
	fi
	log "postgres-${NODE_NAME}: ready (pid $(pg_pid || echo '?'))"
}

# pg_stop [MODE] : stop the selected node (fast by default).
pg_stop() {
	local pid
	if ! pid="$(pg_pid)"; then
		return 0
	fi
	run_as_pg "${PB_PG_BIN}/pg_ctl" -D "$PG_DATA" -m "${1:-fast}" -w -t 60 -s stop
	log "postgres-${NODE_NAME}: stopped (${1:-fast}, pid ${pid})"
}

# pg_set_sync I NAMES : synchronous_standby_names on node I.
pg_set_sync() {
	psql_node "$1" -d postgres -c "ALTER SYSTEM SET synchronous_standby_names = '$2'" -c "SELECT pg_reload_conf()" >/dev/null
}

# rejoin_env I PRIMARY : environment for ops/pgpool/rejoin.sh
rejoin_env() {
	local i="$1" p="$2"
	node "$i"
	printf '%s\n' "NODE_ID=${i}" "NODE_DATA=${PG_DATA}" "PRIMARY_HOST=${HOST}" "PRIMARY_PORT=${PG_PORTS[$p]}" \
		"PGPASSFILE=${PGPASS_FILE}" "PB_PG_BIN=${PB_PG_BIN}" "PB_PG_SUPERUSER=${PG_SUPERUSER}" \
		"PB_REPL_USER=${REPL_ROLE}" "PCP_HOST=${HOST}" "PCP_PORT=${PCP_PORT}" "PCP_USER=${PCP_USER}" \
		"PCPPASSFILE=${PGPOOL_DIR}/pcppass"
}

# pg_make_standby I PRIMARY [attach] : (re)build node I as the synchronous
# standby of node PRIMARY: stop it, pg_rewind or pg_basebackup, start,
# wait for sync; with `attach`, also attach it in Pgpool.
pg_make_standby() {
	local i="$1" p="$2" attach="${3:-}" owner env_lines=()
	mapfile -t env_lines < <(rejoin_env "$i" "$p")
	node "$i" create
	owner="$(pg_os_user)"
	pg_stop fast
	if ! has_data; then
		install -d -m 700 -o "$owner" -g "$(id -gn "$owner")" "$PG_DATA"
	fi
	run_as_pg env "${env_lines[@]}" "${PGPOOL_DIR}/scripts/rejoin.sh" prepare
	if ! pg_try_start; then
		warn "postgres-${NODE_NAME}: the rewound node does not start; taking a fresh base backup"
		pg_stop immediate
		run_as_pg env "${env_lines[@]}" REJOIN_FRESH=1 "${PGPOOL_DIR}/scripts/rejoin.sh" prepare
		pg_start
	fi
	local pcp=()
	[[ "$attach" == attach ]] || pcp=(PCP_PORT=)
	if ! run_as_pg env "${env_lines[@]}" "${pcp[@]}" STREAM_TIMEOUT=20 "${PGPOOL_DIR}/scripts/rejoin.sh" attach; then
		# A standby killed mid-write can keep a torn WAL record it never
		# gets past; a fresh copy always works.
		warn "postgres-${NODE_NAME}: does not stream; taking a fresh base backup"
		pg_stop immediate
		run_as_pg env "${env_lines[@]}" REJOIN_FRESH=1 "${PGPOOL_DIR}/scripts/rejoin.sh" prepare
		pg_start
		run_as_pg env "${env_lines[@]}" "${pcp[@]}" "${PGPOOL_DIR}/scripts/rejoin.sh" attach
	fi
}

# pg_primary_node : print the node that should be primary. A node without
# standby.signal believes it is the primary; when both do (a failover whose
# old primary was never rejoined), the one on the later timeline wins and the
# other is rejoined as its standby - never two primaries.
pg_primary_node() {
	local i primaries=() tl best=-1 best_tl=-1
	for i in 0 1; do
		node "$i"
		if has_data && ! is_standby; then primaries+=("$i"); fi
	done
	if ((${#primaries[@]} == 0)); then
		node 0
		has_data || {
			echo -1
			return 0
		}
		die "no node is a primary (both have standby.signal); promote one by hand"
	fi
	for i in "${primaries[@]}"; do
		node "$i"
		tl="$(timeline)"
		if ((tl > best_tl)); then
			best="$i"
			best_tl="$tl"
		fi
	done
	printf '%s\n' "$best"
}

pg_up() {
	local p s
	if [[ -e "${DATA_DIR}/pg-primary" ]]; then
		die "${STACK_DIR} holds the old single-node layout (data/pg-primary); run 'just down && rm -rf ${STACK_DIR}' for the replicated one"
	fi
	node 0 create
	node 1 create
	pg_files
	p="$(pg_primary_node)"
	if ((p < 0)); then
		node 0
		pg_initdb
		p=0
	fi
	s=$((1 - p))
	node "$p"
	pg_start
	# No standby yet (or not yet caught up): commits must not wait for it.
	pg_set_sync "$p" ''
	pg_bootstrap "$p"
	node "$s"
	if has_data && is_standby; then
		local env_lines=()
		mapfile -t env_lines < <(rejoin_env "$s" "$p")
		pg_start
		run_as_pg env "${env_lines[@]}" PCP_PORT= "${PGPOOL_DIR}/scripts/rejoin.sh" attach
	else
		if has_data; then
			warn "postgres-${NODE_NAME} also believes it is a primary (a failover it missed); rewinding it into a standby of node${p}"
		fi
		pg_make_standby "$s" "$p"
	fi
	log "postgres: node${p} primary, node${s} synchronous standby (remote_apply)"
}

# Roles, database, extensions. Idempotent; passwords are re-applied so the
# roles always match the secrets.
pg_bootstrap() {
	local app_pw repl_pw check_pw
	app_pw="$(secret app-password)"
	repl_pw="$(secret replication-password)"
	check_pw="$(secret pgpool-check-password)"
	psql_node "$1" -d postgres \
		-v app_role="$APP_ROLE" -v app_db="$APP_DB" -v repl_role="$REPL_ROLE" -v check_role="$CHECK_ROLE" \
		-v app_pw="$app_pw" -v repl_pw="$repl_pw" -v check_pw="$check_pw" \
		-f "${PB_REPO_ROOT}/ops/postgres/bootstrap.sql"
	log "postgres: roles ${APP_ROLE}, ${REPL_ROLE}, ${CHECK_ROLE}; database ${APP_DB}; extensions ok"
}

pg_down() {
	local i pid
	for i in 1 0; do
		node "$i"
		if ! pid="$(pg_pid)"; then
			log "postgres-${NODE_NAME}: not running"
			continue
		fi
		pg_stop fast
	done
}

# ------------------------------------------------------------- Pgpool-II ---
pgpool_pid() {
	local pid
	pid="$(read_pid "${PGPOOL_DIR}/pgpool.pid" 2>/dev/null)" || return 1
	pid_alive "$pid" pgpool || return 1
	printf '%s\n' "$pid"
}

# pgpool_nodes : "id status role sync_state" per node, from SHOW pool_nodes.
pgpool_nodes() {
	psql_pool -At -F '|' -c "SHOW pool_nodes" |
		awk -F'|' '{ print $1, $4, $7, ($13 == "" ? "-" : $13) }'
}

pgpool_ready() {
	local out
	out="$(pgpool_nodes 2>/dev/null)" || return 1
	[[ "$(grep -c ' up primary' <<<"$out")" == 1 ]]
}

pgpool_write_conf() {
	local owner group tmp
	owner="$(pg_os_user)"
	group="$(id -gn "$owner")"
	node 0
	local data0="$PG_DATA"
	node 1
	local data1="$PG_DATA"
	tmp="$(mktemp)"
	sed -e "s|@LISTEN@|${HOST}|g" -e "s|@PORT@|${PGPOOL_PORT}|g" -e "s|@PCP_PORT@|${PCP_PORT}|g" \
		-e "s|@SOCKET_DIR@|${PG_SOCK}|g" -e "s|@STATE_DIR@|${PGPOOL_DIR}|g" \
		-e "s|@NODE0_HOST@|${HOST}|g" -e "s|@NODE0_PORT@|${PG_PORTS[0]}|g" -e "s|@NODE0_DATA@|${data0}|g" \
		-e "s|@NODE1_HOST@|${HOST}|g" -e "s|@NODE1_PORT@|${PG_PORTS[1]}|g" -e "s|@NODE1_DATA@|${data1}|g" \
		-e "s|@CHECK_USER@|${CHECK_ROLE}|g" -e "s|@SCRIPTS_DIR@|${PGPOOL_DIR}/scripts|g" \
		-e "s|@NUM_CHILDREN@|${PGPOOL_CHILDREN}|g" \
		"${PB_REPO_ROOT}/ops/pgpool/pgpool.conf" >"$tmp"
	install -m 600 -o "$owner" -g "$group" "$tmp" "${PGPOOL_DIR}/pgpool.conf"
	install -m 600 -o "$owner" -g "$group" "${PB_REPO_ROOT}/ops/pgpool/pool_hba.conf" "${PGPOOL_DIR}/pool_hba.conf"
	# Cleartext entries (TEXT prefix) let Pgpool do scram with the client
	# and again with each backend. Mode 600, the postgres OS user only.
	{
		printf '%s:TEXT%s\n' "$APP_ROLE" "$(secret app-password)"
		printf '%s:TEXT%s\n' "$PG_SUPERUSER" "$(secret pg-superuser-password)"
		printf '%s:TEXT%s\n' "$CHECK_ROLE" "$(secret pgpool-check-password)"
	} >"$tmp"
	install -m 600 -o "$owner" -g "$group" "$tmp" "${PGPOOL_DIR}/pool_passwd"
	printf '%s:%s\n' "$PCP_USER" "$(printf '%s' "$(secret pcp-password)" | md5sum | cut -d' ' -f1)" >"$tmp"
	install -m 600 -o "$owner" -g "$group" "$tmp" "${PGPOOL_DIR}/pcp.conf"
	printf '%s:%s:%s:%s\n' "$HOST" "$PCP_PORT" "$PCP_USER" "$(secret pcp-password)" >"$tmp"
	install -m 600 -o "$owner" -g "$group" "$tmp" "${PGPOOL_DIR}/pcppass"
	rm -f "$tmp"
}

pgpool_up() {
	local pid
	node 0
	if pid="$(pgpool_pid)"; then
		if [[ "$(pgpool_nodes 2>/dev/null | awk '$2 == "up"' | wc -l)" == 2 ]]; then
			log "pgpool: already running (pid ${pid}, ${HOST}:${PGPOOL_PORT})"
			return 0
		fi
		# Both nodes run again (pg_up made sure of their roles) but Pgpool
		# still has one detached: start it afresh so it reads the roles.
		log "pgpool: a node is detached; restarting Pgpool to attach both"
		pgpool_down
	fi
	command -v pgpool >/dev/null 2>&1 || [[ -x /usr/sbin/pgpool ]] || die "pgpool missing: run bash ops/local/install.sh"
	local p
	for p in "$PGPOOL_PORT" "$PCP_PORT"; do
		if port_open "$HOST" "$p"; then
			die "port ${HOST}:${p} is in use by another process (set PB_PGPOOL_PORT / PB_PCP_PORT)"
		fi
	done
	pgpool_write_conf
	local logf="${LOG_DIR}/pgpool.log" owner
	owner="$(pg_os_user)"
	if [[ ! -e "$logf" ]]; then install -m 640 -o "$owner" -g "$(id -gn "$owner")" /dev/null "$logf"; fi
	log "pgpool: starting on ${HOST}:${PGPOOL_PORT} (pcp ${PCP_PORT})"
	# -n: stay in the foreground (setsid detaches it); -D: forget node states
	# of a previous run, the nodes' own roles are the truth at start.
	run_as_pg env PGPASSFILE="$PGPASS_FILE" PB_PG_BIN="$PB_PG_BIN" PB_PG_SUPERUSER="$PG_SUPERUSER" \
		setsid "$(command -v pgpool || echo /usr/sbin/pgpool)" -n -D -f "${PGPOOL_DIR}/pgpool.conf" \
		-F "${PGPOOL_DIR}/pcp.conf" -a "${PGPOOL_DIR}/pool_hba.conf" \
		</dev/null >>"$logf" 2>&1 &
	if ! wait_until 30 pgpool_ready; then
		tail -30 "$logf" >&2 || true
		die "pgpool did not find a primary within 30 s (log: ${logf})"
	fi
	log "pgpool: ready (pid $(pgpool_pid || echo '?'))"
}

pgpool_down() {
	local pid
	node 0
	if ! pid="$(pgpool_pid)"; then
		log "pgpool: not running"
		return 0
	fi
	# SIGINT = fast shutdown (SIGTERM would wait for every client to leave)
	kill -INT "$pid" 2>/dev/null || true
	if ! wait_until 15 pid_gone "$pid"; then
		warn "pgpool: pid ${pid} still runs after 15 s, sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	log "pgpool: stopped (pid ${pid})"
}

# ------------------------------------------------- failover, rejoin, status ---
# pool_primary : the node Pgpool routes writes to (fails if none is up).
pool_primary() {
	local id
	id="$(pgpool_nodes 2>/dev/null | awk '$2 == "up" && $3 == "primary" { print $1 }')"
	[[ -n "$id" ]] || return 1
	printf '%s\n' "$id"
}

# pg_failover : kill the primary (immediate) and time until writes through
# Pgpool are accepted again.
pg_failover() {
	local p
	p="$(pool_primary)" || die "Pgpool reports no primary that is up"
	kill_and_time "$p" failover primary "writes accepted again"
	log "failover: primary is now node$(pool_primary || echo '?'); node${p} is down and detached; 'just rejoin' brings it back as the standby"
}

# kill_and_time I LABEL ROLE WHAT : kill node I (immediate) and time until a
# write through Pgpool commits again.
kill_and_time() {
	local i="$1" label="$2" role="$3" what="$4" t0 ms
	node "$i"
	log "${label}: killing the ${role} node${i} (pg_ctl stop -m immediate)"
	t0="$(now_ms)"
	pg_stop immediate
	until psql_pool -d postgres -c "CREATE TEMP TABLE ${label//-/_}_probe (i int)" >/dev/null 2>&1; do
		if (($(now_ms) - t0 > 60000)); then
			die "no commit through Pgpool 60 s after the kill; see ${LOG_DIR}/pgpool.log"
		fi
		sleep 0.05
	done
	ms=$(($(now_ms) - t0))
	log "${label}: ${what} after ${ms} ms"
}

# pg_rejoin : every node that is not the attached standby (down, detached,
# or up believing it is a primary) is rebuilt as the synchronous standby of
# Pgpool's primary and attached.
pg_rejoin() {
	local p i t0 states
	p="$(pool_primary)" || die "Pgpool reports no primary that is up"
	node 0
	pg_files
	states="$(pgpool_nodes)"
	for i in 0 1; do
		[[ "$i" == "$p" ]] && continue
		if grep -q "^${i} up standby sync" <<<"$states"; then
			log "rejoin: node${i} is already the synchronous standby"
			continue
		fi
		t0="$(now_ms)"
		pg_make_standby "$i" "$p" attach
		log "rejoin: node${i} is the synchronous standby of node${p} again ($(elapsed_since "$t0"))"
	done
}

pg_status() {
	local i pid role
	for i in 0 1; do
		node "$i"
		role=primary
		is_standby && role=standby
		has_data || role=-
		if pid="$(pg_pid)"; then
			status_line "postgres-${NODE_NAME}" running "${HOST}:${NODE_PORT} (${role})" "pid ${pid}"
		else
			status_line "postgres-${NODE_NAME}" stopped "${HOST}:${NODE_PORT} (${role})" "-"
		fi
	done
	node 0
	if pid="$(pgpool_pid)"; then
		status_line pgpool running "${HOST}:${PGPOOL_PORT} (pcp ${PCP_PORT})" "pid ${pid}"
	else
		status_line pgpool stopped "${HOST}:${PGPOOL_PORT}" "-"
		return 0
	fi
	echo
	echo "Pgpool nodes (SHOW pool_nodes):"
	psql_pool -P pager=off -c "SHOW pool_nodes" || true
	local p
	if p="$(pool_primary)"; then
		echo "Replication on the primary node${p} (pg_stat_replication):"
		psql_node "$p" -d postgres -P pager=off -c "SELECT application_name AS standby, state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS replay_lag_bytes, replay_lag FROM pg_stat_replication" \
			-c "SELECT current_setting('synchronous_standby_names') AS synchronous_standby_names, current_setting('synchronous_commit') AS synchronous_commit"
	fi
}

# pg_kill_standby : kill the standby (immediate) and time until a write
# through Pgpool commits again (it waits until Pgpool's health check fails
# the standby over and failover.sh clears synchronous_standby_names).
pg_kill_standby() {
	local s
	s="$(pgpool_nodes | awk '$2 == "up" && $3 == "standby" { print $1 }')"
	[[ -n "$s" ]] || die "Pgpool reports no standby that is up"
	kill_and_time "$s" kill-standby standby "commits go on"
	log "kill-standby: commits are asynchronous (no standby); 'just rejoin' restores it"
}
