#!/bin/sh
# The flags every daemon shares (their man pages): -n checks the config, a bad
# config names file:line, bad usage exits 2, -d runs in the foreground and
# SIGTERM ends it cleanly with its events written.
. "$top_srcdir/tests/helpers/lib.sh"
need_root

conf=$(test_config "[pxedhcpd]
proxy_port = 40111
[bootweb]
admin_port = 48081")
for d in pxedhcpd tftpd bootweb; do
	bin=$top_builddir/$d/$d
	[ -x "$bin" ] || fail "$bin was not built"
	expect_rc 0 "$bin" -n -f "$conf"
	expect_out "configuration OK"
	printf '[%s]\nport = 99999\n' "$d" >"$T/bad.conf"
	expect_rc 1 "$bin" -n -f "$T/bad.conf"
	expect_err "$T/bad.conf:2: port: '99999' must be a port number"
	expect_rc 1 "$bin" -n -f "$T/missing.conf"
	expect_err "$T/missing.conf"
	expect_rc 2 "$bin" -Z
	expect_err "usage: $d"
	expect_rc 2 "$bin" -p 0 -n -f "$conf"
	expect_rc 2 "$bin" -l not-an-address -n -f "$conf"
	# -h and --help: the usage on stdout, exit 0; --version names the suite.
	for h in -h --help; do
		expect_rc 0 "$bin" $h
		expect_out "usage: $d [-dhnv]"
	done
	expect_rc 0 "$bin" --version
	grep -qx "$d (netboot) [0-9][0-9.]*" "$T/out" || fail "$d --version: $(cat "$T/out")"
done

# Each daemon starts in the foreground on a high port, as root it drops
# to the config's user, and SIGTERM makes it exit 0. In a namespace of its
# own: fixed ports on the host's loopback could be another test's.
ns=$(netns_new flags)
start_bg pxedhcpd ip netns exec "$ns" "$PXEDHCPD" -d -f "$conf" -l 127.0.0.1 -p 40067
start_bg tftpd ip netns exec "$ns" "$TFTPD" -d -f "$conf" -l 127.0.0.1 -p 40069 "$T"
start_bg bootweb ip netns exec "$ns" "$BOOTWEB" -d -f "$conf" -l 127.0.0.1 -p 48080
sleep 2
for d in pxedhcpd tftpd bootweb; do
	pid=$(cat "$T/$d.pid")
	kill -0 "$pid" 2>/dev/null || fail "$d died at start: $(cat "$T/$d.log")"
	user=$(ps -o user= -p "$pid")
	[ "$user" = nobody ] || fail "$d runs as '$user', not nobody"
	kill -TERM "$pid"
	rc=0
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && fail "$d still runs 10 s after SIGTERM"
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || fail "$d exited $rc after SIGTERM: $(tail -5 "$T/$d.log")"
done
[ "$(sqlite3 "$DB" 'PRAGMA journal_mode')" = wal ] || fail "the database is not in WAL mode"
exit 0
