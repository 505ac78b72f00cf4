#!/bin/sh
# bench-upload.sh: /boot.ipxe's latency while the admin API takes an ISO
# (issue 13: within 2x idle). One bootweb, one client on a keep-alive
# connection asking /boot.ipxe every 5 ms from start to end; the samples
# are split by phase:
#   idle    IDLE seconds before anything else
#   upload  while a SIZE MiB ISO streams to POST /api/v1/images/upload
#   import  from the upload's 202 until its job is done
#   dd      (DD=1) while dd writes SIZE MiB to the same disk, for scale:
#           what the disk's writeback alone does to the loop
# and p50/p99 of each phase and their ratios to idle are printed. All
# phases run in the same minute on the same machine, side by side.
# Not part of make check (needs root, like the API tests; ~1 GiB in /tmp).
# TRACE=1 straces the loop thread during the upload (slows it down).
# RATE (curl's --limit-rate, e.g. 110M: a client on 1 GbE) paces the
# upload; unset, it comes as fast as loopback takes it.
# Usage: tools/bench-upload.sh [BUILDDIR]   (SIZE=400 IDLE=5 DD=1 RATE=)
set -u
top_builddir=$(cd "${1:-${top_builddir:-$(pwd)}}" && pwd)
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
SIZE=${SIZE:-400}
IDLE=${IDLE:-5}
DD=${DD:-1}
for c in xorriso curl python3 sqlite3; do
	command -v $c >/dev/null || { echo "$c is missing"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "needs root (as tests/bootweb/api-*.sh)"; exit 77; }
[ -x "$top_builddir/bootweb/bootweb" ] || { echo "build first"; exit 1; }
API_SEED=911
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/helpers/iso-lib.sh"
. "$top_srcdir/tests/helpers/api-lib.sh"
A="Authorization: Bearer $TA"

OUT=$(mktemp -d /tmp/nbbench.XXXXXXXX)
at_exit "rm -rf '$OUT'"
mkdir -p "$OUT/src/casper"
iso_tree "$OUT/src" casper/vmlinuz=K casper/initrd=B:700 \
    '.disk/info=T:Ubuntu 24.04 LTS "Noble Numbat" - Release amd64 (20240424)'
# random bytes, as an ISO's squashfs: nothing compresses or dedups them
head -c $((SIZE * 1024 * 1024)) /dev/urandom \
    >"$OUT/src/casper/filesystem.squashfs"
make_iso "$OUT/big.iso" "Ubuntu 24.04 LTS amd64" rr "$OUT/src"
rm -rf "$OUT/src"
sync
api_start

# The sampler: "t_ms latency_ms" per request until $T/stop, at most 600 s.
# At nice -10: it stands for a booting machine, which has CPUs of its
# own; at nice 0 it measured its own wait for this machine's 2 cores.
nice -n -10 python3 - "$PORT" "$T/stop" "$T/samples" <<'PY' &
import http.client, os, sys, time
port, stop, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
f = open(out, "w", buffering=1)
t0 = time.monotonic()
while time.monotonic() - t0 < 600 and not os.path.exists(stop):
    s = time.monotonic()
    c.request("GET", "/boot.ipxe")
    r = c.getresponse(); r.read()
    e = time.monotonic()
    f.write("%.3f %.3f %d\n" % (s * 1000, (e - s) * 1000, r.status))
    time.sleep(0.005)
PY
SAMPLER=$!
now() { python3 -c 'import time; print("%.3f" % (time.monotonic() * 1000))'; }
PID=$(cat "$T/bootweb.pid")
# with the loop thread's run-queue wait (ns, schedstat): CPU contention
mark() {
	echo "$1 $(now) $(cut -d' ' -f2 "/proc/$PID/task/$PID/schedstat")" \
	    >>"$T/marks"
}

mark idle
sleep "$IDLE"
mark upload
# TRACE=1: the loop thread's system calls over 2 ms, with their times
if [ "${TRACE:-0}" = 1 ] && command -v strace >/dev/null; then
	strace -T -tt -p "$PID" -o "$T/strace" 2>/dev/null &
	STRACE=$!
	sleep 0.5
fi
got=$(nice -n 19 curl -s -o "$T/body" -w '%{http_code}' -X POST -H "$A" \
    ${RATE:+--limit-rate "$RATE"} \
    -H "Content-Type: application/octet-stream" -T "$OUT/big.iso" \
    "$AU/api/v1/images/upload?name=big")
mark import
if [ -n "${STRACE:-}" ]; then
	kill "$STRACE"; wait "$STRACE"
	echo "# loop thread's system calls over 2 ms during the upload:"
	awk -F'<' '/<[0-9.]+>$/ { v = $NF; sub(/>/, "", v);
	    if (v + 0 > 0.002) print }' "$T/strace" | cut -c1-100 | tail -20
	echo "# (of $(wc -l <"$T/strace") calls)"
fi
[ "$got" = 202 ] || fail "the upload: $got $(cat "$T/body")"
JOB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$T/body")
n=0
while :; do
	curl -s -o "$T/job" -H "$A" "$AU/api/v1/jobs/$JOB"
	grep -q '"running"' "$T/job" || break
	n=$((n + 1)); [ $n -lt 3000 ] || fail "job $JOB still running"
	sleep 0.1
done
grep -q '"done"' "$T/job" || fail "the import: $(cat "$T/job")"
if [ "$DD" = 1 ]; then
	sync; sleep 1
	mark dd
	nice -n 19 dd if=/dev/zero of="$T/dd.out" bs=1M count="$SIZE" \
	    conv=fsync 2>/dev/null
	rm -f "$T/dd.out"
fi
mark end
touch "$T/stop"
wait "$SAMPLER"

python3 - "$T/samples" "$T/marks" "$SIZE" <<'PY'
import sys
samples = [tuple(map(float, l.split()[:2])) for l in open(sys.argv[1])]
marks = [(l.split()[0], float(l.split()[1]), int(l.split()[2]))
    for l in open(sys.argv[2])]
def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p))]
res = {}
for (name, a, qa), (_, b, qb) in zip(marks, marks[1:]):
    v = sorted(l for t, l in samples if a <= t < b)
    if v:
        res[name] = (len(v), pct(v, 0.5), pct(v, 0.99), (b - a) / 1000,
            (qb - qa) / 1e6 / ((b - a) / 1000))
i = res["idle"]
print("# /boot.ipxe while a %s MiB ISO uploads and imports" % sys.argv[3])
# runq: ms per second the event loop's thread waited for a CPU
print("%-7s %6s %7s %8s %8s %9s %9s %6s" % ("phase", "n", "secs",
    "p50 ms", "p99 ms", "p50/idle", "p99/idle", "runq"))
for name in ("idle", "upload", "import", "dd"):
    if name in res:
        n, p50, p99, secs, q = res[name]
        print("%-7s %6d %7.1f %8.2f %8.2f %9.2f %9.2f %6.1f" % (name, n,
            secs, p50, p99, p50 / i[1], p99 / i[2], q))
PY
