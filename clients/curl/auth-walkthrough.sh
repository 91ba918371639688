#!/usr/bin/env bash
# auth-walkthrough.sh - the account flow of partsbin's AuthService, driven
# with plain curl over Connect's JSON protocol, step by step:
#
#   1 Register          5 read the reset mail from Mailpit
#   2 Login             6 ResetPassword
#   3 GetMe             7 old sessions are gone (401 unauthenticated)
#   4 RequestPasswordReset (known and unknown email: same answer)
#   8 Login with the new password works, with the old one fails
#   9 the reset token works only once (invalid_argument)
#
# Every request is printed as the curl command you can paste into a shell,
# followed by the HTTP status and the response body, so the output doubles
# as documentation. (The script itself adds `-w '\n%{http_code}'` to capture
# the status; that plumbing is left out of what it prints.)
#
# Usage:
#   bash clients/curl/auth-walkthrough.sh
# Environment:
#   PARTSBIN_BASE_URL     the API or edge (default http://127.0.0.1:8080)
#   PARTSBIN_MAILPIT_URL  Mailpit's REST API (default http://127.0.0.1:8025)
# Needs: bash, curl, jq. Exit status 0 when every step passed, 1 when a check
# failed, 2 when a tool is missing.
#
# One run makes 1 registration, 3 logins and 2 reset requests + 2 reset
# attempts, well inside the server's throttles (10 registrations per 10 min
# and 5 logins per account and address per 15 min; reset requests and reset
# attempts share 10 per address per 15 min, so about two runs per 15 min).
set -Eeuo pipefail

BASE_URL="${PARTSBIN_BASE_URL:-http://127.0.0.1:8080}"
BASE_URL="${BASE_URL%/}"
MAILPIT="${PARTSBIN_MAILPIT_URL:-http://127.0.0.1:8025}"
MAILPIT="${MAILPIT%/}"
AUTH="${BASE_URL}/partsbin.auth.v1.AuthService"

for tool in curl jq; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "auth walkthrough: needs ${tool} on PATH" >&2
		exit 2
	fi
done

# ------------------------------------------------------------- plumbing ---

WALK_NAME="auth walkthrough"
TOTAL=9
RPC_BASE="$AUTH"
# shellcheck source=clients/curl/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# ----------------------------------------------------------- the walk ---

RUN_ID="$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
EMAIL="walkthrough-${RUN_ID}@example.com"
UNKNOWN_EMAIL="walkthrough-nobody-${RUN_ID}@example.com"
PASSWORD="blue-otter-rides-42"
NEW_PASSWORD="green-heron-sings-77"
FULL_NAME="Walkthrough ${RUN_ID}"

echo "partsbin auth walkthrough against ${BASE_URL} (Mailpit ${MAILPIT})"

step 1 "Register a new customer"
rpc Register "$(jq -cn --arg e "$EMAIL" --arg p "$PASSWORD" --arg n "$FULL_NAME" \
	'{email: $e, password: $p, fullName: $n}')"
expect_status 200
TOKEN1="$(json .session.token)"
expect_session_token "$TOKEN1"
[[ "$(json .user.email)" == "$EMAIL" ]] || fail "want user.email ${EMAIL}, got \"$(json .user.email)\""
[[ "$(json .user.role)" == ROLE_CUSTOMER ]] || fail "want user.role ROLE_CUSTOMER, got \"$(json .user.role)\""
pass

step 2 "Login with the password"
rpc Login "$(jq -cn --arg e "$EMAIL" --arg p "$PASSWORD" '{email: $e, password: $p}')"
expect_status 200
TOKEN2="$(json .session.token)"
expect_session_token "$TOKEN2"
[[ "$TOKEN2" != "$TOKEN1" ]] || fail "login returned the registration's session token again"
[[ -n "$(json .session.expireTime)" ]] || fail "session.expireTime is missing"
pass

step 3 "GetMe with the session token"
rpc GetMe '{}' "$TOKEN1"
expect_status 200
[[ "$(json .user.email)" == "$EMAIL" ]] || fail "want user.email ${EMAIL}, got \"$(json .user.email)\""
pass

step 4 "RequestPasswordReset (same answer for a known and an unknown email)"
rpc RequestPasswordReset "$(jq -cn --arg e "$EMAIL" '{email: $e}')"
expect_empty
rpc RequestPasswordReset "$(jq -cn --arg e "$UNKNOWN_EMAIL" '{email: $e}')"
expect_empty
pass

step 5 "Read the reset mail from Mailpit"
# The server sends mail in the background: poll the search every 200 ms for
# up to 10 s. The printed command is the one the loop repeats.
search=(-G "${MAILPIT}/api/v1/search" --data-urlencode "query=to:\"${EMAIL}\"")
show_cmd curl -sS "${search[@]}"
MESSAGE_ID=""
for _ in $(seq 1 50); do
	run_curl "${search[@]}"
	if [[ "$HTTP_STATUS" == 200 ]]; then
		MESSAGE_ID="$(json '.messages[0].ID')"
		[[ -z "$MESSAGE_ID" ]] || break
	fi
	sleep 0.2
done
printf '< HTTP %s  %s\n' "$HTTP_STATUS" "$(jq -c '{messages_count, messages: [.messages[]? | {ID, Subject, To: [.To[]?.Address]}]}' <<<"$RESPONSE" 2>/dev/null || printf '%s' "$RESPONSE")"
[[ -n "$MESSAGE_ID" ]] || fail "no mail to ${EMAIL} arrived in Mailpit (${MAILPIT}) within 10 s"
printf '$ curl -sS %s \\\n    | jq -r .Text | grep -m1 -oE %s\n' \
	"$(quote "${MAILPIT}/api/v1/message/${MESSAGE_ID}")" "$(quote 'pbr_[A-Za-z0-9_-]{43}')"
run_curl "${MAILPIT}/api/v1/message/${MESSAGE_ID}"
expect_status 200
MAIL_TEXT="$(json .Text)"
RESET_TOKEN="$(grep -m1 -oE 'pbr_[A-Za-z0-9_-]{43}' <<<"$MAIL_TEXT" || true)"
[[ -n "$RESET_TOKEN" ]] || fail "no pbr_ token in the mail text: ${MAIL_TEXT}"
echo "< reset token ${RESET_TOKEN}"
# The unknown address got the same answer in step 4 and no mail at all.
run_curl -G "${MAILPIT}/api/v1/search" --data-urlencode "query=to:\"${UNKNOWN_EMAIL}\""
expect_status 200
[[ "$(json .messages_count)" == 0 ]] || fail "a mail went to the unknown address ${UNKNOWN_EMAIL}"
pass

step 6 "ResetPassword with the token and a new password"
rpc ResetPassword "$(jq -cn --arg t "$RESET_TOKEN" --arg p "$NEW_PASSWORD" '{token: $t, newPassword: $p}')"
expect_empty
pass

step 7 "The old sessions are gone"
rpc GetMe '{}' "$TOKEN1"
expect_error 401 unauthenticated
rpc GetMe '{}' "$TOKEN2"
expect_error 401 unauthenticated
pass

step 8 "Login with the new password works, with the old one fails"
rpc Login "$(jq -cn --arg e "$EMAIL" --arg p "$NEW_PASSWORD" '{email: $e, password: $p}')"
expect_status 200
TOKEN3="$(json .session.token)"
expect_session_token "$TOKEN3"
rpc Login "$(jq -cn --arg e "$EMAIL" --arg p "$PASSWORD" '{email: $e, password: $p}')"
expect_error 401 unauthenticated
pass

step 9 "The reset token works only once"
rpc ResetPassword "$(jq -cn --arg t "$RESET_TOKEN" --arg p "purple-walrus-naps-19" '{token: $t, newPassword: $p}')"
expect_error 400 invalid_argument
pass

printf '\nauth walkthrough: %s passed, 0 failed\n' "$PASSED"
