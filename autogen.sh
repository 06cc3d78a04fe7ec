#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Generates configure and the Makefile templates from a git checkout.
set -e
cd "$(dirname "$0")"
mkdir -p build-aux m4
autoreconf -fi
# automake does not install its TAP driver by itself.
for d in /usr/share/automake-*; do
	if [ -f "$d/tap-driver.sh" ]; then
		cp "$d/tap-driver.sh" build-aux/tap-driver.sh
		break
	fi
done
test -f build-aux/tap-driver.sh || { echo "autogen.sh: tap-driver.sh not found" >&2; exit 1; }
