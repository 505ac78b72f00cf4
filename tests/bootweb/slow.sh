#!/bin/sh
# slow.sh: hundreds of slow clients at once, and the timeouts.
# 300 clients each download a 20 MiB file at about 1.25 MiB/s (~16 s, far
# longer than timeout = 4), all at once on one bootweb: every one must
# complete with the right SHA-256 (a download that progresses is never cut
# by a timeout) and bootweb must hold them all open together. Meanwhile a
# connection that sends nothing, and one that asks for the file and never
# reads it, must both be closed by the timeout. A Python asyncio client
# (one process, real TCP, throttled reads, small receive buffers so that
# bootweb keeps sending for the whole download).
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl python3

N=${SLOW_CLIENTS:-300}
MIB=${SLOW_MIB:-20}
PORT=$((20000 + ($$ + 4409) % 12000))
APORT=$((PORT + 1))
mkdir -p "$T/ipxe" "$T/data"
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$T/data/big"
CONF=$(test_config "datadir = $T/data
[bootweb]
ipxe_dir = $T/ipxe
timeout = 4
max_connections_per_address = 1000")
"$BOOTCTL" -D "$DB" db init >/dev/null || fail "db init"
"$BOOTCTL" -D "$DB" settings set metrics.allow 127.0.0.1 >/dev/null ||
	fail "metrics.allow"	# /metrics without a token
chown -R nobody: "$T"
start_bg bootweb "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $PORT -P $APORT
wait_for 5 curl -sf -o /dev/null "http://127.0.0.1:$PORT/data/big" ||
	fail "bootweb did not start: $(cat "$T/bootweb.log")"
SUM=$(sha256sum "$T/data/big" | cut -d' ' -f1)

timeout 90 python3 - "$PORT" "$APORT" "$N" $((MIB * 1024 * 1024)) "$SUM" 4 <<'PY' || fail "slow clients (log: $(tail -3 "$T/bootweb.log"))"
import asyncio, hashlib, socket, sys, time

port, aport, n, size, want, tmo = (int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]),
    int(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
rate = 1.25 * 1024 * 1024
req = b"GET /data/big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"

async def connect(rcvbuf):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.setblocking(False)
    await asyncio.get_running_loop().sock_connect(s, ("127.0.0.1", port))
    return await asyncio.open_connection(sock=s)

async def download(i):
    r, w = await connect(256 * 1024)
    w.write(req)
    head = await r.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        return "client %d: %r" % (i, head.split(b"\r\n")[0])
    h, got, t0 = hashlib.sha256(), 0, time.monotonic()
    while got < size:
        b = await r.read(min(65536, size - got))
        if not b:
            break
        h.update(b)
        got += len(b)
        late = t0 + got / rate - time.monotonic()
        if late > 0:
            await asyncio.sleep(late)
    w.close()
    if got != size:
        return "client %d: %d of %d bytes after %.1f s" % (i, got, size, time.monotonic() - t0)
    if h.hexdigest() != want:
        return "client %d: wrong checksum" % i
    return None

async def metrics(peak, stop):
    while not stop.is_set():
        try:
            r, w = await asyncio.open_connection("127.0.0.1", aport)
            w.write(b"GET /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            for line in (await r.read()).decode().splitlines():
                if line.startswith("bootweb_connections "):
                    peak[0] = max(peak[0], int(line.split()[1]))
            w.close()
        except OSError:
            pass
        await asyncio.sleep(0.5)

async def idle():
    # Connected, never a byte: closed after the timeout.
    r, w = await connect(65536)
    t0 = time.monotonic()
    b = await r.read(1)
    dt = time.monotonic() - t0
    if b or not tmo - 1 <= dt <= tmo + 8:
        return "idle connection: got %r after %.1f s (timeout %d)" % (b, dt, tmo)
    return None

async def stalled():
    # Asks for the file and never reads: closed once nothing moves for the timeout.
    r, w = await connect(65536)
    w.write(req)
    await asyncio.sleep(tmo + 8)
    got = 0
    try:
        while True:
            b = await asyncio.wait_for(r.read(1 << 20), 10)
            if not b:
                break
            got += len(b)
    except ConnectionResetError:
        pass
    except asyncio.TimeoutError:
        return "stalled reader: still open after %d s" % (tmo + 18)
    if got >= size:
        return "stalled reader: got the whole file (%d bytes), never cut" % got
    return None

async def main():
    peak, stop = [0], asyncio.Event()
    mt = asyncio.create_task(metrics(peak, stop))
    t0 = time.monotonic()
    errs = await asyncio.gather(idle(), stalled(), *[download(i) for i in range(n)])
    stop.set()
    await mt
    bad = [e for e in errs if e]
    print("# %d downloads of %d MiB in %.1f s; at most %d connections at once" %
        (n, size >> 20, time.monotonic() - t0, peak[0]))
    for e in bad[:10]:
        print("FAIL: " + e)
    if bad:
        sys.exit(1)
    if peak[0] < n * 9 // 10:
        sys.exit("FAIL: only %d of %d clients were connected at once" % (peak[0], n))

asyncio.run(main())
PY
kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died"
note "all downloads intact, idle and stalled connections closed by the timeout: ok"
exit 0
