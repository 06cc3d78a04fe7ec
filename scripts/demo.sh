#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs what is needed, builds, and runs the demo on a throwaway PKI:
# a root and an issuing CA whose CRLs are served by nginx on 127.0.0.1;
# pkixctl accepts a good certificate (fetching the CRLs), then rejects a
# revoked one from the cache, without asking the server again; then two
# smart-card logins through the real libpam with SoftHSM2 cards: one
# accepted, one refused as revoked.
# Run as root on Debian 12:   scripts/demo.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
{ "$top/scripts/build.sh" build && make -C "$top/build" tests/pamdrv tests/mkcard; } \
	> "$top/build.log" 2>&1 || {
	tail -40 "$top/build.log"
	exit 1
}

T=$(mktemp -d /tmp/pam_pkix-demo.XXXXXX)
NGINX_PID=
cleanup() { [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2> /dev/null; rm -rf "$T"; }
trap cleanup EXIT
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

echo "== a throwaway PKI in $T; its certificates name http://127.0.0.1:$PORT/*.crl"
CRL_BASE=http://127.0.0.1:$PORT bash "$top/tests/gen-pki.sh" "$T/pki" > "$T/gen.log" 2>&1 || {
	cat "$T/gen.log"
	exit 1
}
mkdir -p "$T/etc/ca" "$T/etc/intermediate" "$T/www" "$T/nginx/tmp"
cp "$T/pki/certs/root.pem" "$T/etc/ca/"
cp "$T/pki/certs/issuing.pem" "$T/etc/intermediate/"
cp "$T/pki/crl/root.crl" "$T/pki/crl/issuing.crl" "$T/www/"

echo "== nginx serving the CRLs on 127.0.0.1:$PORT"
cat > "$T/nginx/nginx.conf" <<CONF
daemon off;
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 16; }
http {
    client_body_temp_path $T/nginx/tmp/body; proxy_temp_path $T/nginx/tmp/proxy;
    fastcgi_temp_path $T/nginx/tmp/fcgi; uwsgi_temp_path $T/nginx/tmp/uwsgi;
    scgi_temp_path $T/nginx/tmp/scgi;
    types { application/pkix-crl crl; }
    access_log $T/nginx/access.log;
    server {
        listen 127.0.0.1:$PORT;
        root $T/www;
        location / { add_header Cache-Control "max-age=3600"; }
    }
}
CONF
nginx -e "$T/nginx/error.log" -p "$T/nginx" -c "$T/nginx/nginx.conf" &
NGINX_PID=$!
for i in $(seq 50); do (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null && break; sleep 0.1; done

cat > "$T/etc/pam_pkix.conf" <<CONF
[trust]
ca_dir = $T/etc/ca
intermediate_dir = $T/etc/intermediate
[revocation]
revocation = require
[cache]
machine_dir = $T/cache
[fetch]
helper = $top/build/pkix-fetch
url_timeout = 5s
CONF
chmod 600 "$T/etc/pam_pkix.conf"
echo
cat "$T/etc/pam_pkix.conf"

pkixctl=$top/build/pkixctl
status=0
echo
echo "== pkixctl verify --trace good.pem (Alice, not revoked): CRLs from the network"
"$pkixctl" --config "$T/etc/pam_pkix.conf" verify --trace "$T/pki/certs/good.pem" || status=$?
echo "exit status: $status (0 = accepted)"
[ "$status" = 0 ] || { echo "demo: expected acceptance" >&2; exit 1; }

status=0
echo
echo "== pkixctl verify --trace revoked.pem (Rob, revoked for keyCompromise): from the cache"
"$pkixctl" --config "$T/etc/pam_pkix.conf" verify --trace "$T/pki/certs/revoked.pem" || status=$?
echo "exit status: $status (1 = rejected)"
[ "$status" = 1 ] || { echo "demo: expected rejection" >&2; exit 1; }

echo
echo "== pkixctl urlcache"
"$pkixctl" --config "$T/etc/pam_pkix.conf" urlcache
echo
echo "== the CRL server's log: one GET per CRL for both verifications"
cat "$T/nginx/access.log"
echo
echo "== smart-card login through libpam (pam_start_confdir) with SoftHSM2 cards"
SOFTHSM=$(ls /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so 2> /dev/null | head -1)
for c in good revoked; do
	d=$T/cards/$c
	mkdir -p "$d/tokens"
	printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
		"$d/tokens" > "$d/softhsm2.conf"
	SOFTHSM2_CONF=$d/softhsm2.conf softhsm2-util --init-token --free \
		--label "card-$c" --so-pin 0000 --pin 123456 > /dev/null
	openssl pkcs8 -topk8 -nocrypt -in "$T/pki/keys/$c.pem" -out "$d/key.p8"
	SOFTHSM2_CONF=$d/softhsm2.conf softhsm2-util --import "$d/key.p8" \
		--token "card-$c" --label key --id 01 --pin 123456 > /dev/null
	SOFTHSM2_CONF=$d/softhsm2.conf "$top/build/tests/mkcard" "$SOFTHSM" \
		"card-$c" 123456 - "$T/pki/certs/$c.pem"
	# Both cards belong to root (the demo runs as root).
	echo "root sha256:$(openssl x509 -in "$T/pki/certs/$c.pem" -noout \
		-fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)" >> "$T/etc/users"
done
chmod 600 "$T/etc/users"
printf '[login]\npkcs11_module = %s\nmapping = file:%s\n' "$SOFTHSM" \
	"$T/etc/users" >> "$T/etc/pam_pkix.conf"
mkdir -p "$T/pam.d"
echo "auth required $top/build/.libs/pam_pkix.so config=$T/etc/pam_pkix.conf" > "$T/pam.d/login"
# libpam reads "other" too: deny everything else, as Debian's does.
echo "auth required pam_deny.so" > "$T/pam.d/other"
for c in good revoked; do
	echo
	echo "-- login as root with card-$c (PIN 123456)"
	status=0
	SOFTHSM2_CONF=$T/cards/$c/softhsm2.conf "$top/build/tests/pamdrv" \
		"$T/pam.d" login root 123456 || status=$?
	case $c in
	good) [ "$status" = 0 ] || { echo "demo: expected PAM_SUCCESS" >&2; exit 1; } ;;
	revoked) [ "$status" = 7 ] || { echo "demo: expected PAM_AUTH_ERR" >&2; exit 1; } ;;
	esac
done
echo
echo "demo: good certificate accepted, revoked certificate rejected, by pkixctl and by the PAM module"
