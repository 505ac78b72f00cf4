#!/bin/sh
# upstream.sh: files of the files table at an upstream URL, served by bootweb
# from a local upstream (tests/helpers/upstream-server.py) in a private
# network namespace: byte-exact bodies and Content-Length, a second GET
# validated by a conditional request (304), one fetch for two clients, a slow
# upstream that does not stall /boot.ipxe, 500, a body cut short, a timeout
# and a file over the size limit as 502 with an upstream-error event (host and
# status, never the query), the prefix mapping and its traversal refusals, the
# cache cap, the cache never served itself, and http_proxy / no_proxy from the
# environment as libcurl reads them.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl python3 sqlite3 ip

NS=$(netns_new upweb)
RUN="ip netns exec $NS"
PORT=8080
UPORT=8000
U=http://127.0.0.1:$PORT
UP=http://127.0.0.1:$UPORT
MIB=1048576
mkdir -p "$T/up/tree/a" "$T/ipxe"
printf 'small upstream file\n' >"$T/up/small.txt"
head -c $((3 * MIB + 7)) /dev/urandom >"$T/up/big1.bin"
head -c $((3 * MIB + 11)) /dev/urandom >"$T/up/big2.bin"
head -c $((6 * MIB)) /dev/urandom >"$T/up/huge.bin"
head -c 100000 /dev/urandom >"$T/up/tree/a/b.bin"
head -c 300000 /dev/urandom >"$T/up/slow.bin"
printf 'in the tree\n' >"$T/up/tree/c.txt"
CONF=$(test_config "upstream_fresh = 0
upstream_cache_max = 4
upstream_max_size = 5
upstream_timeout = 4
upstream_connect_timeout = 2
[bootweb]
ipxe_dir = $T/ipxe")
$BOOTCTL -D "$DB" db init >/dev/null || fail "db init"
chown -R nobody: "$T"
start_bg upstream $RUN python3 "$top_srcdir/tests/helpers/upstream-server.py" \
	--port $UPORT --dir "$T/up" --log "$T/up-req.log"
# The upstream is also the proxy for every host but 127.0.0.1.
start_bg bootweb $RUN env http_proxy=$UP no_proxy=127.0.0.1 \
	"$BOOTWEB" -d -v -f "$CONF" -l 127.0.0.1 -p $PORT -P 0
wait_for 5 $RUN curl -sf -o /dev/null "$U/boot.ipxe" ||
	fail "bootweb did not start: $(cat "$T/bootweb.log")"
wait_for 5 grep -q listening "$T/upstream.log" || fail "upstream did not start"

add() { $BOOTCTL -D "$DB" file add "$@" --global >/dev/null || fail "file add $*"; }
# get ARGS...: status code on stdout, headers in $T/h, body in $T/b
get() { $RUN curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
hdr() { tr -d '\r' <"$T/h" | sed -n "s/^$1: //Ip" | head -1; }
expect() {	# expect WANT WHAT ARGS...
	local want=$1 what=$2 got; shift 2
	got=$(get "$@")
	[ "$got" = "$want" ] || fail "$what: status $got, expected $want ($(head -c 200 "$T/b"))"
}
# reqs PATH: how many requests the upstream saw for PATH
reqs() { grep -c "^GET $1 " "$T/up-req.log"; }
events() { db_sql "SELECT detail FROM events WHERE kind = '$1'"; }

# A whole file, byte for byte, with its length; then validated by a 304.
add small.txt --url "$UP/files/small.txt"
expect 200 "upstream file" "$U/small.txt"
cmp -s "$T/b" "$T/up/small.txt" || fail "body differs"
[ "$(hdr content-length)" = "$(stat -c %s "$T/up/small.txt")" ] ||
	fail "Content-Length $(hdr content-length)"
grep -q '^GET /files/small.txt 200 inm=- ims=-$' "$T/up-req.log" ||
	fail "first fetch not plain: $(cat "$T/up-req.log")"
expect 200 "upstream file again" "$U/small.txt"
cmp -s "$T/b" "$T/up/small.txt" || fail "second body differs"
grep -q '^GET /files/small.txt 304 inm="' "$T/up-req.log" ||
	fail "second fetch not conditional: $(cat "$T/up-req.log")"
[ "$(reqs /files/small.txt)" = 2 ] || fail "requests: $(cat "$T/up-req.log")"
expect 200 "HEAD" -I "$U/small.txt"
[ "$(hdr content-length)" = 20 ] || fail "HEAD Content-Length $(hdr content-length)"
note "fetched, then validated by If-None-Match and a 304: ok"

# The cache is never served itself (a dot-directory of the data directory).
NAME=$(printf '%s' "$UP/files/small.txt" | sha256sum | cut -c1-64)
[ -f "$T/.cache/upstream/$NAME" ] || fail "no cached copy $NAME: $(ls -la "$T/.cache/upstream")"
[ -f "$T/.cache/upstream/$NAME.meta" ] || fail "no $NAME.meta"
for p in "data/.cache/upstream/$NAME" ".cache/upstream/$NAME"; do
	got=$(get --path-as-is "$U/$p")
	[ "$got" != 200 ] || fail "/$p served the cache"
done
note "the cache is not served: ok"

# A slow upstream: two clients wait for one fetch, /boot.ipxe goes on.
add slow.bin --url "$UP/slow/2/slow.bin"
start=$(date +%s.%N)
$RUN curl -s -o "$T/slow1" "$U/slow.bin" & p1=$!
$RUN curl -s -o "$T/slow2" "$U/slow.bin" & p2=$!
sleep 0.3
for i in 1 2 3; do
	t=$($RUN curl -s -o /dev/null -w '%{time_total}' "$U/boot.ipxe")
	awk -v t="$t" 'BEGIN { exit !(t < 1.0) }' ||
		fail "/boot.ipxe took $t s during a slow upstream fetch"
done
wait $p1 $p2
cmp -s "$T/slow1" "$T/up/slow.bin" && cmp -s "$T/slow2" "$T/up/slow.bin" ||
	fail "slow bodies differ"
[ "$(reqs /slow/2/slow.bin)" = 1 ] || fail "two fetches for two clients: $(cat "$T/up-req.log")"
note "slow upstream: /boot.ipxe answered meanwhile, one fetch for two: ok"

# A first fetch is streamed: the first bytes long before the upstream ends.
add trickle.bin --url "$UP/trickle/2/big2.bin"
tt=$($RUN curl -s -o "$T/b" -D "$T/h" -w '%{time_starttransfer} %{time_total}' "$U/trickle.bin")
cmp -s "$T/b" "$T/up/big2.bin" || fail "streamed body differs"
[ "$(hdr content-length)" = "$(stat -c %s "$T/up/big2.bin")" ] || fail "streamed Content-Length"
echo "$tt" | awk '{ exit !($1 < 1.0 && $2 >= 1.5) }' || fail "not streamed: first byte, total: $tt"
wait_for 3 db_grep "SELECT detail FROM events WHERE kind = 'http-file'" 'trickle.bin.*streamed' ||
	fail "no streamed event: $(events http-file)"
# HEAD of a cold file (UEFI HTTP Boot's first request): its length at once.
add trickle3.bin --url "$UP/trickle/2/big1.bin?head"
t=$($RUN curl -s -I -o "$T/h" -w '%{time_total}' "$U/trickle3.bin")
[ "$(hdr content-length)" = "$(stat -c %s "$T/up/big1.bin")" ] ||
	fail "HEAD of a cold file: Content-Length $(hdr content-length)"
awk -v t="$t" 'BEGIN { exit !(t < 1.0) }' || fail "HEAD of a cold file took $t s"
# A client that leaves mid-stream: the fetch goes on for the cache.
add trickle2.bin --url "$UP/trickle/2/big1.bin"
$RUN curl -s --max-time 0.8 -o /dev/null "$U/trickle2.bin"
sleep 2
expect 200 "after a client left mid-stream" "$U/trickle2.bin"
cmp -s "$T/b" "$T/up/big1.bin" || fail "trickle2 body differs"
[ "$(grep -c '^GET /trickle/2/big1.bin 200 ' "$T/up-req.log")" = 1 ] ||
	fail "trickle2 fetched twice: $(cat "$T/up-req.log")"
note "streamed first fetch (first byte, total: $tt); a client leaving mid-stream: ok"

# A client that leaves while its upstream is slow: its reply goes nowhere.
add slow3.bin --url "$UP/slow/1/slow.bin?again"
$RUN curl -s --max-time 0.3 -o /dev/null "$U/slow3.bin"
sleep 1.2
expect 200 "after a client left" "$U/slow3.bin"
cmp -s "$T/b" "$T/up/slow.bin" || fail "slow3 body differs"
kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died: $(tail "$T/bootweb.log")"

# Failures: 502 and an event naming the host and the status, not the query.
add fail.bin --url "$UP/fail/x?token=SECRET42"
expect 502 "upstream 500" "$U/fail.bin"
grep -q "HTTP status 500" "$T/b" || fail "502 body: $(cat "$T/b")"
wait_for 3 db_grep "SELECT detail FROM events WHERE kind = 'upstream-error'" 'fail.bin: upstream 127.0.0.1: HTTP status 500' ||
	fail "no upstream-error event: $(events upstream-error)"
db_sql "SELECT detail FROM events" | grep -q SECRET42 && fail "the query reached an event"
grep -q SECRET42 "$T/bootweb.log" && fail "the query reached the log"
# Cut short after a 200 and its length went: the client gets less than
# the length, and the connection closed (curl: 18, partial file; or 52,
# empty reply, when the cut came in the same loop pass as the headers).
add drop.bin --url "$UP/drop/big1.bin"
$RUN curl -s -o "$T/drop.out" "$U/drop.bin"; rc=$?
[ "$rc" = 18 ] || [ "$rc" = 52 ] || fail "a cut upstream body: curl exit $rc, not 18 or 52"
[ ! -e "$T/drop.out" ] || [ "$(stat -c %s "$T/drop.out")" -lt "$(stat -c %s "$T/up/big1.bin")" ] ||
	fail "a cut body came whole"
wait_for 3 db_grep "SELECT detail FROM events WHERE kind = 'upstream-error'" '^drop.bin: upstream 127.0.0.1: Transferred a partial file (after' ||
	fail "no upstream-error event for drop.bin: $(events upstream-error)"
add hang.bin --url "$UP/slow/30/small.txt"
t0=$(date +%s)
expect 502 "upstream timeout" "$U/hang.bin"
[ $(($(date +%s) - t0)) -le 7 ] || fail "the timeout took $(($(date +%s) - t0)) s"
add huge.bin --url "$UP/files/huge.bin"
expect 502 "over upstream_max_size" "$U/huge.bin"
grep -q "upstream_max_size" "$T/b" || fail "502 body: $(cat "$T/b")"
add refused.bin --url "http://127.0.0.1:1/x"
expect 502 "connection refused" "$U/refused.bin"
ls -a "$T/.cache/upstream" | grep -q '^\.part' && fail "partial downloads left: $(ls -a "$T/.cache/upstream")"
for u in "$UP/drop/big1.bin" "$UP/files/huge.bin"; do
	n=$(printf '%s' "$u" | sha256sum | cut -c1-64)
	[ -e "$T/.cache/upstream/$n" ] && fail "a failed fetch of $u was kept"
done
note "500, cut body, timeout, too big, refused: 502 and events: ok"

# A prefix maps a whole tree; what follows it must be a plain path.
$BOOTCTL -D "$DB" file add debian/ --global --url "$UP/files/tree/" --prefix >/dev/null ||
	fail "file add --prefix"
expect 200 "prefix" "$U/debian/a/b.bin"
cmp -s "$T/b" "$T/up/tree/a/b.bin" || fail "prefix body differs"
expect 200 "prefix" "$U/debian/c.txt"
cmp -s "$T/b" "$T/up/tree/c.txt" || fail "prefix body differs"
for p in 'debian/../small.txt' 'debian/%2e%2e/small.txt' 'debian/%2E%2e/small.txt' \
    'debian/a%3fx=INJECT' 'debian/a%23x' 'debian/%252e%252e/small.txt' \
    'debian/a/..%2f..%2fsmall.txt' 'debian/a%20b' 'debian//c.txt'; do
	got=$(get --path-as-is "$U/$p")
	case $got in 4??) ;; *) fail "/$p: status $got" ;; esac
done
grep -q 'INJECT\|\.\.\|%2' "$T/up-req.log" && fail "a refused suffix reached the upstream: $(cat "$T/up-req.log")"
note "prefix mapping and its refusals: ok"

# A temporary file a dead fetch left goes at the next eviction; a young
# one (a fetch of another daemon, perhaps) stays.
: >"$T/.cache/upstream/.part-OLD123"; touch -d '-2 hours' "$T/.cache/upstream/.part-OLD123"
: >"$T/.cache/upstream/.part-NEW123"
chown nobody: "$T/.cache/upstream/.part-OLD123" "$T/.cache/upstream/.part-NEW123"

# The cap (4 MiB): the second big file evicts the first; both still serve.
add big1.bin --url "$UP/files/big1.bin"
add big2.bin --url "$UP/files/big2.bin"
expect 200 "big1" "$U/big1.bin"
cmp -s "$T/b" "$T/up/big1.bin" || fail "big1 differs"
sleep 1.1	# access times order the eviction
expect 200 "big2" "$U/big2.bin"
cmp -s "$T/b" "$T/up/big2.bin" || fail "big2 differs"
total=$(find "$T/.cache/upstream" -type f -regextype egrep -regex '.*/[0-9a-f]{64}' \
	-printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
[ "$total" -le $((4 * MIB)) ] || fail "cache holds $total bytes, over 4 MiB"
n1=$(printf '%s' "$UP/files/big1.bin" | sha256sum | cut -c1-64)
[ -e "$T/.cache/upstream/$n1" ] && fail "big1 was not evicted"
[ -e "$T/.cache/upstream/.part-OLD123" ] && fail "a stale .part was kept"
[ -e "$T/.cache/upstream/.part-NEW123" ] || fail "a young .part was deleted"
rm -f "$T/.cache/upstream/.part-NEW123"
expect 200 "big1 again" "$U/big1.bin"
cmp -s "$T/b" "$T/up/big1.bin" || fail "big1 differs after eviction"
[ "$(reqs /files/big1.bin)" = 2 ] || fail "big1 not fetched again: $(cat "$T/up-req.log")"
[ -e "$T/.cache/upstream/$n1" ] || fail "the most recent body was evicted"
note "cache cap with LRU eviction: ok ($total bytes kept)"

# Through the proxy (no name is resolved here: the proxy takes the URL),
# and only where no_proxy does not say otherwise.
add proxied.txt --url "http://upstream.invalid/files/small.txt"
expect 200 "through http_proxy" "$U/proxied.txt"
cmp -s "$T/b" "$T/up/small.txt" || fail "proxied body differs"
grep -q '^GET http://upstream.invalid/files/small.txt 200 ' "$T/up-req.log" ||
	fail "not through the proxy: $(tail -3 "$T/up-req.log")"
grep -q '^GET http://127.0.0.1' "$T/up-req.log" && fail "no_proxy was ignored"
note "http_proxy and no_proxy: ok"

kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died: $(tail "$T/bootweb.log")"
exit 0
