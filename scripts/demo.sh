#!/bin/bash
# Installs what is needed, builds, and runs the demo on a throwaway PKI:
# pkixctl accepts a good certificate and rejects a revoked one.
# Run as root on Debian 12:   scripts/demo.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/build.sh" build > "$top/build.log" 2>&1 || {
	tail -40 "$top/build.log"
	exit 1
}

T=$(mktemp -d /tmp/pam_pkix-demo.XXXXXX)
trap 'rm -rf "$T"' EXIT
echo "== a throwaway PKI in $T"
bash "$top/tests/gen-pki.sh" "$T/pki" > "$T/gen.log" 2>&1 || {
	cat "$T/gen.log"
	exit 1
}
mkdir -p "$T/etc/ca" "$T/etc/intermediate" "$T/etc/crl"
cp "$T/pki/certs/root.pem" "$T/etc/ca/"
cp "$T/pki/certs/issuing.pem" "$T/etc/intermediate/"
cp "$T/pki/crl/root.crl" "$T/pki/crl/issuing.crl" "$T/etc/crl/"
cat > "$T/etc/pam_pkix.conf" <<CONF
[trust]
ca_dir = $T/etc/ca
intermediate_dir = $T/etc/intermediate
crl_dir = $T/etc/crl
[revocation]
revocation = require
[cache]
machine_dir = $T/cache
[fetch]
transport_dir = $top/build/.libs
CONF
chmod 600 "$T/etc/pam_pkix.conf"
cat "$T/etc/pam_pkix.conf"

pkixctl=$top/build/pkixctl
status=0
echo
echo "== pkixctl verify --trace good.pem (Alice, not revoked)"
"$pkixctl" --config "$T/etc/pam_pkix.conf" verify --trace "$T/pki/certs/good.pem" || status=$?
echo "exit status: $status (0 = accepted)"
[ "$status" = 0 ] || { echo "demo: expected acceptance" >&2; exit 1; }

status=0
echo
echo "== pkixctl verify revoked.pem (Rob, revoked for keyCompromise)"
"$pkixctl" --config "$T/etc/pam_pkix.conf" verify "$T/pki/certs/revoked.pem" || status=$?
echo "exit status: $status (1 = rejected)"
[ "$status" = 1 ] || { echo "demo: expected rejection" >&2; exit 1; }

echo
echo "demo: good certificate accepted, revoked certificate rejected"
