# tests/e2e/harness.sh: the end-to-end machinery. Sourced after
# tests/helpers/lib.sh by the case scripts, demo.sh and tools/bench-e2e.sh.
#
#   netns $E2E_NS_SW   br0: a bridge without an address, the "switch";
#                      the VM's tap and the packet capture live here
#   netns $E2E_NS_RTR  rtr0 10.77.0.1/24: dnsmasq as the site's router:
#                      addresses, gateway, DNS (and IPv6 RAs), no PXE at all
#   netns $E2E_NS_SRV  srv0 10.77.0.2/24: pxedhcpd, tftpd and bootweb, or
#                      the stand-in (dnsmasq proxy + TFTP, nginx)
#   QEMU               in $E2E_NS_SW on the tap; TCG unless KVM can run
#                      firmware (the nested kvm_pvm here cannot)
#
# Router and server are separate namespaces, like separate hosts, so both
# own UDP 67. Everything started is killed by PID at exit (lib.sh), and
# anything still running in our namespaces is killed before they go.
# Logs of the last run of a case are kept in $top_builddir/tests/e2e/logs/.

E2E_DIR=$top_srcdir/tests/e2e
: "${E2E_ROUTER_IP:=10.77.0.1}"
: "${E2E_SERVER_IP:=10.77.0.2}"
: "${E2E_SERVER_IP6:=fd77::2}"	# srv0's ULA when E2E_IPV6 = 1 (the uefi6 case)
: "${E2E_POOL6:=fd77::1000-fd77::10ff}"	# pxedhcpd's DHCPv6 pool (uefi6)
: "${E2E_IPV6:=0}"		# 1: IPv6 on srv0 (E2E_SERVER_IP6/64)
: "${E2E_HTTP_PORT:=8080}"
: "${E2E_ACCEL:=auto}"		# auto | kvm | tcg
: "${E2E_MEM:=1024}"
: "${E2E_SMP:=2}"
: "${E2E_RA:=1}"		# router sends IPv6 RAs: spares each iPXE a 16 s wait
: "${E2E_PCAP:=1}"		# capture the bridge (without bulk TCP data)
: "${E2E_TIMEOUT:=240}"		# seconds from VM start to the preseed fetch
: "${E2E_ROUTER_EXTRA:=}"	# more lines for the router's dnsmasq.conf
: "${OVMF_CODE:=/usr/share/OVMF/OVMF_CODE_4M.fd}"
: "${OVMF_VARS:=/usr/share/OVMF/OVMF_VARS_4M.fd}"
# Secure Boot enforced, Microsoft's keys enrolled (the uefi-sb* variants)
: "${OVMF_SB_CODE:=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}"
: "${OVMF_SB_VARS:=/usr/share/OVMF/OVMF_VARS_4M.ms.fd}"
E2E_PREFIX=24
E2E_NETMASK=255.255.255.0
E2E_SUBNET=10.77.0.0
E2E_BIOS_ROM=/usr/lib/ipxe/qemu/pxe-virtio.rom
E2E_IPXE_DIR=/usr/lib/ipxe
E2E_DI_DIR=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64
E2E_IMAGE=debian12
E2E_TEMPLATE=e2e-preseed
E2E_LOG=$T/log
E2E_QEMU_PID=""
# another build of a daemon, to tell a daemon's bug from a harness bug
PXEDHCPD=${E2E_PXEDHCPD:-$PXEDHCPD} TFTPD=${E2E_TFTPD:-$TFTPD} BOOTWEB=${E2E_BOOTWEB:-$BOOTWEB}
mkdir -p "$E2E_LOG"

# ------------------------------------------------------------ requirements

# e2e_require: skip (77) naming the Debian package of whatever is missing.
e2e_require() {
	need_root
	e2e_need_cmd qemu-system-x86_64 qemu-system-x86
	e2e_need_cmd dnsmasq dnsmasq-base
	e2e_need_cmd python3 python3
	e2e_need_cmd flock util-linux
	e2e_need_file "$OVMF_CODE" ovmf
	e2e_need_file "$E2E_BIOS_ROM" ipxe-qemu
	e2e_need_file "$E2E_IPXE_DIR/undionly.kpxe" ipxe
	e2e_need_file "$E2E_IPXE_DIR/snponly.efi" ipxe
	e2e_need_file "$E2E_DI_DIR/linux" debian-installer-12-netboot-amd64
	command -v tcpdump >/dev/null 2>&1 || E2E_PCAP=0
}
e2e_need_cmd() {
	command -v "$1" >/dev/null 2>&1 ||
		skip "$1 is missing (Debian package $2; ./quickstart test installs it)"
}
e2e_need_file() {
	[ -r "$1" ] || skip "$1 is missing (Debian package $2; ./quickstart test installs it)"
}

# e2e_lock: one VM at a time on this machine (make -j runs cases in parallel).
e2e_lock() {
	exec 8>/tmp/netboot-e2e.lock
	flock -w 1800 8 || fail "another e2e run held /tmp/netboot-e2e.lock for 30 minutes"
}

# e2e_accel: tcg where /dev/kvm is the nested kvm_pvm, which cannot run
# real-mode or 32-bit firmware (OVMF dies with an emulation failure).
e2e_accel() {
	case $E2E_ACCEL in
	kvm|tcg) echo "$E2E_ACCEL" ;;
	*)	if [ -d /sys/module/kvm_pvm ]; then echo tcg
		elif [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] ||
		    [ -d /sys/module/kvm_amd ]; }; then echo kvm
		else echo tcg; fi ;;
	esac
}

# ------------------------------------------------------------ processes

# e2e_bg NAME CMD...: start CMD in the background, log in $E2E_LOG/NAME.log,
# PID in $E2E_PID and killed at exit. The lock's descriptor is not inherited.
e2e_bg() {
	local name=$1; shift
	"$@" >"$E2E_LOG/$name.log" 2>&1 8>&- &
	E2E_PID=$!
	NB_PIDS="$NB_PIDS $E2E_PID"
	echo "$E2E_PID" >"$E2E_LOG/$name.pid"
}

# e2e_kill PID [SIGNAL]: stop one process we started (SIGNAL, then SIGKILL
# after 5 s), reap it and forget it.
e2e_kill() {
	local pid=$1 sig=${2:-TERM} i=0 st p rest=""
	[ -n "$pid" ] || return 0
	kill -s "$sig" "$pid" 2>/dev/null
	while [ $i -lt 50 ]; do
		st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && break
		sleep 0.1; i=$((i + 1))
	done
	[ $i -ge 50 ] && kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for p in $NB_PIDS; do [ "$p" = "$pid" ] || rest="$rest $p"; done
	NB_PIDS=$rest
}

# e2e_alive PID: the process runs (a zombie does not count).
e2e_alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ]
}

# e2e_ns_reap: whatever still runs inside our namespaces is ours: end it.
e2e_ns_reap() {
	local ns p
	for ns in $E2E_NETNS; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			echo "# e2e: ending leftover pid $p in $ns" >&2
			e2e_kill "$p"
		done
	done
}

# e2e_save_logs NAME: keep the logs of this run (not the images) for reading later.
e2e_save_logs() {
	local dst=$top_builddir/tests/e2e/logs/$1
	rm -rf "$dst"
	mkdir -p "$dst" && cp -a "$E2E_LOG/." "$dst/" 2>/dev/null
	[ -f "$DB" ] && sqlite3 "$DB" .dump >"$dst/netboot.db.sql" 2>/dev/null
	echo "# e2e: logs kept in $dst"
}

e2e_elapsed() {	# seconds since $1 (an epoch with decimals)
	awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.1f", a - b }'
}

# e2e_listening NS udp|tcp PORT
e2e_listening() {
	local f=u
	[ "$2" = tcp ] && f=t
	ip netns exec "$1" ss -Hln$f "sport = :$3" | grep -q .
}

# e2e_listening6 udp|tcp PORT: an IPv6 socket (dual-stack counts) of the server listens
e2e_listening6() {
	local f=u
	[ "$1" = tcp ] && f=t
	ip netns exec "$E2E_NS_SRV" ss -6Hln$f "sport = :$2" | grep -q .
}

# ------------------------------------------------------------ the network

e2e_netns() {
	ip netns add "$1" || fail "ip netns add $1"
	NB_NETNS="$NB_NETNS $1"
	E2E_NETNS="$E2E_NETNS $1"
	ip -n "$1" link set lo up
}

# e2e_net_up: the three namespaces, the bridge and the router's DHCP.
e2e_net_up() {
	local ns
	E2E_NS_SW=nbe$$-sw E2E_NS_RTR=nbe$$-rtr E2E_NS_SRV=nbe$$-srv
	E2E_NETNS=""
	for ns in $E2E_NS_SW $E2E_NS_RTR $E2E_NS_SRV; do e2e_netns "$ns"; done
	at_exit e2e_ns_reap
	for ns in $E2E_NS_SW $E2E_NS_SRV; do
		[ "$ns" = "$E2E_NS_SRV" ] && [ "$E2E_IPV6" = 1 ] && continue
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1
	done
	[ "$E2E_RA" = 1 ] || ip netns exec "$E2E_NS_RTR" sysctl -qw \
	    net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	# STP off and no forward delay: ports forward at once, no early frame is lost
	ip -n "$E2E_NS_SW" link add br0 type bridge stp_state 0 forward_delay 0 &&
	ip -n "$E2E_NS_SW" link set br0 up &&
	ip -n "$E2E_NS_SW" link add v-rtr type veth peer name rtr0 netns "$E2E_NS_RTR" &&
	ip -n "$E2E_NS_SW" link add v-srv type veth peer name srv0 netns "$E2E_NS_SRV" &&
	ip -n "$E2E_NS_SW" link set v-rtr master br0 up &&
	ip -n "$E2E_NS_SW" link set v-srv master br0 up &&
	ip -n "$E2E_NS_RTR" addr add "$E2E_ROUTER_IP/$E2E_PREFIX" dev rtr0 &&
	ip -n "$E2E_NS_RTR" link set rtr0 up &&
	ip -n "$E2E_NS_SRV" addr add "$E2E_SERVER_IP/$E2E_PREFIX" dev srv0 &&
	ip -n "$E2E_NS_SRV" link set srv0 up || fail "cannot build the test network"
	# the server's IPv6: one fixed ULA and no SLAAC address from the
	# router's RAs, so that the boot URL names E2E_SERVER_IP6
	if [ "$E2E_IPV6" = 1 ]; then
		ip netns exec "$E2E_NS_SRV" sysctl -qw net.ipv6.conf.srv0.accept_ra=0 \
		    net.ipv6.conf.srv0.autoconf=0 &&
		ip -n "$E2E_NS_SRV" addr add "$E2E_SERVER_IP6/64" dev srv0 nodad ||
			fail "cannot give srv0 $E2E_SERVER_IP6"
	fi
	e2e_router_start
}

# e2e_router_start: the site's router: addresses only, it knows nothing of PXE.
e2e_router_start() {
	local conf=$E2E_LOG/router-dnsmasq.conf
	cat >"$conf" <<EOF
port=0
user=root
group=root
interface=rtr0
bind-interfaces
listen-address=$E2E_ROUTER_IP
dhcp-range=10.77.0.100,10.77.0.200,$E2E_NETMASK,1h
dhcp-authoritative
dhcp-option=option:router,$E2E_ROUTER_IP
# without a name server the installer stops to ask for one
dhcp-option=option:dns-server,$E2E_ROUTER_IP
dhcp-leasefile=$E2E_LOG/router.leases
log-dhcp
${E2E_ROUTER_EXTRA:-}
EOF
	if [ "$E2E_RA" = 1 ]; then
		ip -n "$E2E_NS_RTR" addr add fd77::1/64 dev rtr0 nodad
		printf '%s\n' enable-ra 'dhcp-range=fd77::,ra-only,64,1h' >>"$conf"
	fi
	e2e_bg router ip netns exec "$E2E_NS_RTR" dnsmasq --keep-in-foreground \
	    --log-facility=- --conf-file="$conf"
	wait_for 5 e2e_listening "$E2E_NS_RTR" udp 67 ||
		fail "the router's dnsmasq did not start: $(cat "$E2E_LOG/router.log")"
}

# ------------------------------------------------------------ our suite

# e2e_boot_args URL: the installer's kernel arguments (preseed at URL).
e2e_boot_args() {
	echo "auto=true priority=critical url=$1 netcfg/get_domain=lan console=ttyS0,115200n8 DEBIAN_FRONTEND=text"
}

# e2e_suite_config: netboot.conf for the three daemons on srv0 (E2E_CONF).
# With E2E_IPV6 = 1, tftpd and bootweb listen on their default (every
# address of the namespace, IPv6 too): EDK2's PXEv6 fetches its loader from
# tftp://[E2E_SERVER_IP6]/.
e2e_suite_config() {
	local listen="listen = $E2E_SERVER_IP"
	[ "$E2E_IPV6" = 1 ] && listen=""
	E2E_CONF=$(test_config "http_port = $E2E_HTTP_PORT
[pxedhcpd]
interface = srv0
[tftpd]
$listen
[bootweb]
$listen
port = $E2E_HTTP_PORT
admin_listen = 127.0.0.1")
	BC="$BOOTCTL -f $E2E_CONF"
}

# e2e_bootctl ARGS...: run bootctl on the test database or fail naming the step.
e2e_bootctl() {
	$BC "$@" >"$T/bc.out" 2>&1 ||
		fail "bootctl $* failed: $(cat "$T/bc.out")"
	cat "$T/bc.out" >>"$E2E_LOG/bootctl.log"
}

# e2e_suite_prepare: the database, with bootctl alone: the installer image,
# the preseed template. (Clients are added by e2e_suite_client.)
e2e_suite_prepare() {
	local dir=$T/images/$E2E_IMAGE cmdline
	e2e_suite_config
	e2e_bootctl db init
	e2e_bootctl settings set server_address "$E2E_SERVER_IP"
	# uefi6: the network has no DHCPv6 server but ours, so pxedhcpd is a
	# stateful one: addresses from the pool (IA_NA) with the boot file URL
	if [ "$E2E_IPV6" = 1 ]; then
		e2e_bootctl settings set dhcp6.enabled yes
		e2e_bootctl settings set dhcp6.pool "$E2E_POOL6"
	fi
	mkdir -p "$dir"
	cp "$E2E_DI_DIR/linux" "$E2E_DI_DIR/initrd.gz" "$dir/" || fail "copy the installer"
	chmod -R a+rX "$T/images"
	e2e_bootctl template add "$E2E_TEMPLATE" --kind preseed --file "$E2E_DIR/preseed.cfg"
	# the cmdline is a template too: the preseed URL is the client's own
	cmdline="$(e2e_boot_args '{{unattended_url}}') netcfg/get_hostname={{client.hostname}}"
	e2e_bootctl image add "$E2E_IMAGE" --kernel "$dir/linux" \
	    --initrd "$dir/initrd.gz" --cmdline "$cmdline"
}

# e2e_suite_client MAC NAME: the VM, assigned the image and the template,
# with a one-time install as its next boot.
e2e_suite_client() {
	e2e_bootctl client add "$1" --name "$2" --hostname "$2" \
	    --image "$E2E_IMAGE" --template "$E2E_TEMPLATE"
	e2e_bootctl client next-boot "$1" install
}

# e2e_suite_start: pxedhcpd, tftpd and bootweb in the server namespace.
e2e_suite_start() {
	local d
	for d in "$PXEDHCPD" "$TFTPD" "$BOOTWEB" "$BOOTCTL"; do
		[ -x "$d" ] || fail "$d is not built"
	done
	e2e_bg pxedhcpd ip netns exec "$E2E_NS_SRV" "$PXEDHCPD" -d -v -f "$E2E_CONF" -i srv0
	E2E_SERVER_PIDS=$E2E_PID
	e2e_bg tftpd ip netns exec "$E2E_NS_SRV" "$TFTPD" -d -v -f "$E2E_CONF"
	E2E_SERVER_PIDS="$E2E_SERVER_PIDS $E2E_PID"
	e2e_bg bootweb ip netns exec "$E2E_NS_SRV" "$BOOTWEB" -d -v -f "$E2E_CONF"
	E2E_SERVER_PIDS="$E2E_SERVER_PIDS $E2E_PID"
	wait_for 10 e2e_listening "$E2E_NS_SRV" udp 67 ||
		fail "pxedhcpd does not listen on UDP 67: $(tail -5 "$E2E_LOG/pxedhcpd.log")"
	wait_for 5 e2e_listening "$E2E_NS_SRV" udp 4011 ||
		fail "pxedhcpd does not listen on UDP 4011: $(tail -5 "$E2E_LOG/pxedhcpd.log")"
	wait_for 10 e2e_listening "$E2E_NS_SRV" udp 69 ||
		fail "tftpd does not listen on UDP 69: $(tail -5 "$E2E_LOG/tftpd.log")"
	wait_for 10 e2e_listening "$E2E_NS_SRV" tcp "$E2E_HTTP_PORT" ||
		fail "bootweb does not listen on TCP $E2E_HTTP_PORT: $(tail -5 "$E2E_LOG/bootweb.log")"
	if [ "$E2E_IPV6" = 1 ]; then
		wait_for 5 e2e_listening6 udp 547 ||
			fail "pxedhcpd does not listen on UDP 547 (DHCPv6): $(tail -5 "$E2E_LOG/pxedhcpd.log")"
		wait_for 5 e2e_listening6 udp 69 ||
			fail "tftpd does not listen on IPv6 (UDP 69), so EDK2's PXEv6 cannot fetch its loader from tftp://[$E2E_SERVER_IP6]/; sockets: $(ip netns exec "$E2E_NS_SRV" ss -Hlnu 'sport = :69' | tr -s ' \n' ' ')"
	fi
	E2E_SERVER=suite
}

# ------------------------------------------------------------ the stand-in

# e2e_standin_start: the incumbents on the same address: dnsmasq as
# proxyDHCP + TFTP and nginx, serving the same installer with the same
# arguments (the testbed's recipe), to measure the same chain side by side.
e2e_standin_start() {
	local root=$T/standin s=$E2E_LOG/standin f
	# not in tools/deps: the package would also start nginx on port 80 of the host
	command -v nginx >/dev/null 2>&1 ||
		skip "nginx is missing: apt-get install nginx (then systemctl disable --now nginx)"
	mkdir -p "$root" "$s/tmp"
	for f in "$E2E_IPXE_DIR/undionly.kpxe" "$E2E_IPXE_DIR/snponly.efi" \
	    "$E2E_DI_DIR/linux" "$E2E_DI_DIR/initrd.gz"; do
		cp -L "$f" "$root/" || fail "copy $f"
	done
	cat >"$root/boot.ipxe" <<EOF
#!ipxe
kernel http://$E2E_SERVER_IP/linux initrd=initrd.gz $(e2e_boot_args "http://$E2E_SERVER_IP/preseed.cfg") netcfg/get_hostname=standin
initrd http://$E2E_SERVER_IP/initrd.gz
boot
EOF
	sed -e 's/{{client.hostname}}/standin/g' -e "s|{{server_url}}|http://$E2E_SERVER_IP|g" \
	    -e 's/{{[^}]*}}/x/g' "$E2E_DIR/preseed.cfg" >"$root/preseed.cfg"
	chmod -R a+rX "$root"
	cat >"$s/dnsmasq.conf" <<EOF
port=0
user=root
group=root
interface=srv0
bind-interfaces
listen-address=$E2E_SERVER_IP
dhcp-range=$E2E_SUBNET,proxy,$E2E_NETMASK
dhcp-leasefile=$s/leases
log-dhcp
enable-tftp
tftp-root=$root
dhcp-userclass=set:ipxe,iPXE
dhcp-pxe-vendor=PXEClient,HTTPClient
dhcp-vendorclass=set:httpclient,HTTPClient
pxe-service=tag:!ipxe,x86PC,"iPXE for BIOS",undionly.kpxe
pxe-service=tag:!ipxe,x86-64_EFI,"iPXE for UEFI",snponly.efi
# iPXE ignores a proxy reply with siaddr 0: name the server
dhcp-boot=tag:ipxe,http://$E2E_SERVER_IP/boot.ipxe,,$E2E_SERVER_IP
dhcp-boot=tag:httpclient,tag:!ipxe,http://$E2E_SERVER_IP/snponly.efi,,$E2E_SERVER_IP
EOF
	# uefi6: the stand-in is the network's stateful DHCPv6 server too, and
	# its TFTP answers on the IPv6 address as well
	[ "$E2E_IPV6" = 1 ] && cat >>"$s/dnsmasq.conf" <<EOF
listen-address=$E2E_SERVER_IP6
dhcp-range=${E2E_POOL6%-*},${E2E_POOL6#*-},64,1h
dhcp-option=option6:bootfile-url,tftp://[$E2E_SERVER_IP6]/snponly.efi
EOF
	cat >"$s/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $s/nginx.pid;
error_log $s/nginx-error.log info;
events { worker_connections 128; }
http {
  log_format e2e '\$msec \$remote_addr "\$request" \$status \$body_bytes_sent "\$http_user_agent"';
  access_log $s/access.log e2e;
  client_body_temp_path $s/tmp/body;
  proxy_temp_path $s/tmp/proxy;
  fastcgi_temp_path $s/tmp/fastcgi;
  uwsgi_temp_path $s/tmp/uwsgi;
  scgi_temp_path $s/tmp/scgi;
  default_type application/octet-stream;
  sendfile on;
  server { listen $E2E_SERVER_IP:80; root $root; }
}
EOF
	: >"$s/access.log"
	e2e_bg standin-dnsmasq ip netns exec "$E2E_NS_SRV" dnsmasq --keep-in-foreground \
	    --log-facility=- --conf-file="$s/dnsmasq.conf"
	E2E_SERVER_PIDS=$E2E_PID
	e2e_bg standin-nginx ip netns exec "$E2E_NS_SRV" nginx -c "$s/nginx.conf" -p "$s/tmp/"
	E2E_SERVER_PIDS="$E2E_SERVER_PIDS $E2E_PID"
	wait_for 10 e2e_listening "$E2E_NS_SRV" udp 69 &&
	wait_for 10 e2e_listening "$E2E_NS_SRV" tcp 80 ||
		fail "the stand-in did not start: $(tail -3 "$E2E_LOG/standin-dnsmasq.log" "$E2E_LOG/standin-nginx.log")"
	E2E_SERVER=standin
}

# e2e_server_stop: end the server side (suite or stand-in), keep the network.
e2e_server_stop() {
	local p
	for p in $E2E_SERVER_PIDS; do e2e_kill "$p"; done
	E2E_SERVER_PIDS=""
}

# ------------------------------------------------------------ the VM

# e2e_mac VARIANT: the fixed MAC of each firmware path (the router keeps
# giving it the same address).
e2e_mac() {
	case $1 in
	bios) echo 52:54:00:77:00:01 ;;
	uefi) echo 52:54:00:77:00:02 ;;
	uefi-http) echo 52:54:00:77:00:03 ;;
	uefi6) echo 52:54:00:77:00:06 ;;
	uefi-sb) echo 52:54:00:77:00:07 ;;
	uefi-sb-ipxe) echo 52:54:00:77:00:08 ;;
	uefi-sb-http) echo 52:54:00:77:00:09 ;;
	bios-pxe) echo 52:54:00:77:00:04 ;;
	*) fail "unknown variant $1" ;;
	esac
}

# e2e_vm_start VARIANT RUNNAME: tap, capture, QEMU with the firmware of
# VARIANT, serial console logger. Sets E2E_RUN, E2E_T0, E2E_QEMU_PID.
#   bios       SeaBIOS + QEMU's iPXE ROM: iPXE from the first DHCP, no TFTP
#   bios-pxe   the same ROM driven through its shell to act as a plain PXE
#              ROM: it fetches undionly.kpxe over TFTP, which chains iPXE
#   uefi       OVMF without option ROM: EDK2's own PXE (port 4011, TFTP)
#   uefi-http  OVMF without option ROM, PXE off: UEFI HTTP Boot
#   uefi6      OVMF without option ROM, PXEv4 off: EDK2's PXE over IPv6
#              (DHCPv6 with IA_NA, option 59 tftp://[..]/, TFTP over IPv6)
#   uefi-sb*   as uefi (uefi-sb-http: as uefi-http) on OVMF with Secure
#              Boot enforced: SMM, a secure flash, Microsoft's keys
e2e_vm_start() {
	local v=$1 mac accel cpu rom="" qemu_args machine=q35
	local code=$OVMF_CODE vars=$OVMF_VARS
	mac=$(e2e_mac "$v")
	E2E_RUN=$E2E_LOG/$2
	mkdir -p "$E2E_RUN"
	ip -n "$E2E_NS_SW" link del vmtap 2>/dev/null
	# the tap exists before QEMU, so the firmware's first frames are not lost
	ip -n "$E2E_NS_SW" tuntap add dev vmtap mode tap &&
	ip -n "$E2E_NS_SW" link set vmtap master br0 up || fail "cannot create the tap"
	E2E_PCAP_PID=""
	if [ "$E2E_PCAP" = 1 ]; then
		# small frames only: every DHCP, TFTP and HTTP request, not the bulk data
		e2e_bg "$2-tcpdump" ip netns exec "$E2E_NS_SW" tcpdump -i br0 -n -U \
		    -w "$E2E_RUN/capture.pcap" 'not (tcp and greater 700)'
		E2E_PCAP_PID=$E2E_PID
		wait_for 5 grep -q 'listening on' "$E2E_LOG/$2-tcpdump.log"
	fi
	accel=$(e2e_accel)
	if [ "$accel" = kvm ]; then cpu=host; else cpu=max accel=tcg,thread=multi; fi
	printf '\370\003' >"$E2E_RUN/sercon-port"	# SeaBIOS console on 0x3f8
	case $v in
	uefi-sb*)
		# EDK2's SMM variable store: only SMM code may write the keys
		machine="q35,smm=on -global driver=cfi.pflash01,property=secure,value=on"
		code=$OVMF_SB_CODE vars=$OVMF_SB_VARS ;;
	esac
	qemu_args="-name e2e-$v -machine $machine -accel $accel -cpu $cpu -smp $E2E_SMP -m $E2E_MEM
	    -display none -vga none -no-user-config -nodefaults
	    -chardev socket,id=ser0,path=$E2E_RUN/serial.sock,server=on,wait=on,logfile=$E2E_RUN/serial.raw
	    -serial chardev:ser0 -monitor none
	    -netdev tap,id=n0,ifname=vmtap,script=no,downscript=no"
	# Debian's iPXE ROMs have PCI ID 1af4:1041 (virtio 1.0): without
	# disable-legacy=on the device is 1af4:1000 and SeaBIOS skips the ROM.
	case $v in
	bios|bios-pxe)
		qemu_args="$qemu_args
		    -device virtio-net-pci,disable-legacy=on,netdev=n0,mac=$mac,romfile=$E2E_BIOS_ROM
		    -fw_cfg name=etc/sercon-port,file=$E2E_RUN/sercon-port -boot order=n" ;;
	uefi|uefi-http|uefi6|uefi-sb*)
		cp "$vars" "$E2E_RUN/OVMF_VARS.fd"
		# no option ROM: OVMF's own VirtioNetDxe, PxeBcDxe and HttpBootDxe
		qemu_args="$qemu_args
		    -drive if=pflash,format=raw,unit=0,readonly=on,file=$code
		    -drive if=pflash,format=raw,unit=1,file=$E2E_RUN/OVMF_VARS.fd
		    -device virtio-net-pci,disable-legacy=on,netdev=n0,mac=$mac,romfile=,bootindex=1"
		# PXEv6 is slow to give up: only the uefi6 case wants it
		if [ "$v" = uefi6 ]; then
			qemu_args="$qemu_args
			    -fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=no
			    -fw_cfg name=opt/org.tianocore/IPv6Support,string=yes
			    -fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=yes"
		else
			qemu_args="$qemu_args
			    -fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=no"
		fi
		# HTTP Boot: no PXE boot options, so "UEFI HTTPv4" comes first
		case $v in uefi-http|uefi-sb-http) qemu_args="$qemu_args
		    -fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=no
		    -fw_cfg name=opt/org.tianocore/IPv6Support,string=no" ;;
		esac ;;
	esac
	echo "ip netns exec $E2E_NS_SW qemu-system-x86_64 $qemu_args" | tr -s ' \t\n' ' ' >"$E2E_RUN/cmdline.txt"
	E2E_T0=$(date +%s.%N)
	echo "$E2E_T0" >"$E2E_RUN/t0"
	# shellcheck disable=SC2086
	e2e_bg "$2-qemu" ip netns exec "$E2E_NS_SW" qemu-system-x86_64 $qemu_args
	E2E_QEMU_PID=$E2E_PID
	if [ "$v" = bios-pxe ]; then
		e2e_bios_pxe_console "$2"
	else
		e2e_bg "$2-console" python3 "$E2E_DIR/console.py" --socket "$E2E_RUN/serial.sock" \
		    --log "$E2E_RUN/serial.log" --t0 "$E2E_T0"
	fi
	E2E_CONSOLE_PID=$E2E_PID
	note "$v: QEMU pid $E2E_QEMU_PID ($accel), MAC $mac, serial log $E2E_RUN/serial.log"
}

# e2e_bios_pxe_console RUN: make QEMU's iPXE ROM act as a plain BIOS PXE ROM.
# Its user class is changed so that it does not say "iPXE", the proxy's
# answer is taken (next-server), and the BIOS boot loader is fetched over
# TFTP and run, as a PXE ROM does; the user class is cleared first, because
# iPXE hands the loader a cached DHCP packet built from its settings. The
# ROM still sends option 175, by which our pxedhcpd rightly recognises
# iPXE and offers boot.ipxe, so the file name is the configured BIOS
# loader (setting bootloader.0) rather than the offered one; the stand-in
# (dnsmasq, which looks at option 77 only) answers with its PXE menu,
# hence the boot server discovery (pxebs) of the recipe.
e2e_bios_pxe_console() {
	local nbp=undionly.kpxe
	if [ "$E2E_SERVER" = suite ]; then
		nbp=$($BC settings get bootloader.0 2>/dev/null | awk '{print $NF}' | tail -1)
		[ -n "$nbp" ] || nbp=undionly.kpxe
		e2e_bg "$1-console" python3 "$E2E_DIR/console.py" --socket "$E2E_RUN/serial.sock" \
		    --log "$E2E_RUN/serial.log" --t0 "$E2E_T0" \
		    --expect 'Press Ctrl-B for the iPXE command line' --send '\x02' \
		    --expect 'iPXE>' --send 'set user-class PXE-BIOS-EMU && dhcp net0\r' \
		    --expect 'iPXE>' --send 'clear user-class\r' \
		    --expect 'iPXE>' --send "chain tftp://\${proxydhcp/next-server}/$nbp\\r"
	else
		e2e_bg "$1-console" python3 "$E2E_DIR/console.py" --socket "$E2E_RUN/serial.sock" \
		    --log "$E2E_RUN/serial.log" --t0 "$E2E_T0" \
		    --expect 'Press Ctrl-B for the iPXE command line' --send '\x02' \
		    --expect 'iPXE>' --send 'set user-class PXE-BIOS-EMU && dhcp net0\r' \
		    --expect 'iPXE>' --send 'isset ${proxydhcp/filename} || pxebs net0 128\r' \
		    --expect 'iPXE>' --send 'clear user-class\r' \
		    --expect 'iPXE>' --send 'isset ${pxebs/filename} && chain tftp://${pxebs/next-server}/${pxebs/filename}\r' \
		    --expect 'iPXE>' --send 'chain tftp://${proxydhcp/next-server}/${proxydhcp/filename}\r'
	fi
}

# e2e_vm_stop: end the VM, its console and capture; remove the tap.
e2e_vm_stop() {
	e2e_kill "$E2E_QEMU_PID"
	e2e_kill "$E2E_CONSOLE_PID"
	[ -n "$E2E_PCAP_PID" ] && e2e_kill "$E2E_PCAP_PID" INT
	E2E_QEMU_PID="" E2E_CONSOLE_PID="" E2E_PCAP_PID=""
	ip -n "$E2E_NS_SW" link del vmtap 2>/dev/null
	return 0
}

# What a VM prints when its boot gave up (iPXE's autoboot, SeaBIOS, OVMF's
# shell or its setup menu, shown once every boot option failed): no need
# to wait for the timeout.
E2E_STUCK='No more network devices|No bootable device|No bootable option or device was found|UEFI Interactive Shell|Shell> |Boot Maintenance Manager'

# e2e_wait TIMEOUT CMD...: until CMD succeeds (0), the VM dies (2), its
# firmware gives up (3) or TIMEOUT seconds pass since VM start (1).
# E2E_WAITED = seconds waited.
e2e_wait() {
	local limit=$1; shift
	while :; do
		E2E_WAITED=$(e2e_elapsed "$E2E_T0")
		"$@" >/dev/null 2>&1 && return 0
		e2e_alive "$E2E_QEMU_PID" || return 2
		grep -Eq "$E2E_STUCK" "$E2E_RUN/serial.log" 2>/dev/null && return 3
		awk -v e="$E2E_WAITED" -v l="$limit" 'BEGIN { exit !(e >= l) }' && return 1
		sleep 1
	done
}

# e2e_serial_tail: the last lines the VM printed, for failure messages.
e2e_serial_tail() {
	echo "--- last serial lines ($E2E_RUN/serial.log) ---"
	tail -n "${1:-15}" "$E2E_RUN/serial.log" 2>/dev/null | cut -c1-160
}

# e2e_serial_marks: when (seconds after VM start, from the serial log) the
# firmware's chain reached iPXE's boot.ipxe, had the initrd, and Linux ran:
# the part of a boot the servers decide ("-" when not reached).
e2e_serial_marks() {
	awk '
	function t() { return substr($0, 2, 8) + 0 }
	/boot\.ipxe\.\.\. ok/ { b = t() }
	/initrd\.gz\.\.\..*ok/ && i == "" { i = t() }
	/Linux version/ && k == "" { k = t() }
	END { printf "boot.ipxe %s initrd %s linux %s\n", b == "" ? "-" : b, i == "" ? "-" : i, k == "" ? "-" : k }
	' "$E2E_RUN/serial.log" 2>/dev/null
}

# e2e_wire_http MAC: the HTTP requests the VM sent, from the capture
# ("seconds-since-VM-start METHOD URI user-agent"); empty without tshark.
e2e_wire_http() {
	[ -s "$E2E_RUN/capture.pcap" ] && command -v tshark >/dev/null 2>&1 || return 0
	tshark -n -r "$E2E_RUN/capture.pcap" -Y "http.request && eth.src == $1" -T fields \
	    -E separator=' ' -e frame.time_epoch -e http.request.method -e http.request.uri \
	    -e http.user_agent 2>/dev/null |
	awk -v t0="$E2E_T0" '{ $1 = sprintf("%+.2fs", $1 - t0); print }'
}

# ------------------------------------------------------------ one boot

# e2e_standin_fetched N: the stand-in's access log has more than N preseed GETs.
e2e_standin_fetched() {
	[ "$(grep -c 'GET /preseed.cfg' "$E2E_LOG/standin/access.log")" -gt "$1" ]
}

# e2e_boot_standin VARIANT: boot VARIANT from the stand-in until the
# installer fetches the preseed. E2E_TIME = seconds from VM start to that GET.
e2e_boot_standin() {
	local v=$1 n rc
	n=$(grep -c 'GET /preseed.cfg' "$E2E_LOG/standin/access.log")
	e2e_vm_start "$v" "standin-$v"
	e2e_wait "$E2E_TIMEOUT" e2e_standin_fetched "$n"; rc=$?
	E2E_TIME=""
	[ $rc = 0 ] && E2E_TIME=$(grep 'GET /preseed.cfg' "$E2E_LOG/standin/access.log" |
	    tail -1 | awk -v t0="$E2E_T0" '{ printf "%.1f", $1 - t0 }')
	e2e_vm_stop
	case $rc in
	0) note "standin $v: preseed fetched ${E2E_TIME}s after VM start" ;;
	1|3) note "standin $v: no preseed fetch within ${E2E_WAITED}s"; e2e_serial_tail ;;
	2) note "standin $v: QEMU exited: $(tail -3 "$E2E_LOG/standin-$v-qemu.log")" ;;
	esac
	return $rc
}

# e2e_suite_fetched MAC: the timeline shows the preseed fetched after VM start.
e2e_suite_fetched() {
	$BC client timeline "$1" --json 2>/dev/null | python3 "$E2E_DIR/e2e.py" fetched "$E2E_T0"
}

# e2e_lease_watch MAC OUT: poll `bootctl lease list` (--json if it has it)
# every 0.25 s, for at most E2E_TIMEOUT s, and keep in OUT the first listing
# that names MAC. EDK2 releases its DHCPv6 lease just before it starts the
# loader (about 2 s after the REPLY here), so the lease shows only during
# the boot.
e2e_lease_watch() {
	local n=$((E2E_TIMEOUT * 4)) fmt=--json rc
	while [ $n -gt 0 ]; do
		$BC lease list $fmt >"$2.tmp" 2>&1; rc=$?
		if [ $rc = 0 ] && grep -qi "$1" "$2.tmp"; then
			mv "$2.tmp" "$2"
			return 0
		fi
		[ $rc = 2 ] && fmt=""		# a usage error: the text form then
		sleep 0.25; n=$((n - 1))
	done
	return 1
}

# e2e_wire_tftp6 MAC: the TFTP read requests the VM sent over IPv6, from
# the capture ("seconds-since-VM-start source-address file"); empty without tshark.
e2e_wire_tftp6() {
	[ -s "$E2E_RUN/capture.pcap" ] && command -v tshark >/dev/null 2>&1 || return 0
	tshark -n -r "$E2E_RUN/capture.pcap" -Y "tftp.opcode == 1 && ipv6 && eth.src == $1" \
	    -T fields -E separator=' ' -e frame.time_epoch -e ipv6.src -e tftp.source_file 2>/dev/null |
	awk -v t0="$E2E_T0" '{ $1 = sprintf("%+.2fs", $1 - t0); print }'
}

# e2e_check_v6 MAC: after a uefi6 boot: pxedhcpd leased an address of the
# pool by DHCPv6 (ADVERTISE, REPLY), tftpd sent the loader to that address,
# the lease was in `bootctl lease list` during the boot, EDK2's RELEASE was
# answered, and on the wire the loader was asked for over IPv6.
e2e_check_v6() {
	local mac=$1 dir=$E2E_LOG/suite-uefi6 addr
	if ! addr=$(python3 "$E2E_DIR/e2e.py" v6 "$E2E_POOL6" <"$dir/timeline.json" 2>&1); then
		echo "FAIL suite uefi6: $addr"
		return 1
	fi
	note "uefi6: pxedhcpd leased $addr to $mac by DHCPv6; tftpd sent the loader to $addr"
	if [ ! -s "$E2E_RUN/leases" ]; then
		echo "FAIL suite uefi6: bootctl lease list never named $mac during the boot: $(cat "$E2E_RUN/leases.tmp" 2>/dev/null)"
		return 1
	fi
	sed 's/^/#   lease list: /' "$E2E_RUN/leases" | head -5
	python3 "$E2E_DIR/e2e.py" lease "$addr" "$mac" <"$E2E_RUN/leases" ||
		{ echo "FAIL suite uefi6: bootctl lease list named $mac but not with $addr"; return 1; }
	python3 "$E2E_DIR/e2e.py" released "$addr" <"$dir/timeline.json" ||
		{ echo "FAIL suite uefi6: no event of pxedhcpd answering EDK2's RELEASE of $addr"; return 1; }
	e2e_wire_tftp6 "$mac" >"$dir/wire-tftp6.txt"
	if command -v tshark >/dev/null 2>&1 && [ -s "$E2E_RUN/capture.pcap" ]; then
		sed 's/^/#   wire: TFTP RRQ /' "$dir/wire-tftp6.txt"
		grep -q " $addr .*\.efi" "$dir/wire-tftp6.txt" ||
			{ echo "FAIL suite uefi6: no TFTP read request over IPv6 from $addr on the wire"; return 1; }
	fi
	return 0
}

# e2e_boot_suite VARIANT: boot VARIANT from our daemons until the installer
# fetches its preseed from bootweb, then check the events and the timeline.
# E2E_TIME = seconds from VM start to the fetch (bootweb's event time).
# Returns 0 only if everything holds; says what failed.
e2e_boot_suite() {
	local v=$1 mac rc
	mac=$(e2e_mac "$v")
	$BC client show "$mac" >/dev/null 2>&1 || e2e_suite_client "$mac" "e2e-$v"
	e2e_vm_start "$v" "suite-$v"
	E2E_WATCH_PID=""
	if [ "$v" = uefi6 ]; then
		e2e_lease_watch "$mac" "$E2E_RUN/leases" >/dev/null 2>&1 8>&- &
		E2E_WATCH_PID=$!
		NB_PIDS="$NB_PIDS $E2E_WATCH_PID"
	fi
	e2e_wait "$E2E_TIMEOUT" e2e_suite_fetched "$mac"; rc=$?
	E2E_TIME=""
	if [ $rc = 0 ]; then
		E2E_TIME=$(e2e_suite_fetched "$mac")
		sleep 2		# the installer's early_command, and the last event flush
	fi
	e2e_vm_stop
	e2e_kill "$E2E_WATCH_PID"
	$BC client timeline "$mac" >"$E2E_LOG/suite-$v/timeline.txt" 2>&1
	$BC client timeline "$mac" --json >"$E2E_LOG/suite-$v/timeline.json" 2>&1
	e2e_wire_http "$mac" >"$E2E_LOG/suite-$v/wire-http.txt"
	case $rc in
	1|3) [ $rc = 1 ] && echo "FAIL suite $v: no preseed fetch from bootweb within ${E2E_TIMEOUT}s"
	   [ $rc = 3 ] && echo "FAIL suite $v: the firmware gave up after ${E2E_WAITED}s, no preseed fetch"
	   cat "$E2E_LOG/suite-$v/timeline.txt"
	   [ -s "$E2E_LOG/suite-$v/wire-http.txt" ] && sed 's/^/wire: /' "$E2E_LOG/suite-$v/wire-http.txt"
	   e2e_serial_tail; return 1 ;;
	2) echo "FAIL suite $v: QEMU exited: $(tail -3 "$E2E_LOG/suite-$v-qemu.log")"; return 1 ;;
	esac
	note "suite $v: preseed fetched ${E2E_TIME}s after VM start; bootctl client timeline $mac:"
	sed 's/^/#   /' "$E2E_LOG/suite-$v/timeline.txt"
	# the whole chain, in order, in the events table as the timeline shows it
	if ! python3 "$E2E_DIR/e2e.py" chain "$v" <"$E2E_LOG/suite-$v/timeline.json" \
	    >"$T/chain.out" 2>&1; then
		echo "FAIL suite $v: $(cat "$T/chain.out")"
		$BC events list --json 2>/dev/null | python3 "$E2E_DIR/e2e.py" orphans "$mac"
		return 1
	fi
	# the text form names every step too
	for k in dhcp-offer http-boot-ipxe http-script http-kernel http-initrd http-unattended; do
		grep -q "$k" "$E2E_LOG/suite-$v/timeline.txt" ||
			{ echo "FAIL suite $v: the timeline text lacks $k"; return 1; }
	done
	# and on the wire: the installer itself asked bootweb for its preseed
	if [ -s "$E2E_LOG/suite-$v/wire-http.txt" ]; then
		sed 's/^/#   wire: /' "$E2E_LOG/suite-$v/wire-http.txt"
		# under the token URL of its script: /t/ + the MAC's hex, expiry and tag
		grep -q "GET /t/$(echo "$mac" | tr -d :)[0-9a-f]\{40\}/.*debian-installer" \
		    "$E2E_LOG/suite-$v/wire-http.txt" ||
			{ echo "FAIL suite $v: no GET /t/TOKEN/ by the installer on the wire"; return 1; }
	fi
	[ "$v" = uefi6 ] && { e2e_check_v6 "$mac" || return 1; }
	return 0
}

# e2e_case VARIANT: one test case: the network, our suite prepared with
# bootctl alone, one boot of VARIANT, every check. Exit code as automake wants.
e2e_case() {
	local rc
	e2e_require
	for f in "$PXEDHCPD" "$TFTPD" "$BOOTWEB" "$BOOTCTL"; do
		[ -x "$f" ] || fail "$f is not built"
	done
	e2e_lock
	at_exit "e2e_save_logs $1"
	e2e_net_up
	e2e_suite_prepare
	e2e_suite_start
	e2e_boot_suite "$1"; rc=$?
	[ $rc = 0 ] && echo "PASS $1: VM start -> preseed fetch ${E2E_TIME}s; $(e2e_serial_marks) ($(e2e_accel), load $(cut -d' ' -f1 /proc/loadavg))"
	return $rc
}
