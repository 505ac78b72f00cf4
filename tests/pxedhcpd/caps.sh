#!/bin/sh
# caps.sh: what a hostile machine on the boot network can make
# pxedhcpd write (netboot(7), trust model). 7000 spoofed clients in a few
# seconds (tests/helpers/pxedhcpd-load) against small caps: the discovered
# clients stay within clients.max_discovered (the earliest discovered go; known
# clients and those an operator touched stay), the events within
# events.max_rows. And a DISCOVER's ciaddr is recorded as a client's
# last_ip only when the neighbour table maps it to that chaddr.
. "$top_srcdir/tests/helpers/pxedhcpd-lib.sh"

LOAD=$top_builddir/tests/helpers/pxedhcpd-load
[ -x "$LOAD" ] || fail "$LOAD is not built"
CAP=300
ROWS=1000
KNOWN="52:54:00:aa:00:01 52:54:00:aa:00:02 52:54:00:aa:00:03"
DENIED=02:de:00:00:00:01	# discovered, then denied by an operator: kept
PLAIN=02:de:00:00:00:02		# discovered, untouched, the earliest: evicted
q() { db_sql "$1"; }

bctl settings set clients.max_discovered $CAP
bctl settings set events.max_rows $ROWS
for m in $KNOWN; do bctl client add "$m"; done
q "INSERT INTO clients (mac, state, allowed, created, updated) VALUES
    ('$DENIED', 'discovered', 0, 1, 1), ('$PLAIN', 'discovered', 1, 1, 1)" ||
	fail "seeding the clients"
pxedhcpd_start

# The flood: 7000 distinct MACs at 3500 a second.
ip netns exec "$CLI" "$LOAD" -i cli0 -n 7000 -t 6 -r 9 3500 >"$T/load.out" 2>&1 ||
	fail "pxedhcpd-load: $(cat "$T/load.out")"
note "load: $(tail -n 1 "$T/load.out")"
disc() { q "SELECT count(*) FROM clients WHERE state = 'discovered'"; }
nev() { q "SELECT count(*) FROM events"; }
offers() { q "SELECT ifnull(max(id), 0) FROM events WHERE kind = 'dhcp-offer'"; }
# Written once the last offers are in (the ids go on past the pruned ones), pruned within two passes.
settled() {
	[ "$(offers)" -ge 6000 ] && [ "$(disc)" -le $CAP ] && [ "$(nev)" -le $ROWS ]
}
wait_for 40 settled || fail "not bounded: $(disc) discovered clients (cap $CAP), $(nev) events \
(max $ROWS), last offer id $(offers); daemon log: $(tail -n 5 "$T/pxedhcpd.log")"
[ "$(disc)" -ge $((CAP - 10)) ] || fail "only $(disc) discovered clients left: evicted too many"
[ "$(nev)" -ge $((ROWS / 2)) ] || fail "only $(nev) events left: pruned too many"
for m in $KNOWN; do
	[ "$(q "SELECT state FROM clients WHERE mac = '$m'")" = known ] || fail "known client $m evicted"
done
[ "$(q "SELECT allowed FROM clients WHERE mac = '$DENIED'")" = 0 ] || fail "the denied client was evicted"
[ -z "$(q "SELECT mac FROM clients WHERE mac = '$PLAIN'")" ] || fail "the earliest discovered client stayed"
note "7000 spoofed clients: $(disc) discovered kept (cap $CAP), $(nev) events (max $ROWS), known ones kept"

# ciaddr: a DISCOVER naming a victim's MAC from the attacker's address
# binds nothing; the attacker's own MAC at its own address is recorded.
VICTIM=52:54:00:aa:00:01
CLIMAC=$(ip netns exec "$CLI" cat /sys/class/net/cli0/address)
# What the kernel learns from the client's traffic, set by hand (no ping needed).
ip -n "$SRV" neigh replace "$CLIENT_IP" lladdr "$CLIMAC" dev srv0 nud reachable ||
	fail "no neighbour entry for $CLIENT_IP"
discover() {
	ip netns exec "$CLI" "$PY" - "$1" "$CLIENT_IP" <<'PY' || fail "DISCOVER with chaddr $1"
import logging, select, socket, struct, sys
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, conf
mac, ciaddr = sys.argv[1], sys.argv[2]
def opt(c, d):
    return bytes([c, len(d)]) + d
chaddr = bytes(int(x, 16) for x in mac.split(":"))
xid = 0x43490001
pkt = (struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 4, 0x8000,
                   socket.inet_aton(ciaddr), b"\0" * 4, b"\0" * 4, b"\0" * 4,
                   chaddr + b"\0" * 10, b"", b"") + bytes([99, 130, 83, 99]) +
       opt(53, b"\x01") + opt(60, b"PXEClient:Arch:00000:UNDI:002001") +
       opt(93, b"\x00\x00") + b"\xff")
r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
r.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
r.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
r.bind(("0.0.0.0", 68))
conf.L2socket(iface="cli0").send(Ether(dst="ff:ff:ff:ff:ff:ff") /
    IP(src=ciaddr, dst="255.255.255.255") / UDP(sport=68, dport=67) / Raw(pkt))
while select.select([r], [], [], 3)[0]:
    if r.recv(4096)[4:8] == struct.pack("!I", xid):
        sys.exit(0)
sys.exit(1)
PY
}
discover "$VICTIM"
discover "$CLIMAC"
wait_for 5 db_is "SELECT last_ip FROM clients WHERE mac = '$CLIMAC'" $CLIENT_IP ||
	fail "the client's own ciaddr, verified by the neighbour table, was not recorded: \
$(q "SELECT mac, last_ip FROM clients WHERE mac = '$CLIMAC'")"
[ -z "$(q "SELECT last_ip FROM clients WHERE mac = '$VICTIM'")" ] ||
	fail "a spoofed DISCOVER bound $VICTIM to $(q "SELECT last_ip FROM clients WHERE mac = '$VICTIM'")"
note "ciaddr: recorded only when the neighbour table agrees"
exit 0
