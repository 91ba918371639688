#!/usr/bin/env bash
# Shared plumbing of the curl walkthroughs: numbered steps, printing every
# request as a pasteable curl command, running it, and checks that stop the
# walk with the step that failed. Source it after setting:
#   WALK_NAME  e.g. "auth walkthrough" (used in the summary line)
#   TOTAL      the number of steps
#   RPC_BASE   e.g. http://127.0.0.1:8080/partsbin.auth.v1.AuthService
#   BASE_URL   the server, for error messages
# shellcheck disable=SC2034 # variables are used by the sourcing script

PASSED=0
STEP=0
STEP_TITLE="start"
HTTP_STATUS=""
RESPONSE=""

# step N TITLE : start step N.
step() {
	STEP="$1"
	STEP_TITLE="$2"
	printf '\n=== step %s/%s: %s\n' "$STEP" "$TOTAL" "$STEP_TITLE"
}

# pass : the current step's checks all held.
pass() {
	PASSED=$((PASSED + 1))
	printf 'ok   step %s: %s\n' "$STEP" "$STEP_TITLE"
}

# fail MESSAGE : report the failed step and stop.
fail() {
	{
		printf '\nFAIL step %s (%s): %s\n' "$STEP" "$STEP_TITLE" "$1"
		if [[ -n "$HTTP_STATUS" ]]; then
			printf '     last response: HTTP %s %s\n' "$HTTP_STATUS" "$RESPONSE"
		fi
		if [[ "$(jq -r '.code? // empty' <<<"$RESPONSE" 2>/dev/null || true)" == resource_exhausted ]]; then
			# shellcheck disable=SC2016 # printed for the reader to run
			printf '     the server is throttling this address; wait for the window to pass (dev stack only: redis-cli -u "$PARTSBIN_REDIS_URL" FLUSHDB)\n'
		fi
		printf '%s: %s passed, 1 failed\n' "$WALK_NAME" "$PASSED"
	} >&2
	REPORTED=1
	exit 1
}

# An unexpected error (a typo, a tool failing) still names the step it
# happened in; checks that fail report themselves through fail.
REPORTED=0
ERR_LINE="?"
CURL_ERR="$(mktemp)"
on_exit() {
	local rc=$?
	if ((rc != 0 && !REPORTED)); then
		printf '\nFAIL step %s (%s): unexpected error (exit %s) near line %s\n' "$STEP" "$STEP_TITLE" "$rc" "$ERR_LINE" >&2
		printf '%s: %s passed, 1 failed\n' "$WALK_NAME" "$PASSED" >&2
	fi
	rm -f -- "$CURL_ERR"
}
trap 'ERR_LINE=$LINENO' ERR
trap on_exit EXIT

# quote ARG : ARG as a shell word (single-quoted unless it is plain).
quote() {
	if [[ "$1" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
		printf '%s' "$1"
	else
		printf "'%s'" "${1//\'/\'\\\'\'}"
	fi
}

# show_cmd ARGS... : print a command readably, one option per line.
show_cmd() {
	local out arg
	out="\$ $(quote "$1")"
	shift
	while (($#)); do
		arg="$1"
		shift
		case "$arg" in
		-H | -d | --data-urlencode)
			out+=" \\"$'\n'"    $(quote "$arg") $(quote "$1")"
			shift
			;;
		*) out+=" $(quote "$arg")" ;;
		esac
	done
	printf '%s\n' "$out"
}

# run_curl ARGS... : run curl ARGS quietly, set HTTP_STATUS and RESPONSE.
run_curl() {
	local out
	if ! out="$(curl -sS --max-time 15 -w '\n%{http_code}' "$@" 2>"$CURL_ERR")"; then
		HTTP_STATUS=""
		RESPONSE=""
		fail "the request did not complete: $(tr '\n' ' ' <"$CURL_ERR")(is the server at ${BASE_URL} up?)"
	fi
	HTTP_STATUS="${out##*$'\n'}"
	RESPONSE="${out%$'\n'*}"
}

# curl_shown ARGS... : print the command, run it, print status and body.
curl_shown() {
	show_cmd curl -sS "$@"
	run_curl "$@"
	printf '< HTTP %s  %s\n' "$HTTP_STATUS" "$RESPONSE"
}

# rpc METHOD JSON [TOKEN] : call ${RPC_BASE}/METHOD with a JSON body.
rpc() {
	local args=(-X POST "${RPC_BASE}/$1" -H 'Content-Type: application/json')
	if [[ -n "${3:-}" ]]; then
		args+=(-H "Authorization: Bearer $3")
	fi
	args+=(-d "$2")
	curl_shown "${args[@]}"
}

# json FILTER : FILTER applied to RESPONSE (empty string when absent).
json() {
	jq -r "$1 // empty" <<<"$RESPONSE" 2>/dev/null || true
}

# expect_status CODE : the last response had HTTP status CODE.
expect_status() {
	[[ "$HTTP_STATUS" == "$1" ]] || fail "want HTTP $1, got HTTP ${HTTP_STATUS}"
}

# expect_error HTTP CODE : the last response is a Connect error CODE.
expect_error() {
	expect_status "$1"
	local got
	got="$(json .code)"
	[[ "$got" == "$2" ]] || fail "want error code \"$2\", got \"${got}\""
}

# expect_empty : the last response is 200 with the empty message {}.
expect_empty() {
	expect_status 200
	[[ "$(jq -c . <<<"$RESPONSE" 2>/dev/null || true)" == "{}" ]] ||
		fail "want the empty message {}, got ${RESPONSE}"
}

# expect_session_token VALUE : VALUE looks like a session token.
expect_session_token() {
	[[ "$1" =~ ^pbs_[A-Za-z0-9_-]{43}$ ]] || fail "want a session token pbs_<43 base64url chars>, got \"$1\""
}

