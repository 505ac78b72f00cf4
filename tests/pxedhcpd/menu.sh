#!/bin/sh
# pxedhcpd-menu: the PXE boot menu of proxy offers (pxedhcpd(8), PXE boot
# menu), each reply checked byte by byte: settings that cannot fit
# option 43 refused by bootctl (exit 2); one item boots directly
# (today's offer); a BIOS DISCOVER with two items gets 43.6/8/9/10 and
# no file; port 4011 answers the chosen item (the loader, or an ACK
# without a file for local boot);
# UEFI keeps its offer without option 43; the Raspberry Pi profile; the
# events name the menu and the item chosen.
. "$top_srcdir/tests/helpers/pxedhcpd-lib.sh"

BIOS=52:54:00:77:20:01
EFI=52:54:00:77:20:07
PROMPT="Press F8 for the boot menu"

# bad VALUE KEY: bootctl refuses it with a message and exit status 2.
bad() {
	"$BOOTCTL" -D "$DB" settings set "$1" "$2" >"$T/bad.out" 2>&1
	rc=$?
	[ $rc = 2 ] || fail "settings set $1 '$2': exit $rc, not 2: $(cat "$T/bad.out")"
	grep -q "$3" "$T/bad.out" || fail "settings set $1 '$2': no '$3' in: $(cat "$T/bad.out")"
}
bad pxe.menu.1 "network $(printf '%031d' 0)" "1 to 30 printable"
bad pxe.menu.1 "network" "network LABEL"
bad pxe.menu.1 "netboot Network" "not network, local or a number"
bad pxe.menu.1 "65536 Network" "not network, local or a number"
bad pxe.menu.1 "local $(printf 'caf\303\251')" "printable ASCII"
bad pxe.menu.6 "local Disk" "pxe.menu.1 to pxe.menu.5"
bad pxe.menu.0 "local Disk" "pxe.menu.1 to pxe.menu.5"
bad pxe.menu.prompt "$(printf '%041d' 0)" "1 to 40 printable"
bad pxe.menu.timeout 256 "0..255"
bad pxe.menu.arches "0, x86" "architecture numbers"
bad pxe.menu.rpi maybe "yes or no"
# The largest menu accepted: 5 items of 30 bytes and a prompt of 40 (it must fit: see below).
L30=$(printf '%030d' 0)
bctl settings set pxe.menu.prompt "$(printf '%040d' 0)"
for n in 1 2 3 4 5; do bctl settings set pxe.menu.$n "network $L30"; done

pxedhcpd_start
client menu "$BIOS" 0 5 "$(printf '%040d' 0)" "32768=$L30" "32769=$L30" "32770=$L30" \
    "32771=$L30" "32772=$L30"
for n in 2 3 4 5; do bctl settings unset pxe.menu.$n; done
bctl settings unset pxe.menu.prompt

# One item: no menu, today's offer (some ROMs break on menus, dnsmasq 2.76).
bctl settings set pxe.menu.1 "network Network boot (iPXE)"
client direct "$BIOS" 0

# Two items: the menu, for BIOS only.
bctl settings set pxe.menu.2 "local Boot from local disk"
client menu "$BIOS" 0 5 "$PROMPT" "32768=Network boot (iPXE)" "0=Boot from local disk"
client menu-4011 "$BIOS" 0 32768 undionly.kpxe
client menu-4011 "$BIOS" 0 0 -
client menu-4011 "$BIOS" 0 0x1234 undionly.kpxe	# not an item: the loader, as without a menu
client direct "$EFI" 7				# no option 43 (pxedhcpd(8))
client direct "$EFI" 9

# The prompt, its timeout (255: the menu at once), positions, explicit types, arches.
bctl settings set pxe.menu.timeout 255
bctl settings set pxe.menu.prompt "Choose"
bctl settings set pxe.menu.4 "42 Tools"
client menu "$BIOS" 0 255 Choose "32768=Network boot (iPXE)" "0=Boot from local disk" "42=Tools"
client menu-4011 "$BIOS" 0 42 undionly.kpxe
bctl settings set pxe.menu.arches "0, 7"
client menu "$EFI" 7 255 Choose "32768=Network boot (iPXE)" "0=Boot from local disk" "42=Tools"
client menu-4011 "$EFI" 7 32768 snponly.efi
bctl settings set pxe.menu.arches 7
client direct "$BIOS" 0
# "7, 9" was once applied as {0, 9}: BIOS got the menu, x64 UEFI did not.
bctl settings set pxe.menu.arches "7, 9"
client direct "$BIOS" 0
client menu "$EFI" 7 255 Choose "32768=Network boot (iPXE)" "0=Boot from local disk" "42=Tools"
client menu "$EFI" 9 255 Choose "32768=Network boot (iPXE)" "0=Boot from local disk" "42=Tools"
bctl settings unset pxe.menu.arches
client direct "$EFI" 7

# Raspberry Pi profile: Pi OUIs reporting arch 0 (and arch.oui overrides).
client menu b8:27:eb:01:02:03 0 255 Choose "32768=Network boot (iPXE)" \
    "0=Boot from local disk" "42=Tools"		# profile off: a BIOS client like any other
bctl settings set pxe.menu.rpi yes
client rpi b8:27:eb:01:02:03 -
bctl settings set arch.oui.dca632 41
bctl settings set bootloader.41 rpi/bootcode.bin
client rpi dc:a6:32:01:02:03 rpi/bootcode.bin
bctl settings set arch.oui.aabbcc 41
client rpi aa:bb:cc:01:02:03 rpi/bootcode.bin	# any OUI with an override
bctl settings set bootloader.11 ipxe-arm64.efi
client direct dc:a6:32:01:02:04 11		# a Pi with UEFI firmware: not the profile
client menu 52:54:00:77:20:02 0 255 Choose "32768=Network boot (iPXE)" \
    "0=Boot from local disk" "42=Tools"		# not a Pi

# Without menu settings, today's answers again.
for k in pxe.menu.1 pxe.menu.2 pxe.menu.4 pxe.menu.timeout pxe.menu.prompt pxe.menu.rpi \
    arch.oui.dca632; do
	bctl settings unset $k
done
client direct "$BIOS" 0
client oui dc:a6:32:01:02:03 0 0 undionly.kpxe

sleep 0.5	# one writer tick
db_sql "SELECT detail FROM events WHERE mac = '$BIOS' ORDER BY id" >"$T/ev"
grep -q "proxy offer bootloader none: PXE menu of 2 items for x86 BIOS (arch 0)" "$T/ev" ||
	fail "menu offer event: $(cat "$T/ev")"
grep -q "port 4011 ack bootloader undionly.kpxe (menu item pxe.menu.1: Network boot (iPXE))" "$T/ev" ||
	fail "network item event: $(cat "$T/ev")"
grep -q "port 4011 ack bootloader none: local boot (menu item pxe.menu.2: Boot from local disk)" \
    "$T/ev" || fail "local item event: $(cat "$T/ev")"
grep -q "(menu item pxe.menu.4: Tools)" "$T/ev" || fail "item of type 42 event: $(cat "$T/ev")"
db_sql "SELECT detail FROM events WHERE mac = 'dc:a6:32:01:02:03' ORDER BY id" >"$T/ev"
grep -q "rpi/bootcode.bin (Raspberry Pi profile, 43.9 Raspberry Pi Boot)" "$T/ev" ||
	fail "Raspberry Pi event: $(cat "$T/ev")"
exit 0
