#!/bin/sh
# clients.sh: what bootweb answers each machine. Two clients on two
# loopback addresses (127.0.0.2 is A, 127.0.0.3 is B; curl --interface
# picks the source). The per-client script for each decision (assigned,
# menu, local, one-time actions, unknown allowed, unknown denied, denied),
# inventory recorded, each template kind rendered (variables, loops,
# errors) and identical to `bootctl template render`, under the token URL
# of each client's script; B refused A's unattended file, self-API scoping,
# virtual files, events. Loopback has no neighbour entries: A and B are
# recognised by their static addresses; the unknown C is anonymous until
# boot.routed = claim believes its ?mac=.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl sqlite3

PORT=$((20000 + ($$ + 7919) % 12000))
U=http://127.0.0.1:$PORT
A=52:54:00:00:00:0a
B=52:54:00:00:00:0b
C=52:54:00:00:00:0c	# unknown
mkdir -p "$T/ipxe" "$T/boot"
echo kernel >"$T/boot/vmlinuz"
echo initrd1 >"$T/boot/initrd.gz"
echo initrd2 >"$T/boot/firmware.cpio.gz"
echo tool >"$T/boot/memtest"
CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe")
bc() { "$BOOTCTL" -f "$CONF" -D "$DB" "$@" || fail "bootctl $*: exit $?"; }
bc db init >/dev/null

# One template per kind, with variables, a loop, a section and an inverted section.
cat >"$T/preseed" <<'EOF'
# preseed for {{client.hostname}} ({{client.mac}})
d-i netcfg/get_hostname string {{client.hostname}}
d-i partman-auto/disk string {{vars.disk}}
d-i mirror/http/hostname string {{vars.mirror}}
{{#image}}
# image {{name}} from {{server_url}}
{{/image}}
{{#image.initrd_urls}}
# initrd {{.}}
{{/image.initrd_urls}}
{{^vars.nosuch}}
d-i passwd/root-password-crypted password {{vars.roothash}}
{{/vars.nosuch}}
EOF
printf 'network --hostname={{client.hostname}}\n{{#image.initrd_urls}}# {{.}}\n{{/image.initrd_urls}}rootpw --iscrypted {{{vars.roothash}}}\n' >"$T/kickstart"
printf '#cloud-config\nautoinstall:\n  version: 1\n  identity: {hostname: {{client.hostname}}, password: "{{vars.roothash}}"}\n' >"$T/autoinstall"
printf '#cloud-config\nhostname: {{client.hostname}}\n{{! a comment }}\nruncmd:\n{{#image.initrd_urls}}\n  - echo {{.}}\n{{/image.initrd_urls}}\n' >"$T/cloud"
printf '<?xml version="1.0"?>\n<unattend><ComputerName>{{client.hostname}}</ComputerName><Disk>{{vars.disk}}</Disk></unattend>\n' >"$T/autounattend"
printf 'raw {{client.mac}} {{settings.menu.timeout}} {{settings.default_action}}\n' >"$T/raw"
printf '#!ipxe\necho {{client.mac}} {{image.kernel_url}}\n' >"$T/ipxe.t"
printf 'line one\n{{#client}}\n{{hostname}} {{nosuch}}\n{{/client}}\n' >"$T/broken"
printf '{{#vars}}\nunclosed\n' >"$T/unclosed"
bc template add t-preseed --kind preseed --file "$T/preseed" >/dev/null
bc template add t-ks --kind kickstart --file "$T/kickstart" >/dev/null
bc template add t-autoinstall --kind autoinstall --file "$T/autoinstall" >/dev/null
bc template add t-cloud --kind cloud-init --file "$T/cloud" >/dev/null
bc template add t-win --kind autounattend --file "$T/autounattend" >/dev/null
bc template add t-raw --kind raw --file "$T/raw" >/dev/null
bc template add t-ipxe --kind ipxe --file "$T/ipxe.t" >/dev/null
printf '<profile><networking><hostname>{{client.hostname}}</hostname></networking></profile>\n' >"$T/ay"
bc template add t-ay --kind autoyast --file "$T/ay" >/dev/null
bc template add t-broken --kind raw --file "$T/broken" >/dev/null
# bootctl refuses it now: stored as an older bootctl would have.
db_sql "INSERT INTO templates (name, kind, body, updated) VALUES ('t-unclosed', 'raw', '$(sed "s/'/''/g" "$T/unclosed")
', 0)"
bc image add debian --kernel boot/vmlinuz --initrd boot/initrd.gz --initrd boot/firmware.cpio.gz \
    --cmdline 'auto=true url={{unattended_url}} hostname={{client.hostname}} disk={{vars.disk}}' \
    --template t-preseed >/dev/null
bc image add memtest --kind tool --kernel boot/memtest >/dev/null
bc image add badline --kernel boot/vmlinuz --initrd boot/initrd.gz --cmdline 'x={{nosuch}}' >/dev/null
bc client add $A --name alpha --hostname alpha --ip 127.0.0.2 --image debian \
    --var disk=/dev/vda --var mirror=deb.example --var 'roothash=$6$salt$hash' >/dev/null
bc client add $B --name beta --hostname beta --ip 127.0.0.3 --template t-raw --var disk=/dev/sdb >/dev/null
chown -R nobody: "$T"
start_bg bootweb "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $PORT -P 0
wait_for 5 curl -sf -o /dev/null "$U/boot.ipxe" || fail "bootweb did not start: $(cat "$T/bootweb.log")"

get() { curl -s -o "$T/b" -w '%{http_code}' "$@"; }
expect() {	# expect WANT WHAT ARGS...
	local want=$1 what=$2 got; shift 2
	got=$(get "$@")
	[ "$got" = "$want" ] || fail "$what: status $got, expected $want ($(head -c 300 "$T/b"))"
}
has() { grep -qF -- "$1" "$T/b" || fail "$2: lacks '$1' in: $(cat "$T/b")"; }
# The decision is the third line of a script: after #!ipxe and the comment saying why.
first() { [ "$(sed -n 3p "$T/b")" = "$1" ] || fail "$2: line 3 is '$(sed -n 3p "$T/b")', want '$1' ($(sed -n 2p "$T/b"))"; }
hasnt() { ! grep -qF -- "$1" "$T/b" || fail "$2: has '$1' in: $(cat "$T/b")"; }
script() { expect 200 "script for $1" --interface "$2" "$U/boot?mac=$1&serial=SN-$3&manufacturer=QEMU&platform=pcbios&uuid=&memsize=2048&cpuvendor=GenuineIntel&cpumodel=Intel%28R%29%20Xeon%28R%29%20CPU&chip=virtio-net"; }

# /boot.ipxe chains with iPXE's variables: the strings :uristring-encoded;
# the typed ones plain, because iPXE (Debian's 2019 build, seen on real
# firmware in tests/e2e) encodes a MAC's raw bytes under :uristring.
expect 200 "boot.ipxe" "$U/boot.ipxe"
has "chain --autofree $U/boot?mac=\${net0/mac}&" "boot.ipxe"
for v in serial manufacturer product platform buildarch asset cpuvendor \
    cpumodel; do
	has "&$v=\${$v:uristring}" "boot.ipxe"
done
has '&chip=${net0/chip:uristring}' "boot.ipxe"
for v in uuid memsize; do
	has "&$v=\${$v}" "boot.ipxe"
done
has '&ip=${net0/ip}' "boot.ipxe"
hasnt 'mac:uristring' "boot.ipxe"

# The capability prefix /t/TOKEN/ of the last script (the token in the unattended URL).
tokurl() { grep -o "$U/t/[0-9a-f]\{52\}" "$T/b" | head -1; }

# Assigned image with next_boot install: kernel, both initrds, the rendered cmdline, and the menu behind it.
bc client next-boot $A install
script $A 127.0.0.2 a
first "goto img-debian" "assigned"
TA=$(tokurl); [ -n "$TA" ] || fail "no token URL in A's script: $(cat "$T/b")"
has "kernel $U/data/boot/vmlinuz initrd=initrd.gz initrd=firmware.cpio.gz auto=true url=$TA/t-preseed hostname=alpha disk=/dev/vda || goto failed" "assigned kernel line"
has "initrd $U/data/boot/initrd.gz || goto failed" "assigned initrd"
has "initrd $U/data/boot/firmware.cpio.gz || goto failed" "assigned second initrd"
has ":failed" "fallback label"
has "choose --default local" "menu behind the image"
has "echo netboot: the cmdline of badline does not render: line 1: undefined variable 'nosuch'" "bad cmdline"
bc client next-boot $A clear
# default_action image: an image that would install unattended (a template) is not booted by default.
bc settings set default_action image
script $A 127.0.0.2 a
first ":menu" "assigned installer, default_action image"
has "# netboot: $A alpha: assigned debian installs unattended: only next_boot install boots it" "why"
# ... but a tool (no template) is: default_image for a client without one.
bc settings set default_image memtest
script $C 127.0.0.4 c
first "goto img-memtest" "default_image, anonymous peer"
bc settings unset default_image
note "assigned image: ok"

# The unattended URL wired in by kind when the cmdline does not place it (one exact line each).
kline() { sed -n "/^:img-$1\$/,/^boot /p" "$T/b" | grep '^kernel '; }
E=52:54:00:00:00:0e
bc image add plain --kernel boot/vmlinuz --initrd boot/initrd.gz --cmdline 'quiet' >/dev/null
bc client add $E --name epsilon --hostname eps --ip 127.0.0.6 --image plain --var disk=/dev/x >/dev/null
bc client next-boot $E install
for kt in "preseed t-preseed auto=true priority=critical url=TU/t-preseed" \
    "kickstart t-ks inst.ks=TU/t-ks" \
    "autoinstall t-autoinstall autoinstall ds=nocloud-net;s=TU/" \
    "cloud-init t-cloud ds=nocloud-net;s=TU/" \
    "autoyast t-ay autoyast=TU/t-ay"; do
	set -- $kt
	k=$1 t=$2; shift 2
	bc client set $E --template $t >/dev/null
	script $E 127.0.0.6 e
	TE=$(tokurl); [ -n "$TE" ] || fail "$k: no token URL: $(cat "$T/b")"
	want="kernel $U/data/boot/vmlinuz initrd=initrd.gz quiet $(echo "$*" | sed "s|TU|$TE|") || goto failed"
	[ "$(kline plain)" = "$want" ] || fail "$k: kernel line '$(kline plain)', want '$want'"
	kline memtest | grep -q "$TE" && fail "$k: a tool got the unattended URL: $(kline memtest)"
done
# A cloud-init seed directory: user-data, meta-data and vendor-data under it.
bc client set $E --template t-cloud >/dev/null
expect 200 "NoCloud user-data" --interface 127.0.0.6 "$TE/user-data"; has "#cloud-config" "user-data"
expect 200 "NoCloud meta-data" --interface 127.0.0.6 "$TE/meta-data"; has "instance-id: netboot-52540000000e" "meta-data"
expect 200 "NoCloud vendor-data" --interface 127.0.0.6 "$TE/vendor-data"
# A cmdline that places {{unattended_url}} itself gets nothing added; autounattend none either.
bc client set $E --template t-win >/dev/null
script $E 127.0.0.6 e
[ "$(kline plain)" = "kernel $U/data/boot/vmlinuz initrd=initrd.gz quiet || goto failed" ] ||
	fail "autounattend: $(kline plain)"
bc client set $E --template t-ks >/dev/null
bc client assign $E debian >/dev/null
script $E 127.0.0.6 e
TE=$(tokurl)
[ "$(kline debian)" = "kernel $U/data/boot/vmlinuz initrd=initrd.gz initrd=firmware.cpio.gz auto=true url=$TE/t-ks hostname=eps disk=/dev/x || goto failed" ] ||
	fail "a cmdline with {{unattended_url}}: $(kline debian)"
bc client rm $E >/dev/null
note "unattended URL wired in per kind: ok"

# The menu: images, tools, local disk, shell; default and timeout from settings.
bc settings set default_action menu
bc settings set menu.timeout 7
bc settings set menu.default memtest
script $A 127.0.0.2 a
first ":menu" "menu"
has "item --gap Images" "menu"; has "item img-debian debian" "menu"; has "item --gap Tools" "menu"
has "item img-memtest memtest" "menu"; has "item local Boot from local disk" "menu"
has "item shell iPXE shell" "menu"
has "choose --default img-memtest --timeout 7000 target && goto \${target} || goto local" "menu choose"
has "kernel $U/data/boot/memtest" "memtest label"
note "menu: ok"

# Local disk: sanboot on BIOS, exit on UEFI.
bc settings set default_action local
script $A 127.0.0.2 a
first "goto local" "local"; has "sanboot --no-describe --drive 0x80 || exit" "local"
has 'iseq ${platform} efi && exit ||' "local on UEFI"
bc settings set default_action menu

# db_wait SQL VALUE: bootweb's writes are queued (libnetboot/wq.c) and
# reach the database within a tick or two.
db_wait() {
	wait_for 5 db_is "$1" "$2"
}

# One-time actions: served once, then cleared; install stays until /done.
bc client next-boot $A local
script $A 127.0.0.2 a; first "goto local" "next_boot local"
db_wait "SELECT next_boot FROM clients WHERE mac = '$A'" "" || fail "next_boot local not cleared"
script $A 127.0.0.2 a; first ":menu" "after next_boot local"
bc client next-boot $A shell
script $A 127.0.0.2 a; first "goto shell" "next_boot shell"
bc client next-boot $A install
script $A 127.0.0.2 a; first "goto img-debian" "next_boot install"
script $A 127.0.0.2 a; first "goto img-debian" "next_boot install stays"
TA=$(tokurl)
[ "$(db_sql "SELECT next_boot FROM clients WHERE mac = '$A'")" = install ] || fail "install cleared early"
note "next-boot actions: ok"

# Unknown clients: an unverifiable peer gets the anonymous menu and nothing is recorded;
# with boot.routed = claim its ?mac= is believed: recorded (no last_ip: a claim proves no address).
script $C 127.0.0.4 c
has "choose" "anonymous peer gets the menu"; has "# netboot: unverified peer" "anonymous"
hasnt "/t/" "anonymous script has no token"
sleep 0.4
[ "$(db_sql "SELECT count(*) FROM clients WHERE mac = '$C'")" = 0 ] || fail "an unverified claim was recorded"
bc settings set boot.routed claim
script $C 127.0.0.4 c
has "choose" "claimed unknown client gets the menu"; has "# netboot: $C:" "claimed"
sleep 0.4
[ "$(db_sql "SELECT state || ' ' || ifnull(last_ip, '-') || ' ' || json_extract(inventory, '$.serial') FROM clients WHERE mac = '$C'")" = "discovered - SN-c" ] ||
	fail "claimed client not recorded: $(db_sql "SELECT * FROM clients WHERE mac = '$C'")"
[ "$(db_sql "SELECT json_extract(inventory, '$.manufacturer') FROM clients WHERE mac = '$A'")" = QEMU ] ||
	fail "inventory of A not recorded"
[ "$(db_sql "SELECT json_extract(inventory, '$.cpuvendor') || '|' || json_extract(inventory, '$.cpumodel') || '|' || json_extract(inventory, '$.chip') || '|' || json_extract(inventory, '$.memsize') FROM clients WHERE mac = '$A'")" = "GenuineIntel|Intel(R) Xeon(R) CPU|virtio-net|2048" ] ||
	fail "CPU, NIC chip or memory of A not recorded: $(db_sql "SELECT inventory FROM clients WHERE mac = '$A'")"
bc settings set unknown_clients ignore
script 52:54:00:00:00:0d 127.0.0.5 d
first "goto local" "unknown denied"; hasnt "choose" "unknown denied"
script $C 127.0.0.4 c
first "goto local" "discovered client with unknown_clients ignore"
script $A 127.0.0.2 a; first "goto img-debian" "known client with unknown_clients ignore"
bc settings unset boot.routed
script $C 127.0.0.4 c
first "goto local" "anonymous peer with unknown_clients ignore"
bc settings set unknown_clients answer
script $A 127.0.0.2 a; TA=$(tokurl)
bc client deny $B
script $B 127.0.0.3 b; first "goto local" "denied"; hasnt "choose" "denied"
bc client allow $B
script $B 127.0.0.3 b; TB=$(tokurl); [ -n "$TB" ] || fail "no token URL in B's script"
expect 400 "no MAC" "$U/boot"
expect 400 "bad MAC" "$U/boot?mac=zz"
note "unknown, denied: ok"

# Unattended files: each kind rendered for its client under its token URL, identical to
# bootctl template render (which shows TOKEN for the token).
for t in t-preseed t-ks t-autoinstall t-cloud t-win t-raw t-ipxe; do
	expect 200 "unattended $t" --interface 127.0.0.2 "$TA/$t"
	"$BOOTCTL" -f "$CONF" -D "$DB" template render $t --mac $A --server "$U" >"$T/r" ||
		fail "bootctl template render $t"
	cmp -s "$T/b" "$T/r" || fail "$t: bootweb and bootctl differ: $(diff "$T/b" "$T/r")"
done
expect 200 "preseed" --interface 127.0.0.2 "$TA/t-preseed"
cat >"$T/want" <<EOF
# preseed for alpha ($A)
d-i netcfg/get_hostname string alpha
d-i partman-auto/disk string /dev/vda
d-i mirror/http/hostname string deb.example
# image debian from $U
# initrd $U/data/boot/initrd.gz
# initrd $U/data/boot/firmware.cpio.gz
d-i passwd/root-password-crypted password \$6\$salt\$hash
EOF
cmp -s "$T/b" "$T/want" || fail "preseed: $(diff "$T/want" "$T/b")"
expect 200 "preseed alias" --interface 127.0.0.2 "$TA/preseed.cfg"
cmp -s "$T/b" "$T/want" || fail "preseed.cfg alias"
expect 200 "cloud-init" --interface 127.0.0.2 "$TA/t-cloud"
printf '#cloud-config\nhostname: alpha\nruncmd:\n  - echo %s\n  - echo %s\n' \
    "$U/data/boot/initrd.gz" "$U/data/boot/firmware.cpio.gz" >"$T/want"
cmp -s "$T/b" "$T/want" || fail "cloud-init: $(diff "$T/want" "$T/b")"
expect 200 "meta-data" --interface 127.0.0.2 "$TA/meta-data"
has "instance-id: netboot-52540000000a" "meta-data"; has "local-hostname: alpha" "meta-data"
expect 200 "raw for B" --interface 127.0.0.3 "$TB/t-raw"
[ "$(cat "$T/b")" = "raw $B 7 menu" ] || fail "raw: $(cat "$T/b")"
expect 200 "user-data alias for B" --interface 127.0.0.3 "$TB/user-data"
expect 500 "undefined variable" --interface 127.0.0.2 "$TA/t-broken"
[ "$(cat "$T/b")" = "line 3: undefined variable 'nosuch'" ] || fail "error text: $(cat "$T/b")"
expect_rc 1 "$BOOTCTL" -f "$CONF" -D "$DB" template render t-broken --mac $A
expect_err "bootctl: line 3: undefined variable 'nosuch'"
expect 500 "unclosed section" --interface 127.0.0.2 "$TA/t-unclosed"
has "line 1: unclosed section 'vars'" "unclosed"
expect_rc 2 "$BOOTCTL" -f "$CONF" -D "$DB" template render t-raw
expect_rc 1 "$BOOTCTL" -f "$CONF" -D "$DB" template render nosuch --mac $A
# The capability URLs: bootweb's carry the token of this boot, bootctl's the word TOKEN.
printf '{{self_url}} {{unattended_url}} {{client_url}}\n' >"$T/urls"
bc template add t-urls --kind raw --file "$T/urls" >/dev/null
expect 200 "capability URLs" --interface 127.0.0.2 "$TA/t-urls"
[ "$(cat "$T/b")" = "$TA/api/v1/self $TA/t-preseed $TA" ] || fail "URLs from bootweb: $(cat "$T/b")"
"$BOOTCTL" -f "$CONF" -D "$DB" template render t-urls --mac $A --server "$U" >"$T/r" ||
	fail "bootctl template render t-urls"
[ "$(cat "$T/r")" = "$U/t/TOKEN/api/v1/self $U/t/TOKEN/t-preseed $U/t/TOKEN" ] ||
	fail "URLs from bootctl: $(cat "$T/r")"
# The token is the capability, not the address: the old form is refused to everyone.
expect 403 "A asks the old way" --interface 127.0.0.2 "$U/unattended/$A/t-preseed"
hasnt 'salt' "refused file"
expect 403 "a stranger asks" --interface 127.0.0.9 "$U/unattended/$A/preseed.cfg"
expect 403 "no such client, the same answer" --interface 127.0.0.2 "$U/unattended/52:54:00:00:00:99/t-raw"
expect 403 "A's token with B's MAC in it" --interface 127.0.0.2 \
    "$U/t/$(echo "${TA##*/t/}" | sed 's/^52540000000a/52540000000b/')/t-raw"
expect 404 "no such template" --interface 127.0.0.2 "$TA/nosuch"
expect 404 "not a token" --interface 127.0.0.2 "$U/t/xyz/t-raw"
note "unattended files: ok"

# Self-API: each host sees and changes only itself, through its token URL.
expect 200 "A reads itself" --interface 127.0.0.2 "$TA/api/v1/self"
has "\"mac\": \"$A\"" "self A"; hasnt "$B" "self A"
expect 200 "B reads itself" --interface 127.0.0.3 "$TB/api/v1/self"
has "\"mac\": \"$B\"" "self B"
expect 403 "no token" --interface 127.0.0.2 "$U/api/v1/self"
expect 403 "no token, POST" --interface 127.0.0.2 -X POST "$U/api/v1/self/done"
expect 405 "GET done" --interface 127.0.0.2 "$TA/api/v1/self/done"
expect 405 "POST self" --interface 127.0.0.2 -X POST "$TA/api/v1/self"
expect 404 "bad call" --interface 127.0.0.2 -X POST "$TA/api/v1/self/reboot"
expect 405 "POST a file" --interface 127.0.0.2 -X POST "$TA/t-raw"
expect 200 "B suspends itself" --interface 127.0.0.3 -X POST "$TB/api/v1/self/suspend"
db_wait "SELECT mac FROM clients WHERE suspended = 1" $B || fail "suspend hit the wrong host"
expect 200 "B unsuspends" --interface 127.0.0.3 -X POST "$TB/api/v1/self/unsuspend"
db_wait "SELECT count(*) FROM clients WHERE suspended = 1" 0 || fail "unsuspend"
expect 200 "B suspends itself again" --interface 127.0.0.3 -X POST "$TB/api/v1/self/suspend"
db_wait "SELECT count(*) FROM clients WHERE suspended = 1" 1 || fail "suspend again"
script $B 127.0.0.3 b; first "goto local" "suspended"; hasnt "/t/" "a local-disk script has no token"
expect 403 "B's token after B booted again" --interface 127.0.0.3 -X POST "$TB/api/v1/self/unsuspend"
db_sql "UPDATE clients SET suspended = 0"
script $B 127.0.0.3 b; TB=$(tokurl)
expect 200 "B done" --interface 127.0.0.3 -X POST "$TB/api/v1/self/done"
[ "$(db_sql "SELECT next_boot FROM clients WHERE mac = '$A'")" = install ] || fail "B's done cleared A"
expect 200 "A done" --interface 127.0.0.2 -X POST "$TA/api/v1/self/done"
has '"next_boot": null' "done"
db_wait "SELECT next_boot FROM clients WHERE mac = '$A'" "" || fail "A's done did not clear"
# A new boot of A: the tokens of the last one are worthless.
OLD=$TA
script $A 127.0.0.2 a; TA=$(tokurl)
[ -n "$TA" ] && [ "$TA" != "$OLD" ] || fail "a new boot kept the old token"
expect 403 "the last boot's token" --interface 127.0.0.2 "$OLD/api/v1/self"
expect 200 "this boot's token" --interface 127.0.0.2 "$TA/api/v1/self"
note "self-API: ok"

# Virtual files: a client's own first, then the global one; templates per client;
# an upstream that refuses the connection is a 502 (upstream.sh has more).
echo global >"$T/g"; echo only-a >"$T/a"
bc file add conf/site.txt --global --content-file "$T/g" >/dev/null
bc file add conf/site.txt --mac $A --content-file "$T/a" >/dev/null
bc file add conf/host.cfg --global --template t-raw >/dev/null
bc file add conf/local.bin --global --local "$T/boot/vmlinuz" >/dev/null
bc file add conf/up --global --url http://127.0.0.1:1/x >/dev/null
expect 200 "A's own file" --interface 127.0.0.2 "$TA/conf/site.txt"; [ "$(cat "$T/b")" = only-a ] || fail "A's file"
expect 200 "A's own file, without a token" --interface 127.0.0.2 "$U/conf/site.txt"
[ "$(cat "$T/b")" = global ] || fail "a per-client file without a token"
expect 200 "B gets the global one" --interface 127.0.0.3 "$TB/conf/site.txt"; [ "$(cat "$T/b")" = global ] || fail "global"
expect 200 "template file" --interface 127.0.0.3 "$TB/conf/host.cfg"; [ "$(cat "$T/b")" = "raw $B 7 menu" ] || fail "template file"
expect 403 "template file without a token" --interface 127.0.0.3 "$U/conf/host.cfg"
expect 200 "local file" "$U/conf/local.bin"; [ "$(cat "$T/b")" = kernel ] || fail "local file"
expect 502 "url file, upstream refuses" "$U/conf/up"
note "virtual files: ok"

# Every request about a client is an event, written in batches.
sleep 0.4
for k in http-script http-unattended self-suspend self-unsuspend self-done http-file http-boot-ipxe; do
	n=$(db_sql "SELECT count(*) FROM events WHERE kind = '$k' AND daemon = 'bootweb'")
	[ "$n" -ge 1 ] || fail "no $k event"
done
n=$(db_sql "SELECT count(*) FROM events WHERE kind = 'http-unattended' AND mac = '$A' AND detail LIKE 'refused%'")
[ "$n" -ge 2 ] || fail "refusals not recorded ($n)"
n=$(db_sql "SELECT count(*) FROM events WHERE kind = 'http-token' AND detail LIKE 'refused%'")
[ "$n" -ge 2 ] || fail "token refusals not recorded ($n)"
# No token in any event or log line.
! db_sql "SELECT detail FROM events" | grep -q '[0-9a-f]\{52\}' || fail "a token in the events"
! grep -q '[0-9a-f]\{52\}' "$T/bootweb.log" || fail "a token in the log"
kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died"
note "events: ok"
exit 0
