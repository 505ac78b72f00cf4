#!/bin/sh
# fuzz.sh: a short deterministic fuzz run (no clang needed): the DHCP
# messages of the firmware captures and 1000000 mutations of them through
# the parser and the reply builder, whose invariants abort on failure.
# make fuzz-dhcp runs the same target under libFuzzer for longer.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
exec "$top_builddir/tests/fuzz/fuzz-dhcp" -n 1000000 \
    "$top_srcdir"/tests/pxedhcpd/captures/*.pcap*
