#!/bin/sh
# api-clients.sh: /api/v1/clients and the other nouns: list with filters
# and paging, show by MAC or name with an ETag, create, PATCH with
# If-Match (412 on a stale ETag), next-boot, allow, deny, delete; 409 and
# 422 with the library's message; events with after/mac/kind/limit;
# images, templates and render, settings, leases, users, tokens (shown
# once, usable, revoked), wake to loopback. Then each client action once
# through bootctl and once through the API: the database rows must be the
# same; so too for labels and the bulk actions by selector and by MACs.
API_SEED=101
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
echo kernel >"$T/vmlinuz"
echo initrd >"$T/initrd"
bc image add deb --kind linux --kernel "$T/vmlinuz" --initrd "$T/initrd" >/dev/null
printf 'host {{client.hostname}} {{vars.role}}\n' >"$T/raw"
bc template add t-raw --kind raw --file "$T/raw" >/dev/null
api_start
A="Authorization: Bearer $TA"
O="Authorization: Bearer $TO"
V="Authorization: Bearer $TV"
J="Content-Type: application/json"
M1=52:54:00:00:02:01
M2=52:54:00:00:02:02

api_call 201 POST /api/v1/clients -H "$O" -H "$J" -d "{\"mac\":\"$M1\",
    \"name\":\"web1\",\"hostname\":\"web1\",\"image\":\"deb\",
    \"template\":\"t-raw\",\"vars\":{\"disk\":\"/dev/sda\"}}"
api_json "j['mac'] == '$M1' and j['name'] == 'web1' and j['image'] == 'deb'"
grep -qi '^ETag: "' "$T/hdr" || fail "no ETag: $(cat "$T/hdr")"
api_call 409 POST /api/v1/clients -H "$O" -H "$J" -d "{\"mac\":\"$M1\"}"
api_err conflict
api_call 422 POST /api/v1/clients -H "$O" -H "$J" -d "{\"mac\":\"$M2\",\"image\":\"nosuch\"}"
api_err invalid
api_call 422 POST /api/v1/clients -H "$O" -H "$J" -d "{\"mac\":\"$M2\",\"hostname\":\"-bad\"}"
api_call 422 POST /api/v1/clients -H "$O" -H "$J" -d "{\"mac\":\"$M2\",\"colour\":\"red\"}"
api_call 201 POST /api/v1/clients -H "$O" -H "$J" -d "{\"mac\":\"$M2\",\"allowed\":false}"
note "create: 201 with an ETag, 409 twice, 422 for bad values"

api_call 200 GET /api/v1/clients/web1 -H "$V"
api_json "j['mac'] == '$M1' and j['vars'] == {'disk': '/dev/sda'}"
ETAG=$(sed -n 's/^ETag: *\("[^"]*"\).*/\1/ip' "$T/hdr")
api_call 200 GET "/api/v1/clients/$M1" -H "$V"
api_call 404 GET /api/v1/clients/nosuch -H "$V"
api_err not_found
api_call 200 GET "/api/v1/clients?limit=1" -H "$V"
api_json "j['more'] and 'total' not in j and len(j['clients']) == 1 and j['clients'][0]['mac'] == '$M1'"
api_call 200 GET "/api/v1/clients?limit=1&offset=1&total=true" -H "$V"
api_json "j['clients'][0]['mac'] == '$M2' and not j['more'] and j['total'] == 2"
api_call 200 GET "/api/v1/clients?allowed=false" -H "$V"
api_json "[c['mac'] for c in j['clients']] == ['$M2']"
api_call 200 GET "/api/v1/clients?image=deb" -H "$V"
api_json "[c['mac'] for c in j['clients']] == ['$M1']"
api_call 400 GET "/api/v1/clients?limit=0" -H "$V"
api_call 400 GET "/api/v1/clients?allowed=maybe" -H "$V"
note "show by name and MAC, list filters and paging"

api_call 200 PATCH /api/v1/clients/web1 -H "$O" -H "$J" -H "If-Match: $ETAG" \
    -d '{"hostname":"web-one","vars":{"disk":null,"role":"web"}}'
api_json "j['hostname'] == 'web-one' and j['vars'] == {'role': 'web'}"
api_call 412 PATCH /api/v1/clients/web1 -H "$O" -H "$J" -H "If-Match: $ETAG" \
    -d '{"hostname":"lost-update"}'
api_err precondition_failed
api_call 200 GET /api/v1/clients/web1 -H "$V"
api_json "j['hostname'] == 'web-one'"
api_call 412 DELETE /api/v1/clients/web1 -H "$O" -H "If-Match: $ETAG"
api_call 422 PATCH /api/v1/clients/web1 -H "$O" -H "$J" -d '{"ip":"300.1"}'
api_call 415 PATCH /api/v1/clients/web1 -H "$O" -d '{}'
api_call 422 PATCH /api/v1/clients/web1 -H "$O" -H "$J" -d '{"mac":"52:54:00:00:09:09"}'
api_call 200 PATCH /api/v1/clients/web1 -H "$O" -H "$J" -d '{"mac":"52-54-00-00-02-01"}'
note "PATCH with If-Match; a stale ETag is 412 and changes nothing"

api_call 200 POST /api/v1/clients/web1/next-boot -H "$O" -H "$J" -d '{"next_boot":"install"}'
api_json "j['next_boot'] == 'install'"
api_call 422 POST /api/v1/clients/web1/next-boot -H "$O" -H "$J" -d '{"next_boot":"reboot"}'
api_call 200 POST /api/v1/clients/web1/deny -H "$O"
api_json "j['allowed'] == False"
api_call 200 POST /api/v1/clients/web1/allow -H "$O"
api_json "j['allowed'] == True"
api_call 404 POST /api/v1/clients/web1/explode -H "$O"
api_call 405 POST /api/v1/clients/web1 -H "$O"
api_call 200 DELETE "/api/v1/clients/$M2" -H "$O"
api_call 404 GET "/api/v1/clients/$M2" -H "$V"
note "next-boot, allow, deny, delete"

api_call 200 GET /api/v1/images -H "$V"
api_json "[i['name'] for i in j['images']] == ['deb']"
api_call 200 GET /api/v1/images/deb -H "$V"
api_call 404 GET /api/v1/images/nosuch -H "$V"
api_call 200 GET /api/v1/templates -H "$V"
api_json "[t['name'] for t in j['templates']] == ['t-raw']"
api_call 200 GET /api/v1/templates/t-raw -H "$V"
api_call 200 GET "/api/v1/templates/t-raw/render?mac=$M1" -H "$V"
grep -qx 'host web-one web' "$T/body" || fail "render: $(cat "$T/body")"
bc template render t-raw --mac "$M1" >"$T/render.bc"
cmp -s "$T/body" "$T/render.bc" || fail "render differs from bootctl's"
api_call 400 GET /api/v1/templates/t-raw/render -H "$V"
api_call 403 POST /api/v1/templates -H "$O" -H "$J" -d '{"name":"t2","kind":"raw","body":"x"}'
api_call 201 POST /api/v1/templates -H "$A" -H "$J" -d '{"name":"t2","kind":"raw","body":"one {{client.mac}}\n"}'
TET=$(sed -n 's/^ETag: *\("[^"]*"\).*/\1/ip' "$T/hdr")
api_call 409 POST /api/v1/templates -H "$A" -H "$J" -d '{"name":"t2","kind":"raw","body":"x"}'
api_call 422 POST /api/v1/templates -H "$A" -H "$J" -d '{"name":"t3","kind":"nope","body":"x"}'
# Refused when written, as bootctl refuses it: the same libnetboot check.
api_call 422 POST /api/v1/templates -H "$A" -H "$J" \
    -d '{"name":"t3","kind":"raw","body":"ok\n{{client.mac\n"}'
api_json "'line 2: unterminated tag' in j['error']['message']"
api_call 200 PUT /api/v1/templates/t2 -H "$A" -H "$J" -H "If-Match: $TET" -d '{"body":"two {{client.mac}}\n"}'
api_call 412 PUT /api/v1/templates/t2 -H "$A" -H "$J" -H "If-Match: $TET" -d '{"body":"lost\n"}'
bc template show t2 >"$T/t2"
[ "$(cat "$T/t2")" = "two {{client.mac}}" ] || fail "template body: $(cat "$T/t2")"
api_call 409 DELETE /api/v1/templates/t-raw -H "$A"
api_call 200 DELETE /api/v1/templates/t2 -H "$A"
api_call 404 GET /api/v1/templates/t2 -H "$V"
api_call 200 GET /api/v1/settings -H "$V"
api_json "j['settings']['menu.timeout'] == {'value': '10', 'default': True}"
api_json "any(s['name'] == 'metrics.allow' for s in j['schema'])"
api_call 200 PUT /api/v1/settings/menu.timeout -H "$A" -H "$J" -d '{"value":"30"}'
api_json "j['value'] == '30'"
[ "$(db_sql "SELECT value FROM settings WHERE key = 'menu.timeout'")" = 30 ] ||
	fail "setting not stored"
api_call 422 PUT /api/v1/settings/menu.timeout -H "$A" -H "$J" -d '{"value":"lots"}'
api_err invalid
api_call 422 PUT /api/v1/settings/default_image -H "$A" -H "$J" \
    -d '{"value":"nosuch"}'
api_json "j['error']['message'] == \"default_image: no image named 'nosuch'\""
api_call 422 PUT /api/v1/settings/menu.default -H "$A" -H "$J" \
    -d '{"value":"nosuch"}'
api_json "'not an image, local or shell' in j['error']['message']"
api_call 404 GET /api/v1/settings/no.such -H "$V"
api_call 200 DELETE /api/v1/settings/menu.timeout -H "$A"
api_json "j['value'] == '10'"
api_call 200 GET /api/v1/leases -H "$V"
api_json "j['leases'] == []"
note "images, templates and render (same as bootctl), settings, leases"

api_call 200 GET "/api/v1/events?mac=$M1&limit=1000" -H "$O"
api_call 200 GET "/api/v1/events?kind=login.fail" -H "$O"
bc events list >/dev/null
db_sql "INSERT INTO events (ts, mac, daemon, kind, detail)
    VALUES (1, '$M1', 'bootctl', 'k1', 'a'), (2, NULL, 'bootctl', 'k2', 'b'),
    (3, '$M1', 'bootctl', 'k2', 'c')" || fail "cannot add events"
api_call 200 GET "/api/v1/events?kind=k2" -H "$O"
api_json "len(j['events']) == 2 and all(e['kind'] == 'k2' for e in j['events'])"
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"][0]["id"])' "$T/body")
api_call 200 GET "/api/v1/events?kind=k2&after=$first" -H "$O"
api_json "len(j['events']) == 1"
api_call 200 GET "/api/v1/events?limit=1" -H "$O"
api_json "len(j['events']) == 1"
api_call 400 GET "/api/v1/events?mac=zz" -H "$O"
note "events: kind, after, limit, mac"

api_call 201 POST /api/v1/users -H "$A" -H "$J" -d '{"name":"ci","role":"viewer","password":"ci-password-1"}'
api_json "j['name'] == 'ci' and j['role'] == 'viewer' and 'hash' not in j"
api_call 409 POST /api/v1/users -H "$A" -H "$J" -d '{"name":"ci","role":"viewer","password":"ci-password-1"}'
api_call 422 POST /api/v1/users -H "$A" -H "$J" -d '{"name":"ci2","role":"god","password":"ci-password-1"}'
api_call 200 PATCH /api/v1/users/ci -H "$A" -H "$J" -d '{"role":"operator"}'
api_json "j['role'] == 'operator'"
api_call 201 POST /api/v1/tokens -H "$A" -H "$J" -d '{"user":"ci","label":"pipeline"}'
NEW=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/body")
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
api_call 200 GET /api/v1/events -H "Authorization: Bearer $NEW"
api_call 200 GET /api/v1/tokens -H "$A"
grep -q "$NEW" "$T/body" && fail "token list shows a secret"
api_json "any(t['id'] == $ID for t in j['tokens'])"
api_call 200 DELETE "/api/v1/tokens/$ID" -H "$A"
api_call 401 GET /api/v1/events -H "Authorization: Bearer $NEW"
api_call 409 DELETE /api/v1/users/admin -H "$A"
api_call 200 DELETE /api/v1/users/ci -H "$A"
note "users and tokens: created, shown once, used, revoked"

# Wake-on-LAN to loopback (wake.broadcast), with a next boot in one call.
api_call 200 PUT /api/v1/settings/wake.broadcast -H "$A" -H "$J" -d '{"value":"127.0.0.1"}'
python3 - "$T/wol" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9))
s.settimeout(10)
open(sys.argv[1], "wb").write(s.recv(2048))
PYEOF
WOL=$!
wait_for 10 sh -c 'ss -Huln "sport = :9" | grep -q 127.0.0.1' ||
	fail "the magic-packet listener did not bind 127.0.0.1:9"
api_call 200 POST /api/v1/clients/web1/wake -H "$O" -H "$J" -d '{"next_boot":"local"}'
api_json "j['sent_to'] == '127.0.0.1' and j['next_boot'] == 'local'"
wait "$WOL" || fail "no magic packet on 127.0.0.1:9"
python3 -c 'import sys
p = open(sys.argv[1], "rb").read()
mac = bytes.fromhex(sys.argv[2].replace(":", ""))
sys.exit(0 if p == b"\xff" * 6 + mac * 16 else 1)' "$T/wol" "$M1" ||
	fail "magic packet: $(od -An -tx1 "$T/wol" | head -2)"
[ "$(db_sql "SELECT next_boot FROM clients WHERE mac = '$M1'")" = local ] ||
	fail "wake did not set the next boot"
api_call 403 POST /api/v1/clients/web1/wake -H "$V"
api_call 404 POST /api/v1/clients/nosuch/wake -H "$O"
note "wake: the 102-byte packet for the client's MAC, next boot set"

# One implementation: the same actions by bootctl and by the API, same rows.
row() {
	db_sql "SELECT mac, name, hostname, ip, state, allowed,
	    suspended, image, template, next_boot, vars FROM clients
	    WHERE mac = '$1'"
}
M=52:54:00:00:03:03
step() {	# step LABEL: compare the row after bootctl and after the API
	[ "$(cat "$T/by-bc")" = "$(row $M)" ] ||
		fail "$1: bootctl gave '$(cat "$T/by-bc")', API '$(row $M)'"
}
bc client add $M --name cmp --hostname cmp-h --image deb --var a=1 >/dev/null
row $M >"$T/by-bc"
bc client rm $M >/dev/null
api_call 201 POST /api/v1/clients -H "$O" -H "$J" \
    -d "{\"mac\":\"$M\",\"name\":\"cmp\",\"hostname\":\"cmp-h\",\"image\":\"deb\",\"vars\":{\"a\":\"1\"}}"
step create
bc client set cmp --hostname other --var b=2 --unset-var a >/dev/null
row $M >"$T/by-bc"
bc client set cmp --hostname cmp-h --var a=1 --unset-var b >/dev/null
api_call 200 PATCH /api/v1/clients/cmp -H "$O" -H "$J" \
    -d '{"hostname":"other","vars":{"b":"2","a":null}}'
step update
for act in install local clear; do
	bc client next-boot cmp $act >/dev/null
	row $M >"$T/by-bc"
	bc client next-boot cmp clear >/dev/null
	api_call 200 POST /api/v1/clients/cmp/next-boot -H "$O" -H "$J" \
	    -d "{\"next_boot\":\"$act\"}"
	step "next-boot $act"
done
for act in deny allow; do
	bc client $act cmp >/dev/null
	row $M >"$T/by-bc"
	[ $act = deny ] && bc client allow cmp >/dev/null || bc client deny cmp >/dev/null
	api_call 200 POST /api/v1/clients/cmp/$act -H "$O"
	step $act
done
bc client rm cmp >/dev/null
row $M >"$T/by-bc"
bc client add $M --name cmp >/dev/null
api_call 200 DELETE /api/v1/clients/cmp -H "$O"
step delete
[ -z "$(row $M)" ] || fail "delete left a row"
note "create, update, next-boot, allow, deny, delete: bootctl and API agree"

# The fleet's actions (labels, bulk actions by selector and by MACs): the
# same rows, labels included, by bootctl and by the API.
N1=52:54:00:00:03:11
N2=52:54:00:00:03:12
fleet() {	# the rows of N1 and N2 with their labels
	db_sql "SELECT c.mac, c.state, c.allowed, c.next_boot,
	    (SELECT group_concat(key || '=' || value, ',') FROM (SELECT key,
	    value FROM client_labels l WHERE l.mac = c.mac ORDER BY key) s)
	    FROM clients c WHERE c.mac IN ('$N1', '$N2') ORDER BY c.mac"
}
reset() {	# two clients labelled by hand, the first denied
	db_sql "DELETE FROM client_labels WHERE mac IN ('$N1', '$N2');
	    DELETE FROM clients WHERE mac IN ('$N1', '$N2')"
	bc client add $N1 --name f1 --image deb >/dev/null
	bc client add $N2 --name f2 --image deb >/dev/null
	db_sql "UPDATE clients SET allowed = 0 WHERE mac = '$N1';
	    INSERT INTO client_labels VALUES ('$N1', 'pool', 'x'),
	    ('$N2', 'pool', 'x'), ('$N2', 'gone', 'y')"
}
both() {	# both LABEL 'bootctl args' 'API body'
	reset
	eval "bc $2" >/dev/null
	fleet >"$T/by-bc"
	reset
	api_call 200 POST /api/v1/clients/actions -H "$O" -H "$J" -d "$3"
	[ "$(cat "$T/by-bc")" = "$(fleet)" ] ||
		fail "$1: bootctl gave '$(cat "$T/by-bc")', API '$(fleet)'"
}
both "label one" "client label f1 rack=3 role=web pool-" \
    '{"action":"label","macs":["'$N1'"],"labels":{"rack":"3","role":"web","pool":null}}'
both "label by selector" "client label --selector pool=x rack=4 gone-" \
    '{"action":"label","selector":"pool=x","labels":{"rack":"4","gone":null}}'
[ "$(fleet | cut -d'|' -f5 | tr '\n' ' ')" = "pool=x,rack=4 pool=x,rack=4 " ] ||
	fail "label by selector: $(fleet)"
both "next-boot by selector" "client next-boot --selector pool=x,gone install" \
    '{"action":"next-boot","selector":"pool=x,gone","next_boot":"install"}'
both "deny by selector" "client deny --selector gone" \
    '{"action":"deny","selector":"gone"}'
[ "$(fleet | cut -d'|' -f3 | tr '\n' ,)" = "0,0," ] ||
	fail "deny by selector changed nothing: $(fleet)"
both "allow by MACs" "client allow f1" '{"action":"allow","macs":["'$N1'"]}'
both "allow by selector" "client allow --selector pool" \
    '{"action":"allow","selector":"pool"}'
[ "$(fleet | cut -d'|' -f3 | tr '\n' ,)" = "1,1," ] ||
	fail "allow by selector changed nothing: $(fleet)"
reset
bc client label f1 a=1 >/dev/null
fleet >"$T/by-bc"
reset
api_call 200 PATCH /api/v1/clients/f1 -H "$O" -H "$J" -d '{"labels":{"a":"1"}}'
[ "$(cat "$T/by-bc")" = "$(fleet)" ] ||
	fail "PATCH labels: bootctl gave '$(cat "$T/by-bc")', API '$(fleet)'"
note "labels, bulk label, next-boot, allow, deny: bootctl and API agree"
