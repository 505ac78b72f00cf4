#!/bin/sh
# callgrind-pxedhcpd.sh: instructions executed per answered DISCOVER by
# pxedhcpd (recording every client and decision, all threads counted) and
# by dnsmasq in proxy mode, under valgrind --tool=callgrind. Unlike rates
# on a shared machine, instruction counts repeat from run to run.
# Each daemon runs twice, for N1 and N2 DISCOVERs with distinct MACs sent
# at a low RATE by tests/helpers/pxedhcpd-load; the difference of the two totals
# divided by the difference of the answers is the cost of one answered
# DISCOVER, start-up and shutdown cancelled out. A namespace pair joined
# by a veth, as in tools/bench-pxedhcpd.sh; bounded; not part of make check.
# clients.max_discovered is set to CAP: by default above N2, so that the
# figure is that of answering and recording a DISCOVER; CAP=10000 (the
# setting's default) makes the N2 run evict N2 - 10000 clients as well,
# the price of the cap under a flood of new MACs.
#
#   top_srcdir=... top_builddir=... sh tools/callgrind-pxedhcpd.sh
#   env: N1 (default 2000), N2 (default 22000), RATE (default 400/s),
#        CAP (default 10000000),
#        PXEDHCPD (default: the one of top_builddir),
#        DAEMONS (default "pxedhcpd dnsmasq"), KEEP=1 keeps the callgrind
#        files and prints the top functions of the N2 runs.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
N1=${N1:-2000}
N2=${N2:-22000}
RATE=${RATE:-400}
CAP=${CAP:-10000000}
DAEMONS=${DAEMONS:-pxedhcpd dnsmasq}
LOAD=$top_builddir/tests/helpers/pxedhcpd-load
PXEDHCPD=${PXEDHCPD:-$top_builddir/pxedhcpd/pxedhcpd}
BOOTCTL=$top_builddir/bootctl/bootctl

[ "$(id -u)" = 0 ] || { echo "callgrind-pxedhcpd: needs root (network namespaces)"; exit 77; }
for c in valgrind callgrind_annotate dnsmasq sqlite3; do
	command -v $c >/dev/null || { echo "callgrind-pxedhcpd: $c is not installed"; exit 77; }
done
make -C "$top_builddir" -s pxedhcpd/pxedhcpd bootctl/bootctl \
    tests/helpers/pxedhcpd-load 2>&1 |
	grep -v "modifier ignored"
[ -x "$LOAD" ] && [ -x "$PXEDHCPD" ] || exit 1

T=$(mktemp -d /tmp/nbcgd.XXXXXXXX)
chmod 755 "$T"
mkdir "$T/out" && chown nobody: "$T/out"	# the daemons write it after dropping root
SRV=nbc$$-srv
CLI=nbc$$-cli
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && sleep 1 && kill -9 "$PID" 2>/dev/null
	ip netns delete "$SRV" 2>/dev/null
	ip netns delete "$CLI" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$SRV" && ip netns add "$CLI" || exit 1
ip -n "$SRV" link add srv0 type veth peer name cli0 netns "$CLI" || exit 1
ip -n "$SRV" addr add 10.77.0.2/24 dev srv0
ip -n "$CLI" addr add 10.77.0.50/24 dev cli0
for ns in "$SRV" "$CLI"; do
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
done
ip -n "$SRV" link set srv0 up
ip -n "$CLI" link set cli0 up
printf 'database = %s\nuser = nobody\n' "$T/netboot.db" >"$T/netboot.conf"

# Fair scheduling: the loop thread is not held up behind the writer thread
# for long (valgrind runs one thread at a time), so no request goes stale.
VG="valgrind --tool=callgrind --vgdb=no --fair-sched=yes"
start() {
	rm -f "$T"/netboot.db*
	# valgrind creates its output file as root; the daemon writes it as nobody.
	: >"$T/out/cg.$1" && chown nobody: "$T/out/cg.$1"
	case $1 in
	pxedhcpd)
		"$BOOTCTL" -D "$T/netboot.db" db init >/dev/null &&
		    "$BOOTCTL" -D "$T/netboot.db" settings set \
		    clients.max_discovered "$CAP" >/dev/null || exit 1
		chown nobody: "$T"/netboot.db*
		chown nobody: "$T"
		ip netns exec "$SRV" $VG --callgrind-out-file="$T/out/cg.$1" \
		    "$PXEDHCPD" -d -f "$T/netboot.conf" >"$T/$1.log" 2>&1 &
		;;
	dnsmasq)
		# The same reply as pxedhcpd's (see tools/bench-pxedhcpd.sh).
		ip netns exec "$SRV" $VG --callgrind-out-file="$T/out/cg.$1" \
		    dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
		    --user=nobody --group=nogroup --interface=srv0 --bind-interfaces \
		    --dhcp-range=10.77.0.0,proxy,255.255.255.0 --dhcp-leasefile="$T/out/leases" \
		    --dhcp-userclass=set:never,NEVER-MATCHES --pxe-service=tag:never,x86PC,x,undionly \
		    --dhcp-boot=undionly.kpxe,,10.77.0.2 --pid-file= >"$T/$1.log" 2>&1 &
		;;
	esac
	PID=$!
	for _ in $(seq 120); do
		ip netns exec "$SRV" ss -Hlun | grep -q ':67 ' && return 0
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.25
	done
	echo "callgrind-pxedhcpd: $1 did not start" >&2; cat "$T/$1.log" >&2; exit 1
}
stop() {
	kill "$PID"
	for _ in $(seq 240); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.25
	done
	kill -9 "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
}
# run DAEMON N RUN: "instructions answered" of a whole run that was sent N DISCOVERs.
run() {
	local ans ir
	start "$1"
	ip netns exec "$CLI" "$LOAD" -i cli0 -n "$2" -t $(($2 / RATE + 10)) -r "$3" "$RATE" \
	    >"$T/load.txt" || { echo "callgrind-pxedhcpd: load generator failed" >&2; exit 1; }
	ans=$(awk '{ print $6 }' "$T/load.txt")
	sleep 1		# the recorder's last tick
	stop
	ir=$(callgrind_annotate "$T/out/cg.$1" 2>/dev/null |
	    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
	[ -n "$ir" ] || { echo "callgrind-pxedhcpd: no profile of $1" >&2; tail -5 "$T/$1.log" >&2; exit 1; }
	[ "${KEEP:-0}" = 1 ] && cp "$T/out/cg.$1" "$T/cg.$1.$2"
	echo "$ir $ans"
}

echo "# pxedhcpd: clients.max_discovered $CAP"
printf '%-10s %8s %14s %14s\n' daemon answered instructions Ir/DISCOVER
r=1
for d in $DAEMONS; do
	a=$(run "$d" "$N1" $r) && b=$(run "$d" "$N2" $((r + 1))) || exit 1
	r=$((r + 2))
	echo "$a $b" | awk -v d="$d" -v n1="$N1" -v n2="$N2" '{
		if ($2 < n1 * 0.99 || $4 < n2 * 0.99)
			printf "%s: only %d of %d and %d of %d answered\n", d, $2, n1, $4, n2
		printf "%-10s %8d %14.0f %14.0f\n", d, $4 - $2, $3 - $1, ($3 - $1) / ($4 - $2) }'
	if [ "${KEEP:-0}" = 1 ]; then
		callgrind_annotate --inclusive=no "$T/cg.$d.$N2" 2>/dev/null | sed -n '1,60p' \
		    >"$T/top.$d.txt"
		echo "top functions of $d: $T/top.$d.txt"
	fi
done
