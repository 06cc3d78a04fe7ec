#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Installs what is needed, builds, and runs the whole test suite.
# Run as root on Debian 12:   scripts/test.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/build.sh" build
cd "$top/build"
make -j"$(nproc)" check || {
	cat test-suite.log
	exit 1
}
