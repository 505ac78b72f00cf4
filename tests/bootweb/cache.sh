#!/bin/sh
# cache.sh: the settings, images and templates bootweb keeps in
# memory (bootweb/cache.c). Scripts must follow every bootctl edit at once
# (the cache is rebuilt when another process commits), yet requests alone
# must not re-read them (the rebuild counter in /metrics stays put), and
# every request is still one event row.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl sqlite3

PORT=$((20000 + ($$ + 3571) % 12000))
APORT=$((PORT + 1))
U=http://127.0.0.1:$PORT
A=52:54:00:00:00:1a
mkdir -p "$T/ipxe" "$T/boot"
echo kernel >"$T/boot/vmlinuz"; echo initrd >"$T/boot/initrd"
CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe")
bc() { "$BOOTCTL" -f "$CONF" -D "$DB" "$@" >/dev/null || fail "bootctl $*: exit $?"; }
bc db init
bc settings set metrics.allow 127.0.0.1 >/dev/null	# /metrics without a token
bc image add deb --kernel boot/vmlinuz --initrd boot/initrd --cmdline 'one {{client.hostname}} {{settings.menu.timeout}}'
bc client add $A --hostname alpha --ip 127.0.0.1 --image deb
bc settings set default_action image
chown -R nobody: "$T"
start_bg bootweb "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $PORT -P $APORT
wait_for 5 curl -sf -o /dev/null "$U/boot.ipxe" || fail "bootweb did not start: $(cat "$T/bootweb.log")"

script() { curl -sf -o "$T/b" "$U/boot?mac=$A" || fail "GET /boot: $?"; }
has() { grep -qF -- "$1" "$T/b" || fail "$2: lacks '$1' in: $(cat "$T/b")"; }
hasnt() { ! grep -qF -- "$1" "$T/b" || fail "$2: has '$1' in: $(cat "$T/b")"; }
rebuilds() { curl -sf "http://127.0.0.1:$APORT/metrics" | sed -n 's/^bootweb_cache_rebuilds_total //p'; }

script; has "vmlinuz initrd=initrd one alpha 10 || goto failed" "first script"
# Each bootctl edit shows in the very next script.
bc settings set menu.timeout 25
script; has "vmlinuz initrd=initrd one alpha 25 || goto failed" "setting changed"
has "--timeout 25000" "menu timeout changed"
bc image add deb2 --kernel boot/vmlinuz --initrd boot/initrd --cmdline 'two'
script; has "item img-deb2 deb2" "image added"
bc client assign $A deb2
script; [ "$(sed -n 3p "$T/b")" = "goto img-deb2" ] || fail "assignment: $(sed -n 3p "$T/b")"
bc client assign $A deb
bc image rm deb2
script; hasnt "deb2" "image removed"
printf 'x\n' >"$T/t"
bc template add seed --kind preseed --file "$T/t"
bc client set $A --template seed
bc image add deb3 --kernel boot/vmlinuz --initrd boot/initrd --cmdline 'url={{unattended_url}}'
script; grep -q "url=$U/t/[0-9a-f]\{52\}/seed" "$T/b" || fail "unattended_url of a new template: $(cat "$T/b")"
bc client set $A --template ""
bc template rm seed
script; has "echo netboot: the cmdline of deb3 does not render: line 1: undefined variable 'unattended_url'" "template gone"
bc settings set server_address 10.9.8.7
curl -sf -o "$T/b" "$U/boot.ipxe" || fail "boot.ipxe"
has "chain --autofree http://10.9.8.7:$PORT/boot?mac=" "boot.ipxe after server_address"
bc settings unset server_address
curl -sf -o "$T/b" "$U/boot.ipxe" || fail "boot.ipxe"
has "chain --autofree $U/boot?mac=" "boot.ipxe after unset"
note "bootctl edits show at once: ok"

# Requests alone never rebuild the cache, and each one is still an event.
sleep 0.3
n0=$(rebuilds); e0=$(db_sql "SELECT count(*) FROM events WHERE kind = 'http-script'")
[ -n "$n0" ] && [ "$n0" -ge 1 ] || fail "no rebuild counter in /metrics"
i=0; while [ $i -lt 40 ]; do echo "url = \"$U/boot?mac=$A\""; echo "output = /dev/null"; i=$((i + 1)); done >"$T/urls"
curl -sf -K "$T/urls" || fail "40 scripts"
n1=$(rebuilds)
[ "$n1" = "$n0" ] || fail "40 requests rebuilt the cache $((n1 - n0)) times"
sleep 0.4
e1=$(db_sql "SELECT count(*) FROM events WHERE kind = 'http-script'")
[ $((e1 - e0)) = 40 ] || fail "40 requests, $((e1 - e0)) http-script events"
bc settings set menu.timeout 3
script; has "--timeout 3000" "edit after the burst"
[ "$(rebuilds)" -gt "$n1" ] || fail "an edit did not rebuild the cache"
note "no re-reads per request, one event per request: ok"
exit 0
