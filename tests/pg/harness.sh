#!/bin/sh
# The PostgreSQL harness itself (tests/helpers/pg.sh), without netboot:
# a private server starts in the test's directory as nobody with only a
# Unix socket, db_sql answers in sqlite3's format with the SQLite
# functions tests use, db_dump is stable, and pg_stop leaves nothing.
. "$top_srcdir/tests/helpers/lib.sh"
need_root
. "$top_srcdir/tests/helpers/pg.sh"

# running PID: PID is a live process (a zombie, left to a reaper that
# adopted the daemonized server, does not count).
running() {
	[ -r "/proc/$1/status" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"
}

t0=$(date +%s%N)
pg_start "$T/pg"
t1=$(date +%s%N)
note "pg_start: $(( (t1 - t0) / 1000000 )) ms"
NB_TEST_DB=pg
DB=$PG_URL

# the server: nobody's, no TCP, fsync off, the socket in $T/pg
pid=$(head -1 "$T/pg/data/postmaster.pid")
[ "$(ps -o user= -p "$pid")" = nobody ] || fail "the server does not run as nobody"
[ -S "$T/pg/.s.PGSQL.$PG_PORT" ] || fail "no socket in $T/pg"
[ "$(pg_sql "SELECT current_setting('listen_addresses') || ':' ||
    current_setting('fsync') || ':' || current_user")" = ":off:netboot" ] ||
	fail "settings: $(pg_sql "SELECT current_setting('listen_addresses'), current_setting('fsync')")"
[ "$(pg_sql "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'netboot'")" = netboot ] ||
	fail "the netboot database is not the netboot role's"
[ "$(pg_sql "SELECT rolsuper FROM pg_roles WHERE rolname = 'netboot'")" = f ] ||
	fail "the netboot role is a superuser"
psql -X -At -d "$PG_URL" -c 'SELECT 42' >"$T/out" 2>&1 && [ "$(cat "$T/out")" = 42 ] ||
	fail "the connection string does not connect: $(cat "$T/out")"

# db_sql: sqlite3's format, errors fail, stdin, the SQLite functions
db_sql "CREATE TABLE t (id bigserial PRIMARY KEY, a integer, b text,
    c bytea)" || fail "create table"
db_sql "INSERT INTO t (a, b, c) VALUES (1, 'x', 'ab'), (2, NULL, NULL)"
[ "$(db_sql 'SELECT a, b FROM t ORDER BY a')" = "1|x
2|" ] || fail "format: $(db_sql 'SELECT a, b FROM t ORDER BY a')"
db_sql "SELECT nosuch FROM t" 2>/dev/null && fail "a bad query succeeded"
[ "$(printf 'SELECT 1;\nSELECT 2;\n' | db_sql)" = "1
2" ] || fail "db_sql from stdin"
[ "$(db_sql "SELECT group_concat(a) FROM (SELECT a FROM t ORDER BY a DESC) s")" = "2,1" ] ||
	fail "group_concat"
[ "$(db_sql "SELECT group_concat(ifnull(b, '-'), ';') FROM t")" = "x;-" ] ||
	fail "group_concat with a separator, ifnull"
[ "$(db_sql "SELECT ifnull(max(id), 0) FROM t")" = 2 ] || fail "ifnull(bigint, 0)"
[ "$(db_sql "SELECT hex(c) FROM t WHERE a = 1")" = 6162 ] || fail "hex"
now=$(date +%s)
e=$(db_sql "SELECT unixepoch('now')")
[ $((e - now)) -ge -2 ] && [ $((e - now)) -le 2 ] || fail "unixepoch: $e, now $now"
[ "$(db_sql "SELECT json_object('serial', 'a\"b')")" = '{"serial" : "a\"b"}' ] ||
	fail "json_object: $(db_sql "SELECT json_object('serial', 'a\"b')")"

[ "$(db_sql "SELECT CAST(strftime('%s', 'now') AS INTEGER) - CAST(strftime('%s') AS INTEGER)")" -le 1 ] || fail "strftime"
[ "$(db_sql "SELECT json_extract('{\"a\": {\"b\": 3}}', '\$.a.b')")" = 3 ] ||
	fail "json_extract"

db_sql "INSERT INTO t (a, c) VALUES (3, $(db_blob 00ff0a))"
[ "$(db_sql "SELECT hex(c) FROM t WHERE a = 3")" = 00FF0A ] || fail "db_blob"
db_sql "DELETE FROM t WHERE a = 3"

# db_new: a second database, which db_sql reaches through DB
NEW=$(db_new other)
DB=$NEW db_sql "CREATE TABLE u (x text); INSERT INTO u VALUES ('other')"
[ "$(DB=$NEW db_sql "SELECT x || ifnull(NULL, '!') FROM u")" = 'other!' ] ||
	fail "db_sql on the new database"
[ "$(DB=$NEW db_sql "SELECT current_database()")" = other ] || fail "not the new database"
db_sql "SELECT x FROM u" 2>/dev/null && fail "the new table is in the test's database"

# db_dump: the same when nothing changed, even after a failed insert
# took a sequence number; different after a change
db_dump >"$T/before"
grep -q "^t|(1,1,x," "$T/before" || fail "db_dump lacks the rows: $(cat "$T/before")"
db_sql "INSERT INTO t (id, a) VALUES (1, 9)" 2>/dev/null && fail "duplicate key accepted"
db_sql "INSERT INTO t (a) VALUES (NULL::integer + 'x')" 2>/dev/null
db_dump >"$T/after"
cmp -s "$T/before" "$T/after" || fail "db_dump changed: $(diff "$T/before" "$T/after")"
db_sql "UPDATE t SET b = 'y' WHERE a = 2"
db_dump >"$T/after"
cmp -s "$T/before" "$T/after" && fail "db_dump missed a change"

# pg_stop: the server is gone and pg_stop again is harmless
t0=$(date +%s%N)
pg_stop
t1=$(date +%s%N)
note "pg_stop: $(( (t1 - t0) / 1000000 )) ms"
running "$pid" && fail "the server still runs after pg_stop"
pg_stop || fail "a second pg_stop failed"

# a failing test leaves no server behind: at_exit runs pg_stop
T2=$(mktemp -d /tmp/nbtest.XXXXXXXX)
chmod 0755 "$T2"
at_exit "rm -rf '$T2'"
( NB_TEST_DB=sqlite
  . "$top_srcdir/tests/helpers/lib.sh"
  . "$top_srcdir/tests/helpers/pg.sh"
  pg_start "$T2/pg"
  head -1 "$T2/pg/data/postmaster.pid" >"$T2/pid"
  fail "on purpose" ) 2>"$T/sub.err" && fail "the failing subshell passed"
pid=$(cat "$T2/pid") || fail "the subshell's server did not start: $(cat "$T/sub.err")"
running "$pid" && { kill "$pid"; fail "a failed test left its server running"; }
exit 0
