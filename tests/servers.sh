# Real servers for the integration tests, on 127.0.0.1 in $PX_T, stopped by
# PID when the test exits.  Sourced after tests/lib.sh.

px_pids=""
trap 'px_stop_all; rm -rf "$PX_T"' EXIT

px_stop_all() {
	local p
	for p in $px_pids; do
		kill "$p" 2> /dev/null && wait "$p" 2> /dev/null
	done
	px_pids=""
}

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# wait_port PORT: until something accepts connections there (10 s at most).
wait_port() {
	local i
	for i in $(seq 100); do
		(exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null && return 0
		sleep 0.1
	done
	echo "Bail out! nothing listens on 127.0.0.1:$1"
	exit 1
}

# start_nginx PORT DOCROOT: nginx serving DOCROOT with ETag, Last-Modified
# and Cache-Control: max-age=60 (/noetag/: no ETag).  Its access log,
# $NGINX_LOG, records the conditional headers of every request.
start_nginx() {
	local port=$1 root=$2 d=$PX_T/nginx user=""
	mkdir -p "$d/tmp"
	[ "$(id -u)" = 0 ] && user="user root;"
	NGINX_LOG=$d/access.log
	: > "$NGINX_LOG"
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
	    types { application/pkix-crl crl; application/pkix-cert cer; }
	    default_type application/octet-stream;
	    log_format px escape=none '\$request_method \$uri#\$http_if_none_match#\$http_if_modified_since#\$http_cache_control#\$status#\$http_user_agent';
	    access_log $NGINX_LOG px;
	    server {
	        listen 127.0.0.1:$port;
	        root $root;
	        location /noetag/ { etag off; add_header Cache-Control "max-age=60"; }
	        location / { add_header Cache-Control "max-age=60"; }
	    }
	}
	CONF
	nginx -e "$d/error.log" -p "$d" -c "$d/nginx.conf" &
	px_pids="$px_pids $!"
	wait_port "$port"
}

# requests PATTERN: how many requests in the nginx log match PATTERN.
# Log lines: METHOD URI#If-None-Match#If-Modified-Since#Cache-Control#STATUS#UA
requests() { grep -cE -- "$1" "$NGINX_LOG"; }

# start_httpd PORT: the scripted server (tests/httpd.py) with plan $HTTPD_PLAN
# (JSON, read on every request) and log $HTTPD_LOG (JSON lines).
start_httpd() {
	HTTPD_PLAN=$PX_T/httpd-plan.json
	HTTPD_LOG=$PX_T/httpd-log.jsonl
	echo '{}' > "$HTTPD_PLAN"
	: > "$HTTPD_LOG"
	/usr/bin/python3 "$PX_SRCDIR/tests/httpd.py" "$1" "$HTTPD_PLAN" \
		"$HTTPD_LOG" &
	px_pids="$px_pids $!"
	wait_port "$1"
	: > "$HTTPD_LOG" # forget wait_port's probe
}

# plan JSON: replaces the scripted server's plan.
plan() { printf '%s\n' "$1" > "$HTTPD_PLAN.tmp" && mv "$HTTPD_PLAN.tmp" "$HTTPD_PLAN"; }

# hits PATH: requests for PATH in the scripted server's log.
hits() {
	/usr/bin/python3 -c 'import json, sys
n = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r["event"] == "request" and r["path"] == sys.argv[2]:
        n += 1
print(n)' "$HTTPD_LOG" "$1"
}

# connects: connections accepted by the scripted server so far.
connects() { grep -c '"event": "connect"' "$HTTPD_LOG"; }

# start_slapd PORT: slapd (mdb) on 127.0.0.1:PORT with dc=example,dc=test,
# the issuing CA's entry (its CRL and certificate as binary attributes), the
# root CA's entry, `allow bind_v2`, anonymous read.  Its log ($SLAPD_LOG,
# stats level) shows the binds it saw.
start_slapd() {
	local port=$1 d=$PX_T/slapd
	mkdir -p "$d/db"
	SLAPD_LOG=$d/slapd.log
	cat > "$d/slapd.conf" <<-CONF
	include /etc/ldap/schema/core.schema
	include /etc/ldap/schema/cosine.schema
	include /etc/ldap/schema/inetorgperson.schema
	modulepath /usr/lib/ldap
	moduleload back_mdb
	pidfile $d/slapd.pid
	argsfile $d/slapd.args
	allow bind_v2
	${SLAPD_EXTRA:-}
	database mdb
	maxsize 104857600
	suffix "dc=example,dc=test"
	rootdn "cn=admin,dc=example,dc=test"
	directory $d/db
	access to * by * read
	CONF
	cat > "$d/base.ldif" <<-LDIF
	dn: dc=example,dc=test
	objectClass: dcObject
	objectClass: organization
	o: Example
	dc: example

	dn: ou=PKI,dc=example,dc=test
	objectClass: organizationalUnit
	ou: PKI

	dn: cn=Issuing CA,ou=PKI,dc=example,dc=test
	objectClass: cRLDistributionPoint
	objectClass: pkiCA
	cn: Issuing CA
	certificateRevocationList;binary:< file://$PKI/crl/issuing.crl
	cACertificate;binary:< file://$PKI/certs/issuing.cer

	dn: cn=Root CA,ou=PKI,dc=example,dc=test
	objectClass: cRLDistributionPoint
	objectClass: pkiCA
	cn: Root CA
	certificateRevocationList;binary:< file://$PKI/crl/root.crl

	dn: cn=No CRL,ou=PKI,dc=example,dc=test
	objectClass: cRLDistributionPoint
	cn: No CRL
	${SLAPD_LDIF_EXTRA:-}
	LDIF
	slapadd -q -f "$d/slapd.conf" -l "$d/base.ldif" > "$d/slapadd.log" 2>&1 || {
		echo "Bail out! slapadd failed"
		cat "$d/slapadd.log"
		exit 1
	}
	env ${SLAPD_ENV:-} slapd -d 256 -f "$d/slapd.conf" -h "ldap://127.0.0.1:$port/" \
		> "$SLAPD_LOG" 2>&1 &
	px_pids="$px_pids $!"
	wait_port "$port"
}

# start_relay PORT SLAPD_PORT: tests/ldaprelay.py (v3 refused, v2 relayed).
start_relay() {
	RELAY_LOG=$PX_T/relay.log
	: > "$RELAY_LOG"
	/usr/bin/python3 "$PX_SRCDIR/tests/ldaprelay.py" "$1" "$2" "$RELAY_LOG" &
	px_pids="$px_pids $!"
	wait_port "$1"
	: > "$RELAY_LOG"
}
