#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Generates the test PKI with the openssl command line tool.
#
#   tests/gen-pki.sh OUTDIR
#
# OUTDIR/certs/*.pem   certificates (roots, CAs, leaves)
# OUTDIR/crl/*.crl     CRLs in DER (and a few in PEM, *.pem.crl)
# OUTDIR/serials       name=hex serial of every issued certificate
# CRL_BASE (environment) is the URL prefix of the CRL distribution points
# (default http://crl.example.test): issuing.crl, issuing-delta.crl, root.crl;
# LDAP_BASE the ldap://host:port of the LDAP-only leaves.
# Every CA is an EC P-256 key; dates are relative to now, so the PKI is
# valid whenever it is generated.
set -euo pipefail

OUT=${1:?usage: gen-pki.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
OPENSSL=${OPENSSL:-openssl}
CNF=$HERE/pki.cnf
mkdir -p "$OUT"/{ca,certs,keys,crl,req,tmp}
OUT=$(cd "$OUT" && pwd)
: > "$OUT/serials"

# Where the certificates say their CRLs are (CRL distribution points).
CRL_BASE=${CRL_BASE:-http://crl.example.test}
LDAP_BASE=${LDAP_BASE:-ldap://ldap.example.test}
OCSP_BASE=${OCSP_BASE:-http://ocsp.example.test}
export CADIR=$OUT/ca CRLDB=$OUT/ca/index.txt DELTA_BASE=0 CRL_BASE LDAP_BASE OCSP_BASE

utc() { date -u -d "$1" +%y%m%d%H%M%SZ; }

ossl() {
	"$OPENSSL" "$@" 2> "$OUT/tmp/openssl.err" || {
		cat "$OUT/tmp/openssl.err" >&2
		echo "gen-pki.sh: openssl $1 failed" >&2
		exit 1
	}
}

mkkey() { # NAME (an RSA-2048 key when NAME ends in -rsa, else EC P-256)
	[ -f "$OUT/keys/$1.pem" ] && return
	case $1 in
	*-rsa) ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
			-out "$OUT/keys/$1.pem" ;;
	*) ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out "$OUT/keys/$1.pem" ;;
	esac
}

# Sets up a CA working directory around an existing certificate and key.
cadir() { # CA CERTNAME KEYNAME
	local d=$OUT/ca/$1
	mkdir -p "$d/newcerts"
	: > "$d/index.txt"
	[ -f "$d/serial" ] || printf '%s\n' "$2" | cksum | awk '{printf "%X01\n", $1 % 65535 + 4096}' > "$d/serial"
	cp "$OUT/certs/$2.pem" "$d/cert.pem"
	cp "$OUT/keys/$3.pem" "$d/key.pem"
}

root() { # NAME CN
	mkkey "$1"
	ossl req -config "$CNF" -new -x509 -key "$OUT/keys/$1.pem" -subj "/CN=$2" \
		-days 3650 -extensions ext_root -sha256 -out "$OUT/certs/$1.pem"
	cadir "$1" "$1" "$1"
	printf '%s=%s\n' "$1" "$(serial_of "$1")" >> "$OUT/serials"
}

serial_of() { "$OPENSSL" x509 -in "$OUT/certs/$1.pem" -noout -serial | sed 's/^serial=//'; }

# issue CA NAME CN EXT [KEYNAME] [STARTDATE ENDDATE]
issue() {
	local ca=$1 name=$2 cn=$3 ext=$4 key=${5:-$2} start=${6:-} end=${7:-}
	local dates=()
	mkkey "$key"
	[ -n "$start" ] && dates=(-startdate "$start" -enddate "$end")
	ossl req -config "$CNF" -new -key "$OUT/keys/$key.pem" -subj "/CN=$cn" \
		-out "$OUT/req/$name.csr"
	CADIR=$OUT/ca/$ca CRLDB=$OUT/ca/$ca/index.txt \
		ossl ca -batch -config "$CNF" -notext -extensions "$ext" \
		"${dates[@]}" -in "$OUT/req/$name.csr" -out "$OUT/certs/$name.pem"
	printf '%s=%s\n' "$name" "$(serial_of "$name")" >> "$OUT/serials"
}

# crl CA OUTNAME NUMBER EXTSECTION "cert:reason ..." [LASTUPDATE NEXTUPDATE]
# Each CRL gets a database of its own, so it lists exactly the given entries.
crl() {
	local ca=$1 out=$2 num=$3 ext=$4 entries=$5 last=${6:-} next=${7:-}
	local db=$OUT/tmp/$out.index e cert reason dates=()
	: > "$db"
	printf '%04X\n' "$num" > "$OUT/ca/$ca/crlnumber"
	for e in $entries; do
		cert=${e%%:*} reason=${e#*:}
		if [ "$reason" = certificateHold ]; then
			set -- -crl_hold holdInstructionReject
		else
			set -- -crl_reason "$reason"
		fi
		CADIR=$OUT/ca/$ca CRLDB=$db ossl ca -batch -config "$CNF" \
			-revoke "$OUT/certs/$cert.pem" "$@"
	done
	[ -n "$last" ] && dates=(-crl_lastupdate "$last" -crl_nextupdate "$next")
	CADIR=$OUT/ca/$ca CRLDB=$db ossl ca -batch -config "$CNF" -gencrl \
		-crlexts "$ext" "${dates[@]}" -out "$OUT/tmp/$out.pem"
	ossl crl -in "$OUT/tmp/$out.pem" -outform DER -out "$OUT/crl/$out.crl"
}

hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }
unhex() { printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
der_len() {
	if [ "$1" -lt 128 ]; then printf '%02x' "$1"
	elif [ "$1" -lt 256 ]; then printf '81%02x' "$1"
	else printf '82%04x' "$1"; fi
}

# A CRL that openssl ca cannot make: an entry with an unknown critical
# extension.  The TBSCertList is built with asn1parse -genconf, signed with
# openssl dgst, and wrapped by hand.
crl_entry_critical() { # CA-CN CA-KEY CERTNAME OUTNAME
	local t=$OUT/tmp/$4 serial tbs alg sig body
	serial=$(serial_of "$3")
	cat > "$t.tbs.cnf" <<-CNF
	asn1 = SEQUENCE:tbs
	[tbs]
	version = INTEGER:1
	sigalg = SEQUENCE:sigalg
	issuer = SEQUENCE:issuer
	thisupd = UTCTIME:$(utc '-1 hour')
	nextupd = UTCTIME:$(utc '+7 days')
	revoked = SEQUENCE:revoked
	exts = EXPLICIT:0,SEQUENCE:crlexts
	[sigalg]
	alg = OID:ecdsa-with-SHA256
	[issuer]
	rdn = SET:rdn
	[rdn]
	atv = SEQUENCE:atv
	[atv]
	type = OID:commonName
	value = UTF8String:$1
	[revoked]
	e1 = SEQUENCE:e1
	[e1]
	serial = INTEGER:0x$serial
	date = UTCTIME:$(utc '-1 hour')
	exts = SEQUENCE:e1exts
	[e1exts]
	x1 = SEQUENCE:e1x1
	[e1x1]
	oid = OID:1.3.6.1.4.1.55555.2
	crit = BOOLEAN:TRUE
	val = OCTWRAP,NULL
	[crlexts]
	num = SEQUENCE:crlnum
	[crlnum]
	oid = OID:crlNumber
	val = OCTWRAP,INTEGER:43
	CNF
	printf 'asn1 = SEQUENCE:sigalg\n[sigalg]\nalg = OID:ecdsa-with-SHA256\n' > "$t.alg.cnf"
	ossl asn1parse -genconf "$t.tbs.cnf" -noout -out "$t.tbs.der"
	ossl asn1parse -genconf "$t.alg.cnf" -noout -out "$t.alg.der"
	ossl dgst -sha256 -sign "$OUT/keys/$2.pem" -out "$t.sig" "$t.tbs.der"
	tbs=$(hex "$t.tbs.der") alg=$(hex "$t.alg.der") sig=$(hex "$t.sig")
	sig=03$(der_len $(( ${#sig} / 2 + 1 )))00$sig
	body=$tbs$alg$sig
	unhex "30$(der_len $(( ${#body} / 2 )))$body" > "$OUT/crl/$4.crl"
	ossl crl -inform DER -in "$OUT/crl/$4.crl" -noout
}

gtime() { # DATE: a DER GeneralizedTime, in hex
	local s
	s=$(date -u -d "$1" +%Y%m%d%H%M%SZ)
	printf '180f%s' "$(printf '%s' "$s" | od -An -v -tx1 | tr -d ' \n')"
}
tlv() { printf '%s%s%s' "$1" "$(der_len $(( ${#2} / 2 )))" "$2"; } # TAG HEX

# An OCSP response that openssl ocsp cannot make: chosen producedAt and
# thisUpdate (openssl takes the clock), "good" for CERTNAME, signed by the
# issuing CA (responder ID by key), nextUpdate only when given.  The CertID
# is the one of an openssl ocsp request (SHA-1, as pam_pkix asks by default).
ocsp_crafted() { # CERTNAME OUTNAME PRODUCEDAT THISUPDATE [NEXTUPDATE]
	local t=$OUT/tmp/$2 id kh single rd sig basic
	ossl ocsp -issuer "$OUT/certs/issuing.pem" -cert "$OUT/certs/$1.pem" \
		-no_nonce -reqout "$t.req"
	# OCSPRequest, TBSRequest, requestList, Request: four short headers,
	# then the CertID and nothing else (no nonce, no extensions).
	id=$(hex "$t.req")
	id=${id:16}
	kh=${id:74:40} # issuerKeyHash: after the algorithm and the name hash
	single=$id'8000'$(gtime "$4")
	[ -n "${5:-}" ] && single=$single$(tlv a0 "$(gtime "$5")")
	rd=$(tlv 30 "$(tlv a2 "$(tlv 04 "$kh")")$(gtime "$3")$(tlv 30 "$(tlv 30 "$single")")")
	unhex "$rd" > "$t.tbs"
	ossl dgst -sha256 -sign "$OUT/keys/issuing.pem" -out "$t.sig" "$t.tbs"
	sig=$(tlv 03 "00$(hex "$t.sig")")
	basic=$(tlv 30 "$rd"'300a06082a8648ce3d040302'"$sig")
	unhex "$(tlv 30 "0a0100$(tlv a0 "$(tlv 30 "06092b0601050507300101$(tlv 04 "$basic")")")")" \
		> "$OUT/ocsp/$2.der"
	ossl ocsp -respin "$OUT/ocsp/$2.der" -noverify -resp_text > /dev/null
}

# ---- certificates ----
root root "PX Test Root CA"
issue root issuing "PX Test Issuing CA" ext_ca
cadir issuing issuing issuing
# Same name and key, another serial: revoked by the root (a renewal).
issue root issuing-old "PX Test Issuing CA" ext_ca issuing
# Same name, new key (a re-key), with a CA directory to sign with it.
issue root issuing2 "PX Test Issuing CA" ext_ca issuing2
cadir issuing2 issuing2 issuing2

root other-root "PX Other Root CA"
issue other-root other-leaf "Olivia Other" ext_leaf

issue issuing good "Alice Good" ext_leaf
issue issuing sclogon "Sam Smartcard" ext_leaf_sclogon
issue issuing revoked "Rob Revoked" ext_leaf
issue issuing expired "Eve Expired" ext_leaf "" "$(utc '-400 days')" "$(utc '-1 day')"
issue issuing notyet "Nat Notyet" ext_leaf "" "$(utc '+2 days')" "$(utc '+300 days')"
issue issuing wrongeku "Walt Servereku" ext_leaf_server
issue issuing noeku "Nora Noeku" ext_leaf_noeku
issue issuing keyenc "Kim Keyenc" ext_leaf_keyenc
issue issuing disallowed "Dan Disallowed" ext_leaf
issue issuing hold "Hal Hold" ext_leaf
issue issuing deltarev "Dora Deltarevoked" ext_leaf
issue issuing dpdir "Dina Dirname" ext_leaf_dpdir
issue issuing dprel "Rene Relative" ext_leaf_dprel
issue issuing dpiss "Ivy Issuername" ext_leaf_dpiss
issue issuing2 rekeyed "Rita Rekeyed" ext_leaf_noakid
issue issuing noakid "Nick Noakid" ext_leaf_noakid
issue issuing multicdp "Mia Multicdp" ext_leaf_multicdp
issue issuing ldapgood "Lee Ldapgood" ext_leaf_ldap
issue issuing ldaprevoked "Lou Ldaprevoked" ext_leaf_ldap
issue issuing ldaphostless "Hugo Hostless" ext_leaf_ldap_hostless
issue issuing tlsserver "localhost" ext_server_localhost
issue issuing rsagood "Rhea Rsa" ext_leaf rsagood-rsa
issue issuing ocspgood "Olga Ocspgood" ext_leaf_ocsp
issue issuing ocsprevoked "Otto Ocsprevoked" ext_leaf_ocsp
issue issuing ocspunknown "Una Ocspunknown" ext_leaf_ocsp
issue issuing ocsp-nocheck "PX OCSP Responder" ext_ocsp_nocheck
issue issuing ocsp-check "PX OCSP Responder (checked)" ext_ocsp_check
issue issuing ocsp-noeku "PX OCSP Responder (no EKU)" ext_ocsp_noeku
issue issuing aia "Ada Aia" ext_leaf_aia
issue issuing aiap7 "Pia Pkcs7" ext_leaf_aia_p7
# Same name and key as the issuing CA, without cRLSign (its CRLs cannot be
# checked against it).
issue root issuing-nocrlsign "PX Test Issuing CA" ext_ca_nocrlsign issuing
# The issuing CA as AIA caIssuers serves it.
ossl x509 -in "$OUT/certs/issuing.pem" -outform DER -out "$OUT/certs/issuing.cer"
ossl crl2pkcs7 -nocrl -certfile "$OUT/certs/issuing.pem" -outform DER \
	-out "$OUT/certs/issuing.p7c"

# A copy of "good" with one byte of its signature changed.
ossl x509 -in "$OUT/certs/good.pem" -outform DER -out "$OUT/tmp/good.der"
h=$(hex "$OUT/tmp/good.der")
last=${h: -2}
flip=$(printf '%02x' $(( 0x$last ^ 0x01 )))
unhex "${h:0:$(( ${#h} - 2 ))}$flip" > "$OUT/tmp/badsig.der"
ossl x509 -inform DER -in "$OUT/tmp/badsig.der" -out "$OUT/certs/badsig.pem"

# ---- CRLs ----
crl root root 1 crl_plain "issuing-old:CACompromise"
crl root root-ca-only 2 crl_idp_ca_root "issuing-old:CACompromise"
crl issuing issuing 10 crl_plain "revoked:keyCompromise hold:certificateHold ldaprevoked:keyCompromise"
cp "$OUT/tmp/issuing.pem" "$OUT/crl/issuing.pem.crl"
crl issuing issuing-empty 9 crl_plain ""
crl issuing signer-revoked 11 crl_plain "revoked:keyCompromise ocsp-check:keyCompromise"
crl issuing base 20 crl_freshest "revoked:keyCompromise hold:certificateHold"
DELTA_BASE=20 crl issuing delta 21 crl_delta "hold:removeFromCRL deltarev:keyCompromise"
DELTA_BASE=25 crl issuing delta-later-base 26 crl_delta "deltarev:keyCompromise"
DELTA_BASE=20 crl issuing delta-expired 22 crl_delta "deltarev:keyCompromise" "$(utc '-5 days')" "$(utc '-1 day')"
crl issuing user-only 30 crl_idp_user "revoked:keyCompromise"
crl issuing ca-only 31 crl_idp_ca "revoked:keyCompromise"
crl issuing idp-other 32 crl_idp_other "revoked:keyCompromise"
# IDPs of other kinds, each revoking the leaf whose distribution point it is.
crl issuing idp-dir 35 crl_idp_dir "dpdir:keyCompromise"
crl issuing idp-rel 36 crl_idp_rel "dprel:keyCompromise"
crl issuing idp-iss 37 crl_idp_issname "dpiss:keyCompromise"
# Partitioned by reason: key and CA compromise, and the other reasons.
crl issuing part-kc 33 crl_part_kc "revoked:keyCompromise"
crl issuing part-rest 34 crl_part_rest "hold:certificateHold"
crl issuing expired 40 crl_plain "revoked:keyCompromise" "$(utc '-10 days')" "$(utc '-3 days')"
crl issuing future 41 crl_plain "revoked:keyCompromise" "$(utc '+2 days')" "$(utc '+9 days')"
crl issuing critical 42 crl_critical "revoked:keyCompromise"
crl_entry_critical "PX Test Issuing CA" issuing revoked entry-critical
crl issuing2 wrong-key 50 crl_plain "revoked:keyCompromise"
crl issuing2 issuing2 51 crl_plain ""
crl other-root other 60 crl_plain "other-leaf:keyCompromise"

# The OCSP responder's database: the issuing CA's, ocsprevoked and revoked
# revoked, ocspunknown left out (the responder answers "unknown").
mkdir -p "$OUT/ocsp"
grep -v "	$(serial_of ocspunknown)	" "$OUT/ca/issuing/index.txt" > "$OUT/ocsp/index.txt"
for c in ocsprevoked revoked; do
	CADIR=$OUT/ca/issuing CRLDB=$OUT/ocsp/index.txt ossl ca -batch \
		-config "$CNF" -revoke "$OUT/certs/$c.pem" -crl_reason keyCompromise
done

# Crafted OCSP responses, without nextUpdate unless said: a control one
# (current), producedAt and thisUpdate an hour ahead, producedAt alone an
# hour ahead, and an old "good" one for a certificate the CRLs revoke (a
# replay).
ocsp_crafted ocspgood crafted-good '-1 minute' '-1 minute'
ocsp_crafted ocspgood crafted-future '+1 hour' '+1 hour'
ocsp_crafted ocspgood crafted-produced-future '+1 hour' '-1 minute'
ocsp_crafted revoked crafted-old-revoked '-3 days' '-3 days'
ocsp_crafted ocspgood crafted-old-nu '-3 days' '-3 days' '+4 days'

# Broken files.
head -c 700 /dev/urandom > "$OUT/crl/garbage.crl"
size=$(wc -c < "$OUT/crl/issuing.crl")
head -c $(( size / 2 )) "$OUT/crl/issuing.crl" > "$OUT/crl/truncated.crl"
: > "$OUT/crl/empty.crl"

rm -rf "$OUT/tmp" "$OUT/req"
