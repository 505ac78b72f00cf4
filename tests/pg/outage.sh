#!/bin/sh
# outage.sh (issue 15, points 2 and 4): daemons on one PostgreSQL server.
# 1. Change notification: two bootweb processes (two "servers") share
#    the database; a bootctl edit (server_address, which bootweb keeps in
#    its settings cache) changes the answer of both without a restart
#    (polled every 50 ms; the delay is printed: the issue asks for 1 s,
#    seen 21-144 ms; the test fails only past LIMIT, 5 s, as a shared
#    CI machine can stall a poll loop of curl for most of a second).
# 2. Losing the database: with the server stopped, pxedhcpd keeps
#    answering DISCOVERs from memory, says once what is degraded, and
#    queues its events; bootweb's and tftpd's answers are recorded. The
#    server started again on the same data directory, without restarting
#    a daemon: the queued events are in the database and a new edit
#    reaches pxedhcpd again.
# Skips (77) without libpq or without PostgreSQL's server binaries.
NB_TEST_DB=pg
export NB_TEST_DB
. "${top_srcdir:-.}/tests/helpers/pxedhcpd-lib.sh"
need_cmd curl

ms() { echo $(( $(date +%s%N) / 1000000 )); }
LIMIT=${NOTIFY_LIMIT_MS:-5000}

# --- 1. an edit reaches both servers' bootweb, timed ---
P1=$((20000 + ($$ + 101) % 12000))
P2=$((P1 + 1))
chown -R nobody: "$T" 2>/dev/null
start_bg bootweb1 "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $P1 -P 0
start_bg bootweb2 "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $P2 -P 0
for p in $P1 $P2; do
	wait_for 5 curl -sf -o /dev/null "http://127.0.0.1:$p/boot.ipxe" ||
		fail "bootweb on $p did not start: $(cat "$T"/bootweb*.log)"
done
# chained P: bootweb on port P chains to the address ADDR (its answer).
chained() {
	curl -sf -m 1 "http://127.0.0.1:$1/boot.ipxe" 2>/dev/null |
	    grep -q "^chain --autofree http://$2:$1/boot?"
}
chained $P1 127.0.0.1 && chained $P2 127.0.0.1 ||
	fail "boot.ipxe: $(curl -s "http://127.0.0.1:$P1/boot.ipxe")"
# seen_by_both ADDR: both answers chain to ADDR within LIMIT ms of now (50 ms
# polls); prints the delay in ms.
seen_by_both() {
	local t0=$(ms) now ok1=0 ok2=0
	while :; do
		[ $ok1 = 1 ] || ! chained $P1 "$1" || ok1=1
		[ $ok2 = 1 ] || ! chained $P2 "$1" || ok2=1
		now=$(ms)
		[ $((now - t0)) -gt $LIMIT ] && { echo $((now - t0)); return 1; }
		[ $ok1 = 1 ] && [ $ok2 = 1 ] && { echo $((now - t0)); return 0; }
		sleep 0.05
	done
}
for a in 10.77.0.9 10.77.0.8; do
	t0=$(ms)
	bctl settings set server_address $a
	t1=$(ms)
	d=$(seen_by_both $a) || fail "server_address $a not seen by both bootweb" \
	    "within $LIMIT ms after bootctl ($d ms)"
	note "edit -> both servers: $d ms after bootctl returned" \
	    "(bootctl took $((t1 - t0)) ms)"
done
bctl settings unset server_address
d=$(seen_by_both 127.0.0.1) || fail "unset server_address not seen within $LIMIT ms"
note "unset -> both servers: $d ms"

# --- 2. the database goes away ---
KNOWN=52:54:00:15:04:01
OTHER=52:54:00:15:04:02
bctl client add "$KNOWN" --name known1
pxedhcpd_start
client expect-offer "$KNOWN"
# tftpd beside pxedhcpd: a file on disk and a global virtual file
mkdir -p "$T/root"
echo "on disk" >"$T/root/disk.cfg"
printf 'virtual\n' >"$T/vfile"
bctl file add virtual.cfg --global --content-file "$T/vfile"
chmod -R a+rX "$T/root"
start_bg tftpd ip netns exec "$SRV" "$TFTPD" -d -v -f "$CONF" -l 127.0.0.1 \
    -p 69 "$T/root"
wait_for 5 grep -q 'tftpd: started' "$T/tftpd.log" ||
	fail "tftpd did not start: $(cat "$T/tftpd.log")"
# tget FILE: fetch FILE from tftpd; prints its content or the error.
tget() {
	rm -f "$T/tftp.out"
	ip netns exec "$SRV" "$PY" "$top_srcdir/tests/helpers/tftpd-client.py" \
	    get 127.0.0.1 69 "$1" "$T/tftp.out" >"$T/tftp.log" 2>&1
	if [ -f "$T/tftp.out" ]; then cat "$T/tftp.out"; else
		tr '\n' ' ' <"$T/tftp.log"; fi
}
[ "$(tget disk.cfg)" = "on disk" ] || fail "tftpd disk.cfg: $(tget disk.cfg)"
[ "$(tget virtual.cfg)" = "virtual" ] || fail "tftpd virtual.cfg: $(tget virtual.cfg)"
wait_for 5 db_ge "SELECT count(*) FROM events WHERE kind = 'dhcp-offer' AND mac = '$KNOWN'" 1 ||
	fail "no offer event before the outage"
# pxedhcpd learns of an edit too, timed: its debug line for the new
# policy (polled every 50 ms)
# policy_seen WORD: within LIMIT ms, pxedhcpd builds a policy with unknown
# clients WORD (answered, ignored); prints the delay in ms.
policy_seen() {
	local t0=$(ms) now ok=0
	while :; do
		tail -n 5 "$T/pxedhcpd.log" | grep -q "policy .*unknown clients $1" &&
			ok=1
		now=$(ms)
		[ $((now - t0)) -gt $LIMIT ] && { echo $((now - t0)); return 1; }
		[ $ok = 1 ] && { echo $((now - t0)); return 0; }
		sleep 0.05
	done
}
bctl settings set unknown_clients ignore
d=$(policy_seen ignored) || fail "pxedhcpd did not see unknown_clients = ignore within $LIMIT ms"
note "edit -> pxedhcpd's policy: $d ms"
bctl settings set unknown_clients answer
d=$(policy_seen answered) || fail "pxedhcpd did not see unknown_clients = answer within $LIMIT ms"
note "edit -> pxedhcpd's policy: $d ms"
before=$(db_sql "SELECT count(*) FROM events WHERE daemon = 'pxedhcpd'")
curl -s -o "$T/web.up" -w '%{http_code}' "http://127.0.0.1:$P1/boot.ipxe" >"$T/web.up.code"

lines0=$(wc -l <"$T/pxedhcpd.log")
t0=$(ms)
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
	fail "pg_ctl stop"
note "PostgreSQL stopped"
# pxedhcpd answers from memory: the known client, an unknown one, again.
client expect-offer "$KNOWN"
client expect-offer "$OTHER"
client expect-offer "$KNOWN"
sleep 2		# the first failures, each said once
n1=$(grep -c warning "$T/pxedhcpd.log")
sleep 2		# 20 writer ticks, 2 reconnection attempts
n2=$(grep -c warning "$T/pxedhcpd.log")
kill -0 "$(cat "$T/pxedhcpd.pid")" 2>/dev/null || fail "pxedhcpd died: $(tail "$T/pxedhcpd.log")"
sed -n "$((lines0 + 1)),\$p" "$T/pxedhcpd.log" >"$T/down.log"
note "pxedhcpd while the database is down:"
grep -v 'debug: dhcp-' "$T/down.log" | sed 's/^/#   /' | head -20
grep -q 'the database cannot be read: answering from memory' "$T/down.log" ||
	fail "pxedhcpd does not say it answers from memory: $(cat "$T/down.log")"
grep -q 'write queue: .*unreachable.*wait in memory' "$T/down.log" ||
	fail "pxedhcpd does not say its events wait: $(cat "$T/down.log")"
grep -q 'writes* dropped' "$T/down.log" && fail "pxedhcpd dropped events: $(cat "$T/down.log")"
# what failed at first, then silence: not a line a tick (100 ms)
[ "$n2" = "$n1" ] || fail "pxedhcpd floods its log: $((n2 - n1)) warnings" \
    "in 2 s of the outage"
# bootweb without requests (its write queue, its webhook sender): each
# failure said once in 4 s, not once a second
for b in bootweb1 bootweb2; do
	rep=$(grep warning "$T/$b.log" | cut -c1-40 | sort | uniq -d)
	[ -z "$rep" ] || fail "$b repeats itself in the outage: $rep"
done

# bootweb and tftpd while the database is down: recorded, not asserted.
code=$(curl -s -m 5 -o "$T/web.down" -w '%{http_code}' "http://127.0.0.1:$P1/boot.ipxe")
note "bootweb /boot.ipxe while down: $code (up: $(cat "$T/web.up.code"))"
code=$(curl -s -m 5 -o "$T/web.down2" -w '%{http_code}' --interface 127.0.0.1 \
    "http://127.0.0.1:$P1/boot?mac=$KNOWN")
note "bootweb /boot?mac= while down: $code: $(head -c 200 "$T/web.down2" | tr '\n' ' ')"
kill -0 "$(cat "$T/bootweb1.pid")" 2>/dev/null || fail "bootweb died while the database was down"
note "tftpd while down: disk.cfg: $(tget disk.cfg); virtual.cfg: $(tget virtual.cfg)"
grep warning "$T/tftpd.log" | sed 's/^/#   /'
kill -0 "$(cat "$T/tftpd.pid")" 2>/dev/null || fail "tftpd died while the database was down"
note "bootweb while down:"
grep warning "$T/bootweb1.log" | sed 's/^/#   /'

# The server comes back on the same data directory.
pg_ctl_start "$PG_DIR/data" || fail "PostgreSQL did not start again: $(tail -5 "$PG_DIR/server.log")"
note "PostgreSQL started again after $(( $(ms) - t0 )) ms"
# the queued events (three offers at least) reach the database
t1=$(ms)
wait_for 10 db_ge "SELECT count(*) FROM events WHERE daemon = 'pxedhcpd'" $((before + 3)) ||
	fail "the queued events were not written: $before before, now $(db_sql \
	"SELECT count(*) FROM events WHERE daemon = 'pxedhcpd'"); log: $(tail -20 "$T/pxedhcpd.log")"
note "queued events written $(( $(ms) - t1 )) ms after the restart"
grep -q 'write queue: the database is back' "$T/pxedhcpd.log" ||
	fail "pxedhcpd does not say its writes resumed"
wait_for 5 grep -q 'the database is readable again' "$T/pxedhcpd.log" ||
	fail "pxedhcpd does not say it reads the database again"
db_is "SELECT count(*) > 0 FROM events WHERE kind = 'dhcp-offer' AND mac = '$OTHER'" t ||
	fail "the offer to the unknown client during the outage was lost"
wait_for 10 db_is "SELECT count(*) FROM clients WHERE mac = '$OTHER'" 1 ||
	fail "the client discovered during the outage is not recorded"
# new edits reach pxedhcpd again, without a restart
bctl client deny "$KNOWN"
t1=$(ms)
n=0
until ip netns exec "$CLI" "$PY" "$top_srcdir/tests/helpers/pxedhcpd-client.py" \
    cli0 "$SERVER_IP" "$CLIENT_IP" 8080 expect-none "$KNOWN" >/dev/null 2>&1; do
	n=$((n + 1))
	[ $n -lt 10 ] || fail "a deny after the restart does not reach pxedhcpd"
done
note "deny after the restart reached pxedhcpd within $(( $(ms) - t1 )) ms"
bctl client allow "$KNOWN"
bctl settings set unknown_clients ignore
d=$(policy_seen ignored) || fail "after the restart, pxedhcpd did not see an edit within $LIMIT ms"
note "edit -> pxedhcpd's policy after the restart: $d ms"
# both bootweb read the database again (each connects again on a
# request, at most one attempt a second), then an edit, timed
t1=$(ms)
for p in $P1 $P2; do
	wait_for 10 sh -c "curl -s --interface 127.0.0.1 \
	    'http://127.0.0.1:$p/boot?mac=$KNOWN' | grep -q '^#!ipxe' &&
	    ! curl -s --interface 127.0.0.1 'http://127.0.0.1:$p/boot?mac=$KNOWN' |
	    grep -q 'could not be read'" ||
		fail "bootweb on $p does not read the database again"
done
note "both bootweb read the database again after $(( $(ms) - t1 )) ms"
bctl settings set server_address 10.77.0.7
d=$(seen_by_both 10.77.0.7) || fail "after the restart, an edit not seen by bootweb within $LIMIT ms ($d ms)"
note "edit -> both servers after the restart: $d ms"
kill -0 "$(cat "$T/pxedhcpd.pid")" 2>/dev/null || fail "pxedhcpd died"
# tftpd reconnects on a request (at most one attempt a second)
n=0
until [ "$(tget virtual.cfg)" = "virtual" ]; do
	n=$((n + 1))
	[ $n -lt 5 ] || fail "tftpd virtual.cfg after the restart: $(tget virtual.cfg)"
	sleep 0.5
done
note "tftpd serves the virtual file again ($n failed tries first)"
exit 0
