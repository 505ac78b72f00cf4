#!/bin/sh
# pxedhcpd-policy: the answer comes from the database, edited by bootctl
# while the daemon runs: deny/allow, suspended, unknown_clients = ignore,
# next boot in the event, server_address, pxe.reply_delay_ms; then static mode (a known client gets its
# address and lease options byte for byte, anything else nothing).
. "$top_srcdir/tests/helpers/pxedhcpd-lib.sh"

KNOWN=52:54:00:77:10:01
OTHER=52:54:00:77:10:02
STATIC=52:54:00:77:10:03
SUSPEND="$top_builddir/tests/helpers/pxedhcpd-suspend"
[ -x "$SUSPEND" ] || fail "$SUSPEND is not built (make check builds it)"

pxedhcpd_start
bctl client add "$KNOWN" --name known1
client expect-offer "$KNOWN"
bctl client deny "$KNOWN"
client expect-none "$KNOWN"
bctl client allow "$KNOWN"
client expect-offer "$KNOWN"
"$SUSPEND" "$DB" "$KNOWN" 1 || fail "cannot suspend"
client expect-none "$KNOWN"
"$SUSPEND" "$DB" "$KNOWN" 0 || fail "cannot unsuspend"
bctl client next-boot "$KNOWN" local
client expect-offer "$KNOWN"

client expect-offer "$OTHER"		# unknown_clients = answer (default)
bctl settings set unknown_clients ignore
client expect-none "$OTHER"		# discovered, not known
client expect-offer "$KNOWN"
bctl settings set unknown_clients answer
client expect-offer "$OTHER"

sleep 0.5	# one writer tick
db_sql "SELECT detail FROM events WHERE kind = 'dhcp-ignore'" >"$T/ign"
grep -q "ignored: denied" "$T/ign" || fail "no event for the denied client: $(cat "$T/ign")"
grep -q "ignored: suspended" "$T/ign" || fail "no event for the suspended client"
grep -q "ignored: unknown client and unknown_clients = ignore" "$T/ign" ||
	fail "no event for the unknown client"
db_sql "SELECT detail FROM events WHERE kind = 'dhcp-offer' AND mac = '$KNOWN'" |
	grep -q "next boot local" || fail "next boot not in the offer event"
st=$(db_sql "SELECT state, CAST(first_seen > 0 AS INTEGER), CAST(last_seen >= first_seen AS INTEGER) FROM clients WHERE mac = '$OTHER'")
[ "$st" = "discovered|1|1" ] || fail "unknown client recorded as '$st'"

# Settings that change the reply: the announced address, a reply delay.
bctl settings set server_address 10.77.0.9
client expect-server "$KNOWN" 10.77.0.9
bctl settings unset server_address
bctl settings set pxe.reply_delay_ms 400
client expect-delay "$KNOWN" 400
bctl settings set pxe.reply_delay_ms 0

# MAC-OUI architecture overrides (pxedhcpd(8), PROXY MODE: the Raspberry Pi
# bootloader reports arch 0): only a client reporting 0 is re-mapped.
for bad in arch.oui.DCA632 arch.oui.dca63 arch.oui.dca6321 arch.oui.dca63g arch.oui.; do
	"$BOOTCTL" -D "$DB" settings set "$bad" 41 >/dev/null 2>&1 && fail "$bad accepted"
done
"$BOOTCTL" -D "$DB" settings set arch.oui.dca632 rpi >/dev/null 2>&1 && fail "arch rpi accepted"
"$BOOTCTL" -D "$DB" settings set arch.oui.dca632 65536 >/dev/null 2>&1 && fail "arch 65536 accepted"
bctl settings set arch.oui.dca632 41
bctl settings set bootloader.41 rpi/bootcode.bin
bctl settings set arch.oui.d83add 11
bctl settings set bootloader.11 rpi-arm64.efi
"$BOOTCTL" -D "$DB" settings get >"$T/set" 2>&1
grep -q 'arch\.oui\.dca632.*41' "$T/set" || fail "arch.oui.dca632 not listed: $(cat "$T/set")"
client oui dc:a6:32:01:02:03 0 41 rpi/bootcode.bin	# BIOS-like: 43.6 = 8
client oui d8:3a:dd:01:02:03 0 11 rpi-arm64.efi		# UEFI: no option 43
client oui dc:a6:32:01:02:04 11 11 rpi-arm64.efi	# a Pi with UEFI firmware keeps 11
client oui b8:27:eb:01:02:03 0 0 undionly.kpxe		# no override for this OUI
bctl settings unset arch.oui.dca632
client oui dc:a6:32:01:02:03 0 0 undionly.kpxe
sleep 0.5
db_sql "SELECT detail FROM events WHERE mac = 'd8:3a:dd:01:02:03'" |
	grep -q "arch 11" || fail "override not in the event: $(db_sql \
	"SELECT detail FROM events WHERE mac = 'd8:3a:dd:01:02:03'")"

# Static mode.
bctl settings set static.enabled yes
bctl settings set static.router 10.77.0.1
bctl settings set static.dns 10.77.0.1
bctl settings set static.domain lab.example
bctl client add "$STATIC" --ip 10.77.0.60 --hostname pxe-static
client static "$STATIC" 10.77.0.60 pxe-static
bctl settings set static.others ignore
client expect-none "$OTHER"
bctl settings set static.others proxy
client expect-offer "$OTHER"
sleep 0.5
db_sql "SELECT detail FROM events WHERE mac = '$STATIC'" >"$T/st"
grep -q "static offer of 10.77.0.60, boot file undionly.kpxe" "$T/st" ||
	fail "static offer event: $(cat "$T/st")"
grep -q "REQUEST for 10.77.0.61 ignored" "$T/st" || fail "static refusal event: $(cat "$T/st")"
exit 0
