#!/bin/sh
# api-auth.sh: the admin API's credentials: nothing answers without them
# but health and login; bearer tokens; roles per route (viewer, operator,
# admin); a browser session from login (HttpOnly, SameSite=Strict
# cookie) that needs its X-CSRF-Token for writes and ends at logout; the
# login throttle (429 with Retry-After after a few failures); /metrics
# with a token or from metrics.allow; the error document.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
api_start

api_call 200 GET /api/v1/health
api_json "j['status'] == 'ok'"
for p in /api/v1/clients /api/v1/events /api/v1/settings /api/v1/users \
    /api/v1/openapi.json /metrics /api/v1/nosuch; do
	api_call 401 GET "$p"
	grep -qi '^WWW-Authenticate: Bearer' "$T/hdr" || fail "$p: no challenge"
done
api_err unauthorized
api_call 401 GET /api/v1/clients -H "Authorization: Bearer nbt_0000"
api_call 401 GET /api/v1/clients -H "Authorization: Basic YTpi"
api_call 401 POST /api/v1/logout
note "401 without credentials, with a bad token, with another scheme"

A="Authorization: Bearer $TA"
O="Authorization: Bearer $TO"
V="Authorization: Bearer $TV"
J="Content-Type: application/json"
api_call 200 GET /api/v1/clients -H "$V"
api_call 200 GET /metrics -H "$V"
grep -q bootweb_admin_connections "$T/body" || fail "metrics: $(cat "$T/body")"
api_call 403 POST /api/v1/clients -H "$V" -H "$J" -d '{"mac":"52:54:00:00:01:01"}'
api_err forbidden
api_call 403 GET /api/v1/events -H "$V"
api_call 200 GET /api/v1/events -H "$O"
api_call 201 POST /api/v1/clients -H "$O" -H "$J" -d '{"mac":"52:54:00:00:01:01"}'
api_call 403 GET /api/v1/users -H "$O"
api_call 403 PUT /api/v1/settings/menu.timeout -H "$O" -H "$J" -d '{"value":"5"}'
api_call 200 PUT /api/v1/settings/menu.timeout -H "$A" -H "$J" -d '{"value":"5"}'
api_call 200 GET /api/v1/users -H "$A"
api_json "sorted(u['name'] for u in j['users']) == ['admin', 'op', 'vw']"
note "roles: viewer reads, operator writes clients, admin users and settings"

api_call 404 GET /api/v1/nosuch -H "$V"
api_err not_found
api_call 405 PUT /api/v1/clients -H "$A" -H "$J" -d '{}'
api_err method_not_allowed
grep -qi '^Allow: GET, HEAD, POST' "$T/hdr" || fail "405 Allow: $(cat "$T/hdr")"
api_call 415 POST /api/v1/clients -H "$O" -d 'mac=x'
api_err unsupported_media_type
api_call 400 POST /api/v1/clients -H "$O" -H "$J" -d '{"mac": '
api_err bad_request
api_call 400 POST /api/v1/clients -H "$O" -H "$J" -d '[1]'
head -c 40000 /dev/zero | tr '\0' ' ' >"$T/big"
api_call 413 POST /api/v1/clients -H "$O" -H "$J" --data-binary @"$T/big"
api_err payload_too_large
api_call 422 POST /api/v1/clients -H "$O" -H "$J" -d '{"mac":"nope"}'
api_err invalid
note "404, 405 with Allow, 415, 400, 413, 422 as error documents"

# A session: login, cookie attributes, CSRF for writes, logout.
api_call 422 POST /api/v1/login -H "$J" -d '{"user":"op"}'
api_call 200 POST /api/v1/login -H "$J" -d '{"user":"op","password":"operator-pw-1"}'
grep -i '^Set-Cookie: nb_session=nbs_' "$T/hdr" >"$T/cookie" ||
	fail "no session cookie: $(cat "$T/hdr")"
grep -q 'HttpOnly' "$T/cookie" && grep -q 'SameSite=Strict' "$T/cookie" ||
	fail "cookie attributes: $(cat "$T/cookie")"
api_json "j['role'] == 'operator' and len(j['csrf_token']) == 64"
CSRF=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' "$T/body")
SID=$(sed 's/.*nb_session=\([^;]*\);.*/\1/' "$T/cookie")
C="Cookie: nb_session=$SID"
api_call 200 GET /api/v1/clients -H "$C"
api_call 403 POST /api/v1/clients -H "$C" -H "$J" -d '{"mac":"52:54:00:00:01:02"}'
api_err forbidden
api_call 403 POST /api/v1/clients -H "$C" -H "X-CSRF-Token: 00$CSRF" -H "$J" \
    -d '{"mac":"52:54:00:00:01:02"}'
api_call 201 POST /api/v1/clients -H "$C" -H "X-CSRF-Token: $CSRF" -H "$J" \
    -d '{"mac":"52:54:00:00:01:02"}'
api_call 403 POST /api/v1/logout -H "$C"
api_call 200 POST /api/v1/logout -H "$C" -H "X-CSRF-Token: $CSRF"
api_call 401 GET /api/v1/clients -H "$C"
note "session: cookie HttpOnly SameSite=Strict, CSRF needed, logout ends it"

# Logins whose connection closes before the worker is done: no reply
# to a freed request, bootweb still answers.
python3 - "$APORT" <<'PYEOF' || fail "abandoned logins"
import socket, sys
body = b'{"user":"op","password":"operator-pw-1"}'
for i in range(6):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    s.sendall(b"POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % len(body) + body)
    s.close()
PYEOF
sleep 0.5
api_call 200 GET /api/v1/health
kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died: $(tail -5 "$T/bootweb.log")"
note "logins abandoned mid-hash are forgotten"

# /metrics from an allowed address without a token.
api_call 200 PUT /api/v1/settings/metrics.allow -H "$A" -H "$J" -d '{"value":"127.0.0.1"}'
api_call 200 GET /metrics
api_call 401 GET /api/v1/clients
note "metrics.allow opens /metrics only"

# The throttle: a bounded run of wrong passwords for one user.
n=0 got=""
while [ $n -lt 12 ]; do
	got=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -H "$J" \
	    -d '{"user":"vw","password":"wrong-password"}' "$AU/api/v1/login")
	n=$((n + 1))
	[ "$got" = 429 ] && break
	[ "$got" = 401 ] || fail "login try $n: $got: $(cat "$T/body")"
done
[ "$got" = 429 ] || fail "no 429 after $n failed logins"
ra=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/ip' "$T/hdr")
[ -n "$ra" ] && [ "$ra" -ge 1 ] || fail "429 without Retry-After: $(cat "$T/hdr")"
api_err too_many_requests
# Even the right password waits now. The first wait is 2 s, which a
# loaded machine can spend between two requests: lengthen it (as 10
# failures would, to 32 s) so the check does not race the clock.
db_sql "UPDATE login_failures SET failures = 10,
    last = CAST(strftime('%s') AS INTEGER) WHERE key = 'vw'"
api_call 429 POST /api/v1/login -H "$J" -d '{"user":"vw","password":"viewer-pw-1"}'
n_ev=$(db_sql "SELECT count(*) FROM events WHERE kind LIKE 'login%fail%'")
[ "$n_ev" -ge 1 ] || fail "failed logins are not events: $(db_sql 'SELECT kind FROM events')"
note "throttle: 429 with Retry-After $ra s after $n tries; failures are events"
