#!/bin/sh
# files.sh: bootweb serving files with curl and a raw-socket client:
# HEAD then GET of a bootloader (UEFI HTTP Boot), every kind of byte range,
# a range past 4 GiB in a sparse file, traversal attempts (.., %2e%2e,
# encoded slashes, symlinks out, the database itself), malformed requests
# followed by a good one, the admin plane, and the privilege drop.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
need_cmd curl python3 sqlite3

PORT=$((20000 + $$ % 12000))
APORT=$((PORT + 1))
U=http://127.0.0.1:$PORT
mkdir -p "$T/ipxe" "$T/boot/sub" "$T/outside"
head -c 70001 /dev/urandom >"$T/ipxe/snponly.efi"
head -c 5000 /dev/urandom >"$T/ipxe/undionly.kpxe"
head -c $((8 * 1024 * 1024 + 3)) /dev/urandom >"$T/boot/vmlinuz"
echo "initrd" >"$T/boot/sub/initrd.gz"
echo "secret" >"$T/outside/secret"
ln -s /etc/passwd "$T/boot/out-link"
ln -s / "$T/boot/root-link"
ln -s sub/initrd.gz "$T/boot/in-link"
# A sparse 5 GiB file with a marker 4.5 GiB in: offsets past 32 bits.
truncate -s 5G "$T/boot/big.img"
printf 'MARKER-4.5G!' | dd of="$T/boot/big.img" bs=1 seek=4831838208 conv=notrunc 2>/dev/null
CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe")
$BOOTCTL -D "$DB" db init >/dev/null || fail "db init"
"$BOOTCTL" -D "$DB" settings set metrics.allow 127.0.0.1 >/dev/null ||
	fail "metrics.allow"	# /metrics without a token
chown -R nobody: "$T"
start_bg bootweb "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $PORT -P $APORT
wait_for 5 curl -sf -o /dev/null "$U/snponly.efi" || fail "bootweb did not start: $(cat "$T/bootweb.log")"

# get ARGS...: status code on stdout, headers in $T/h, body in $T/b
get() { curl -s -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"; }
hdr() { tr -d '\r' <"$T/h" | sed -n "s/^$1: //Ip" | head -1; }
expect() {	# expect WANT WHAT ARGS...
	local want=$1 what=$2 got; shift 2
	got=$(get "$@")
	[ "$got" = "$want" ] || fail "$what: status $got, expected $want ($(head -c 200 "$T/b"))"
}

# The UEFI HTTP Boot sequence: HEAD, then GET, both with the length and the type.
expect 200 "HEAD bootloader" -I -A UefiHttpBoot/1.0 "$U/snponly.efi"
[ "$(hdr content-length)" = 70001 ] || fail "HEAD Content-Length $(hdr content-length)"
[ "$(hdr content-type)" = application/efi ] || fail "HEAD Content-Type $(hdr content-type)"
# curl -I writes the headers where the body would go: nothing else may be there.
nobody() { ! tr -d '\r' <"$T/b" | grep -qv '^HTTP/\|^[A-Za-z-]*: \|^$'; }
nobody || fail "HEAD sent a body"
expect 200 "GET bootloader" -A UefiHttpBoot/1.0 "$U/snponly.efi"
cmp -s "$T/b" "$T/ipxe/snponly.efi" || fail "GET bootloader: body differs"
[ "$(hdr content-type)" = application/efi ] || fail "GET Content-Type"
expect 200 "undionly" "$U/undionly.kpxe"
[ "$(hdr content-type)" = application/octet-stream ] || fail "kpxe Content-Type $(hdr content-type)"
expect 404 "missing bootloader" "$U/nosuch.efi"
note "HEAD then GET of a bootloader: ok"

# Whole file, and each kind of range.
F=$T/boot/vmlinuz
SIZE=$(stat -c %s "$F")
expect 200 "GET kernel" "$U/data/boot/vmlinuz"
cmp -s "$T/b" "$F" || fail "kernel body differs"
[ "$(hdr accept-ranges)" = bytes ] || fail "no Accept-Ranges"
ETAG=$(hdr etag); LASTMOD=$(hdr last-modified)
expect 206 "single range" -r 100-199 "$U/data/boot/vmlinuz"
[ "$(hdr content-range)" = "bytes 100-199/$SIZE" ] || fail "Content-Range $(hdr content-range)"
[ "$(hdr content-length)" = 100 ] || fail "range length"
tail -c +101 "$F" | head -c 100 | cmp -s - "$T/b" || fail "single range bytes"
expect 206 "suffix range" -H "Range: bytes=-1000" "$U/data/boot/vmlinuz"
[ "$(hdr content-range)" = "bytes $((SIZE - 1000))-$((SIZE - 1))/$SIZE" ] || fail "suffix $(hdr content-range)"
tail -c 1000 "$F" | cmp -s - "$T/b" || fail "suffix bytes"
expect 206 "open-ended range" -r 8388600- "$U/data/boot/vmlinuz"
tail -c +8388601 "$F" | cmp -s - "$T/b" || fail "open-ended bytes"
expect 206 "range past the end is clipped" -r $((SIZE - 5))-99999999999 "$U/data/boot/vmlinuz"
[ "$(stat -c %s "$T/b")" = 5 ] || fail "clipped range length"
expect 206 "If-Range with the ETag" -r 0-9 -H "If-Range: $ETAG" "$U/data/boot/vmlinuz"
expect 206 "If-Range with the date" -r 0-9 -H "If-Range: $LASTMOD" "$U/data/boot/vmlinuz"
expect 200 "If-Range with a stale ETag" -r 0-9 -H 'If-Range: "stale"' "$U/data/boot/vmlinuz"
cmp -s "$T/b" "$F" || fail "stale If-Range must send the whole file"
expect 416 "unsatisfiable range" -r $SIZE- "$U/data/boot/vmlinuz"
[ "$(hdr content-range)" = "bytes */$SIZE" ] || fail "416 Content-Range $(hdr content-range)"
expect 416 "zero suffix" -H "Range: bytes=-0" "$U/data/boot/vmlinuz"
expect 200 "several ranges: whole file" -r 0-1,5-6 "$U/data/boot/vmlinuz"
expect 200 "bad range syntax is ignored" -H "Range: bytes=z-1" "$U/data/boot/vmlinuz"
expect 206 "HEAD with a range" -I -r 0-9 "$U/data/boot/vmlinuz"
[ "$(hdr content-length)" = 10 ] && nobody || fail "HEAD range"
expect 206 "range past 4 GiB" -r 4831838208-4831838219 "$U/data/boot/big.img"
[ "$(cat "$T/b")" = "MARKER-4.5G!" ] || fail "bytes at 4.5 GiB: $(cat "$T/b")"
[ "$(hdr content-range)" = "bytes 4831838208-4831838219/5368709120" ] || fail "4.5 GiB Content-Range"
expect 200 "HEAD of 5 GiB" -I "$U/data/boot/big.img"
[ "$(hdr content-length)" = 5368709120 ] || fail "5 GiB Content-Length $(hdr content-length)"
note "ranges: ok"

# No way out of the data directory.
expect 200 "symlink inside" "$U/data/boot/in-link"
expect 403 "symlink out" "$U/data/boot/out-link"
expect 403 "symlink to /" "$U/data/boot/root-link/etc/passwd"
for p in "/data/../netboot.conf" "/data/boot/../../netboot.conf" "/data/%2e%2e/netboot.conf" \
    "/data/boot%2fvmlinuz" "/data/boot%2F..%2F..%2Fetc%2Fpasswd" "/data/..%5cnetboot.conf" \
    "/data/boot/./vmlinuz" "/data//etc/passwd" "/data/netboot.db" "/data/netboot.db-wal" \
    "/data/boot/sub" "/data/" "/../../etc/passwd" "/%2e%2e/%2e%2e/etc/passwd"; do
	code=$(get --path-as-is "$U$p")
	case $code in 403|404) ;; *) fail "$p: status $code";; esac
	! grep -q "secret\|root:" "$T/b" || fail "$p leaked a file"
done
note "traversal attempts: ok"

# Malformed requests, then a good one on the same daemon.
python3 - "$PORT" <<'EOF' || fail "malformed requests"
import socket, sys
port = int(sys.argv[1])
def ask(data, name):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    got = b""
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass	# the server may close before it read everything: fine
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except OSError:
        pass
    finally:
        s.close()
    line = got.split(b"\r\n", 1)[0]
    if got and not line.startswith(b"HTTP/1.1 4") and not line.startswith(b"HTTP/1.0 4"):
        sys.exit("%s: answered %r" % (name, line))
    print("# %s: %s" % (name, line.decode() if got else "closed"))
ask(b"GARBAGE\r\n\r\n", "garbage request line")
ask(b"\x00\x01\x02\xff\r\n\r\n", "binary junk")
ask(b"GET /snponly.efi HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 200000 + b"\r\n\r\n", "200 KB header")
ask(b"GET /snponly.efi HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(20000)) + b"\r\n", "20000 headers")
ask(b"BREW /snponly.efi HTTP/1.1\r\nHost: x\r\n\r\n", "unknown method")
ask(b"DELETE /snponly.efi HTTP/1.1\r\nHost: x\r\n\r\n", "DELETE")
ask(b"POST /snponly.efi HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "POST to a file")
ask(b"GET /data/%zz HTTP/1.1\r\nHost: x\r\n\r\n", "bad percent-encoding")
ask(b"GET /data/boot/vmlinuz%00.efi HTTP/1.1\r\nHost: x\r\n\r\n", "encoded NUL")
ask(b"GET /data/%e HTTP/1.1\r\nHost: x\r\n\r\n", "truncated escape")
ask(b"GET snponly.efi HTTP/1.1\r\nHost: x\r\n\r\n", "relative target")
ask(b"GET /snponly.efi HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/9.9")
ask(b"POST /api/v1/self/done HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\nx", "huge body")
EOF
kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died: $(tail "$T/bootweb.log")"
expect 200 "good request after the bad ones" "$U/snponly.efi"
cmp -s "$T/b" "$T/ipxe/snponly.efi" || fail "good request body"
note "malformed requests: ok"

# Keep-alive: several requests on one connection, every reply with a length.
curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
    "$U/snponly.efi" "$U/data/boot/sub/initrd.gz" "$U/nosuch" >"$T/ka"
[ "$(cat "$T/ka" | tr '\n' ' ')" = "200 1 200 0 404 0 " ] || fail "keep-alive: $(cat "$T/ka")"

# Admin plane: /metrics for an address in metrics.allow.
expect 200 "metrics" "http://127.0.0.1:$APORT/metrics"
grep -q '^bootweb_requests_total{code="2xx"} [1-9]' "$T/b" || fail "metrics: $(cat "$T/b")"
expect 401 "admin API without a token" "http://127.0.0.1:$APORT/api/v1/clients"

# Dropped to the configured user after binding.
[ "$(ps -o user= -p "$(cat "$T/bootweb.pid")")" = nobody ] || fail "not running as nobody"
sleep 0.3
n=$(db_sql "SELECT count(*) FROM events WHERE kind = 'http-bootloader'")
[ "$n" -ge 1 ] || fail "no http-bootloader event"
note "admin plane, privileges, events: ok"
exit 0
