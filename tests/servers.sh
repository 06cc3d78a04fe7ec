# SPDX-License-Identifier: BSD-2-Clause
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
	local port=$1 d=$PX_T/slapd-$1
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
	env ${SLAPD_ENV:-} slapd -d 256 -f "$d/slapd.conf" \
		-h "ldap://127.0.0.1:$port/ ${SLAPD_URLS:-}" > "$SLAPD_LOG" 2>&1 &
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

# start_kdc PORT: an MIT KDC for the realm EXAMPLE.TEST on 127.0.0.1:PORT
# (UDP and TCP), its database and replay caches in $PX_T/krb5.  Creates
# service keys ldap/localhost, ldap/127.0.0.1 and ldap/$(hostname -f) in
# $KRB_DIR/ldap.keytab and the client host/client.example.test in
# $KRB_DIR/client.keytab, and exports KRB5_CONFIG and friends so that every
# process of the test uses this realm and nothing in /etc.
start_kdc() {
	local port=$1 fqdn
	KRB_DIR=$PX_T/krb5
	mkdir -p "$KRB_DIR/db" "$KRB_DIR/rcache"
	fqdn=$(hostname -f 2> /dev/null || hostname)
	cat > "$KRB_DIR/krb5.conf" <<-CONF
	[libdefaults]
	    default_realm = EXAMPLE.TEST
	    dns_lookup_kdc = false
	    dns_lookup_realm = false
	    rdns = false
	    dns_canonicalize_hostname = false
	    udp_preference_limit = 1
	[realms]
	    EXAMPLE.TEST = {
	        kdc = 127.0.0.1:$port
	    }
	CONF
	cat > "$KRB_DIR/kdc.conf" <<-CONF
	[kdcdefaults]
	    kdc_listen = 127.0.0.1:$port
	    kdc_tcp_listen = 127.0.0.1:$port
	[realms]
	    EXAMPLE.TEST = {
	        database_name = $KRB_DIR/db/principal
	        key_stash_file = $KRB_DIR/db/stash
	        acl_file = $KRB_DIR/db/kadm5.acl
	    }
	[logging]
	    kdc = FILE:$KRB_DIR/kdc.log
	CONF
	printf '[libdefaults]\n    ignore_acceptor_hostname = true\n' > "$KRB_DIR/acceptor.conf"
	: > "$KRB_DIR/db/kadm5.acl"
	export KRB5_CONFIG=$KRB_DIR/krb5.conf KRB5_KDC_PROFILE=$KRB_DIR/kdc.conf
	export KRB5RCACHEDIR=$KRB_DIR/rcache KRB5CCNAME=FILE:$KRB_DIR/ccache
	export KRB5_KTNAME=FILE:$KRB_DIR/none.keytab
	# The retrieval helper's environment, through the configuration.
	PX_HELPER_ENV="KRB5_CONFIG=$KRB_DIR/krb5.conf KRB5RCACHEDIR=$KRB_DIR/rcache KRB5_KTNAME=FILE:$KRB_DIR/none.keytab"
	{
		kdb5_util -r EXAMPLE.TEST create -s -P masterpw
		for p in ldap/localhost ldap/127.0.0.1 "ldap/$fqdn" host/client.example.test; do
			kadmin.local -r EXAMPLE.TEST -q "addprinc -randkey $p"
		done
		kadmin.local -r EXAMPLE.TEST -q "ktadd -k $KRB_DIR/ldap.keytab ldap/localhost ldap/127.0.0.1 ldap/$fqdn"
		kadmin.local -r EXAMPLE.TEST -q "ktadd -k $KRB_DIR/client.keytab host/client.example.test"
	} > "$KRB_DIR/setup.log" 2>&1 || {
		echo "Bail out! KDC setup failed"
		cat "$KRB_DIR/setup.log"
		exit 1
	}
	krb5kdc -n -r EXAMPLE.TEST > "$KRB_DIR/krb5kdc.out" 2>&1 &
	KDC_PID=$!
	px_pids="$px_pids $KDC_PID"
	wait_port "$port"
}

# The environment of a slapd that accepts GSSAPI with the test realm.
slapd_gssapi_env() {
	SLAPD_ENV="KRB5_CONFIG=$KRB_DIR/acceptor.conf:$KRB_DIR/krb5.conf KRB5_KTNAME=FILE:$KRB_DIR/ldap.keytab KRB5RCACHEDIR=$KRB_DIR/rcache"
	SLAPD_EXTRA="sasl-realm EXAMPLE.TEST
sasl-host localhost
authz-regexp \"^uid=([^,]+)(,cn=example.test)?,cn=gssapi,cn=auth\$\" \"uid=\$1,ou=People,dc=example,dc=test\""
}

# start_blackhole PORT: accepts connections and never answers.
start_blackhole() {
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    c, _ = s.accept()
    held.append(c)' "$1" &
	px_pids="$px_pids $!"
	wait_port "$1"
}

# start_synhole PORT: a server whose SYNs go unanswered, like a firewall
# that drops them: a listener that never accepts, its queue (backlog 0)
# filled by two connections of its own; the kernel drops further SYNs.
start_synhole() {
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(0)
fill = []
for i in range(2):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", int(sys.argv[1])))
    except BlockingIOError:
        pass
    fill.append(c)
time.sleep(100000)' "$1" &
	px_pids="$px_pids $!"
	sleep 0.5
}

# start_ocsp PORT SIGNER: `openssl ocsp` answering for the issuing CA from
# $PKI/ocsp/index.txt, signing as SIGNER (a certificate name of $PKI/certs
# with its key in $PKI/keys), responses valid 60 minutes, behind a relay on
# $OCSP_PORT that logs request lines to $OCSP_LOG.  Sets OCSP_PID.
start_ocsp() {
	local port=$1 signer=$2
	OCSP_PORT=$port
	[ -n "${OCSP_UP:-}" ] || OCSP_UP=$(free_port)
	OCSP_LOG=$PX_T/ocsp-requests.log
	"$OPENSSL" ocsp -index "$PKI/ocsp/index.txt" -port "$OCSP_UP" \
		-rsigner "$PKI/certs/$signer.pem" -rkey "$PKI/keys/$signer.pem" \
		-CA "$PKI/certs/issuing.pem" -nmin 60 -ignore_err \
		> "$PX_T/ocsp-$signer.log" 2>&1 &
	OCSP_PID=$!
	px_pids="$px_pids $OCSP_PID"
	# Not wait_port: openssl ocsp hangs on a connection closed without a
	# request (measured with OpenSSL 3.0); it says when it is listening.
	local i
	for i in $(seq 100); do
		grep -q 'waiting for OCSP client connections' \
			"$PX_T/ocsp-$signer.log" 2> /dev/null && break
		sleep 0.1
	done
	if [ -z "${OCSP_RELAY:-}" ]; then
		: > "$OCSP_LOG"
		/usr/bin/python3 "$PX_SRCDIR/tests/httprelay.py" "$port" \
			"$OCSP_UP" "$OCSP_LOG" &
		OCSP_RELAY=$!
		px_pids="$px_pids $OCSP_RELAY"
		wait_port "$port"
		: > "$OCSP_LOG"
	fi
}

# stop_ocsp: stops the responder (the relay stays, refusing nothing).
stop_ocsp() {
	kill "$OCSP_PID" 2> /dev/null
	wait "$OCSP_PID" 2> /dev/null
}

# start_sshd DIR PORT UID: OpenSSH's sshd (-D -e) on 127.0.0.1:PORT with
# DIR/sshd_config, run as UID: not root, so that OpenSSH needs no
# /run/sshd (it can then log in UID only).  Its PAM services come from
# DIR/pam.d (pam_wrapper), its users from DIR/passwd and DIR/group
# (nss_wrapper); nothing of the caller's environment reaches it.  Log:
# DIR/sshd.log (the module's pam_syslog lines too).  Missing OpenSSH or
# wrappers are a failure, not a skip: scripts/deps.sh installs them.
SSHD=${SSHD:-/usr/sbin/sshd}
px_lib() { ls /usr/lib/*/"$1" /usr/lib/"$1" 2> /dev/null | head -1; }
start_sshd() {
	local d=$1 port=$2 uid=$3 pw nw asan
	pw=$(px_lib libpam_wrapper.so) nw=$(px_lib libnss_wrapper.so)
	if [ ! -x "$SSHD" ] || [ -z "$pw" ] || [ -z "$nw" ] ||
		! command -v setpriv > /dev/null; then
		echo "Bail out! sshd, libpam_wrapper, libnss_wrapper or setpriv missing (run scripts/deps.sh)"
		exit 1
	fi
	SSHD_DIR=$d SSHD_UID=$uid
	# An ASan build of the module needs the runtime first in sshd (not
	# built with it); sshd's own allocations are not ours to leak-check.
	asan=$(ldd "${PX_MODULE:-/dev/null}" 2> /dev/null | awk '/libasan/ { print $3 }')
	: > "$d/sshd.log"
	chown "$uid:$uid" "$d/sshd.log"
	setpriv --reuid="$uid" --regid="$uid" --clear-groups \
		env -i PATH=/usr/bin:/bin LD_PRELOAD="${asan:+$asan }$pw $nw" \
		ASAN_OPTIONS=detect_leaks=0 PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$d/pam.d" PAM_WRAPPER_DEBUGLEVEL=2 \
		NSS_WRAPPER_PASSWD="$d/passwd" NSS_WRAPPER_GROUP="$d/group" \
		"$SSHD" -D -e -f "$d/sshd_config" 2>> "$d/sshd.log" &
	px_pids="$px_pids $!"
	wait_port "$port"
}

# pam_wrapper copies the service directory to /tmp/pam.? for each process
# (62 slots) and sshd's children skip the destructor that removes it: with
# no login under way, every copy of SSHD_UID's is an orphan.
sshd_pam_cleanup() {
	[ -n "${SSHD_UID:-}" ] || return 0
	find /tmp -maxdepth 1 -name 'pam.?' -type d -user "$SSHD_UID" \
		-exec rm -rf {} + 2> /dev/null
	return 0
}
