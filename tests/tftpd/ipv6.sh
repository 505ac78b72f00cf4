#!/bin/sh
# ipv6.sh: tftpd over IPv6, as DHCPv6 boot (option 59 tftp://[addr]/)
# needs it. tftpd runs with its default listen address (dual-stack "::") in
# one namespace; a client namespace behind a veth has the ULA fd80::2 and
# 10.78.0.2. Real clients (tftp-hpa -6, curl, atftp) fetch byte-exact over
# IPv6 and over IPv4 from the same daemon; blocks are clamped to MTU - 52
# over IPv6 and MTU - 32 over IPv4; replies come from the address the
# request was sent to, in the client's family; an IPv4 client is named
# a.b.c.d (never ::ffff:a.b.c.d) and an IPv6 client is known by the MAC of
# the IPv6 neighbour table (its per-client file is served, its events carry
# it); a bad path gets a TFTP error; a template's server_url is in brackets;
# the dual-stack socket systemd passes is accepted.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
need_cmd curl tftp sqlite3
[ -x "$BOOTCTL" ] || fail "$BOOTCTL is not built"

MAC=52:54:00:6a:00:02
ns_new cli CL
ip link add tv0 netns "$NS" type veth peer name tv1 netns "$CL" || fail "cannot create a veth pair"
nsx ip addr add 10.78.0.1/24 dev tv0
nsx ip addr add 10.78.0.10/24 dev tv0
nsx ip addr add fd80::1/64 dev tv0 nodad
nsx ip addr add fd80::10/64 dev tv0 nodad
nsx ip link set tv0 up
ip -n "$CL" link set tv1 address $MAC
ip -n "$CL" addr add 10.78.0.2/24 dev tv1
ip -n "$CL" addr add fd80::2/64 dev tv1 nodad
ip -n "$CL" link set tv1 up
cl() { ip netns exec "$CL" "$@"; }
# nodad: the addresses are usable at once; the veth needs its carrier.
link_up() { ip -n "$1" link show "$2" | grep -q 'state UP'; }
wait_for 5 link_up "$NS" tv0 && wait_for 5 link_up "$CL" tv1 || fail "the veth pair did not come up"

mkfile f512 512
mkfile f1000 1000
mkfile f3000 3000
mkfile 1m 1048576
mkfile 5m 5242880

# The default listen address: no -l, no listen key.
CONF=$(test_config)
chmod -R a+rX "$ROOT"
start_bg tftpd ip netns exec "$NS" "$TFTPD" -d -v -f "$CONF" "$ROOT"
wait_for 5 grep -q 'tftpd: started' "$T/tftpd.log" ||
	fail "tftpd did not start: $(cat "$T/tftpd.log")"
log_has "listening on :: port 69" || fail "not dual-stack by default: $(grep listening "$T/tftpd.log")"
# ss shows an AF_INET6 socket on :: without IPV6_V6ONLY as *:69 ([::]:69 is IPv6 only).
nsx ss -uln | grep -q ' \*:69 ' || fail "no dual-stack UDP socket on port 69: $(nsx ss -uln)"
note "default listen address: :: port 69, dual-stack"

O=$T/out
mkdir "$O"
curl_get() {	# curl_get URL OUT [curl options]
	local u=$1 out=$2; shift 2
	cl curl -g -sS --max-time 30 "$@" -o "$out" "$u" 2>"$T/curl.err" ||
		fail "curl $* $u: $(cat "$T/curl.err"); $(tail -3 "$T/tftpd.log")"
}
hpa_get() {	# hpa_get HOST FILE OUT [tftp flags]
	local h=$1 f=$2 out=$3; shift 3
	cl tftp "$@" "$h" 69 -m binary -c get "$f" "$out" >"$T/hpa.out" 2>&1 ||
		fail "tftp-hpa $* $h $f: $(cat "$T/hpa.out")"
	grep -qi 'error\|timed out' "$T/hpa.out" && fail "tftp-hpa $h $f: $(cat "$T/hpa.out")"
	return 0
}

# tftp-hpa over IPv6: plain RFC 1350, no options.
hpa_get fd80::1 f512 "$O/h512" -6; same "$ROOT/f512" "$O/h512" "tftp-hpa -6 f512"
hpa_get fd80::1 1m "$O/h1m" -6; same "$ROOT/1m" "$O/h1m" "tftp-hpa -6 1 MiB"
note "tftp-hpa -6: 512 B and 1 MiB byte-exact"

# curl over IPv6 with options; blksize 8192 is clamped to 1500 - 52 = 1448.
curl_get "tftp://[fd80::1]/f3000" "$O/c3000"; same "$ROOT/f3000" "$O/c3000" "curl v6 f3000"
curl_get "tftp://[fd80::1]/1m" "$O/c1m" --tftp-blksize 1428
same "$ROOT/1m" "$O/c1m" "curl v6 1 MiB blksize 1428"
curl_get "tftp://[fd80::1]/5m" "$O/c5m" --tftp-blksize 8192
same "$ROOT/5m" "$O/c5m" "curl v6 5 MiB blksize 8192"
events tftp-done | grep '^5m: ' | grep -q 'blksize=1448 ' ||
	fail "IPv6 blksize not clamped to MTU - 52: $(events tftp-done | grep '^5m: ')"
note "curl over IPv6: byte-exact; blksize 8192 clamped to 1448 (MTU 1500 - 52)"

# The same daemon over IPv4: clamped to 1500 - 32 = 1468.
curl_get "tftp://10.78.0.1/5m" "$O/c5m4" --tftp-blksize 8192
same "$ROOT/5m" "$O/c5m4" "curl v4 5 MiB blksize 8192"
hpa_get 10.78.0.1 f1000 "$O/h1000" -4; same "$ROOT/f1000" "$O/h1000" "tftp-hpa -4 f1000"
[ "$(events tftp-done | grep -c '^5m: .*blksize=1468 ')" = 1 ] ||
	fail "IPv4 blksize not clamped to MTU - 32: $(events tftp-done | grep '^5m: ')"
note "IPv4 on the dual-stack socket: byte-exact; blksize clamped to 1468"

# atftp 0.8 resolves IPv6 literals; older ones do not: use it only if it can.
if command -v atftp >/dev/null && cl atftp -g -r f512 -l "$O/a-probe" fd80::1 69 >/dev/null 2>&1; then
	cl atftp --option "blksize 1024" --option "windowsize 8" -g -r 1m -l "$O/a1m" fd80::1 69 \
	    >"$T/atftp.out" 2>&1 || fail "atftp v6 windowsize 8: $(cat "$T/atftp.out")"
	same "$ROOT/1m" "$O/a1m" "atftp v6 1 MiB windowsize 8"
	note "atftp over IPv6: 1 MiB at windowsize 8 byte-exact"
else
	note "atftp cannot reach an IPv6 literal here: not used"
fi

# Who is named how: the IPv6 client by its address and the MAC of the IPv6
# neighbour table; the IPv4 client of the dual-stack socket as a.b.c.d.
db_sql "SELECT ip, mac FROM events WHERE daemon = 'tftpd' AND kind = 'tftp-done'" \
    >"$T/who"
grep -q '^fd80::2|'"$MAC"'$' "$T/who" || fail "no IPv6 event with ip fd80::2 and $MAC: $(cat "$T/who")"
grep -q '^10\.78\.0\.2|'"$MAC"'$' "$T/who" || fail "no IPv4 event as 10.78.0.2 with $MAC: $(cat "$T/who")"
grep -q 'ffff' "$T/who" && fail "an IPv4-mapped address in the events: $(cat "$T/who")"
grep -q 'ffff' "$T/tftpd.log" && fail "an IPv4-mapped address in the log: $(grep ffff "$T/tftpd.log")"
note "events: fd80::2 and 10.78.0.2, both with the client's MAC"

# Replies come from the address the request went to, in the client's family.
cat >"$T/src.py" <<'EOF'
import socket, sys
host = sys.argv[1]
fam = socket.AF_INET6 if ':' in host else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b'\0\1f512\0octet\0', (host, 69))
data, addr = s.recvfrom(2048)
s.sendto(b'\0\4' + data[2:4], addr)
print(addr[0], data[:2].hex(), len(data) - 4)
EOF
for h in fd80::10 fd80::1 10.78.0.10; do
	cl $PY "$T/src.py" $h >"$T/src.out" 2>&1 || fail "RRQ to $h: $(cat "$T/src.out")"
	[ "$(cat "$T/src.out")" = "$h 0003 512" ] ||
		fail "reply to an RRQ sent to $h: got '$(cat "$T/src.out")', want '$h 0003 512'"
done
note "replies come from fd80::10, fd80::1 and 10.78.0.10, where each request went"

# Bad paths over IPv6 get TFTP errors (and the daemon lives); tftp-hpa
# prints the server's error (curl 7.88 hides it behind a getpeername message).
hpa_err() {	# hpa_err FILE WANT
	cl tftp -6 fd80::1 69 -m binary -c get "$1" "$O/none" >"$T/hpa.out" 2>&1
	grep -q "$2" "$T/hpa.out" || fail "$1 over IPv6: '$(cat "$T/hpa.out")', want '$2'"
}
hpa_err nosuch 'Error code 1: File not found'
hpa_err a/../../etc/passwd 'Error code 2: Access violation'
events tftp-error | grep -q 'nosuch: nosuch not found' || fail "no tftp-error event for nosuch"
[ "$(db_sql "SELECT count(*) FROM events WHERE kind = 'tftp-error' AND ip = 'fd80::2'")" -ge 2 ] ||
	fail "the errors over IPv6 are not recorded with ip fd80::2"
alive
note "bad paths over IPv6: File not found, Access violation; events with fd80::2"

# The IPv6 client's own virtual files (found by the MAC of the IPv6
# neighbour table), and a template's server_url in brackets.
"$BOOTCTL" -D "$DB" client add $MAC --hostname v6node >"$T/bc.out" 2>&1 || fail "bootctl: $(cat "$T/bc.out")"
printf 'mine\n' >"$T/mine"
printf 'host={{client.hostname}} server={{server_url}}\n' >"$T/t6"
"$BOOTCTL" -D "$DB" file add own.cfg --mac $MAC --content-file "$T/mine" >"$T/bc.out" 2>&1 &&
"$BOOTCTL" -D "$DB" template add t6 --kind raw --file "$T/t6" >>"$T/bc.out" 2>&1 &&
"$BOOTCTL" -D "$DB" file add url.cfg --mac $MAC --template t6 >>"$T/bc.out" 2>&1 ||
	fail "bootctl: $(cat "$T/bc.out")"
curl_get "tftp://[fd80::1]/own.cfg" "$O/own"
[ "$(cat "$O/own")" = mine ] || fail "own.cfg over IPv6: '$(cat "$O/own")', want the client's own file"
curl_get "tftp://[fd80::10]/url.cfg" "$O/url6"
[ "$(cat "$O/url6")" = "host=v6node server=http://[fd80::10]:8080" ] ||
	fail "template over IPv6: '$(cat "$O/url6")'"
curl_get "tftp://10.78.0.1/url.cfg" "$O/url4"
[ "$(cat "$O/url4")" = "host=v6node server=http://10.78.0.1:8080" ] ||
	fail "template over IPv4: '$(cat "$O/url4")'"
note "per-client files over IPv6 by the NDP MAC; server_url http://[fd80::10]:8080 and http://10.78.0.1:8080"

# An IPv6 listen address (-l) serves IPv6 only.
kill "$(tftpd_pid)"
wait_for 5 sh -c '! kill -0 '"$(tftpd_pid)" || fail "tftpd did not stop"
mv "$T/tftpd.log" "$T/tftpd-1.log"
TFTPD_ADDR=fd80::1 tftpd_start
log_has "listening on fd80::1 port 69" || fail "-l fd80::1: $(grep listening "$T/tftpd.log")"
curl_get "tftp://[fd80::1]/f1000" "$O/l6"; same "$ROOT/f1000" "$O/l6" "curl -l fd80::1"
kill "$(tftpd_pid)"
wait_for 5 sh -c '! kill -0 '"$(tftpd_pid)" || fail "tftpd did not stop"
mv "$T/tftpd.log" "$T/tftpd-2.log"
note "-l fd80::1 serves IPv6"

# The socket systemd passes for ListenDatagram=69 is a dual-stack [::]:69: accepted.
if command -v systemd-socket-activate >/dev/null; then
	start_bg tftpd ip netns exec "$NS" systemd-socket-activate -d -l '[::]:69' \
	    "$TFTPD" -d -v -f "$CONF" "$ROOT"
	wait_for 5 grep -q 'Listening on' "$T/tftpd.log" || fail "systemd-socket-activate: $(cat "$T/tftpd.log")"
	# The first datagram starts tftpd (Accept=no); curl retransmits until it answers.
	curl_get "tftp://[fd80::1]/f3000" "$O/sa6"; same "$ROOT/f3000" "$O/sa6" "socket-activated v6"
	log_has 'tftpd: started' || fail "tftpd did not start: $(cat "$T/tftpd.log")"
	curl_get "tftp://10.78.0.1/f3000" "$O/sa4"; same "$ROOT/f3000" "$O/sa4" "socket-activated v4"
	note "socket activation with [::]:69: IPv6 and IPv4 served"
fi
exit 0
