#!/bin/sh
# options.sh: the OACK byte for byte for each option combination
# (RFC 2347/2348/2349/7440); unknown, out-of-range and malformed options;
# trailing garbage; blksize clamped to the MTU of the interface the request
# came in on (a veth of MTU 1000 between two namespaces); the reply comes
# from the address the request was sent to; a repeated RRQ is one
# transfer; SIGHUP applies new limits; -n checks the configuration.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
need_cmd sqlite3

mktext f1000 1000
mktext f600 600

# A second namespace, the client's, behind a veth of MTU 1000.
ns_new cli NS2
ip link add tv0 netns "$NS" mtu 1000 type veth peer name tv1 netns "$NS2" mtu 1000 ||
	fail "cannot create a veth pair"
nsx ip addr add 10.77.9.1/24 dev tv0
nsx ip addr add 10.77.9.3/24 dev tv0
nsx ip link set tv0 up
ip -n "$NS2" addr add 10.77.9.2/24 dev tv1
ip -n "$NS2" link set tv1 up
nsx2() { ip netns exec "$NS2" "$@"; }

TFTPD_ADDR=0.0.0.0 tftpd_start

# oack WANT [NAME VALUE]...: the first reply to an RRQ for f1000 is exactly WANT.
oack() {
	local want=$1 got; shift
	got=$(nsx $CLIENT oack 127.0.0.1 69 f1000 "$@" | sed -n 1p)
	[ "$got" = "$want" ] || fail "options $*: got $got, want $want"
}
# data1 [NAME VALUE]...: the first reply is DATA block 1 (no OACK at all).
data1() {
	local got
	got=$(nsx $CLIENT oack 127.0.0.1 69 f1000 "$@" | sed -n 1p)
	case "$got" in "b'\\x00\\x03\\x00\\x01"*) ;; *) fail "options $*: expected DATA 1, got $(echo "$got" | cut -c1-60)";; esac
}

oack "b'\\x00\\x06blksize\\x001428\\x00'" blksize 1428
oack "b'\\x00\\x06tsize\\x001000\\x00'" tsize 0
oack "b'\\x00\\x06timeout\\x003\\x00'" timeout 3
oack "b'\\x00\\x06windowsize\\x004\\x00'" windowsize 4
oack "b'\\x00\\x06blksize\\x001024\\x00tsize\\x001000\\x00'" blksize 1024 tsize 0
oack "b'\\x00\\x06tsize\\x001000\\x00blksize\\x00512\\x00'" tsize 0 blksize 512
oack "b'\\x00\\x06blksize\\x008\\x00timeout\\x001\\x00windowsize\\x0016\\x00tsize\\x001000\\x00'" \
    blksize 8 timeout 1 windowsize 16 tsize 0
oack "b'\\x00\\x06windowsize\\x0064\\x00blksize\\x00512\\x00'" WindowSize 64 BLKSIZE 512
oack "b'\\x00\\x06timeout\\x0010\\x00'" timeout 10
note "OACK: each option alone, pairs in either order, all four, upper-case names"

# Out of range: clamped where the RFC lets the server answer smaller, left out otherwise.
oack "b'\\x00\\x06windowsize\\x0064\\x00'" windowsize 1000
oack "b'\\x00\\x06blksize\\x0065464\\x00'" blksize 65464
oack "b'\\x00\\x06blksize\\x0065464\\x00'" blksize 70000
data1 blksize 7
data1 blksize 0
data1 blksize abc
data1 blksize -512
data1 timeout 0
data1 timeout 256
data1 timeout 255
data1 windowsize 0
data1 tsize x
oack "b'\\x00\\x06blksize\\x001024\\x00'" blksize 1024 timeout 300
note "out of range: windowsize and blksize clamped; blksize<8, timeout 0/256 and over timeout_max, windowsize 0, non-numbers left out"

# Unknown options are ignored, known ones still answered; garbage after the options too.
data1 foo bar
data1 multicast ""
oack "b'\\x00\\x06blksize\\x001024\\x00'" rollover 0 blksize 1024 utimeout 5000
got=$(nsx $CLIENT raw 127.0.0.1 69 "b'\\x00\\x01f1000\\x00octet\\x00blksize\\x001024\\x00\\x00\\xff\\xfegarbage'" | sed -n 1p)
[ "$got" = "b'\\x00\\x06blksize\\x001024\\x00'" ] || fail "trailing garbage: got $got"
got=$(nsx $CLIENT raw 127.0.0.1 69 "b'\\x00\\x01f1000\\x00octet\\x00tsize\\x000\\x00blksize'" | sed -n 1p)
[ "$got" = "b'\\x00\\x06tsize\\x001000\\x00'" ] || fail "option without value: got $got"
# netascii: the size on the wire is not the file's, so no tsize
got=$(nsx $CLIENT raw 127.0.0.1 69 "b'\\x00\\x01f1000\\x00netascii\\x00tsize\\x000\\x00'" | sed -n 1p)
case "$got" in "b'\\x00\\x03\\x00\\x01"*) ;; *) fail "netascii tsize: $got";; esac
note "unknown options ignored, trailing garbage tolerated, no tsize in netascii"

# The MTU of the interface the request came in on caps blksize (1000 - 32).
got=$(nsx2 $CLIENT oack 10.77.9.1 69 f1000 blksize 1468 tsize 0)
[ "$(echo "$got" | sed -n 1p)" = "b'\\x00\\x06blksize\\x00968\\x00tsize\\x001000\\x00'" ] ||
	fail "blksize over a 1000-byte MTU: $got"
# and the reply comes from the address the request was sent to, on a new port
got=$(nsx2 $CLIENT oack 10.77.9.3 69 f1000 blksize 512)
case "$(echo "$got" | sed -n 2p)" in
"from 10.77.9.3:69") fail "reply came from port 69";;
"from 10.77.9.3:"*) ;;
*) fail "reply to 10.77.9.3 came from elsewhere: $got";;
esac
note "blksize clamped to 968 on a 1000-byte MTU; reply from the address asked"

# A request sent twice from one port (the client did not hear us yet) is one transfer.
got=$(nsx $CLIENT twice 127.0.0.1 69 f600)
[ "$got" = "ports 1" ] || fail "a repeated RRQ: $got"
note "a repeated RRQ from the same port starts one transfer"

# SIGHUP: new limits without a restart.
cat >>"$CONF" <<EOF
[tftpd]
option_tsize = no
windowsize_max = 8
mtu = 576
EOF
nsx "$TFTPD" -n -f "$CONF" >"$T/n.out" 2>&1 || fail "tftpd -n: $(cat "$T/n.out")"
kill -HUP "$(tftpd_pid)"
wait_for 5 log_has "configuration reloaded" || fail "no reload"
oack "b'\\x00\\x06blksize\\x00544\\x00windowsize\\x008\\x00'" blksize 1468 windowsize 32 tsize 0
note "SIGHUP: option_tsize = no, windowsize_max = 8, mtu = 576 (blksize 544) applied"

# -n refuses a bad value with file:line.
printf '[tftpd]\noption_tsize = maybe\n' >"$T/bad.conf"
expect_rc 1 "$TFTPD" -n -f "$T/bad.conf"
expect_err "bad.conf:2"
# EDK2's size probe (ERROR 8 right after the OACK) is a tftp-probe event, not an error.
got=$(nsx $CLIENT probe 127.0.0.1 69 f1000 | sed -n 1p)
case $got in "b'\\x00\\x06"*) ;; *) fail "probe: no OACK: $got" ;; esac
events tftp-probe | grep -q '^f1000: the client ended the transfer after the OACK' ||
	fail "no tftp-probe event: $(events tftp-probe)"
events tftp-error | grep -q 'error 8' && fail "the size probe was recorded as an error"
note "a size probe is a tftp-probe event"
alive
