#!/bin/sh
# bench-pxedhcpd.sh: proxyDHCP throughput and latency, pxedhcpd (recording
# clients and events in its database) side by side with dnsmasq in proxy mode,
# in one run. A namespace pair joined by a veth: the server side runs one
# daemon at a time, the client side tests/helpers/pxedhcpd-load, which sends
# BIOS PXE DISCOVERs with distinct MACs at rising rates for BENCH_SECS each
# and matches the OFFERs. At each rate dnsmasq and pxedhcpd take turns.
# Sustained rate = the best answered/s of a rate answered at >= 99 %; peak =
# the best answered/s; p99 = the 99th percentile of DISCOVER-to-OFFER time.
# Bounded: every step stops by itself; everything started is killed by PID.
#
#   top_srcdir=... top_builddir=... sh tools/bench-pxedhcpd.sh
#   env: BENCH_RATES (default "10000 20000 40000 80000 120000 160000 200000"),
#        BENCH_SECS (default 3)
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
RATES=${BENCH_RATES:-10000 20000 40000 80000 120000 160000 200000}
SECS=${BENCH_SECS:-3}
LOAD=$top_builddir/tests/helpers/pxedhcpd-load
PXEDHCPD=$top_builddir/pxedhcpd/pxedhcpd
BOOTCTL=$top_builddir/bootctl/bootctl

[ "$(id -u)" = 0 ] || { echo "bench-pxedhcpd: needs root (network namespaces)"; exit 77; }
command -v dnsmasq >/dev/null || { echo "bench-pxedhcpd: dnsmasq is not installed"; exit 77; }
make -C "$top_builddir" -s pxedhcpd/pxedhcpd bootctl/bootctl \
    tests/helpers/pxedhcpd-load 2>&1 |
	grep -v "modifier ignored"
[ -x "$LOAD" ] && [ -x "$PXEDHCPD" ] || exit 1

T=$(mktemp -d /tmp/nbbench.XXXXXXXX)
chmod 755 "$T"
SRV=nbb$$-srv
CLI=nbb$$-cli
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && sleep 0.5 && kill -9 "$PID" 2>/dev/null
	ip netns delete "$SRV" 2>/dev/null
	ip netns delete "$CLI" 2>/dev/null
	rm -rf "$T"
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

listening() { ip netns exec "$SRV" ss -Hlun | grep -q ':67 '; }
waitlisten() {
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		listening && return 0
		sleep 0.25
	done
	echo "bench-pxedhcpd: $1 did not start"; cat "$T/$1.log"; exit 1
}
stop() {
	kill "$PID"
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.25
	done
	kill -9 "$PID" 2>/dev/null
	PID=
}
# dnsmasq answers in proxy mode only with a pxe-service line; this one never
# matches, so dhcp-boot gives the same reply as pxedhcpd's: file, siaddr, 43.6=8.
start_dnsmasq() {
	ip netns exec "$SRV" dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
	    --user=nobody --group=nogroup --interface=srv0 --bind-interfaces \
	    --dhcp-range=10.77.0.0,proxy,255.255.255.0 --dhcp-leasefile="$T/leases" \
	    --dhcp-userclass=set:never,NEVER-MATCHES --pxe-service=tag:never,x86PC,x,undionly \
	    --dhcp-boot=undionly.kpxe,,10.77.0.2 --pid-file= >"$T/dnsmasq.log" 2>&1 &
	PID=$!
	waitlisten dnsmasq
}
# pxedhcpd with a fresh database each step, so every step records from zero.
start_pxedhcpd() {
	rm -f "$T"/netboot.db*
	"$BOOTCTL" -D "$T/netboot.db" db init >/dev/null || exit 1
	chown -R nobody: "$T"
	ip netns exec "$SRV" "$PXEDHCPD" -d -f "$T/netboot.conf" >"$T/pxedhcpd.log" 2>&1 &
	PID=$!
	waitlisten pxedhcpd
}
printf 'database = %s\nuser = nobody\n' "$T/netboot.db" >"$T/netboot.conf"
: >"$T/dnsmasq.txt"
: >"$T/pxedhcpd.txt"
: >"$T/recorded.txt"

# cputicks: user + system time of the running daemon (all threads), in clock ticks.
cputicks() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }
# step NAME RUN RATE: one load step against the running daemon, plus its CPU time
# per answered DISCOVER (robust to other load on the machine, unlike the rates).
step() {
	local c0 c1
	c0=$(cputicks)
	ip netns exec "$CLI" "$LOAD" -i cli0 -t "$SECS" -r "$2" "$3" >"$T/step.txt"
	c1=$(cputicks)
	awk -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" \
	    '{ printf "%s cpu_us_per_answer %.1f\n", $0, $6 ? c * 1e6 / hz / $6 : 0 }' \
	    "$T/step.txt" | tee -a "$T/$1.txt"
}

# The two daemons take turns at each rate, so that a burst of other load on
# the machine hurts both rather than one.
echo "dnsmasq $(dnsmasq --version | head -n 1 | awk '{print $3}') (proxy mode, no log-dhcp) vs pxedhcpd (recording every client and decision)"
run=1
for rate in $RATES; do
	start_dnsmasq
	printf 'dnsmasq   ' && step dnsmasq "$run" "$rate"
	stop
	run=$((run + 1))
	start_pxedhcpd
	printf 'pxedhcpd  ' && step pxedhcpd "$run" "$rate"
	stop
	run=$((run + 1))
	n=$(sqlite3 "$T/netboot.db" "SELECT (SELECT count(*) FROM clients) || ' clients, ' || (SELECT count(*) FROM events) || ' events'")
	a=$(sed -n 's/.*answered \([0-9]*\), ignored.*/\1/p' "$T/pxedhcpd.log")
	dr=$(sed -n 's/.*, \(stale [0-9]*\), \(unsent [0-9]*\)$/dropped \1, \2/p' "$T/pxedhcpd.log")
	echo "          pxedhcpd answered $a and recorded $n${dr:+; $dr}"
	echo "$a $n" >>"$T/recorded.txt"
done

# sustained FILE: the highest rate answered at >= 99 %, and its answered/s.
sustained() { awk '$7 ~ /%/ { p = $7; gsub(/[(%)]/, "", p); if (p + 0 >= 99 && $11 > best) best = $11 } END { print best + 0 }' "$1"; }
p99at() { awk -v r="$2" '$2 == r { print $15 " us (" substr($7, 2, length($7) - 2) " answered)" }' "$1"; }
d=$(sustained "$T/dnsmasq.txt")
p=$(sustained "$T/pxedhcpd.txt")
echo
peak() { awk '$11 > best { best = $11 } END { print best + 0 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
# summ ROW...: a row of make bench's table (tools/bench.sh), if it runs us.
summ() {
	[ -z "${BENCH_SUMMARY:-}" ] ||
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"
}
echo "sustained answered/s (>= 99 % answered): dnsmasq $d, pxedhcpd $p, ratio $(ratio "$p" "$d")"
summ pxedhcpd "sustained answered/s (dnsmasq)" "$p" "$d" "$(ratio "$p" "$d")" \
    high ""
pd=$(peak "$T/dnsmasq.txt")
pp=$(peak "$T/pxedhcpd.txt")
echo "peak answered/s: dnsmasq $pd, pxedhcpd $pp, ratio $(ratio "$pp" "$pd")"
summ pxedhcpd "peak answered/s (dnsmasq)" "$pp" "$pd" "$(ratio "$pp" "$pd")" \
    high ""
cpu() { awk '{ p = $7; gsub(/[(%)]/, "", p) } p + 0 >= 90 { s += $17; n++ } END { printf "%.1f", n ? s / n : 0 }' "$1"; }
echo "CPU per answered DISCOVER (steps answered >= 90 %): dnsmasq $(cpu "$T/dnsmasq.txt") us, pxedhcpd $(cpu "$T/pxedhcpd.txt") us (recording included)"
# (no step answered >= 90 %: no CPU figure, no ratio)
c=$(cpu "$T/pxedhcpd.txt") cd=$(cpu "$T/dnsmasq.txt")
summ pxedhcpd "CPU us per DISCOVER (dnsmasq)" "$c" "$cd" "$(awk -v a="$c" \
    -v b="$cd" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b
	else print "-" }')" low ""
for r in 20000 40000; do
	echo "p99 latency at $r/s: dnsmasq $(p99at "$T/dnsmasq.txt" $r), pxedhcpd $(p99at "$T/pxedhcpd.txt" $r)"
done
