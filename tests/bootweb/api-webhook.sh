#!/bin/sh
# api-webhook.sh: bootctl webhook add | list | rm, and bootweb's sender:
# one POST per event of the webhook's kinds, in order, its body the
# event's JSON, signed (X-Netboot-Signature: sha256=HMAC-SHA256 of the
# body under the secret; a receiver checks it); a dead endpoint is
# retried with backoff and gets every event once it is back, while
# /boot.ipxe answers as fast as before; past webhook.backlog the oldest
# are dropped and counted. Usage errors exit 2. /api/v1/webhooks lists,
# adds and removes them as bootctl does (admin only).
API_SEED=419
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
RPORT=$((PORT + 2))
DPORT=$((PORT + 3))
SECRET=0123456789abcdef-test-secret

# ev KIND...: append events, as a daemon would.
ev() {
	for k; do
		db_sql "INSERT INTO events (ts, daemon, kind, detail)
		    VALUES (strftime('%s', 'now'), 'tftpd', '$k', 'from the test')"
	done
}

# receiver PORT OUT: a small HTTP server that checks each signature and
# appends "id kind ok|BAD" to OUT.
cat >"$T/recv.py" <<'PY'
import hashlib, hmac, http.server, json, sys
port, out, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(want, self.headers.get("X-Netboot-Signature", ""))
        ev = json.loads(body)
        ok = ok and str(ev["id"]) == self.headers["X-Netboot-Delivery"] \
            and ev["kind"] == self.headers["X-Netboot-Event"]
        with open(out, "a") as f:
            f.write("%d %s %s\n" % (ev["id"], ev["kind"], "ok" if ok else "BAD"))
        self.send_response(204)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
PY
receiver() {
	start_bg "recv$1" python3 "$T/recv.py" "$1" "$2" "$SECRET"
	wait_for 5 python3 -c "import socket; socket.create_connection(('127.0.0.1', $1))" ||
		fail "the receiver on $1 did not start"
}

ev old-event
expect_rc 0 "$BOOTCTL" -f "$CONF" -D "$DB" webhook add "http://127.0.0.1:$RPORT/hook" \
    --events 'tftp-*,http-boot-ipxe' --secret "$SECRET"
expect_out "webhook 1: http://127.0.0.1:$RPORT/hook for tftp-*,http-boot-ipxe"
expect_rc 0 "$BOOTCTL" -f "$CONF" -D "$DB" webhook add "http://127.0.0.1:$DPORT/dead" \
    --events 'tftp-*' --secret "$SECRET"
expect_rc 0 "$BOOTCTL" -f "$CONF" -D "$DB" webhook add "http://127.0.0.1:$DPORT/made"
expect_out "secret (shown only now): "
expect_rc 1 "$BOOTCTL" -f "$CONF" -D "$DB" webhook add "http://127.0.0.1:$RPORT/hook" --secret "$SECRET"
expect_err "exists already"
expect_rc 1 "$BOOTCTL" -f "$CONF" -D "$DB" webhook add "ftp://x/" --secret "$SECRET"
expect_rc 1 "$BOOTCTL" -f "$CONF" -D "$DB" webhook add "http://x/" --secret short
expect_err "at least 16"
expect_rc 2 "$BOOTCTL" -f "$CONF" -D "$DB" webhook add "http://x/" --events 'a,,b'
expect_rc 2 "$BOOTCTL" -f "$CONF" -D "$DB" webhook add "http://x/" --events 'a*b'
expect_rc 2 "$BOOTCTL" -f "$CONF" -D "$DB" webhook add
expect_rc 2 "$BOOTCTL" -f "$CONF" -D "$DB" webhook rm x
expect_rc 1 "$BOOTCTL" -f "$CONF" -D "$DB" webhook rm 99
expect_rc 0 "$BOOTCTL" -f "$CONF" -D "$DB" webhook rm 3
expect_rc 0 "$BOOTCTL" -f "$CONF" -D "$DB" webhook list
expect_out "http://127.0.0.1:$RPORT/hook"
grep -q "$SECRET" "$T/out" && fail "webhook list shows a secret"
expect_rc 0 "$BOOTCTL" -f "$CONF" -D "$DB" webhook list --json
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); sys.exit(not (len(a) == 2 and "secret" not in a[0] and a[0]["delivered"] == 0))' "$T/out" ||
	fail "webhook list --json: $(cat "$T/out")"
note "bootctl webhook add, list, rm; refusals exit 1, usage errors 2"

receiver $RPORT "$T/got"
api_start
ev tftp-rrq other-kind tftp-done http-boot-ipxe tftp-rrq
wait_for 15 sh -c "[ \$(grep -c . '$T/got' 2>/dev/null) -ge 4 ]" || fail "got: $(cat "$T/got" 2>/dev/null)"
sleep 1
[ "$(awk '{ print $2 }' "$T/got" | tr '\n' ' ')" = "tftp-rrq tftp-done http-boot-ipxe tftp-rrq " ] ||
	fail "delivered: $(cat "$T/got")"
grep -q BAD "$T/got" && fail "a bad signature: $(cat "$T/got")"
sort -n -c "$T/got" || fail "out of order: $(cat "$T/got")"
grep -q old-event "$T/got" && fail "an event from before add was sent"
note "4 events of 5 sent in order, each signature verified; none from before add"

# The dead endpoint: retried with backoff, nothing lost, no boot delayed.
wait_for 10 db_ge "SELECT failed FROM webhooks WHERE id = 2" 2 ||
	fail "the dead webhook was not retried: $(db_sql 'SELECT * FROM webhooks')"
[ "$(db_sql 'SELECT delivered FROM webhooks WHERE id = 2')" = 0 ] || fail "delivered to a dead endpoint?"
t=$(curl -s -o /dev/null -w '%{time_total}' "$BU/boot.ipxe") || fail "/boot.ipxe"
python3 -c "import sys; sys.exit(0 if $t < 0.5 else 1)" || fail "/boot.ipxe took $t s beside a dead webhook"
expect_rc 0 "$BOOTCTL" -f "$CONF" -D "$DB" webhook list
expect_out "Failed to connect"
receiver $DPORT "$T/late"
wait_for 40 sh -c "[ \$(grep -c . '$T/late' 2>/dev/null) -ge 3 ]" || fail "late: $(cat "$T/late" 2>/dev/null)"
sleep 1
[ "$(awk '{ print $2 }' "$T/late" | tr '\n' ' ')" = "tftp-rrq tftp-done tftp-rrq " ] ||
	fail "the dead endpoint got: $(cat "$T/late")"
note "a dead endpoint: retried with backoff ($(db_sql 'SELECT failed FROM webhooks WHERE id = 2') failures), /boot.ipxe in $t s, all 3 events once it came back"

# Past the backlog the oldest are dropped, and counted.
kill "$(cat "$T/recv$DPORT.pid")"
bc settings set webhook.backlog 3 >/dev/null
for i in 1 2 3 4 5 6 7 8 9 10; do ev tftp-x; done
wait_for 15 db_ge "SELECT dropped FROM webhooks WHERE id = 2" 7 ||
	fail "nothing dropped: $(db_sql 'SELECT * FROM webhooks')"
[ "$(db_sql 'SELECT dropped FROM webhooks WHERE id = 2')" = 7 ] ||
	fail "dropped $(db_sql 'SELECT dropped FROM webhooks WHERE id = 2'), not 7"
note "webhook.backlog 3: 7 of 10 events dropped and counted"

# The API: what bootctl webhook does, admin only.
A="Authorization: Bearer $TA"
O="Authorization: Bearer $TO"
J="Content-Type: application/json"
api_call 200 GET /api/v1/webhooks -H "$A"
api_json "len(j['webhooks']) == 2 and all('secret' not in w for w in j['webhooks']) and j['webhooks'][0]['delivered'] >= 4"
api_call 401 GET /api/v1/webhooks
api_call 403 GET /api/v1/webhooks -H "$O"
api_call 201 POST /api/v1/webhooks -H "$A" -H "$J" -d '{"url":"http://127.0.0.1:1/x","events":"image-*"}'
api_json "len(j['secret']) == 64 and j['events'] == 'image-*'"
WID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/body")
api_call 201 POST /api/v1/webhooks -H "$A" -H "$J" -d "{\"url\":\"http://127.0.0.1:1/y\",\"secret\":\"$SECRET\"}"
api_json "'secret' not in j and j['events'] == '*'"
api_call 409 POST /api/v1/webhooks -H "$A" -H "$J" -d '{"url":"http://127.0.0.1:1/x","secret":"0123456789abcdefXX"}'
api_call 422 POST /api/v1/webhooks -H "$A" -H "$J" -d '{"url":"gopher://x/","secret":"0123456789abcdefXX"}'
api_err invalid
api_call 422 POST /api/v1/webhooks -H "$A" -H "$J" -d '{"url":"http://x/","events":"a,,b"}'
api_call 422 POST /api/v1/webhooks -H "$A" -H "$J" -d '{"url":"http://x/","secret":"short"}'
api_call 422 POST /api/v1/webhooks -H "$A" -H "$J" -d '{"events":"*"}'
api_call 400 POST /api/v1/webhooks -H "$A" -H "$J" -d '{"url":'
api_call 415 POST /api/v1/webhooks -H "$A" -H "Content-Type: text/plain" -d '{}'
head -c 40000 /dev/zero | tr '\0' ' ' >"$T/big.json"
api_call 413 POST /api/v1/webhooks -H "$A" -H "$J" --data-binary @"$T/big.json"
api_call 403 POST /api/v1/webhooks -H "$O" -H "$J" -d '{"url":"http://127.0.0.1:1/z"}'
api_call 200 DELETE "/api/v1/webhooks/$WID" -H "$A"
api_call 404 DELETE "/api/v1/webhooks/$WID" -H "$A"
api_call 404 DELETE /api/v1/webhooks/x -H "$A"
api_call 405 PUT /api/v1/webhooks/5 -H "$A"
[ "$(db_sql 'SELECT count(*) FROM webhooks')" = 3 ] || fail "webhooks: $(db_sql 'SELECT id, url FROM webhooks')"
note "/api/v1/webhooks: list without secrets, add (a made-up secret shown once), 409, 422, 400, 415, 413, 401, 403, remove"
