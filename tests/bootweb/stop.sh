#!/bin/sh
# stop.sh: SIGTERM. bootweb stops listening at once (a new
# connection is refused), closes idle keep-alive connections, lets the
# download in flight finish intact, writes its events and exits 0 as soon
# as the last reply is out. With a download that cannot finish within
# shutdown_grace it exits 0 when the grace is over.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl python3 sqlite3

PORT=$((20000 + ($$ + 6007) % 12000))
APORT=$((PORT + 1))
U=http://127.0.0.1:$PORT
mkdir -p "$T/ipxe" "$T/data"
head -c $((12 * 1024 * 1024)) /dev/urandom >"$T/data/big"
echo small >"$T/data/small"
"$BOOTCTL" -D "$DB" db init >/dev/null || fail "db init"
SUM=$(sha256sum "$T/data/big" | cut -d' ' -f1)

# run GRACE: start bootweb with that shutdown_grace.
run() {
	CONF=$(test_config "datadir = $T/data
[bootweb]
ipxe_dir = $T/ipxe
shutdown_grace = $1")
	chown -R nobody: "$T"
	start_bg bootweb "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $PORT -P $APORT
	PID=$(cat "$T/bootweb.pid")
	wait_for 5 curl -sf -o /dev/null "$U/data/small" || fail "bootweb did not start: $(cat "$T/bootweb.log")"
}
# client RATE SECONDS: in the background, an idle keep-alive connection and
# a download of big at RATE bytes/s for at most SECONDS; "ready" in
# $T/ready once both are under way, results in $T/result.
client() {
	rm -f "$T/ready" "$T/result"
	python3 - "$PORT" "$1" "$SUM" "$T/ready" "$2" >"$T/result" 2>&1 <<'PY' &
import asyncio, hashlib, socket, sys, time
port, rate, want, ready = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
limit = float(sys.argv[5])

async def connect():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 128 * 1024)
    s.setblocking(False)
    await asyncio.get_running_loop().sock_connect(s, ("127.0.0.1", port))
    return await asyncio.open_connection(sock=s)

async def keepalive(started):
    r, w = await connect()
    w.write(b"GET /data/small HTTP/1.1\r\nHost: t\r\n\r\n")
    await r.readuntil(b"small\n")
    await started.wait()
    t0 = time.monotonic()
    b = await asyncio.wait_for(r.read(), 30)
    return "keepalive closed %.2f s after the download started, got %r" % (time.monotonic() - t0, b)

async def download(started):
    r, w = await connect()
    w.write(b"GET /data/big HTTP/1.1\r\nHost: t\r\n\r\n")
    head = (await r.readuntil(b"\r\n\r\n")).decode()
    size = int([l.split(":")[1] for l in head.split("\r\n") if l.lower().startswith("content-length")][0])
    started.set()
    open(ready, "w").write("ready\n")
    h, got, t0 = hashlib.sha256(), 0, time.monotonic()
    try:
        while got < size and time.monotonic() - t0 < limit:
            b = await r.read(65536)
            if not b:
                break
            h.update(b)
            got += len(b)
            late = t0 + got / rate - time.monotonic()
            if late > 0:
                await asyncio.sleep(late)
    except ConnectionResetError:
        pass
    ok = got == size and h.hexdigest() == want
    return "download %s %d of %d bytes in %.1f s" % ("intact" if ok else "cut", got, size,
        time.monotonic() - t0)

async def main():
    started = asyncio.Event()
    for line in await asyncio.gather(keepalive(started), download(started)):
        print(line)

asyncio.run(main())
PY
	CLIENT=$!
	wait_for 10 test -f "$T/ready" || fail "the client did not start: $(cat "$T/result")"
}
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.2f", $1 - $2}'; }

# 1. A 12 MiB download at 3 MiB/s (~4 s) is in flight when SIGTERM comes.
run 10
client $((3 * 1024 * 1024)) 20
sleep 0.5
T0=$(now)
kill -TERM $PID
sleep 0.3
curl -s -o /dev/null --max-time 5 "$U/data/small"; rc=$?
[ $rc = 7 ] || fail "a new connection after SIGTERM: curl exit $rc, want 7 (refused)"
kill -0 $PID 2>/dev/null || fail "bootweb did not wait for the download in flight"
wait $CLIENT
wait $PID; rc=$?
dt=$(since $T0)
cat "$T/result" | sed 's/^/# /'
[ $rc = 0 ] || fail "bootweb exited $rc after SIGTERM"
grep -q "^download intact $((12 * 1024 * 1024)) of" "$T/result" || fail "download in flight: $(cat "$T/result")"
ka=$(sed -n 's/^keepalive closed \([0-9.]*\) s.*/\1/p' "$T/result")
[ -n "$ka" ] && awk -v k="$ka" 'BEGIN {exit !(k < 1.5)}' || fail "idle keep-alive not closed at once: $(cat "$T/result")"
awk -v t="$dt" 'BEGIN {exit !(t < 6)}' || fail "bootweb took $dt s to exit after a ~4 s download"
grep -q "the last connection closed" "$T/bootweb.log" || fail "log: $(cat "$T/bootweb.log")"
n=$(db_sql "SELECT count(*) FROM events WHERE daemon = 'bootweb' AND detail = 'served /data/big'")
[ "$n" -ge 1 ] || fail "the download's event was not written before exit"
note "SIGTERM: refused new connections, closed the idle one, finished the download, exit 0 after $dt s: ok"

# 2. A download far longer than shutdown_grace = 1: cut, exit 0 after the grace.
# (The client stops reading after 4 s: the kernel would go on delivering
# what bootweb had queued before it exited.)
run 1
client $((200 * 1024)) 4
T0=$(now)
kill -TERM $PID
wait $PID; rc=$?
dt=$(since $T0)
wait $CLIENT
[ $rc = 0 ] || fail "bootweb exited $rc after the grace"
awk -v t="$dt" 'BEGIN {exit !(t >= 0.9 && t < 3)}' || fail "exit $dt s after SIGTERM with shutdown_grace = 1"
grep -q "^download cut" "$T/result" || fail "a 60 s download finished within the grace? $(cat "$T/result")"
grep -q "shutdown_grace over" "$T/bootweb.log" || fail "log: $(cat "$T/bootweb.log")"
note "shutdown_grace = 1: exit 0 after $dt s, the long download cut: ok"
exit 0
