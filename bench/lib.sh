# SPDX-License-Identifier: BSD-2-Clause
# Shell functions shared by the benchmark scripts (bash; sourced).  Not the
# tests' helpers (tests/lib.sh): no TAP, no cmocka environment.
#
#   . "$top/bench/lib.sh"
#   bench_tmp NAME        $T: a private temporary directory, removed on exit
#                         with every server started below (stopped by PID)
#   bench_port            a free TCP port on 127.0.0.1
#   bench_wait_port PORT  until something accepts connections there
#   bench_nginx PORT ROOT nginx on 127.0.0.1:PORT serving ROOT; /404/ answers
#                         404 to every method (a failing OCSP responder);
#                         access log: $T/nginx-PORT/access.log
#   bench_tools           compiles bench/measure.c and the subreaper
#                         launcher into $T (measure, tree)
#   bench_med, bench_min  median / minimum of the numbers on stdin

bench_pids=""

bench_stop() {
	local p
	for p in $bench_pids; do
		kill "$p" 2> /dev/null && wait "$p" 2> /dev/null
	done
	bench_pids=""
}

bench_tmp() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/pam_pkix-$1.XXXXXX")
	chmod 700 "$T"
	# (set -e would stop the trap at the first server it kills)
	trap 'set +e; bench_stop; rm -rf "$T"' EXIT
}

bench_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

bench_wait_port() {
	local i
	for i in $(seq 100); do
		(exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0
		sleep 0.1
	done
	echo "bench: nothing listens on 127.0.0.1:$1" >&2
	exit 1
}

# bench_nginx PORT DOCROOT: one log line per request, "METHOD URI STATUS".
bench_nginx() {
	local port=$1 root=$2 d=$T/nginx-$1 user=""
	mkdir -p "$d/tmp"
	[ "$(id -u)" = 0 ] && user="user root;"
	: > "$d/access.log"
	cat > "$d/nginx.conf" <<-CONF
	daemon off;
	$user
	worker_processes 1;
	pid $d/nginx.pid;
	error_log $d/error.log;
	events { worker_connections 64; }
	http {
	    client_body_temp_path $d/tmp/body;
	    proxy_temp_path $d/tmp/proxy;
	    fastcgi_temp_path $d/tmp/fastcgi;
	    uwsgi_temp_path $d/tmp/uwsgi;
	    scgi_temp_path $d/tmp/scgi;
	    types { application/pkix-crl crl; }
	    default_type application/octet-stream;
	    log_format bench '\$request_method \$uri \$status';
	    access_log $d/access.log bench;
	    server {
	        listen 127.0.0.1:$port;
	        root $root;
	        location /404/ { return 404; }
	    }
	}
	CONF
	nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf" &
	bench_pids="$bench_pids $!"
	bench_wait_port "$port"
	: > "$d/access.log" # forget the probe (it sent no request, but still)
}

bench_med() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
bench_min() { sort -g | head -1; }

# The launchers: bench/measure.c (RUNS processes one at a time: median and
# minimum wall, peak RSS) and tree.c (one run as a child subreaper: the
# retrieval helper's worker, adopted by init otherwise, is reaped and
# counted here).
bench_tools() {
	cc -O2 -o "$T/measure" "$top/bench/measure.c"
	cc -O2 -o "$T/tree" "$top/bench/tree.c"
}
