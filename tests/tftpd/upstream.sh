#!/bin/sh
# upstream.sh: files of the files table at an upstream URL, served
# over TFTP from a local upstream (tests/helpers/upstream-server.py) in tftpd's
# namespace: byte-exact bodies with curl, tftp-hpa and atftp, tsize in the
# OACK, a second fetch from the cache (no request upstream within
# upstream_fresh), one fetch for two clients, a slow upstream that does
# not stall a local file, 500 / timeout as ERROR 0 plus an upstream-error
# event, the prefix mapping and its refusals, and the cache never served.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
need_cmd curl atftp tftp sqlite3

UPORT=8000
UP=http://127.0.0.1:$UPORT
mkdir -p "$T/up/tree/a"
head -c 200000 /dev/urandom >"$T/up/up.bin"
head -c 300000 /dev/urandom >"$T/up/slow.bin"
head -c 70000 /dev/urandom >"$T/up/tree/a/b.bin"
printf 'small\n' >"$T/up/small.txt"
mkfile local.bin 20000
$BOOTCTL -D "$DB" db init >/dev/null || fail "db init"
chown -R nobody: "$T"
start_bg upstream ip netns exec "$NS" \
	python3 "$top_srcdir/tests/helpers/upstream-server.py" \
	--port $UPORT --dir "$T/up" --log "$T/up-req.log"
wait_for 5 grep -q listening "$T/upstream.log" || fail "upstream did not start"
# $T is the data directory (the database's): served too, its .cache never.
tftpd_start "upstream_fresh = 300
upstream_timeout = 4" "$ROOT" "$T"

O=$T/out
mkdir "$O"
bc() { $BOOTCTL -D "$DB" file add "$@" --global >/dev/null || fail "file add $*"; }
reqs() { grep -c "^GET $1 " "$T/up-req.log"; }

# curl asks tsize: the OACK carries the upstream's size; the body is exact.
bc up.bin --url "$UP/files/up.bin"
got=$(nsx $CLIENT oack 127.0.0.1 69 up.bin tsize 0 blksize 1428 | sed -n 1p)
case "$got" in *'tsize\x00200000\x00'*) ;; *) fail "OACK tsize: $got" ;; esac
nsx curl -sS --max-time 20 -o "$O/c" "tftp://127.0.0.1/up.bin" || fail "curl up.bin"
same "$T/up/up.bin" "$O/c" "curl up.bin"
nsx tftp 127.0.0.1 69 -m binary -c get up.bin "$O/h" >"$T/hpa.out" 2>&1
same "$T/up/up.bin" "$O/h" "tftp-hpa up.bin"
nsx atftp --option "tsize 0" -g -r up.bin -l "$O/a" 127.0.0.1 69 >"$T/atftp.out" 2>&1
same "$T/up/up.bin" "$O/a" "atftp up.bin"
[ "$(reqs /files/up.bin)" = 1 ] || fail "the cache was not used: $(cat "$T/up-req.log")"
events tftp-start | grep -q 'up.bin (200000 bytes from upstream 127.0.0.1, fetched)' ||
	fail "tftp-start: $(events tftp-start)"
events tftp-start | grep -q 'up.bin (200000 bytes from upstream 127.0.0.1, cached)' ||
	fail "tftp-start: $(events tftp-start)"
note "tsize 200000, curl / tftp-hpa / atftp byte-exact, one upstream request: ok"

# The cache directory is never served, though the data directory is.
NAME=$(printf '%s' "$UP/files/up.bin" | sha256sum | cut -c1-64)
[ -f "$T/.cache/upstream/$NAME" ] || fail "no cached copy"
for p in ".cache/upstream/$NAME" "/.cache/upstream/$NAME.meta"; do
	got=$(nsx $CLIENT oack 127.0.0.1 69 "$p" | sed -n 1p)
	case "$got" in *'\x00\x05'*) ;; *) fail "$p served: $got" ;; esac
done
note "the cache is not served: ok"

# A slow upstream: two clients, one fetch; a local file goes on meanwhile.
bc slow.bin --url "$UP/slow/2/slow.bin"
nsx curl -sS --max-time 20 -o "$O/s1" "tftp://127.0.0.1/slow.bin" & p1=$!
nsx atftp -g -r slow.bin -l "$O/s2" 127.0.0.1 69 >/dev/null 2>&1 & p2=$!
sleep 0.3
for i in 1 2 3; do
	t=$(nsx curl -sS -o "$O/l" -w '%{time_total}' "tftp://127.0.0.1/local.bin")
	awk -v t="$t" 'BEGIN { exit !(t < 1.0) }' ||
		fail "local.bin took $t s during a slow upstream fetch"
	same "$ROOT/local.bin" "$O/l" "local.bin"
done
wait $p1; wait $p2
same "$T/up/slow.bin" "$O/s1" "curl slow.bin"
same "$T/up/slow.bin" "$O/s2" "atftp slow.bin"
[ "$(reqs /slow/2/slow.bin)" = 1 ] || fail "two fetches: $(cat "$T/up-req.log")"
note "slow upstream: local file answered meanwhile, one fetch for two: ok"

# Failures: ERROR 0 naming the host and the status, an event, no query.
bc fail.bin --url "$UP/fail/x?token=SECRET42"
got=$(nsx $CLIENT oack 127.0.0.1 69 fail.bin | sed -n 1p)
case "$got" in *'\x00\x05\x00\x00upstream 127.0.0.1: HTTP status 500'*) ;;
	*) fail "500 over TFTP: $got" ;; esac
events upstream-error | grep -q '^fail.bin: upstream 127.0.0.1: HTTP status 500$' ||
	fail "no upstream-error event: $(events upstream-error)"
db_sql "SELECT detail FROM events" | grep -q SECRET42 && fail "the query reached an event"
grep -q SECRET42 "$T/tftpd.log" && fail "the query reached the log"
bc hang.bin --url "$UP/slow/30/small.txt"
TFTPD_CLIENT_TIMEOUT=8 nsx $CLIENT oack 127.0.0.1 69 hang.bin >"$T/hang.out"
grep -q 'upstream 127.0.0.1: Timeout was reached' "$T/hang.out" || fail "timeout: $(cat "$T/hang.out")"
nsx tftp 127.0.0.1 69 -m binary -c get fail.bin "$O/f" >"$T/hpa.out" 2>&1
grep -q 'HTTP status 500' "$T/hpa.out" || fail "tftp-hpa: $(cat "$T/hpa.out")"
note "500 and timeout: ERROR 0 and events: ok"

# A prefix maps a whole tree; what follows it must be a plain path.
$BOOTCTL -D "$DB" file add tree/ --global --url "$UP/files/tree/" --prefix >/dev/null ||
	fail "file add --prefix"
nsx curl -sS --max-time 20 -o "$O/t" "tftp://127.0.0.1/tree/a/b.bin" || fail "curl tree/a/b.bin"
same "$T/up/tree/a/b.bin" "$O/t" "prefix tree/a/b.bin"
for p in 'tree/../up.bin' 'tree/%2e%2e/small.txt' 'tree/a?x=INJECT' 'tree/a#x' 'tree/a b'; do
	got=$(nsx $CLIENT oack 127.0.0.1 69 "$p" | sed -n 1p)
	case "$got" in *'\x00\x05'*) ;; *) fail "$p: $got" ;; esac
done
grep -q 'INJECT\|\.\.\|%2' "$T/up-req.log" && fail "a refused suffix reached the upstream: $(cat "$T/up-req.log")"
note "prefix mapping and its refusals: ok"

alive
exit 0
