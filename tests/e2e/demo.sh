#!/bin/sh
# tests/e2e/demo.sh: what ./quickstart demo runs after building.
#
#   demo.sh [--once] [--firmware bios|bios-pxe|uefi|uefi-http]
#	Inside private network namespaces: a router stand-in (dnsmasq,
#	addresses only), pxedhcpd, tftpd and bootweb on a fresh database
#	prepared with bootctl, and a VM that PXE-boots the Debian installer
#	from them. Prints the boot's timeline as it happens and where to
#	look; Ctrl-C ends everything. --once: one boot, then exit 0 only if
#	the installer fetched its preseed from bootweb.
#   demo.sh --interface IF
#	Serves the real network on IF instead, in proxy mode (the site's
#	DHCP server keeps handing out addresses), after a warning.
#
# Environment: top_builddir (the build directory; default the source
# tree), E2E_TIMEOUT (seconds for --once, default 240).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
NB_KEEP=1	# the logs and the database stay for reading; processes and namespaces go
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/e2e/harness.sh"
# a demo is not a test: a missing piece is an error, not a skip
skip() { echo "demo: $*" >&2; exit 1; }
fail() { echo "demo: $*" >&2; exit 1; }
trap 'echo; echo "demo: stopping: ending every process it started, removing its namespaces"; exit 130' INT TERM

usage() {
	echo "usage: demo.sh [--once] [--firmware bios|bios-pxe|uefi|uefi-http] | --interface IF" >&2
	exit 2
}

once=0 iface="" fw=bios
while [ $# -gt 0 ]; do
	case $1 in
	--once) once=1 ;;
	--interface) [ $# -ge 2 ] || usage; iface=$2; shift ;;
	--interface=*) iface=${1#--interface=} ;;
	--firmware) [ $# -ge 2 ] || usage; fw=$2; shift ;;
	--firmware=*) fw=${1#--firmware=} ;;
	-h|--help) sed -n '2,18p' "$0"; exit 0 ;;
	*) usage ;;
	esac
	shift
done
case $fw in bios|bios-pxe|uefi|uefi-http) ;; *) usage ;; esac
[ -z "$iface" ] || [ $once = 0 ] || usage
[ "$(id -u)" = 0 ] || fail "run me as root (network namespaces, privileged ports)"
for f in "$PXEDHCPD" "$TFTPD" "$BOOTWEB" "$BOOTCTL"; do
	[ -x "$f" ] || fail "$f is not built (top_builddir=$top_builddir)"
done
# the installer's kernel and initrd are copied per run: do not keep them
at_exit "rm -rf '$T/images' '$T/standin'"

where() {	# where PROXYADDR: where to look while it runs
	cat <<EOF

netboot demo — everything below lives in $T
  pxedhcpd  proxyDHCP on UDP 67 and 4011 ($1)   log $E2E_LOG/pxedhcpd.log
  tftpd     TFTP on UDP 69                       log $E2E_LOG/tftpd.log
  bootweb   boot plane http://$E2E_SERVER_IP:$E2E_HTTP_PORT/ (boot.ipxe, boot?mac=, /data/, /t/TOKEN/)
            log $E2E_LOG/bootweb.log
  config    $E2E_CONF
  database  $DB
            $BOOTCTL -f $E2E_CONF client list
            $BOOTCTL -f $E2E_CONF events list

  web UI    $UI_URL  (user admin, password $ADMIN_PW)
            watch the machine boot live on its dashboard
EOF
}

# The admin password db init printed once, from bootctl's log of it.
admin_pw() {
	ADMIN_PW=$(sed -n 's/.*password (shown only now): //p' \
	    "$E2E_LOG/bootctl.log" | tail -1)
	[ -n "$ADMIN_PW" ] || ADMIN_PW="(see $E2E_LOG/bootctl.log)"
}

# The web UI's files (bootweb(8) WEB UI), for a demo run before make
# install: the tree's, copied with their gzip copies as make install
# makes them, where bootweb (as nobody) can read them even when the tree
# is in root's home. The config ends in its [bootweb] section.
ui_files() {
	mkdir -p "$T/www"
	cp "$top_srcdir"/www/*.html "$top_srcdir"/www/*.css \
	    "$top_srcdir"/www/*.js "$top_srcdir"/www/*.svg "$T/www/" &&
	    gzip -9 -kn "$T"/www/* || fail "cannot copy the web UI's files"
	chmod -R a+rX "$T/www"
	echo "www_dir = $T/www" >>"$E2E_CONF"
}

# ------------------------------------------------------------ --interface
if [ -n "$iface" ]; then
	addr=$(ip -4 -o addr show dev "$iface" 2>/dev/null | awk '{ sub("/.*", "", $4); print $4; exit }')
	[ -n "$addr" ] || fail "$iface has no IPv4 address (ip -4 addr show dev $iface)"
	cat <<EOF
WARNING: this serves network boot on the REAL network attached to $iface ($addr).
  pxedhcpd answers every PXE client there in proxy mode: it hands out no
  addresses (your DHCP server keeps doing that) but tells each machine that
  boots from the network to load iPXE from this host, which then shows the
  netboot menu (default after 10 s: boot from the local disk; the Debian 12
  installer is an entry of the menu). Machines that do not network-boot are
  not affected. Starting in 10 seconds; Ctrl-C now to abort.
EOF
	sleep 10
	E2E_SERVER_IP=$addr
	E2E_CONF=$(test_config "http_port = $E2E_HTTP_PORT
[pxedhcpd]
interface = $iface
[tftpd]
listen = $addr
[bootweb]
listen = $addr
port = $E2E_HTTP_PORT
admin_listen = 127.0.0.1")
	BC="$BOOTCTL -f $E2E_CONF"
	ui_files
	e2e_bootctl db init
	admin_pw
	UI_URL=http://127.0.0.1:8081/
	e2e_bootctl settings set server_address "$addr"
	mkdir -p "$T/images/$E2E_IMAGE"
	cp "$E2E_DI_DIR/linux" "$E2E_DI_DIR/initrd.gz" "$T/images/$E2E_IMAGE/" ||
		fail "the Debian installer is missing (debian-installer-12-netboot-amd64)"
	chmod -R a+rX "$T/images"
	# no preseed here: a real machine gets the interactive installer, and only if chosen
	e2e_bootctl image add "$E2E_IMAGE" --kernel "$T/images/$E2E_IMAGE/linux" \
	    --initrd "$T/images/$E2E_IMAGE/initrd.gz" --cmdline "priority=medium"
	e2e_bg pxedhcpd "$PXEDHCPD" -d -v -f "$E2E_CONF" -i "$iface"
	e2e_bg tftpd "$TFTPD" -d -v -f "$E2E_CONF"
	e2e_bg bootweb "$BOOTWEB" -d -v -f "$E2E_CONF"
	sleep 1
	for d in pxedhcpd tftpd bootweb; do
		e2e_alive "$(cat "$E2E_LOG/$d.pid")" || fail "$d did not start: $(tail -3 "$E2E_LOG/$d.log")"
	done
	where "$iface, $addr"
	echo
	echo "Serving $iface. Network-boot a machine there; every event follows. Ctrl-C stops everything."
	$BC events list --follow 8>&- &
	NB_PIDS="$NB_PIDS $!"
	while :; do
		for d in pxedhcpd tftpd bootweb; do
			e2e_alive "$(cat "$E2E_LOG/$d.pid")" ||
				fail "$d exited: $(tail -3 "$E2E_LOG/$d.log")"
		done
		sleep 2
	done
fi

# ------------------------------------------------------------ namespaces + VM
e2e_require
e2e_lock
e2e_net_up
e2e_suite_prepare
admin_pw
ui_files
e2e_suite_start
# The admin plane listens on 127.0.0.1 inside the server's namespace: a
# relay brings it to this host's 127.0.0.1, so a browser here can watch.
start_bg ui-relay /usr/bin/python3 "$top_srcdir/tests/e2e/ui-relay.py" \
    "$E2E_NS_SRV" 127.0.0.1 8081 8081
wait_for 5 grep -q '^listening on' "$T/ui-relay.log" ||
	fail "the web UI relay did not start: $(cat "$T/ui-relay.log")"
UI_URL=http://127.0.0.1:$(sed -n 's/^listening on //p' "$T/ui-relay.log")/
mac=$(e2e_mac "$fw")
e2e_suite_client "$mac" "demo-$fw"
where "srv0, $E2E_SERVER_IP, netns $E2E_NS_SRV"
cat <<EOF
  router    dnsmasq $E2E_ROUTER_IP (addresses only), netns $E2E_NS_RTR, log $E2E_LOG/router.log
  network   bridge br0 in netns $E2E_NS_SW; capture $E2E_LOG/demo-$fw/capture.pcap
  VM        $fw firmware, MAC $mac, serial console $E2E_LOG/demo-$fw/serial.log
            ($(e2e_accel): about a minute to the installer; Ctrl-C ends everything)

The boot, as the daemons record it (bootctl client timeline $mac --follow):
EOF
$BC client timeline "$mac" --follow 8>&- &
follow=$!
NB_PIDS="$NB_PIDS $follow"
e2e_vm_start "$fw" "demo-$fw" >/dev/null
if [ $once = 1 ]; then
	e2e_wait "$E2E_TIMEOUT" e2e_suite_fetched "$mac"; rc=$?
	sleep 1
	e2e_kill "$follow"
	e2e_vm_stop
	case $rc in
	0) echo "demo: PASS: the installer fetched its preseed from bootweb $(e2e_suite_fetched "$mac") s after the VM started" ;;
	1) echo "demo: FAIL: no preseed fetch within ${E2E_TIMEOUT}s"; e2e_serial_tail ;;
	3) echo "demo: FAIL: the firmware gave up after ${E2E_WAITED}s"; e2e_serial_tail ;;
	*) echo "demo: FAIL: QEMU exited: $(tail -3 "$E2E_LOG/demo-$fw-qemu.log")" ;;
	esac
	echo "demo: logs and database kept in $T"
	exit $rc
fi
fetched=0
while e2e_alive "$E2E_QEMU_PID"; do
	if [ $fetched = 0 ] && e2e_suite_fetched "$mac" >/dev/null; then
		fetched=1
		sleep 1
		echo
		echo "The installer fetched its preseed and runs: see $E2E_LOG/demo-$fw/serial.log. Ctrl-C ends the demo."
	fi
	sleep 2
done
sleep 1		# a Ctrl-C also reaches QEMU: let the trap speak first
fail "QEMU exited: $(tail -3 "$E2E_LOG/demo-$fw-qemu.log")"
