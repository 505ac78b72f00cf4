#!/bin/sh
# bootctl db init | check | migrate | backup, and the errors of the
# command line as a whole (unknown nouns and verbs, a missing database).
# File modes: the database 0640, the state directory 0750 and, made by
# root, owned by the daemons' user; permission errors say what to chown.
# Under NB_TEST_DB=pg the SQLite file's parts (WAL, modes, backup, the
# fresh machine's directory) are left out and the rest runs on PostgreSQL.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"

# nofk SQL: run SQL with foreign keys not enforced (to break one).
nofk() {
	if [ "$NB_TEST_DB" = pg ]; then
		pg_sql "ALTER TABLE clients DISABLE TRIGGER ALL; $1;
		    ALTER TABLE clients ENABLE TRIGGER ALL" -U postgres
	else
		db_sql "PRAGMA foreign_keys = OFF; $1"
	fi
}

if [ "$NB_TEST_DB" = sqlite ]; then
# init: creates the directory and the file, in WAL mode; again: just opens it.
NEW=$T/state/sub/netboot.db
expect_rc 0 "$BOOTCTL" -D "$NEW" db init
expect_out "initialized $NEW (schema version"
[ "$(sqlite3 "$NEW" 'PRAGMA journal_mode')" = wal ] || fail "not in WAL mode"
v=$(sqlite3 "$NEW" 'PRAGMA user_version')
[ "$v" -ge 2 ] || fail "schema version $v"
expect_rc 0 "$BOOTCTL" -D "$NEW" db init
expect_out "opened $NEW (schema version $v)"
# Never readable by others (netboot(7)): the file 0640, the directory bootctl made 0750.
[ "$(stat -c %a "$NEW")" = 640 ] || fail "database mode $(stat -c %a "$NEW"), want 640"
[ "$(stat -c %a "$(dirname "$NEW")")" = 750 ] || fail "directory mode $(stat -c %a "$(dirname "$NEW")")"
for f in "$NEW"-wal "$NEW"-shm; do
	[ ! -e "$f" ] || [ "$(stat -c %a "$f")" = 640 ] || fail "$f mode $(stat -c %a "$f")"
done
# An older database readable by others is tightened by init.
chmod 0644 "$NEW"
expect_rc 0 "$BOOTCTL" -D "$NEW" db init
expect_out "$NEW was readable by others: now mode 0640"
[ "$(stat -c %a "$NEW")" = 640 ] || fail "init left mode $(stat -c %a "$NEW")"
# netboot.conf's database key is used without -D.
printf 'database = %s\n' "$NEW" >"$T/netboot.conf"
expect_rc 0 "$BOOTCTL" -f "$T/netboot.conf" db check
expect_out "$NEW: ok (schema version $v)"
else
	note "SQLite only: the new file in WAL mode, its modes, the database key"
	v=$("$BOOTCTL" -D "$DB" db check --json | jq -r .version)
fi

ok db check
expect_out "$DB: ok"
ok db check --json
json_ok
json_is 'keys | join(",")' ok,path,problems,version
json_is .ok true
json_is .path "$DB"
json_is '.problems | length' 0
ok db migrate
expect_out "already at schema version $v"

# check finds what the schema alone cannot stop: a foreign key broken
# with foreign keys off, and a schema version that is not this program's.
ok client add 52:54:00:00:00:01
nofk "UPDATE clients SET image = 'ghost'"
expect_rc 1 "$BOOTCTL" -D "$DB" db check
expect_out "refers to a missing row of images"
expect_err "1 problem"
expect_rc 1 "$BOOTCTL" -D "$DB" db check --json
json_is .ok false
json_is '.problems | length' 1
nofk "UPDATE clients SET image = NULL"

# backup: a consistent copy that opens and holds the same rows; replacing
# an older backup atomically; never a half file when it fails.
if [ "$NB_TEST_DB" = sqlite ]; then
ok client add 52:54:00:00:00:02 --name two --var k=v
ok settings set menu.timeout 7
ok db backup "$T/backup.db"
expect_out "backed up $DB to $T/backup.db"
sqlite3 "$DB" .dump >"$T/dump.live"
sqlite3 "$T/backup.db" .dump >"$T/dump.backup"
cmp -s "$T/dump.live" "$T/dump.backup" || fail "backup differs: $(diff "$T/dump.live" "$T/dump.backup" | head)"
expect_rc 0 "$BOOTCTL" -D "$T/backup.db" db check
expect_rc 0 "$BOOTCTL" -D "$T/backup.db" client show 52:54:00:00:00:02 --json
json_is .vars.k v
[ ! -e "$T/backup.db-wal" ] || [ ! -s "$T/backup.db-wal" ] || fail "backup left a WAL behind"
ok client rm 52:54:00:00:00:02
ok db backup "$T/backup.db"
[ "$(sqlite3 "$T/backup.db" 'SELECT count(*) FROM clients')" = 1 ] || fail "backup not replaced"
error "$T/nodir/b.db" db backup "$T/nodir/b.db"
ls "$T"/nodir* >/dev/null 2>&1 && fail "failed backup left files"
mkdir "$T/isdir"
error "$T/isdir" db backup "$T/isdir"
[ -z "$(ls "$T"/isdir.* 2>/dev/null)" ] || fail "failed backup left a temporary file: $(ls "$T"/isdir.*)"
else
	note "SQLite only: db backup, the fresh machine's directory and modes"
fi

# README's by-hand flow on a fresh machine, as root: db init makes the
# state directory for the daemons' user (here nobody), 0750, and creates
# the database as that user, 0640; a daemon started by hand then uses it.
if [ "$(id -u)" = 0 ] && [ "$NB_TEST_DB" = sqlite ]; then
	FRESH=$T/fresh/var/lib/netboot
	printf 'database = %s/netboot.db\nuser = nobody\n' "$FRESH" >"$T/fresh.conf"
	expect_rc 0 "$BOOTCTL" -f "$T/fresh.conf" db init
	[ "$(stat -c '%U %a' "$FRESH")" = "nobody 750" ] ||
		fail "state directory: $(stat -c '%U %a' "$FRESH")"
	[ "$(stat -c '%U %a' "$FRESH/netboot.db")" = "nobody 640" ] ||
		fail "database: $(stat -c '%U %a' "$FRESH/netboot.db")"
	[ "$(stat -c '%U %a' "$T/fresh/var")" = "root 755" ] || fail "parents: $(stat -c '%U %a' "$T/fresh/var")"
	setpriv --reuid daemon --regid daemon --clear-groups cat "$FRESH/netboot.db" \
	    >/dev/null 2>&1 && fail "another user read the database"
	if [ -x "$BOOTWEB" ] && command -v curl >/dev/null; then
		PORT=$((20000 + ($$ + 11) % 12000))
		start_bg bootweb "$BOOTWEB" -d -f "$T/fresh.conf" -l 127.0.0.1 -p $PORT -P 0
		wait_for 5 curl -sf -o /dev/null "http://127.0.0.1:$PORT/boot.ipxe" ||
			fail "bootweb as nobody on the new database: $(cat "$T/bootweb.log")"
		expect_rc 0 "$BOOTCTL" -f "$T/fresh.conf" settings set menu.timeout 3
		for f in "$FRESH"/netboot.db-*; do
			[ "$(stat -c '%U %a' "$f")" = "nobody 640" ] || fail "$f: $(stat -c '%U %a' "$f")"
		done
		kill "$(cat "$T/bootweb.pid")"
	fi
	# A directory that exists is not chowned; init says what to do.
	mkdir -p "$T/rootdir"
	printf 'database = %s/rootdir/netboot.db\nuser = nobody\n' "$T" >"$T/rootdir.conf"
	expect_rc 0 "$BOOTCTL" -f "$T/rootdir.conf" db init
	expect_err "$T/rootdir belongs to root: the daemons run as nobody"
	expect_err "chown -R nobody: $T/rootdir"
	# A permission error says whom bootctl acts as and what to chown.
	chmod 0750 "$T/rootdir"
	expect_rc 1 setpriv --reuid nobody --regid nogroup --clear-groups \
	    "$BOOTCTL" -D "$T/rootdir/netboot.db" client list
	expect_err "acting as nobody, which cannot"
	expect_err "chown -R the user the daemons run as, netboot by default, on $T/rootdir"
	note "fresh machine: directory 0750 and database 0640 for the daemons' user"
fi

usage "missing argument" db backup
usage "unexpected argument 'b'" db backup a b
usage "unexpected argument 'now'" db check now
usage "unexpected argument 'x'" db migrate x
usage "unexpected argument 'x'" db init x
usage "unknown option '--force'" db check --force

# The command line as a whole.
usage "unknown command 'frob'" frob list
usage "unknown command 'db frob'" db frob
usage "db needs a verb" db
expect_rc 2 "$BOOTCTL"
expect_err "usage: bootctl"
expect_rc 2 "$BOOTCTL" -Z
# help, grouped by noun; a noun alone lists its verbs; --version.
expect_rc 0 "$BOOTCTL" help client
expect_out "bootctl client next-boot MAC"
grep -q "bootctl image" "$T/out" && fail "help client lists image verbs"
expect_rc 2 "$BOOTCTL" help nosuch
expect_err "unknown noun 'nosuch'"
expect_rc 2 "$BOOTCTL" image
expect_err "bootctl image add NAME"
expect_rc 0 "$BOOTCTL" --version
grep -qx "bootctl (netboot) [0-9][0-9.]*" "$T/out" || fail "--version: $(cat "$T/out")"
expect_rc 0 "$BOOTCTL" help
expect_out "client:"
expect_rc 0 "$BOOTCTL" -h
expect_out "template:"
for v in "db init" "db backup" "client add" "client set" "client next-boot" "image add" \
    "template add" "template edit" "file add" "events list" "events prune" "settings unset"; do
	grep -q "bootctl $v" "$T/out" || fail "bootctl -h lacks '$v'"
done
# A database that does not exist is a runtime error naming it.
expect_rc 1 "$BOOTCTL" -D "$T/missing.db" client list
expect_err "$T/missing.db"
expect_err "bootctl db init"
[ ! -e "$T/missing.db" ] || fail "client list created the database"
# Usage errors are found before the database is opened.
expect_rc 2 "$BOOTCTL" -D "$T/missing.db" client add nonsense
expect_err "'nonsense' is not a MAC address"
# A bad config file is reported with its line.
printf 'database = %s\nbogus = 1\n' "$DB" >"$T/bad.conf"
expect_rc 1 "$BOOTCTL" -f "$T/bad.conf" client list
expect_err "bad.conf:2"
exit 0
