#!/bin/sh
# pxedhcpd-dhcp6: DHCPv6 boot (RFC 5970) in a namespace pair joined by a
# veth pair with IPv6 link-local addresses only. tests/pxedhcpd-dhcp6.py
# plays the firmware with scapy: off by default (silence), then with
# dhcp6.enabled = yes: arch 7 PXE gets tftp://, HTTPClient arch 16 the
# http URL and its vendor class back, iPXE boot.ipxe, REQUEST and
# INFORMATION-REQUEST get REPLY, a non-PXE SOLICIT silence, malformed
# datagrams are dropped with a log line and the daemon still answers.
. "$top_srcdir/tests/lib.sh"

need_root
need_cmd ip sqlite3
PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import scapy.layers.dhcp6' 2>/dev/null ||
	skip "python3-scapy is not installed (tools/deps/pxedhcpd.txt)"

SRV=$(netns_new srv6)
CLI=$(netns_new cli6)
at_exit "ip netns delete $SRV 2>/dev/null; ip netns delete $CLI 2>/dev/null"
for ns in "$SRV" "$CLI"; do
	# Link-local addresses usable at once: no duplicate address detection.
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=0 \
	    net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 >/dev/null || fail "sysctl in $ns"
done
ip -n "$SRV" link add srv0 address 02:77:00:00:00:02 type veth peer name cli0 \
    address 02:77:00:00:00:50 netns "$CLI" || fail "veth pair"
ip -n "$SRV" link set srv0 up
ip -n "$CLI" link set cli0 up
# The IPv4 side of pxedhcpd needs nothing here; an address keeps its log quiet.
ip -n "$SRV" addr add 10.78.0.2/24 dev srv0
wait_for 5 sh -c "ip -n $SRV -6 addr show dev srv0 scope link | grep -q 'inet6 fe80'" ||
	fail "no link-local address on srv0"
wait_for 5 sh -c "ip -n $CLI -6 addr show dev cli0 scope link | grep -q 'inet6 fe80'" ||
	fail "no link-local address on cli0"
LL=$(ip -n "$SRV" -6 addr show dev srv0 scope link | sed -n 's/.*inet6 \(fe80[^/]*\).*/\1/p')

CONF=$(test_config "http_port = 8080")
"$BOOTCTL" -D "$DB" db init >/dev/null || fail "bootctl db init"
chown nobody: "$DB" "$DB"-* 2>/dev/null
bctl() { "$BOOTCTL" -D "$DB" "$@" >/dev/null 2>"$T/bctl.err" ||
	fail "bootctl $*: $(cat "$T/bctl.err")"; }
client() {
	ip netns exec "$CLI" "$PY" "$top_srcdir/tests/pxedhcpd-dhcp6.py" cli0 "$LL" \
	    02:77:00:00:00:02 8080 "$1" >"$T/client.out" 2>&1
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
n=$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE daemon = 'pxedhcpd' AND kind = 'dhcp-offer' AND detail LIKE 'DHCPv6 ADVERTISE%' AND mac = '52:54:00:66:00:16'")
[ "$n" -ge 1 ] || fail "no ADVERTISE event for the HTTPClient: $(sqlite3 "$DB" 'SELECT * FROM events')"
sqlite3 "$DB" "SELECT detail FROM events WHERE mac = '52:54:00:66:00:dd'" |
	grep -q "DHCPv6 SOLICIT .*ignored: denied" || fail "no dhcp-ignore event for the denied client"
exit 0
