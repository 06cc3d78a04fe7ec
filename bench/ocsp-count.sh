#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Benchmark of the OCSP/CRL switch (not a test): a warm `pkixctl verify` of
# an OCSP-checked certificate (its response in the disk cache) with N other
# responses of the same responder cached, against a cache holding only its
# own response.
#   bench/ocsp-count.sh OLD_TREE NEW_TREE [RUNS] [N]   (default 15, 1000)
# OLD_TREE and NEW_TREE are source trees (the count walk before, the count
# file after), each built with `scripts/build.sh build`.  The test PKI,
# nginx (CRLs) and `openssl ocsp` come from tests/; ocsp_to_crl_count is
# set to 1000000 so that both caches take the same path (OCSP from the
# disk cache) and only the count differs.  The N other responses are
# copies of the real entry under keys "responder#<fake CertID>" whose
# metadata parses (the walk reads them all); in NEW_TREE the count file is
# then rebuilt by one verify outside the timing, as after an upgrade.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
RUNS=${3:-15}
N=${4:-1000}

for tree in "$OLD" "$NEW"; do
	(cd "$tree" && scripts/build.sh build > /dev/null 2>&1) || {
		echo "bench: build of $tree failed" >&2; exit 1; }
done
export PX_SRCDIR=$top PX_BUILDDIR=$NEW/build PKIXCTL=$NEW/build/pkixctl
. "$top/tests/lib.sh"
. "$top/tests/servers.sh"
# (set -e would stop the trap at the first server it kills)
trap 'set +e; px_stop_all; rm -rf "$PX_T"' EXIT
cc -O2 -o "$PX_T/measure" "$top/bench/measure.c"

OPORT=$(free_port)
HPORT=$(free_port)
CRL_BASE=http://127.0.0.1:$HPORT OCSP_BASE=http://127.0.0.1:$OPORT make_pki
mkdir -p "$PX_T/www"
cp "$PKI/crl/root.crl" "$PKI/crl/issuing.crl" "$PX_T/www/"
start_nginx "$HPORT" "$PX_T/www"
start_ocsp "$OPORT" issuing
RESP=http://127.0.0.1:$OPORT/
CERT=$PKI/certs/ocspgood.pem

# fill DIR N: N more OCSP entries of the responder beside the real one.
fill() {
	local dir=$1 n=$2 real i key hex
	real=$(grep -l "^kind ocsp" "$dir"/*.meta | head -1)
	for i in $(seq "$n"); do
		key="${RESP}#3041$(printf %060x "$i")"
		hex=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
		sed "s|^url .*|url $key|" "$real" > "$dir/$hex.meta"
		cp "${real%.meta}.der" "$dir/$hex.der"
	done
}

printf '%-4s %6s %10s %8s %8s\n' tree cached median_ms min_ms rss_kb
for tree in old new; do
	[ $tree = old ] && B=$OLD/build || B=$NEW/build
	for n in 0 "$N"; do
		PX_HELPER=$B/pkix-fetch
		scenario "$tree-$n" "issuing" "root.crl" "ocsp_to_crl_count = 1000000"
		"$B/pkixctl" --config "$CONF" verify "$CERT" > /dev/null
		fill "$PX_T/$tree-$n/cache" "$n"
		rm -f "$PX_T/$tree-$n/cache/ocsp-counts"
		# Warm: the count file rebuilt (new tree), the page cache full.
		"$B/pkixctl" --config "$CONF" verify --trace "$CERT" > "$PX_T/out"
		grep -q "revocation: good - OCSP .*(disk" "$PX_T/out" || {
			echo "bench: $tree/$n: not answered by the cached response" >&2
			cat "$PX_T/out" >&2
			exit 1
		}
		read -r med min rss rc < <("$PX_T/measure" "$RUNS" "$B/pkixctl" \
			--config "$CONF" verify "$CERT")
		printf '%-4s %6s %10s %8s %8s\n' $tree "$((n + 1))" "$med" "$min" "$rss"
	done
done
