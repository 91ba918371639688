#!/usr/bin/env bash
# Shared helpers for the native local stack scripts (ops/local/*.sh).
# Source it; it does not change shell options of the caller beyond what the
# caller already set.

# Repo root = two levels above this file (ops/local/lib.sh).
PB_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export PB_REPO_ROOT

PB_TOOLS_DIR="${PB_REPO_ROOT}/.tools"
PB_TOOLS_BIN="${PB_TOOLS_DIR}/bin"
PB_PG_BIN="${PB_PG_BIN:-/usr/lib/postgresql/15/bin}"
export PB_TOOLS_DIR PB_TOOLS_BIN PB_PG_BIN

log() { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die() {
	printf '[stack] ERROR: %s\n' "$*" >&2
	exit 1
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

# Milliseconds since the epoch (for timings).
now_ms() { date +%s%3N; }

# Human duration from a start timestamp taken with now_ms: "1.2s".
elapsed_since() {
	local start="$1" end
	end="$(now_ms)"
	awk -v d="$((end - start))" 'BEGIN { printf "%.1fs", d / 1000 }'
}

# run_as_pg CMD ARGS... : run as the `postgres` OS user when we are root
# (Postgres refuses to run as root), as ourselves otherwise.
run_as_pg() {
	if is_root; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# The OS user that owns Postgres data folders.
pg_os_user() {
	if is_root; then echo postgres; else id -un; fi
}

# random_hex N : N random bytes as 2N lowercase hex chars (URL-safe, no quoting
# needed in SQL/URLs/config files).
random_hex() {
	local n="${1:-24}"
	if command -v openssl >/dev/null 2>&1; then
		openssl rand -hex "$n"
	else
		od -An -tx1 -N"$n" /dev/urandom | tr -d ' \n'
		echo
	fi
}

# read_pid PIDFILE : print the pid stored in PIDFILE (first line), or nothing.
read_pid() {
	local f="$1" pid=""
	[[ -r "$f" ]] || return 1
	IFS= read -r pid <"$f" || true
	pid="${pid//[!0-9]/}"
	[[ -n "$pid" ]] || return 1
	printf '%s\n' "$pid"
}

# pid_alive PID [PATTERN] : true if PID runs (and, with PATTERN, its command
# line contains PATTERN: protects against a recycled pid).
pid_alive() {
	local pid="$1" pattern="${2:-}" cmdline
	[[ -n "$pid" ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	if [[ -n "$pattern" && -r "/proc/${pid}/cmdline" ]]; then
		cmdline="$(tr '\0' ' ' <"/proc/${pid}/cmdline" 2>/dev/null || true)"
		[[ "$cmdline" == *"$pattern"* ]] || return 1
	fi
	return 0
}

# pidfile_alive PIDFILE [PATTERN] : prints the pid and succeeds if alive.
pidfile_alive() {
	local f="$1" pattern="${2:-}" pid
	pid="$(read_pid "$f")" || return 1
	pid_alive "$pid" "$pattern" || return 1
	printf '%s\n' "$pid"
}

# port_open HOST PORT : true if something accepts TCP connections there.
port_open() {
	local host="$1" port="$2"
	(exec 3<>"/dev/tcp/${host}/${port}") 2>/dev/null
}

# wait_for_port HOST PORT TIMEOUT_S
wait_for_port() {
	local host="$1" port="$2" timeout="${3:-30}" deadline
	deadline=$((SECONDS + timeout))
	until port_open "$host" "$port"; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# wait_until TIMEOUT_S CMD ARGS... : retry CMD every 0.1 s until it succeeds.
wait_until() {
	local timeout="$1" deadline
	shift
	deadline=$((SECONDS + timeout))
	until "$@" >/dev/null 2>&1; do
		((SECONDS < deadline)) || return 1
		sleep 0.1
	done
}

# stop_pidfile NAME PIDFILE [PATTERN] [TIMEOUT_S] : SIGTERM the process in
# PIDFILE, wait up to TIMEOUT_S (10), then SIGKILL. Removes the pid file.
# Never signals a pid whose command line does not match PATTERN.
stop_pidfile() {
	local name="$1" f="$2" pattern="${3:-}" timeout="${4:-10}" pid deadline
	if ! pid="$(pidfile_alive "$f" "$pattern")"; then
		if [[ -e "$f" ]]; then
			rm -f -- "$f"
			log "${name}: not running (removed stale pid file)"
		else
			log "${name}: not running"
		fi
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$((SECONDS + timeout))
	while pid_alive "$pid" "$pattern"; do
		if ((SECONDS >= deadline)); then
			warn "${name}: pid ${pid} ignored SIGTERM for ${timeout}s, sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			sleep 0.2
			break
		fi
		sleep 0.1
	done
	rm -f -- "$f"
	log "${name}: stopped (pid ${pid})"
}

# short_hash STRING : 10 hex chars of sha256(STRING).
short_hash() { printf '%s' "$1" | sha256sum | cut -c1-10; }

# pid_gone PID : true once PID no longer exists (not even as a zombie).
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# pid_zombie PID : true if PID is a zombie (exited, not yet reaped).
pid_zombie() {
	local st
	st="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
	[[ "$st" == Z* ]]
}
