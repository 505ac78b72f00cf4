#!/bin/sh
# browser.sh: the web UI in a real browser (issue 14 point 10).
# Debian's chromium, driven by playwright-core (tests/ui/package-lock.json;
# ./quickstart test runs npm ci there), against the real daemons: two
# namespaces joined by a veth pair, srv (pxedhcpd, tftpd, bootweb; the
# browser runs here and reaches the admin plane on 127.0.0.1) and cli,
# where a simulated machine with the client's MAC walks the boot path
# (a scapy DHCP DISCOVER, TFTP, then HTTP: script, kernel, initrd,
# unattended file, self-API done) while the dashboard is watched.
# tests/ui/ui-test.mjs does the rest: see its head. Screenshots of each
# page go to tests/ui/screenshots/ in the build tree.
#
# Skips (77) only when chromium or tests/ui/node_modules is missing.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
need_root
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
UIDIR=${top_srcdir:-.}/tests/ui
[ -x "$CHROMIUM" ] || skip "$CHROMIUM is not installed (tools/deps/ui.txt)"
[ -d "$UIDIR/node_modules/playwright-core" ] ||
	skip "no $UIDIR/node_modules (cd tests/ui && npm ci)"
need_cmd node ip curl sqlite3 gzip
PY=/usr/bin/python3
"$PY" -c 'import scapy' 2>/dev/null || PY=""

SERVER_IP=10.78.0.1
CLIENT_IP=10.78.0.50
MAC=52:54:00:14:00:01
SRV=$(netns_new uisrv)
CLI=$(netns_new uicli)
at_exit "ip netns delete $SRV 2>/dev/null; ip netns delete $CLI 2>/dev/null"
ip -n "$SRV" link add srv0 type veth peer name cli0 netns "$CLI" ||
	fail "veth pair"
ip -n "$CLI" link set cli0 address "$MAC"
ip -n "$SRV" addr add "$SERVER_IP/24" dev srv0
ip -n "$CLI" addr add "$CLIENT_IP/24" dev cli0
ip -n "$SRV" link set srv0 up
ip -n "$CLI" link set cli0 up
# Wake-on-LAN to a client never seen goes to 255.255.255.255: a route for it.
ip -n "$SRV" route add default dev srv0
for ns in "$SRV" "$CLI"; do
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
	    >/dev/null 2>&1
done

# The UI as installed: the files and their gzip -9 copies.
W=$T/www
mkdir -p "$W" "$T/ipxe" "$T/boot"
for f in "${top_srcdir:-.}"/www/*.html "${top_srcdir:-.}"/www/*.js \
    "${top_srcdir:-.}"/www/*.css "${top_srcdir:-.}"/www/*.svg; do
	cp "$f" "$W/" && gzip -9 -kn "$W/$(basename "$f")" || fail "copy $f"
done
head -c 4096 /dev/urandom >"$T/ipxe/undionly.kpxe"
head -c 65536 /dev/urandom >"$T/boot/vmlinuz"
head -c 65536 /dev/urandom >"$T/boot/initrd.gz"
CONF=$(test_config "http_port = 8080
[bootweb]
ipxe_dir = $T/ipxe
www_dir = $W")
bc() { "$BOOTCTL" -f "$CONF" "$@" || fail "bootctl $*: exit $?"; }
bc db init >"$T/init.out"
ADMINPW=$(sed -n 's/.*password (shown only now): //p' "$T/init.out")
[ -n "$ADMINPW" ] || fail "no admin password: $(cat "$T/init.out")"
printf 'viewer-pw-1\n' |
    bc user add vw --role viewer --password-stdin >/dev/null
printf 'd-i netcfg/get_hostname string {{client.name}}\n' >"$T/deb.t"
bc template add deb --kind preseed --file "$T/deb.t" >/dev/null
bc image add debian --kernel "$T/boot/vmlinuz" --initrd "$T/boot/initrd.gz" \
    --cmdline 'auto=true url={{unattended_url}}' --template deb >/dev/null
bc client add "$MAC" --name web1 --image debian >/dev/null
bc client add 52:54:00:14:00:02 --name web2 >/dev/null
bc client next-boot "$MAC" install >/dev/null
# a fleet of 10,000 more, for paging
sqlite3 "$DB" "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1
    FROM n WHERE i < 9999) INSERT INTO clients (mac, state, created, updated)
    SELECT printf('02:00:00:00:%02x:%02x', i / 256, i % 256), 'discovered',
    strftime('%s','now'), strftime('%s','now') FROM n" ||
	fail "cannot add 10,000 clients"
chown -R nobody: "$T"

start_bg pxedhcpd ip netns exec "$SRV" "$PXEDHCPD" -d -v -f "$CONF"
start_bg tftpd ip netns exec "$SRV" "$TFTPD" -d -v -f "$CONF" \
    -l "$SERVER_IP" -p 69 "$T/ipxe"
start_bg bootweb ip netns exec "$SRV" "$BOOTWEB" -dv -f "$CONF" \
    -l "$SERVER_IP" -p 8080 -P 8081
wait_for 5 ip netns exec "$SRV" curl -sf -o /dev/null \
    http://127.0.0.1:8081/api/v1/health ||
	fail "bootweb did not start: $(cat "$T/bootweb.log")"
wait_for 5 grep -q 'tftpd: started' "$T/tftpd.log" ||
	fail "tftpd did not start: $(cat "$T/tftpd.log")"

# An ISO the upload step sends (when the server has the route).
ISO=""
if command -v xorriso >/dev/null 2>&1; then
	mkdir -p "$T/iso/install.amd" "$T/iso/.disk" "$T/iso/pool/main" \
	    "$T/iso/dists/bookworm"
	cp "$T/boot/vmlinuz" "$T/iso/install.amd/vmlinuz"
	cp "$T/boot/initrd.gz" "$T/iso/install.amd/initrd.gz"
	echo x >"$T/iso/dists/bookworm/Release"
	printf 'Debian GNU/Linux 12.5.0 "Bookworm" - Official amd64 NETINST 20240210-11:27' \
	    >"$T/iso/.disk/info"
	xorriso -as mkisofs -quiet -R -J -V "Debian 12.5.0 amd64 n" \
	    -o "$T/debian.iso" "$T/iso" 2>"$T/xorriso.err" &&
		ISO=$T/debian.iso
fi

# walk STEP: the machine in cli takes one step of its boot.
cat >"$T/walk.sh" <<EOF
#!/bin/sh
# walk.sh STEP: one step of a simulated boot, from the client namespace.
x() { ip netns exec $CLI "\$@"; }
S=http://$SERVER_IP:8080
case \$1 in
offer)
	if [ -n "$PY" ]; then
		x $PY ${top_srcdir:-.}/tests/helpers/pxedhcpd-client.py cli0 $SERVER_IP \
		    $CLIENT_IP 8080 expect-offer $MAC >$T/walk-offer.out 2>&1
	fi
	exit 0 ;;
loader)
	x curl -sf -o /dev/null tftp://$SERVER_IP:69/undionly.kpxe &&
	x curl -sf -o /dev/null \$S/boot.ipxe ;;
script)
	x curl -sf -o $T/script "\$S/boot?mac=$MAC&manufacturer=QEMU&product=Standard%20PC&platform=pcbios&buildarch=x86_64" ;;
kernel)
	u=\$(sed -n 's/^kernel \\([^ ]*\\).*/\\1/p' $T/script)
	x curl -sf -o /dev/null "\$u" ;;
initrd)
	for u in \$(sed -n 's/^initrd \\([^ ]*\\).*/\\1/p' $T/script); do
		x curl -sf -o /dev/null "\$u" || exit 1
	done ;;
unattended)
	u=\$(grep -o 'url=http[^ ]*' $T/script | head -1 | cut -d= -f2-)
	x curl -sf -o $T/unattended "\$u" ;;
done)
	u=\$(grep -o 'url=http[^ ]*' $T/script | head -1 | cut -d= -f2-)
	x curl -sf -o /dev/null -X POST "\${u%/*}/api/v1/self/done" ;;
*) exit 2 ;;
esac
EOF
chmod +x "$T/walk.sh"

SHOTS=${top_builddir:-.}/tests/ui/screenshots
mkdir -p "$SHOTS"
start=$(date +%s)
ip netns exec "$SRV" env UI_URL=http://127.0.0.1:8081 \
    ADMIN_PW="$ADMINPW" VIEWER_PW=viewer-pw-1 MAC="$MAC" DB="$DB" \
    WALK="$T/walk.sh" ISO="$ISO" SHOTS="$SHOTS" CHROMIUM="$CHROMIUM" \
    timeout 240 node "$UIDIR/ui-test.mjs" >"$T/node.out" 2>&1
rc=$?
cat "$T/node.out"
note "browser test: $(( $(date +%s) - start )) s, exit $rc"
[ $rc = 0 ] || fail "the browser test failed (above); bootweb log:
$(tail -n 20 "$T/bootweb.log")"
