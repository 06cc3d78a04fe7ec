#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a
# while on a corpus seeded from the test PKI.
#   fuzz/run.sh [SECONDS-PER-TARGET [TARGET...]]     (default 30, all)
# Needs the build tree's config.h (scripts/build.sh build).
set -euo pipefail
OPENSSL=${OPENSSL:-openssl}
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}
[ $# -gt 0 ] && shift
targets=${*:-meta index trust crl conf ocsp url hdr offline ocount proto chain pam sshinfo}
B=$top/build
T=$(mktemp -d /tmp/pam_pkix-fuzz.XXXXXX)
trap 'rm -rf "$T"' EXIT
[ -f "$B/config.h" ] || { echo "fuzz: run scripts/build.sh first" >&2; exit 1; }

# The core library: every source of common/, pkix/ and cache/.
# (cache/'s network side is the retrieval helper's, not the core's.)
core=$(cd "$top" && ls common/*.c pkix/*.c cache/*.c |
	grep -vE '^cache/(refresh|request|usermap)\.c$')
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
-I$top -I$B -DPX_HELPER_PATH=\"/nonexistent\""
mkdir -p "$T/obj"
# shellcheck disable=SC2086
( cd "$T/obj" && clang $flags -c $(for f in $core; do echo "$top/$f"; done) )
cd "$top"
mkdir -p "$T/pki"
CRL_BASE=http://127.0.0.1:1 bash "$top/tests/gen-pki.sh" "$T/pki" > /dev/null
fail=0
# A real OCSP response to start from.
"$OPENSSL" ocsp -index "$T/pki/ocsp/index.txt" -rsigner "$T/pki/certs/issuing.pem" \
	-rkey "$T/pki/keys/issuing.pem" -CA "$T/pki/certs/issuing.pem" \
	-issuer "$T/pki/certs/issuing.pem" -cert "$T/pki/certs/ocspgood.pem" \
	-respout "$T/ocsp.der" > /dev/null 2>&1 || true
# Seeds of fuzz_chain (see its header): a leaf and the certificates with it.
mkdir -p "$T/seed-chain"
printf '\004\001' > "$T/seed-chain/good"
printf '\005\001' > "$T/seed-chain/revoked"
printf '\005\002\001' > "$T/seed-chain/nocrlsign"
printf '\005\003\002' > "$T/seed-chain/renewal"
printf '\004\006\007\010\001' > "$T/seed-chain/same"
"$OPENSSL" x509 -in "$T/pki/certs/issuing.pem" -outform DER -out "$T/issuing.der"
n=$(wc -c < "$T/issuing.der")
{
	printf '\004\360'
	printf "$(printf '\\%03o\\%03o' $((n >> 8)) $((n & 255)))"
	cat "$T/issuing.der"
} > "$T/seed-chain/der"
# fuzz_pam links the module's sources, libp11, and wraps the allocation and
# file calls of the module and the core (failure injection); it needs a
# SoftHSM2 and the PKI (PX_FUZZ_PKI).
pam_wrap=()
for f in malloc calloc realloc reallocarray strdup strndup vasprintf open read \
	pread write fstat stat lstat mkstemp rename fsync flock mkdir scandir \
	fgets getpwnam PKCS11_CTX_new PKCS11_CTX_load PKCS11_enumerate_slots \
	PKCS11_release_all_slots PKCS11_CTX_unload PKCS11_CTX_free \
	PKCS11_enumerate_certs PKCS11_login PKCS11_find_key \
	PKCS11_get_private_key EVP_DigestSign; do
	pam_wrap+=("-Wl,--wrap=$f")
done
export PX_FUZZ_PKI=$T/pki
PX_FUZZ_SOFTHSM=${PX_FUZZ_SOFTHSM:-$(ls /usr/lib/softhsm/libsofthsm2.so \
	/usr/lib/*/softhsm/libsofthsm2.so 2> /dev/null | head -1)}
export PX_FUZZ_SOFTHSM
for target in $targets; do
	corpus=$T/corpus-$target
	mkdir -p "$corpus"
	extra=()
	case $target in
	crl) cp "$T"/pki/crl/*.crl "$corpus/" ;;
	conf) cp "$top/doc/pam_pkix.conf.example" "$corpus/" ;;
	url) printf 'http://pki.example.com/crl\nhttp://PKI.example.com:80/crl/x.crl?a' > "$corpus/seed"
		printf 'ldap:///\nldap:///cn=Issuing%%20CA,dc=x?certificateRevocationList;binary' > "$corpus/seed2"
		printf 'http://[::1]:8080/\nhttp://[0::1]:8080/a/%%2e%%2E/b' > "$corpus/seed3" ;;
	hdr) printf 'max-age = 86400, must-revalidate' > "$corpus/seed"
		printf '"570084-33c-64a62480"' > "$corpus/seed2"
		printf 'Wed, 14 May 2008 23:50:38 GMT' > "$corpus/seed3" ;;
	offline) h=$(printf 'http://127.0.0.1:9/x.crl' | sha256sum | cut -d' ' -f1)
		printf 'pam_pkix-offline 2\n%s 1800000900 1800 http://127.0.0.1:9/x.crl\n' "$h" > "$corpus/seed" ;;
	ocsp) cp "$T/ocsp.der" "$corpus/" 2> /dev/null || echo seed > "$corpus/seed" ;;
	ocount) h=$(printf 'http://127.0.0.1:9/' | sha256sum | cut -d' ' -f1)
		printf 'pam_pkix-ocsp-counts 1\n%s 3 http://127.0.0.1:9/\nend 1\n' "$h" > "$corpus/seed" ;;
	proto) printf 'magic 16\npam_pkix-fetch 1\nresult 2\n-6\nlog 9\n4 warning\n' > "$corpus/seed" ;;
	chain) cp "$T"/seed-chain/* "$corpus/" ;;
	sshinfo)
		printf 'publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\nkeyboard-interactive\n' > "$corpus/seed"
		extra=(module/sshkey.c module/mapping.c) ;;
	trust)
		# A real compiled store of the test root and issuing CA (root).
		mkdir -p "$T/trust/ca" "$T/trust/int"
		cp "$T/pki/certs/root.pem" "$T/trust/ca/"
		cp "$T/pki/certs/issuing.pem" "$T/trust/int/"
		printf '[trust]\nca_dir = %s/ca\nintermediate_dir = %s/int\n[cache]\nmachine_dir = %s/cache\n' \
			"$T/trust" "$T/trust" "$T/trust" > "$T/trust/conf"
		chmod 600 "$T/trust/conf"
		"$B/pkixctl" --config "$T/trust/conf" rehash > /dev/null 2>&1 &&
			cp "$T/trust/cache/truststore" "$corpus/" || echo seed > "$corpus/seed" ;;
	pam)
		# Status unknown and good CRLs, no failure, each stage.
		printf '\0\0\0\0\0\0\0\2\0' > "$corpus/unknown"
		printf '\1\0\0\0\0\0\0\2\0' > "$corpus/good"
		printf '\1\0\0\0\0\0\0\0\0' > "$corpus/good-auth"
		# shellcheck disable=SC2207
		extra=(module/pam_pkix.c module/pamcode.c module/mapping.c module/sshkey.c module/sshstage.c
			module/card.c $(pkg-config --cflags --libs libp11)
			"${pam_wrap[@]}") ;;
	*) echo seed > "$corpus/seed" ;;
	esac
	# shellcheck disable=SC2086
	clang $flags -o "$T/fuzz_$target" "fuzz/fuzz_$target.c" "${extra[@]}" \
		"$T"/obj/*.o $(pkg-config --libs libcrypto inih) -ldl
	echo "== fuzz_$target for ${secs}s"
	if ! "$T/fuzz_$target" -max_total_time="$secs" -max_len=65536 \
		-artifact_prefix="$T/" \
		-print_final_stats=1 "$corpus" > "$T/$target.log" 2>&1; then
		tail -40 "$T/$target.log"
		fail=1
	fi
	grep -E "stat::number_of_executed_units|Done" "$T/$target.log" | head -2
done
exit $fail
