#!/bin/sh
# basic.sh: real clients (curl, atftp, tftp-hpa) fetch files of the
# sizes where TFTP implementations break (0, 511, 512, 513, exact multiples
# of the block size, 1 MiB, and 40 MiB at blksize 512, which needs block
# numbers to roll over), in octet and netascii mode; every copy is compared
# by checksum, and every transfer leaves its events.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
need_cmd curl atftp tftp sqlite3

for n in 0 511 512 513 1024 1536 2936 4096; do mkfile "f$n" "$n"; done
mkfile 1m 1048576
mkfile 40m 41943040
printf 'line one\nline two\r\nbare CR\r here\n\nend without newline' >"$ROOT/text.txt"
mkdir -p "$ROOT/sub/dir"
mkfile sub/dir/deep.bin 3000
tftpd_start

O=$T/out
mkdir "$O"
curl_get() {	# curl_get FILE OUT [curl options]
	local f=$1 out=$2; shift 2
	nsx curl -sS --max-time 60 "$@" -o "$out" "tftp://127.0.0.1/$f" ||
		fail "curl $* $f failed: $(tail -3 "$T/tftpd.log")"
}
atftp_get() {	# atftp_get FILE OUT [atftp options]
	local f=$1 out=$2; shift 2
	nsx atftp "$@" -g -r "$f" -l "$out" 127.0.0.1 69 >"$T/atftp.out" 2>&1 ||
		fail "atftp $* $f failed: $(cat "$T/atftp.out")"
}
hpa_get() {	# hpa_get FILE OUT [mode]
	nsx tftp 127.0.0.1 69 -m "${3:-binary}" -c get "$1" "$2" >"$T/hpa.out" 2>&1 ||
		fail "tftp-hpa $1: $(cat "$T/hpa.out")"
	grep -qi 'error\|timed out' "$T/hpa.out" && fail "tftp-hpa $1: $(cat "$T/hpa.out")"
	return 0
}

# curl: default options (curl asks blksize 512, tsize, timeout), then larger blocks.
for n in 511 512 513 1024 1536; do
	curl_get "f$n" "$O/c$n"; same "$ROOT/f$n" "$O/c$n" "curl f$n"
done
curl_get f2936 "$O/c2936b" --tftp-blksize 1468; same "$ROOT/f2936" "$O/c2936b" "curl blksize 1468"
curl_get 1m "$O/c1m" --tftp-blksize 1468; same "$ROOT/1m" "$O/c1m" "curl 1 MiB blksize 1468"
curl_get 1m "$O/c1m8" --tftp-blksize 8192; same "$ROOT/1m" "$O/c1m8" "curl 1 MiB blksize 8192"
curl_get 1m "$O/c1m512" --tftp-blksize 512; same "$ROOT/1m" "$O/c1m512" "curl 1 MiB blksize 512"
curl_get sub/dir/deep.bin "$O/deep"; same "$ROOT/sub/dir/deep.bin" "$O/deep" "curl subdirectory"
note "curl: sizes 511..1536, 1 MiB at 512, 1468, 8192"

# curl, 40 MiB at blksize 512: 81921 blocks, so block numbers wrap past 65535 to 0.
curl_get 40m "$O/c40m" --tftp-blksize 512; same "$ROOT/40m" "$O/c40m" "curl 40 MiB blksize 512"
note "curl: 40 MiB at blksize 512 (block numbers rolled over)"

# atftp: the empty file, the 512 edges, options, windows.
for n in 0 511 512 513 4096; do
	atftp_get "f$n" "$O/a$n"; same "$ROOT/f$n" "$O/a$n" "atftp f$n"
done
atftp_get f2936 "$O/a2936" --option "blksize 1468" --option "tsize 0"
same "$ROOT/f2936" "$O/a2936" "atftp f2936 blksize 1468"
atftp_get 1m "$O/a1m" --option "blksize 1024" --option "windowsize 8"
same "$ROOT/1m" "$O/a1m" "atftp 1 MiB windowsize 8"
atftp_get 1m "$O/a1m64" --option "blksize 1468" --option "windowsize 64" --option "tsize 0"
same "$ROOT/1m" "$O/a1m64" "atftp 1 MiB windowsize 64"
atftp_get 40m "$O/a40m" --option "blksize 512"
same "$ROOT/40m" "$O/a40m" "atftp 40 MiB blksize 512"
note "atftp: 0..4096 bytes, blksize/tsize/windowsize, 40 MiB at 512"

# tftp-hpa: no options at all (plain RFC 1350).
for n in 511 512 513 1024; do
	hpa_get "f$n" "$O/h$n"; same "$ROOT/f$n" "$O/h$n" "tftp-hpa f$n"
done
hpa_get 1m "$O/h1m"; same "$ROOT/1m" "$O/h1m" "tftp-hpa 1 MiB"
note "tftp-hpa: 511..1024 bytes and 1 MiB"

# netascii: the client turns CR LF back into LF and CR NUL into CR.
hpa_get text.txt "$O/h.txt" ascii; same "$ROOT/text.txt" "$O/h.txt" "tftp-hpa netascii"
# curl asks for netascii but keeps the bytes as they came: CR LF and CR NUL.
$PY -c 'import sys; sys.stdout.buffer.write(open(sys.argv[1], "rb").read().replace(b"\r", b"\r\0").replace(b"\n", b"\r\n"))' \
    "$ROOT/text.txt" >"$T/text.netascii"
curl_get "text.txt;mode=netascii" "$O/c.txt"; same "$T/text.netascii" "$O/c.txt" "curl netascii"
# and split over blocks of 8 bytes, where CR LF pairs straddle blocks
nsx $CLIENT get 127.0.0.1 69 text.txt "$O/raw.txt" --netascii blksize 8 >"$T/py.out" ||
	fail "netascii by blocks of 8: $(cat "$T/py.out")"
same "$T/text.netascii" "$O/raw.txt" "netascii in 8-byte blocks"
note "netascii: tftp-hpa, curl, and the raw encoding across 8-byte blocks"

# Events: a start and a done for each transfer, with bytes and options.
events tftp-done >"$T/done"
grep -q '^40m: 41943040 bytes in .*blksize=512' "$T/done" || fail "no tftp-done event for 40m: $(tail -3 "$T/done")"
grep -q '^f0: 0 bytes' "$T/done" || fail "no tftp-done event for the empty file"
grep -q 'windowsize=64' "$T/done" || fail "windowsize missing from the events"
starts=$(events tftp-start | wc -l)
dones=$(wc -l <"$T/done")
[ "$starts" = "$dones" ] || fail "$starts tftp-start events but $dones tftp-done"
[ "$(events tftp-error | wc -l)" = 0 ] || fail "unexpected tftp-error events: $(events tftp-error)"
note "events: $starts starts, $dones done, no errors"
alive
