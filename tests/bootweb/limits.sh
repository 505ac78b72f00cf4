#!/bin/sh
# limits.sh: the limits that hold under attack (issue 11), each
# attack replayed on loopback from other source addresses (127.0.0.N):
# 1. Slowloris: 20 connections from 20 addresses, each trickling one
#    header byte every 5 s (reconnecting when closed), fill the boot plane
#    (max_connections = 20). request_timeout = 2 closes each within a few
#    seconds, so a normal client gets /boot.ipxe within 6 s (before: never,
#    the trickle resets the 60 s inactivity timeout for ever).
# 2. The same 20 tricklers from one address: max_connections_per_address
#    = 4 holds 4 of them and closes the rest at once, so a normal client
#    gets /boot.ipxe within 2 s without waiting for any deadline.
# 3. 190 idle connections to the admin plane of a bootweb with 200
#    descriptors: the admin plane takes admin_max_connections = 16 of them
#    (counted in /proc, not trusted from bootweb) and the boot plane still
#    answers within 2 s (before: accept(2) on the boot plane failed with
#    EMFILE). Without -L, the admin plane is on 127.0.0.1 only.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl python3

# Two free ports in a row (other tests may run beside this one).
PORT=$(python3 -c 'import random, socket
for _ in range(200):
    p = random.randint(20000, 59000)
    try:
        for q in (p, p + 1):
            socket.socket().bind(("127.0.0.1", q))
        print(p)
        break
    except OSError:
        pass')
APORT=$((PORT + 1))
mkdir -p "$T/ipxe"
"$BOOTCTL" -D "$DB" db init >/dev/null || fail "db init"
"$BOOTCTL" -D "$DB" settings set metrics.allow 127.0.0.1 >/dev/null ||
	fail "metrics.allow"	# /metrics without a token
chown -R nobody: "$T"

# run_bootweb CONF-LINES [ULIMIT]: a fresh bootweb on 127.0.0.1 with these [bootweb] keys.
run_bootweb() {
	if [ -s "$T/bootweb.pid" ]; then
		kill "$(cat "$T/bootweb.pid")"
		wait_for 5 sh -c "! kill -0 $(cat "$T/bootweb.pid")" || fail "bootweb did not stop"
		cat "$T/bootweb.log" >>"$T/bootweb-all.log"
	fi
	CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe
$1")
	start_bg bootweb sh -c "ulimit -n ${2:-1024} && exec \"$BOOTWEB\" -d -v -v -f \"$CONF\" \
	    -l 127.0.0.1 -p $PORT -P $APORT"
	wait_for 5 curl -sf -o /dev/null "http://127.0.0.1:$PORT/boot.ipxe" ||
		fail "bootweb did not start: $(cat "$T/bootweb.log")"
}

# attack MODE: replay an attack in the background (python, bounded to 60 s);
# PROBE: GET /boot.ipxe from 127.0.0.1 under it, its time in seconds on stdout.
cat >"$T/attack.py" <<'PY'
import socket, sys, threading, time
mode, port, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
req = b"GET /boot.ipxe HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"s" * 400 + b"\r\n\r\n"
t0 = time.monotonic()
stats = {"conns": 0, "closed": 0, "lived": []}
lock = threading.Lock()

def src(i):
    return "127.0.0.%d" % (10 + i) if mode == "many" else "127.0.0.2"

def trickle(i):
    # One byte every 5 s; reconnect when the server closes.
    while time.monotonic() - t0 < secs:
        s = socket.socket()
        s.bind((src(i), 0))
        s.settimeout(5)
        try:
            s.connect(("127.0.0.1", port))
        except OSError:
            s.close(); time.sleep(0.2); continue
        with lock: stats["conns"] += 1
        born, k = time.monotonic(), 0
        while time.monotonic() - t0 < secs:
            try:
                s.send(req[k:k + 1]); k += 1
                if s.recv(1) == b"":
                    break
            except socket.timeout:
                continue	# recv waited its 5 s: time for the next byte
            except OSError:
                break
        with lock:
            stats["closed"] += 1; stats["lived"].append(time.monotonic() - born)
        s.close()
        time.sleep(0.5)

def idle(i, socks):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    socks.append(s)

if mode == "admin":
    socks = []
    for i in range(n):
        idle(i, socks)
    time.sleep(secs)
    sys.exit(0)
ts = [threading.Thread(target=trickle, args=(i,), daemon=True) for i in range(n)]
for t in ts: t.start()
for t in ts: t.join(secs + 10)
lived = sorted(stats["lived"])
print("%d connections, %d closed by the server; lifetimes %s" % (stats["conns"],
    stats["closed"], " ".join("%.1f" % x for x in lived[:3] + lived[-3:])))
PY

# probe WITHIN: /boot.ipxe from 127.0.0.1; its time (seconds) in $T/probe, fails past WITHIN.
probe() {
	curl -s --max-time 15 -o "$T/probe.out" -w '%{http_code} %{time_total}' \
	    "http://127.0.0.1:$PORT/boot.ipxe" >"$T/probe" 2>/dev/null
	note "probe under attack: $(cat "$T/probe") s"
	read -r code secs <"$T/probe"
	[ "$code" = 200 ] || fail "no /boot.ipxe under attack ($(cat "$T/probe"), limit $1 s)"
	awk -v s="$secs" -v w="$1" 'BEGIN { exit !(s <= w) }' ||
		fail "/boot.ipxe took $secs s under attack, more than $1 s"
}
metric() { curl -sf "http://127.0.0.1:$APORT/metrics" | sed -n "s/^$1 //p"; }

# 1. Slowloris from 20 addresses against a full boot plane: the request deadline.
run_bootweb "max_connections = 20
request_timeout = 2"
timeout 60 python3 "$T/attack.py" many $PORT 20 14 >"$T/attack1" 2>&1 &
ATTACK=$!
sleep 1.5
probe 6
wait $ATTACK || fail "attack 1: $(cat "$T/attack1")"
note "slowloris from 20 addresses: $(cat "$T/attack1")"
n=$(metric bootweb_request_deadline_total)
[ "${n:-0}" -ge 20 ] || fail "only ${n:-none} connections closed by request_timeout"
# Every trickler was cut near the deadline, none outlived it by much.
awk '{ for (i = 1; i <= NF; i++) if ($i == "lifetimes") { print $(NF); exit } }' \
    "$T/attack1" >"$T/longest"
awk -v s="$(cat "$T/longest")" 'BEGIN { exit !(s + 0 <= 7) }' ||
	fail "a trickling connection lived $(cat "$T/longest") s with request_timeout = 2"
note "request_timeout closed $n trickling connections; the boot plane answered"

# 2. The same from one address: max_connections_per_address.
run_bootweb "max_connections = 20
max_connections_per_address = 4
request_timeout = 60"
timeout 60 python3 "$T/attack.py" one $PORT 20 8 >"$T/attack2" 2>&1 &
ATTACK=$!
sleep 1.5
probe 2
n=$(metric bootweb_refused_per_address_total)
c=$(metric bootweb_connections)
[ "${n:-0}" -ge 16 ] || fail "only ${n:-none} connections over the per-address cap refused"
[ "${c:-99}" -le 4 ] || fail "$c connections open from one address with a cap of 4"
wait $ATTACK || fail "attack 2: $(cat "$T/attack2")"
note "20 tricklers from one address: $c held, $n refused; the boot plane answered"
grep -q "max_connections_per_address" "$T/bootweb.log" || fail "no log line for the cap"

# 3. 190 idle admin connections with 200 descriptors: the planes are counted apart.
run_bootweb "admin_max_connections = 16
request_timeout = 60" 200
PID=$(cat "$T/bootweb.pid")	# sh exec'd bootweb: the same process
# socks: bootweb's sockets but Unix ones (PostgreSQL's connections are)
socks() {
	awk 'NR > 1 { print $7 }' "/proc/$PID/net/unix" >"$T/unix" 2>/dev/null
	ls -l "/proc/$PID/fd" 2>/dev/null |
	    sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | grep -cvxF -f "$T/unix"
}
base=$(socks)
timeout 60 python3 "$T/attack.py" admin $APORT 190 8 >"$T/attack3" 2>&1 &
ATTACK=$!
sleep 1.5
probe 2
held=$(( $(socks) - base ))
note "190 idle admin connections: bootweb holds $held sockets for them"
[ $held -le 16 ] || fail "the admin plane holds $held connections, more than its 16"
[ $held -ge 8 ] || fail "the admin plane holds only $held connections: the test did not load it"
wait $ATTACK
kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died"

# The admin plane's default address: 127.0.0.1, whatever the boot plane's.
kill "$(cat "$T/bootweb.pid")"
wait_for 5 sh -c "! kill -0 $(cat "$T/bootweb.pid")" || fail "bootweb did not stop"
start_bg bootweb2 "$BOOTWEB" -d -f "$CONF" -l 127.0.0.3 -p $PORT -P $APORT
wait_for 5 grep -q "(admin)" "$T/bootweb2.log" || fail "bootweb: $(cat "$T/bootweb2.log")"
grep -q "listening on 127.0.0.1 port $APORT (admin)" "$T/bootweb2.log" ||
	fail "admin plane not on 127.0.0.1 by default: $(grep listening "$T/bootweb2.log")"
note "admin plane on 127.0.0.1 by default: ok"
exit 0
