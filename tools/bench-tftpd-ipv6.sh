#!/bin/sh
# tools/bench-tftpd-ipv6.sh [BUILDDIR]: one 64 MiB file over IPv6 loopback
# and over IPv4 loopback from the same tftpd (its default dual-stack socket
# on ::), side by side with tftpd-hpa (in.tftpd) on [::1] and on 127.0.0.1,
# in a private network namespace (its loopback only). Not part of make
# check; run as root from a configured build directory. atftp fetches at
# blksize 1468 in lockstep and with windowsize 16; ROUNDS (default 3) rounds,
# the servers and families taking turns; prints the median MB/s of each and
# the ratios IPv6/IPv4 (ours and tftpd-hpa's) and ours/tftpd-hpa over IPv6.
set -u
B=$(cd "${1:-.}" && pwd)
ROUNDS=${ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "bench-tftpd-ipv6: run as root (namespaces)" >&2; exit 1; }
for c in atftp in.tftpd; do
	command -v $c >/dev/null || { echo "bench-tftpd-ipv6: $c missing (tools/deps/tftpd.txt)" >&2; exit 1; }
done
make -C "$B" -s tftpd/tftpd || exit 1

W=$(mktemp -d /tmp/bench-tftpd6.XXXXXX)
chmod 755 "$W"
NS=benchtftp6$$
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.3
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	ip netns delete "$NS" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
# in.tftpd resolves its address with AI_ADDRCONFIG, which wants an address
# of the family besides loopback: a veth pair inside the namespace has both.
ip -n "$NS" link add bt0 type veth peer name bt1 && ip -n "$NS" addr add 10.211.0.1/24 dev bt0 &&
    ip -n "$NS" addr add fd81::1/64 dev bt0 nodad &&
    ip -n "$NS" link set bt0 up && ip -n "$NS" link set bt1 up || exit 1
nsx() { ip netns exec "$NS" "$@"; }
mkdir "$W/root" "$W/out"
head -c 67108864 /dev/urandom >"$W/root/64m"
chmod -R a+rX "$W/root"
chown nobody: "$W"
printf 'database = %s/netboot.db\nuser = nobody\n' "$W" >"$W/netboot.conf"

# Not through nsx: $! must be the server (ip netns exec execs it), not a subshell.
ip netns exec "$NS" "$B/tftpd/tftpd" -d -f "$W/netboot.conf" -p 1069 "$W/root" \
    >"$W/tftpd.log" 2>&1 &
PIDS="$PIDS $!"
# tftpd-hpa: one listener per family (-L stays in the foreground).
ip netns exec "$NS" in.tftpd -L -a '[::1]:2069' -u nobody -s "$W/root" >/dev/null 2>&1 &
PIDS="$PIDS $!"
ip netns exec "$NS" in.tftpd -L -a 127.0.0.1:2070 -u nobody -s "$W/root" >/dev/null 2>&1 &
PIDS="$PIDS $!"
sleep 1
for p in 1069 2069 2070; do
	nsx ss -uln | grep -q ":$p " || { echo "bench-tftpd-ipv6: nothing on port $p" >&2; exit 1; }
done

# run NAME HOST PORT OPTS...: one fetch, its MB/s on stdout (0 if it failed).
run() {
	local name=$1 host=$2 port=$3 t0 t1; shift 3
	rm -f "$W/out/f"
	t0=$(date +%s.%N)
	nsx timeout 60 atftp "$@" -g -r 64m -l "$W/out/f" "$host" "$port" >/dev/null 2>&1
	t1=$(date +%s.%N)
	if cmp -s "$W/root/64m" "$W/out/f"; then
		echo "$t0 $t1" | awk '{ printf "%.1f\n", 67108864 / ($2 - $1) / 1e6 }'
	else
		echo "bench-tftpd-ipv6: $name $host failed" >&2
		echo 0
	fi
}

: >"$W/results"
for r in $(seq "$ROUNDS"); do
	for mode in lockstep window16; do
		if [ $mode = lockstep ]; then set -- --option "blksize 1468"
		else set -- --option "blksize 1468" --option "windowsize 16"; fi
		echo "$mode tftpd-v6 $(run tftpd ::1 1069 "$@")" >>"$W/results"
		echo "$mode tftpd-v4 $(run tftpd 127.0.0.1 1069 "$@")" >>"$W/results"
		echo "$mode hpa-v6 $(run hpa ::1 2069 "$@")" >>"$W/results"
		echo "$mode hpa-v4 $(run hpa 127.0.0.1 2070 "$@")" >>"$W/results"
	done
done
grep -q ffff "$W/tftpd.log" && echo "bench-tftpd-ipv6: an IPv4-mapped address in tftpd's log" >&2

# Medians per mode and server, then the ratios.
sort -k1,1 -k2,2 -k3,3n "$W/results" |
    awk -v R="$ROUNDS" -v sum="${BENCH_SUMMARY:-}" '
{ k = $1 " " $2; v[k, ++n[k]] = $3 }
END {
	split("lockstep window16", ms, " ")
	printf "64 MiB, atftp blksize 1468, MB/s (median of %d)\n", R
	printf "%-9s %9s %9s %9s %9s %10s %10s %12s\n", "mode", "tftpd-v6", "tftpd-v4", "hpa-v6",
	    "hpa-v4", "ours v6/v4", "hpa v6/v4", "v6 ours/hpa"
	for (i = 1; i <= 2; i++) {
		m = ms[i]
		split("tftpd-v6 tftpd-v4 hpa-v6 hpa-v4", ss, " ")
		for (j = 1; j <= 4; j++) {
			k = m " " ss[j]
			med[ss[j]] = v[k, int((n[k] + 1) / 2)]
		}
		r1 = med["tftpd-v4"] > 0 ? med["tftpd-v6"] / med["tftpd-v4"] : 0
		r2 = med["hpa-v4"] > 0 ? med["hpa-v6"] / med["hpa-v4"] : 0
		r3 = med["hpa-v6"] > 0 ? med["tftpd-v6"] / med["hpa-v6"] : 0
		printf "%-9s %9.1f %9.1f %9.1f %9.1f %10.2f %10.2f %12.2f\n", m, med["tftpd-v6"],
		    med["tftpd-v4"], med["hpa-v6"], med["hpa-v4"], r1, r2, r3
		# a row of the table of make bench (tools/bench.sh)
		if (sum != "")
			printf "tftpd-ipv6\t%s over IPv6, MB/s (tftpd-hpa)" \
			    "\t%.1f\t%.1f\t%.2f\thigh\t\n", m,
			    med["tftpd-v6"], med["hpa-v6"], r3 >>sum
	}
}'
