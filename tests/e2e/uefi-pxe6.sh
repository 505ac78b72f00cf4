#!/bin/sh
# End to end: OVMF UEFI PXE over IPv6 ("UEFI PXEv6", no option ROM, PXEv4
# off by fw_cfg). The network has no DHCPv6 server but pxedhcpd (the router
# only sends RAs), so pxedhcpd is a stateful DHCPv6 server: SOLICIT ->
# ADVERTISE, REQUEST -> REPLY with an address of its pool (IA_NA) and
# option 59 tftp://[fd77::2]/<loader>; EDK2 fetches snponly.efi from tftpd
# over IPv6, releases its lease and starts iPXE, which goes on over IPv4 as
# in the uefi case. Passes only when the Debian installer fetches its
# preseed from bootweb, the events show the whole chain for the VM's MAC
# with the leased address (DHCPv6 ADVERTISE and REPLY, TFTP to that address,
# the RELEASE answered) and `bootctl lease list` showed the lease during the
# boot (see harness.sh, e2e.py).
. "$top_srcdir/tests/helpers/lib.sh"
E2E_IPV6=1
. "$top_srcdir/tests/e2e/harness.sh"
e2e_case uefi6
