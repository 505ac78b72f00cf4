#!/bin/sh
# End to end: Debian's memtest86+ ISO, imported with bootctl image import
# (--cmdline console=ttyS0,115200), boots in QEMU from our suite to its
# first screen on the serial console: on BIOS (SeaBIOS with QEMU's iPXE
# ROM: the .efi of the ISO runs as a bzImage) and on UEFI (OVMF's own PXE,
# snponly.efi, iPXE starts the same .efi as an EFI image). Two boots, each
# bounded by MEMTEST_TIMEOUT; the VM is stopped as soon as the screen shows.
# Memtest86+ needs a GOP on UEFI (boot/efisetup.c gives up without one),
# so its VMs have a VGA device, unlike the harness's (hence its own VM
# start, with the harness's network, daemons and console logger).
#
# MEMTEST_SANBOOT=1 adds two boots (off by default, to keep CI short):
# the ipxe package's ipxe.iso booted whole (sanboot over HTTP ranges from
# /iso/NAME.iso) on BIOS (its no-emulation isolinux entry) and on UEFI
# (its El Torito EFI image), each until the iPXE inside starts.
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/e2e/harness.sh"
: "${MEMTEST_TIMEOUT:=180}"
MT_ISO=/usr/lib/memtest86+/memtest86+x64.iso
MT_IMAGE=memtest
E2E_MEM=256

# mt_mac VARIANT: a MAC of its own per firmware and image (the harness's
# are for the installer).
mt_mac() {
	case $1 in
	bios) echo 52:54:00:77:00:11 ;;
	uefi) echo 52:54:00:77:00:12 ;;
	sanboot-bios) echo 52:54:00:77:00:13 ;;
	sanboot-uefi) echo 52:54:00:77:00:14 ;;
	esac
}

# mt_vm_start VARIANT: QEMU with the firmware of VARIANT (bios|uefi) on the
# bridge, a VGA device, the serial console logged by console.py.
mt_vm_start() {
	local v=$1 mac accel cpu args
	mac=$(mt_mac "$v")
	E2E_RUN=$E2E_LOG/memtest-$v
	mkdir -p "$E2E_RUN"
	ip -n "$E2E_NS_SW" link del vmtap 2>/dev/null
	ip -n "$E2E_NS_SW" tuntap add dev vmtap mode tap &&
	ip -n "$E2E_NS_SW" link set vmtap master br0 up || fail "cannot create the tap"
	E2E_PCAP_PID=""
	accel=$(e2e_accel)
	if [ "$accel" = kvm ]; then cpu=host; else cpu=max accel=tcg,thread=multi; fi
	printf '\370\003' >"$E2E_RUN/sercon-port"
	args="-name memtest-$v -machine q35 -accel $accel -cpu $cpu -smp 1 -m $E2E_MEM
	    -display none -vga std -no-user-config -nodefaults
	    -chardev socket,id=ser0,path=$E2E_RUN/serial.sock,server=on,wait=on,logfile=$E2E_RUN/serial.raw
	    -serial chardev:ser0 -monitor none
	    -netdev tap,id=n0,ifname=vmtap,script=no,downscript=no"
	case $v in
	*bios)
		args="$args
		    -device virtio-net-pci,disable-legacy=on,netdev=n0,mac=$mac,romfile=$E2E_BIOS_ROM
		    -fw_cfg name=etc/sercon-port,file=$E2E_RUN/sercon-port -boot order=n" ;;
	*)	cp "$OVMF_VARS" "$E2E_RUN/OVMF_VARS.fd"
		args="$args
		    -drive if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE
		    -drive if=pflash,format=raw,unit=1,file=$E2E_RUN/OVMF_VARS.fd
		    -device virtio-net-pci,disable-legacy=on,netdev=n0,mac=$mac,romfile=,bootindex=1
		    -fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=no" ;;
	esac
	echo "ip netns exec $E2E_NS_SW qemu-system-x86_64 $args" | tr -s ' \t\n' ' ' >"$E2E_RUN/cmdline.txt"
	E2E_T0=$(date +%s.%N)
	# shellcheck disable=SC2086
	e2e_bg "memtest-$v-qemu" ip netns exec "$E2E_NS_SW" qemu-system-x86_64 $args
	E2E_QEMU_PID=$E2E_PID
	e2e_bg "memtest-$v-console" python3 "$E2E_DIR/console.py" --socket "$E2E_RUN/serial.sock" \
	    --log "$E2E_RUN/serial.log" --t0 "$E2E_T0"
	E2E_CONSOLE_PID=$E2E_PID
	note "memtest $v: QEMU pid $E2E_QEMU_PID ($accel), MAC $mac, serial log $E2E_RUN/serial.log"
}

# mt_screen: Memtest86+'s first screen is on the serial console: its title
# with the version the import detected, and the footer it draws at start.
mt_screen() {
	grep -q "Memtest86+ v$MT_VERSION" "$E2E_RUN/serial.log" &&
	grep -q "<ESC> Exit" "$E2E_RUN/serial.log"
}

# sb_started: iPXE booted the ISO whole, and the iPXE inside it started.
sb_started() {
	grep -q "Booting from SAN device" "$E2E_RUN/serial.log" &&
	[ "$(grep -c "iPXE initialising devices" "$E2E_RUN/serial.log")" -ge 2 ]
}

# mt_timeline MAC IMAGE EVENT: the MAC's timeline (kept in the run's
# directory) has the script of IMAGE and EVENT.
mt_timeline() {
	$BC client timeline "$1" >"$E2E_RUN/timeline.txt" 2>&1 &&
	grep -q "http-script *image $2" "$E2E_RUN/timeline.txt" &&
	grep -q "$3" "$E2E_RUN/timeline.txt"
}

# mt_boot VARIANT IMAGE UNTIL WHAT EVENT: one bounded boot of IMAGE until
# UNTIL succeeds; 0 when it did and the timeline has the script and EVENT
# (what bootweb served) for the VM's MAC. WHAT names the goal in messages.
mt_boot() {
	local v=$1 image=$2 until=$3 what=$4 event=$5 mac rc
	mac=$(mt_mac "$v")
	e2e_bootctl client add "$mac" --name "memtest-$v" --image "$image"
	e2e_bootctl client next-boot "$mac" install
	mt_vm_start "$v"
	e2e_wait "$MEMTEST_TIMEOUT" "$until"; rc=$?
	e2e_vm_stop
	# bootweb writes its events in batches: the last ones may lag a little
	wait_for 5 mt_timeline "$mac" "$image" "$event"
	case $rc in
	0) ;;
	2) echo "FAIL $v: QEMU exited: $(tail -3 "$E2E_LOG/memtest-$v-qemu.log")"; return 1 ;;
	*) echo "FAIL $v: no $what on the serial console after ${E2E_WAITED}s"
	   cat "$E2E_RUN/timeline.txt"; e2e_serial_tail 25; return 1 ;;
	esac
	mt_timeline "$mac" "$image" "$event" ||
		{ echo "FAIL $v: the timeline lacks the script or $event"; cat "$E2E_RUN/timeline.txt"; return 1; }
	note "$v: $what on the serial console ${E2E_WAITED}s after VM start"
	return 0
}

e2e_require
[ -r "$MT_ISO" ] || skip "$MT_ISO is missing (Debian package memtest86+)"
e2e_lock
at_exit "e2e_save_logs memtest"
e2e_net_up
e2e_suite_config
e2e_bootctl db init
e2e_bootctl settings set server_address "$E2E_SERVER_IP"
e2e_bootctl image import "$MT_ISO" --name "$MT_IMAGE" --cmdline "console=ttyS0,115200"
MT_VERSION=$($BC image show "$MT_IMAGE" --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
[ "$MT_VERSION" != None ] || fail "the import found no version of Memtest86+"
if [ "${MEMTEST_SANBOOT:-0}" = 1 ]; then
	e2e_need_file /usr/lib/ipxe/ipxe.iso ipxe
	e2e_bootctl image import /usr/lib/ipxe/ipxe.iso --name ipxeiso
	# its kernel ipxe.krn would boot on BIOS only: boot it whole instead
	sqlite3 "$DB" "UPDATE images SET kind = 'sanboot', kernel = NULL WHERE name = 'ipxeiso'" ||
		fail "cannot make ipxeiso a sanboot image"
fi
e2e_suite_start
rc=0
for v in bios uefi; do
	mt_boot "$v" "$MT_IMAGE" mt_screen "Memtest86+ v$MT_VERSION" \
	    "http-kernel *served /data/$MT_IMAGE/bootx64.efi" || rc=1
	[ "${MEMTEST_SANBOOT:-0}" = 1 ] || continue
	mt_boot "sanboot-$v" ipxeiso sb_started "iPXE booted whole from ipxe.iso" \
	    "http-iso *opened (HEAD) /iso/ipxeiso.iso" || rc=1
done
[ $rc = 0 ] && echo "PASS memtest: BIOS and UEFI reach Memtest86+ v$MT_VERSION ($(e2e_accel))"
exit $rc
