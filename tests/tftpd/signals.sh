#!/bin/sh
# signals.sh: tftpd runs as the configured user once bound; SIGTERM
# lets a transfer in flight finish, refuses new ones and exits as soon as
# it is done; a transfer longer than shutdown_grace is ended with an ERROR
# and an event; a socket passed by systemd (LISTEN_FDS) is used as is.
# tftpd runs one thread: its write queue's writer is a child process,
# which holds no listening socket and exits with it.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
need_cmd curl atftp sqlite3
[ -x "$RELAY" ] || fail "$RELAY is not built (make check builds it)"

mkfile 300k 307200
mkfile 1m 1048576
tftpd_start
uid=$(awk '/^Uid:/ {print $2}' "/proc/$(tftpd_pid)/status")
[ "$uid" = "$(id -u nobody)" ] || fail "tftpd runs as uid $uid, not nobody"
note "bound port 69 as root, then runs as nobody"
thr=$(awk '/^Threads:/ {print $2}' "/proc/$(tftpd_pid)/status")
[ "$thr" = 1 ] || fail "tftpd runs $thr threads, not one"
WPID=$(ps -o pid= --ppid "$(tftpd_pid)" | tr -d ' ')
[ -n "$WPID" ] || fail "tftpd has no writer process"
ls -l "/proc/$WPID/fd" | grep -q 'socket:' ||
	fail "the writer has no socketpair"
[ "$(ls "/proc/$WPID/fd" | wc -l)" -le 5 ] ||
	fail "the writer holds the daemon's descriptors: $(ls "/proc/$WPID/fd")"
note "one thread; the queue's writer is process $WPID"

# A relay that delays each packet by 1 ms makes a transfer last long enough.
start_bg relay ip netns exec "$NS" "$RELAY" -D 1000 -T 60 127.0.0.1:7000 127.0.0.1:69
sleep 0.3
O=$T/out
mkdir "$O"
nsx curl -sS --max-time 30 -o "$O/slow" tftp://127.0.0.1:7000/300k 2>"$T/curl.err" &
cpid=$!
wait_for 5 log_has "sending 300k" || fail "the slow transfer did not start"
start=$(date +%s.%N)
kill -TERM "$(tftpd_pid)"
wait_for 3 log_has "letting 1 transfers finish" || fail "SIGTERM did not wait for the transfer"
# a new request now finds the port closed
got=$(TFTPD_CLIENT_TIMEOUT=0.5 nsx $CLIENT raw 127.0.0.1 69 "b'\\x00\\x011m\\x00octet\\x00'" | sed -n 1p)
[ "$got" = timeout ] || fail "a request after SIGTERM got an answer: $got"
wait "$cpid" || fail "the transfer in flight failed: $(cat "$T/curl.err")"
same "$ROOT/300k" "$O/slow" "transfer in flight at SIGTERM"
wait_for 5 sh -c "! kill -0 $(tftpd_pid) 2>/dev/null" || fail "tftpd did not exit after its last transfer"
secs=$(echo "$(date +%s.%N) - $start" | bc)
[ "$(echo "$secs < 4.5" | bc)" = 1 ] || fail "tftpd took $secs s to exit, not right after the transfer"
note "SIGTERM: the transfer in flight completed, a new request was refused, exit after $secs s"
wait_for 5 sh -c "! kill -0 $WPID 2>/dev/null" ||
	fail "the writer process outlived tftpd"

# A transfer longer than shutdown_grace = 1 is ended with an ERROR.
mv "$T/tftpd.log" "$T/tftpd1.log"
tftpd_start "[tftpd]
shutdown_grace = 1"
nsx atftp -g -r 1m -l "$O/cut" 127.0.0.1 7000 >"$T/atftp.out" 2>&1 &
cpid=$!
wait_for 5 log_has "sending 1m" || fail "the long transfer did not start"
kill -TERM "$(tftpd_pid)"
wait "$cpid" && fail "a transfer cut by shutdown_grace completed"
grep -q 'server shutting down' "$T/atftp.out" || fail "the client did not get the shutdown ERROR: $(cat "$T/atftp.out")"
wait_for 5 sh -c "! kill -0 $(tftpd_pid) 2>/dev/null" || fail "tftpd did not exit after shutdown_grace"
db_sql "SELECT detail FROM events WHERE kind = 'tftp-error'" | grep -q '^1m: server shutting down' ||
	fail "no tftp-error event for the transfer cut short"
note "shutdown_grace 1: the longer transfer got ERROR 'server shutting down' and an event"
kill "$(cat "$T/relay.pid")"

# Socket activation: systemd passes the bound socket as descriptor 3.
mv "$T/tftpd.log" "$T/tftpd2.log"
CONF=$(test_config "")
start_bg tftpd ip netns exec "$NS" "$PY" -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 69))
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"
os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.argv[1], sys.argv[1:])
' "$TFTPD" -d -f "$CONF" -p 1 "$ROOT"
wait_for 5 log_has "tftpd: started" || fail "socket-activated tftpd did not start: $(cat "$T/tftpd.log")"
log_has "listening on 127.0.0.1 port 69" || fail "the passed socket was not used: $(cat "$T/tftpd.log")"
nsx atftp -g -r 1m -l "$O/sa" 127.0.0.1 69 >/dev/null 2>&1
same "$ROOT/1m" "$O/sa" "socket-activated tftpd"
note "LISTEN_FDS: the passed socket is used (not -p 1)"
alive
