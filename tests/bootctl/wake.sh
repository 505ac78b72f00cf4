#!/bin/sh
# bootctl client wake: the magic packet, byte for byte, as a host on the
# link receives it (a UDP socket in another namespace, with the datagram's
# destination address from IP_PKTINFO), sent to each kind of target:
# the interface that holds the client's last address, the client's var
# wake_broadcast, the setting wake.broadcast, and 255.255.255.255; with a
# SecureOn password; and --next-boot, kept only if the packet went out.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"
need_root
need_cmd ip python3

srv=$(netns_new wsrv)
cli=$(netns_new wcli)
ip link add wk0 netns "$srv" type veth peer name wk1 netns "$cli" ||
	fail "cannot create a veth pair"
ip -n "$srv" addr add 10.81.0.1/24 broadcast 10.81.0.255 dev wk0
ip -n "$cli" addr add 10.81.0.2/24 broadcast 10.81.0.255 dev wk1
ip -n "$srv" link set wk0 up
ip -n "$cli" link set wk1 up
# a second link on the server, so "the interface that saw it" is a choice
ip link add wk2 netns "$srv" type veth peer name wk3 netns "$cli" ||
	fail "cannot create a veth pair"
ip -n "$srv" addr add 10.82.0.1/24 broadcast 10.82.0.255 dev wk2
ip -n "$srv" link set wk2 up
ip -n "$srv" route add default dev wk0

# The listener: each datagram to port 9 as "DESTINATION HEX", at most 20
# of them or 60 s.
cat >"$T/listen.py" <<'EOF'
import socket, struct, sys
IP_PKTINFO = 8  # Linux <linux/in.h>; Python does not name it
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
s.bind(("0.0.0.0", 9))
s.settimeout(60)
out = open(sys.argv[1], "a", buffering=1)
for _ in range(20):
    data, anc, _, _ = s.recvmsg(2048, 256)
    dst = "?"
    for level, kind, val in anc:
        if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
            dst = socket.inet_ntoa(struct.unpack("i4s4s", val)[2])
    out.write("%s %s\n" % (dst, data.hex()))
EOF
: >"$T/got"
start_bg listen ip netns exec "$cli" python3 "$T/listen.py" "$T/got"
wait_for 10 ip netns exec "$cli" sh -c 'ss -uln | grep -q ":9 "' ||
	fail "the listener did not start: $(cat "$T/listen.log")"

# magic MAC [SECUREON]: the packet's hex.
magic() {
	python3 -c 'import sys
m = bytes.fromhex(sys.argv[1].replace(":", ""))
s = bytes.fromhex(sys.argv[2].replace(":", "")) if len(sys.argv) > 2 else b""
print((b"\xff" * 6 + m * 16 + s).hex())' "$@"
}

# wake ARGS...: bootctl client wake from the server's namespace.
wake() { expect_rc 0 ip netns exec "$srv" "$BOOTCTL" -D "$DB" client wake "$@"; }

# expect_packet N DST HEX: the Nth datagram went to DST with exactly HEX.
expect_packet() {
	wait_for 10 sh -c "[ \$(wc -l <'$T/got') -ge $1 ]" ||
		fail "packet $1 never arrived: $(cat "$T/got")"
	line=$(sed -n "${1}p" "$T/got")
	[ "${line%% *}" = "$2" ] || fail "packet $1 went to ${line%% *}, not $2"
	[ "${line#* }" = "$3" ] || fail "packet $1 is ${line#* }, not $3"
}

M1=52:54:00:aa:00:01
M2=52:54:00:aa:00:02
ok client add $M1 --name one
ok client add $M2
db_sql "UPDATE clients SET last_ip = '10.81.0.50' WHERE mac = '$M1'"

# 1. the interface whose subnet holds the last address: 10.81.0.255
wake one
expect_out "magic packet sent to 10.81.0.255 port 9"
expect_packet 1 10.81.0.255 "$(magic $M1)"
len=$(sed -n 1p "$T/got" | cut -d' ' -f2 | tr -d '\n' | wc -c)
[ "$len" = 204 ] || fail "the packet is $((len / 2)) bytes, not 102"

# 2. with a SecureOn password: 108 bytes, the password last
wake $M1 --secureon 01:02:03:04:05:06
expect_packet 2 10.81.0.255 "$(magic $M1 01:02:03:04:05:06)"

# 3. no last address, no setting: the limited broadcast
wake $M2
expect_packet 3 255.255.255.255 "$(magic $M2)"

# 4. the setting overrides the interface
ok settings set wake.broadcast 10.81.0.255
wake $M2
expect_packet 4 10.81.0.255 "$(magic $M2)"
[ "$(db_sql "SELECT detail FROM events WHERE kind = 'wake' ORDER BY id DESC LIMIT 1")" = \
    "to 10.81.0.255 (setting)" ] || fail "the wake event does not say why"

# 5. the client's own var overrides the setting (here the host itself)
ok client set $M1 --var wake_broadcast=10.81.0.2
wake one
expect_packet 5 10.81.0.2 "$(magic $M1)"
ok client set $M1 --unset-var wake_broadcast
ok settings unset wake.broadcast

# 6. set the next boot and wake in one call
: >"$T/k"; : >"$T/i"
ok image add inst --kernel "$T/k" --initrd "$T/i"
ok client assign $M1 inst
ok client next-boot $M1 clear
wake $M1 --next-boot install
expect_out "next boot install"
expect_packet 6 10.81.0.255 "$(magic $M1)"
[ "$(db_sql "SELECT next_boot FROM clients WHERE mac = '$M1'")" = install ] ||
	fail "--next-boot install was not kept"

# refused, nothing written, nothing sent
usage "bad --secureon" client wake $M1 --secureon 123
usage "unknown action 'reboot'" client wake $M1 --next-boot reboot
error "no client named 'nosuch'" client wake nosuch
error "has no image to install" client wake $M2 --next-boot install
# a packet that cannot go out leaves the next boot as it was
ip -n "$srv" route del default dev wk0
db_dump >"$T/before"
expect_rc 1 ip netns exec "$srv" "$BOOTCTL" -D "$DB" client wake $M2 --next-boot menu
expect_err "cannot send to 255.255.255.255"
db_dump >"$T/after"
cmp -s "$T/before" "$T/after" || fail "a failed wake changed the database"
sleep 0.5
[ "$(wc -l <"$T/got")" = 6 ] || fail "unexpected packets: $(cat "$T/got")"
exit 0
