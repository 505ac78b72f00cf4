#!/bin/sh
# End to end: OVMF UEFI HTTP Boot (HTTPClient, arch 16): proxy offer with
# an http URL, snponly.efi from bootweb, then iPXE; no TFTP at all.
# Passes only when the Debian installer, booted from our suite, fetches its
# preseed from bootweb, and the events table holds the whole chain for the
# VM's MAC, as bootctl client timeline shows it (see harness.sh, e2e.py).
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/e2e/harness.sh"
e2e_case uefi-http
