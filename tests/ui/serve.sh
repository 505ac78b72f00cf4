#!/bin/sh
# serve.sh: the web UI's files on the admin plane (www.c; bootweb(8)
# WEB UI): / and /ui/NAME from www_dir with the right types, the security
# headers on every reply, the .gz copy only to a browser that takes gzip,
# 304 on a matching ETag, and nothing outside www_dir: .., encoded ..,
# a symlink out, a dot-file, an unknown suffix, the .gz itself.
API_SEED=311
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl gzip
PORT=$((20000 + ($$ + API_SEED) % 20000))
APORT=$((PORT + 1))
AU=http://127.0.0.1:$APORT
W=$T/www
mkdir -p "$W" "$T/ipxe"
cp "${top_srcdir:-.}"/www/*.html "${top_srcdir:-.}"/www/*.js \
    "${top_srcdir:-.}"/www/*.css "${top_srcdir:-.}"/www/*.svg "$W/" ||
	fail "cannot copy www/"
for f in "$W"/*; do gzip -9 -kn "$f"; done
echo secret >"$T/outside.txt"
ln -s "$T/outside.txt" "$W/out.txt"
echo hidden >"$W/.hidden.txt"
CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe
www_dir = $W")
"$BOOTCTL" -f "$CONF" db init >/dev/null || fail "db init"
chown -R nobody: "$T"
start_bg bootweb "$BOOTWEB" -dv -f "$CONF" -l 127.0.0.1 -p $PORT -P $APORT
wait_for 5 curl -sf -o /dev/null "$AU/api/v1/health" ||
	fail "bootweb did not start: $(cat "$T/bootweb.log")"

get() {	# get WANT PATH [curl args]: status check; headers in $T/h, body in $T/b
	local want=$1 path=$2 got
	shift 2
	rm -f "$T/b"
	got=$(curl -s --path-as-is -o "$T/b" -D "$T/h" -w '%{http_code}' \
	    "$@" "$AU$path") || fail "curl $path"
	[ "$got" = "$want" ] || fail "$path: $got, expected $want: $(cat "$T/b")"
}
hdr() { grep -qi "^$1" "$T/h" || fail "no '$1' in: $(cat "$T/h")"; }
# once NAME: the last answer has header NAME once, not twice (two
# Cache-Control lines are read as the stricter, or as none)
once() {
	[ "$(grep -ci "^$1:" "$T/h")" = 1 ] || fail "$1 not once: $(cat "$T/h")"
}
nohdr() { ! grep -qi "^$1" "$T/h" || fail "'$1' in: $(cat "$T/h")"; }

get 200 /
hdr 'Content-Type: text/html; charset=utf-8'
hdr "Content-Security-Policy: default-src 'self';.*frame-ancestors 'none'"
# no HTML sink takes a string: Trusted Types, and no policy to make one
hdr "Content-Security-Policy: .*require-trusted-types-for 'script'; trusted-types 'none'"
hdr 'X-Content-Type-Options: nosniff'
hdr 'Cache-Control: no-cache'
once Cache-Control
once X-Content-Type-Options
cmp -s "$T/b" "$W/index.html" || fail "/ is not index.html"
grep -q '<script' "$T/b" && ! grep -q '<script>' "$T/b" &&
    ! grep -q 'style=' "$T/b" || fail "inline script or style in index.html"
get 200 /ui/app.js
hdr 'Content-Type: text/javascript'
nohdr 'Content-Encoding'
cmp -s "$T/b" "$W/app.js" || fail "app.js differs"
get 200 /ui/app.css -H 'Accept-Encoding: gzip, deflate'
hdr 'Content-Type: text/css'
hdr 'Content-Encoding: gzip'
hdr 'Vary: Accept-Encoding'
cmp -s "$T/b" "$W/app.css.gz" || fail "not the .gz copy"
get 200 /ui/app.css -H 'Accept-Encoding: gzip;q=0, identity'
nohdr 'Content-Encoding'
get 200 /ui/icon.svg
hdr 'Content-Type: image/svg+xml'
note "types, security headers, gzip by Accept-Encoding"

get 200 /ui/api.js
etag=$(sed -n 's/^ETag: *//Ip' "$T/h" | tr -d '\r')
[ -n "$etag" ] || fail "no ETag"
get 304 /ui/api.js -H "If-None-Match: $etag"
[ ! -s "$T/b" ] || fail "a 304 with a body"
hdr 'HTTP/1.1 304 Not Modified'
get 200 /ui/api.js -H 'If-None-Match: "other"'
get 200 /
etag=$(sed -n 's/^ETag: *//Ip' "$T/h" | tr -d '\r')
get 304 / -H "If-None-Match: $etag"
touch -d 2001-01-01 "$W/index.html"
get 200 / -H "If-None-Match: $etag"
note "ETag revalidation: 304, then 200 when it differs"

# The database by a hard link, and a copy of it, under UI names.
ln "$DB" "$W/db.txt" || fail "cannot link the database"
cp "$DB" "$W/backup.json"
chown nobody: "$W/backup.json"
for p in /ui/db.txt /ui/backup.json /ui/../netboot.db /ui/%2e%2e/netboot.db /ui/..%2foutside.txt \
    /ui/.hidden.txt /ui/out.txt /ui/app.css.gz /ui/ /ui/nosuch.js \
    /ui/../../../etc/passwd /ui/%2e%2e/%2e%2e/etc/passwd; do
	code=$(curl -s --path-as-is -o "$T/b" -w '%{http_code}' "$AU$p")
	case $code in 40[0134]) ;; *) fail "$p: $code" ;; esac
	! grep -q 'secret\|hidden\|root:\|SQLite' "$T/b" || fail "$p leaked: $(cat "$T/b")"
done
grep -q 'db.txt to .*: it is the database' "$T/bootweb.log" &&
    grep -q 'backup.json to .*: it is ' "$T/bootweb.log" ||
	fail "the database was not refused as such: $(grep refused "$T/bootweb.log")"
note "traversal, encoded traversal, symlink out, dot-file, .gz, unknown, the database linked or copied: refused"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$AU/ui/app.js")
[ "$code" = 405 ] || [ "$code" = 401 ] || fail "POST /ui/app.js: $code"
get 401 /api/v1/clients
hdr 'Content-Type: application/json'
hdr 'Cache-Control: no-store'
hdr 'X-Content-Type-Options: nosniff'
once Cache-Control
get 404 /ui/nosuch.js
hdr 'Cache-Control: no-store'
hdr "Content-Security-Policy: default-src 'self'"
once Cache-Control
note "no credentials needed for the UI; still needed for the API"
