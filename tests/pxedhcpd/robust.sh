#!/bin/sh
# pxedhcpd-robust: the DISCOVERs of real firmware captures replayed as
# they were sent (each answered, or not, as pxedhcpd(8) says); then the
# malformed datagrams of the issue (truncated, option past the end, no end
# option, no cookie, wrong op/htype/hlen, huge option list, 1 and 1400
# bytes): each dropped with one log line, and a valid DISCOVER after them
# is still answered by the same process. Then -i and -l select interfaces.
. "$top_srcdir/tests/helpers/pxedhcpd-lib.sh"

pxedhcpd_start
pid=$(cat "$T/pxedhcpd.pid")
client replay "$top_srcdir"/tests/pxedhcpd/captures/*.pcap*
client malformed
kill -0 "$pid" 2>/dev/null || fail "pxedhcpd died"
n=$(grep -c "dropped .*-byte datagram" "$T/pxedhcpd.log")
[ "$n" = 16 ] || fail "$n log lines for 16 malformed datagrams: $(grep dropped "$T/pxedhcpd.log")"
for why in "truncated" "runs past the end" "no end option" "no DHCP magic cookie" \
    "is not BOOTREQUEST" "is not Ethernet" "more than 128 options" "option 93 length" \
    "bad message type" "has no length byte" "bad option overload"; do
	grep -q "$why" "$T/pxedhcpd.log" || fail "no log line saying '$why'"
done

# -i: requests from other interfaces are not ours; -l: only the interface with that address.
kill "$pid"
wait_for 5 sh -c "! kill -0 $pid 2>/dev/null" || fail "pxedhcpd did not stop on SIGTERM"
grep -q "answered [1-9][0-9]*, ignored [0-9]*, malformed 16" "$T/pxedhcpd.log" ||
	fail "no exit statistics: $(tail -n 3 "$T/pxedhcpd.log")"
pxedhcpd_start -i lo
client expect-none 52:54:00:77:20:01
kill "$(cat "$T/pxedhcpd.pid")"
sleep 0.5
pxedhcpd_start -i lo -i srv0
client expect-offer 52:54:00:77:20:01
kill "$(cat "$T/pxedhcpd.pid")"
sleep 0.5
pxedhcpd_start -l 127.0.0.1
client expect-none 52:54:00:77:20:02
kill "$(cat "$T/pxedhcpd.pid")"
sleep 0.5
pxedhcpd_start -l "$SERVER_IP"
client expect-offer 52:54:00:77:20:02
exit 0
