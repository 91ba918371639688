#!/usr/bin/env bash
# Install what the native local stack needs; idempotent and fast when
# everything is already present.
#   bash ops/local/install.sh
# Env: PB_SKIP_APT=1 skips the Debian package check,
#      PB_SKIP_NPM=1 skips the TS client's npm ci.
set -euo pipefail

# shellcheck source=ops/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PB_REPO_ROOT"

STAMPS="${PB_TOOLS_DIR}/stamps"
FAILED=()

ok() { log "$(printf '%-22s' "$1:") ok${2:+ ($2)}"; }
installed() { log "$(printf '%-22s' "$1:") installed ($2)"; }
failed() {
	log "$(printf '%-22s' "$1:") FAILED${2:+ ($2)}"
	FAILED+=("$1")
}

# ---------------------------------------------------------------- Debian ---
apt_packages() {
	local missing=()
	if [[ ! -x "${PB_PG_BIN}/postgres" ]] ||
		[[ ! -f /usr/share/postgresql/15/extension/pg_trgm.control ]]; then
		# In bookworm postgresql-contrib-15 is a virtual package provided by
		# postgresql-15 (apt selects postgresql-15 for it).
		missing+=(postgresql-15 postgresql-contrib-15)
	fi
	command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
	command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
	local p
	for p in pgpool2 nginx libnginx-mod-http-lua lua-resty-core; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	command -v curl >/dev/null 2>&1 || missing+=(curl)
	command -v jq >/dev/null 2>&1 || missing+=(jq)
	# sort -u keeps the list stable and free of duplicates
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sed '/^$/d' | sort -u)

	if ((${#missing[@]} == 0)); then
		ok "debian packages"
		return 0
	fi
	local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
	if ! is_root; then
		log "debian packages missing: ${missing[*]}"
		log "run as root:  ${cmd}"
		exit 1
	fi
	local t0
	t0="$(now_ms)"
	log "debian packages: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# Debian's postinst may start its default instances (redis on 6379, nginx on
	# 80); the stack runs its own instances on its own ports and leaves them be.
	installed "debian packages" "$(elapsed_since "$t0")"
}

# ------------------------------------------------------------- Go tools ---
# go_tool NAME MODULE_PATH VERSION [optional]
go_tool() {
	local name="$1" pkg="$2" version="$3" optional="${4:-}"
	local stamp="${STAMPS}/${name}@${version}"
	if [[ -f "$stamp" && -x "${PB_TOOLS_BIN}/${name}" ]]; then
		ok "$name" "$version"
		return 0
	fi
	local t0 logf
	t0="$(now_ms)"
	logf="$(mktemp)"
	log "${name}: go install ${pkg}@${version} (can take minutes when cold)"
	if GOBIN="$PB_TOOLS_BIN" GOWORK=off go install "${pkg}@${version}" >"$logf" 2>&1; then
		rm -f "${STAMPS}/${name}@"*
		touch "$stamp"
		rm -f "$logf"
		installed "$name" "$(elapsed_since "$t0")"
	else
		sed 's/^/[stack]   /' "$logf" | tail -20 >&2
		rm -f "$logf"
		if [[ -n "$optional" ]]; then
			log "$(printf '%-22s' "${name}:") FAILED, skipped (optional: ${optional})"
		else
			failed "$name" "go install ${pkg}@${version}"
		fi
	fi
}

# protoc plugins are built from the versions pinned in the repo's go.mod, so
# they always match the generated code's runtime library.
go_mod_plugin() {
	local name="$1" pkg="$2"
	if [[ ! -f go.mod ]]; then
		log "$(printf '%-22s' "${name}:") skipped (no go.mod yet)"
		return 0
	fi
	# keyed by go.sum (go.mod when there is no go.sum yet): a version bump rebuilds
	local sumfile=go.sum key
	[[ -f "$sumfile" ]] || sumfile=go.mod
	key="$(sha256sum "$sumfile" | cut -c1-12)"
	local stamp="${STAMPS}/${name}@${sumfile}-${key}"
	if [[ -f "$stamp" && -x "${PB_TOOLS_BIN}/${name}" ]]; then
		ok "$name" "${sumfile} ${key}"
		return 0
	fi
	local t0 logf
	t0="$(now_ms)"
	logf="$(mktemp)"
	if GOWORK=off go build -o "${PB_TOOLS_BIN}/${name}" "$pkg" >"$logf" 2>&1; then
		rm -f "${STAMPS}/${name}@"*
		touch "$stamp"
		rm -f "$logf"
		installed "$name" "$(elapsed_since "$t0")"
	else
		sed 's/^/[stack]   /' "$logf" | tail -20 >&2
		rm -f "$logf"
		failed "$name" "go build ${pkg}: is it required in go.mod?"
	fi
}

go_tools() {
	command -v go >/dev/null 2>&1 || die "go is not on PATH (Go 1.26 expected)"
	mkdir -p "$PB_TOOLS_BIN" "$STAMPS"
	go_tool mailpit github.com/axllent/mailpit v1.33.1
	go_tool grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl v1.9.4
	go_tool stripe-mock github.com/stripe/stripe-mock v0.203.0 "needed only for payment tests"
	go_mod_plugin protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go
	go_mod_plugin protoc-gen-connect-go connectrpc.com/connect/cmd/protoc-gen-connect-go
}

# ------------------------------------------------------------------ npm ---
npm_deps() {
	local dir="clients/ts"
	if [[ ! -f "${dir}/package.json" ]]; then
		log "$(printf '%-22s' "npm ${dir}:") skipped (no package.json)"
		return 0
	fi
	if [[ ! -f "${dir}/package-lock.json" ]]; then
		failed "npm ${dir}" "no package-lock.json; run npm install there once"
		return 0
	fi
	local marker="${dir}/node_modules/.package-lock.json"
	if [[ -f "$marker" && ! "${dir}/package-lock.json" -nt "$marker" ]]; then
		ok "npm ${dir}"
		return 0
	fi
	command -v npm >/dev/null 2>&1 || die "npm is not on PATH (Node 20 expected)"
	local t0 logf
	t0="$(now_ms)"
	logf="$(mktemp)"
	if (cd "$dir" && npm ci --no-audit --no-fund) >"$logf" 2>&1; then
		rm -f "$logf"
		installed "npm ${dir}" "$(elapsed_since "$t0")"
	else
		sed 's/^/[stack]   /' "$logf" | tail -20 >&2
		rm -f "$logf"
		failed "npm ${dir}" "npm ci"
	fi
}

main() {
	local t0
	t0="$(now_ms)"
	if [[ "${PB_SKIP_APT:-}" == 1 ]]; then
		log "$(printf '%-22s' "debian packages:") skipped (PB_SKIP_APT=1)"
	else
		apt_packages
	fi
	go_tools
	if [[ "${PB_SKIP_NPM:-}" == 1 ]]; then
		log "$(printf '%-22s' "npm clients/ts:") skipped (PB_SKIP_NPM=1)"
	else
		npm_deps
	fi
	if ((${#FAILED[@]} > 0)); then
		die "install failed for: ${FAILED[*]}"
	fi
	log "install done in $(elapsed_since "$t0")"
}

main "$@"
