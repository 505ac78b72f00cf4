#!/bin/sh
# served.sh: only boot files are served (netboot(7), "What is
# served"). With its default roots (the iPXE directory and the data
# directory, which holds the database), tftpd once sent the whole
# database to `tftp S -c get netboot.db`. Replays that with tftp-hpa and
# atftp, and every other way: -wal, -shm, a `bootctl db backup` in the
# data directory, a hard link and a renamed copy of the database, a
# journal and a WAL file by their headers, dot-files and a killed
# import's .import-* directory (by name and through a symlink), spelled
# with a leading /, \ and ./; the database as a virtual local file.
# Refusals are tftp-error events, at most 20 a minute per source.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
sqlite_only "the database, its WAL and backups as files in the served roots"
need_cmd atftp tftp sqlite3

"$BOOTCTL" -D "$DB" db init >/dev/null || fail "db init"
"$BOOTCTL" -D "$DB" db backup "$T/backup-1.db" >/dev/null || fail "db backup"
mkdir -p "$T/boot" "$T/.import-x"
head -c 3000 /dev/urandom >"$T/boot/vmlinuz"
echo partial >"$T/.import-x/initrd.gz"
echo dot >"$T/boot/.netrc"
ln -s ../.import-x/initrd.gz "$T/boot/partial-link"
cp "$T/backup-1.db" "$T/boot/initrd.img"
ln "$DB" "$T/boot/kernel"
$PY - "$T/boot" <<'EOF'
import sys
d = sys.argv[1]
open(d + "/old.journal", "wb").write(bytes.fromhex("d9d505f920a163d7") + bytes(504))
open(d + "/x.log", "wb").write(bytes.fromhex("377f0682002de218") + bytes(24))
EOF
"$BOOTCTL" -D "$DB" file add db.bin --global --local "$DB" >/dev/null || fail "file add"
# Default roots: no operand, no root key.
CONF=$(test_config "")
chmod -R a+rX "$T"
chown -R nobody: "$T"
start_bg tftpd ip netns exec "$NS" "$TFTPD" -d -v -f "$CONF" -l 127.0.0.1 -p 69
wait_for 5 grep -q 'tftpd: started' "$T/tftpd.log" || fail "tftpd did not start: $(cat "$T/tftpd.log")"
# The database in use, in WAL mode: tftpd opens it at the first request.
nsx tftp 127.0.0.1 69 -m binary -c get boot/vmlinuz "$T/ok" >"$T/h.out" 2>&1
same "$T/boot/vmlinuz" "$T/ok" "boot/vmlinuz from the data directory"
wait_for 5 test -e "$DB-shm" || fail "no $DB-shm to attack"

# refused NAME: tftp-hpa and atftp both get an ERROR and no byte of it.
refused() {
	rm -f "$T/x1" "$T/x2"
	nsx tftp 127.0.0.1 69 -m binary -c get "$1" "$T/x1" >"$T/h.out" 2>&1
	grep -qi 'error code' "$T/h.out" || fail "tftp-hpa '$1': $(cat "$T/h.out")"
	nsx atftp -g -r "$1" -l "$T/x2" 127.0.0.1 69 >"$T/a.out" 2>&1 && fail "atftp fetched '$1'"
	for f in "$T/x1" "$T/x2"; do
		[ -s "$f" ] && fail "'$1' sent $(wc -c <"$f") bytes"
	done
	:
}
for p in netboot.db /netboot.db '\netboot.db' ./netboot.db netboot.db-wal netboot.db-shm \
    backup-1.db boot/initrd.img boot/kernel boot/old.journal boot/x.log db.bin; do
	refused "$p"
done
note "database, -wal, -shm, backup, copy, hard link, journal, WAL, virtual local file: refused"
for p in .import-x/initrd.gz /.import-x/initrd.gz boot/.netrc boot/partial-link; do
	refused "$p"
done
note "dot-files, .import-*, a symlink to one: refused"
grep -q "netboot.db refused: it is the database" "$T/tftpd.log" || fail "no log line saying why"

# Each refusal is a tftp-error event naming the file.
sleep 0.5
db_sql "SELECT detail FROM events WHERE kind = 'tftp-error'" >"$T/ev"
grep -q "^netboot.db: netboot.db refused: it is the database" "$T/ev" ||
	fail "no event for netboot.db: $(cat "$T/ev")"
# A flood from another address: 60 refusals, 20 events.
nsx $PY - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.3", 0))
s.settimeout(2)
for i in range(60):
    s.sendto(b"\x00\x01nosuch-%d\x00octet\x00" % i, ("127.0.0.1", 69))
    s.recvfrom(1000)
EOF
nerr() { db_sql "SELECT count(*) FROM events WHERE kind = 'tftp-error' AND ip = '$1'"; }
twenty() { [ "$(nerr 127.0.0.3)" -ge 20 ]; }
wait_for 5 twenty || fail "the flood made $(nerr 127.0.0.3) events"
sleep 0.3
[ "$(nerr 127.0.0.3)" = 20 ] || fail "60 refusals from one address made $(nerr 127.0.0.3) events, want 20"
note "60 refusals from one address: 20 events"
alive
exit 0
