#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Installs the Debian 12 packages needed to build pam_pkix and run its tests
# (the last line: to build and check the Debian packages, tests/package.sh).
# Idempotent: does nothing when every package is already installed.
set -eu

PACKAGES="
build-essential autoconf automake libtool pkg-config
openssl libssl-dev libcurl4-openssl-dev libldap2-dev libsasl2-dev
libkrb5-dev libpam0g-dev libp11-dev libinih-dev libcmocka-dev
python3 clang-format clang binutils nginx-light
slapd ldap-utils krb5-kdc krb5-admin-server krb5-user libsasl2-modules-gssapi-mit
libresolv-wrapper libnss-wrapper softhsm2
openssh-server openssh-client libpam-wrapper
dpkg-dev debhelper lintian devscripts
"

missing=
for p in $PACKAGES; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: these packages are missing:$missing" >&2
	echo "deps.sh: run as root to install them" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
