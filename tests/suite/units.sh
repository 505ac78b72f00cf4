#!/bin/sh
# The systemd units: valid for systemd-analyze verify, and hardened (the
# offline security exposure of each stays below 2.0, "OK").
. "$top_srcdir/tests/helpers/lib.sh"
need_cmd systemd-analyze

mkdir -p "$T/sbin" "$T/units"
for d in pxedhcpd tftpd bootweb; do
	ln -s "$top_builddir/$d/$d" "$T/sbin/$d"
	sed "s|@sbindir[@]|$T/sbin|g" "$top_srcdir/dist/netboot-$d.service.in" \
	    >"$T/units/netboot-$d.service"
done
cp "$top_srcdir/dist/netboot.target" "$T/units/"
cd "$T/units" || fail "cd"
for u in netboot-pxedhcpd.service netboot-tftpd.service netboot-bootweb.service netboot.target; do
	expect_rc 0 systemd-analyze verify --man=no "$u"
	[ -s "$T/err" ] && fail "systemd-analyze verify $u: $(cat "$T/err")"
done
for d in pxedhcpd tftpd bootweb; do
	systemd-analyze security --offline=yes "netboot-$d.service" >"$T/sec" 2>&1 ||
		fail "systemd-analyze security netboot-$d.service: $(tail -3 "$T/sec")"
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$T/sec")
	[ -n "$score" ] || fail "no exposure level for netboot-$d.service"
	note "netboot-$d.service exposure $score"
	awk -v s="$score" 'BEGIN { exit !(s < 2.0) }' ||
		fail "netboot-$d.service exposure $score is 2.0 or more: $(grep '✗' "$T/sec" | head)"
done
grep -q '^User=netboot$' "$T/units/netboot-tftpd.service" || fail "tftpd does not run as netboot"
grep -q '^CapabilityBoundingSet=$' "$T/units/netboot-bootweb.service" ||
	fail "bootweb keeps capabilities it does not need"
exit 0
