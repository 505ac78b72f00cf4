# tests/helpers/pg.sh: a private PostgreSQL server for a test, sourced
# after tests/helpers/lib.sh (which sources it when NB_TEST_DB=pg).
#	pg_start DIR	initdb into DIR/data and start the server with its
#			Unix socket in DIR (no TCP), as nobody; database
#			netboot owned by role netboot; sets and exports PG_URL
#	pg_stop		stop it (registered with at_exit by pg_start)
#	pg_sql SQL	psql -At on the netboot database as role netboot
# Debian's server binaries (package postgresql) in PG_BINDIR, else the
# newest /usr/lib/postgresql/*/bin; without them the test skips (77).
# The server is for tests only: fsync and synchronous_commit are off.
PG_DIR=""
PG_PORT=""
PG_PSQL=psql
PG_URL=""

# pg_bindir: the directory holding initdb, pg_ctl and postgres, or nothing.
pg_bindir() {
	local d
	for d in ${PG_BINDIR:-} /usr/lib/postgresql/15/bin \
	    $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] &&
			{ echo "$d"; return 0; }
	done
	return 1
}

# pg_as CMD...: CMD as nobody, from DIR (postgres refuses to run as root).
pg_as() { (cd "$PG_DIR" && runuser -u nobody -- "$@"); }

# pg_ctl_start DATA: start the server on DATA, socket in PG_DIR, no TCP.
pg_ctl_start() {
	local o="-c listen_addresses='' -k $PG_DIR -p $PG_PORT"
	o="$o -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	pg_as "$PG_BIN/pg_ctl" -D "$1" -l "$PG_DIR/server.log" -w -t 30 \
	    -o "$o -c max_connections=200" start >/dev/null 2>&1
}

# pg_template: a data directory with the netboot role and database, made
# once per build tree (initdb costs 1.5 s, a copy 0.1 s): its path.
pg_template() {
	local ver tpl tmp
	# a new server version or a new PG_COMPAT makes a new template
	ver=$("$PG_BIN/postgres" -V | awk '{ print $3 }')-$(printf %s \
	    "$PG_COMPAT" | cksum | cut -d' ' -f1)
	tpl=${PG_TEMPLATE:-$top_builddir/tests/pg/template}-$ver
	[ -f "$tpl/PG_VERSION" ] && { echo "$tpl"; return 0; }
	mkdir -p "$(dirname "$tpl")" || return 1
	tmp=$PG_DIR/template
	pg_as "$PG_BIN/initdb" -D "$tmp" -U postgres -A trust -E UTF8 \
	    --locale=C -N --wal-segsize=1 >"$PG_DIR/initdb.log" 2>&1 ||
		return 1
	pg_ctl_start "$tmp" || return 1
	# Only template1 and netboot are kept: each database is 7.5 MB to copy.
	pg_sql "CREATE ROLE netboot LOGIN" -U postgres -d template1 &&
	    pg_sql "$PG_COMPAT" -U postgres -d template1 >/dev/null &&
	    pg_sql "CREATE DATABASE netboot OWNER netboot" -U postgres \
	    -d template1 &&
	    pg_sql "DROP DATABASE postgres" -U postgres -d template1 &&
	    pg_sql "ALTER DATABASE template0 IS_TEMPLATE false" -U postgres \
	    -d template1 &&
	    pg_sql "DROP DATABASE template0" -U postgres -d template1 ||
		return 1
	pg_as "$PG_BIN/pg_ctl" -D "$tmp" -m fast -w stop >/dev/null || return 1
	rm -f "$tmp/postmaster.opts"
	# Another test may have made it meanwhile: the first rename wins.
	mv -T "$tmp" "$tpl" 2>/dev/null || rm -rf "$tmp"
	[ -f "$tpl/PG_VERSION" ] && echo "$tpl"
}

pg_start() {
	local tpl
	PG_BIN=$(pg_bindir) || skip "no PostgreSQL server (initdb, pg_ctl," \
	    "postgres): install postgresql (tools/deps/postgresql.txt)"
	# Debian's /usr/bin/psql is a Perl wrapper: 100 ms a call more
	PG_PSQL=$PG_BIN/psql
	[ -x "$PG_PSQL" ] || PG_PSQL=$(command -v psql) ||
		skip "psql is not installed (postgresql-client)"
	command -v runuser >/dev/null 2>&1 ||
		skip "runuser is not installed (util-linux)"
	[ "$(id -u)" = 0 ] ||
		skip "needs root to run the test's PostgreSQL as nobody"
	PG_DIR=$1
	mkdir -p "$PG_DIR" || fail "mkdir $PG_DIR"
	chown nobody: "$PG_DIR" || fail "chown nobody $PG_DIR"
	chmod 0755 "$PG_DIR"
	# The socket's name is all the port is here (no TCP); any number is
	# free inside a private directory.
	PG_PORT=$((40000 + $$ % 20000))
	tpl=$(pg_template) || fail "cannot make a PostgreSQL data directory:" \
	    "$(tail -5 "$PG_DIR/initdb.log" "$PG_DIR/server.log" 2>/dev/null)"
	cp -a "$tpl" "$PG_DIR/data" || fail "cp $tpl"
	at_exit pg_stop
	pg_ctl_start "$PG_DIR/data" ||
		fail "PostgreSQL did not start: $(tail -5 "$PG_DIR/server.log")"
	PG_URL="postgresql:///netboot?host=$PG_DIR&port=$PG_PORT&user=netboot"
	export PG_URL
}

# pg_stop: stop the test's server (fast: its data is thrown away) and
# wait until its postmaster is gone (it removes its pid file first).
pg_stop() {
	local pid n=50
	[ -n "$PG_DIR" ] && [ -f "$PG_DIR/data/postmaster.pid" ] || return 0
	pid=$(head -1 "$PG_DIR/data/postmaster.pid")
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop \
	    >/dev/null 2>&1
	while [ $n -gt 0 ] && [ -r "/proc/$pid/status" ] &&
	    ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"; do
		sleep 0.1
		n=$((n - 1))
	done
	[ $n -gt 0 ]
}

# pg_sql SQL [PSQL-ARGS...]: run SQL (one or more statements; - reads
# them from stdin); rows on stdout as sqlite3 prints them: columns joined
# by '|', no header, NULL as nothing.
pg_sql() {
	local q=$1
	shift
	if [ "$q" = - ]; then set -- "$@" -f -; else set -- "$@" -c "$q"; fi
	"$PG_PSQL" -X -At -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -p "$PG_PORT" \
	    -U netboot -d netboot "$@"
}

# The SQLite functions the tests' own SQL uses, in schema nbtest of
# template1, so of every database the test creates (db_sql puts it last
# on the search path; the programs never see it).
PG_COMPAT="CREATE SCHEMA nbtest;
GRANT USAGE ON SCHEMA nbtest TO PUBLIC;
CREATE FUNCTION nbtest.ifnull(anycompatible, anycompatible)
    RETURNS anycompatible LANGUAGE sql IMMUTABLE
    AS 'SELECT coalesce(\$1, \$2)';
CREATE FUNCTION nbtest.gc_step(text, anyelement) RETURNS text
    LANGUAGE sql IMMUTABLE AS 'SELECT CASE WHEN \$2 IS NULL THEN \$1
    WHEN \$1 IS NULL THEN \$2::text ELSE \$1 || '','' || \$2::text END';
CREATE AGGREGATE nbtest.group_concat(anyelement)
    (sfunc = nbtest.gc_step, stype = text);
CREATE FUNCTION nbtest.gc_step(text, anyelement, text) RETURNS text
    LANGUAGE sql IMMUTABLE AS 'SELECT CASE WHEN \$2 IS NULL THEN \$1
    WHEN \$1 IS NULL THEN \$2::text ELSE \$1 || \$3 || \$2::text END';
CREATE AGGREGATE nbtest.group_concat(anyelement, text)
    (sfunc = nbtest.gc_step, stype = text);
CREATE FUNCTION nbtest.unixepoch(text) RETURNS bigint
    LANGUAGE sql STABLE AS 'SELECT extract(epoch FROM CASE WHEN \$1 = ''now''
    THEN now() ELSE \$1::timestamptz END)::bigint';
CREATE FUNCTION nbtest.json_object(text, text) RETURNS text
    LANGUAGE sql IMMUTABLE AS 'SELECT json_build_object(\$1, \$2)::text';
CREATE FUNCTION nbtest.json_extract(jsonb, text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS 'SELECT \$1 #>> string_to_array(substr(\$2, 3), ''.'')';
CREATE FUNCTION nbtest.json_extract(text, text) RETURNS text
    LANGUAGE sql IMMUTABLE
    AS 'SELECT \$1::jsonb #>> string_to_array(substr(\$2, 3), ''.'')';
CREATE FUNCTION nbtest.strftime(text) RETURNS bigint LANGUAGE sql STABLE
    AS 'SELECT extract(epoch FROM now())::bigint';
CREATE FUNCTION nbtest.strftime(text, text) RETURNS bigint
    LANGUAGE sql STABLE AS 'SELECT nbtest.unixepoch(\$2)';
CREATE FUNCTION nbtest.hex(bytea) RETURNS text
    LANGUAGE sql IMMUTABLE AS 'SELECT upper(encode(\$1, ''hex''))';
CREATE FUNCTION nbtest.hex(text) RETURNS text
    LANGUAGE sql IMMUTABLE AS 'SELECT upper(encode(convert_to(\$1, ''UTF8''), ''hex''))';"
