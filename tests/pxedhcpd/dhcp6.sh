#!/bin/sh
# pxedhcpd-dhcp6: DHCPv6 boot (RFC 5970) in a namespace pair joined by a
# veth pair with IPv6 link-local addresses only. tests/helpers/pxedhcpd-dhcp6.py
# plays the firmware with scapy: off by default (silence), then with
# dhcp6.enabled = yes: arch 7 PXE gets tftp://, HTTPClient arch 16 the
# http URL and its vendor class back, iPXE boot.ipxe, REQUEST and
# INFORMATION-REQUEST get REPLY, a non-PXE SOLICIT silence, malformed
# datagrams are dropped with a log line and the daemon still answers.
# Then the stateful mode (dhcp6.pool): EDK2's exchange with IA_NA leases,
# RENEW, REBIND, CONFIRM, DECLINE, RELEASE, leases kept across a restart,
# bootctl lease list/rm (which the running daemon's copy follows), the
# client recorded by the MAC of its EUI-64 source address, and a pool
# that runs out. Then issue 11: a DUID-LL naming a victim's MAC makes
# nothing the victim's unless the source confirms it (its EUI-64 address
# or the neighbour table), and 70 REQUESTs with fresh DUIDs take one
# lease per MAC (dhcp6.leases_per_mac) and at most a minute's
# dhcp6.leases_per_minute per link, never the pool.
# Last, two pxedhcpd on one database and a one-address pool, with the
# write lock held: both grant it from their copies, the first lease
# written is kept, the other daemon reads its copy again and tells its
# client NoBinding.
. "$top_srcdir/tests/helpers/lib.sh"

need_root
need_cmd ip sqlite3
PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import scapy.layers.dhcp6' 2>/dev/null ||
	skip "python3-scapy is not installed (tools/deps/pxedhcpd.txt)"

# link6 SRVNS CLINS N: a veth pair srvN (MAC 02:77:00:00:0N:02) and cliN
# (02:77:00:00:0N:50) with IPv6 link-local addresses only.
link6() {
	for ns in "$1" "$2"; do
		# Link-local addresses usable at once: no duplicate address detection.
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=0 \
		    net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.accept_dad=0 \
		    net.ipv6.conf.default.accept_dad=0 >/dev/null || fail "sysctl in $ns"
	done
	ip -n "$1" link add "srv$3" address "02:77:00:00:0$3:02" type veth \
	    peer name "cli$3" address "02:77:00:00:0$3:50" netns "$2" || fail "veth pair $3"
	ip -n "$1" link set "srv$3" up
	ip -n "$2" link set "cli$3" up
	# The IPv4 side of pxedhcpd needs nothing here; an address keeps its log quiet.
	ip -n "$1" addr add "10.78.$3.2/24" dev "srv$3"
	wait_for 5 sh -c "ip -n $1 -6 addr show dev srv$3 scope link | grep -q 'inet6 fe80'" ||
		fail "no link-local address on srv$3"
	wait_for 5 sh -c "ip -n $2 -6 addr show dev cli$3 scope link | grep -q 'inet6 fe80'" ||
		fail "no link-local address on cli$3"
}
# ll6 NS IF: the link-local address of IF.
ll6() { ip -n "$1" -6 addr show dev "$2" scope link | sed -n 's/.*inet6 \(fe80[^/]*\).*/\1/p'; }

SRV=$(netns_new srv6)
CLI=$(netns_new cli6)
at_exit "ip netns delete $SRV 2>/dev/null; ip netns delete $CLI 2>/dev/null"
link6 "$SRV" "$CLI" 0
LL=$(ll6 "$SRV" srv0)

CONF=$(test_config "http_port = 8080")
"$BOOTCTL" -D "$DB" db init >/dev/null || fail "bootctl db init"
chown nobody: "$DB" "$DB"-* 2>/dev/null
bctl() { "$BOOTCTL" -D "$DB" "$@" >/dev/null 2>"$T/bctl.err" ||
	fail "bootctl $*: $(cat "$T/bctl.err")"; }
client() {
	ip netns exec "$CLI" "$PY" \
	    "$top_srcdir/tests/helpers/pxedhcpd-dhcp6.py" cli0 "$LL" \
	    02:77:00:00:00:02 8080 "$@" >"$T/client.out" 2>&1
	local rc=$?
	cat "$T/client.out"
	[ $rc = 0 ] || fail "client suite $1 failed; daemon log:
$(tail -n 30 "$T/pxedhcpd.log")"
}

"$BOOTCTL" -D "$DB" settings set dhcp6.enabled maybe >/dev/null 2>&1 &&
	fail "dhcp6.enabled maybe accepted"
start_bg pxedhcpd ip netns exec "$SRV" "$PXEDHCPD" -d -v -f "$CONF"
wait_for 5 sh -c "ip netns exec $SRV ss -Hlun | grep -q ':547 '" ||
	fail "pxedhcpd does not listen on 547: $(cat "$T/pxedhcpd.log")"
client off
bctl settings set dhcp6.enabled yes
bctl settings set arch.oui.dca632 7
bctl client add 52:54:00:66:00:dd --name denied6
bctl client deny 52:54:00:66:00:dd
sleep 0.3	# the recorder notices the commit and builds a new policy
client on
grep -q "dropped .*DHCPv6 datagram.*option length past the end" "$T/pxedhcpd.log" ||
	fail "no log line for the malformed datagram: $(tail -n 20 "$T/pxedhcpd.log")"
grep -q "dropped 3-byte DHCPv6 datagram" "$T/pxedhcpd.log" ||
	fail "no log line for the 3-byte datagram"
sleep 0.4	# one event flush
n=$(db_sql "SELECT count(*) FROM events WHERE daemon = 'pxedhcpd' AND kind = 'dhcp-offer' AND detail LIKE 'DHCPv6 ADVERTISE%' AND mac = '52:54:00:66:00:16'")
[ "$n" -ge 1 ] || fail "no ADVERTISE event for the HTTPClient: $(db_sql 'SELECT * FROM events')"
db_sql "SELECT detail FROM events WHERE mac = '52:54:00:66:00:dd'" |
	grep -q "DHCPv6 SOLICIT .*ignored: denied" || fail "no dhcp-ignore event for the denied client"

# ------------------------------------------------------------ stateful mode
for bad in fe80::1-fe80::9 fd78::1-fd79::1 fd78::9-fd78::1 ff02::1-ff02::2 fd78::1 x-y; do
	expect_rc 2 "$BOOTCTL" -D "$DB" settings set dhcp6.pool "$bad"
	expect_err "dhcp6.pool must be a range"
done
expect_rc 2 "$BOOTCTL" -D "$DB" settings set dhcp6.dns 10.0.0.1
expect_rc 2 "$BOOTCTL" -D "$DB" settings set dhcp6.lease_time 10
ip -n "$SRV" addr add fd78::2/64 dev srv0 nodad
POOL=fd78::1000-fd78::10ff
bctl settings set dhcp6.pool $POOL
bctl settings set dhcp6.lease_time 600
bctl settings set dhcp6.dns fd78::53
sleep 0.3
client stateful fd78::2 $POOL
sleep 0.4	# the leases are written behind, a tick later
A=$(sed -n 's/^LEASED_A=//p' "$T/client.out")
DECLINED=$(sed -n 's/^DECLINED=//p' "$T/client.out")
RELEASED=$(sed -n 's/^RELEASED=//p' "$T/client.out")
[ -n "$A" ] && [ -n "$DECLINED" ] && [ -n "$RELEASED" ] || fail "the client printed no addresses"
# A DUID-UUID names no MAC: it is the one of the EUI-64 link-local source, cli0's.
CLIMAC=02:77:00:00:00:50
expect_rc 0 "$BOOTCTL" -D "$DB" lease list --json
"$PY" - "$T/out" "$A" "$DECLINED" "$RELEASED" "$CLIMAC" <<'PYEOF' || fail "lease list: $(cat "$T/out")"
import json, sys
leases = {l["addr"]: l for l in json.load(open(sys.argv[1]))}
a, declined, released, mac = sys.argv[2:6]
assert leases[a]["state"] == "bound" and leases[a]["mac"] == mac and leases[a]["iaid"] == 1, leases[a]
assert leases[a]["duid"] == "00:04" + ":11" * 15 + ":01", leases[a]["duid"]
assert leases[declined]["state"] == "declined", leases[declined]
assert released not in leases, "released lease still listed"
assert len(leases) == 2, leases
PYEOF
expect_rc 0 "$BOOTCTL" -D "$DB" lease list
expect_out "$A"
# Written behind with the times of the answer: dhcp6.lease_time (600) each.
[ "$(db_sql "SELECT group_concat(expires - updated) FROM leases6 WHERE addr IN ('$A', '$DECLINED')")" = 600,600 ] ||
	fail "lease times: $(db_sql "SELECT addr, state, expires, updated FROM leases6")"
expect_out "declined"
sleep 0.4	# one event flush, one recorder tick
[ "$(db_sql "SELECT arch || ' ' || vendor_class FROM clients WHERE mac = '$CLIMAC'")" = \
    "7 PXEClient:Arch:00007:UNDI:003016" ] ||
	fail "the DHCPv6 client is not recorded: $(db_sql 'SELECT * FROM clients')"
n=$(db_sql "SELECT count(*) FROM events WHERE mac = '$CLIMAC' AND kind = 'dhcp-ack' AND ip = '$A' AND detail = 'DHCPv6 REPLY with boot file URL tftp://[fd78::2]/snponly.efi, address $A for x64 UEFI (arch 7)'")
[ "$n" -ge 1 ] || fail "no REPLY event naming the lease: $(db_sql "SELECT kind, ip, detail FROM events WHERE mac = '$CLIMAC'")"
# B declined and released: it sends from its own EUI-64 source, 02:77:00:00:00:51's.
for k in dhcp-decline dhcp-release; do
	[ "$(db_sql "SELECT count(*) FROM events WHERE mac = '02:77:00:00:00:51' AND kind = '$k'")" -ge 1 ] ||
		fail "no $k event"
done
grep -q "dropped .*DHCPv6 datagram.*malformed IA_NA" "$T/pxedhcpd.log" ||
	fail "no log line for the malformed IA_NA"
# A restart keeps the leases: they are in the database.
kill "$(cat "$T/pxedhcpd.pid")"
wait_for 5 sh -c "! kill -0 $(cat "$T/pxedhcpd.pid")" || fail "pxedhcpd did not stop"
start_bg pxedhcpd ip netns exec "$SRV" "$PXEDHCPD" -d -v -f "$CONF"
wait_for 5 sh -c "ip netns exec $SRV ss -Hlun | grep -q ':547 '" || fail "pxedhcpd did not restart"
LEASED_A=$A client again fd78::2 $POOL
expect_rc 2 "$BOOTCTL" -D "$DB" lease rm 10.0.0.1
expect_err "not an IPv6 address"
expect_rc 1 "$BOOTCTL" -D "$DB" lease rm "$RELEASED"
expect_rc 0 "$BOOTCTL" -D "$DB" lease rm "$(echo "$A" | tr a-f A-F)"
[ "$(db_sql "SELECT count(*) FROM leases6 WHERE addr = '$A'")" = 0 ] ||
	fail "lease rm left the lease"
# pxedhcpd's copy of the leases follows (another process committed).
sleep 0.3
LEASED_A=$A client gone fd78::2 $POOL
wait_for 3 db_is "SELECT count(*) FROM leases6 WHERE addr = '$A' AND state = 'bound'" 1 ||
	fail "the REBIND after lease rm was not written"
expect_rc 0 "$BOOTCTL" -D "$DB" lease rm "$A"
sleep 0.3
# OVMF's own messages (tests/pxedhcpd/captures/ovmf-pxe6.pcap), replayed.
client replay fd78::2 $POOL "$top_srcdir/tests/pxedhcpd/captures/ovmf-pxe6.pcap"
sleep 0.4
[ "$(db_sql "SELECT count(*) FROM events WHERE kind = 'dhcp-release' AND ip = '$(sed -n 's/^LEASED_OVMF=//p' "$T/client.out")'")" = 1 ] ||
	fail "no release event for OVMF's lease"
# A pool of two addresses runs out at the third client.
bctl settings set dhcp6.pool fd78::2000-fd78::2001
sleep 0.3
client full fd78::2 fd78::2000-fd78::2001
grep -q "no free address in dhcp6.pool" "$T/pxedhcpd.log" || fail "no log line for the full pool"

# ------------------------------------------------------------ issue 11
POOL=fd78::3000-fd78::30ff	# 256 addresses
bctl settings set dhcp6.pool $POOL
sleep 0.3
VICTIM=52:54:00:66:00:77
q() { db_sql "$1"; }
lmac() { q "SELECT ifnull(mac, '') FROM leases6 WHERE iaid = $(($1))"; }
client forge fd78::2 $POOL
sleep 0.6	# event flush and recorder tick
[ "$(lmac 0x77a)" = 02:77:00:00:00:66 ] ||
	fail "DUID-LL of $VICTIM from 02:77:00:00:00:66's source: lease MAC '$(lmac 0x77a)'"
wait_for 3 db_grep "SELECT addr FROM leases6 WHERE iaid = $((0x77b))" . ||
	fail "the forged REQUEST was not answered: $(tail -n 5 "$T/pxedhcpd.log")"
[ -z "$(lmac 0x77b)" ] ||
	fail "DUID-LL of $VICTIM from a forged source: lease MAC '$(lmac 0x77b)', want none"
[ "$(q "SELECT count(*) FROM events WHERE mac = '$VICTIM'")" = 0 ] ||
	fail "events name $VICTIM: $(q "SELECT kind, detail FROM events WHERE mac = '$VICTIM'")"
[ "$(q "SELECT count(*) FROM clients WHERE mac = '$VICTIM'")" = 0 ] ||
	fail "a clients row for $VICTIM from a DUID alone"
note "a DUID-LL naming $VICTIM: the sender's MAC or none on the lease, no event, no clients row"
client forge-ok fd78::2 $POOL
sleep 0.6
[ "$(lmac 0x77c)" = $VICTIM ] || fail "$VICTIM from its own source: lease MAC '$(lmac 0x77c)'"
[ "$(q "SELECT count(*) FROM clients WHERE mac = '$VICTIM'")" = 1 ] ||
	fail "$VICTIM from its own source is not recorded"
note "the same DUID from $VICTIM's own EUI-64 source: its lease and clients row"

# 70 REQUESTs with fresh DUIDs from one source: one bound lease for its MAC.
bctl settings set dhcp6.leases_per_minute 1000	# the per-MAC limit alone
sleep 0.3
client flood-mac fd78::2 $POOL
sleep 0.4
n=$(q "SELECT count(*) FROM leases6 WHERE hex(duid) LIKE '00047070%'")
m=$(q "SELECT count(*) FROM leases6 WHERE mac = '02:77:00:00:00:70'")
note "70 REQUESTs with fresh DUIDs from one source: $n leases, $m with its MAC"
[ "$m" = 1 ] && [ "$n" = 1 ] || fail "fresh DUIDs from one MAC hold $n leases ($m with its MAC)"
grep -q "dhcp6.leases_per_mac 1" "$T/pxedhcpd.log" || fail "no log line for leases_per_mac"

# 70 from 70 forged sources (no MAC known): a minute's worth per link.
bctl settings set dhcp6.leases_per_minute 30
sleep 0.3
client flood-link fd78::2 $POOL
sleep 0.3
n=$(q "SELECT count(*) FROM leases6 WHERE hex(duid) LIKE '00047171%'")
all=$(q "SELECT count(*) FROM leases6 WHERE addr LIKE 'fd78::30%'")
note "70 REQUESTs with fresh DUIDs from 70 forged sources: $n leases; pool: $all of 256 taken"
[ "$n" -ge 20 ] || fail "only $n of 70 forged REQUESTs leased: the test did not load the limit"
[ "$n" -le 40 ] || fail "$n leases in seconds with dhcp6.leases_per_minute = 30"
grep -q "dhcp6.leases_per_minute (30) reached" "$T/pxedhcpd.log" ||
	fail "no log line for leases_per_minute"

# ------------------------------------------------------------ two daemons
# Held open by the sqlite3 shell: the race runs under SQLite's write lock.
if [ "$NB_TEST_DB" = pg ]; then
	note "SQLite only: two daemons racing for one address under a held write lock"
	exit 0
fi
SRV2=$(netns_new srv6b)
CLI2=$(netns_new cli6b)
at_exit "ip netns delete $SRV2 2>/dev/null; ip netns delete $CLI2 2>/dev/null"
link6 "$SRV2" "$CLI2" 1
ip -n "$SRV2" addr add fd78::3/64 dev srv1 nodad
LL2=$(ll6 "$SRV2" srv1)
POOL=fd78::4000-fd78::4000
bctl settings set dhcp6.pool $POOL
bctl settings set dhcp6.leases_per_minute 1000	# a fresh budget
start_bg pxedhcpd2 ip netns exec "$SRV2" "$PXEDHCPD" -d -v -f "$CONF"
wait_for 5 sh -c "ip netns exec $SRV2 ss -Hlun | grep -q ':547 '" ||
	fail "the second pxedhcpd does not listen on 547: $(cat "$T/pxedhcpd2.log")"
sleep 0.3
client2() {
	ip netns exec "$CLI2" "$PY" "$top_srcdir/tests/helpers/pxedhcpd-dhcp6.py" cli1 "$LL2" \
	    02:77:00:00:01:02 8080 "$@" fd78::3 $POOL >"$T/client.out" 2>&1 ||
		fail "client suite $1 on the second link failed: $(cat "$T/client.out")
$(tail -n 20 "$T/pxedhcpd2.log")"
	cat "$T/client.out"
}
{
	# Long enough for two scapy clients to start on a loaded machine.
	echo ".timeout 5000"; echo "BEGIN IMMEDIATE;"; echo "SELECT 'locked';"; sleep 10; echo "COMMIT;"
} | sqlite3 "$DB" >"$T/lock.out" 2>&1 &
LOCKPID=$!
wait_for 5 grep -q locked "$T/lock.out" || fail "the lock was not taken"
RACE_N=49 client race-bind fd78::2 $POOL
A1=$(sed -n 's/^RACE_ADDR=//p' "$T/client.out")
RACE_N=50 client2 race-bind
A2=$(sed -n 's/^RACE_ADDR=//p' "$T/client.out")
[ "$A1" = fd78::4000 ] && [ "$A2" = fd78::4000 ] ||
	fail "under the lock, each daemon grants the pool's address: '$A1' and '$A2'"
[ "$(q "SELECT count(*) FROM leases6 WHERE addr = 'fd78::4000'")" = 0 ] ||
	fail "a lease was written through the lock"
wait $LOCKPID
wait_for 5 sh -c "grep -q 'DHCPv6 lease of fd78::4000 not written' $T/pxedhcpd.log $T/pxedhcpd2.log" ||
	fail "neither daemon says it lost fd78::4000"
[ "$(q "SELECT count(*) FROM leases6 WHERE addr = 'fd78::4000'")" = 1 ] ||
	fail "fd78::4000 has $(q "SELECT count(*) FROM leases6 WHERE addr = 'fd78::4000'") leases"
W=$(q "SELECT substr(hex(duid), -2) FROM leases6 WHERE addr = 'fd78::4000'")
sleep 0.5	# the loser reads its copy again
RACE_N=49 RACE_ADDR=fd78::4000 client race-renew fd78::2 $POOL
R1=$(sed -n 's/^RENEW=//p' "$T/client.out")
RACE_N=50 RACE_ADDR=fd78::4000 client2 race-renew
R2=$(sed -n 's/^RENEW=//p' "$T/client.out")
case "$W:$R1:$R2" in
31:bound:nobinding|32:nobinding:bound) ;;
*) fail "the lease is client $W's; RENEW from client 1: $R1, from client 2: $R2" ;;
esac
note "two daemons, one address, a lock: both granted it, client $W's lease was written, the other's RENEW got NoBinding"
exit 0
