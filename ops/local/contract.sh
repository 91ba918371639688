#!/usr/bin/env bash
# Contract checks: buf lint, formatting, generated code up to date, and no
# breaking change against the pinned baseline image ops/contract/baseline.binpb.
#
#   bash ops/local/contract.sh check      run every check (part of `just test`)
#   bash ops/local/contract.sh baseline   move the baseline to the current contract
set -euo pipefail
# shellcheck source=ops/local/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PB_REPO_ROOT"
export PATH="${PB_TOOLS_BIN}:${PB_REPO_ROOT}/clients/ts/node_modules/.bin:${PATH}"
BASELINE=ops/contract/baseline.binpb

check() {
	buf lint
	log "contract: buf lint clean"
	if ! buf format --diff --exit-code >/tmp/pb-buf-format.diff 2>&1; then
		cat /tmp/pb-buf-format.diff >&2
		die "contract: proto files are not buf-formatted (run: buf format -w)"
	fi
	log "contract: buf format clean"

	# Regenerate into a scratch folder and compare with what is committed.
	local tmp
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' RETURN
	sed -e "s#out: gen#out: ${tmp}/gen#" -e "s#out: clients/ts/src/gen#out: ${tmp}/ts#" buf.gen.yaml >"${tmp}/buf.gen.yaml"
	buf generate --template "${tmp}/buf.gen.yaml"
	if ! diff -r gen "${tmp}/gen" >/dev/null || ! diff -r clients/ts/src/gen "${tmp}/ts" >/dev/null; then
		diff -r gen "${tmp}/gen" | head -40 >&2 || true
		diff -r clients/ts/src/gen "${tmp}/ts" | head -40 >&2 || true
		die "contract: generated code is stale: run 'just gen' and commit gen/ and clients/ts/src/gen/"
	fi
	log "contract: generated code matches proto/"

	[[ -s "$BASELINE" ]] || die "contract: no baseline at ${BASELINE}: run 'just contract-baseline' once"
	buf breaking --against "$BASELINE"
	log "contract: no breaking change against ${BASELINE}"
}

baseline() {
	buf build -o "$BASELINE"
	log "contract: baseline written to ${BASELINE}; commit it with a message saying why"
}

case "${1:-}" in
check) check ;;
baseline) baseline ;;
*)
	echo "usage: $0 check|baseline" >&2
	exit 2
	;;
esac
