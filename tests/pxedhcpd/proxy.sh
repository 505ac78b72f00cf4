#!/bin/sh
# pxedhcpd-proxy: every firmware of pxedhcpd(8) against the proxy, each
# reply checked byte by byte (BIOS ROM, OVMF arch 7, arch 9, arm64, iPXE
# BIOS and EFI, HTTPClient arch 16, non-PXE, relayed, no option 97, port
# 4011 from arch 7 and 0); then that the clients were recorded and every
# decision became an event; last, bootloader.7 = shim offers shimx64.efi.
. "$top_srcdir/tests/helpers/pxedhcpd-lib.sh"

# arm64 has no loader in Debian's ipxe: an explicit setting is used as is.
bctl settings set bootloader.11 ipxe-arm64.efi
pxedhcpd_start
client firmware

sleep 0.5	# one writer tick
n=$(db_sql "SELECT count(*) FROM clients WHERE state = 'discovered'")
[ "$n" -ge 15 ] || fail "only $n PXE clients recorded"
row=$(db_sql "SELECT arch, vendor_class, uuid FROM clients WHERE mac = 'd0:50:99:00:00:01'")
[ "$row" = "0|PXEClient:Arch:00000:UNDI:002001|00010203-0405-0607-0809-0a0b0c0d0e0f" ] ||
	fail "BIOS ROM recorded as '$row'"
row=$(db_sql "SELECT arch, user_class FROM clients WHERE mac = '52:54:00:77:00:01'")
[ "$row" = "0|iPXE" ] || fail "iPXE BIOS recorded as '$row'"
n=$(db_sql "SELECT count(*) FROM clients WHERE mac IN ('52:54:00:77:00:99', '52:54:00:77:00:98')")
[ "$n" = 0 ] || fail "non-PXE clients were recorded"
[ "$(events dhcp-offer)" -ge 14 ] || fail "only $(events dhcp-offer) dhcp-offer events"
[ "$(events dhcp-ack)" -ge 3 ] || fail "only $(events dhcp-ack) dhcp-ack events"
db_sql "SELECT detail FROM events WHERE kind = 'dhcp-ignore'" >"$T/ign"
grep -q "arch 12.*no bootloader" "$T/ign" || fail "no event for arch 12: $(cat "$T/ign")"
grep -q "BIS" "$T/ign" || fail "no event for the PXE BIS request"
grep -q "no bootloader for arch 12" "$T/pxedhcpd.log" || fail "arch 12 not logged"
db_sql "SELECT detail FROM events WHERE mac = '52:54:00:77:00:02' ORDER BY id" >"$T/ev"
grep -q "proxy offer bootloader snponly.efi for x64 UEFI (arch 7), no option 43" "$T/ev" ||
	fail "OVMF offer event: $(cat "$T/ev")"
grep -q "port 4011 ack bootloader snponly.efi" "$T/ev" || fail "4011 event: $(cat "$T/ev")"
grep -q "boot.ipxe for iPXE on x64 UEFI" "$T/ev" || fail "iPXE event: $(cat "$T/ev")"
db_sql "SELECT detail FROM events WHERE mac = '52:54:00:77:00:24'" |
	grep -q "this iPXE has no HTTP (175.19)" || fail "no warning for an iPXE without HTTP"
ps -o user= -p "$(cat "$T/pxedhcpd.pid")" | grep -q nobody || fail "daemon still runs as root"
# bootloader.7 = shim (Secure Boot): the offer names Debian's signed shim
# as tftpd serves it, byte for byte like any other loader
bctl settings set bootloader.7 shim
client oui 52:54:00:77:00:70 7 7 shimx64.efi
exit 0
