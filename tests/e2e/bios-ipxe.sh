#!/bin/sh
# End to end: SeaBIOS with QEMU's iPXE PXE ROM. The ROM is iPXE, so its first
# DHCP already says iPXE: proxy offer of boot.ipxe, no TFTP stage.
# Passes only when the Debian installer, booted from our suite, fetches its
# preseed from bootweb, and the events table holds the whole chain for the
# VM's MAC, as bootctl client timeline shows it (see harness.sh, e2e.py).
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/e2e/harness.sh"
e2e_case bios
