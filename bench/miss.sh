#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Benchmark of a cache miss (not a test): what one network retrieval costs
# with the retrieval helper (pkix-fetch, started with posix_spawn for every
# miss) beside the in-process fetch of the code before it (libcurl loaded
# with dlopen from transport_dir on the first miss).
#   bench/miss.sh OLD_TREE NEW_TREE [RUNS] [SIZES...]
#       (default: 15 runs, CRLs of 1000 and 100000 entries)
# OLD_TREE and NEW_TREE are source trees, e.g. worktrees of the last commit
# before the helper (7f0adc8) and of the helper's branch:
#   git worktree add --detach ../wt-bench-old 7f0adc8
#   git worktree add --detach ../wt-bench-new retrieval
# Each is built with `scripts/build.sh build` (nothing to do if it is up to
# date); a tree whose build has pkix-fetch is configured with
# `helper = BUILD/pkix-fetch`, one without with `transport_dir = BUILD/.libs`.
#
# Per tree and CRL size, RUNS runs of each, old and new interleaved (the
# order swapped every run):
# - cold: `pkixctl fetch URL` on an empty cache (a fresh cache directory
#   before each run, outside the timing): HTTP GET from nginx on 127.0.0.1,
#   signature check, compiled index, stored with fsync.
# - warm: `pkixctl verify good.pem`, both CRLs in the cache; the run must
#   start no other process (the warm path never spawns).
# - `openssl version`: the floor of starting a process that maps libcrypto.
# Each run goes through a small C launcher (bench/tree.c) that is a child
# subreaper: the helper's worker detaches from pkixctl (init would adopt
# it, so its pages count in no peak RSS that /usr/bin/time shows) and is
# reaped by the launcher instead.  It reports the wall time until pkixctl
# exits, the peak RSS of pkixctl itself (what /usr/bin/time -f %M shows,
# checked against it below) and the largest peak RSS of any process of the
# run (the helper's worker for a new cold miss).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
RUNS=${3:-15}
shift 2; shift || true
SIZES=${*:-1000 100000}

. "$top/bench/lib.sh"
bench_tmp miss

for tree in "$OLD" "$NEW"; do
	(cd "$tree" && scripts/build.sh build > "$T/build.log" 2>&1) || {
		tail -20 "$T/build.log" >&2; echo "bench: build of $tree failed" >&2; exit 1; }
done

bench_tools # $T/tree: bench/tree.c, the subreaper launcher
cc -O2 -o "$T/mkcrl" "$top/bench/mkcrl.c" -I"$NEW/build" $(pkg-config --cflags --libs libcrypto)
PORT=$(bench_port)
CRL_BASE=http://127.0.0.1:$PORT bash "$top/tests/gen-pki.sh" "$T/pki" > /dev/null
P=$T/pki
mkdir -p "$T/www" "$T/ca" "$T/int"
cp "$P/certs/root.pem" "$T/ca/"
cp "$P/certs/issuing.pem" "$T/int/"
cp "$P/crl/root.crl" "$T/www/"
bench_nginx "$PORT" "$T/www"
revoked=$(openssl x509 -in "$P/certs/revoked.pem" -noout -serial | cut -d= -f2)
URL=http://127.0.0.1:$PORT/issuing.crl

for v in old new; do
	[ $v = old ] && B=$OLD/build || B=$NEW/build
	if [ -x "$B/pkix-fetch" ]; then key="helper = $B/pkix-fetch"; else key="transport_dir = $B/.libs"; fi
	cat > "$T/conf-$v" <<-CONF
	[trust]
	ca_dir = $T/ca
	intermediate_dir = $T/int
	crl_dir = $T/nocrl
	[cache]
	machine_dir = $T/cache-$v
	[fetch]
	$key
	[revocation]
	max_object_size = 256M
	CONF
	chmod 600 "$T/conf-$v"
done
PX_old=("$OLD/build/pkixctl" --config "$T/conf-old")
PX_new=("$NEW/build/pkixctl" --config "$T/conf-new")
pxset() { if [ "$1" = old ]; then PX=("${PX_old[@]}"); else PX=("${PX_new[@]}"); fi; }
# One run; appends "wall tree_wall peak tree_peak procs" to $T/r-NAME.
run() { # run [-x STATUS] NAME COMMAND...
	local want=0 name out
	[ "$1" = -x ] && { want=$2; shift 2; }
	name=$1; shift
	out=$("$T/tree" "$@")
	set -- $out
	[ "$6" = "$want" ] || { echo "bench: $name exited with $6" >&2; exit 1; }
	echo "$1 $2 $3 $4 $5" >> "$T/r-$name"
}
med() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# "median min" of the wall time, median of the wall time of the whole run,
# largest peak RSS of COMMAND and of any process, most processes.
stats() {
	local f=$T/r-$1
	printf '%s %s %s %s %s %s\n' \
		"$(cut -d' ' -f1 "$f" | med)" "$(cut -d' ' -f1 "$f" | sort -g | head -1)" \
		"$(cut -d' ' -f2 "$f" | med)" \
		"$(cut -d' ' -f3 "$f" | sort -g | tail -1)" \
		"$(cut -d' ' -f4 "$f" | sort -g | tail -1)" \
		"$(cut -d' ' -f5 "$f" | sort -g | tail -1)"
}
# Peak RSS as /usr/bin/time shows it (the largest of 3 runs, KB).
gnutime() { # gnutime PREP COMMAND...
	local prep=$1 i m=0 k; shift
	for i in 1 2 3; do
		eval "$prep"
		/usr/bin/time -f %M -o "$T/time.out" "$@" > /dev/null 2>&1
		k=$(tail -1 "$T/time.out")
		[ "$k" -gt "$m" ] && m=$k
	done
	echo $m
}

echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; $RUNS runs; $(openssl version)"
echo "old: $(git -C "$OLD" log -1 --format='%h %s' | cut -c1-60)"
echo "new: $(git -C "$NEW" log -1 --format='%h %s' | cut -c1-60)"
for i in $(seq "$RUNS"); do run openssl openssl version; done
set -- $(stats openssl)
printf 'openssl version: median %s ms, min %s ms, peak RSS %s KB (/usr/bin/time: %s KB)\n' \
	"$1" "$2" "$4" "$(gnutime : openssl version)"
# The helper's own start: pkix-fetch with no arguments forks, answers a
# usage error and exits (the dynamic loader and its libraries, no work).
for i in $(seq "$RUNS"); do run -x 0 helper "$NEW/build/pkix-fetch" < /dev/null; done
set -- $(stats helper)
printf 'pkix-fetch start (no arguments, %s libraries): whole run median %s ms, min %s ms, peak RSS %s KB\n' \
	"$(ldd "$NEW/build/pkix-fetch" | grep -c '=>')" "$3" \
	"$(cut -d' ' -f2 "$T/r-helper" | sort -g | head -1)" "$5"

printf '\n%-7s %-4s | %-27s | %-6s %-7s %-5s | %-24s | %-6s\n' entries code \
	"cold fetch: median / min ms" "RSS KB" "tree KB" "procs" "warm verify: median/min" "RSS KB"
for n in $SIZES; do
	"$T/mkcrl" "$P/certs/issuing.pem" "$P/keys/issuing.pem" "$n" \
		"$T/www/issuing.crl" "$revoked"
	rm -f "$T"/r-cold-* "$T"/r-warm-*
	for i in $(seq "$RUNS"); do
		[ $((i % 2)) = 1 ] && order="old new" || order="new old"
		for v in $order; do
			pxset $v
			rm -rf "$T/cache-$v"
			run cold-$v "${PX[@]}" fetch "$URL"
			[ -n "$(ls "$T/cache-$v" 2> /dev/null)" ] || {
				echo "bench: $v fetch stored nothing" >&2; exit 1; }
		done
	done
	for v in old new; do
		pxset $v
		rm -rf "$T/cache-$v"
		"${PX[@]}" verify "$P/certs/good.pem" > /dev/null
		"${PX[@]}" verify "$P/certs/revoked.pem" > /dev/null 2>&1 && {
			echo "bench: $v accepted the revoked certificate" >&2; exit 1; }
	done
	for i in $(seq "$RUNS"); do
		[ $((i % 2)) = 1 ] && order="old new" || order="new old"
		for v in $order; do pxset $v; run warm-$v "${PX[@]}" verify "$P/certs/good.pem"; done
	done
	for v in old new; do
		pxset $v
		set -- $(stats warm-$v)
		[ "$6" = 1 ] || { echo "bench: a warm $v verify started $(($6 - 1)) other processes" >&2; exit 1; }
		wm=$1 wmin=$2
		wtime=$(gnutime : "${PX[@]}" verify "$P/certs/good.pem")
		set -- $(stats cold-$v)
		ctime=$(gnutime "rm -rf '$T/cache-$v'" "${PX[@]}" fetch "$URL")
		[ "$ctime" -le $(($4 + 256)) ] && [ "$ctime" -ge $(($4 - 256)) ] ||
			echo "bench: /usr/bin/time $ctime KB against the launcher's $4 KB" >&2
		printf '%-7s %-4s | %9s / %9s ms     | %6s %7s %5s | %7s / %7s ms     | %6s\n' \
			"$n" "$v" "$1" "$2" "$ctime" "$5" "$6" "$wm" "$wmin" "$wtime"
	done
done
