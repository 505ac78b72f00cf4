#!/bin/sh
# End to end: OVMF UEFI PXE with no option ROM (EDK2's own PXE client):
# proxy offer, REQUEST on port 4011, snponly.efi over TFTP, then iPXE.
# Passes only when the Debian installer, booted from our suite, fetches its
# preseed from bootweb, and the events table holds the whole chain for the
# VM's MAC, as bootctl client timeline shows it (see harness.sh, e2e.py).
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/e2e/harness.sh"
e2e_case uefi
