# tests/helpers/pxedhcpd-lib.sh: sourced by the pxedhcpd tests. Two
# namespaces joined by a veth pair: srv (10.77.0.2, pxedhcpd) and cli
# (10.77.0.50, the scapy client of tests/helpers/pxedhcpd-client.py
# playing the firmware).
. "$top_srcdir/tests/helpers/lib.sh"

need_root
need_cmd ip sqlite3
PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import scapy' 2>/dev/null ||
	skip "python3-scapy is not installed (tools/deps/pxedhcpd.txt)"

SERVER_IP=10.77.0.2
CLIENT_IP=10.77.0.50
SRV=$(netns_new srv)
CLI=$(netns_new cli)
# netns_new runs in a subshell here, so its own cleanup list is lost: delete them ourselves.
at_exit "ip netns delete $SRV 2>/dev/null; ip netns delete $CLI 2>/dev/null"
ip -n "$SRV" link add srv0 type veth peer name cli0 netns "$CLI" || fail "veth pair"
ip -n "$SRV" addr add "$SERVER_IP/24" dev srv0
ip -n "$CLI" addr add "$CLIENT_IP/24" dev cli0
ip -n "$SRV" link set srv0 up
ip -n "$CLI" link set cli0 up
for ns in "$SRV" "$CLI"; do
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
done

CONF=$(test_config "http_port = 8080")
"$BOOTCTL" -D "$DB" db init >/dev/null || fail "bootctl db init"
chown nobody: "$DB" "$DB"-* 2>/dev/null

# bctl ARGS: bootctl on the test database; fails the test if it fails.
bctl() { "$BOOTCTL" -D "$DB" "$@" >/dev/null 2>"$T/bctl.err" ||
	fail "bootctl $*: $(cat "$T/bctl.err")"; }

# pxedhcpd_start [FLAGS]: the daemon in the server namespace, in the foreground, verbose.
pxedhcpd_start() {
	start_bg pxedhcpd ip netns exec "$SRV" "$PXEDHCPD" -d -v -f "$CONF" "$@"
	wait_for 5 sh -c "ip netns exec $SRV ss -Hlun | grep -q ':4011 '" ||
		fail "pxedhcpd did not start: $(cat "$T/pxedhcpd.log")"
}

# client SUITE [ARGS]: run a suite of tests/helpers/pxedhcpd-client.py in
# the client namespace.
client() {
	ip netns exec "$CLI" "$PY" \
	    "$top_srcdir/tests/helpers/pxedhcpd-client.py" cli0 "$SERVER_IP" \
	    "$CLIENT_IP" 8080 "$@" >"$T/client.out" 2>&1
	local rc=$?
	cat "$T/client.out"
	[ $rc = 0 ] || fail "client suite $1 failed (see 'not ok' above); daemon log:
$(tail -n 30 "$T/pxedhcpd.log")"
}

# events KIND: how many events of KIND pxedhcpd wrote (after its writer had a tick).
events() { db_sql "SELECT count(*) FROM events WHERE daemon = 'pxedhcpd' AND kind = '$1'"; }
