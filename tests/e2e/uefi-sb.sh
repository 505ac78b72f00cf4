#!/bin/sh
# End to end: Secure Boot. OVMF with Secure Boot enforced and Microsoft's
# keys enrolled (OVMF_CODE_4M.secboot.fd, OVMF_VARS_4M.ms.fd; SMM) boots
# through Debian's signed chain, as pxedhcpd offers it for bootloader.7 =
# shim: EDK2 PXE loads shimx64.efi over TFTP, shim loads the signed GRUB as
# grubx64.efi, GRUB reads the grub.cfg tftpd makes for this peer and loads
# the installer's signed kernel and initrd over TFTP; passes only when the
# installer fetches its preseed under the token URL of that grub.cfg and
# the kernel said "Secure boot enabled". A second, short boot offers the
# unsigned iPXE (snponly.efi) to the same firmware, which must refuse it:
# the file is sent, iPXE's banner never shows.
#
# GRUB takes its TFTP server from the DHCP server's ACK, not from the
# proxy's offer (netboot(7) SECURE BOOT), so the router names this server
# as next-server, as a site would.
. "$top_srcdir/tests/helpers/lib.sh"
# GRUB fetches the kernel and initrd by TFTP: 130 s to the preseed alone
# under TCG, 213 s with the machine's load at 12
: "${E2E_TIMEOUT:=360}"
. "$top_srcdir/tests/e2e/harness.sh"

SHIM=/usr/lib/shim/shimx64.efi.signed
GRUB=/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed

e2e_require
e2e_need_file "$SHIM" shim-signed
e2e_need_file "$GRUB" grub-efi-amd64-signed
e2e_need_file "$OVMF_SB_CODE" ovmf
e2e_need_file "$OVMF_SB_VARS" ovmf
e2e_lock
at_exit "e2e_save_logs uefi-sb"
# siaddr only, no file name: EDK2 still takes the proxy's boot file
E2E_ROUTER_EXTRA="dhcp-boot=,,$E2E_SERVER_IP"
e2e_net_up
e2e_suite_prepare
e2e_bootctl settings set bootloader.7 shim
e2e_bootctl settings set bootloader.9 shim
e2e_suite_start

# ---- 1: shim -> GRUB -> the installer, to its preseed
v=uefi-sb
mac=$(e2e_mac $v)
dir=$E2E_LOG/suite-$v
e2e_suite_client "$mac" "e2e-$v"
e2e_vm_start $v "suite-$v"
e2e_wait "$E2E_TIMEOUT" e2e_suite_fetched "$mac"; rc=$?
[ $rc = 0 ] && { E2E_TIME=$(e2e_suite_fetched "$mac"); sleep 2; }
e2e_vm_stop
$BC client timeline "$mac" >"$dir/timeline.txt" 2>&1
$BC client timeline "$mac" --json >"$dir/timeline.json" 2>&1
e2e_wire_http "$mac" >"$dir/wire-http.txt"
if [ $rc != 0 ]; then
	echo "FAIL $v: no preseed fetch from bootweb (rc $rc after ${E2E_WAITED}s)"
	cat "$dir/timeline.txt"
	e2e_serial_tail 25
	exit 1
fi
note "$v: preseed fetched ${E2E_TIME}s after VM start; bootctl client timeline $mac:"
sed 's/^/#   /' "$dir/timeline.txt"
python3 "$E2E_DIR/e2e.py" chain $v <"$dir/timeline.json" >"$T/chain.out" 2>&1 ||
	fail "$v: $(cat "$T/chain.out")"
for k in tftp-shim tftp-grub tftp-grub-cfg http-unattended; do
	grep -q "$k" "$dir/timeline.txt" || fail "$v: the timeline text lacks $k"
done
grep -q 'Secure boot enabled' "$E2E_RUN/serial.log" ||
	fail "$v: the kernel never said 'Secure boot enabled' on the serial console"
grep -m1 'Secure boot enabled' "$E2E_RUN/serial.log" | sed 's/^/#   serial: /'
# the grub.cfg asked for the token URL, and the installer used it
if [ -s "$dir/wire-http.txt" ]; then
	sed 's/^/#   wire: /' "$dir/wire-http.txt"
	grep -q "GET /t/$(echo "$mac" | tr -d :)[0-9a-f]\{40\}/.*debian-installer" \
	    "$dir/wire-http.txt" || fail "$v: no GET /t/TOKEN/ by the installer on the wire"
fi
# the one-time install stays until /done; nothing else was served from /boot
grep -q 'http-script' "$dir/timeline.txt" && fail "$v: an iPXE script was served"
echo "PASS $v: VM start -> preseed fetch ${E2E_TIME}s through shim and GRUB," \
    "Secure Boot on ($(e2e_accel), load $(cut -d' ' -f1 /proc/loadavg))"

# ---- 2: the unsigned iPXE on the same firmware: sent, refused
v=uefi-sb-ipxe
mac=$(e2e_mac $v)
e2e_bootctl settings set bootloader.7 snponly.efi
e2e_bootctl settings set bootloader.9 snponly.efi
e2e_vm_start $v "suite-$v"
refused() { grep -q 'Access Denied' "$E2E_RUN/serial.log"; }
e2e_wait 180 refused; rc=$?
e2e_vm_stop
$BC client timeline "$mac" >"$E2E_LOG/suite-$v/timeline.txt" 2>&1
grep -q 'tftp-done.*snponly.efi' "$E2E_LOG/suite-$v/timeline.txt" ||
	{ cat "$E2E_LOG/suite-$v/timeline.txt"; e2e_serial_tail; fail "$v: snponly.efi was never sent"; }
grep -q 'iPXE' "$E2E_RUN/serial.log" && { e2e_serial_tail; fail "$v: the unsigned iPXE ran"; }
[ $rc = 0 ] || { e2e_serial_tail; fail "$v: no 'Access Denied' from the firmware (rc $rc)"; }
grep -m1 'Access Denied' "$E2E_RUN/serial.log" | cut -c1-160 | sed 's/^/#   serial: /'
echo "PASS $v: snponly.efi sent and refused by Secure Boot after ${E2E_WAITED}s"
