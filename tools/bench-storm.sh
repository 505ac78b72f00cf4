#!/bin/sh
# bench-storm.sh: the boot storm end to end, the suite against dnsmasq +
# nginx in one run (tools/bench-storm.py says how). For `make bench`:
#   STORM_N      machines per run (default "100"; the issue's set is
#                "100 500 1000", about 20 minutes here)
#   STORM_MODES  full,control (default both)
#   STORM_ARGS   more flags, e.g. "--kernel 1M --initrd 4M"
# Needs root, dnsmasq, nginx, the ipxe package; exits 77 without them.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
command -v python3 >/dev/null || { echo "bench-storm: python3 is missing"; exit 77; }
make -C "$top_builddir" -s pxedhcpd/pxedhcpd tftpd/tftpd bootweb/bootweb \
    bootctl/bootctl 2>&1 | grep -v "modifier ignored"
# shellcheck disable=SC2086
exec python3 "$top_srcdir/tools/bench-storm.py" --builddir "$top_builddir" \
    --n "${STORM_N:-100}" --modes "${STORM_MODES:-full,control}" ${STORM_ARGS:-}
