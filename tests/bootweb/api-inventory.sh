#!/bin/sh
# api-inventory.sh: inventory history. Each boot's inventory (iPXE's
# variables on /boot) and each report an installer POSTs to
# /t/TOKEN/api/v1/self/inventory (disks, NICs) is kept, cleaned and
# bounded, the newest inventory.keep per client; bootctl client show
# prints them (and --json lists them), GET /api/v1/inventories?mac=
# answers them. The report needs the client's token: refusals for no
# token, a forged one, the wrong method, type or JSON, and a body over
# the limit.
API_SEED=631
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
M=52:54:00:1a:00:01
V="Authorization: Bearer $TV"
echo kernel >"$T/vmlinuz"
echo initrd >"$T/initrd"
printf 'd-i preseed/late_command string wget --post-data= {{self_url}}/done\n' >"$T/preseed"
bc template add t-pre --kind preseed --file "$T/preseed" >/dev/null
bc image add deb --kind linux --kernel "$T/vmlinuz" --initrd "$T/initrd" --template t-pre >/dev/null
# The test's requests come from 127.0.0.1: the client's static address.
bc client add $M --name inv1 --ip 127.0.0.1 --image deb >/dev/null
bc client next-boot $M install >/dev/null
chown -R nobody: "$T"
api_start
count() { db_sql "SELECT count(*) FROM inventories WHERE mac = '$M' ${1:-}"; }

# boot SERIAL: /boot with iPXE's inventory; TOK is the token of its script.
boot() {
	curl -sf -o "$T/script" "$BU/boot?mac=$M&serial=$1&manufacturer=Acme&product=Box&memsize=2048" ||
		fail "/boot"
	TOK=$(grep -o '/t/[^/]*/' "$T/script" | head -1)
	[ -n "$TOK" ] || fail "no token URL in the script: $(cat "$T/script")"
}
boot SN-1
wait_for 5 db_ge "SELECT count(*) FROM inventories WHERE mac = '$M'" 1 ||
	fail "no inventory kept for the boot"
sleep 1.2	# /boot coalesces a client's reports within a second
boot SN-2
wait_for 5 db_ge "SELECT count(*) FROM inventories WHERE mac = '$M'" 2 ||
	fail "the second boot's inventory was not kept: $(db_sql 'SELECT * FROM inventories')"
[ "$(count "AND source = 'ipxe' AND json_extract(data, '\$.serial') = 'SN-1'")" = 1 ] ||
	fail "boot 1: $(db_sql 'SELECT * FROM inventories')"
note "each boot's iPXE inventory kept"

# The installer's report, under the token.
post() {
	curl -s -o "$T/body" -w '%{http_code}' -X POST "$@"
}
R='{"disks":[{"name":"sda","size":512110190592,"model":"Disk\u0007One"},{"name":"nvme0n1","size":1000204886016}],
    "nics":[{"name":"eth0","mac":"52:54:00:1a:00:01","driver":"virtio_net"}],"kernel":"6.1.0","deep":{"a":{"b":1}},
    "bad\u0001key":"x"}'
got=$(post -H 'Content-Type: application/json' -d "$R" "$BU${TOK}api/v1/self/inventory")
[ "$got" = 200 ] || fail "report: $got $(cat "$T/body")"
wait_for 5 db_is "SELECT count(*) FROM inventories WHERE mac = '$M' AND source = 'self'" 1 ||
	fail "the report was not kept"
d=$(db_sql "SELECT data FROM inventories WHERE source = 'self'")
python3 -c 'import json, sys
d = json.loads(sys.argv[1])
assert d["disks"][0] == {"name": "sda", "size": 512110190592, "model": "DiskOne"}, d
assert d["nics"][0]["driver"] == "virtio_net" and d["kernel"] == "6.1.0", d
assert d["deep"] == {} and "badkey" in d and not any("\x01" in k for k in d), d' "$d" ||
	fail "the report kept: $d"
db_sql "SELECT detail FROM events WHERE kind = 'self-inventory'" | grep -q 'keys' ||
	fail "no self-inventory event"
note "the installer's report: kept cleaned (control bytes gone, nesting cut)"

[ "$(post -H 'Content-Type: text/plain' -d "$R" "$BU${TOK}api/v1/self/inventory")" = 415 ] || fail "text/plain: not 415"
[ "$(post -H 'Content-Type: application/json' -d '[1]' "$BU${TOK}api/v1/self/inventory")" = 400 ] || fail "an array: not 400"
[ "$(post -H 'Content-Type: application/json' -d '{"a":' "$BU${TOK}api/v1/self/inventory")" = 400 ] || fail "bad JSON: not 400"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BU${TOK}api/v1/self/inventory")" = 405 ] || fail "GET: not 405"
[ "$(post -H 'Content-Type: application/json' -d "$R" "$BU/api/v1/self/inventory")" = 403 ] || fail "no token: not 403"
got=$(post -H "Content-Type: application/json" -d "$R" "$BU/t/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/api/v1/self/inventory")
[ "$got" = 403 ] || [ "$got" = 404 ] ||
	fail "a forged token: not 403 or 404 ($(cat "$T/body"))"
python3 -c 'import json; print(json.dumps({"k%d" % i: "x" * 200 for i in range(400)}))' >"$T/big.json"
got=$(post -H 'Content-Type: application/json' --data-binary @"$T/big.json" "$BU${TOK}api/v1/self/inventory")
[ "$got" = 413 ] || fail "a body over 64 KiB: $got"
sleep 0.5
[ "$(count "AND source = 'self'")" = 1 ] || fail "a refused report was kept"
note "report refusals: 415, 400, 400, 405, 403 without or with a forged token, 413"

# bootctl client show, and the API.
expect_rc 0 "$BOOTCTL" -f "$CONF" -D "$DB" client show inv1
expect_out "inventories (newest first):"
expect_out "self badkey=x deep={} disks=[{"
expect_out "ipxe manufacturer=Acme"
grep -q "serial=SN-1" "$T/out" || fail "client show lacks the first boot: $(cat "$T/out")"
expect_rc 0 "$BOOTCTL" -f "$CONF" -D "$DB" --json client show inv1
python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))
inv = j["inventories"]
assert [i["source"] for i in inv] == ["self", "ipxe", "ipxe"], inv
assert inv[2]["data"]["serial"] == "SN-1"' "$T/out" || fail "client show --json: $(cat "$T/out")"
api_call 200 GET "/api/v1/inventories?mac=$M" -H "$V"
api_json "[i['source'] for i in j['inventories']] == ['self', 'ipxe', 'ipxe'] and j['mac'] == '$M'"
api_call 200 GET "/api/v1/inventories?mac=$M&limit=1" -H "$V"
api_json "len(j['inventories']) == 1"
api_call 401 GET "/api/v1/inventories?mac=$M"
api_call 400 GET "/api/v1/inventories" -H "$V"
api_call 405 POST "/api/v1/inventories?mac=$M" -H "$V"
note "client show prints the history; GET /api/v1/inventories answers it"

# inventory.keep bounds the history.
bc settings set inventory.keep 2 >/dev/null
sleep 1.2
boot SN-3
wait_for 5 db_is "SELECT count(*) FROM inventories WHERE mac = '$M' AND json_extract(data, '\$.serial') = 'SN-3'" 1 ||
	fail "boot 3 not kept"
[ "$(count)" = 2 ] || fail "inventory.keep 2: $(count) kept"
[ "$(count "AND json_extract(data, '\$.serial') = 'SN-1'")" = 0 ] || fail "the oldest was kept"
note "inventory.keep 2: the newest 2 kept"
