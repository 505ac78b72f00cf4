#!/bin/sh
# ipv6.sh: bootweb over IPv6, as DHCPv6 HTTP boot (option 59
# http://[addr]:port/...) needs it. bootweb runs with its default listen
# address (dual-stack "::") in one namespace, on a bridge; behind it the
# client's namespace has the ULA fd80::2 and 10.79.0.2, and a stranger's
# (another MAC) fd80::3. Over
# IPv6 every URL bootweb writes (boot.ipxe, the client's kernel, initrd and
# unattended URLs, server_url in templates) is http://[fd80::1]:PORT; over
# IPv4 on the same daemon it is http://10.79.0.1:PORT. Ranges, bootloaders,
# the self-API and the unattended scoping work for IPv6 peers (the client is
# the one the IPv6 neighbour table names: the clients table holds IPv4
# addresses only, so last_ip is left alone); IPv4 peers of the dual-stack
# socket are a.b.c.d, never ::ffff:a.b.c.d; the admin plane is on 127.0.0.1.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl sqlite3 ss

PORT=$((20000 + ($$ + 4409) % 12000))
APORT=$((PORT + 1))
A=52:54:00:6b:00:02
S=52:54:00:6b:00:03	# the stranger
mkdir -p "$T/ipxe" "$T/boot"
head -c 100000 /dev/urandom >"$T/boot/vmlinuz"
echo initrd >"$T/boot/initrd.gz"
head -c 50000 /dev/urandom >"$T/ipxe/snponly.efi"
CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe")
bc() { "$BOOTCTL" -f "$CONF" -D "$DB" "$@" >"$T/bc.out" 2>&1 || fail "bootctl $*: $(cat "$T/bc.out")"; }
bc db init
bc settings set metrics.allow 127.0.0.1 >/dev/null	# /metrics without a token
printf '# for {{client.hostname}} from {{server_url}}\n' >"$T/preseed"
bc template add t-preseed --kind preseed --file "$T/preseed"
bc image add debian --kernel boot/vmlinuz --initrd boot/initrd.gz \
    --cmdline 'auto=true url={{unattended_url}}' --template t-preseed
bc client add $A --name v6 --hostname v6host --image debian
bc client next-boot $A install
chown -R nobody: "$T"

ns=$(netns_new web) || exit 1
cl=$(netns_new cli) || exit 1
st=$(netns_new str) || exit 1
NB_NETNS="$NB_NETNS $ns $cl $st"
ip -n "$ns" link add br0 type bridge || fail "cannot create a bridge"
ip -n "$ns" addr add 10.79.0.1/24 dev br0
ip -n "$ns" addr add fd80::1/64 dev br0 nodad
ip -n "$ns" link set br0 up
link_up() { ip -n "$1" link show "$2" | grep -q 'state UP'; }
# plug NS IF MAC V4 V6: a veth from the bridge into namespace NS.
plug() {
	ip link add "b$2" netns "$ns" type veth peer name "$2" netns "$1" ||
		fail "cannot create a veth pair"
	ip -n "$ns" link set "b$2" master br0 up
	ip -n "$1" link set "$2" address "$3"
	ip -n "$1" addr add "$4/24" dev "$2"
	ip -n "$1" addr add "$5/64" dev "$2" nodad
	ip -n "$1" link set "$2" up
	wait_for 5 link_up "$1" "$2" || fail "$2 did not come up"
}
plug "$cl" cv $A 10.79.0.2 fd80::2
plug "$st" sv $S 10.79.0.3 fd80::3
wait_for 5 link_up "$ns" br0 || fail "the bridge did not come up"

# The default listen address: no -l, no listen key; the admin plane on its own port.
start_bg bootweb ip netns exec "$ns" "$BOOTWEB" -d -f "$CONF" -p $PORT -P $APORT
U6="http://[fd80::1]:$PORT"
U4="http://10.79.0.1:$PORT"
wait_for 5 ip netns exec "$cl" curl -g -sf -o /dev/null "$U6/boot.ipxe" ||
	fail "bootweb did not answer over IPv6: $(cat "$T/bootweb.log")"
grep -q "listening on :: port $PORT (boot)" "$T/bootweb.log" ||
	fail "boot plane not on :: by default: $(grep listening "$T/bootweb.log")"
# ss shows an AF_INET6 socket on :: without IPV6_V6ONLY as *:PORT.
ip netns exec "$ns" ss -tln | grep -q " \*:$PORT " ||
	fail "no dual-stack socket on port $PORT: $(ip netns exec "$ns" ss -tln)"
ip netns exec "$ns" ss -tln | grep -q " 127\.0\.0\.1:$APORT " ||
	fail "the admin plane is not on 127.0.0.1: $(ip netns exec "$ns" ss -tln)"
note "boot plane dual-stack on :: port $PORT; admin plane on 127.0.0.1 port $APORT"

get() { ip netns exec "$cl" curl -g -s -o "$T/b" -w '%{http_code}' "$@"; }
sget() { ip netns exec "$st" curl -g -s -o "$T/b" -w '%{http_code}' "$@"; }
expect() {	# expect WANT WHAT ARGS...
	local want=$1 what=$2 got; shift 2
	got=$(get "$@")
	[ "$got" = "$want" ] || fail "$what: status $got, expected $want ($(head -c 300 "$T/b"))"
}
has() { grep -qF -- "$1" "$T/b" || fail "$2: lacks '$1' in: $(cat "$T/b")"; }
hasnt() { ! grep -qF -- "$1" "$T/b" || fail "$2: has '$1' in: $(cat "$T/b")"; }

# /boot.ipxe: the chain URL in the family the request came in.
expect 200 "boot.ipxe over IPv6" "$U6/boot.ipxe"
has "chain --autofree $U6/boot?mac=\${net0/mac}&" "boot.ipxe over IPv6"
sleep 0.1	# bootweb re-reads the neighbour table on a miss at most every 50 ms
expect 200 "boot.ipxe over IPv4" "$U4/boot.ipxe"
has "chain --autofree $U4/boot?mac=\${net0/mac}&" "boot.ipxe over IPv4"
hasnt "[" "boot.ipxe over IPv4"
note "boot.ipxe: $U6/boot over IPv6, $U4/boot over IPv4"

# The client's script over IPv4, then over IPv6 (which leaves last_ip alone:
# the clients table holds IPv4 addresses only).
expect 200 "script over IPv4" "$U4/boot?mac=$A"
grep -q "^kernel $U4/data/boot/vmlinuz initrd=initrd.gz auto=true url=$U4/t/[0-9a-f]\{52\}/t-preseed " "$T/b" ||
	fail "v4 script: $(cat "$T/b")"
hasnt "fd80" "v4 script"
expect 200 "script over IPv6" "$U6/boot?mac=$A"
TOK6=$(grep -o "$(printf '%s' "$U6" | sed 's/[][]/\\&/g')/t/[0-9a-f]\{52\}" "$T/b" | head -1)
grep -qF "kernel $U6/data/boot/vmlinuz initrd=initrd.gz auto=true url=$TOK6/t-preseed " "$T/b" ||
	fail "v6 script: $(cat "$T/b")"
has "initrd $U6/data/boot/initrd.gz" "v6 script"
hasnt "10.79.0.1" "v6 script"
sleep 0.3
[ "$(db_sql "SELECT last_ip FROM clients WHERE mac = '$A'")" = 10.79.0.2 ] ||
	fail "last_ip: $(db_sql "SELECT last_ip FROM clients WHERE mac = '$A'")"
grep -q 'recording inventory' "$T/bootweb.log" && fail "inventory not recorded: $(grep 'recording inventory' "$T/bootweb.log")"
note "per-client script: kernel, initrd, unattended URLs in brackets over IPv6, plain over IPv4"

# Files over IPv6: a bootloader whole, a kernel by ranges.
expect 200 "bootloader over IPv6" "$U6/snponly.efi"
cmp -s "$T/b" "$T/ipxe/snponly.efi" || fail "snponly.efi over IPv6 differs"
expect 206 "range over IPv6" -r 1000-1999 "$U6/data/boot/vmlinuz"
tail -c +1001 "$T/boot/vmlinuz" | head -c 1000 >"$T/want"
cmp -s "$T/b" "$T/want" || fail "bytes 1000-1999 over IPv6 differ"
expect 206 "suffix range over IPv6" -H "Range: bytes=-100" "$U6/data/boot/vmlinuz"
tail -c 100 "$T/boot/vmlinuz" | cmp -s "$T/b" - || fail "the last 100 bytes over IPv6 differ"
note "bootloader byte-exact, ranges 1000-1999 and -100 over IPv6"

# Unattended file and self-API under the token URL of the IPv6 script.
expect 200 "preseed over IPv6" "$TOK6/t-preseed"
has "# for v6host from $U6" "preseed server_url"
code=$(sget "$U6/unattended/$A/t-preseed")
[ "$code" = 403 ] || fail "the stranger got the client's preseed over IPv6: $code"
expect 200 "self over IPv6" "$TOK6/api/v1/self"
has "\"mac\": \"$A\"" "self over IPv6"
code=$(sget "$U6/api/v1/self")
[ "$code" = 403 ] || fail "the stranger's self over IPv6: $code, want 403 ($(cat "$T/b"))"
# The stranger claims A's MAC: it gets its own script (the NDP entry says who it is).
code=$(sget "$U6/boot?mac=$A")
[ "$code" = 200 ] && grep -q "^# netboot: $S" "$T/b" && ! grep -qF "$TOK6" "$T/b" ||
	fail "the stranger claiming A over IPv6 got: $code $(head -3 "$T/b")"
expect 200 "self done over IPv6" -X POST "$TOK6/api/v1/self/done"
note "unattended and self-API: fd80::2 is the client, fd80::3 a stranger"

# Who is named how: IPv6 peers by their address (and the MAC of the IPv6
# neighbour table), IPv4 peers of the dual-stack socket as a.b.c.d.
sleep 0.3
db_sql "SELECT kind, ip, ifnull(mac, '-') FROM events WHERE daemon = 'bootweb'" >"$T/who"
grep -q "^http-boot-ipxe|fd80::2|$A\$" "$T/who" ||
	fail "boot.ipxe over IPv6 not named by the IPv6 neighbour table: $(cat "$T/who")"
grep -q "^http-boot-ipxe|10\.79\.0\.2|$A\$" "$T/who" ||
	fail "boot.ipxe over IPv4 not recorded as 10.79.0.2 with $A: $(cat "$T/who")"
grep -q "^self-done|fd80::2|$A\$" "$T/who" || fail "no self-done event from fd80::2: $(cat "$T/who")"
grep -q ffff "$T/who" && fail "an IPv4-mapped address in the events: $(cat "$T/who")"
grep -q ffff "$T/bootweb.log" && fail "an IPv4-mapped address in the log: $(grep ffff "$T/bootweb.log")"
note "events: fd80::2 and 10.79.0.2 with the client's MAC; no ::ffff: anywhere"

# The admin plane is for the server itself by default (issue 11).
ip netns exec "$ns" curl -sf -o /dev/null "http://127.0.0.1:$APORT/metrics" ||
	fail "admin plane on 127.0.0.1"
ip netns exec "$cl" curl -s --max-time 3 -o /dev/null "http://10.79.0.1:$APORT/metrics" &&
	fail "the admin plane answers the boot network over IPv4 without admin_listen"
ip netns exec "$cl" curl -g -s --max-time 3 -o /dev/null "http://[fd80::1]:$APORT/metrics" &&
	fail "the admin plane answers over IPv6 without admin_listen"

# -l with an IPv6 address: bound to it, and the URLs say so.
kill "$(cat "$T/bootweb.pid")"
wait_for 5 sh -c '! kill -0 '"$(cat "$T/bootweb.pid")" || fail "bootweb did not stop"
mv "$T/bootweb.log" "$T/bootweb-1.log"
start_bg bootweb ip netns exec "$ns" "$BOOTWEB" -d -f "$CONF" -l fd80::1 -p $PORT -P 0
wait_for 5 ip netns exec "$cl" curl -g -sf -o /dev/null "$U6/boot.ipxe" ||
	fail "bootweb -l fd80::1 did not answer: $(cat "$T/bootweb.log")"
grep -q "listening on fd80::1 port $PORT (boot)" "$T/bootweb.log" ||
	fail "-l fd80::1: $(grep listening "$T/bootweb.log")"
expect 200 "boot.ipxe with -l fd80::1" "$U6/boot.ipxe"
has "chain --autofree $U6/boot?mac=" "boot.ipxe with -l fd80::1"
ip netns exec "$cl" curl -s --max-time 3 -o /dev/null "$U4/boot.ipxe" &&
	fail "bootweb -l fd80::1 answers over IPv4"
note "-l fd80::1: IPv6 only, URLs $U6"
exit 0
