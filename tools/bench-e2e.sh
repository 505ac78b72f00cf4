#!/bin/sh
# tools/bench-e2e.sh [VARIANT ...]: for each firmware path, the time from
# VM start to the installer's preseed fetch, served by the incumbents
# (dnsmasq proxyDHCP + TFTP, nginx: the stand-in) and by our suite
# (pxedhcpd, tftpd, bootweb), on the same network in the same run.
# Not part of make check (about 10 minutes). As root, from a build dir:
#	top_srcdir=/path/to/netboot top_builddir=$PWD sh tools/bench-e2e.sh
# E2E_SERVERS="standin suite" (default) chooses the servers.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/e2e/harness.sh"

variants=${*:-bios bios-pxe uefi uefi-http}
servers=${E2E_SERVERS:-standin suite}
e2e_require
e2e_lock
at_exit "e2e_save_logs compare"
e2e_net_up
results=$T/results
: >"$results"
for srv in $servers; do
	case $srv in
	standin) e2e_standin_start ;;
	suite) e2e_suite_prepare; e2e_suite_start ;;
	*) fail "unknown server $srv (standin or suite)" ;;
	esac
	for v in $variants; do
		if [ "$srv" = standin ]; then e2e_boot_standin "$v"; else e2e_boot_suite "$v"; fi
		echo "$srv $v ${E2E_TIME:-FAIL} $(cut -d' ' -f1 /proc/loadavg) $(e2e_serial_marks)" >>"$results"
	done
	e2e_server_stop
done
echo "VM start -> preseed GET, seconds ($(e2e_accel), RA=$E2E_RA, $E2E_SMP vCPU, ${E2E_MEM} MiB; load = 1-min load average after the boot)"
printf '%-10s %-22s %-22s\n' variant "stand-in (load)" "suite (load)"
for v in $variants; do
	printf '%-10s %-22s %-22s\n' "$v" \
	    "$(awk -v v="$v" '$1 == "standin" && $2 == v { print $3 " (" $4 ")" }' "$results")" \
	    "$(awk -v v="$v" '$1 == "suite" && $2 == v { print $3 " (" $4 ")" }' "$results")"
done
echo
echo "The servers' part, from the serial log (seconds after VM start): iPXE has boot.ipxe / has the initrd / Linux starts"
printf '%-10s %-26s %-26s\n' variant stand-in suite
for v in $variants; do
	printf '%-10s %-26s %-26s\n' "$v" \
	    "$(awk -v v="$v" '$1 == "standin" && $2 == v { print $6 " / " $8 " / " $10 }' "$results")" \
	    "$(awk -v v="$v" '$1 == "suite" && $2 == v { print $6 " / " $8 " / " $10 }' "$results")"
done
