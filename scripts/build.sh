#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Builds pam_pkix out of tree.
#   scripts/build.sh [BUILDDIR [CONFIGURE-ARGS...]]   (default BUILDDIR: build)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-build}
[ $# -gt 0 ] && shift
case $b in /*) ;; *) b=$top/$b ;; esac

cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] ||
	[ Makefile.am -nt configure ] || [ ! -f build-aux/tap-driver.sh ]; then
	./autogen.sh
fi
mkdir -p "$b"
cd "$b"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] || [ $# -gt 0 ]; then
	"$top/configure" --enable-werror "$@"
fi
make -j"$(nproc)"
