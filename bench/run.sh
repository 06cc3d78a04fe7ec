#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The benchmark of issue 11 (not a test): every figure in one run, side by
# side, each with its command, and the ratios against their targets.
#   bench/run.sh [--quick] [BUILDDIR] [SIZES...]
#       default: build, CRLs of 1000 100000 1000000 entries, 21 warm runs
#       --quick: CRLs of 1000 100000, 7 warm runs, 3 cold, --repeat 200
# Environment: RUNS (warm runs), COLD (cold runs), REPEAT (N of --repeat),
# OSSL_RUNS (openssl verify runs), ROOTS_CACHE (where the 1000 generated
# roots are kept between runs; default /tmp/pam_pkix-bench-roots-UID).
#
# Figures (all on the test PKI of tests/gen-pki.sh, servers on 127.0.0.1 in
# a temporary directory, stopped by PID; nothing outside it is changed but
# ROOTS_CACHE):
# - warm: `pkixctl verify good.pem`, the issuing CA's CRL of N entries
#   (bench/mkcrl.c) and the root's in the disk cache, with trust stores of
#   1 anchor (the test root), 145 (Debian's /etc/ssl/certs/*.pem of package
#   ca-certificates plus the test root) and 1000 (999 self-signed roots made
#   with openssl plus the test root), interleaved with `openssl version`;
#   each run must start no other process;
# - in process: `pkixctl verify --repeat N` at the largest CRL, one anchor:
#   per check (time(N) - time(1)) / (N - 1), output to /dev/null;
# - OCSP, failing responder: the default configuration plus
#   `ocsp_responder` = a URL nginx answers 404; the first run asks it, then
#   ocsp_retry keeps it aside: the access log must show one request;
# - OCSP, 1000 cached responses: `pkixctl verify ocspgood.pem` answered by
#   its cached response, with 1000 other responses of the same responder
#   cached or none (the technique of bench/ocsp-count.sh);
# - cold: `pkixctl fetch URL` on an empty cache, through the retrieval
#   helper; bench/tree.c (a child subreaper, as in bench/miss.sh) reaps the
#   helper's worker, which validates and indexes the CRL: "largest process"
#   is its peak RSS;
# - openssl: `openssl verify -crl_check` on the same chain and CRLs,
#   `openssl crl -inform DER -noout` on the CRL, `openssl version`.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
QUICK=0
[ "${1:-}" = --quick ] && { QUICK=1; shift; }
B=${1:-$top/build}
shift || true
case $B in /*) ;; *) B=$top/$B ;; esac
if [ $QUICK = 1 ]; then
	SIZES=${*:-1000 100000}
	RUNS=${RUNS:-7} COLD=${COLD:-3} REPEAT=${REPEAT:-200} OSSL_RUNS=${OSSL_RUNS:-3}
else
	SIZES=${*:-1000 100000 1000000}
	RUNS=${RUNS:-21} COLD=${COLD:-5} REPEAT=${REPEAT:-1000} OSSL_RUNS=${OSSL_RUNS:-3}
fi
PKIXCTL=$B/pkixctl
HELPER=$B/pkix-fetch
[ -x "$PKIXCTL" ] && [ -x "$HELPER" ] || { echo "bench: build $B first (scripts/build.sh)" >&2; exit 2; }
ROOTS_CACHE=${ROOTS_CACHE:-/tmp/pam_pkix-bench-roots-$(id -u)}
for c in nginx openssl cc pkg-config; do
	command -v $c > /dev/null || { echo "bench: $c is needed" >&2; exit 2; }
done

bench_tmp bench
bench_tools
cc -O2 -o "$T/mkcrl" "$top/bench/mkcrl.c" -I"$B" $(pkg-config --cflags --libs libcrypto)
HPORT=$(bench_port)
OPORT=$(bench_port)
CRL_BASE=http://127.0.0.1:$HPORT OCSP_BASE=http://127.0.0.1:$OPORT \
	bash "$top/tests/gen-pki.sh" "$T/pki" > /dev/null
P=$T/pki
GOOD=$P/certs/good.pem
mkdir -p "$T/www" "$T/int"
cp "$P/certs/issuing.pem" "$T/int/"
cp "$P/crl/root.crl" "$T/www/"
revoked=$(openssl x509 -in "$P/certs/revoked.pem" -noout -serial | cut -d= -f2)

# ---- trust stores: 1, 145 and 1000 anchors ----
mkdir -p "$T/ca1"
cp "$P/certs/root.pem" "$T/ca1/"
ANCHORS="1"
if ls /etc/ssl/certs/*.pem > /dev/null 2>&1; then
	mkdir -p "$T/ca145"
	cp "$P/certs/root.pem" "$T/ca145/"
	cp /etc/ssl/certs/*.pem "$T/ca145/"
	n=$(ls "$T/ca145" | wc -l)
	[ "$n" = 145 ] || { mv "$T/ca145" "$T/ca$n"; }
	ANCHORS="$ANCHORS $n"
	A145=$n
else
	echo "bench: no /etc/ssl/certs/*.pem: install ca-certificates (apt-get install ca-certificates) for the 145-anchor store" >&2
	A145=
fi
# 999 generated roots, kept in ROOTS_CACHE (only if it is the caller's own).
if [ -d "$ROOTS_CACHE" ] && { [ ! -O "$ROOTS_CACHE" ] || [ -n "$(find "$ROOTS_CACHE" -maxdepth 0 -perm /022)" ]; }; then
	echo "bench: $ROOTS_CACHE is not the caller's own private directory: not used" >&2
	ROOTS_CACHE=$T/roots
fi
if [ "$(ls "$ROOTS_CACHE"/*.pem 2> /dev/null | wc -l)" != 999 ]; then
	echo "generating 999 self-signed roots into $ROOTS_CACHE (once)..." >&2
	rm -rf "$ROOTS_CACHE.new"
	mkdir -m 700 -p "$ROOTS_CACHE.new"
	seq -w 1 999 | xargs -P "$(nproc)" -I{} openssl req -x509 -newkey ec \
		-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-subj "/O=pam_pkix bench/CN=Bench Root {}" -days 3650 \
		-addext "basicConstraints=critical,CA:true" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "$ROOTS_CACHE.new/root-{}.pem" 2> /dev/null
	rm -rf "$ROOTS_CACHE"
	mv "$ROOTS_CACHE.new" "$ROOTS_CACHE"
fi
mkdir -p "$T/ca1000"
cp "$P/certs/root.pem" "$ROOTS_CACHE"/*.pem "$T/ca1000/"
ANCHORS="$ANCHORS 1000"
sleep 1.1 # the trust directories older than the compiled store's racy window

# conf NAME CA_DIR [REVOCATION LINES...]: $T/NAME/conf, its own cache, which
# is $T/NAME/cache: the machine cache for root, the user cache otherwise (a
# machine cache must be root's; an unprivileged process gets none).
[ "$(id -u)" = 0 ] && MACHINE=cache || MACHINE=no-machine-cache
conf() {
	local name=$1 ca=$2 l
	shift 2
	mkdir -p "$T/$name"
	{
		printf '[trust]\nca_dir = %s\nintermediate_dir = %s\ncrl_dir = %s\n' "$ca" "$T/int" "$T/nocrl"
		printf '[cache]\nmachine_dir = %s\nuser_dir = %s\n[fetch]\nhelper = %s\n' \
			"$T/$name/$MACHINE" "$T/$name/cache" "$HELPER"
		printf '[revocation]\nmax_object_size = 256M\n'
		for l in "$@"; do printf '%s\n' "$l"; done
	} > "$T/$name/conf"
	chmod 600 "$T/$name/conf"
}

# ---- servers ----
bench_nginx "$HPORT" "$T/www"
NGINX_LOG=$T/nginx-$HPORT/access.log
openssl ocsp -index "$P/ocsp/index.txt" -port "$OPORT" -rsigner "$P/certs/issuing.pem" \
	-rkey "$P/keys/issuing.pem" -CA "$P/certs/issuing.pem" -nmin 60 -ignore_err \
	> "$T/ocsp.log" 2>&1 &
bench_pids="$bench_pids $!"
# (not bench_wait_port: openssl ocsp hangs on a connection without a request)
for i in $(seq 100); do grep -q 'waiting for OCSP client' "$T/ocsp.log" && break; sleep 0.1; done

# ---- measurement ----
# run FILE [-x STATUS] CMD...: one run through bench/tree.c; appends
# "wall_ms peak_kb largest_kb procs" to FILE.
run() {
	local f=$1 want=0 out
	shift
	[ "$1" = -x ] && { want=$2; shift 2; }
	out=$("$T/tree" "$@")
	set -- $out
	[ "$6" = "$want" ] || { echo "bench: exit $6 (not $want): ${*:7}" >&2; exit 1; }
	echo "$1 $3 $4 $5" >> "$f"
}
col() { cut -d' ' -f"$2" "$1"; }
med() { col "$1" "${2:-1}" | bench_med; }
mn() { col "$1" "${2:-1}" | bench_min; }
mx() { col "$1" "${2:-1}" | sort -g | tail -1; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# target NAME VALUE OP LIMIT: one line of the targets table.
TARGETS=$T/targets
target() {
	local ok
	ok=$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN { print ((op == "<=" && v <= l) ? "met" : "NOT met") }')
	printf '  %-44s %10s   target %s %-8s %s\n' "$1" "$2" "$3" "$4" "$ok" >> "$TARGETS"
}
say() { printf '%s\n' "$*"; }
cmd() { printf '    $ %s\n' "$*" | sed "s|$T|\$T|g; s|$top|\$top|g"; }

say "pam_pkix benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
rev=$(git -C "$top" log -1 --format='%h %s' 2> /dev/null | cut -c1-60) || rev=
say "build: $B (${rev:-commit unknown}); $(openssl version)"
say "T=$T  top=$top  mode: $([ $QUICK = 1 ] && echo quick || echo full); warm runs $RUNS, cold runs $COLD, --repeat $REPEAT"
say "wall times: median / min ms of interleaved runs (bench/tree.c); RSS: peak, KB"
[ "$(id -u)" = 0 ] || say "not root: the compiled trust store is root's only (machine_dir), so this process reads ca_dir's files itself"
say ""

LARGEST=
for n in $SIZES; do LARGEST=$n; done
VERSION_ALL=$T/r-version-all
: > "$VERSION_ALL"

for n in $SIZES; do
	"$T/mkcrl" "$P/certs/issuing.pem" "$P/keys/issuing.pem" "$n" "$T/www/issuing.crl" "$revoked"
	openssl crl -inform DER -in "$T/www/issuing.crl" -out "$T/issuing-crl.pem"
	openssl crl -inform DER -in "$P/crl/root.crl" -out "$T/root-crl.pem"
	say "=== CRL of $n entries ($(stat -c %s "$T/www/issuing.crl") bytes)"
	# Warm: each store's cache filled by one verify (it fetches both CRLs
	# and compiles the store), the revoked leaf rejected.
	for a in $ANCHORS; do
		conf "w$n-$a" "$T/ca$a"
		"$PKIXCTL" --config "$T/w$n-$a/conf" verify "$GOOD" > /dev/null
		"$PKIXCTL" --config "$T/w$n-$a/conf" verify "$P/certs/revoked.pem" > /dev/null &&
			{ echo "bench: the revoked certificate was accepted" >&2; exit 1; }
		"$PKIXCTL" --config "$T/w$n-$a/conf" verify --trace "$GOOD" > "$T/out"
		grep -q 'good - cache' "$T/out" || { echo "bench: not warm" >&2; cat "$T/out" >&2; exit 1; }
		: > "$T/r-w$n-$a"
	done
	: > "$T/r-version-$n"
	for r in $(seq "$RUNS"); do
		order="$ANCHORS v"
		[ $((r % 2)) = 0 ] && order=$(printf '%s\n' $order | tac)
		for a in $order; do
			if [ "$a" = v ]; then
				run "$T/r-version-$n" openssl version
			else
				run "$T/r-w$n-$a" "$PKIXCTL" --config "$T/w$n-$a/conf" verify "$GOOD"
			fi
		done
	done
	cat "$T/r-version-$n" >> "$VERSION_ALL"
	for a in $ANCHORS; do
		[ "$(mx "$T/r-w$n-$a" 4)" = 1 ] || { echo "bench: a warm verify started another process" >&2; exit 1; }
		printf '  warm, %4s anchors: %7s / %7s ms  RSS %5s KB\n' "$a" \
			"$(med "$T/r-w$n-$a")" "$(mn "$T/r-w$n-$a")" "$(mx "$T/r-w$n-$a" 2)"
		cmd "$PKIXCTL" --config "$T/w$n-$a/conf" verify "$GOOD"
	done
	printf '  openssl version:    %7s / %7s ms  RSS %5s KB (interleaved with the above)\n' \
		"$(med "$T/r-version-$n")" "$(mn "$T/r-version-$n")" "$(mx "$T/r-version-$n" 2)"
	cmd openssl version
	# openssl verify -crl_check: the same chain and CRLs (PEM, as it reads).
	: > "$T/r-ov-$n"
	for r in $(seq "$OSSL_RUNS"); do
		run "$T/r-ov-$n" openssl verify -crl_check -CAfile "$P/certs/root.pem" \
			-untrusted "$P/certs/issuing.pem" -CRLfile "$T/issuing-crl.pem" \
			-CRLfile "$T/root-crl.pem" "$GOOD"
	done
	printf '  openssl verify:     %7s / %7s ms  RSS %5s KB\n' \
		"$(med "$T/r-ov-$n")" "$(mn "$T/r-ov-$n")" "$(mx "$T/r-ov-$n" 2)"
	cmd openssl verify -crl_check -CAfile "$P/certs/root.pem" -untrusted "$P/certs/issuing.pem" \
		-CRLfile "$T/issuing-crl.pem" -CRLfile "$T/root-crl.pem" "$GOOD"
	# Cold: an empty cache before each run (outside the timing).
	conf "c$n" "$T/ca1"
	: > "$T/r-c$n"
	: > "$T/r-op$n"
	URL=http://127.0.0.1:$HPORT/issuing.crl
	for r in $(seq "$COLD"); do
		rm -rf "$T/c$n/cache"
		run "$T/r-c$n" "$PKIXCTL" --config "$T/c$n/conf" fetch "$URL"
		run "$T/r-op$n" openssl crl -inform DER -in "$T/www/issuing.crl" -noout
	done
	[ -n "$(ls "$T/c$n/cache" 2> /dev/null)" ] || { echo "bench: the fetch stored nothing" >&2; exit 1; }
	printf '  cold fetch:         %7s / %7s ms  pkixctl RSS %s KB, largest process %s KB (%s processes)\n' \
		"$(med "$T/r-c$n")" "$(mn "$T/r-c$n")" "$(mx "$T/r-c$n" 2)" "$(mx "$T/r-c$n" 3)" "$(mx "$T/r-c$n" 4)"
	cmd "rm -rf $T/c$n/cache; $PKIXCTL --config $T/c$n/conf fetch $URL"
	printf '  openssl crl parse:  %7s / %7s ms  RSS %5s KB\n' \
		"$(med "$T/r-op$n")" "$(mn "$T/r-op$n")" "$(mx "$T/r-op$n" 2)"
	cmd openssl crl -inform DER -in "$T/www/issuing.crl" -noout
	say ""
done

# ---- in process: --repeat N at the largest CRL, one anchor ----
n=$LARGEST
say "=== in process, CRL of $n entries, 1 anchor"
: > "$T/r-rep1"
: > "$T/r-repN"
for r in $(seq 5); do
	run "$T/r-rep1" "$PKIXCTL" --config "$T/w$n-1/conf" verify --repeat 1 "$GOOD"
	run "$T/r-repN" "$PKIXCTL" --config "$T/w$n-1/conf" verify --repeat "$REPEAT" "$GOOD"
done
t1=$(med "$T/r-rep1")
tn=$(med "$T/r-repN")
PERCHECK=$(awk -v a="$tn" -v b="$t1" -v n="$REPEAT" 'BEGIN { printf "%.1f", (a - b) / (n - 1) * 1000 }')
printf '  --repeat 1: %s ms, --repeat %s: %s ms (medians of 5): per check %s us\n' "$t1" "$REPEAT" "$tn" "$PERCHECK"
cmd "$PKIXCTL" --config "$T/w$n-1/conf" verify --repeat "$REPEAT" "$GOOD" "> /dev/null"
say ""

# ---- OCSP: a failing responder; 1000 cached responses ----
say "=== OCSP"
conf o404 "$T/ca1" "ocsp_responder = http://127.0.0.1:$HPORT/404/ocsp"
# The first run asks the responder (through the helper) and puts it aside.
"$PKIXCTL" --config "$T/o404/conf" verify "$GOOD" > /dev/null 2> "$T/o404.err"
grep -q 'not asked again' "$T/o404.err" || { echo "bench: the failing responder was not put aside" >&2; cat "$T/o404.err" >&2; exit 1; }
printf '  first run: "%s"\n' "$(grep 'not asked again' "$T/o404.err" | sed "s/^pkixctl: //")"
: > "$T/r-o404"
: > "$T/r-o404-base"
for r in $(seq "$RUNS"); do
	run "$T/r-o404" "$PKIXCTL" --config "$T/o404/conf" verify "$GOOD"
	run "$T/r-o404-base" "$PKIXCTL" --config "$T/w$n-1/conf" verify "$GOOD"
done
asked=$(grep -c ' /404/' "$NGINX_LOG" || true)
[ "$(mx "$T/r-o404" 4)" = 1 ] || { echo "bench: a verify with the failing responder started a process" >&2; exit 1; }
printf '  failing responder (404): %s / %s ms (without a responder %s / %s ms); requests it got in %s runs: %s\n' \
	"$(med "$T/r-o404")" "$(mn "$T/r-o404")" "$(med "$T/r-o404-base")" "$(mn "$T/r-o404-base")" \
	"$((RUNS + 1))" "$asked"
cmd "$PKIXCTL" --config "$T/o404/conf" verify "$GOOD"
cmd "grep -c ' /404/' $NGINX_LOG"
[ "$asked" = 1 ] || echo "bench: the failing responder was asked $asked times, not once" >&2
OCSP_CERT=$P/certs/ocspgood.pem
RESP=http://127.0.0.1:$OPORT/
# fill DIR N: N more OCSP entries of the responder beside the real one.
fill() {
	local dir=$1 k=$2 real i key hex
	real=$(grep -l "^kind ocsp" "$dir"/*.meta | head -1)
	for i in $(seq "$k"); do
		key="${RESP}#3041$(printf %060x "$i")"
		hex=$(printf %s "$key" | sha256sum | cut -d' ' -f1)
		sed "s|^url .*|url $key|" "$real" > "$dir/$hex.meta"
		cp "${real%.meta}.der" "$dir/$hex.der"
	done
}
for k in 0 1000; do
	conf "oc$k" "$T/ca1" "ocsp_to_crl_count = 1000000"
	"$PKIXCTL" --config "$T/oc$k/conf" verify "$OCSP_CERT" > /dev/null
	fill "$T/oc$k/cache" "$k"
	rm -f "$T/oc$k/cache/ocsp-counts"
	"$PKIXCTL" --config "$T/oc$k/conf" verify --trace "$OCSP_CERT" > "$T/out"
	grep -q "revocation: good - OCSP .*(disk" "$T/out" || {
		echo "bench: OCSP $k: not answered by the cached response" >&2; cat "$T/out" >&2; exit 1; }
	: > "$T/r-oc$k"
done
for r in $(seq "$RUNS"); do
	order="0 1000"
	[ $((r % 2)) = 0 ] && order="1000 0"
	for k in $order; do run "$T/r-oc$k" "$PKIXCTL" --config "$T/oc$k/conf" verify "$OCSP_CERT"; done
done
for k in 0 1000; do
	printf '  %4s other responses cached: %s / %s ms  RSS %s KB\n' "$k" \
		"$(med "$T/r-oc$k")" "$(mn "$T/r-oc$k")" "$(mx "$T/r-oc$k" 2)"
	cmd "$PKIXCTL" --config "$T/oc$k/conf" verify "$OCSP_CERT"
done
say ""

# ---- ratios against the targets ----
: > "$TARGETS"
w1=$(med "$T/r-w$n-1")
[ -n "$A145" ] && target "warm $A145 anchors / 1 anchor ($n entries)" "$(ratio "$(med "$T/r-w$n-$A145")" "$w1")" "<=" 1.1
target "warm 1000 anchors / 1 anchor ($n entries)" "$(ratio "$(med "$T/r-w$n-1000")" "$w1")" "<=" 1.2
target "warm $n entries / openssl version" "$(ratio "$w1" "$(med "$VERSION_ALL")")" "<=" 1.3
rss=0
for f in "$T"/r-w*-*; do r=$(mx "$f" 2); [ "$r" -gt $rss ] && rss=$r; done
target "warm peak RSS, any store and size (MB)" "$(mb $rss)" "<=" 15
target "1000 cached OCSP responses / none" "$(ratio "$(med "$T/r-oc1000")" "$(med "$T/r-oc0")")" "<=" 1.1
target "in-process check (us)" "$PERCHECK" "<=" 50
target "in-process / whole-process" "$(awk -v a="$PERCHECK" -v b="$w1" 'BEGIN { printf "%.4f", a / 1000 / b }')" "<=" 0.01
target "cold $n / openssl crl parse" "$(ratio "$(med "$T/r-c$n")" "$(med "$T/r-op$n")")" "<=" 1.0
target "cold $n, largest process (MB)" "$(mb "$(mx "$T/r-c$n" 3)")" "<=" 64
say "=== ratios (medians) against the targets"
cat "$TARGETS"
say ""
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
