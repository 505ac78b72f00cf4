#!/bin/sh
# The PostgreSQL schema (libnetboot/db_schema_pg.c) refuses what SQLite's
# refuses: every CHECK, key, foreign key and trigger of version 10 gets a
# bad row (and good ones around its edges) on both engines, and each
# statement must end the same way, with the same output, on both. Also:
# the same tables and columns, and each table notifies channel netboot.
# Starts its own PostgreSQL (initdb in the test's directory, a Unix
# socket only, as nobody when run as root); skipped without one.
. "$top_srcdir/tests/helpers/lib.sh"
need_cmd sqlite3 psql

PGBIN=
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && PGBIN=$d
done
[ -n "$PGBIN" ] || skip "no PostgreSQL server binaries (initdb, pg_ctl)"

# The server: its own directory, no TCP, trust on the socket.
PGDIR=$T/pg
mkdir "$PGDIR"
PGAS=
if [ "$(id -u)" = 0 ]; then
	chown nobody "$PGDIR"
	PGAS="runuser -u nobody --"
fi
$PGAS "$PGBIN/initdb" -D "$PGDIR/data" -U netboot -A trust -E UTF8 \
    --no-sync >"$T/initdb.log" 2>&1 || fail "initdb: $(tail -5 "$T/initdb.log")"
$PGAS "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w -t 30 \
    -o "-c listen_addresses='' -k $PGDIR -p 5432 -c fsync=off" start \
    >/dev/null || fail "pg_ctl start: $(tail -5 "$PGDIR/log")"
at_exit "$PGAS '$PGBIN/pg_ctl' -D '$PGDIR/data' -m immediate stop >/dev/null 2>&1"
PSQL="psql -X -q -At -v ON_ERROR_STOP=1 -h $PGDIR -p 5432 -U netboot"
$PSQL -d postgres -c "CREATE DATABASE netboot" || fail "createdb"
PSQL="$PSQL -d netboot"

# The schemas: SQLite's by bootctl, PostgreSQL's from db_pg_migrations in
# one transaction, as the driver runs them.
LITE=$T/lite.db
"$BOOTCTL" -D "$LITE" db init >/dev/null || fail "bootctl db init"
"$top_builddir/tests/lib/pg-schema-sql" >"$T/schema.sql" || fail "pg-schema-sql"
$PSQL -1 -f "$T/schema.sql" >"$T/out" 2>&1 || fail "the schema: $(cat "$T/out")"

# The same tables and columns (but SQLite's own, and clients.rowid that
# SQLite has implicitly, and netboot_schema that PostgreSQL has for
# PRAGMA user_version).
sqlite3 "$LITE" "SELECT m.name || '.' || c.name FROM sqlite_schema m,
    pragma_table_info(m.name) c WHERE m.type = 'table'
    AND m.name NOT LIKE 'sqlite_%' ORDER BY 1" >"$T/cols.lite" ||
    fail "the columns on SQLite"
$PSQL -c "SELECT c FROM (SELECT table_name || '.' || column_name AS c
    FROM information_schema.columns WHERE table_schema = 'public'
    AND table_name <> 'netboot_schema'
    AND (table_name, column_name) <> ('clients', 'rowid')) s
    ORDER BY c COLLATE \"C\"" >"$T/cols.pg" || fail "the columns"
diff "$T/cols.lite" "$T/cols.pg" >"$T/out" ||
    fail "the columns differ (< SQLite, > PostgreSQL): $(cat "$T/out")"
note "$(wc -l <"$T/cols.pg") columns in $(cut -d. -f1 "$T/cols.pg" |
    uniq | wc -l) tables on both"

# One SQL text, each engine's words for what has none in common:
# @ZB(n)@ n zero bytes, @HEX(h)@ bytes in hex, @CHR(n)@ a character.
lite_sql() {
	printf '%s' "$1" | sed -e 's/@ZB(\([0-9]*\))@/zeroblob(\1)/g' \
	    -e "s/@HEX(\([0-9a-f]*\))@/X'\1'/g" -e 's/@CHR(\([0-9]*\))@/char(\1)/g'
}
pg_sql() {
	printf '%s' "$1" |
	    sed -e "s/@ZB(\([0-9]*\))@/decode(repeat('00', \1), 'hex')/g" \
	    -e "s/@HEX(\([0-9a-f]*\))@/decode('\1', 'hex')/g" \
	    -e 's/@CHR(\([0-9]*\))@/chr(\1)/g'
}

# Rows the cases lean on, in both.
FIXTURE="INSERT INTO templates (name, kind, body, updated)
    VALUES ('t', 'raw', 'x', 1);
INSERT INTO images (name, kind, template, created)
    VALUES ('img', 'tool', 't', 1);
INSERT INTO clients (mac, image, ip, created, updated)
    VALUES ('aa:bb:cc:dd:ee:01', 'img', '10.0.0.1', 1, 1);
INSERT INTO users (name, hash, role, created) VALUES ('u', '\$x', 'admin', 1);
INSERT INTO files (path, mac, kind, content, updated)
    VALUES ('f', 'aa:bb:cc:dd:ee:01', 'content', @ZB(1)@, 1);
INSERT INTO files (path, kind, content, updated)
    VALUES ('g', 'content', @ZB(1)@, 1);
INSERT INTO leases6 (addr, duid, iaid, state, expires, updated)
    VALUES ('fe80::1', @ZB(4)@, 1, 'bound', 1, 1);
INSERT INTO events (ts, daemon, kind) VALUES (1.5, 'bootctl', 'test');
INSERT INTO iso_files (image, path, start, size) VALUES ('img', 'a/B', 0, 1)"
sqlite3 -bail "$LITE" "PRAGMA foreign_keys = ON; $(lite_sql "$FIXTURE")" \
    >"$T/out" 2>&1 || fail "the fixture on SQLite: $(cat "$T/out")"
$PSQL -c "$(pg_sql "$FIXTURE")" >"$T/out" 2>&1 ||
    fail "the fixture on PostgreSQL: $(cat "$T/out")"

# The cases: "ok SQL" or "bad SQL", each run in a transaction rolled back.
cat >"$T/cases" <<'EOF'
ok INSERT INTO templates (name, kind, body, updated) VALUES ('a.b_c-9', 'autoyast', '', 1)
bad INSERT INTO templates (name, kind, body, updated) VALUES ('', 'raw', '', 1)
bad INSERT INTO templates (name, kind, body, updated) VALUES ('.a', 'raw', '', 1)
bad INSERT INTO templates (name, kind, body, updated) VALUES ('a b', 'raw', '', 1)
bad INSERT INTO templates (name, kind, body, updated) VALUES ('a/b', 'raw', '', 1)
bad INSERT INTO templates (name, kind, body, updated) VALUES ('é', 'raw', '', 1)
ok INSERT INTO templates (name, kind, body, updated) VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'raw', '', 1)
bad INSERT INTO templates (name, kind, body, updated) VALUES ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'raw', '', 1)
bad INSERT INTO templates (name, kind, body, updated) VALUES ('x', 'bogus', '', 1)
bad INSERT INTO templates (name, kind, body, updated) VALUES ('x', 'raw', NULL, 1)
bad INSERT INTO templates (name, kind, body, updated) VALUES ('t', 'raw', '', 1)
ok INSERT INTO images (name, kind, kernel, initrds, created) VALUES ('l', 'linux', 'k', '["i"]', 1)
ok INSERT INTO images (name, created, kernel) VALUES ('d', 1, 'k'); SELECT kind, initrds, cmdline FROM images WHERE name = 'd'
bad INSERT INTO images (name, kind, created) VALUES ('l', 'linux', 1)
bad INSERT INTO images (name, kind, kernel, created) VALUES ('l', 'tool', '', 1)
bad INSERT INTO images (name, kind, created) VALUES ('l', 'other', 1)
bad INSERT INTO images (name, kind, initrds, created) VALUES ('l', 'tool', '{}', 1)
bad INSERT INTO images (name, kind, initrds, created) VALUES ('l', 'tool', '[', 1)
bad INSERT INTO images (name, kind, iso_path, created) VALUES ('l', 'tool', 'rel/x.iso', 1)
ok INSERT INTO images (name, kind, iso_path, iso_sha256, iso_size, created) VALUES ('l', 'tool', '/x.iso', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 0, 1)
bad INSERT INTO images (name, kind, iso_sha256, created) VALUES ('l', 'tool', '0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef', 1)
bad INSERT INTO images (name, kind, iso_sha256, created) VALUES ('l', 'tool', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde', 1)
bad INSERT INTO images (name, kind, iso_size, created) VALUES ('l', 'tool', -1, 1)
bad INSERT INTO images (name, kind, template, created) VALUES ('l', 'tool', 'nosuch', 1)
ok INSERT INTO clients (mac, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 1, 1); SELECT state, allowed, suspended, vars, inventory FROM clients WHERE mac = 'aa:bb:cc:dd:ee:02'
bad INSERT INTO clients (mac, created, updated) VALUES ('AA:BB:CC:DD:EE:02', 1, 1)
bad INSERT INTO clients (mac, created, updated) VALUES ('aa:bb:cc:dd:ee', 1, 1)
bad INSERT INTO clients (mac, created, updated) VALUES ('aa:bb:cc:dd:ee:022', 1, 1)
bad INSERT INTO clients (mac, created, updated) VALUES ('aa-bb-cc-dd-ee-02', 1, 1)
bad INSERT INTO clients (mac, created, updated) VALUES ('aa:bb:cc:dd:ee:01', 1, 1)
bad INSERT INTO clients (mac, name, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '-', 1, 1); INSERT INTO clients (mac, name, created, updated) VALUES ('aa:bb:cc:dd:ee:03', '.n', 1, 1)
bad INSERT INTO clients (mac, name, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 'n', 1, 1); INSERT INTO clients (mac, name, created, updated) VALUES ('aa:bb:cc:dd:ee:03', 'n', 1, 1)
ok INSERT INTO clients (mac, hostname, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '9host.example-1', 1, 1)
bad INSERT INTO clients (mac, hostname, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '-host', 1, 1)
bad INSERT INTO clients (mac, hostname, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 'a_b', 1, 1)
bad INSERT INTO clients (mac, hostname, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '', 1, 1)
ok INSERT INTO clients (mac, ip, last_ip, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '10.0.0.2', '1..2.3.4', 1, 1)
bad INSERT INTO clients (mac, ip, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '10.0.0.1', 1, 1)
bad INSERT INTO clients (mac, ip, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '10.0.0', 1, 1)
bad INSERT INTO clients (mac, ip, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '10.0.0.a', 1, 1)
bad INSERT INTO clients (mac, last_ip, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '1..2.3', 1, 1)
bad INSERT INTO clients (mac, last_ip, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '.1.2.3.4', 1, 1)
ok INSERT INTO clients (mac, arch, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 65535, 1, 1)
bad INSERT INTO clients (mac, arch, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 65536, 1, 1)
bad INSERT INTO clients (mac, arch, created, updated) VALUES ('aa:bb:cc:dd:ee:02', -1, 1, 1)
bad INSERT INTO clients (mac, state, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 'gone', 1, 1)
bad INSERT INTO clients (mac, allowed, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 2, 1, 1)
bad INSERT INTO clients (mac, suspended, created, updated) VALUES ('aa:bb:cc:dd:ee:02', -1, 1, 1)
bad INSERT INTO clients (mac, image, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 'nosuch', 1, 1)
bad INSERT INTO clients (mac, template, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 'nosuch', 1, 1)
bad INSERT INTO clients (mac, next_boot, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 'install', 1, 1)
ok INSERT INTO clients (mac, next_boot, image, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 'install', 'img', 1, 1)
ok INSERT INTO clients (mac, next_boot, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 'local', 1, 1)
bad INSERT INTO clients (mac, next_boot, created, updated) VALUES ('aa:bb:cc:dd:ee:02', 'reboot', 1, 1)
bad INSERT INTO clients (mac, vars, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '[]', 1, 1)
bad INSERT INTO clients (mac, vars, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '{', 1, 1)
bad INSERT INTO clients (mac, inventory, created, updated) VALUES ('aa:bb:cc:dd:ee:02', '1', 1, 1)
bad INSERT INTO clients (mac, created) VALUES ('aa:bb:cc:dd:ee:02', 1)
ok INSERT INTO files (path, kind, local, updated) VALUES ('a/b.c', 'local', '/srv/x', 1)
bad INSERT INTO files (path, kind, local, updated) VALUES ('/a', 'local', '/srv/x', 1)
bad INSERT INTO files (path, kind, local, updated) VALUES ('a//b', 'local', '/srv/x', 1)
bad INSERT INTO files (path, kind, local, updated) VALUES ('a/../b', 'local', '/srv/x', 1)
bad INSERT INTO files (path, kind, local, updated) VALUES ('./a', 'local', '/srv/x', 1)
bad INSERT INTO files (path, kind, local, updated) VALUES ('a/.', 'local', '/srv/x', 1)
ok INSERT INTO files (path, kind, local, updated) VALUES ('a/..b/.c', 'local', '/srv/x', 1)
bad INSERT INTO files (path, kind, local, updated) VALUES ('a\b', 'local', '/srv/x', 1)
bad INSERT INTO files (path, kind, local, updated) VALUES ('', 'local', '/srv/x', 1)
bad INSERT INTO files (path, kind, local, updated) VALUES ('a', 'local', 'srv/x', 1)
bad INSERT INTO files (path, kind, updated) VALUES ('a', 'content', 1)
bad INSERT INTO files (path, kind, content, local, updated) VALUES ('a', 'local', @ZB(1)@, '/srv/x', 1)
bad INSERT INTO files (path, kind, updated) VALUES ('a', 'template', 1)
ok INSERT INTO files (path, kind, template, updated) VALUES ('a', 'template', 't', 1)
bad INSERT INTO files (path, kind, template, updated) VALUES ('a', 'template', 'nosuch', 1)
ok INSERT INTO files (path, kind, url, updated) VALUES ('a/', 'url', 'https://example.com/', 1)
bad INSERT INTO files (path, kind, url, updated) VALUES ('a', 'url', 'http://', 1)
bad INSERT INTO files (path, kind, url, updated) VALUES ('a', 'url', 'ftp://example.com/', 1)
bad INSERT INTO files (path, kind, url, updated) VALUES ('a', 'other', 'http://x', 1)
bad INSERT INTO files (path, kind, content, updated) VALUES ('g', 'content', @ZB(1)@, 1)
ok INSERT INTO files (path, mac, kind, content, updated) VALUES ('g', 'aa:bb:cc:dd:ee:01', 'content', @ZB(1)@, 1)
bad INSERT INTO files (path, mac, kind, content, updated) VALUES ('f', 'aa:bb:cc:dd:ee:01', 'content', @ZB(1)@, 1)
bad INSERT INTO files (path, mac, kind, content, updated) VALUES ('h', 'aa:bb:cc:dd:ee:09', 'content', @ZB(1)@, 1)
ok INSERT INTO events (ts, mac, ip, daemon, kind) VALUES (2, 'aa:bb:cc:dd:ee:09', 'x', 'pxedhcpd', 'k'); SELECT detail FROM events WHERE ts = 2
bad INSERT INTO events (ts, daemon, kind) VALUES (2, 'other', 'k')
bad INSERT INTO events (ts, daemon, kind) VALUES (2, 'tftpd', '')
bad INSERT INTO events (ts, mac, daemon, kind) VALUES (2, 'nope', 'tftpd', 'k')
bad INSERT INTO events (daemon, kind) VALUES ('tftpd', 'k')
bad UPDATE events SET kind = 'changed'
ok DELETE FROM events
ok INSERT INTO settings (key, value) VALUES ('a.b-c_9', '')
bad INSERT INTO settings (key, value) VALUES ('A', '')
bad INSERT INTO settings (key, value) VALUES ('1a', '')
bad INSERT INTO settings (key, value) VALUES ('a b', '')
bad INSERT INTO settings (key, value) VALUES ('a', NULL)
ok INSERT INTO users (name, hash, created) VALUES ('v', '$h', 1); SELECT role, updated FROM users WHERE name = 'v'
bad INSERT INTO users (name, hash, created) VALUES ('v', 'h', 1)
bad INSERT INTO users (name, hash, role, created) VALUES ('v', '$h', 'root', 1)
bad INSERT INTO users (name, hash, created) VALUES ('v v', '$h', 1)
ok INSERT INTO tokens ("user", hash, created) VALUES ('u', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 1); SELECT kind, role, idle FROM tokens
bad INSERT INTO tokens ("user", hash, created) VALUES ('nosuch', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 1)
bad INSERT INTO tokens ("user", hash, created) VALUES ('u', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF', 1)
bad INSERT INTO tokens ("user", hash, created) VALUES ('u', '0123456789abcdef', 1)
bad INSERT INTO tokens ("user", hash, kind, created) VALUES ('u', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'other', 1)
bad INSERT INTO tokens ("user", hash, role, created) VALUES ('u', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'root', 1)
bad INSERT INTO tokens ("user", hash, idle, created) VALUES ('u', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 0, 1)
ok INSERT INTO tokens ("user", hash, created) VALUES ('u', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 1); DELETE FROM users WHERE name = 'u'; SELECT count(*) FROM tokens
ok INSERT INTO iso_files (image, path, start, size) VALUES ('img', 'a/b', 0, 0)
bad INSERT INTO iso_files (image, path, start, size) VALUES ('img', 'a/B', 0, 0)
bad INSERT INTO iso_files (image, path, start, size) VALUES ('img', '/a', 0, 0)
bad INSERT INTO iso_files (image, path, start, size) VALUES ('img', 'a/./b', 0, 0)
bad INSERT INTO iso_files (image, path, start, size) VALUES ('img', 'a', -1, 0)
bad INSERT INTO iso_files (image, path, start, size) VALUES ('img', 'a', 0, -1)
bad INSERT INTO iso_files (image, path, start, size) VALUES ('nosuch', 'a', 0, 0)
ok INSERT INTO leases6 (addr, duid, iaid, state, expires, updated) VALUES ('fe80::2', @ZB(4)@, 1, 'declined', 1, 1); SELECT state FROM leases6 ORDER BY addr
bad INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fe80::2', @ZB(4)@, 1, 1, 1)
ok INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fe80::2', @ZB(4)@, 4294967295, 1, 1)
bad INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fe80::2', @ZB(4)@, 4294967296, 1, 1)
bad INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fe80::2', @ZB(4)@, -1, 1, 1)
bad INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('FE80::2', @ZB(4)@, 2, 1, 1)
bad INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('10.0.0.1', @ZB(4)@, 2, 1, 1)
bad INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fe80::2', @ZB(1)@, 2, 1, 1)
ok INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fe80::2', @ZB(130)@, 2, 1, 1)
bad INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fe80::2', @ZB(131)@, 2, 1, 1)
bad INSERT INTO leases6 (addr, duid, iaid, state, expires, updated) VALUES ('fe80::2', @ZB(4)@, 2, 'free', 1, 1)
bad INSERT INTO leases6 (addr, duid, iaid, mac, expires, updated) VALUES ('fe80::2', @ZB(4)@, 2, 'x', 1, 1)
ok DELETE FROM secrets; INSERT INTO secrets (name, value, created) VALUES ('token', @ZB(32)@, 1)
bad DELETE FROM secrets; INSERT INTO secrets (name, value, created) VALUES ('other', @ZB(32)@, 1)
bad DELETE FROM secrets; INSERT INTO secrets (name, value, created) VALUES ('token', @ZB(31)@, 1)
ok INSERT INTO boots (mac, nonce, started) VALUES ('aa:bb:cc:dd:ee:01', @HEX(00112233445566778899aabbccddeeff)@, 1); SELECT length(nonce) FROM boots
bad INSERT INTO boots (mac, nonce, started) VALUES ('aa:bb:cc:dd:ee:01', @ZB(15)@, 1)
bad INSERT INTO boots (mac, nonce, started) VALUES ('aa:bb:cc:dd:ee:09', @ZB(16)@, 1)
ok INSERT INTO login_failures (scope, key, failures, last) VALUES ('addr', '10.0.0.1', 0, 1)
bad INSERT INTO login_failures (scope, key, failures, last) VALUES ('host', 'x', 0, 1)
bad INSERT INTO login_failures (scope, key, failures, last) VALUES ('user', '', 0, 1)
bad INSERT INTO login_failures (scope, key, failures, last) VALUES ('user', 'x', -1, 1)
ok INSERT INTO client_labels (mac, key, value) VALUES ('aa:bb:cc:dd:ee:01', 'a/b.c_d-e', ''), ('aa:bb:cc:dd:ee:01', 'k', 'v.1_2-3')
bad INSERT INTO client_labels (mac, key, value) VALUES ('aa:bb:cc:dd:ee:01', '-a', '')
bad INSERT INTO client_labels (mac, key, value) VALUES ('aa:bb:cc:dd:ee:01', 'a-', '')
bad INSERT INTO client_labels (mac, key, value) VALUES ('aa:bb:cc:dd:ee:01', 'a b', '')
bad INSERT INTO client_labels (mac, key, value) VALUES ('aa:bb:cc:dd:ee:01', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '')
bad INSERT INTO client_labels (mac, key, value) VALUES ('aa:bb:cc:dd:ee:01', 'k', 'a/b')
bad INSERT INTO client_labels (mac, key, value) VALUES ('aa:bb:cc:dd:ee:01', 'k', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa')
bad INSERT INTO client_labels (mac, key, value) VALUES ('aa:bb:cc:dd:ee:09', 'k', 'v')
ok INSERT INTO webhooks (url, secret, created) VALUES ('http://example.com/h', '0123456789abcdef', 1); SELECT events, cursor, delivered FROM webhooks
bad INSERT INTO webhooks (url, secret, created) VALUES ('http://x', '0123456789abcdef', 1)
bad INSERT INTO webhooks (url, secret, created) VALUES ('gopher://example.com', '0123456789abcdef', 1)
bad INSERT INTO webhooks (url, secret, created) VALUES ('http://exa mple.com', '0123456789abcdef', 1)
bad INSERT INTO webhooks (url, secret, created) VALUES ('http://example.com/' || @CHR(9)@, '0123456789abcdef', 1)
bad INSERT INTO webhooks (url, secret, created) VALUES ('http://example.com/' || @CHR(127)@, '0123456789abcdef', 1)
ok INSERT INTO webhooks (url, secret, created) VALUES ('http://example.com/-~', '0123456789abcdef', 1)
bad INSERT INTO webhooks (url, secret, created) VALUES ('http://example.com/h', '0123456789abcde', 1)
bad INSERT INTO webhooks (url, events, secret, created) VALUES ('http://example.com/h', 'a b', '0123456789abcdef', 1)
bad INSERT INTO webhooks (url, secret, cursor, created) VALUES ('http://example.com/h', '0123456789abcdef', -1, 1)
ok INSERT INTO inventories (mac, source, data, time) VALUES ('aa:bb:cc:dd:ee:01', 'self', '{"a": [1]}', 1)
bad INSERT INTO inventories (mac, source, data, time) VALUES ('aa:bb:cc:dd:ee:01', 'other', '{}', 1)
bad INSERT INTO inventories (mac, source, data, time) VALUES ('aa:bb:cc:dd:ee:01', 'ipxe', '[]', 1)
bad INSERT INTO inventories (mac, source, data, time) VALUES ('aa:bb:cc:dd:ee:01', 'ipxe', 'x', 1)
bad INSERT INTO inventories (mac, source, data, time) VALUES ('aa:bb:cc:dd:ee:09', 'ipxe', '{}', 1)
bad DELETE FROM templates WHERE name = 't'
bad DELETE FROM images WHERE name = 'img'
ok DELETE FROM clients WHERE mac = 'aa:bb:cc:dd:ee:01'; SELECT count(*) FROM files
ok UPDATE clients SET image = NULL; DELETE FROM images WHERE name = 'img'; SELECT count(*) FROM iso_files
ok UPDATE templates SET name = 't2'; SELECT template FROM images
ok UPDATE clients SET mac = 'aa:bb:cc:dd:ee:09'; SELECT mac FROM files ORDER BY path
EOF

# run ENGINE SQL: 0 if the statements ran, 1 if one was refused; output
# in $T/out.ENGINE.
run() {
	if [ "$1" = lite ]; then
		sqlite3 -bail "$LITE" "PRAGMA foreign_keys = ON; BEGIN;
		    $(lite_sql "$2"); ROLLBACK;" >"$T/out.lite" 2>&1 || return 1
	else
		$PSQL -c BEGIN -c "$(pg_sql "$2")" -c ROLLBACK \
		    >"$T/out.pg" 2>&1 || return 1
	fi
}
n=0 bad=0
while read -r want sql; do
	n=$((n + 1))
	run lite "$sql"; lite=$?
	run pg "$sql"; pg=$?
	case $want in ok) w=0 ;; *) w=1 ;; esac
	if [ "$lite" != "$w" ]; then
		echo "case $n: SQLite $lite, not $w: $sql: $(cat "$T/out.lite")" >&2
		bad=$((bad + 1))
	elif [ "$pg" != "$lite" ]; then
		echo "case $n: PostgreSQL $pg, SQLite $lite: $sql: $(cat "$T/out.pg")" >&2
		bad=$((bad + 1))
	elif [ "$w" = 0 ] && ! cmp -s "$T/out.lite" "$T/out.pg"; then
		echo "case $n: output: SQLite '$(cat "$T/out.lite")'," \
		    "PostgreSQL '$(cat "$T/out.pg")': $sql" >&2
		bad=$((bad + 1))
	fi
done <"$T/cases"
[ "$bad" = 0 ] || fail "$bad of $n cases end differently"
note "$n statements end the same way on both engines"

# Every table notifies channel netboot with its name, even from psql.
for t in $(cut -d. -f1 "$T/cols.pg" | uniq) netboot_schema; do
	$PSQL -c "LISTEN netboot" -c "DELETE FROM $t WHERE false" \
	    >"$T/out" 2>&1 || fail "$t: $(cat "$T/out")"
	grep -q "\"netboot\" with payload \"$t\"" "$T/out" ||
	    fail "no notification from table $t: $(cat "$T/out")"
done
note "every table notifies channel netboot"
exit 0
