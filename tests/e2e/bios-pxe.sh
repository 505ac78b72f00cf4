#!/bin/sh
# End to end: a plain BIOS PXE ROM, emulated through the iPXE ROM's shell:
# proxy offer, undionly.kpxe over TFTP from tftpd, whose iPXE asks again.
# Passes only when the Debian installer, booted from our suite, fetches its
# preseed from bootweb, and the events table holds the whole chain for the
# VM's MAC, as bootctl client timeline shows it (see harness.sh, e2e.py).
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/e2e/harness.sh"
e2e_case bios-pxe
