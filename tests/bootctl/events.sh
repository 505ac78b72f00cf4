#!/bin/sh
# bootctl events list | prune: filters, --limit (the newest N), --json,
# --follow printing an event another process inserts, ending with exit 0
# on SIGTERM and SIGINT.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"

# ev AGE_SECONDS MAC KIND DETAIL: insert an event as a daemon would, AGE seconds ago.
ev() {
	db_sql "INSERT INTO events (ts, mac, ip, daemon, kind, detail) VALUES
		(unixepoch('now') - $1, $(if [ -n "$2" ]; then echo "'$2'"; else echo NULL; fi),
		'10.0.0.9', 'pxedhcpd', '$3', '$4')"
}
ev 864000 52:54:00:00:00:01 dhcp-offer "ten days old"
ev 172800 52:54:00:00:00:02 dhcp-offer "two days old"
ev 3600 52:54:00:00:00:01 tftp-start "an hour old"
ev 60 "" dhcp-ignore "no mac"
db_sql "INSERT INTO events (ts, mac, daemon, kind, detail) VALUES (unixepoch('now'),
	'52:54:00:00:00:01', 'tftpd', 'tftp-error', 'evil $(printf '\033')[2J name')"

ok events list
head -1 "$T/out" | grep -q '^TIME  *MAC  *IP  *DAEMON  *KIND  *DETAIL$' || fail "header: $(head -1 "$T/out")"
[ "$(wc -l <"$T/out")" = 6 ] || fail "list: $(cat "$T/out")"
sed -n 2p "$T/out" | grep -q '^[0-9-]* [0-9:.]*  *52:54:00:00:00:01  *10.0.0.9  *pxedhcpd  *dhcp-offer  *ten days old$' ||
	fail "first row: $(sed -n 2p "$T/out")"
# Text from the network is escaped before it reaches a terminal.
grep -q 'evil \\033\[2J name' "$T/out" || fail "escape not escaped: $(tail -1 "$T/out" | od -c | head -3)"
grep -q "$(printf '\033')" "$T/out" && fail "raw escape printed"

ok events list --mac 5254.0000.0001
[ "$(wc -l <"$T/out")" = 4 ] || fail "list --mac: $(cat "$T/out")"
grep -q '52:54:00:00:00:02' "$T/out" && fail "list --mac shows another MAC"

# --limit N: the newest N, oldest first.
ok events list --limit 2 --json
json_ok
json_is '[.[].kind] | join(",")' dhcp-ignore,tftp-error
ok events list --limit 2 --mac 52:54:00:00:00:01 --json
json_is '.[0].detail' "an hour old"
json_is '.[1].detail | @json' '"evil \u001b[2J name"'
ok events list --limit 0
[ "$(wc -l <"$T/out")" = 1 ] || fail "--limit 0 printed past events: $(cat "$T/out")"
ok events list --json
json_ok
json_is length 5
json_is '.[0] | keys | join(",")' daemon,detail,id,ip,kind,mac,ts
json_is '.[3].mac' null
json_is '.[0].ts | type' number

# --follow: the past, then what another process inserts, until SIGTERM (exit 0).
start_bg follow "$BOOTCTL" -D "$DB" events list --follow
wait_for 5 grep -q 'ten days old' "$T/follow.log" || fail "follow did not print the past: $(cat "$T/follow.log")"
ev 0 52:54:00:00:00:03 http-script "arrived while following"
wait_for 5 grep -q 'arrived while following' "$T/follow.log" ||
	fail "follow did not print the new event: $(cat "$T/follow.log")"
grep -q '52:54:00:00:00:03 .*http-script' "$T/follow.log" || fail "new event row: $(cat "$T/follow.log")"
pid=$(cat "$T/follow.pid")
kill -TERM "$pid"
wait "$pid"; rc=$?
[ "$rc" = 0 ] || fail "follow exited $rc on SIGTERM, expected 0"

# --follow --json --mac --limit 1: JSON lines, only that MAC, the newest
# past one then the new ones; SIGINT ends it. (The first line shows the
# listing is done, so what is inserted next is new: no race.)
ev 0 52:54:00:00:00:04 dhcp-offer "old 1"
ev 0 52:54:00:00:00:04 dhcp-offer "old 2"
start_bg followj "$BOOTCTL" -D "$DB" events list --follow --json --mac 52:54:00:00:00:04 --limit 1
wait_for 5 grep -q 'old 2' "$T/followj.log" || fail "follow --json --limit 1: $(cat "$T/followj.log")"
ev 0 52:54:00:00:00:05 dhcp-offer "other mac"
ev 0 52:54:00:00:00:04 dhcp-offer "mine 1"
ev 0 52:54:00:00:00:04 dhcp-ack "mine 2"
wait_for 5 grep -q 'mine 2' "$T/followj.log" || fail "follow --json: $(cat "$T/followj.log")"
pid=$(cat "$T/followj.pid")
kill -INT "$pid"
wait "$pid"; rc=$?
[ "$rc" = 0 ] || fail "follow exited $rc on SIGINT, expected 0"
[ "$(wc -l <"$T/followj.log")" = 3 ] || fail "follow --json lines: $(cat "$T/followj.log")"
jq -e -s 'length == 3 and .[0].detail == "old 2" and .[1].detail == "mine 1" and
	.[2].kind == "dhcp-ack" and all(.mac == "52:54:00:00:00:04")' "$T/followj.log" >/dev/null ||
	fail "follow --json output: $(cat "$T/followj.log")"

# prune --older-than DAYS.
before=$(db_sql "SELECT count(*) FROM events")
ok events prune --older-than 5
expect_out "pruned 1 event older than 5 days"
[ "$(db_sql "SELECT count(*) FROM events")" = $((before - 1)) ] || fail "prune 5"
[ "$(db_sql "SELECT count(*) FROM events WHERE detail = 'ten days old'")" = 0 ] || fail "prune kept the old one"
ok events prune --older-than 1
expect_out "pruned 1 event older than 1 day"
ok events prune --older-than 1
expect_out "pruned 0 events"

# Usage errors.
usage "--limit '-1' is too small" events list --limit -1
usage "--limit 'many' is invalid" events list --limit many
usage "'52:54' is neither a MAC address nor a client name" events list --mac 52:54
error "no client named 'nosuch'" events list --mac nosuch
usage "unknown option '--tail'" events list --tail
usage "unexpected argument 'now'" events list now
usage "--older-than DAYS is required" events prune
usage "--older-than 'x' is invalid" events prune --older-than x
usage "--older-than '-3' is too small" events prune --older-than -3
usage "option '--older-than' needs a value" events prune --older-than
usage "unknown command 'events tail'" events tail
exit 0
