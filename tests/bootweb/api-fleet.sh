#!/bin/sh
# api-fleet.sh: client labels over the admin API: "labels" in the client
# JSON, PATCH with labels (null removes; bad keys, values and counts are
# 422), GET /clients?selector=, POST /clients/actions over a selector or
# a list of MACs (next-boot, allow, deny, label, wake) in one
# transaction (a failing client changes none), and GET
# /clients/{id}/timeline as bootctl client timeline --json prints it.
# Each route: status, body, 401, 403, bad JSON, 413, 415.
API_SEED=211
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-checks.sh"
echo kernel >"$T/vmlinuz"
echo initrd >"$T/initrd"
bc image add deb --kind linux --kernel "$T/vmlinuz" --initrd "$T/initrd" >/dev/null
api_start
A="Authorization: Bearer $TA"
O="Authorization: Bearer $TO"
V="Authorization: Bearer $TV"
M1=52:54:00:00:05:01
M2=52:54:00:00:05:02
M3=52:54:00:00:05:03
bc client add $M1 --name w1 --image deb >/dev/null
bc client add $M2 --name w2 >/dev/null
bc client add $M3 --name db1 --image deb >/dev/null
labels() {	# labels MAC: key=value,... as stored
	db_sql "SELECT group_concat(key || '=' || value, ',') FROM
	    (SELECT key, value FROM client_labels WHERE mac = '$1' ORDER BY key) l"
}

# PATCH labels: set, replace, remove with null; the ETag follows them.
api_call 200 GET /api/v1/clients/w1 -H "$V"
api_json "j['labels'] == {}"
ETAG=$(sed -n 's/^ETag: *\("[^"]*"\).*/\1/ip' "$T/hdr")
api_call 200 PATCH /api/v1/clients/w1 -H "$O" -H "$J" -H "If-Match: $ETAG" \
    -d '{"labels":{"rack":"3","role":"worker","tmp":"x"}}'
api_json "j['labels'] == {'rack': '3', 'role': 'worker', 'tmp': 'x'}"
api_call 412 PATCH /api/v1/clients/w1 -H "$O" -H "$J" -H "If-Match: $ETAG" \
    -d '{"labels":{"lost":"1"}}'
api_call 200 PATCH /api/v1/clients/w1 -H "$O" -H "$J" -d '{"labels":{"tmp":null}}'
api_json "j['labels'] == {'rack': '3', 'role': 'worker'}"
[ "$(labels $M1)" = "rack=3,role=worker" ] || fail "stored: $(labels $M1)"
api_call 200 PATCH /api/v1/clients/w2 -H "$O" -H "$J" -d '{"labels":{"rack":"3","role":"worker"}}'
api_call 200 PATCH /api/v1/clients/db1 -H "$O" -H "$J" -d '{"labels":{"rack":"4","role":"db"}}'
api_call 422 PATCH /api/v1/clients/w1 -H "$O" -H "$J" -d '{"labels":{"bad key":"1"}}'
api_err invalid
api_call 422 PATCH /api/v1/clients/w1 -H "$O" -H "$J" -d '{"labels":{"k":"a b"}}'
api_call 422 PATCH /api/v1/clients/w1 -H "$O" -H "$J" -d '{"labels":{"k":3}}'
api_call 422 PATCH /api/v1/clients/w1 -H "$O" -H "$J" -d '{"labels":["k"]}'
long=$(printf 'k%.0s' $(seq 64))
api_call 422 PATCH /api/v1/clients/w1 -H "$O" -H "$J" -d "{\"labels\":{\"$long\":\"1\"}}"
many=$(python3 -c 'import json; print(json.dumps({"labels": {"k%d" % i: "v" for i in range(31)}}))')
api_call 422 PATCH /api/v1/clients/w1 -H "$O" -H "$J" -d "$many"
api_json "'at most 32' in j['error']['message']"
[ "$(labels $M1)" = "rack=3,role=worker" ] || fail "a refused PATCH changed labels: $(labels $M1)"
api_call 201 POST /api/v1/clients -H "$O" -H "$J" \
    -d '{"mac":"52:54:00:00:05:09","labels":{"new":"yes"}}'
api_json "j['labels'] == {'new': 'yes'}"
api_call 200 DELETE /api/v1/clients/52:54:00:00:05:09 -H "$O"
[ "$(db_sql "SELECT count(*) FROM client_labels WHERE mac = '52:54:00:00:05:09'")" = 0 ] ||
	fail "labels outlived their client"
note "PATCH labels: set, null removes, If-Match, 422 for bad keys, values, counts"

# GET ?selector=
api_call 200 GET "/api/v1/clients?selector=rack%3D3" -H "$V"
api_json "[c['name'] for c in j['clients']] == ['w1', 'w2']"
api_call 200 GET "/api/v1/clients?selector=rack=3,role!=db&limit=1&total=true" -H "$V"
api_json "[c['name'] for c in j['clients']] == ['w1'] and j['total'] == 2 and j['more']"
api_call 200 GET "/api/v1/clients?selector=role!%3Dworker" -H "$V"
api_json "[c['name'] for c in j['clients']] == ['db1']"
api_call 200 GET "/api/v1/clients?selector=!rack" -H "$V"
api_json "j['clients'] == []"
api_call 200 GET "/api/v1/clients?selector=rack&image=deb" -H "$V"
api_json "[c['name'] for c in j['clients']] == ['w1', 'db1']"
api_call 400 GET "/api/v1/clients?selector=rack%3D%3D%3D" -H "$V"
api_err bad_request
api_call 400 GET "/api/v1/clients?selector=" -H "$V"
api_denied GET "/api/v1/clients?selector=rack=3"
note "GET /clients?selector=: =, !=, has, has not, with filters and paging"

# POST /clients/actions
api_denied POST /api/v1/clients/actions "$V"
api_bad_bodies POST /api/v1/clients/actions "$O"
act() { api_call "$1" POST /api/v1/clients/actions -H "$O" -H "$J" -d "$2"; }
act 200 '{"action":"next-boot","selector":"rack=3","next_boot":"local"}'
api_json "j['action'] == 'next-boot' and j['count'] == 2 and [c['mac'] for c in j['clients']] == ['$M1', '$M2']"
[ "$(db_sql "SELECT group_concat(ifnull(next_boot, '-'), ',') FROM (SELECT next_boot FROM clients ORDER BY mac) c")" = "local,local,-" ] ||
	fail "next-boot by selector: $(db_sql "SELECT mac, next_boot FROM clients")"
# install needs an image: w2 has none, so nothing changes (one transaction).
act 422 '{"action":"next-boot","selector":"rack=3","next_boot":"install"}'
api_json "'$M2' in j['error']['message']"
[ "$(db_sql "SELECT next_boot FROM clients WHERE mac = '$M1'")" = local ] ||
	fail "a failed bulk action changed a client"
act 200 '{"action":"deny","macs":["52-54-00-00-05-03","'$M1'","'$M1'"]}'
api_json "j['count'] == 2 and [c['name'] for c in j['clients']] == ['w1', 'db1']"
[ "$(db_sql "SELECT group_concat(allowed, ',') FROM (SELECT allowed FROM clients ORDER BY mac) c")" = "0,1,0" ] ||
	fail "deny by MACs"
act 200 '{"action":"allow","selector":"rack"}'
api_json "j['count'] == 3"
act 422 '{"action":"allow","macs":["'$M1'","52:54:00:00:05:77"]}'
api_json "'52:54:00:00:05:77' in j['error']['message']"
act 200 '{"action":"label","selector":"role=worker","labels":{"pool":"a","rack":null}}'
[ "$(labels $M1)" = "pool=a,role=worker" ] || fail "label by selector: $(labels $M1)"
[ "$(labels $M2)" = "pool=a,role=worker" ] || fail "label by selector: $(labels $M2)"
[ "$(labels $M3)" = "rack=4,role=db" ] || fail "label touched db1: $(labels $M3)"
act 200 '{"action":"next-boot","selector":"nosuch=1","next_boot":"menu"}'
api_json "j['count'] == 0 and j['clients'] == []"
act 422 '{"action":"reboot","selector":"rack"}'
act 422 '{"action":"allow"}'
act 422 '{"action":"allow","selector":"rack","macs":["'$M1'"]}'
act 422 '{"action":"allow","selector":"bad key"}'
act 422 '{"action":"allow","macs":[]}'
act 422 '{"action":"allow","macs":["zz"]}'
act 422 '{"action":"next-boot","selector":"rack"}'
act 422 '{"action":"label","selector":"rack"}'
act 422 '{"action":"label","selector":"rack","labels":{"a b":"1"}}'
act 422 '{"action":"allow","selector":"rack","next_boot":"local"}'
act 422 '{"action":"allow","selector":"rack","colour":"red"}'
many=$(python3 -c 'import json; print(json.dumps({"action": "allow", "macs": ["52:54:00:00:%02x:%02x" % (i // 256, i % 256) for i in range(1001)]}))')
act 422 "$many"
note "POST /clients/actions: selector or MACs, all or nothing, 422 for bad bodies"

# wake by selector: one packet per client, to loopback (wake.broadcast).
bc settings set wake.broadcast 127.0.0.1 >/dev/null
python3 - "$T/wol" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9))
s.settimeout(10)
open(sys.argv[1] + ".ready", "w").close()
got = [s.recv(2048).hex() for _ in range(2)]
open(sys.argv[1], "w").write("\n".join(sorted(got)) + "\n")
PYEOF
WOL=$!
wait_for 10 test -e "$T/wol.ready" || fail "the packet catcher did not start"
act 200 '{"action":"wake","selector":"pool=a","next_boot":"menu"}'
api_json "j['count'] == 2 and all(c['sent_to'] == '127.0.0.1' for c in j['clients'])"
wait "$WOL" || fail "no two magic packets on 127.0.0.1:9"
for m in $M1 $M2; do
	grep -q "^ffffffffffff$(printf '%s' "$m" | tr -d : | python3 -c 'import sys; print(sys.stdin.read().strip() * 16)')$" "$T/wol" ||
		fail "no packet for $m: $(cat "$T/wol")"
done
[ "$(db_sql "SELECT count(*) FROM clients WHERE next_boot = 'menu'")" = 2 ] ||
	fail "wake did not set the next boots"
[ "$(db_sql "SELECT count(*) FROM events WHERE kind = 'wake' AND daemon = 'bootweb'")" = 2 ] ||
	fail "no wake events"
act 422 '{"action":"wake","selector":"pool=a","secureon":"nope"}'
note "wake by selector: a 102-byte packet per client, next boots set, events"

# timeline: the same object as bootctl client timeline --json
# A boot 1000 s after the wake above (a new boot: a gap of over 300 s).
B=$(($(date +%s) + 1000))
db_sql "INSERT INTO events (ts, mac, ip, daemon, kind, detail) VALUES
    ($B.0, '$M1', '10.0.0.5', 'pxedhcpd', 'dhcp-offer', 'proxy'),
    ($B.5, '$M1', '10.0.0.5', 'tftpd', 'tftp-done', 'ipxe.efi'),
    ($((B + 1)).0, '$M1', '10.0.0.5', 'bootweb', 'http-script', '/boot')" ||
	fail "cannot add events"
api_call 200 GET /api/v1/clients/w1/timeline -H "$V"
cp "$T/body" "$T/tl.api"
api_json "j['mac'] == '$M1' and j['name'] == 'w1' and [s['kind'] for s in j['steps']] == ['dhcp-offer', 'tftp-done', 'http-script'] and j['steps'][2]['t'] == 1.0"
bc --json client timeline $M1 >"$T/tl.bc"
python3 -c 'import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(0 if a == b else 1)' "$T/tl.api" "$T/tl.bc" ||
	fail "timeline: API $(cat "$T/tl.api"), bootctl $(cat "$T/tl.bc")"
api_call 200 GET "/api/v1/clients/$M3/timeline" -H "$V"
api_json "j['steps'] == [] and j['start'] is None"
api_call 404 GET /api/v1/clients/52:54:00:00:05:88/timeline -H "$V"
api_err not_found
api_call 404 GET /api/v1/clients/nosuch/timeline -H "$V"
api_call 405 POST /api/v1/clients/w1/timeline -H "$O"
api_denied GET /api/v1/clients/w1/timeline
note "timeline: the same JSON as bootctl client timeline --json; 404, 405"
