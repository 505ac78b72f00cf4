#!/bin/sh
# api-sse.sh: GET /api/v1/events/stream: one "id:" per event in order;
# a connection killed midway and resumed with Last-Event-ID loses and
# repeats nothing; ?kind= and ?mac= filter; bootweb's own events arrive
# too; a heartbeat comment within 15 s; a consumer that never reads is
# dropped once its unsent output passes the bound (and counted in
# /metrics); credentials and role (operator) required.
API_SEED=203
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
api_start
O="Authorization: Bearer $TO"
S=/api/v1/events/stream
M1=52:54:00:00:04:01

api_call 401 GET $S
api_call 403 GET $S -H "Authorization: Bearer $TV"
api_call 400 GET "$S?mac=nope" -H "$O"

# A stream that sees nothing but heartbeats, for the end of the test.
curl -sN --max-time 18 -H "$O" "$AU$S?kind=no-such-kind" >"$T/beat" 2>&1 &
BEAT=$!

ev() {	# ev KIND [MAC]: one event, written by another connection
	local m=NULL
	[ -n "${2:-}" ] && m="'$2'"
	db_sql "INSERT INTO events (ts, mac, daemon, kind, detail)
	    VALUES (strftime('%s','now'), $m, 'bootctl', '$1', 'test')" ||
		fail "cannot add an event"
}
ids() { sed -n 's/^id: //p' "$@"; }
base=$(db_sql "SELECT ifnull(max(id), 0) FROM events")

curl -sN --max-time 20 -H "$O" "$AU$S" >"$T/s1" 2>/dev/null &
C1=$!
sleep 0.5
for i in 1 2 3 4 5; do ev k1 "$M1"; done
wait_for 5 sh -c "[ \$(grep -c '^id: ' '$T/s1') -ge 5 ]" ||
	fail "stream got $(ids "$T/s1" | wc -l) of 5 events: $(cat "$T/s1")"
kill "$C1"
wait "$C1" 2>/dev/null
grep -q '^event: k1$' "$T/s1" || fail "no event: line: $(cat "$T/s1")"
grep -q '^data: {.*"kind": *"k1"' "$T/s1" || fail "no data: line: $(cat "$T/s1")"
last=$(ids "$T/s1" | tail -1)
# While nobody listens, more events; then resume from the last id seen.
for i in 6 7 8 9 10; do ev k2; done
curl -sN --max-time 3 -H "$O" -H "Last-Event-ID: $last" "$AU$S" >"$T/s2" 2>/dev/null
ids "$T/s1" "$T/s2" >"$T/got"
db_sql "SELECT id FROM events WHERE id > $base ORDER BY id" >"$T/want"
cmp -s "$T/got" "$T/want" ||
	fail "resume: got $(tr '\n' ' ' <"$T/got"), want $(tr '\n' ' ' <"$T/want")"
note "killed after $(ids "$T/s1" | wc -l) events, resumed: nothing lost or repeated"

curl -sN --max-time 2 -H "$O" "$AU$S?after=$base&kind=k2" >"$T/s3" 2>/dev/null
[ "$(grep -c '^event: k2$' "$T/s3")" = 5 ] && ! grep -q '^event: k1' "$T/s3" ||
	fail "kind filter: $(cat "$T/s3")"
curl -sN --max-time 2 -H "$O" "$AU$S?after=$base&mac=$M1" >"$T/s4" 2>/dev/null
[ "$(grep -c '^id: ' "$T/s4")" = 5 ] && ! grep -q '^event: k2' "$T/s4" ||
	fail "mac filter: $(cat "$T/s4")"
note "kind and mac filters"

# bootweb's own events (its queue, not another connection) arrive too.
curl -sN --max-time 4 -H "$O" "$AU$S?kind=http-error" >"$T/s5" 2>/dev/null &
C5=$!
sleep 0.5
curl -s -o /dev/null "$BU/no-such-file-here"
wait "$C5"
grep -q '^event: http-error$' "$T/s5" || fail "own event missing: $(cat "$T/s5")"
note "bootweb's own events are streamed"

# A subscriber that never reads, a small receive buffer: dropped. The
# flood waits until bootweb has logged the stream's start.
n0=$(grep -c 'event stream for' "$T/bootweb.log")
python3 - "$APORT" "$TO" <<'PYEOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(("GET /api/v1/events/stream HTTP/1.1\r\nHost: x\r\n"
    "Authorization: Bearer %s\r\n\r\n" % sys.argv[2]).encode())
time.sleep(25)
PYEOF
SLOW=$!
wait_for 10 sh -c '[ "$(grep -c "event stream for" "$1")" -gt "$2" ]' sh \
    "$T/bootweb.log" "$n0" || fail "the slow subscriber's stream did not start"
db_sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
    WHERE i < 20000) INSERT INTO events (ts, daemon, kind, detail)
    SELECT 1, 'bootctl', 'flood', '$(head -c 300 /dev/zero | tr '\0' x)' FROM n" ||
	fail "cannot flood"
wait_for 20 grep -q 'event stream of .* dropped' "$T/bootweb.log" ||
	fail "slow consumer not dropped: $(tail -5 "$T/bootweb.log")"
kill "$SLOW" 2>/dev/null
api_call 200 GET /metrics -H "$O"
grep -q '^bootweb_sse_dropped_total 1$' "$T/body" ||
	fail "metrics: $(grep sse "$T/body")"
rss=$(awk '/^VmRSS/ {print $2 " kB"}' /proc/$(cat "$T/bootweb.pid")/status)
note "a consumer that never reads is dropped (bootweb RSS $rss)"

wait "$BEAT"
grep -qx ':' "$T/beat" || fail "no heartbeat in 18 s: $(cat "$T/beat")"
grep -q '^id: ' "$T/beat" && fail "kind filter let an event through"
note "heartbeat comments on an idle stream"
