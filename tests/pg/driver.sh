#!/bin/sh
# tests/lib/pg, the PostgreSQL driver's own checks (binds, translation,
# error codes, savepoints, writers in turn, notifications, reconnection),
# against a private server that it also stops and starts again.
. "$top_srcdir/tests/helpers/lib.sh"
grep -q '^#define HAVE_LIBPQ 1' "$top_builddir/config.h" 2>/dev/null ||
	skip "netboot is built without libpq"
[ -x "$top_builddir/tests/lib/pg" ] || fail "tests/lib/pg is not built"
. "$top_srcdir/tests/helpers/pg.sh"
pg_start "$T/pg"
o="-c listen_addresses='' -k $PG_DIR -p $PG_PORT -c fsync=off"
ctl="cd $PG_DIR && runuser -u nobody -- $PG_BIN/pg_ctl -D $PG_DIR/data -w -t 30"
NB_TEST_PG=$PG_URL
NB_TEST_PG_STOP="$ctl -m fast stop >/dev/null 2>&1"
NB_TEST_PG_START="$ctl -l $PG_DIR/server.log -o \"$o\" start >/dev/null 2>&1"
export NB_TEST_PG NB_TEST_PG_STOP NB_TEST_PG_START
"$top_builddir/tests/lib/pg" >"$T/tap" 2>&1
rc=$?
cat "$T/tap"
grep -q '^not ok' "$T/tap" && fail "tests/lib/pg: $(grep '^not ok' "$T/tap")"
[ "$rc" = 0 ] || fail "tests/lib/pg exited $rc"
n=$(grep -c '^ok' "$T/tap")
[ "$n" -ge 80 ] || fail "only $n checks ran"
grep -q 'the server stops' "$T/tap" || fail "the restart was not checked"
note "$n checks of the driver passed"
