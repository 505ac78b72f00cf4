#!/bin/sh
# tools/bench-tftpd.sh [BUILDDIR]: tftpd side by side with tftpd-hpa
# (in.tftpd) and atftpd, in one run, in a private network namespace (its
# loopback only). Not part of make check; run as root from a configured
# build directory (default: the current one).
#
# Measures, per server: 64 MiB with atftp at blksize 512, 1468 and 8192
# (lockstep) and at blksize 1468 with windowsize 4, 16, 64; wall time, MB/s
# and server CPU time (user+system, children included: tftpd-hpa forks);
# the same through tools/udprelay delaying each packet by 200 us, as a LAN
# does; storms of 100 and 500 clients fetching 1 MiB at once (wall time,
# failures, peak RSS of the server and its children); idle RSS.
# Prints a table and each figure of tftpd as a ratio to the best incumbent.
set -u
B=$(cd "${1:-.}" && pwd)
S=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "bench-tftpd: run as root (namespaces, privileged user switch)" >&2; exit 1; }
for c in atftp in.tftpd python3 bc; do
	command -v $c >/dev/null || { echo "bench-tftpd: $c missing (tools/deps/tftpd.txt)" >&2; exit 1; }
done
make -C "$B" -s tftpd/tftpd tools/udprelay tools/bench-tftpd-storm || exit 1

W=$(mktemp -d /tmp/bench-tftpd.XXXXXX)
chmod 755 "$W"
NS=benchtftp$$
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	ip netns delete "$NS" 2>/dev/null
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
chmod -R a+rX "$W/root"
chown nobody "$W"
printf 'database = %s/netboot.db\nuser = nobody\n' "$W" >"$W/netboot.conf"

# Servers: ours on 1069, tftpd-hpa on 2069, atftpd on 3069.
start() {	# start NAME CMD...: $! is the server itself (ip netns exec execs it)
	local name=$1; shift
	ip netns exec "$NS" "$@" >"$W/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "PID_$name=$!"
}
start tftpd "$B/tftpd/tftpd" -d -f "$W/netboot.conf" -l 127.0.0.1 -p 1069 "$W/root"
start hpa in.tftpd -L -a 127.0.0.1:2069 -u nobody -s "$W/root"
start atftpd "$ATFTPD" --daemon --no-fork --port 3069 --bind-address 127.0.0.1 --user nobody \
    --group nogroup --maxthread 1000 --logfile /dev/null "$W/root"
sleep 1
SERVERS="tftpd hpa atftpd"
port() { case $1 in tftpd) echo 1069;; hpa) echo 2069;; atftpd) echo 3069;; esac; }
pid() { eval echo "\$PID_$1"; }
TCK=$(getconf CLK_TCK)
# cpu PID: user+system seconds of PID and its reaped children.
cpu() { awk -v t="$TCK" '{printf "%.3f", ($14 + $15 + $16 + $17) / t}' "/proc/$1/stat"; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
now() { date +%s.%N; }

for s in $SERVERS; do
	kill -0 "$(pid $s)" 2>/dev/null || { echo "bench-tftpd: $s did not start: $(cat "$W/$s.log")" >&2; exit 1; }
	eval "IDLE_$s=$(rss "$(pid $s)")"
done

# Relays (200 us each way per packet) in front of each server.
for s in $SERVERS; do
	p=$(port $s)
	ip netns exec "$NS" "$B/tools/udprelay" -D 200 -T 3000 127.0.0.1:$((p + 5000)) 127.0.0.1:$p \
	    2>/dev/null &
	PIDS="$PIDS $!"
done
sleep 0.3

# kidcpu_start PID / kidcpu_stop: CPU seconds of PID's children while they
# ran. tftpd-hpa ignores SIGCHLD, so its children's CPU never reaches its
# cutime: a sampler reads each child's /proc stat every 2 ms instead.
kidcpu_start() {
	rm -f "$W/kidcpu.stop"
	python3 - "$1" "$W/kidcpu.stop" >"$W/kidcpu" <<'EOF' &
import os, sys, time
root, stop, seen, tck = int(sys.argv[1]), sys.argv[2], {}, os.sysconf("SC_CLK_TCK")
end = time.time() + 600
while time.time() < end and not os.path.exists(stop):
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                f = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
            except Exception:
                continue
            if int(f[1]) == root:
                seen[p] = max(seen.get(p, 0), int(f[11]) + int(f[12]))
    time.sleep(0.002)
print("%.3f" % (sum(seen.values()) / tck))
EOF
	KIDPID=$!
}
kidcpu_stop() { touch "$W/kidcpu.stop"; wait $KIDPID; }	# not in $(...): KIDPID is ours

RESULTS=$W/results
: >"$RESULTS"
# xfer LABEL SERVER PORTOFFSET FILE SIZE [atftp options]: one transfer; records MB/s and CPU.
xfer() {
	local label=$1 s=$2 off=$3 f=$4 size=$5 c0 c1 t0 t1 secs mbs cpus ok=ok
	shift 5
	rm -f "$W/out"
	[ $s = hpa ] && kidcpu_start "$(pid $s)"
	c0=$(cpu "$(pid $s)"); t0=$(now)
	timeout 300 ip netns exec "$NS" atftp "$@" -g -r "$f" -l "$W/out" 127.0.0.1 $(($(port $s) + off)) \
	    >"$W/atftp.out" 2>&1 || ok=FAILED
	t1=$(now)
	sleep 0.2
	c1=$(cpu "$(pid $s)")
	[ $s = hpa ] && kidcpu_stop && c1=$(echo "$c1 + $(cat "$W/kidcpu")" | bc -l)
	[ "$(stat -c %s "$W/out" 2>/dev/null)" = "$size" ] || ok=FAILED
	secs=$(echo "$t1 - $t0" | bc -l)
	mbs=$(echo "$size / $secs / 1000000" | bc -l)
	cpus=$(echo "$c1 - $c0" | bc -l)
	printf '%s %s %.1f %.3f %.3f %s\n' "$label" "$s" "$mbs" "$secs" "$cpus" "$ok" >>"$RESULTS"
}
# storm LABEL N: N clients fetch 1m at blksize 1468 at once.
storm() {
	local label=$1 n=$2 s out peak
	for s in $SERVERS; do
		python3 - "$(pid $s)" >"$W/peak" <<'EOF' &
import os, sys, time
root = int(sys.argv[1]); peak = 0; end = time.time() + 120
while time.time() < end and os.path.exists("/proc/%d" % root):
    kids = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                st = open("/proc/%s/stat" % p).read().rsplit(")", 1)[1].split()
                kids[int(p)] = (int(st[1]), int(st[21]) * os.sysconf("SC_PAGE_SIZE") // 1024)
            except Exception:
                pass
    tree, total = {root}, 0
    for _ in range(3):
        tree |= {p for p, (pp, _) in kids.items() if pp in tree}
    total = sum(kids[p][1] for p in tree if p in kids)
    peak = max(peak, total)
    if os.path.exists(sys.argv[0] + ".stop") or os.path.exists("/tmp/.bench-tftpd-stop-%d" % root):
        break
    time.sleep(0.005)
print(peak)
EOF
		spid=$!
		sleep 0.2
		[ $s = hpa ] && kidcpu_start "$(pid $s)"
		c0=$(cpu "$(pid $s)")
		out=$(nsx "$B/tools/bench-tftpd-storm" -n "$n" -b 1468 -T 120 127.0.0.1 "$(port $s)" 1m 1048576)
		sleep 0.3
		c1=$(cpu "$(pid $s)")
		[ $s = hpa ] && kidcpu_stop && c1=$(echo "$c1 + $(cat "$W/kidcpu")" | bc -l)
		touch "/tmp/.bench-tftpd-stop-$(pid $s)"
		wait $spid
		rm -f "/tmp/.bench-tftpd-stop-$(pid $s)"
		peak=$(cat "$W/peak")
		echo "$label $s $out peak_kib $peak cpu $(echo "$c1 - $c0" | bc -l)" >>"$RESULTS"
	done
}

for s in $SERVERS; do
	for bs in 512 1468 8192; do
		xfer "loopback-64MiB-blksize$bs" $s 0 64m 67108864 --option "blksize $bs"
	done
	for w in 4 16 64; do
		xfer "loopback-64MiB-blksize1468-window$w" $s 0 64m 67108864 --option "blksize 1468" \
		    --option "windowsize $w"
	done
	xfer "relay200us-8MiB-blksize1468" $s 5000 8m 8388608 --option "blksize 1468"
	for w in 16 64; do
		for bs in 1468 8192; do
			xfer "relay200us-64MiB-blksize$bs-window$w" $s 5000 64m 67108864 \
			    --option "blksize $bs" --option "windowsize $w"
		done
	done
done
storm storm-100 100
storm storm-500 500

# Report: per test, each server's figures, and tftpd / best incumbent.
echo "== transfers: MB/s (wall s, server CPU s) =="
awk '
NF != 6 { next }
$6 != "ok" { $3 = 0 }
{ key = $1; order[key] = order[key] ? order[key] : ++n; mbs[key, $2] = $3; cpu[key, $2] = $5
  wall[key, $2] = $4; st[key, $2] = $6 }
END {
  for (k in order) keys[order[k]] = k
  printf "%-40s %22s %22s %22s %8s %8s\n", "test", "tftpd", "tftpd-hpa", "atftpd", "speed", "cpu"
  for (i = 1; i <= n; i++) {
    k = keys[i]
    best = mbs[k, "hpa"] > mbs[k, "atftpd"] ? mbs[k, "hpa"] : mbs[k, "atftpd"]
    bcpu = (cpu[k, "hpa"] < cpu[k, "atftpd"] && st[k, "hpa"] == "ok") || st[k, "atftpd"] != "ok" ? cpu[k, "hpa"] : cpu[k, "atftpd"]
    printf "%-40s %8.1f (%5.2f %5.2f) %8.1f (%5.2f %5.2f) %8.1f (%5.2f %5.2f) %7.2fx %7.2fx\n", k,
      mbs[k, "tftpd"], wall[k, "tftpd"], cpu[k, "tftpd"], mbs[k, "hpa"], wall[k, "hpa"], cpu[k, "hpa"],
      mbs[k, "atftpd"], wall[k, "atftpd"], cpu[k, "atftpd"],
      (best > 0 ? mbs[k, "tftpd"] / best : 0), (cpu[k, "tftpd"] > 0 ? bcpu / cpu[k, "tftpd"] : 0)
  }
}' "$RESULTS" 2>/dev/null | grep -v '^storm'
echo "(speed: tftpd MB/s / best incumbent's; cpu: best incumbent's CPU s / tftpd's; > 1 is better)"
echo "== storms (1 MiB each, blksize 1468) =="
grep '^storm' "$RESULTS"
echo "== idle RSS (KiB) =="
for s in $SERVERS; do eval "echo $s \$IDLE_$s"; done
grep -c . "$RESULTS" >/dev/null
