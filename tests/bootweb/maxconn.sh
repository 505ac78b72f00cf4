#!/bin/sh
# maxconn.sh: max_connections = 5 against 20 slow curl clients at
# once. The boot plane never holds more than 5 client sockets (counted in
# /proc, not trusted from bootweb), the others wait in the accept queue,
# every download completes intact, the admin plane still answers, and
# connections that close without a request (or after garbage) are counted
# out, so the limit never wedges.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl python3

PORT=$((20000 + ($$ + 1231) % 12000))
APORT=$((PORT + 1))
U=http://127.0.0.1:$PORT
mkdir -p "$T/ipxe" "$T/data"
head -c $((1024 * 1024)) /dev/urandom >"$T/data/file"
CONF=$(test_config "datadir = $T/data
[bootweb]
ipxe_dir = $T/ipxe
max_connections = 5")
"$BOOTCTL" -D "$DB" db init >/dev/null || fail "db init"
"$BOOTCTL" -D "$DB" settings set metrics.allow 127.0.0.1 >/dev/null ||
	fail "metrics.allow"	# /metrics without a token
chown -R nobody: "$T"
start_bg bootweb "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $PORT -P $APORT
PID=$(cat "$T/bootweb.pid")
wait_for 5 curl -sf -o /dev/null "$U/data/file" || fail "bootweb did not start: $(cat "$T/bootweb.log")"
metric() { curl -sf "http://127.0.0.1:$APORT/metrics" | sed -n "s/^$1 //p"; }
socks() { ls -l /proc/$PID/fd 2>/dev/null | grep -c 'socket:'; }
wait_for 3 sh -c "[ \"\$(curl -sf http://127.0.0.1:$APORT/metrics | sed -n 's/^bootweb_connections //p')\" = 0 ]" ||
	fail "connections after the first request: $(metric bootweb_connections)"
[ "$(metric bootweb_connections_max)" = 5 ] || fail "max_connections not read: $(metric bootweb_connections_max)"
BASE=$(socks)

# 20 slow clients at once: once served, each reads nothing for a second
# (curl blocks on a pipe not drained yet; curl's --limit-rate lets the
# first megabytes through at full speed), so each holds its connection at
# least that long: 4 rounds of 5.
i=0
while [ $i -lt 20 ]; do
	sh -c "curl -s --max-time 40 '$U/data/file' |
	    { dd bs=1 count=1 of='$T/out.$i' 2>/dev/null; sleep 1; cat >>'$T/out.$i'; }" &
	echo $! >>"$T/curls"
	i=$((i + 1))
done
# Count bootweb's client sockets while they run (bounded: at most 40 s).
peak=0; n=0
while [ $n -lt 2000 ]; do
	s=$(( $(socks) - BASE ))
	[ $s -gt $peak ] && peak=$s
	running=0
	for p in $(cat "$T/curls"); do kill -0 $p 2>/dev/null && running=1 && break; done
	[ $running = 1 ] || break
	[ $n = 25 ] && { metric bootweb_connections >"$T/mid" || echo none >"$T/mid"; }
	n=$((n + 1)); sleep 0.02
done
bad=0
for p in $(cat "$T/curls"); do wait $p || bad=$((bad + 1)); done
[ $bad = 0 ] || fail "$bad of 20 downloads failed"
i=0; while [ $i -lt 20 ]; do cmp -s "$T/out.$i" "$T/data/file" || fail "download $i differs"; i=$((i + 1)); done
note "20 downloads complete and intact; at most $peak client sockets at once"
[ $peak -le 5 ] || fail "$peak client sockets open at once with max_connections = 5"
[ $peak -ge 4 ] || fail "only $peak clients at once: the test did not load the limit"
[ -s "$T/mid" ] && [ "$(cat "$T/mid")" != none ] || fail "the admin plane did not answer under load"
[ "$(metric bootweb_accept_paused_total)" -ge 1 ] || fail "accept never paused"
kill -0 $PID || fail "bootweb died"

# Connections that close before a request, half a request, or garbage: counted out.
python3 - "$PORT" <<'PY' || fail "raw connections"
import socket, sys, time
port = int(sys.argv[1])
for round in range(4):
    socks = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(4)]
    socks[1].sendall(b"GET /data/fi")
    socks[2].sendall(b"GARBAGE\r\n\r\n")
    for s in socks:
        s.close()
    time.sleep(0.2)
PY
wait_for 5 sh -c "[ \"\$(curl -sf http://127.0.0.1:$APORT/metrics | sed -n 's/^bootweb_connections //p')\" = 0 ]" ||
	fail "connections not counted out: $(metric bootweb_connections) still open"
curl -sf --max-time 5 -o "$T/b" "$U/data/file" || fail "no service after closed connections"
cmp -s "$T/b" "$T/data/file" || fail "download after closed connections"
note "16 connections closed early, counted out; still serving: ok"
exit 0
