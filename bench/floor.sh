#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The process floor (not a test): what a warm `pkixctl verify good.pem`
# (both CRLs in the disk cache, nothing fetched) pays before and around its
# work, for one or two pkixctl binaries side by side.
#   bench/floor.sh [PKIXCTL [PKIXCTL2]] [RUNS]   (default: build/pkixctl, 41)
# PKIXCTL is a binary or a build directory.  For each binary:
# - valgrind --tool=callgrind: instructions in all, and inclusive counts of
#   the dynamic loader (_dl_start), OPENSSL_init_crypto (every call: the
#   configuration, the error strings, the name tables), the configuration
#   file (CONF_modules_load_file_ex), the key decoders set up by d2i_X509
#   (OSSL_DECODER_CTX_new_for_pkey), OPENSSL_cleanup at exit, px_verify;
# - its DT_NEEDED libraries, the loader's relocation counts (LD_DEBUG=statistics)
#   and the objects it initialises (LD_DEBUG=libs);
# - wall time, interleaved with the other binary and `openssl version`
#   (RUNS runs each, median and minimum, bench/tree.c), and perf stat's
#   task-clock and page faults when perf is installed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
BINS=()
RUNS=41
for a in "$@"; do
	case $a in
	*[!0-9]*) [ -d "$a" ] && a=$a/pkixctl; BINS+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")") ;;
	*) RUNS=$a ;;
	esac
done
[ ${#BINS[@]} -gt 0 ] || BINS=("$top/build/pkixctl")
for b in "${BINS[@]}"; do [ -x "$b" ] || { echo "bench: no $b" >&2; exit 2; }; done
HELPER=$(dirname "${BINS[0]}")/pkix-fetch
[ -x "$HELPER" ] || HELPER=$top/build/pkix-fetch

bench_tmp floor
bench_tools
PORT=$(bench_port)
CRL_BASE=http://127.0.0.1:$PORT bash "$top/tests/gen-pki.sh" "$T/pki" > /dev/null
P=$T/pki
mkdir -p "$T/www" "$T/ca" "$T/int"
cp "$P/certs/root.pem" "$T/ca/"
cp "$P/certs/issuing.pem" "$T/int/"
cp "$P/crl/root.crl" "$P/crl/issuing.crl" "$T/www/"
bench_nginx "$PORT" "$T/www"
i=0
for b in "${BINS[@]}"; do
	i=$((i + 1))
	printf '[trust]\nca_dir = %s\nintermediate_dir = %s\ncrl_dir = %s\n[cache]\nmachine_dir = %s\n[fetch]\nhelper = %s\n' \
		"$T/ca" "$T/int" "$T/nocrl" "$T/cache$i" "$HELPER" > "$T/conf$i"
	chmod 600 "$T/conf$i"
	# The first run fetches both CRLs and compiles the trust store.
	"$b" --config "$T/conf$i" verify "$P/certs/good.pem" > /dev/null
	sleep 1.1 # past the racy window of the compiled store's stamp
	"$b" --config "$T/conf$i" verify --trace "$P/certs/good.pem" > "$T/out"
	grep -q "good - cache" "$T/out" || { echo "bench: $b: not warm" >&2; cat "$T/out" >&2; exit 1; }
done
bench_stop # the warm path must not need the server

echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $(openssl version)"
# incl FILE FUNCTION: inclusive instructions of FUNCTION (all its calls).
incl() {
	callgrind_annotate --inclusive=yes "$1" 2> /dev/null |
		awk -v f="$2" '{ n = $0; sub(/^ *[0-9,]+ *(\([^)]*\))? */, "", n) }
			n ~ ("(^|:)" f " \\[") { gsub(/,/, "", $1); s += $1 }
			END { printf "%.2f", s / 1e6 }'
}
i=0
for b in "${BINS[@]}" openssl; do
	i=$((i + 1))
	if [ "$b" = openssl ]; then
		cmd=(openssl version) name="openssl version"
	else
		cmd=("$b" --config "$T/conf$i" verify "$P/certs/good.pem") name=$b
	fi
	echo
	echo "== $name"
	echo "command: ${cmd[*]}"
	if command -v valgrind > /dev/null; then
		valgrind --tool=callgrind --callgrind-out-file="$T/cg$i" "${cmd[@]}" > /dev/null 2> "$T/vg"
		tot=$(sed -n 's/.*Collected : //p' "$T/vg")
		printf 'callgrind: %.2f M instructions; dynamic loader %s M, OPENSSL_init_crypto %s M (configuration file %s M), key decoder set-up %s M, OPENSSL_cleanup %s M, px_verify %s M\n' \
			"$(echo "$tot / 1000000" | bc -l)" "$(incl "$T/cg$i" _dl_start)" \
			"$(incl "$T/cg$i" OPENSSL_init_crypto)" "$(incl "$T/cg$i" CONF_modules_load_file_ex)" \
			"$(incl "$T/cg$i" OSSL_DECODER_CTX_new_for_pkey)" "$(incl "$T/cg$i" OPENSSL_cleanup)" \
			"$(incl "$T/cg$i" px_verify)"
	fi
	bin=${cmd[0]}
	[ "$bin" = openssl ] && bin=$(command -v openssl)
	echo "DT_NEEDED: $(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')"
	LD_DEBUG=statistics "${cmd[@]}" 2>&1 > /dev/null |
		awk '/number of relocations:|relative relocations:|relocations from cache:/ { sub(/^[ \t0-9]*:[ \t]*/, ""); printf "%s; ", $0 } END { print "" }' |
		sed 's/^/loader: /'
	echo "objects initialised: $(LD_DEBUG=libs "${cmd[@]}" 2>&1 > /dev/null | sed -n 's/.*calling init: //p' | xargs -n1 basename | tr '\n' ' ')"
	if command -v perf > /dev/null; then
		perf stat -x, -r "$RUNS" -e task-clock,page-faults "${cmd[@]}" 2>&1 > /dev/null |
			awk -F, '/task-clock/ { t = $1 } /page-faults/ { p = $1 } END { printf "perf stat (%s runs): task-clock %.3f ms, %d page faults\n", '"$RUNS"', t, p }'
	fi
done

# Wall time, interleaved (the order turned every round).
echo
i=0
for r in $(seq "$RUNS"); do
	i=0
	order=()
	for b in "${BINS[@]}"; do i=$((i + 1)); order+=("$i"); done
	order+=(o)
	[ $((r % 2)) = 0 ] && order=($(printf '%s\n' "${order[@]}" | tac))
	for k in "${order[@]}"; do
		if [ "$k" = o ]; then
			"$T/tree" openssl version | cut -d' ' -f1 >> "$T/w-o"
		else
			"$T/tree" "${BINS[$((k - 1))]}" --config "$T/conf$k" verify "$P/certs/good.pem" |
				cut -d' ' -f1 >> "$T/w-$k"
		fi
	done
done
i=0
for b in "${BINS[@]}" openssl; do
	i=$((i + 1))
	f=$T/w-$i
	[ "$b" = openssl ] && f=$T/w-o b="openssl version"
	printf 'wall (%s interleaved runs): median %s ms, min %s ms  %s\n' "$RUNS" \
		"$(bench_med < "$f")" "$(bench_min < "$f")" "$b"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
