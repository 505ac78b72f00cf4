# tests/helpers/lib.sh: sourced by every shell test:
#	. "$top_srcdir/tests/helpers/lib.sh"
# Gives a private temporary directory, cleanup that always runs (also on
# failure or interrupt), daemons started and stopped by PID, network
# namespaces the test creates itself, and assertions that name what failed.
# Exit codes follow automake: 0 pass, 1 fail, 77 skip.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
BOOTCTL=$top_builddir/bootctl/bootctl
PXEDHCPD=$top_builddir/pxedhcpd/pxedhcpd
TFTPD=$top_builddir/tftpd/tftpd
BOOTWEB=$top_builddir/bootweb/bootweb

T=$(mktemp -d /tmp/nbtest.XXXXXXXX)
chmod 0755 "$T"
DB=$T/netboot.db
NB_CLEANUP=""
NB_NETNS=""
NB_PIDS=""

nb_cleanup() {
	local p ns
	for p in $NB_PIDS; do kill "$p" 2>/dev/null; done
	for p in $NB_PIDS; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$p" 2>/dev/null
	done
	eval "$NB_CLEANUP"
	# netns_new runs in $(...) subshells: its names come back through a file.
	[ -f "$T/.netns" ] && NB_NETNS="$NB_NETNS $(cat "$T/.netns")"
	for ns in $NB_NETNS; do ip netns delete "$ns" 2>/dev/null; done
	if [ "${NB_KEEP:-0}" = 1 ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap 'rc=$?; nb_cleanup; exit $rc' EXIT
trap 'exit 130' INT TERM

# at_exit CMD: run CMD (a string) at cleanup, before the namespaces go.
at_exit() { NB_CLEANUP="$NB_CLEANUP
$1"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
note() { echo "# $*"; }
need_root() { [ "$(id -u)" = 0 ] || skip "needs root (network namespaces, privileged ports)"; }
need_cmd() {
	local c
	for c; do command -v "$c" >/dev/null 2>&1 ||
		skip "$c is not installed (./quickstart test installs it)"; done
}

# expect_rc WANT CMD...: run CMD, check its exit code; output in $T/out and $T/err.
expect_rc() {
	local want=$1 rc; shift
	"$@" >"$T/out" 2>"$T/err"; rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want; stderr: $(cat "$T/err")"
}
# expect_err TEXT: stderr of the last expect_rc contains TEXT.
expect_err() { grep -qF -- "$1" "$T/err" || fail "stderr lacks '$1': $(cat "$T/err")"; }
# expect_out TEXT: stdout of the last expect_rc contains TEXT.
expect_out() { grep -qF -- "$1" "$T/out" || fail "stdout lacks '$1': $(cat "$T/out")"; }

# sqlite3: the shell a test edits the database with waits up to 10 s for
# a daemon's write (pxedhcpd's lease writer, bootweb's events) instead of
# failing at once with "database is locked", as a user's shell would not.
sqlite3() { command sqlite3 -cmd ".timeout 10000" "$@"; }

# db_sql [SQL]: run SQL (else the statements on stdin) on the test's
# database, SQLite or PostgreSQL (NB_TEST_DB): rows as sqlite3 prints
# them, columns joined by '|', no header, NULL as nothing. On PostgreSQL
# the schema nbtest adds the SQLite functions tests use (ifnull,
# group_concat, unixepoch, json_object, hex), for the tests' own SQL only.
db_sql() {
	if [ "$NB_TEST_DB" = pg ]; then
		if [ $# -gt 0 ]; then
			PGOPTIONS="-c search_path=\"\$user\",public,nbtest" \
			    pg_sql "$1" -d "$DB"
		else
			PGOPTIONS="-c search_path=\"\$user\",public,nbtest" \
			    pg_sql - -d "$DB"
		fi
	elif [ $# -gt 0 ]; then
		sqlite3 -batch "$DB" "$1"
	else
		sqlite3 -batch "$DB"
	fi
}

# db_new NAME: the location of a new, empty database (a file in $T, or
# a database of the test's PostgreSQL server) for DB= or bootctl -D.
db_new() {
	if [ "$NB_TEST_DB" = pg ]; then
		pg_sql "CREATE DATABASE $1 OWNER netboot" -U postgres \
		    -d template1 || fail "cannot create database $1"
		echo "postgresql:///$1?host=$PG_DIR&port=$PG_PORT&user=netboot"
	else
		echo "$T/$1.db"
	fi
}

# db_blob HEX: a literal of those bytes in the engine's SQL.
db_blob() {
	if [ "$NB_TEST_DB" = pg ]; then echo "'\\x$1'::bytea"; else echo "x'$1'"; fi
}

# db_is SQL WANT: db_sql SQL prints WANT (a condition for wait_for).
db_is() { [ "$(db_sql "$1" 2>/dev/null)" = "$2" ]; }
# db_ge SQL N: db_sql SQL prints a number >= N (a condition for wait_for).
db_ge() {
	local v
	v=$(db_sql "$1" 2>/dev/null) && [ -n "$v" ] && [ "$v" -ge "$2" ]
}
# db_grep SQL PATTERN: a row db_sql SQL prints matches grep's PATTERN.
db_grep() { db_sql "$1" 2>/dev/null | grep -q -- "$2"; }

# sqlite_only WHAT: skip the test under NB_TEST_DB=pg, saying why.
sqlite_only() {
	[ "$NB_TEST_DB" = pg ] && skip "SQLite only: $*"
	return 0
}

# db_dump: a stable dump of every table, to show nothing changed after a
# failure (sequences left out: PostgreSQL's are not rolled back). On
# PostgreSQL: each table's rows as text, sorted (one psql, not pg_dump:
# 40 ms, not 250, and refused() takes two).
db_dump() {
	if [ "$NB_TEST_DB" = pg ]; then
		printf '%s\n' "SELECT format('SELECT %L, t::text FROM %I t
		    ORDER BY 2', table_name, table_name)
		    FROM information_schema.tables
		    WHERE table_schema = current_schema() AND
		    table_type = 'BASE TABLE' AND table_name <> 'events'
		    ORDER BY 1" '\gexec' | pg_sql - -d "$DB"
	else
		sqlite3 "$DB" .dump | grep -v '^INSERT INTO events\|sqlite_sequence'
	fi
}

# netns_new NAME: a fresh namespace (name printed), deleted at cleanup.
netns_new() {
	local ns="nbt$$-$1"
	ip netns add "$ns" || fail "ip netns add $ns"
	NB_NETNS="$NB_NETNS $ns"
	echo "$ns" >>"$T/.netns"
	ip -n "$ns" link set lo up
	echo "$ns"
}

# test_config [EXTRA]: a netboot.conf for daemons started as root in tests:
# they drop to nobody, so the state directory belongs to nobody.
test_config() {
	chown nobody: "$T" 2>/dev/null
	{
		echo "database = $DB"
		# a PostgreSQL database has no directory: the files are in $T
		[ "$NB_TEST_DB" = pg ] && ! printf '%s\n' "${1:-}" |
		    grep -q '^datadir[[:space:]]*=' && echo "datadir = $T"
		echo "user = nobody"
		printf '%s\n' "${1:-}"
	} >"$T/netboot.conf"
	echo "$T/netboot.conf"
}

# start_bg NAME CMD...: start CMD in the background, logs in $T/NAME.log; PID killed at cleanup.
start_bg() {
	local name=$1; shift
	"$@" >"$T/$name.log" 2>&1 &
	NB_PIDS="$NB_PIDS $!"
	echo $! >"$T/$name.pid"
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds or time runs out.
wait_for() {
	local n=$(( $1 * 10 )); shift
	while [ $n -gt 0 ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}

# NB_TEST_DB=pg: the test's database is a private PostgreSQL server in
# $T/pg (tests/helpers/pg.sh) and DB its connection string. bootctl
# without -f reads $T/pg.conf, whose datadir is $T as the SQLite
# database's directory would be.
NB_TEST_DB=${NB_TEST_DB:-sqlite}
case $NB_TEST_DB in
sqlite)	;;
pg)
	grep -q '^#define HAVE_LIBPQ\b' "$top_builddir/config.h" 2>/dev/null ||
		skip "NB_TEST_DB=pg: netboot is built without libpq"
	# libpq's environment (PGHOST, PGSERVICE...) never points a test
	# elsewhere, at the system's cluster least of all.
	for v in $(env | sed -n 's/^\(PG[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
	. "$top_srcdir/tests/helpers/pg.sh"
	pg_start "$T/pg"
	DB=$PG_URL
	printf 'database = %s\ndatadir = %s\n' "$DB" "$T" >"$T/pg.conf"
	mkdir -p "$T/bin"
	printf '#!/bin/sh\nexec '\''%s'\'' -f '\''%s'\'' "$@"\n' "$BOOTCTL" "$T/pg.conf" \
	    >"$T/bin/bootctl"
	chmod 0755 "$T/bin/bootctl"
	[ -x "$BOOTCTL" ] && BOOTCTL=$T/bin/bootctl
	;;
*)	fail "NB_TEST_DB=$NB_TEST_DB: sqlite or pg" ;;
esac
