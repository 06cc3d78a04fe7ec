# SPDX-License-Identifier: BSD-2-Clause
# Helpers for the integration tests: TAP output, a private temporary
# directory removed on exit, the test PKI and per-scenario configurations.
# Sourced by tests/integration/*.test (bash).

set -u
: "${PX_SRCDIR:?run through make check}" "${PKIXCTL:?run through make check}"
OPENSSL=${OPENSSL:-openssl}
PX_HELPER=${PX_BUILDDIR:-$(dirname "$PKIXCTL")}/pkix-fetch

PX_T=$(mktemp -d "${TMPDIR:-/tmp}/pam_pkix-test.XXXXXX")
chmod 700 "$PX_T"
trap 'rm -rf "$PX_T"' EXIT
px_n=0
px_failed=0

ok() { px_n=$((px_n + 1)); echo "ok $px_n - $*"; }
not_ok() { px_n=$((px_n + 1)); px_failed=$((px_failed + 1)); echo "not ok $px_n - $*"; }
diag() { sed 's/^/# /' "$@"; }

# run CMD...: runs it, keeping stdout, stderr and the exit status.
run() {
	"$@" > "$PX_T/out" 2> "$PX_T/err"
	px_rc=$?
}

# expect_exit CODE DESCRIPTION CMD...
expect_exit() {
	local want=$1 desc=$2
	shift 2
	run "$@"
	if [ "$px_rc" = "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $px_rc, expected $want)"
		diag "$PX_T/out" "$PX_T/err"
	fi
}

# matches out|err|both PATTERN: grep -E in the last run's output.
matches() {
	case $1 in
	out) grep -Eq -- "$2" "$PX_T/out" ;;
	err) grep -Eq -- "$2" "$PX_T/err" ;;
	*) grep -Eq -- "$2" "$PX_T/out" "$PX_T/err" ;;
	esac
}

# expect_in out|err|both PATTERN DESCRIPTION
expect_in() {
	if matches "$1" "$2"; then
		ok "$3"
	else
		not_ok "$3 (no /$2/ in $1)"
		diag "$PX_T/out" "$PX_T/err"
	fi
}

# expect_not_in out|err|both PATTERN DESCRIPTION
expect_not_in() {
	if matches "$1" "$2"; then
		not_ok "$3 (unexpected /$2/ in $1)"
		diag "$PX_T/out" "$PX_T/err"
	else
		ok "$3"
	fi
}

# check DESCRIPTION CMD...: ok when CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

finish() {
	echo "1..$px_n"
	[ "$px_failed" = 0 ]
}

# Generates the test PKI once per script into $PKI.
make_pki() {
	PKI=$PX_T/pki
	CRL_BASE=${CRL_BASE:-http://crl.example.test} \
		bash "$PX_SRCDIR/tests/gen-pki.sh" "$PKI" > "$PX_T/gen.log" 2>&1 || {
		echo "Bail out! gen-pki.sh failed"
		cat "$PX_T/gen.log"
		exit 1
	}
}

# scenario NAME "INTERMEDIATES" "CRLS" [CONFIG LINES...]
# PX_HELPER_ENV (NAME=VALUE words) becomes the retrieval helper's
# environment (helper_environment): nothing of the caller's reaches it.
# Makes $PX_T/NAME/{ca,int,crl,dis} with root.pem as the only trusted root,
# the named certificates (from $PKI/certs) as intermediates, the named CRL
# files (from $PKI/crl, name with extension) and disallowed.pem; then
# $PX_T/NAME/conf.  Extra lines go under [revocation] unless they start a
# section.  Sets CONF.
scenario() {
	local name=$1 ints=$2 crls=$3 d=$PX_T/$1 i=0 f
	shift 3
	rm -rf "$d"
	mkdir -p "$d/ca" "$d/int" "$d/crl" "$d/dis"
	cp "$PKI/certs/root.pem" "$d/ca/"
	for f in $ints; do
		i=$((i + 1))
		# Numbered so the listed order is the load order.
		cp "$PKI/certs/$f.pem" "$d/int/$i-$f.pem"
	done
	for f in $crls; do cp "$PKI/crl/$f" "$d/crl/"; done
	cp "$PKI/certs/disallowed.pem" "$d/dis/"
	{
		echo "[trust]"
		echo "ca_dir = $d/ca"
		echo "intermediate_dir = $d/int"
		echo "crl_dir = $d/crl"
		echo "disallowed_dir = $d/dis"
		echo "[cache]"
		echo "machine_dir = $d/cache"
		echo "[fetch]"
		echo "helper = $PX_HELPER"
		# The helper's whole environment comes from the configuration.
		for f in ${PX_HELPER_ENV:-}; do echo "helper_environment = $f"; done
		echo "[revocation]"
		for f in "$@"; do echo "$f"; done
	} > "$d/conf"
	chmod 600 "$d/conf"
	CONF=$d/conf
}

# mkleaf NAME URL...: a login certificate of the issuing CA whose CRL
# distribution points are the URLs, in $PKI/certs/NAME.pem (for servers the
# PKI script cannot know: dead ones, other ports).
mkleaf() {
	local name=$1 cdp="" u
	shift
	for u in "$@"; do cdp="${cdp:+$cdp, }URI:$u"; done
	printf '[e]\nbasicConstraints = critical, CA:false\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = clientAuth\nauthorityKeyIdentifier = keyid:always\ncrlDistributionPoints = %s\n' \
		"$cdp" > "$PX_T/$name.ext"
	"$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$PX_T/$name.key" -subj "/CN=$name" -out "$PX_T/$name.csr" 2> /dev/null &&
		"$OPENSSL" x509 -req -in "$PX_T/$name.csr" -CA "$PKI/certs/issuing.pem" \
			-CAkey "$PKI/keys/issuing.pem" -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
			-days 30 -extfile "$PX_T/$name.ext" -extensions e \
			-out "$PKI/certs/$name.pem" 2> /dev/null || {
		echo "Bail out! mkleaf $name failed"
		exit 1
	}
}

verify() { run "$PKIXCTL" --config "$CONF" verify "$@"; }

# PKIs a test makes with the openssl CLI, in directory $MK (P-256 keys,
# 30 days).  mkroot NAME SUBJECT: a self-signed CA, $MK/NAME.{pem,key}.
# mkcert NAME ISSUER SUBJECT "EXTENSION LINES" [KEY]: NAME signed by ISSUER
# with those extensions (\n separates lines) and a key identifier pair;
# KEY reuses the key of another certificate (a self-issued rollover keeps
# the name, a renewal the key).  mkca and mkuser add a CA's or a login
# certificate's basic extensions.
mkroot() {
	"$OPENSSL" req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$MK/$1.key" -subj "$2" -days 30 \
		-addext "basicConstraints = critical, CA:true" \
		-addext "keyUsage = critical, keyCertSign, cRLSign" \
		-addext "subjectKeyIdentifier = hash" -out "$MK/$1.pem" 2> "$MK/err" || {
		echo "Bail out! cannot make $1"
		cat "$MK/err"
		exit 1
	}
}
mkcert() {
	local name=$1 issuer=$2 subj=$3 ext=$4 key=${5:-}
	printf '[e]\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid:always\n%b\n' \
		"$ext" > "$MK/$name.ext"
	if [ -n "$key" ]; then
		cp "$MK/$key.key" "$MK/$name.key"
	else
		"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out "$MK/$name.key" 2> /dev/null
	fi
	"$OPENSSL" req -new -key "$MK/$name.key" -subj "$subj" -out "$MK/$name.csr" \
		2> /dev/null &&
		"$OPENSSL" x509 -req -in "$MK/$name.csr" -CA "$MK/$issuer.pem" \
			-CAkey "$MK/$issuer.key" \
			-set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
			-days 30 -extfile "$MK/$name.ext" -extensions e \
			-out "$MK/$name.pem" 2> "$MK/err" || {
		echo "Bail out! cannot make $name"
		cat "$MK/err"
		exit 1
	}
}
mkca() {
	mkcert "$1" "$2" "$3" "basicConstraints = critical, CA:true${5:+, $5}
keyUsage = critical, keyCertSign, cRLSign
$4" "${6:-}"
}
mkuser() {
	mkcert "$1" "$2" "$3" "basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
$4"
}
# mkconf NAME ROOTS "INTERMEDIATES" [LINES...]: $PX_T/NAME/conf trusting the
# named certificates of $MK, no revocation checks (tests of the path).
mkconf() {
	local d=$PX_T/$1 roots=$2 ints=$3 c l
	shift 3
	rm -rf "$d"
	mkdir -p "$d/ca" "$d/int"
	for c in $roots; do cp "$MK/$c.pem" "$d/ca/"; done
	for c in $ints; do cp "$MK/$c.pem" "$d/int/"; done
	{
		printf '[trust]\nca_dir = %s\nintermediate_dir = %s\ncrl_dir = %s/nocrl\n' \
			"$d/ca" "$d/int" "$d"
		printf '[cache]\nmachine_dir = %s/cache\n[revocation]\nrevocation = none\n' "$d"
		for l in "$@"; do echo "$l"; done
	} > "$d/conf"
	chmod 600 "$d/conf"
	CONF=$d/conf
}
