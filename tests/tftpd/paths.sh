#!/bin/sh
# paths.sh: nothing outside the served roots is ever read: ".." and
# absolute paths, symlinks out of a root (relative, absolute, through a
# directory), FIFOs and unreadable files; "\" and a leading "/" work; the
# first root that has a file wins; WRQ is refused; malformed requests get
# ERROR 4 or silence and the next good request is served. Then the same
# with the fallback walker that kernels without openat2(2) get.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
need_cmd atftp tftp

echo "top secret" >"$T/secret.txt"
mkfile a.bin 700
mkdir -p "$ROOT/sub" "$T/root2"
mkfile sub/b.bin 1300
head -c 900 /dev/urandom >"$T/root2/c.bin"
head -c 10 /dev/urandom >"$T/root2/a.bin"	# shadowed by the first root's a.bin
ln -s a.bin "$ROOT/in-link"
ln -s sub "$ROOT/subdir-link"
ln -s ../secret.txt "$ROOT/out-link"
ln -s /etc/passwd "$ROOT/abs-link"
ln -s .. "$ROOT/up-link"
mkfifo "$ROOT/fifo"
echo private >"$ROOT/private"
tftpd_start "" "$ROOT" "$T/root2"
chmod 600 "$ROOT/private"	# after tftpd_start, which opens the tree to others

# code FILE: the ERROR code tftpd answers an RRQ for FILE with ("data" if it serves it).
code() {
	local got
	got=$(nsx $CLIENT oack 127.0.0.1 69 "$1" | sed -n 1p)
	case "$got" in
	"b'\\x00\\x03"*|'b"\x00\x03'*) echo data;;
	"b'\\x00\\x05\\x00"*) echo "$got" | sed "s/^b'\\\\x00\\\\x05\\\\x00\\\\x0\\([0-9]\\).*/\\1/";;
	*) echo "?$got";;
	esac
}
expect_code() {	# expect_code WANT FILE
	local got
	got=$(code "$2")
	[ "$got" = "$1" ] || fail "RRQ '$2': got $got, want $1"
}

check_tree() {	# the rules, whatever resolves the paths
	expect_code 2 ../secret.txt
	expect_code 2 sub/../../secret.txt
	expect_code 2 ..
	expect_code 2 '..\secret.txt'
	expect_code 1 /etc/passwd
	expect_code 1 //etc/shadow
	expect_code 2 out-link
	expect_code 2 abs-link
	expect_code 2 up-link/secret.txt
	expect_code 1 missing.bin
	expect_code 1 sub
	expect_code 1 fifo
	expect_code 2 private
	expect_code data a.bin
	expect_code data /a.bin
	expect_code data './a.bin'
	expect_code data 'sub//b.bin'
	expect_code data '\sub\b.bin'
	expect_code data c.bin
}

check_tree
expect_code data in-link
expect_code data subdir-link/b.bin
note "openat2: .., absolute, symlinks out (relative, absolute, via a dir) refused; in-root symlinks, \\, leading / served"

# Real clients see the same.
nsx atftp -g -r ../secret.txt -l "$T/x1" 127.0.0.1 69 >"$T/a.out" 2>&1 &&
	fail "atftp fetched ../secret.txt"
grep -qi 'access violation' "$T/a.out" || fail "atftp ../secret.txt: $(cat "$T/a.out")"
nsx tftp 127.0.0.1 69 -m binary -c get out-link "$T/x2" >"$T/h.out" 2>&1
grep -qi 'access violation' "$T/h.out" || fail "tftp-hpa out-link: $(cat "$T/h.out")"
grep -q 'top secret' "$T"/x* 2>/dev/null && fail "the secret leaked"
nsx tftp 127.0.0.1 69 -m binary -c get '\sub\b.bin' "$T/b.bin" >"$T/h.out" 2>&1
same "$ROOT/sub/b.bin" "$T/b.bin" "tftp-hpa \\sub\\b.bin"
nsx atftp -g -r a.bin -l "$T/a.bin" 127.0.0.1 69 >/dev/null 2>&1
same "$ROOT/a.bin" "$T/a.bin" "the first root wins"
note "atftp and tftp-hpa: traversal refused with ERROR 2, backslash path served"

# WRQ: refused, nothing written.
got=$(nsx $CLIENT raw 127.0.0.1 69 "b'\\x00\\x02new.bin\\x00octet\\x00'" | sed -n 1p)
[ "$got" = "b'\\x00\\x05\\x00\\x02Read-only server\\x00'" ] || fail "WRQ: $got"
echo hello >"$T/up.txt"
nsx tftp 127.0.0.1 69 -m binary -c put "$T/up.txt" up.txt >"$T/h.out" 2>&1
[ -e "$ROOT/up.txt" ] && fail "a WRQ created a file"
grep -qi 'read-only\|access' "$T/h.out" || fail "tftp-hpa put: $(cat "$T/h.out")"
note "WRQ refused with ERROR 2 (tftp-hpa put and raw)"

# Malformed requests: ERROR 4 or silence, one log line each, and the daemon goes on.
bad() {	# bad WANT PYBYTES
	local got
	got=$(TFTPD_CLIENT_TIMEOUT=0.5 nsx $CLIENT raw 127.0.0.1 69 "$2" | sed -n 1p)
	case "$1:$got" in
	silence:timeout|e4:"b'\\x00\\x05\\x00\\x04"*) ;;
	*) fail "malformed $2: got $got, want $1";;
	esac
}
bad silence "b'\\x00'"
bad silence "b'\\x00\\x04\\x00\\x01'"
bad silence "b'\\x00\\x03\\x00\\x01data'"
bad silence "b'\\x00\\x05\\x00\\x01oops\\x00'"
bad silence "b'\\x00\\x01' + b'x' * 3000 + b'\\x00octet\\x00'"
bad e4 "b'\\x00\\x09file\\x00octet\\x00'"
bad e4 "b'\\x00\\x01a.bin'"
bad e4 "b'\\x00\\x01a.bin\\x00'"
bad e4 "b'\\x00\\x01a.bin\\x00octet'"
bad e4 "b'\\x00\\x01a.bin\\x00mail\\x00'"
bad e4 "b'\\x00\\x01a.bin\\x00binary\\x00'"
bad e4 "b'\\x00\\x01\\x00octet\\x00'"
nsx atftp -g -r a.bin -l "$T/a2.bin" 127.0.0.1 69 >/dev/null 2>&1
same "$ROOT/a.bin" "$T/a2.bin" "a good request after the malformed ones"
alive
[ "$(grep -c 'dropped packet\|bad request' "$T/tftpd.log")" -ge 12 ] ||
	fail "expected a log line per malformed packet: $(grep -c 'dropped packet\|bad request' "$T/tftpd.log")"
note "12 malformed requests: ERROR 4 or silence, one log line each; the next request is served"

# Kernels without openat2: a walk that follows no symlink at all.
kill "$(tftpd_pid)"
wait_for 5 sh -c "! kill -0 $(tftpd_pid) 2>/dev/null" || fail "tftpd did not stop"
mv "$T/tftpd.log" "$T/tftpd1.log"
TFTPD_NO_OPENAT2=1 tftpd_start "" "$ROOT" "$T/root2"
chmod 600 "$ROOT/private"
check_tree
expect_code 2 in-link
expect_code 2 subdir-link/b.bin
note "without openat2: the same refusals, and symlinks are not followed at all"
alive
