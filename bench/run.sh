#!/bin/bash
# Benchmark of the revocation check (not a test): CRLs of 1k, 100k and 1M
# entries served by nginx on 127.0.0.1; per-process wall time and peak RSS
# of a warm-cache `pkixctl verify` against `openssl verify -crl_check` on
# the same certificate and CRL, and the cold fetch+validate+index against
# openssl's own parse of the CRL.
#   bench/run.sh [BUILDDIR] [SIZES...]     (default: build 1000 100000 1000000)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
shift || true
SIZES=${*:-1000 100000 1000000}
case $B in /*) ;; *) B=$top/$B ;; esac
PKIXCTL=$B/pkixctl

T=$(mktemp -d /tmp/pam_pkix-bench.XXXXXX)
M=$T/measure
NGINX_PID=
cleanup() { [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2> /dev/null; rm -rf "$T"; }
trap cleanup EXIT

cc -O2 -o "$T/measure" "$top/bench/measure.c"
printf 'int main(void) { return 0; }\n' > "$T/empty.c"
cc -O2 -o "$T/empty" "$T/empty.c"
cc -O2 -o "$T/mkcrl" "$top/bench/mkcrl.c" -I"$B" $(pkg-config --cflags --libs libcrypto)
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CRL_BASE=http://127.0.0.1:$PORT bash "$top/tests/gen-pki.sh" "$T/pki" > /dev/null
P=$T/pki
mkdir -p "$T/www" "$T/ca" "$T/int" "$T/nginx/tmp"
cp "$P/certs/root.pem" "$T/ca/"
cp "$P/certs/issuing.pem" "$T/int/"
cp "$P/crl/root.crl" "$T/www/"
cat > "$T/nginx/nginx.conf" <<CONF
daemon off;
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 64; }
http {
    client_body_temp_path $T/nginx/tmp/body; proxy_temp_path $T/nginx/tmp/proxy;
    fastcgi_temp_path $T/nginx/tmp/fcgi; uwsgi_temp_path $T/nginx/tmp/uwsgi;
    scgi_temp_path $T/nginx/tmp/scgi;
    access_log off;
    server { listen 127.0.0.1:$PORT; root $T/www; }
}
CONF
nginx -e "$T/nginx/error.log" -p "$T/nginx" -c "$T/nginx/nginx.conf" &
NGINX_PID=$!
for i in $(seq 50); do (exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2> /dev/null && break; sleep 0.1; done
cat "$P/certs/root.pem" > "$T/root-ca.pem"
openssl crl -inform DER -in "$P/crl/root.crl" -out "$T/root-crl.pem"
revoked=$(openssl x509 -in "$P/certs/revoked.pem" -noout -serial | cut -d= -f2)

echo "launcher baseline (an empty C program): $($M 30 "$T/empty" | cut -d' ' -f1,3) (ms, peak KB)"
printf '%-9s | %-27s | %-27s | %-8s | %-23s\n' entries \
	"pkixctl warm: ms / peak KB" "openssl verify: ms / peak KB" speedup \
	"cold fetch / openssl parse"
for n in $SIZES; do
	"$T/mkcrl" "$P/certs/issuing.pem" "$P/keys/issuing.pem" "$n" \
		"$T/www/issuing.crl" "$revoked"
	openssl crl -inform DER -in "$T/www/issuing.crl" -out "$T/issuing-crl.pem"
	cat > "$T/conf" <<-CONF
	[trust]
	ca_dir = $T/ca
	intermediate_dir = $T/int
	crl_dir = $T/nocrl
	[cache]
	machine_dir = $T/cache
	[fetch]
	helper = $B/pkix-fetch
	[revocation]
	max_object_size = 256M
	CONF
	chmod 600 "$T/conf"
	# Cold: fetch, validate (signature), compile the index, store.
	cold=$($M 3 sh -c "rm -rf '$T/cache'; exec '$PKIXCTL' --config '$T/conf' fetch 'http://127.0.0.1:$PORT/issuing.crl'")
	parse=$($M 3 openssl crl -inform DER -in "$T/www/issuing.crl" -noout)
	# Warm: both CRLs in the cache.
	"$PKIXCTL" --config "$T/conf" verify "$P/certs/good.pem" > /dev/null
	"$PKIXCTL" --config "$T/conf" verify "$P/certs/revoked.pem" > /dev/null && {
		echo "bench: the revoked certificate was accepted" >&2; exit 1; }
	warm=$($M 30 "$PKIXCTL" --config "$T/conf" verify "$P/certs/good.pem")
	ossl=$($M 3 openssl verify -crl_check -CAfile "$T/root-ca.pem" \
		-untrusted "$P/certs/issuing.pem" -CRLfile "$T/issuing-crl.pem" \
		-CRLfile "$T/root-crl.pem" "$P/certs/good.pem")
	set -- $warm; wms=$1 wrss=$3 wst=$4
	set -- $ossl; oms=$1 orss=$3 ost=$4
	set -- $cold; cms=$1
	set -- $parse; pms=$1
	[ "$wst" = 0 ] && [ "$ost" = 0 ] || { echo "bench: a verification failed ($wst, $ost)" >&2; exit 1; }
	printf '%-9s | %8s ms / %8s KB | %9s ms / %8s KB | %7sx | %8s / %8s ms\n' "$n" \
		"$wms" "$wrss" "$oms" "$orss" \
		"$(awk -v a="$oms" -v b="$wms" 'BEGIN { printf "%.0f", a / b }')" \
		"$cms" "$pms"
done
