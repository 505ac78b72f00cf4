#!/bin/sh
# bootctl client timeline: which events make up the last boot, times since
# the first DHCP packet, text and JSON, --follow, a boot through shim and
# GRUB, and usage errors. The
# events are written the way the daemons write them (rows of the events
# table); the real chain from real firmware is checked by the e2e cases.
. "$top_srcdir/tests/helpers/lib.sh"
need_cmd sqlite3 python3
B="$BOOTCTL -D $DB"
M=52:54:00:77:00:01

expect_rc 0 $B db init
expect_rc 0 $B client add $M --name vm1

# usage and lookup errors
expect_rc 2 $B client timeline
expect_err "usage: bootctl client timeline MAC"
expect_rc 1 $B client timeline not-a-mac
expect_err "no client named 'not-a-mac'"
expect_rc 2 $B client timeline $M extra
expect_rc 2 $B client timeline $M --bogus
expect_rc 1 $B client timeline 52:54:00:77:00:99
expect_err "no client 52:54:00:77:00:99 and no events for it"
expect_rc 0 $B client timeline $M
expect_out "$M: no boot recorded yet"
expect_rc 0 $B client timeline $M --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["steps"] == [] and d["start"] is None and d["name"] == "vm1"' "$T/out" ||
	fail "empty timeline JSON: $(cat "$T/out")"

now=$(date +%s)
ev() {	# ev SECONDS-AGO DAEMON KIND DETAIL [MAC]
	sqlite3 "$DB" "INSERT INTO events (ts, mac, ip, daemon, kind, detail) VALUES
	    ($now - $1, '${5:-$M}', '10.77.0.199', '$2', '$3', '$4')" || fail "insert event"
}
# an earlier, complete boot
ev 700 pxedhcpd dhcp-offer "old: iPXE -> boot.ipxe"
ev 690 bootweb http-script "old: script"
ev 680 bootweb http-unattended "old: preseed"
# a boot that failed before its script (80 s later: after a script, a DHCP
# answer starts a new boot), then a retry 500 s later (a gap starts one)
ev 600 pxedhcpd dhcp-offer "failed: proxy offer"
ev 599 tftpd tftp-error "failed: timeout"
# the last boot: UEFI PXE; the installer's own DHCP is ignored by pxedhcpd
ev 99.5 pxedhcpd dhcp-offer "PXEClient arch 7"
ev 98 pxedhcpd dhcp-ack "port 4011: snponly.efi"
ev 97 tftpd tftp-done "snponly.efi"
ev 80 bootweb http-boot-ipxe "boot.ipxe"
ev 79 bootweb http-script "install debian12"
ev 78 bootweb http-kernel "linux"
ev 77 bootweb http-initrd "initrd.gz"
ev 50 pxedhcpd dhcp-ignore "vendor class d-i"
ev 45 bootweb http-unattended "preseed.cfg"
# written last but happened before the script: daemons flush their own batches
ev 90 pxedhcpd dhcp-offer "iPXE -> boot.ipxe"
ev 44 bootweb http-kernel "another client" 52:54:00:77:00:02

expect_rc 0 $B client timeline $M
expect_out "$M (vm1): last boot"
expect_out "   +0.00s  pxedhcpd  dhcp-offer       PXEClient arch 7"
expect_out "   +1.50s  pxedhcpd  dhcp-ack         port 4011: snponly.efi"
expect_out "  +54.50s  bootweb   http-unattended  preseed.cfg"
expect_out "dhcp-ignore      vendor class d-i"
[ "$(grep -c 's  ' "$T/out")" = 10 ] || fail "the last boot has 10 steps: $(cat "$T/out")"
grep -q "old:\|failed:\|another client" "$T/out" && fail "other boots leak in: $(cat "$T/out")"

expect_rc 0 $B client timeline $M --json
python3 - "$T/out" <<'EOF' || fail "timeline JSON: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
k = [s["kind"] for s in d["steps"]]
assert k == ["dhcp-offer", "dhcp-ack", "tftp-done", "dhcp-offer", "http-boot-ipxe",
             "http-script", "http-kernel", "http-initrd", "dhcp-ignore", "http-unattended"], k
assert d["steps"][0]["t"] == 0 and abs(d["steps"][-1]["t"] - 54.5) < 1e-6
assert d["start"] == d["steps"][0]["ts"] and d["mac"] == "52:54:00:77:00:01"
assert all(s["daemon"] in ("pxedhcpd", "tftpd", "bootweb") for s in d["steps"])
EOF
python3 "$top_srcdir/tests/e2e/e2e.py" chain uefi <"$T/out" >/dev/null ||
	fail "e2e.py does not find the UEFI chain"
python3 "$top_srcdir/tests/e2e/e2e.py" chain uefi-http <"$T/out" >"$T/chain" &&
	fail "e2e.py finds an HTTP Boot chain that is not there"
grep -q "missing step bootweb:http-bootloader" "$T/chain" || fail "e2e.py: $(cat "$T/chain")"

# --follow: the steps so far, then each new one; a DHCP answer after the
# script (45 s after the last step, no gap) is a new boot, with a header
$B client timeline $M --follow >"$T/follow" 2>&1 &
fpid=$!
NB_PIDS="$NB_PIDS $fpid"
wait_for 5 grep -q "preseed.cfg" "$T/follow" || fail "--follow printed: $(cat "$T/follow")"
now=$(date +%s)
ev 0 pxedhcpd dhcp-offer "next boot"
ev -1 bootweb http-boot-ipxe "next boot.ipxe"
wait_for 5 grep -q "next boot.ipxe" "$T/follow" || fail "--follow missed new events: $(cat "$T/follow")"
kill "$fpid"
wait "$fpid"; rc=$?
[ $rc = 0 ] || fail "--follow exited $rc on SIGTERM"
grep -q "$M (vm1): new boot" "$T/follow" || fail "no new-boot header: $(cat "$T/follow")"
grep -q "    +1.00s  bootweb   http-boot-ipxe   next boot.ipxe" "$T/follow" ||
	fail "times restart at the new boot: $(cat "$T/follow")"

# Secure Boot: shim and GRUB over TFTP; after GRUB's grub.cfg a DHCP
# answer is a new boot, as after an iPXE script (no gap needed)
S=52:54:00:77:00:07
expect_rc 0 $B client add $S --name sb1
now=$(date +%s)
ev 300 pxedhcpd dhcp-offer "sb old: shimx64.efi" $S
ev 299 tftpd tftp-shim "shimx64.efi" $S
ev 295 tftpd tftp-grub "grubx64.efi" $S
ev 290 tftpd tftp-grub-cfg "image debian12 (next_boot install)" $S
ev 250 pxedhcpd dhcp-offer "sb: shimx64.efi" $S
ev 249 tftpd tftp-shim "shimx64.efi" $S
ev 245 tftpd tftp-grub "grubx64.efi" $S
ev 240 tftpd tftp-grub-cfg "menu (default_action menu)" $S
expect_rc 0 $B client timeline $S
grep -q "sb old" "$T/out" && fail "the boot before the last grub.cfg leaks in: $(cat "$T/out")"
expect_out "  +10.00s  tftpd     tftp-grub-cfg    menu (default_action menu)"
[ "$(grep -c 's  ' "$T/out")" = 4 ] || fail "the GRUB boot has 4 steps: $(cat "$T/out")"
exit 0
