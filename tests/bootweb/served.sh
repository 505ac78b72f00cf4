#!/bin/sh
# served.sh: only boot files are served (netboot(7), "What is
# served"). Replays each way the database once leaked from the data
# directory: the database, its -wal and -shm, a `bootctl db backup`
# there, a hard link and a renamed copy of it, any SQLite journal or WAL
# by its header, dot-files and a killed import's .import-* directory (by
# name, %2e-encoded and through a symlink). Then an image added with an
# absolute --kernel outside the data directory, as README's example does,
# is served by its name (/image/NAME/...), its script names those URLs
# and its directory stays unexposed; absolute-form request targets (RFC
# 9112 §3.2.2) are served; every 4xx is an http-error event with its
# path, never a capability, and a flood of them is rate-limited.
. "${top_srcdir:-.}/tests/helpers/lib.sh"
sqlite_only "the database, its WAL and backups as files in the data directory"
need_root
need_cmd curl python3 sqlite3

PORT=$((20000 + ($$ + 7) % 12000))
U=http://127.0.0.1:$PORT
A=52:54:00:5e:00:01
mkdir -p "$T/boot" "$T/.import-x" "$T/ipxe"
# Outside the data directory ($T, which holds the database), as /srv/di is.
SRV=$(mktemp -d /tmp/nbsrv.XXXXXXXX) || fail "mktemp"
at_exit "rm -rf '$SRV'"
chmod 0755 "$SRV"
mkdir -p "$SRV/di"
head -c 100000 /dev/urandom >"$T/boot/vmlinuz"
head -c 5000 /dev/urandom >"$T/ipxe/snponly.efi"
echo hidden >"$T/ipxe/.hidden.efi"
echo "partial" >"$T/.import-x/initrd.gz"
echo "dot" >"$T/boot/.netrc"
ln -s ../.import-x/initrd.gz "$T/boot/partial-link"
# README's example: the kernel and initrd of an image outside the data directory.
head -c 30000 /dev/urandom >"$SRV/di/linux"
head -c 20000 /dev/urandom >"$SRV/di/initrd.gz"
CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe")
"$BOOTCTL" -D "$DB" db init >/dev/null || fail "db init"
bc() { "$BOOTCTL" -D "$DB" "$@"; }
bc image add debian12 --kernel "$SRV/di/linux" --initrd "$SRV/di/initrd.gz" \
    --cmdline 'auto=true priority=critical' >/dev/null || fail "image add"
bc client add $A --name vm1 --ip 127.0.0.2 --image debian12 >/dev/null || fail "client add"
bc client next-boot $A install >/dev/null || fail "next-boot"
bc settings set default_action image >/dev/null
bc db backup "$T/backup-1.db" >/dev/null || fail "db backup"
bc file add db.bin --global --local "$DB" >/dev/null || fail "file add"
cp "$T/backup-1.db" "$T/boot/initrd.img"	# a copy under a boot file's name
ln "$DB" "$T/boot/kernel"			# a hard link to the live database
# A rollback journal and a WAL file by their magic numbers (sqlite.org file format).
python3 - "$T/boot" <<'EOF'
import sys
d = sys.argv[1]
open(d + "/old.journal", "wb").write(bytes.fromhex("d9d505f920a163d7") + bytes(504))
open(d + "/x.log", "wb").write(bytes.fromhex("377f0682002de218") + bytes(24))
EOF
chown -R nobody: "$T"
start_bg bootweb "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $PORT -P 0
wait_for 5 curl -sf -o /dev/null "$U/data/boot/vmlinuz" ||
	fail "bootweb did not start: $(cat "$T/bootweb.log")"
# The daemon holds the database open in WAL mode: -wal and -shm exist.
[ -e "$DB-shm" ] || fail "no $DB-shm to attack"
[ -e "$DB-wal" ] || fail "no $DB-wal to attack"

get() { curl -s -o "$T/b" -w '%{http_code}' "$@"; }
expect() {	# expect WANT WHAT ARGS...
	local want=$1 what=$2 got; shift 2
	got=$(get "$@")
	[ "$got" = "$want" ] || fail "$what: status $got, expected $want ($(head -c 200 "$T/b"))"
}
has() { grep -qF -- "$1" "$T/b" || fail "$2: lacks '$1' in: $(cat "$T/b")"; }
sqlite_in() { grep -q "SQLite format 3" "$T/b" && fail "$1: a database was sent"; :; }

# The database and everything of SQLite, under any name.
for p in netboot.db netboot.db-wal netboot.db-shm backup-1.db boot/initrd.img boot/kernel \
    boot/old.journal boot/x.log; do
	expect 404 "/data/$p" "$U/data/$p"
	sqlite_in "/data/$p"
	expect 404 "HEAD /data/$p" -I "$U/data/$p"
done
expect 404 "the database as a virtual local file" "$U/db.bin"
sqlite_in "/db.bin"
note "database, -wal, -shm, backup, copy, hard link, journal, WAL, local file: 404"
# Dot-files and the partial import, by name, encoded, through a symlink.
for p in .import-x/initrd.gz %2eimport-x/initrd.gz boot/.netrc boot/%2Enetrc boot/partial-link; do
	expect 404 "/data/$p" "$U/data/$p"
	grep -q partial "$T/b" && fail "/data/$p: the partial import was sent"
done
expect 404 "dot bootloader" "$U/.hidden.efi"
# Control bytes encoded in a path would reach logs and events (fuzz-http).
expect 400 "an encoded newline" "$U/data/a%0ab"
expect 400 "an encoded DEL" "$U/data/boot/vmlinuz%7f"
expect 200 "bootloader" "$U/snponly.efi"
expect 200 "kernel of the data directory" "$U/data/boot/vmlinuz"
cmp -s "$T/b" "$T/boot/vmlinuz" || fail "vmlinuz differs"
note "dot-files and .import-*: 404; boot files: 200"

# README's example: an image outside the data directory, by its name.
expect 200 "script" --interface 127.0.0.2 "$U/boot?mac=$A"
has "kernel $U/image/debian12/kernel/linux initrd=initrd.gz auto=true priority=critical" \
    "kernel line"
has "initrd $U/image/debian12/initrd/0/initrd.gz" "initrd line"
grep -q "$SRV" "$T/b" && fail "the script exposes the directory: $(cat "$T/b")"
expect 200 "image kernel" "$U/image/debian12/kernel/linux"
cmp -s "$T/b" "$SRV/di/linux" || fail "image kernel differs"
expect 200 "image kernel, no basename" "$U/image/debian12/kernel"
expect 206 "image initrd range" -r 0-99 "$U/image/debian12/initrd/0/initrd.gz"
[ "$(wc -c <"$T/b")" = 100 ] || fail "initrd range: $(wc -c <"$T/b") bytes"
expect 200 "image initrd" "$U/image/debian12/initrd/0/initrd.gz"
cmp -s "$T/b" "$SRV/di/initrd.gz" || fail "image initrd differs"
for p in image/debian12/initrd/1 image/debian12/initrd/-1 image/debian12/initrd/x \
    image/debian12/kernel/a/b image/debian12 image/debian12/ image/nosuch/kernel \
    image/debian12/cmdline "data$SRV/di/linux" data/../../$SRV/di/linux; do
	expect 404 "/$p" "$U/$p"
done
note "README's image add --kernel /abs/path: served as /image/debian12/..., 200"

# Absolute-form request targets (RFC 9112 §3.2.2): the path counts, not the authority.
expect 200 "absolute form" --request-target "http://other.example:1/data/boot/vmlinuz" \
    "$U/"
cmp -s "$T/b" "$T/boot/vmlinuz" || fail "absolute form: body differs"
expect 200 "absolute form via a proxy" -x "$U" "http://netboot.invalid/boot.ipxe"
has "#!ipxe" "absolute-form boot.ipxe"
expect 404 "absolute form, no path" --request-target "http://other.example" "$U/"
expect 404 "absolute form of the database" --request-target "HTTP://x/data/netboot.db" "$U/"
expect 400 "a relative target" --request-target "data/boot/vmlinuz" "$U/"
note "absolute-form targets: served by their path"

# Failed fetches are events, with the path but never what follows
# /unattended/ or /api/v1/self/ (capabilities), from the client's address.
expect 403 "unattended" --interface 127.0.0.2 "$U/unattended/SECRETMAC/preseed.cfg"
code=$(get --interface 127.0.0.2 "$U/t/SECRETTOKEN/preseed.cfg")
case $code in 4??) ;; *) fail "a bad token URL got $code";; esac
expect 404 "missing initrd" --interface 127.0.0.2 "$U/image/debian12/initrd/7/x"
ev() { db_sql "SELECT ifnull(mac, '-') || ' ' || detail FROM events
    WHERE daemon = 'bootweb' AND kind = '$1' ORDER BY id"; }
got_event() { db_sql "SELECT detail FROM events" | grep -qF -- "$1"; }
wait_for 5 got_event initrd/7/x || fail "no event for the missing initrd"
ev http-error >"$T/ev"
grep -qx -- "- 404 GET /data/netboot.db" "$T/ev" || fail "no http-error event: $(cat "$T/ev")"
grep -qx -- "- 404 HEAD /data/netboot.db" "$T/ev" || fail "no HEAD event: $(cat "$T/ev")"
grep -qx -- "$A 404 GET /image/debian12/initrd/7/x" "$T/ev" ||
	fail "no event for the client: $(cat "$T/ev")"
grep -qx -- "$A 403 GET /unattended/..." "$T/ev" || fail "unattended event: $(cat "$T/ev")"
grep -qx -- "$A $code GET /t/..." "$T/ev" || fail "token event: $(cat "$T/ev")"
grep -q "SECRET" "$T/ev" && fail "a capability reached the events"
ev http-kernel | grep -q "served /image/debian12/kernel/linux" ||
	fail "no http-kernel event: $(ev http-kernel)"
ev http-initrd | grep -q "served /image/debian12/initrd/0/initrd.gz" ||
	fail "no http-initrd event: $(ev http-initrd)"
# A file of the data directory that is an image's kernel says so, from
# the cache (any image's, not only the client's), with the client's MAC.
bc image add inside --kernel boot/vmlinuz --initrd boot/initrd.img >/dev/null || fail "image add inside"
expect 200 "an image's kernel in the data directory" --interface 127.0.0.2 \
    "$U/data/boot/vmlinuz"
i=0
until ev http-kernel | grep -qx -- "$A served /data/boot/vmlinuz"; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "no http-kernel event for /data: $(ev http-kernel)"
	sleep 0.1
done
bc client timeline $A >"$T/tl" || fail "client timeline"
grep -q "http-error .*404 GET /image/debian12/initrd/7/x" "$T/tl" ||
	fail "the timeline does not show where the boot died: $(cat "$T/tl")"
note "4xx are http-error events, in the client's timeline; capabilities stay out"

# A flood of 404s from one address: at most 20 events a minute from it.
before=$(db_sql "SELECT count(*) FROM events WHERE kind = 'http-error'
    AND ip = '127.0.0.3'")
i=0
while [ $i -lt 60 ]; do
	printf 'url = "%s/nosuch-%d"\noutput = "/dev/null"\n' "$U" $i
	i=$((i + 1))
done >"$T/flood.cfg"
curl -s --max-time 20 --interface 127.0.0.3 -K "$T/flood.cfg" || true
expect 404 "after the flood" --interface 127.0.0.4 "$U/other"
nerr() { db_sql "SELECT count(*) FROM events WHERE kind = 'http-error' AND ip = '$1'"; }
# The event queue is written behind: wait for the other address's event, which came last.
one_more() { [ "$(nerr 127.0.0.4)" = 1 ]; }
wait_for 5 one_more || fail "another address lost its event"
n=$(nerr 127.0.0.3)
[ "$((n - before))" -eq 20 ] || fail "60 404s from one address made $((n - before)) events, want 20"
note "60 failed fetches from one address: 20 events; others unaffected"
kill -0 "$(cat "$T/bootweb.pid")" || fail "bootweb died"
exit 0
