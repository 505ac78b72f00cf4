#!/bin/sh
# bootctl writes while other processes use the database: a long read
# transaction (sqlite3 CLI) does not block a write (WAL); a short write
# lock is waited for; a write lock held past the busy timeout (10 s) is a
# clear runtime error that leaves nothing half written.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"
sqlite_only "SQLite's locks (a WAL reader, the busy timeout) held from its shell"

ok client add 52:54:00:00:00:01

# A reader opens a transaction, reads, and holds its snapshot for 6 s.
(
	echo "BEGIN; SELECT 'before', count(*) FROM clients;"
	echo ".shell touch $T/reading"
	sleep 6
	echo "SELECT 'after', count(*) FROM clients; COMMIT;"
) | sqlite3 -batch "$DB" >"$T/reader.out" 2>&1 &
reader=$!
NB_PIDS="$NB_PIDS $reader"
wait_for 5 test -e "$T/reading" || fail "the reader did not start: $(cat "$T/reader.out")"
start=$(date +%s)
ok client add 52:54:00:00:00:02 --name written-under-a-reader
ok client set 52:54:00:00:00:01 --var during=read
kill -0 "$reader" 2>/dev/null || fail "the reader ended before the write: the test proves nothing"
[ $(( $(date +%s) - start )) -lt 4 ] || fail "the write waited for the reader"
wait "$reader"
# The reader kept its snapshot throughout (so it really held a transaction).
grep -q '^before|1$' "$T/reader.out" || fail "reader: $(cat "$T/reader.out")"
grep -q '^after|1$' "$T/reader.out" || fail "reader did not keep its snapshot: $(cat "$T/reader.out")"
[ "$(db_sql 'SELECT count(*) FROM clients')" = 2 ] || fail "the write is not there"

# A writer holding the lock for 1 s: bootctl waits (busy timeout) and succeeds.
(
	echo "BEGIN IMMEDIATE; INSERT INTO settings VALUES ('menu.timeout', '4');"
	echo ".shell touch $T/locked1"
	sleep 1
	echo "COMMIT;"
) | sqlite3 -batch "$DB" >"$T/writer1.out" 2>&1 &
w1=$!
NB_PIDS="$NB_PIDS $w1"
wait_for 5 test -e "$T/locked1" || fail "the first writer did not start: $(cat "$T/writer1.out")"
ok client add 52:54:00:00:00:03
wait "$w1"
[ "$(db_sql 'SELECT count(*) FROM clients')" = 3 ] || fail "the waiting write is not there"

# A writer holding the lock past the busy timeout: exit 1, "locked", nothing written.
(
	echo "BEGIN IMMEDIATE; UPDATE settings SET value = '5' WHERE key = 'menu.timeout';"
	echo ".shell touch $T/locked2"
	sleep 13
	echo "ROLLBACK;"
) | sqlite3 -batch "$DB" >"$T/writer2.out" 2>&1 &
w2=$!
NB_PIDS="$NB_PIDS $w2"
wait_for 5 test -e "$T/locked2" || fail "the second writer did not start: $(cat "$T/writer2.out")"
error "$DB: database is locked" client add 52:54:00:00:00:04 --name never
kill -0 "$w2" 2>/dev/null || fail "the lock ended before bootctl gave up: the test proves nothing"
kill "$w2"
wait "$w2" 2>/dev/null
[ "$(db_sql "SELECT count(*) FROM clients WHERE mac = '52:54:00:00:00:04'")" = 0 ] || fail "half written"
[ "$(db_sql "SELECT value FROM settings WHERE key = 'menu.timeout'")" = 4 ] || fail "the held write leaked"
exit 0
