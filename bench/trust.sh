#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Benchmark of the trust store (not a test): a warm `pkixctl verify` of the
# test leaf with 1 trusted root against 145 (Debian's ca-certificates in
# /etc/ssl/certs plus the test root), CRLs local in crl_dir, median of RUNS;
# then the compile (pkixctl rehash, median of 5) where the build has it.
# Prints "median_ms min_ms peak_rss_kb exit" (bench/measure.c).
#   bench/trust.sh [BUILDDIR] [RUNS]     (default: build 15)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
RUNS=${2:-15}
case $B in /*) ;; *) B=$top/$B ;; esac
PKIXCTL=$B/pkixctl
. "$top/bench/lib.sh"
bench_tmp trust
bench_tools
bash "$top/tests/gen-pki.sh" "$T/pki" > /dev/null
P=$T/pki
for n in 1 145; do
	d=$T/s$n
	mkdir -p "$d/ca" "$d/int" "$d/crl" "$d/cache"
	cp "$P/certs/root.pem" "$d/ca/"
	[ "$n" = 1 ] || cp /etc/ssl/certs/*.pem "$d/ca/"
	cp "$P/certs/issuing.pem" "$d/int/"
	cp "$P/crl/root.crl" "$P/crl/issuing.crl" "$d/crl/"
	printf '[trust]\nca_dir = %s/ca\nintermediate_dir = %s/int\ncrl_dir = %s/crl\n[cache]\nmachine_dir = %s/cache\n' \
		"$d" "$d" "$d" "$d" > "$d/conf"
	chmod 600 "$d/conf"
	# Warm: the first run may compile the store (after the racy window).
	sleep 1.1
	"$PKIXCTL" --config "$d/conf" verify "$P/certs/good.pem" > /dev/null
	echo "roots=$(ls "$d/ca" | wc -l) warm: $("$T/measure" "$RUNS" "$PKIXCTL" --config "$d/conf" verify "$P/certs/good.pem")"
	# The compile itself (a build without the compiled store: no command).
	if "$PKIXCTL" --config "$d/conf" rehash > /dev/null 2>&1; then
		echo "roots=$(ls "$d/ca" | wc -l) rehash: $("$T/measure" 5 "$PKIXCTL" --config "$d/conf" rehash)"
	fi
done
