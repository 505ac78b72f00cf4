#!/bin/sh
# bootctl db copy --to DEST [--force]: a whole installation into another
# database: SQLite to SQLite, then to a private PostgreSQL server and
# back; every table verified by bootctl after the commit, and here
# again by a dump of both. A destination with rows is refused unless
# --force; bad command lines exit 2 and write nothing.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"
sqlite_only "SQLite copies compared by sqlite3 .dump (it copies to PostgreSQL itself)"

# A source with a row in every table, binary values and JSON among them.
printf 'K' >"$T/vmlinuz"; printf 'I' >"$T/initrd.gz"
printf 'd-i x string {{ hostname }}\n' >"$T/p.cfg"
printf '\000\001\377binary\n' >"$T/blob"
ok template add pre --kind preseed --file "$T/p.cfg"
ok image add deb12 --kernel "$T/vmlinuz" --initrd "$T/initrd.gz" --template pre
for i in 3 1 2; do
	ok client add "aa:bb:cc:00:00:0$i" --name "web$i" --image deb12 \
	    --var "rack=r$i" --var 'quote=a"b'
done
ok client label web2 rack=7 role=worker
ok client next-boot web1 install
ok file add extra.bin --mac aa:bb:cc:00:00:01 --content-file "$T/blob"
ok settings set token.lifetime 3600
bc user add ops --role operator >/dev/null 2>&1 || fail "user add"
bc token create ops --label ci >/dev/null 2>&1 || fail "token create"
db_sql "INSERT INTO leases6 (addr, duid, iaid, mac, state, expires, updated)
    VALUES ('fd00::10', x'000300010a0b0c0d0e0f', 7, 'aa:bb:cc:00:00:01',
    'bound', 2000000000, 1700000000)" || fail "lease insert"
db_sql "INSERT INTO boots (mac, nonce, started) VALUES ('aa:bb:cc:00:00:02',
    x'00112233445566778899aabbccddeeff', 1700000000)" || fail "boots insert"
db_sql "INSERT INTO events (ts, mac, daemon, kind, detail) VALUES (1700000000.125,
    'aa:bb:cc:00:00:03', 'bootctl', 'dhcp-discover', 'x')" || fail "event insert"

# Every table has a row (so a table left out of the copy shows).
for t in $(db_sql "SELECT name FROM sqlite_master WHERE type = 'table' AND
    name NOT IN ('sqlite_sequence', 'iso_files', 'inventories',
    'login_failures', 'webhooks')"); do
	[ "$(db_sql "SELECT count(*) FROM $t")" -gt 0 ] || fail "$t is empty"
done

# dump DB: every table's rows in a stable order, rowid order of clients
dump() {
	sqlite3 "$1" .dump | grep '^INSERT' | sort
	sqlite3 "$1" 'SELECT mac FROM clients ORDER BY rowid'
}

COPY=$T/copy/netboot.db
mkdir -p "$T/copy"
ok db copy --to "$COPY"
expect_out "copied $DB to $COPY: every table verified"
expect_out "clients          3"
dump "$DB" >"$T/a"
dump "$COPY" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "the copy differs: $(diff "$T/a" "$T/b")"
# The copy is a working database: bootctl reads it, its checks hold.
expect_rc 0 "$BOOTCTL" -D "$COPY" db check
expect_rc 0 "$BOOTCTL" -D "$COPY" client show web2
expect_out '"role":"worker"'
# The copy's secret is the source's: tokens made by one verify on both.
[ "$(sqlite3 "$COPY" 'SELECT hex(value) FROM secrets')" = \
    "$(db_sql 'SELECT hex(value) FROM secrets')" ] || fail "secret not copied"

# A destination with rows is refused and left as it was; --force replaces.
expect_rc 0 "$BOOTCTL" -D "$COPY" client add aa:bb:cc:00:00:09
sqlite3 "$COPY" .dump >"$T/cbefore"
error "the destination is not empty: settings has 1 row (--force replaces" db copy --to "$COPY"
sqlite3 "$COPY" .dump >"$T/cafter"
cmp -s "$T/cbefore" "$T/cafter" ||
    fail "a refused copy changed the destination: $(diff "$T/cbefore" "$T/cafter")"
ok db copy --to "$COPY" --force --json
json_ok
json_is .verified true
json_is .tables.clients 3
json_is .tables.events "$(db_sql 'SELECT count(*) FROM events')"
dump "$COPY" >"$T/b"
cmp -s "$T/a" "$T/b" || fail "--force: the copy differs: $(diff "$T/a" "$T/b")"

# And back: the copy copied over the source gives the source.
expect_rc 0 "$BOOTCTL" -D "$COPY" db copy --to "$DB" --force
dump "$DB" >"$T/c"
cmp -s "$T/a" "$T/c" || fail "the round trip differs: $(diff "$T/a" "$T/c")"

# Command lines.
usage "--to DEST is required" db copy
usage "option '--to' needs a value" db copy --to
usage "unknown option '--nope'" db copy --to "$T/x.db" --nope
usage "unexpected argument 'extra'" db copy --to "$T/x.db" extra
usage "--to names the database itself" db copy --to "$DB"
[ ! -e "$T/x.db" ] || fail "a refused command line created $T/x.db"

# To PostgreSQL and back (a private server, when built with libpq and
# the server is installed): the SQLite copy of the PostgreSQL copy is
# the source, row for row, and tokens made before still verify.
grep -q '^#define HAVE_LIBPQ 1' "$top_builddir/config.h" ||
	{ note "built without libpq: no PostgreSQL round trip"; exit 0; }
. "$top_srcdir/tests/helpers/pg.sh"
[ -n "$(pg_bindir)" ] || { note "no PostgreSQL server installed"; exit 0; }
pg_start "$T/pg"
ok db copy --to "$PG_URL" --json
json_is .verified true
json_is .tables.clients 3
json_is .tables.secrets 1
[ "$(pg_sql 'SELECT count(*) FROM clients')" = 3 ] || fail "no clients in PostgreSQL"
[ "$(pg_sql "SELECT string_agg(mac, ',' ORDER BY rowid) FROM clients")" = \
    aa:bb:cc:00:00:03,aa:bb:cc:00:00:01,aa:bb:cc:00:00:02 ] ||
	fail "discovery order lost in PostgreSQL"
# A second copy into it is refused; the rows PostgreSQL holds stay.
error "the destination is not empty" db copy --to "$PG_URL"
# Ids continue after the copied ones (the identity sequences moved on).
n=$(pg_sql 'SELECT max(id) FROM tokens')
expect_rc 0 "$BOOTCTL" -D "$PG_URL" token create ops --label after
[ "$(pg_sql 'SELECT max(id) FROM tokens')" -gt "$n" ] ||
	fail "a token made after the copy did not get a new id"
expect_rc 0 "$BOOTCTL" -D "$PG_URL" token revoke "$(pg_sql \
    "SELECT id FROM tokens WHERE label = 'after'")"
BACK=$T/back/netboot.db
mkdir -p "$T/back"
expect_rc 0 "$BOOTCTL" -D "$PG_URL" db copy --to "$BACK"
grep -q "every table verified" "$T/out" || fail "no verification: $(cat "$T/out")"
dump "$DB" | grep -v '^INSERT INTO events' >"$T/a"
dump "$BACK" | grep -v '^INSERT INTO events' >"$T/d"
cmp -s "$T/a" "$T/d" ||
	fail "SQLite -> PostgreSQL -> SQLite differs: $(diff "$T/a" "$T/d")"
exit 0
