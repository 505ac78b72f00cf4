#!/bin/sh
# trust.sh: a hostile machine on the boot network gets nothing that
# is not its own (issue 11; netboot(7) TRUST MODEL). bootweb and tftpd run
# in one namespace on a bridge; the victim V (10.81.0.2, fd81::2) and the
# attacker X (10.81.0.3, fd81::3) each sit in their own namespace behind a
# veth, so the server has real neighbour entries (ARP, NDP) for both. Each
# attack of the issue is replayed from X and must fail:
#   /boot?mac=V rebinding V's last_ip, showing V's command line, consuming
#   V's one-time action; then V's preseed, V's self-API (suspend, done),
#   V's per-client files over HTTP and TFTP; a DHCPv6 lease naming V for
#   X's address (expired, declined, or even bound: the NDP entry wins);
#   forged and stale tokens; boot.routed = claim (on the link, evidence
#   still wins); a read error of the database giving a denied V the menu.
# V itself gets all of it through its token URL.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl sqlite3

PORT=$((20000 + ($$ + 6131) % 12000))
TPORT=$((PORT + 1))
V=52:54:00:7e:00:02
X=52:54:00:7e:00:03
mkdir -p "$T/ipxe" "$T/boot"
echo kernel >"$T/boot/vmlinuz"
echo initrd >"$T/boot/initrd.gz"
CONF=$(test_config "http_port = $PORT
[bootweb]
ipxe_dir = $T/ipxe")
bc() { "$BOOTCTL" -f "$CONF" -D "$DB" "$@" >"$T/bc.out" 2>&1 || fail "bootctl $*: $(cat "$T/bc.out")"; }
bc db init
printf 'd-i passwd/root-password-crypted password {{vars.roothash}}\nd-i preseed/late_command string wget --post-data= {{self_url}}/done\n' >"$T/preseed"
bc template add t-preseed --kind preseed --file "$T/preseed"
bc image add debian --kernel boot/vmlinuz --initrd boot/initrd.gz \
    --cmdline 'hostname={{client.hostname}} {{#vars.secret}}secret={{vars.secret}}{{/vars.secret}}' \
    --template t-preseed
bc client add $V --name victim --hostname victimhost --image debian \
    --var 'roothash=$6$VICTIMSALT$hash' --var secret=VICTIMSECRET
printf 'victim only\n' >"$T/vfile"; printf 'everyone\n' >"$T/gfile"
bc file add site/conf.txt --mac $V --content-file "$T/vfile"
bc file add site/conf.txt --global --content-file "$T/gfile"
bc file add site/private.txt --mac $V --content-file "$T/vfile"
chown -R nobody: "$T"

ns=$(netns_new srv) || exit 1
vn=$(netns_new vic) || exit 1
xn=$(netns_new att) || exit 1
ip -n "$ns" link add br0 type bridge || fail "cannot create a bridge"
ip -n "$ns" addr add 10.81.0.1/24 dev br0
ip -n "$ns" addr add fd81::1/64 dev br0 nodad
ip -n "$ns" link set br0 up
link_up() { ip -n "$1" link show "$2" | grep -q 'state UP'; }
plug() {	# plug NS IF MAC V4 V6
	ip link add "b$2" netns "$ns" type veth peer name "$2" netns "$1" ||
		fail "cannot create a veth pair"
	ip -n "$ns" link set "b$2" master br0 up
	ip -n "$1" link set "$2" address "$3"
	ip -n "$1" addr add "$4/24" dev "$2"
	ip -n "$1" addr add "$5/64" dev "$2" nodad
	ip -n "$1" link set "$2" up
	wait_for 5 link_up "$1" "$2" || fail "$2 did not come up"
}
plug "$vn" vv $V 10.81.0.2 fd81::2
plug "$xn" xv $X 10.81.0.3 fd81::3
wait_for 5 link_up "$ns" br0 || fail "the bridge did not come up"

start_bg bootweb ip netns exec "$ns" "$BOOTWEB" -d -f "$CONF" -l :: -p $PORT -P 0
start_bg tftpd ip netns exec "$ns" "$TFTPD" -d -f "$CONF" -l 0.0.0.0 -p $TPORT "$T/boot"
U=http://10.81.0.1:$PORT
U6="http://[fd81::1]:$PORT"
wait_for 5 ip netns exec "$vn" curl -sf -o /dev/null "$U/boot.ipxe" ||
	fail "bootweb did not start: $(cat "$T/bootweb.log")"

vget() { ip netns exec "$vn" curl -g -s -o "$T/b" -w '%{http_code}' "$@"; }
xget() { ip netns exec "$xn" curl -g -s -o "$T/b" -w '%{http_code}' "$@"; }
expect() {	# expect WANT WHAT GETTER ARGS...
	local want=$1 what=$2 got; shift 2
	got=$("$@")
	[ "$got" = "$want" ] || fail "$what: status $got, expected $want ($(head -c 300 "$T/b"))"
}
has() { grep -qF -- "$1" "$T/b" || fail "$2: lacks '$1' in: $(cat "$T/b")"; }
hasnt() { ! grep -qF -- "$1" "$T/b" || fail "$2: has '$1' in: $(cat "$T/b")"; }
tokurl() { grep -o "$U/t/[0-9a-f]\{52\}" "$T/b" | head -1; }
col() { db_sql "SELECT CASE WHEN $1 IS NULL THEN '-' ELSE CAST($1 AS TEXT) END FROM clients WHERE mac = '$V'"; }

# The victim boots first: its own script, with its token; its address recorded.
bc client next-boot $V install
expect 200 "V's script" vget "$U/boot?mac=$V&serial=V-SERIAL"
has "# netboot: $V victim: next_boot install" "V's script"
has "secret=VICTIMSECRET" "V's command line"
TV=$(tokurl); [ -n "$TV" ] || fail "no token in V's script"
sleep 0.3
[ "$(col last_ip)" = 10.81.0.2 ] || fail "V's last_ip: $(col last_ip)"
note "the victim gets its script and token"

# Attack 1: /boot?mac=V from X. X gets X's own script: none of V's command
# line, no token of V's, V's one-time action and address untouched.
bc client next-boot $V local
expect 200 "X claims V" xget "$U/boot?mac=$V&serial=EVIL%0Ad-i"
has "# netboot: $X:" "X is X"
hasnt "VICTIMSECRET" "X sees V's command line"
hasnt "victimhost" "X sees V's hostname"
hasnt "${TV##*/t/}" "X gets V's token"
sleep 0.3
[ "$(col last_ip)" = 10.81.0.2 ] || fail "X rebound V's last_ip to $(col last_ip)"
[ "$(col next_boot)" = local ] || fail "X consumed V's one-time action: $(col next_boot)"
[ "$(db_sql "SELECT json_extract(inventory, '$.serial') FROM clients WHERE mac = '$V'")" = V-SERIAL ] ||
	fail "X wrote V's inventory"
[ "$(db_sql "SELECT last_ip FROM clients WHERE mac = '$X'")" = 10.81.0.3 ] ||
	fail "X not recorded as itself"
db_sql "SELECT detail FROM events WHERE kind = 'http-claim' AND mac = '$X'" | grep -q "claimed $V" ||
	fail "no http-claim event"
note "/boot?mac=V from X: X's own script; V's line, action, address and inventory untouched"

# Attack 1 again over IPv6, with a DHCPv6 lease naming V for X's address:
# expired, declined, and bound; the NDP entry says who X is all the same.
for st in "bound -1" "declined 600" "bound 600"; do
	set -- $st
	db_sql "DELETE FROM leases6; INSERT INTO leases6 (addr, duid, iaid, mac, state,
	    expires, updated) VALUES ('fd81::3', $(db_blob 000300015254007e0002), 1, '$V', '$1',
	    CAST(strftime('%s', 'now') AS INTEGER) + $2, 0)" || fail "cannot plant a lease"
	expect 200 "X claims V over IPv6 ($st lease)" xget "$U6/boot?mac=$V"
	hasnt "VICTIMSECRET" "X over IPv6 with a $1 lease sees V's command line"
	has "# netboot: $X:" "X over IPv6 is X ($st lease)"
done
db_sql "DELETE FROM leases6"
[ "$(col next_boot)" = local ] || fail "X over IPv6 consumed V's one-time action"
note "over IPv6 with expired, declined and bound leases naming V: X is X"

# Attack 2: V's unattended file. The old form is refused to everyone; X's
# own token with V's MAC in it, and a token made up, are refused.
expect 403 "X asks V's preseed" xget "$U/unattended/$V/preseed.cfg"
hasnt "VICTIMSALT" "refused preseed"
expect 200 "X's own script" xget "$U/boot?mac=$X"
TX=$(tokurl); [ -n "$TX" ] || fail "no token in X's own script: $(cat "$T/b")"
expect 403 "X's token with V's MAC" xget "$U/t/$(echo "${TX##*/t/}" | sed 's/^5254007e0003/5254007e0002/')/preseed.cfg"
hasnt "VICTIMSALT" "forged token"
expect 403 "a made-up token for V" xget "$U/t/5254007e0002ffffffff00000000000000000000000000000000/preseed.cfg"
hasnt "VICTIMSALT" "made-up token"
note "V's preseed: 403 to X by the old URL, by X's token re-labelled, by a made-up token"

# Attack 3: V's self-API: suspend and done.
bc client next-boot $V install
expect 403 "X suspends V" xget -X POST "$U/api/v1/self/suspend"
expect 403 "X marks V done" xget -X POST "$U/api/v1/self/done"
expect 403 "X suspends V over IPv6" xget -X POST "$U6/api/v1/self/suspend"
[ "$(col suspended)" = 0 ] || fail "X suspended V"
[ "$(col next_boot)" = install ] || fail "X cleared V's next_boot"
note "V's self-API: 403 to X"

# Attack 4: V's per-client files over HTTP and TFTP.
expect 200 "X asks V's file" xget "$U/site/conf.txt"
[ "$(cat "$T/b")" = everyone ] || fail "X got V's file over HTTP: $(cat "$T/b")"
expect 404 "X asks V's private file" xget "$U/site/private.txt"
ip netns exec "$xn" curl -s --max-time 10 -o "$T/b" "tftp://10.81.0.1:$TPORT/site/conf.txt" ||
	fail "TFTP from X: $(tail -2 "$T/tftpd.log")"
[ "$(cat "$T/b")" = everyone ] || fail "X got V's file over TFTP: $(cat "$T/b")"
ip netns exec "$xn" curl -s --max-time 10 -o "$T/b" "tftp://10.81.0.1:$TPORT/site/private.txt" &&
	fail "X got V's private file over TFTP"
ip netns exec "$vn" curl -s --max-time 10 -o "$T/b" "tftp://10.81.0.1:$TPORT/site/private.txt" ||
	fail "V cannot get its own file over TFTP: $(tail -2 "$T/tftpd.log")"
[ "$(cat "$T/b")" = "victim only" ] || fail "V's own TFTP file: $(cat "$T/b")"
note "V's files: global or nothing to X over HTTP and TFTP; V gets its own"

# boot.routed = claim believes ?mac= only for peers without evidence: X on the link is still X.
bc settings set boot.routed claim
expect 200 "X claims V with boot.routed claim" xget "$U/boot?mac=$V"
has "# netboot: $X:" "X is X under claim"; hasnt "VICTIMSECRET" "claim on the link"
bc settings unset boot.routed
[ "$(col next_boot)" = install ] || fail "claim consumed V's action"
note "boot.routed claim: a neighbour entry still wins"

# The victim, with its token: preseed (with its self_url), self-API, files.
expect 200 "V's preseed" vget "$TV/preseed.cfg"
has 'VICTIMSALT' "V's preseed"
has "$TV/api/v1/self/done" "self_url in the preseed"
expect 200 "V's file by token" vget "$TV/site/private.txt"
[ "$(cat "$T/b")" = "victim only" ] || fail "V's private file: $(cat "$T/b")"
expect 200 "V done" vget -X POST "$TV/api/v1/self/done"
# The self-API's writes are queued (libnetboot/wq.c): written within a tick or two.
cleared() { [ "$(col next_boot)" = - ]; }
wait_for 5 cleared || fail "V's done did not clear: $(col next_boot)"
# The token is a capability: it works from anywhere while it is valid, so a
# new boot ends it. After V boots again, the old token is refused.
expect 200 "V boots again" vget "$U/boot?mac=$V"
TV2=$(tokurl)
[ -n "$TV2" ] && [ "$TV2" != "$TV" ] || fail "a new boot kept the token"
expect 403 "the last boot's token" xget "$TV/preseed.cfg"
expect 200 "this boot's token" vget "$TV2/preseed.cfg"
note "V's own files and self-API by token; the last boot's token is refused"

# A read error is an error, not "no such client": a denied V whose row
# cannot be read gets the local disk (never the menu), and the log says why.
bc client deny $V
db_sql "ALTER TABLE clients RENAME TO clients_away" || fail "cannot hide the clients table"
expect 200 "V's script with the clients table unreadable" vget "$U/boot?mac=$V"
db_sql "ALTER TABLE clients_away RENAME TO clients" || fail "cannot restore the clients table"
grep -q '^goto local$' "$T/b" && ! grep -q '^choose' "$T/b" ||
	fail "a read error gave: $(cat "$T/b")"
grep -q "$V: reading the client: .*serving the local disk" "$T/bootweb.log" ||
	fail "no log line for the read error: $(tail -3 "$T/bootweb.log")"
bc client allow $V
note "a database read error: the local disk and a log line"

# Tokens never reach the log or the events.
sleep 0.3
! db_sql "SELECT detail FROM events" | grep -q '[0-9a-f]\{52\}' ||
	fail "a token in the events: $(db_sql "SELECT detail FROM events" | grep '[0-9a-f]\{52\}' | head -2)"
! grep -q '[0-9a-f]\{52\}' "$T/bootweb.log" "$T/tftpd.log" || fail "a token in a log"
n=$(db_sql "SELECT count(*) FROM events WHERE kind IN ('http-unattended', 'http-token', 'self-refused')")
[ "$n" -ge 6 ] || fail "refusals not all recorded ($n)"
kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died"
note "no token in $(db_sql "SELECT count(*) FROM events") events or the logs; $n refusals recorded"
exit 0
