#!/bin/sh
# tools/bench-tftpd.sh [BUILDDIR]: tftpd side by side with tftpd-hpa
# (in.tftpd), atftpd and, for the storms, dnsmasq's TFTP server, in one
# run, in a private network namespace (its loopback only). Not part of make
# check; run as root from a configured build directory (default: the
# current one). ROUNDS (default 3) rounds of the whole transfer matrix; in
# each round the servers take turns at every test, so that the other load
# of a shared machine falls on all of them alike.
#
# Measures, per server: 64 MiB with atftp at blksize 512, 1468 and 8192
# (lockstep) and at blksize 1468 with windowsize 4, 16, 64; wall time, MB/s
# and server CPU time (user+system of the server and every child it forked,
# from a cpuacct cgroup per server: tftpd-hpa forks a child per transfer);
# the same through tools/udprelay delaying each packet by 200 us each way,
# as a LAN does; storms of 100 and 500 clients fetching 1 MiB at once (wall
# time, failures, peak RSS of the server and its children); Rss and Pss at
# idle (from /proc/PID/smaps_rollup), and tftpd's after its first transfer
# (when it has opened the database).
# Prints the median and the minimum over the rounds of each figure, and
# tftpd's as a ratio to the best incumbent's.
set -u
B=$(cd "${1:-.}" && pwd)
S=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "bench-tftpd: run as root (namespaces, privileged user switch)" >&2; exit 1; }
for c in atftp in.tftpd dnsmasq python3 bc; do
	command -v $c >/dev/null || { echo "bench-tftpd: $c missing (tools/deps/tftpd.txt)" >&2; exit 1; }
done
make -C "$B" -s tftpd/tftpd tools/udprelay tools/bench-tftpd-storm || exit 1

W=$(mktemp -d /tmp/bench-tftpd.XXXXXX)
chmod 755 "$W"
NS=benchtftp$$
CG=/sys/fs/cgroup/cpuacct/benchtftpd$$
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	ip netns delete "$NS" 2>/dev/null
	sleep 0.2
	for d in "$CG"/*; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	[ -d "$CG" ] && rmdir "$CG" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
# in.tftpd resolves its address with AI_ADDRCONFIG, which wants an IPv4
# address besides loopback: a veth pair inside the namespace gives one.
ip -n "$NS" link add bt0 type veth peer name bt1 && ip -n "$NS" addr add 10.211.0.1/24 dev bt0 &&
    ip -n "$NS" link set bt0 up && ip -n "$NS" link set bt1 up || exit 1
nsx() { ip netns exec "$NS" "$@"; }

# atftpd conflicts with tftpd-hpa in Debian: take its binary out of the package.
ATFTPD=$(command -v atftpd)
if [ -z "$ATFTPD" ]; then
	(cd "$W" && apt-get download -q atftpd >/dev/null 2>&1 && dpkg-deb -x atftpd_*.deb atftpd) ||
		{ echo "bench-tftpd: cannot get atftpd (apt-get download atftpd)" >&2; exit 1; }
	ATFTPD=$W/atftpd/usr/sbin/atftpd
fi

mkdir "$W/root"
head -c 67108864 /dev/urandom >"$W/root/64m"
head -c 8388608 "$W/root/64m" >"$W/root/8m"
head -c 1048576 /dev/urandom >"$W/root/1m"
head -c 1000 /dev/urandom >"$W/root/1k"
chmod -R a+rX "$W/root"
chown nobody "$W"
# The storms come from one address: lift the cap per address, as
# --tftp-max does for dnsmasq (8 by default: the rest waited for retries).
printf 'database = %s/netboot.db\nuser = nobody\n[tftpd]\n%s\n' "$W" \
    'max_transfers_per_address = 1000' >"$W/netboot.conf"

# CPU accounting: a cpuacct cgroup per server counts it and every child it
# forks, reaped or not. Without cgroups, /proc stat (children reaped only).
mkdir -p "$CG" 2>/dev/null || CG=""

# Servers: ours on 1069, tftpd-hpa on 2069, atftpd on 3069, dnsmasq on 69
# (its TFTP port is fixed; storms only).
start() {	# start NAME CMD...: $! is the server itself (ip netns exec execs it)
	local name=$1; shift
	if [ -n "$CG" ]; then
		mkdir -p "$CG/$name"
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$CG/$name" \
		    ip netns exec "$NS" "$@" >"$W/$name.log" 2>&1 &
	else
		ip netns exec "$NS" "$@" >"$W/$name.log" 2>&1 &
	fi
	PIDS="$PIDS $!"
	eval "PID_$name=$!"
}
start tftpd "$B/tftpd/tftpd" -d -f "$W/netboot.conf" -l 127.0.0.1 -p 1069 "$W/root"
start hpa in.tftpd -L -a 127.0.0.1:2069 -u nobody -s "$W/root"
start atftpd "$ATFTPD" --daemon --no-fork --port 3069 --bind-address 127.0.0.1 --user nobody \
    --group nogroup --maxthread 1000 --logfile /dev/null "$W/root"
# dnsmasq: TFTP only (--port=0: no DNS; no dhcp-range: no DHCP), as many
# transfers at once as the others allow (its default is 50).
start dnsmasq dnsmasq -k --port=0 --enable-tftp --tftp-root="$W/root" --listen-address=127.0.0.1 \
    --bind-interfaces --user=nobody --conf-file=/dev/null --pid-file= --tftp-max=1000 \
    --log-facility=/dev/null
sleep 1
SERVERS="tftpd hpa atftpd"
port() { case $1 in tftpd) echo 1069;; hpa) echo 2069;; atftpd) echo 3069;; dnsmasq) echo 69;; esac; }
pid() { eval echo "\$PID_$1"; }
TCK=$(getconf CLK_TCK)
# cpu NAME: CPU seconds the server (and its children) used so far.
cpu() {
	if [ -n "$CG" ]; then
		awk '{printf "%.3f", $1 / 1e9}' "$CG/$1/cpuacct.usage"
	else
		awk -v t="$TCK" '{printf "%.3f", ($14 + $15 + $16 + $17) / t}' "/proc/$(pid $1)/stat"
	fi
}
mem() { awk '/^(Rss|Pss):/ {printf "%s %s ", $1, $2}' "/proc/$1/smaps_rollup"; }
now() { date +%s.%N; }

for s in $SERVERS dnsmasq; do
	kill -0 "$(pid $s)" 2>/dev/null || { echo "bench-tftpd: $s did not start: $(cat "$W/$s.log")" >&2; exit 1; }
	eval "IDLE_$s=\"$(mem "$(pid $s)")\""
done
# tftpd opens its database at the first request: its memory after one.
nsx atftp -g -r 1k -l "$W/1k.out" 127.0.0.1 1069 >/dev/null 2>&1
sleep 0.5
IDLE_tftpd_after=$(mem "$(pid tftpd)")

# Relays (200 us each way per packet) in front of each server.
for s in $SERVERS; do
	p=$(port $s)
	ip netns exec "$NS" "$B/tools/udprelay" -D 200 -T 3000 127.0.0.1:$((p + 5000)) 127.0.0.1:$p \
	    2>"$W/relay-$s.log" &
	PIDS="$PIDS $!"
	RELAYS="${RELAYS:-} $!"
done
sleep 0.3

RESULTS=$W/results
: >"$RESULTS"
# xfer LABEL SERVER PORTOFFSET FILE SIZE [atftp options]: one transfer; records MB/s and CPU.
xfer() {
	local label=$1 s=$2 off=$3 f=$4 size=$5 c0 c1 t0 t1 secs mbs cpus ok=ok
	shift 5
	rm -f "$W/out"
	c0=$(cpu $s); t0=$(now)
	timeout 300 ip netns exec "$NS" atftp "$@" -g -r "$f" -l "$W/out" 127.0.0.1 $(($(port $s) + off)) \
	    >"$W/atftp.out" 2>&1 || ok=FAILED
	t1=$(now)
	sleep 0.2
	c1=$(cpu $s)
	[ "$(stat -c %s "$W/out" 2>/dev/null)" = "$size" ] || ok=FAILED
	secs=$(echo "$t1 - $t0" | bc -l)
	mbs=$(echo "$size / $secs / 1000000" | bc -l)
	cpus=$(echo "$c1 - $c0" | bc -l)
	printf '%s %s %.1f %.3f %.3f %s\n' "$label" "$s" "$mbs" "$secs" "$cpus" "$ok" >>"$RESULTS"
}
# storm LABEL N: N clients fetch 1m at blksize 1468 at once, from each server in turn.
storm() {
	local label=$1 n=$2 s out peak spid c0 c1
	for s in $SERVERS dnsmasq; do
		rm -f "$W/peak.stop"
		python3 - "$(pid $s)" "$W/peak.stop" >"$W/peak" <<'EOF' &
import os, sys, time
root, stop = int(sys.argv[1]), sys.argv[2]; peak = 0; end = time.time() + 120
page = os.sysconf("SC_PAGE_SIZE") // 1024
while time.time() < end and os.path.exists("/proc/%d" % root) and not os.path.exists(stop):
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                st = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
                kids[int(p)] = (int(st[1]), int(st[21]) * page)
            except Exception:
                pass
    tree = {root}
    for _ in range(3):
        tree |= {p for p, (pp, _) in kids.items() if pp in tree}
    peak = max(peak, sum(kids[p][1] for p in tree if p in kids))
    time.sleep(0.005)
print(peak)
EOF
		spid=$!
		sleep 0.2
		c0=$(cpu $s)
		out=$(nsx "$B/tools/bench-tftpd-storm" -n "$n" -b 1468 -T 120 127.0.0.1 "$(port $s)" 1m 1048576)
		sleep 0.3
		c1=$(cpu $s)
		touch "$W/peak.stop"
		wait $spid
		peak=$(cat "$W/peak")
		echo "$label $s $out peak_kib $peak cpu $(echo "$c1 - $c0" | bc -l)" >>"$W/storms"
	done
}

: >"$W/storms"
r=1
while [ $r -le "$ROUNDS" ]; do
	echo "bench-tftpd: round $r of $ROUNDS" >&2
	for bs in 512 1468 8192; do
		for s in $SERVERS; do
			xfer "loopback-64MiB-blksize$bs" $s 0 64m 67108864 --option "blksize $bs"
		done
	done
	for w in 4 16 64; do
		for s in $SERVERS; do
			xfer "loopback-64MiB-blksize1468-window$w" $s 0 64m 67108864 \
			    --option "blksize 1468" --option "windowsize $w"
		done
	done
	for s in $SERVERS; do
		xfer "relay200us-8MiB-blksize1468" $s 5000 8m 8388608 --option "blksize 1468"
	done
	for w in 16 64; do
		for bs in 1468 8192; do
			for s in $SERVERS; do
				xfer "relay200us-64MiB-blksize$bs-window$w" $s 5000 64m 67108864 \
				    --option "blksize $bs" --option "windowsize $w"
			done
		done
	done
	storm storm-100 100
	storm storm-500 500
	r=$((r + 1))
done

# Report: per test, each server's median (min) MB/s and median CPU s, and
# tftpd / best incumbent: the ratio of the medians and the lowest ratio of
# one round (within a round the servers ran back to back).
echo "== transfers, $ROUNDS rounds: MB/s median (min), server CPU s median =="
awk -v rounds="$ROUNDS" -v sum="${BENCH_SUMMARY:-}" '
function med(a, n,   i, j, t) {
  for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
NF != 6 { next }
{ key = $1; if (!(key in order)) { order[key] = ++n; keys[n] = key }
  if ($6 != "ok") { $3 = 0; failed[key, $2]++ }
  c = ++cnt[key, $2]; mbs[key, $2, c] = $3; cpu[key, $2, c] = $5 }
END {
  printf "%-36s %17s %17s %17s %7s %7s %6s\n", "test", "tftpd", "tftpd-hpa", "atftpd", "speed", "min", "cpu"
  for (i = 1; i <= n; i++) {
    k = keys[i]
    split("tftpd hpa atftpd", sv, " ")
    for (j = 1; j <= 3; j++) {
      s = sv[j]; m = cnt[k, s]
      for (c = 1; c <= m; c++) { tmp[c] = mbs[k, s, c] } ; M[s] = med(tmp, m)
      lo = 1e9; for (c = 1; c <= m; c++) if (mbs[k, s, c] < lo) lo = mbs[k, s, c]; L[s] = lo
      for (c = 1; c <= m; c++) { tmp[c] = cpu[k, s, c] } ; C[s] = med(tmp, m)
    }
    best = M["hpa"] > M["atftpd"] ? M["hpa"] : M["atftpd"]
    bcpu = C["hpa"] < C["atftpd"] ? C["hpa"] : C["atftpd"]
    minr = 1e9
    for (c = 1; c <= cnt[k, "tftpd"]; c++) {
      b = mbs[k, "hpa", c] > mbs[k, "atftpd", c] ? mbs[k, "hpa", c] : mbs[k, "atftpd", c]
      if (b > 0 && mbs[k, "tftpd", c] / b < minr) minr = mbs[k, "tftpd", c] / b
    }
    printf "%-36s %6.1f (%5.1f) %4.2f %6.1f (%5.1f) %4.2f %6.1f (%5.1f) %4.2f %6.2fx %6.2fx %5.2fx\n", k,
      M["tftpd"], L["tftpd"], C["tftpd"], M["hpa"], L["hpa"], C["hpa"], M["atftpd"], L["atftpd"], C["atftpd"],
      (best > 0 ? M["tftpd"] / best : 0), (minr < 1e9 ? minr : 0), (C["tftpd"] > 0 ? bcpu / C["tftpd"] : 0)
    for (j = 1; j <= 3; j++) if (failed[k, sv[j]]) printf "  %s: %d failed transfers\n", sv[j], failed[k, sv[j]]
    # rows of the table of make bench (tools/bench.sh)
    if (sum != "")
      printf "tftpd\t%s, MB/s (best incumbent)\t%.1f\t%.1f\t%.2f\thigh\t\n", k,
        M["tftpd"], best, (best > 0 ? M["tftpd"] / best : 0) >>sum
    tcpu += C["tftpd"]; icpu += bcpu
  }
  if (sum != "")
    printf "tftpd\tserver CPU s, all transfers (best incumbent)" \
      "\t%.2f\t%.2f\t%.2f\tlow\t\n", tcpu, icpu,
      (icpu > 0 ? tcpu / icpu : 0) >>sum
}' "$RESULTS"
echo "(speed: tftpd MB/s / best incumbent's, medians; min: lowest such ratio in one round;"
echo " cpu: best incumbent's median CPU s / tftpd's; > 1 is better)"
echo "== storms (1 MiB each, blksize 1468; one line per round and server) =="
sort -s -k1,1 -k2,2 "$W/storms"
# Rows of the table of make bench: tftpd's best wall time per storm
# against the best incumbent's, and its failed transfers.
[ -n "${BENCH_SUMMARY:-}" ] && awk '$7 == "wall" {
	k = $1; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
	if ($2 == "tftpd") {
		if (!((k, "t") in w) || $8 < w[k, "t"]) w[k, "t"] = $8
		f[k] += $6
	} else if (!((k, "i") in w) || $8 < w[k, "i"]) w[k, "i"] = $8
}
END {
	for (i = 1; i <= n; i++) {
		k = order[i]
		r = w[k, "i"] > 0 ? w[k, "t"] / w[k, "i"] : 0
		printf "tftpd\t%s, wall s (best incumbent)" \
		    "\t%.2f\t%.2f\t%.2f\tlow\t\n", k, w[k, "t"], w[k, "i"], r
		printf "tftpd\t%s, failed transfers\t%d\t-\t-\tlow\tours==0\n",
		    k, f[k]
	}
}' "$W/storms" >>"$BENCH_SUMMARY"
echo "== memory at idle (KiB, /proc/PID/smaps_rollup) =="
for s in $SERVERS dnsmasq; do eval "echo \"$s \$IDLE_$s\""; done
echo "tftpd after its first transfer (database open): $IDLE_tftpd_after"
echo "== relays (udprelay -D 200: packets, queue losses, lateness, CPU) =="
kill $RELAYS 2>/dev/null
sleep 0.5
for s in $SERVERS; do echo "$s: $(cat "$W/relay-$s.log")"; done
[ -n "${BENCH_RAW:-}" ] && cp "$RESULTS" "$BENCH_RAW" && cp "$W/storms" "$BENCH_RAW.storms"
exit 0
