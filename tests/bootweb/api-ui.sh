#!/bin/sh
# api-ui.sh: what the web UI needs from the admin API (apiui): GET
# /api/v1/session (the session's user, role and CSRF token, so that the
# page keeps the token in memory only; refused to bearer tokens and to
# requests the browser marks as from another site), the events newest
# first (?order=desc, ?before=) along an index, the clients sorted by the
# server (?sort=FIELD, -FIELD) along an index; bad values as 400 error
# documents; and no-store, nosniff on every API answer, errors included.
API_SEED=409
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
api_start
J="Content-Type: application/json"
O="Authorization: Bearer $TO"
A="Authorization: Bearer $TA"
# hdr_once NAME VALUE: the last answer has header NAME exactly once, VALUE
hdr_once() {
	n=$(grep -ci "^$1:" "$T/hdr")
	[ "$n" = 1 ] && grep -qi "^$1: $2" "$T/hdr" ||
		fail "$1 ($n times, want one '$2'): $(cat "$T/hdr")"
}

# 1. the session
api_call 401 GET /api/v1/session
api_err unauthorized
hdr_once Cache-Control no-store
hdr_once X-Content-Type-Options nosniff
api_call 400 GET /api/v1/session -H "$O"
api_err bad_request
api_call 200 POST /api/v1/login -H "$J" -d '{"user":"op","password":"operator-pw-1"}'
CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$T/body")
SID=$(sed -n 's/^Set-Cookie: nb_session=\([^;]*\);.*/\1/ip' "$T/hdr")
[ -n "$SID" ] || fail "no session cookie: $(cat "$T/hdr")"
C="Cookie: nb_session=$SID"
now=$(date +%s)
api_call 200 GET /api/v1/session -H "$C"
api_json "j['user'] == 'op' and j['role'] == 'operator' and \
j['csrf_token'] == '$CSRF' and j['idle_timeout'] == 1800 and \
$now + 43100 <= j['expires'] <= $now + 43300"
hdr_once Cache-Control no-store
hdr_once X-Content-Type-Options nosniff
# the token it answers works for a write
api_call 201 POST /api/v1/clients -H "$C" -H "X-CSRF-Token: $(python3 -c \
    'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' \
    "$T/body")" -H "$J" -d '{"mac":"52:54:00:00:07:01"}'
for site in same-origin none; do
	api_call 200 GET /api/v1/session -H "$C" -H "Sec-Fetch-Site: $site"
done
for site in same-site cross-site bogus; do
	api_call 403 GET /api/v1/session -H "$C" -H "Sec-Fetch-Site: $site"
	api_err forbidden
	! grep -q "$CSRF" "$T/body" || fail "$site: the token leaked"
done
api_call 403 POST /api/v1/clients -H "$C" -H "X-CSRF-Token: $CSRF" \
    -H "Sec-Fetch-Site: same-site" -H "$J" -d '{"mac":"52:54:00:00:07:02"}'
api_call 403 GET /api/v1/clients -H "$C" -H "Sec-Fetch-Site: cross-site"
# a bearer token is no ambient credential: no Fetch Metadata rule for it
api_call 200 GET /api/v1/clients -H "$O" -H "Sec-Fetch-Site: cross-site"
api_call 405 POST /api/v1/session -H "$C" -H "X-CSRF-Token: $CSRF"
api_call 200 POST /api/v1/logout -H "$C" -H "X-CSRF-Token: $CSRF"
api_call 401 GET /api/v1/session -H "$C"
note "session: user, role, CSRF token, expiry; 400 to a bearer; 403 same-site and cross-site; 401 after logout"

# 2. events, newest first
db_sql "DELETE FROM events; WITH RECURSIVE n(i) AS (SELECT 1 UNION
    ALL SELECT i + 1 FROM n WHERE i < 40) INSERT INTO events (ts, mac,
    daemon, kind, detail) SELECT 1000 + i, CASE WHEN i % 4 = 0 THEN
    '52:54:00:00:07:09' END, 'bootctl', CASE WHEN i % 5 = 0 THEN 'k5'
    ELSE 'other' END, 'e' || i FROM n" || fail "cannot add events"
head=$(db_sql 'SELECT max(id) FROM events')
ids() { python3 -c 'import json,sys
print(" ".join(str(e["id"]) for e in json.load(open(sys.argv[1]))["events"]))' "$T/body"; }
api_call 200 GET "/api/v1/events?order=desc&limit=5" -H "$O"
api_json "j['head'] == $head and j['last_id'] == $head - 4 and j['more']"
[ "$(ids)" = "$head $((head - 1)) $((head - 2)) $((head - 3)) $((head - 4))" ] ||
	fail "newest first: $(ids), head $head"
hdr_once Cache-Control no-store
api_call 200 GET "/api/v1/events?order=desc&limit=5&before=$((head - 4))" -H "$O"
[ "$(ids)" = "$((head - 5)) $((head - 6)) $((head - 7)) $((head - 8)) $((head - 9))" ] ||
	fail "before: $(ids)"
api_call 200 GET "/api/v1/events?order=desc&limit=1000&mac=52:54:00:00:07:09" -H "$O"
api_json "len(j['events']) == 10 and not j['more'] and \
all(e['mac'] == '52:54:00:00:07:09' for e in j['events']) and \
[e['id'] for e in j['events']] == sorted((e['id'] for e in j['events']), reverse=True)"
api_call 200 GET "/api/v1/events?order=desc&limit=3&kind=k5" -H "$O"
api_json "[e['detail'] for e in j['events']] == ['e40', 'e35', 'e30'] and j['more']"
api_call 200 GET "/api/v1/events?order=desc&after=$((head - 3))" -H "$O"
[ "$(ids)" = "$head $((head - 1)) $((head - 2))" ] || fail "after as a floor: $(ids)"
api_call 200 GET "/api/v1/events?after=$((head - 3))&limit=2" -H "$O"
[ "$(ids)" = "$((head - 2)) $((head - 1))" ] || fail "oldest first: $(ids)"
api_json "'head' not in j and j['last_id'] == $((head - 1)) and j['more']"
api_call 200 GET "/api/v1/events?order=asc&after=$((head - 3))&before=$head" -H "$O"
[ "$(ids)" = "$((head - 2)) $((head - 1))" ] || fail "asc before: $(ids)"
api_json "not j['more']"
for q in order=up order= before=0 before=x after=-1 limit=0 limit=1001 \
    'order=desc&mac=nope'; do
	api_call 400 GET "/api/v1/events?$q" -H "$O"
	api_err bad_request
done
api_call 403 GET "/api/v1/events?order=desc" -H "Authorization: Bearer $TV"
# a kind filter reads a bounded number of events per request
db_sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1
    FROM n WHERE i < 12000) INSERT INTO events (ts, daemon, kind) SELECT
    2000 + i, 'bootctl', 'filler' FROM n"
api_call 200 GET "/api/v1/events?order=desc&limit=10&kind=k5" -H "$O"
api_json "j['events'] == [] and j['more'] and j['head'] - j['last_id'] < 6000"
note "events: newest first from the head, before= pages on, mac and kind filter, bounded scan; bad values 400"

# the plans: each order walks an index (no temporary b-tree, no scan);
# SQLite's EXPLAIN QUERY PLAN, left out on PostgreSQL
plan() {
	[ "$NB_TEST_DB" = pg ] && return 0	# SQLite's planner only
	p=$(db_sql "EXPLAIN QUERY PLAN $1") || fail "plan: $1"
	case $p in *"TEMP B-TREE"*|*"SCAN events"[!\ ]*|*"SCAN clients"[!\ ]*)
		fail "not along an index: $1: $p" ;;
	esac
}
plan "SELECT * FROM events WHERE id > 0 AND id < 99 ORDER BY id DESC LIMIT 5"
plan "SELECT * FROM events WHERE mac = 'x' AND id > 0 AND id < 99 ORDER BY id DESC LIMIT 5"
for o in "name, mac" "name DESC, mac DESC" "image, mac" "image DESC, mac DESC" \
    "state, allowed, mac" "state DESC, allowed DESC, mac DESC" \
    "last_seen, mac" "last_seen DESC, mac DESC" "mac DESC"; do
	plan "SELECT * FROM clients ORDER BY $o"
done

# 3. clients sorted by the server
db_sql "DELETE FROM clients; INSERT INTO clients (mac, name, image,
    state, allowed, last_seen, created, updated) VALUES
    ('52:54:00:00:08:01', 'delta', NULL, 'known', 1, 300, 1, 1),
    ('52:54:00:00:08:02', 'alpha', NULL, 'known', 0, 100, 1, 1),
    ('52:54:00:00:08:03', NULL, NULL, 'discovered', 1, 500, 1, 1),
    ('52:54:00:00:08:04', 'charlie', NULL, 'discovered', 1, NULL, 1, 1),
    ('52:54:00:00:08:05', 'bravo', NULL, 'known', 1, 200, 1, 1)" ||
	fail "cannot add clients"
order() {	# order QUERY MACS...: the list's MACs' last bytes, in order
	local q=$1
	shift
	api_call 200 GET "/api/v1/clients?$q" -H "$O"
	got=$(python3 -c 'import json,sys
print(" ".join(c["mac"][-2:] for c in json.load(open(sys.argv[1]))["clients"]))' "$T/body")
	[ "$got" = "$*" ] || fail "$q: $got, expected $*"
}
order "sort=mac" 01 02 03 04 05
order "sort=-mac" 05 04 03 02 01
order "sort=name" 03 02 05 04 01
order "sort=-name" 01 04 05 02 03
order "sort=last_seen" 04 02 05 01 03
order "sort=-last_seen" 03 01 05 02 04
order "sort=state" 03 04 02 01 05
order "sort=-state" 05 01 02 04 03
order "sort=-name&limit=2" 01 04
api_json "j['more']"
order "sort=-name&limit=2&offset=2" 05 02
order "sort=-name&limit=2&offset=4&total=true" 03
api_json "not j['more'] and j['total'] == 5"
order "sort=-last_seen&known=true" 01 05 02
order "sort=name&q=a" 02 05 04 01
# with a label selector: the candidates the label index gives, in order
db_sql "INSERT INTO client_labels (mac, key, value) VALUES
    ('52:54:00:00:08:01', 'rack', '9'), ('52:54:00:00:08:03', 'rack', '9'),
    ('52:54:00:00:08:05', 'rack', '9'), ('52:54:00:00:08:05', 'role', 'db')" ||
	fail "cannot label clients"
order "selector=rack=9&sort=-last_seen" 03 01 05
order "selector=rack=9,role!=db&sort=name" 03 01
order "selector=!rack&sort=-name" 04 02
for q in sort=nosuch sort=- sort=--name sort=+name sort=NAME 'sort=name,mac'; do
	api_call 400 GET "/api/v1/clients?$q" -H "$O"
	api_err bad_request
done
grep -q 'mac, name, image, state, last_seen' "$T/body" ||
	fail "the 400 does not list the fields: $(cat "$T/body")"
note "clients: sort by mac, name, image, state, last_seen, - descending, with paging and filters; bad fields 400"
