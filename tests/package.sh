#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The Debian packages: builds them from a copy of the checkout with
# dpkg-buildpackage, runs lintian, and checks what the packages hold
# (dpkg-deb -c), their control data and conffiles (dpkg-deb -I) and their
# maintainer scripts (dpkg-deb -e).  Installs nothing on this machine.
# Prints TAP and ends with "# PASS: N" / "# FAIL: N" for .ci/run.
#   tests/package.sh           (Debian 12, the packages of scripts/deps.sh)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/pam_pkix-package.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

n=0
pass=0
fail=0
ok() { # DESCRIPTION: one passed check
	n=$((n + 1))
	pass=$((pass + 1))
	echo "ok $n - $1"
}
not_ok() { # DESCRIPTION [DETAIL FILE]: one failed check, with its detail
	n=$((n + 1))
	fail=$((fail + 1))
	echo "not ok $n - $1"
	if [ $# -gt 1 ] && [ -s "$2" ]; then
		sed 's/^/#   /' "$2" | head -40
	fi
}
check() { # DESCRIPTION CMD...: passes when CMD succeeds
	local d=$1
	shift
	if "$@" > "$tmp/out" 2>&1; then ok "$d"; else not_ok "$d" "$tmp/out"; fi
}
summary() {
	echo "1..$n"
	echo "# PASS: $pass"
	echo "# FAIL: $fail"
	[ "$fail" = 0 ]
}

ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
version=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")

# 1. The packages, built from a copy of the sources (the files git tracks
# and those it would, not build trees): the checkout stays as it is.
src=$tmp/pam-pkix-$version
mkdir -p "$src"
if git -C "$top" rev-parse --git-dir > /dev/null 2>&1; then
	(cd "$top" && git ls-files -z -c -o --exclude-standard |
		xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
		tar --null -T - -cf -) | tar -xf - -C "$src"
else
	tar -C "$top" --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$src"
fi
echo "# dpkg-buildpackage -us -uc -b in $src"
if (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) > "$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b builds the packages"
else
	tail -40 "$tmp/build.log" > "$tmp/out"
	not_ok "dpkg-buildpackage -us -uc -b builds the packages" "$tmp/out"
	summary
	exit 1
fi
lib=$tmp/libpam-pkix_${version}_$arch.deb
tool=$tmp/pkixctl_${version}_$arch.deb
changes=$tmp/pam-pkix_${version}_$arch.changes
check "the version is configure.ac's ($version)" test -f "$lib" -a -f "$tool"

# 2. lintian: no error and no warning (overrides carry their reason).
lintian --pedantic "$changes" > "$tmp/lintian" 2>&1 || true
sed 's/^/# lintian: /' "$tmp/lintian"
grep -E '^[EW]: ' "$tmp/lintian" > "$tmp/lintian.ew" || true
if [ -s "$tmp/lintian.ew" ]; then
	not_ok "lintian: no error, no warning" "$tmp/lintian.ew"
else
	ok "lintian: no error, no warning"
fi

# 3. What the packages hold.
dpkg-deb -c "$lib" | awk '{ print $1, $2, $6 }' | sed 's| \./| /|' > "$tmp/lib.list"
dpkg-deb -c "$tool" | awk '{ print $1, $2, $6 }' | sed 's| \./| /|' > "$tmp/tool.list"
has() { # LIST MODE PATH: LIST has PATH, a file of MODE owned by root
	grep -qxF -- "$2 root/root $3" "$1" || {
		echo "not in the package: $2 root/root $3"
		cat "$1"
		return 1
	}
}
check "libpam-pkix: /usr/lib/$ma/security/pam_pkix.so" \
	has "$tmp/lib.list" -rw-r--r-- "/usr/lib/$ma/security/pam_pkix.so"
check "libpam-pkix: the helper /usr/libexec/pam_pkix/pkix-fetch" \
	has "$tmp/lib.list" -rwxr-xr-x /usr/libexec/pam_pkix/pkix-fetch
check "libpam-pkix: the pam-auth-update profile /usr/share/pam-configs/pkix" \
	has "$tmp/lib.list" -rw-r--r-- /usr/share/pam-configs/pkix
check "libpam-pkix: the tmpfiles.d entry" \
	has "$tmp/lib.list" -rw-r--r-- /usr/lib/tmpfiles.d/pam_pkix.conf
check "libpam-pkix: /etc/security/pam_pkix.conf, 0644 root" \
	has "$tmp/lib.list" -rw-r--r-- /etc/security/pam_pkix.conf
check "libpam-pkix: pam_pkix(8) and pam_pkix.conf(5)" sh -c \
	"grep -q ' /usr/share/man/man8/pam_pkix.8.gz\$' '$tmp/lib.list' &&
	 grep -q ' /usr/share/man/man5/pam_pkix.conf.5.gz\$' '$tmp/lib.list'"
check "libpam-pkix: the example configuration and pam.d examples" sh -c \
	"grep -q ' /usr/share/doc/libpam-pkix/pam_pkix.conf.example\$' '$tmp/lib.list' &&
	 grep -q ' /usr/share/doc/libpam-pkix/pam.d/login\$' '$tmp/lib.list'"
check "pkixctl: /usr/bin/pkixctl" has "$tmp/tool.list" -rwxr-xr-x /usr/bin/pkixctl
check "pkixctl: pkixctl(1)" grep -q ' /usr/share/man/man1/pkixctl.1.gz$' "$tmp/tool.list"
check "pkixctl: the prefetch service and timer" sh -c \
	"grep -q ' /lib/systemd/system/pam-pkix-prefetch.service\$' '$tmp/tool.list' &&
	 grep -q ' /lib/systemd/system/pam-pkix-prefetch.timer\$' '$tmp/tool.list'"
check "no libtool archive (.la) in either package" \
	sh -c "! grep '\\.la\$' '$tmp/lib.list' '$tmp/tool.list'"
# The bash completion comes with the tool once the build installs one.
comp=usr/share/bash-completion/completions/pkixctl
if [ -e "$src/debian/tmp/$comp" ]; then
	check "pkixctl: the bash completion" grep -q " /$comp\$" "$tmp/tool.list"
else
	ok "pkixctl: no bash completion built, none shipped # SKIP not built yet"
fi

# 4. The files' contents: the configured paths, nothing of /usr/local.
mkdir -p "$tmp/lib" "$tmp/tool"
dpkg-deb -x "$lib" "$tmp/lib"
dpkg-deb -x "$tool" "$tmp/tool"
unit=$tmp/tool/lib/systemd/system/pam-pkix-prefetch.service
check "the service runs /usr/bin/pkixctl prefetch" \
	grep -qx 'ExecStart=/usr/bin/pkixctl prefetch' "$unit"
check "the service writes only /var/cache/pam_pkix" \
	grep -qx 'ReadWritePaths=-/var/cache/pam_pkix' "$unit"
check "the service is skipped without /etc/security/pam_pkix.conf" \
	grep -qx 'ConditionPathExists=/etc/security/pam_pkix.conf' "$unit"
check "the timer is wanted by timers.target" \
	grep -qx 'WantedBy=timers.target' "$tmp/tool/lib/systemd/system/pam-pkix-prefetch.timer"
check "tmpfiles.d creates /var/cache/pam_pkix, root 0755" \
	grep -qE '^d /var/cache/pam_pkix 0755 root root' "$tmp/lib/usr/lib/tmpfiles.d/pam_pkix.conf"
check "no /usr/local path in a unit, the profile or the configuration" \
	sh -c "! grep -rn /usr/local '$tmp/tool/lib/systemd' '$tmp/lib/usr/lib/tmpfiles.d' \
		'$tmp/lib/usr/share/pam-configs' '$tmp/lib/etc'"
so=$tmp/lib/usr/lib/$ma/security/pam_pkix.so
check "the module's compiled-in configuration file is /etc/security/pam_pkix.conf" \
	grep -qaF /etc/security/pam_pkix.conf "$so"
check "the module's compiled-in cache is /var/cache/pam_pkix" \
	grep -qaF /var/cache/pam_pkix "$so"
check "the module's compiled-in helper is /usr/libexec/pam_pkix/pkix-fetch" \
	grep -qaF /usr/libexec/pam_pkix/pkix-fetch "$so"
check "pkixctl's default configuration is /etc/security/pam_pkix.conf" \
	grep -qaF /etc/security/pam_pkix.conf "$tmp/tool/usr/bin/pkixctl"
profile=$tmp/lib/usr/share/pam-configs/pkix
check "the profile: auth [success=end default=ignore] pam_pkix.so, Primary" sh -c \
	"grep -qx 'Auth-Type: Primary' '$profile' &&
	 grep -qP '^\t\[success=end default=ignore\]\tpam_pkix\.so\$' '$profile'"
# pam-auth-update counts every line of a field for its jumps: a comment
# line among the module lines would break the stack.
check "the profile: no '#' line (pam-auth-update would copy it)" \
	sh -c "! grep -n '^[[:space:]]*#' '$profile'"
check "the profile: no try_first_pass (a password is never tried as a PIN)" \
	sh -c "! grep -n 'pam_pkix\.so.*first_pass' '$profile'"
# pam-auth-update itself, on scratch copies of its directories (a copy of
# the script pointed at them, its debconf answers in a scratch database):
# the profile is off at installation, and once enabled pam_pkix comes first
# and jumps past pam_unix and pam_deny on success.
pau=$tmp/pau
mkdir -p "$pau/configs" "$pau/pam.d" "$pau/state"
cp /usr/share/pam-configs/* "$profile" "$pau/configs/"
cp /etc/pam.d/common-* "$pau/pam.d/"
cp -a /var/lib/pam/. "$pau/state/" 2> /dev/null || true
sed -e "s|'/usr/share/pam-configs'|'$pau/configs'|" \
	-e "s|'/etc/pam.d'|'$pau/pam.d'|" \
	-e "s|'/var/lib/pam'|'$pau/state'|" /usr/sbin/pam-auth-update > "$pau/pam-auth-update"
chmod +x "$pau/pam-auth-update"
pau() { # ARGS: the scratch pam-auth-update
	DEBIAN_FRONTEND=noninteractive DEBCONF_DB_OVERRIDE="File{$pau/debconf.dat}" \
		"$pau/pam-auth-update" "$@"
}
check "pam-auth-update --package: the profile stays off (Default: no)" sh -c \
	"$(declare -f pau); pau=$pau; pau --package && ! grep pam_pkix '$pau/pam.d/common-auth'"
check "pam-auth-update --enable pkix: pam_pkix first, success=2, then pam_unix" sh -c \
	"$(declare -f pau); pau=$pau; pau --enable pkix &&
	 grep -A1 -P '^auth\t\[success=2 default=ignore\]\tpam_pkix\.so' '$pau/pam.d/common-auth' |
	 grep -q -P '^auth\t\[success=1 default=ignore\]\tpam_unix\.so'"
check "pam-auth-update --package --remove pkix: pam_pkix gone" sh -c \
	"$(declare -f pau); pau=$pau; pau --package --remove pkix && ! grep pam_pkix '$pau/pam.d/common-auth'"
check "the configuration names the helper's packaged path" \
	grep -q '^; helper = /usr/libexec/pam_pkix/pkix-fetch' "$tmp/lib/etc/security/pam_pkix.conf"

# 5. Control data, conffiles, maintainer scripts.
dpkg-deb -I "$lib" > "$tmp/lib.info"
sed 's/^/# dpkg-deb -I libpam-pkix: /' "$tmp/lib.info"
dpkg-deb -e "$lib" "$tmp/lib.ctl"
dpkg-deb -e "$tool" "$tmp/tool.ctl"
# dpkg keeps an administrator's modified conffile on upgrade or reinstall.
check "/etc/security/pam_pkix.conf is a conffile" \
	grep -qx /etc/security/pam_pkix.conf "$tmp/lib.ctl/conffiles"
check "libpam-pkix depends on libpam-runtime (pam-auth-update)" \
	sh -c "dpkg-deb -f '$lib' Depends | grep -q 'libpam-runtime'"
check "pkixctl depends on libpam-pkix (= $version)" \
	sh -c "dpkg-deb -f '$tool' Depends | grep -qF 'libpam-pkix (= $version)'"
check "postinst: pam-auth-update --package on configure" sh -c \
	"sed -n '/^configure)/,/;;/p' '$tmp/lib.ctl/postinst' | grep -qx '[[:space:]]*pam-auth-update --package'"
check "prerm: pam-auth-update --package --remove pkix on remove" sh -c \
	"grep -q '\"\$1\" = remove' '$tmp/lib.ctl/prerm' &&
	 grep -q 'pam-auth-update --package --remove pkix\$' '$tmp/lib.ctl/prerm'"
check "postinst: systemd-tmpfiles --create pam_pkix.conf" \
	grep -q 'systemd-tmpfiles .*--create pam_pkix.conf' "$tmp/lib.ctl/postinst"
check "pkixctl postinst: the timer enabled and started, the service not started" sh -c \
	"grep -q \"deb-systemd-helper enable 'pam-pkix-prefetch.timer'\" '$tmp/tool.ctl/postinst' &&
	 grep -q \"deb-systemd-invoke .* 'pam-pkix-prefetch.timer'\" '$tmp/tool.ctl/postinst' &&
	 ! grep -q \"'pam-pkix-prefetch.service'\" '$tmp/tool.ctl/postinst'"
check "the maintainer scripts pass sh -n" sh -c \
	"for s in '$tmp'/lib.ctl/postinst '$tmp'/lib.ctl/prerm '$tmp'/tool.ctl/post* '$tmp'/tool.ctl/prerm; do
		[ ! -e \"\$s\" ] || sh -n \"\$s\" || exit 1; done"

# 6. Hardening (hardening=+all): PIE, stack protector, fortify, RELRO,
# BIND_NOW.  Debian 12's dpkg-buildflags has no -fcf-protection yet.
check "hardening-check: the module, the helper and pkixctl" \
	hardening-check --nocfprotection "$so" "$tmp/lib/usr/libexec/pam_pkix/pkix-fetch" "$tmp/tool/usr/bin/pkixctl"

summary
