#!/bin/sh
# api-tls.sh: the admin plane over TLS (admin_tls_cert, admin_tls_key):
# curl --cacert reaches it with a certificate made here by openssl req,
# plain HTTP and unverified clients do not; the session cookie is Secure
# under TLS and not without; an upload streams over TLS byte for byte;
# /metrics needs a token unless metrics.allow names the caller; the web
# UI's files arrive whole; a missing
# key or one that does not match the certificate stops bootweb at start.
API_SEED=523
. "${top_srcdir:-.}/tests/helpers/lib.sh"
. "${top_srcdir:-.}/tests/helpers/iso-lib.sh"
. "${top_srcdir:-.}/tests/helpers/api-lib.sh"
need_cmd openssl cmp
A="Authorization: Bearer $TA"
V="Authorization: Bearer $TV"
J="Content-Type: application/json"

# Without TLS: no Secure cookie.
api_start
api_call 200 POST /api/v1/login -H "$J" -d '{"user":"vw","password":"viewer-pw-1"}'
grep -i '^Set-Cookie: nb_session=' "$T/hdr" | grep -qi 'Secure' && fail "a Secure cookie over plain HTTP"
api_call 401 GET /metrics
api_call 200 GET /metrics -H "$V"
grep -q '^bootweb_requests_total' "$T/body" || fail "/metrics: $(head -3 "$T/body")"
kill "$(cat "$T/bootweb.pid")"
note "plain HTTP: cookie without Secure; /metrics needs a token"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 2>"$T/openssl.err" ||
	fail "openssl req: $(cat "$T/openssl.err")"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$T/other.pem" -out "$T/othercert.pem" -days 2 -subj /CN=x 2>/dev/null
chown root: "$T/key.pem" "$T/other.pem"
chmod 0600 "$T/key.pem" "$T/other.pem"

# tls_start CERT KEY: bootweb with TLS on the admin plane.
tls_start() {
	CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe
www_dir = $T/www
admin_tls_cert = $1
admin_tls_key = $2")
	start_bg bootweb "$BOOTWEB" -dv -f "$CONF" -l 127.0.0.1 -p $PORT -P $APORT
}
tls_start "$T/cert.pem" "$T/other.pem"
sleep 1
kill -0 "$(cat "$T/bootweb.pid")" 2>/dev/null && fail "bootweb started with a key that does not match"
grep -q "key values mismatch\|does not match" "$T/bootweb.log" || fail "no reason: $(cat "$T/bootweb.log")"
CONF=$(test_config "[bootweb]
admin_tls_cert = $T/cert.pem")
expect_rc 1 "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $PORT -P $APORT
expect_err "admin_tls_cert and admin_tls_key go together"
note "a key that does not match, or a certificate alone, stops bootweb"

# the web UI's files go over TLS too (sendfile is no use there)
mkdir -p "$T/www"
head -c 300000 /dev/urandom | base64 >"$T/www/app.js"
printf '<!doctype html><title>netboot</title>\n' >"$T/www/index.html"
chown -R nobody: "$T/www"
tls_start "$T/cert.pem" "$T/key.pem"
AU=https://127.0.0.1:$APORT
C="--cacert $T/cert.pem"
wait_for 5 curl -sf $C -o /dev/null "$AU/api/v1/health" ||
	fail "bootweb with TLS did not start: $(cat "$T/bootweb.log")"
api_call 200 GET /api/v1/health $C
curl -s -o /dev/null "$AU/api/v1/health" && fail "an unverified client got through"
curl -s -o /dev/null "http://127.0.0.1:$APORT/api/v1/health" && fail "plain HTTP answered on the TLS port"
api_call 401 GET /api/v1/clients $C
api_err unauthorized
api_call 200 GET /api/v1/clients $C -H "$V"
api_call 200 POST /api/v1/login $C -H "$J" -d '{"user":"vw","password":"viewer-pw-1"}'
grep -i '^Set-Cookie: nb_session=' "$T/hdr" | grep -qi '; Secure' || fail "no Secure cookie under TLS: $(cat "$T/hdr")"
api_call 401 GET /metrics $C
api_call 200 GET /metrics $C -H "$V"
api_call 200 PUT /api/v1/settings/metrics.allow $C -H "$A" -H "$J" -d '{"value":"127.0.0.1"}'
api_call 200 GET /metrics $C
curl -sf $C -o "$T/app.js" "$AU/ui/app.js" || fail "the UI's app.js over TLS"
cmp "$T/app.js" "$T/www/app.js" || fail "app.js over TLS differs"
note "TLS: curl --cacert gets in, unverified and plain clients do not; Secure cookie; /metrics by token or metrics.allow"

iso_tree "$T/src" casper/vmlinuz=K casper/initrd=B:2900 \
    '.disk/info=T:Ubuntu 24.04 LTS "Noble Numbat" - Release amd64 (20240424)'
make_iso "$T/blob.iso" "Ubuntu 24.04 LTS amd64" rr "$T/src"
chown -R nobody: "$T"
api_call 202 POST "/api/v1/images/upload?name=blob" $C -H "$A" \
    -H "Content-Type: application/octet-stream" --data-binary @"$T/blob.iso"
cmp "$T/uploads/blob.iso" "$T/blob.iso" || fail "the upload over TLS differs"
JOB=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$T/body")
n=0
while :; do
	api_call 200 GET "/api/v1/jobs/$JOB" $C -H "$V"
	python3 -c 'import json, sys
sys.exit(json.load(open(sys.argv[1]))["state"] == "running")' "$T/body" && break
	n=$((n + 1)); [ $n -lt 100 ] || fail "job $JOB still running"; sleep 0.1
done
api_json "j['state'] == 'done' and j['image']['name'] == 'blob'"
kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died"
note "an ISO uploaded over TLS: stored byte for byte and imported"
