#!/usr/bin/env bash
# Exercise the compose entrypoints without Docker: ops/postgres/compose-node.sh
# (pg0, pg1) and ops/pgpool/entrypoint.sh (pgpool) run natively, each
# "container" on its own loopback address and port 5432 as in compose
# (pg0 127.0.0.2, pg1 127.0.0.3, Pgpool 127.0.0.1:5432 and pcp 9898), with
# the Debian Postgres 15 binaries and pgpool2 that ops/local/install.sh
# installs. Run as root (Postgres and Pgpool run as the postgres OS user).
#
#   bash ops/docker/smoke-entrypoints.sh
#
# It walks through: first start (initdb + bootstrap on pg0, base backup of
# pg1), Pgpool making pg1 synchronous, a write through Pgpool, the primary
# killed (Pgpool's failover.sh promotes pg1), the old primary restarted
# (rewound into pg1's standby) and attached, a cold start of a stale primary
# before the new one, a Pgpool start with a standby that does not stream, and
# `fresh`. Everything lives in a temporary folder; every process it starts is
# stopped by pid at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
PG_BIN="${PB_PG_BIN:-/usr/lib/postgresql/15/bin}"
[[ "$(id -u)" == 0 ]] || {
	echo "run as root" >&2
	exit 1
}
for p in "${PG_BIN}/postgres" /usr/sbin/pgpool /usr/sbin/pcp_attach_node; do
	[[ -x "$p" ]] || {
		echo "missing ${p}: bash ops/local/install.sh" >&2
		exit 1
	}
done
for a in 127.0.0.1:5432 127.0.0.2:5432 127.0.0.3:5432 127.0.0.1:9898; do
	if (exec 3<>"/dev/tcp/${a%:*}/${a#*:}") 2>/dev/null; then
		echo "${a} is in use" >&2
		exit 1
	fi
done

DIR="$(mktemp -d /tmp/pb-compose-smoke.XXXXXX)"
chmod 755 "$DIR"
mkdir -p "${DIR}/bin" "${DIR}/conf"
ln -s "${ROOT}/ops/postgres" "${DIR}/conf/postgres"
ln -s "${ROOT}/ops/pgpool" "${DIR}/conf/pgpool"
# The official image's entrypoint, for data that is already initialised.
cat >"${DIR}/bin/docker-entrypoint.sh" <<EOF
#!/usr/bin/env bash
[[ "\$1" == postgres ]] && shift
exec "${PG_BIN}/postgres" -D "\$PGDATA" "\$@"
EOF
chmod 755 "${DIR}/bin/docker-entrypoint.sh"
for i in 0 1; do
	install -d -o postgres -g postgres -m 700 "${DIR}/pg${i}"
	install -d -o postgres -g postgres -m 3775 "${DIR}/run${i}"
done
chown -R postgres:postgres "$DIR"

PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	sleep 3
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	if [[ -z "${KEEP:-}" ]]; then rm -rf "$DIR"; else echo "kept ${DIR}"; fi
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }
fail() {
	echo "FAIL: $*" >&2
	tail -n 20 "${DIR}"/*.log >&2 || true
	exit 1
}

# as_pg NAME I|pool ARGS... : run a "container" entrypoint as postgres with
# its compose environment.
env_for() {
	local who="$1"
	printf '%s\n' PATH="${DIR}/bin:${PATH}" PB_CONF_DIR="${DIR}/conf" PB_PG_BIN="$PG_BIN" PB_NET_CIDR=127.0.0.0/8 \
		PARTSBIN_PG_SUPERUSER_PASSWORD=smoke-super PARTSBIN_PG_PASSWORD=smoke-app \
		PARTSBIN_PG_REPLICATION_PASSWORD=smoke-repl PARTSBIN_PGPOOL_CHECK_PASSWORD=smoke-check \
		PARTSBIN_PCP_PASSWORD=smoke-pcp
	if [[ "$who" == pool ]]; then
		printf '%s\n' PB_PGPOOL_LISTEN=127.0.0.1 PB_NODE0_HOST=127.0.0.2 PB_NODE1_HOST=127.0.0.3 \
			PB_PGPOOL_STATE="${DIR}/pgpool" PB_PGPOOL_SRC="${ROOT}/ops/pgpool" PB_PGPOOL_CHILDREN=20
	else
		local o=$((1 - who))
		printf '%s\n' NODE_ID="$who" PGDATA="${DIR}/pg${who}" PB_PEER_DATA="${DIR}/pg${o}" \
			PB_PEER_HOST="127.0.0.$((o + 2))" PB_SELF_HOST="127.0.0.$((who + 2))" \
			PB_LISTEN="127.0.0.$((who + 2))" PB_RUN_DIR="${DIR}/run${who}"
	fi
}
run() { # run WHO SCRIPT ARGS... (foreground)
	local who="$1" script="$2" lines=()
	shift 2
	mapfile -t lines < <(env_for "$who")
	runuser -u postgres -- env "${lines[@]}" bash "$script" "$@"
}
start() { # start WHO [VAR=VALUE...] (background, like a container; the pid becomes the server's)
	local who="$1" script lines=() pid
	shift
	script="${ROOT}/ops/postgres/compose-node.sh"
	[[ "$who" == pool ]] && script="${ROOT}/ops/pgpool/entrypoint.sh"
	mapfile -t lines < <(env_for "$who")
	# shellcheck disable=SC2016 # expanded by the inner shell
	pid="$(runuser -u postgres -- env "${lines[@]}" "$@" bash -c 'setsid bash "$0" start >>"$1" 2>&1 </dev/null & echo $!' "$script" "${DIR}/${who}.log")"
	printf -v "PID_${who}" '%s' "$pid"
	PIDS+=("$pid")
}
stop() { # stop WHO [SIGNAL]
	local v="PID_$1"
	kill "-${2:-INT}" "${!v}"
	while kill -0 "${!v}" 2>/dev/null; do sleep 0.2; done
}
wait_for() { # wait_for SECONDS CMD...
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.5
	done
}
node_ready() { "${PG_BIN}/pg_isready" -q -h "127.0.0.$(($1 + 2))" -p 5432; }
pool_healthy() { run pool "${ROOT}/ops/pgpool/entrypoint.sh" health; }
app_sql() { PGPASSWORD=smoke-app PGCONNECT_TIMEOUT=3 "${PG_BIN}/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U partsbin -d partsbin -c "$1"; }
nodes() { run pool "${ROOT}/ops/pgpool/entrypoint.sh" nodes | awk -F'|' 'NR > 2 && NF > 5 { gsub(/ /, ""); print $1, $4, $7, $13 }'; }
expect_nodes() { # expect_nodes "0 up primary ..." "1 up standby sync"
	local got
	got="$(nodes)"
	for want in "$@"; do grep -qx -- "$want" <<<"$got" || fail "SHOW pool_nodes: want '${want}', got: ${got}"; done
}
timeline() { LC_ALL=C "${PG_BIN}/pg_controldata" "${DIR}/pg$1" | sed -n "s/^Latest checkpoint's TimeLineID: *//p"; }

say "first start: pg0 initdb + bootstrap, pg1 base backup, Pgpool"
start 0
wait_for 60 node_ready 0 || fail "pg0 not ready"
start 1
wait_for 60 node_ready 1 || fail "pg1 not ready"
start pool
wait_for 60 pool_healthy || fail "pgpool not healthy"
sleep 1.5
expect_nodes "0 up primary " "1 up standby sync"
app_sql "CREATE TABLE smoke (i int); INSERT INTO smoke VALUES (1)" || fail "write through Pgpool"

say "primary killed: failover.sh promotes pg1"
stop 0 KILL
wait_for 30 app_sql "INSERT INTO smoke VALUES (2)" || fail "no writes after failover"
expect_nodes "1 up primary "

say "old primary restarted: rewound into pg1's standby, then attached"
start 0
wait_for 60 node_ready 0 || fail "pg0 not back"
grep -q "rewinding into its standby" "${DIR}/0.log" || fail "pg0 was not rewound"
run pool "${ROOT}/ops/pgpool/entrypoint.sh" attach 0 || fail "attach 0"
sleep 1.5
expect_nodes "0 up standby sync" "1 up primary "

say "cold start of a stale primary before the new one"
stop 1 KILL
wait_for 30 app_sql "INSERT INTO smoke VALUES (3)" || fail "no writes after the second failover"
stop pool
stop 0
[[ "$(timeline 0)" -gt "$(timeline 1)" ]] || fail "want pg0 on a later timeline than pg1"
start 1
sleep 3
node_ready 1 && fail "stale pg1 started before the newer primary"
start 0
wait_for 60 node_ready 0 || fail "pg0 not ready"
wait_for 60 node_ready 1 || fail "pg1 did not rejoin"
start pool
wait_for 60 pool_healthy || fail "pgpool not healthy"
sleep 1.5
expect_nodes "0 up primary " "1 up standby sync"
[[ "$(app_sql "SELECT count(*) FROM smoke")" == 3 ]] || fail "want 3 rows"

say "Pgpool starts with a standby that does not stream: detached, commits go on"
stop pool
stop 1 KILL
start pool PB_STREAM_TIMEOUT=3
wait_for 60 pool_healthy || fail "pgpool not healthy"
expect_nodes "1 down standby "
timeout 10 bash -c "$(declare -f app_sql); PG_BIN='${PG_BIN}' app_sql 'INSERT INTO smoke VALUES (4)'" || fail "commit waited for the missing standby"

say "fresh base backup of pg1, started and attached"
run 1 "${ROOT}/ops/postgres/compose-node.sh" fresh || fail "fresh"
start 1
wait_for 60 node_ready 1 || fail "pg1 not ready"
run pool "${ROOT}/ops/pgpool/entrypoint.sh" attach 1 || fail "attach 1"
sleep 1.5
expect_nodes "0 up primary " "1 up standby sync"

say "PASS"
