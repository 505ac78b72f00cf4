/*
 * pg.c: PostgreSQL's half of the statement API (db_pg.c) against the
 * server NB_TEST_PG names (a libpq connection string; skipped when
 * unset): binds and columns of each type, SQLite's parameters
 * translated, constraint errors mapped as SQLite's, a failed write that
 * leaves its transaction usable, serialized writers, notifications as
 * data_version, a server gone away, a read-only one, and foreign keys
 * checked. It works on tables of its own (pgt_*), so it runs on a
 * database holding netboot's schema too, and migrates the database to
 * that schema if this build has it. NB_TEST_PG_STOP and NB_TEST_PG_START
 * (shell commands) let it stop and start the server; NB_TEST_PG_BENCH=1
 * prints microseconds per statement.
 */
#include "config.h"

#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db_int.h"
#include "tap.h"
#include "xmalloc.h"

/* The PostgreSQL schema (db_schema_pg.c), if this build has it. */
extern const int db_pg_nmigrations __attribute__((weak));

static const char schema[] =
    "DROP TABLE IF EXISTS pgt_child, pgt_parent;"
    "CREATE TABLE pgt_parent (id bigserial PRIMARY KEY,"
    " name text NOT NULL UNIQUE CHECK (length(name) <= 8),"
    " n bigint, r double precision, b bytea);"
    "CREATE TABLE pgt_child (id bigserial PRIMARY KEY,"
    " parent bigint NOT NULL REFERENCES pgt_parent (id));"
    "CREATE OR REPLACE FUNCTION pgt_notify() RETURNS trigger"
    " LANGUAGE plpgsql AS $$BEGIN PERFORM pg_notify('netboot',"
    " TG_TABLE_NAME); RETURN NULL; END$$;"
    "CREATE TRIGGER pgt_parent_notify AFTER INSERT OR UPDATE OR DELETE"
    " ON pgt_parent FOR EACH STATEMENT EXECUTE FUNCTION pgt_notify();";

static double
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static struct nb_db *
open_db(const char *conninfo)
{
	struct nb_db	*db = NULL;
	char		 err[1024];

	/* Migrated in test_schema, if this build has the schema. */
	if (nb_db_open(conninfo, NB_DB_NOMIGRATE, &db, err, sizeof(err)) !=
	    NB_OK) {
		printf("# %s\n", err);
		return NULL;
	}
	return db;
}

/* Step a statement of no rows; the nb_rc. */
static int
run(struct nb_db *db, const char *sql, const char *a, const char *b)
{
	struct db_st	*st;
	int		 rc;

	if ((st = db_prepare(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, a);
	if (b != NULL)
		db_bind_text(st, 2, b);
	rc = db_exec_stmt(db, st);
	dbs_finalize(st);
	return rc;
}

/* The one integer a query returns, -1 if none. */
static int64_t
count(struct nb_db *db, const char *sql)
{
	struct db_st	*st;
	int64_t		 n = -1;

	if ((st = db_prepare(db, sql)) == NULL)
		return -1;
	if (dbs_step(st) == SQLITE_ROW)
		n = dbs_column_int64(st, 0);
	dbs_finalize(st);
	return n;
}

static void
test_binds(struct nb_db *db)
{
	static const unsigned char blob[] = { 0, 1, 2, 255, 0, 'x' };
	struct db_st	*st;

	st = db_prepare(db, "INSERT INTO pgt_parent (name, n, r, b) "
	    "VALUES (?1, ?2, ?3, ?4)");
	ok(st != NULL, "prepare an insert");
	ok(dbs_bind_text(st, 1, xstrdup("alpha"), -1, free) == SQLITE_OK &&
	    dbs_bind_int64(st, 2, -9000000000123LL) == SQLITE_OK &&
	    dbs_bind_double(st, 3, 2.5) == SQLITE_OK &&
	    dbs_bind_blob(st, 4, blob, sizeof(blob), SQLITE_STATIC) ==
	    SQLITE_OK, "bind text (freed by its destructor), int, real, blob");
	ok(dbs_bind_int(st, 5, 1) == SQLITE_RANGE, "a sixth parameter is out "
	    "of range");
	ok(dbs_step(st) == SQLITE_DONE, "the insert is done");
	ok(db_changes(db) == 1, "it changed one row");
	ok(db_last_rowid(db) == 1, "its id is the last rowid");
	dbs_finalize(st);

	st = db_prepare(db, "SELECT name, n, r, b, n < 0, NULL, id "
	    "FROM pgt_parent WHERE name = ?");
	ok(dbs_column_count(st) == 7 && db_pg_column_name(st->pg, 6) != NULL &&
	    strcmp(db_pg_column_name(st->pg, 6), "id") == 0 &&
	    db_pg_column_name(st->pg, 7) == NULL, "seven columns before "
	    "a step, as SQLite knows them, and their names");
	db_bind_text(st, 1, "alpha");
	ok(dbs_step(st) == SQLITE_ROW, "the row reads back");
	ok(dbs_column_count(st) == 7, "seven columns");
	is_str((const char *)dbs_column_text(st, 0), "alpha", "text");
	ok(dbs_column_type(st, 0) == SQLITE_TEXT, "text column type");
	ok(dbs_column_int64(st, 1) == -9000000000123LL &&
	    dbs_column_type(st, 1) == SQLITE_INTEGER, "int64 and its type");
	ok(dbs_column_double(st, 2) == 2.5 &&
	    dbs_column_type(st, 2) == SQLITE_FLOAT, "double and its type");
	ok(dbs_column_type(st, 3) == SQLITE_BLOB &&
	    dbs_column_bytes(st, 3) == (int)sizeof(blob) &&
	    memcmp(dbs_column_blob(st, 3), blob, sizeof(blob)) == 0,
	    "blob, its bytes and its type");
	ok(dbs_column_int(st, 4) == 1 && dbs_column_type(st, 4) ==
	    SQLITE_INTEGER, "a boolean is an integer, true is 1");
	ok(dbs_column_type(st, 5) == SQLITE_NULL &&
	    dbs_column_text(st, 5) == NULL, "NULL");
	ok(dbs_step(st) == SQLITE_DONE, "then done");
	dbs_reset(st);
	db_bind_text(st, 1, "nobody");
	ok(dbs_step(st) == SQLITE_DONE, "again with another value: no row");
	dbs_finalize(st);

	ok(run(db, "UPDATE pgt_parent SET n = ? WHERE name = ?", "42",
	    "alpha") == NB_OK && count(db, "SELECT n FROM pgt_parent") == 42,
	    "text bound to an integer column is coerced");
	ok(db_changes(db) == 1, "the update changed one row");
	ok(count(db, "SELECT count(*) FROM pgt_parent") == 1 &&
	    db_changes(db) == 1, "a SELECT leaves changes as they were");
}

static void
test_translate(struct nb_db *db)
{
	struct db_st	*st;

	st = db_prepare(db, "SELECT ?2 || '?' || ?1 || 'it''s ?1' -- ?\n"
	    ", ?, \"?column?\" FROM (SELECT 1 AS \"?column?\") AS t");
	ok(st != NULL, "prepare numbered and bare parameters");
	db_bind_text(st, 1, "a");
	db_bind_text(st, 2, "b");
	dbs_bind_int(st, 3, 7);
	ok(dbs_step(st) == SQLITE_ROW, "it runs");
	is_str((const char *)dbs_column_text(st, 0), "b?ait's ?1",
	    "?N become $N, and ? in literals stays");
	ok(dbs_column_int(st, 1) == 7, "a bare ? after ?2 is the third");
	ok(dbs_column_int(st, 2) == 1, "a quoted name keeps its ?");
	dbs_finalize(st);
	st = db_prepare(db, "SELECT $$a ? b$$ || $q$?'$q$ || ?, a$b "
	    "FROM (SELECT 1 AS a$b) AS t");
	dbs_bind_text(st, 1, "c", -1, SQLITE_STATIC);
	ok(st != NULL && dbs_step(st) == SQLITE_ROW, "dollar quotes run: %s",
	    db_errmsg(db));
	is_str((const char *)dbs_column_text(st, 0), "a ? b?'c",
	    "a ? in dollar quotes stays");
	dbs_finalize(st);
	st = db_prepare(db, "SELECT ?, ?");
	dbs_bind_int(st, 1, 1);
	dbs_bind_int(st, 2, 2);
	ok(dbs_step(st) == SQLITE_ROW && dbs_column_int(st, 0) == 1 &&
	    dbs_column_int(st, 1) == 2, "bare ? count up");
	dbs_finalize(st);
}

static void
test_errors(struct nb_db *db)
{
	const char	*ins = "INSERT INTO pgt_parent (name) VALUES (?)";

	ok(run(db, ins, "alpha", NULL) == NB_EXISTS, "a duplicate is "
	    "NB_EXISTS: %s", nb_db_errmsg(db));
	ok(db_errcode(db) == SQLITE_CONSTRAINT_UNIQUE, "as SQLite's unique");
	ok(run(db, ins, "muchtoolong", NULL) == NB_INVALID, "a CHECK is "
	    "NB_INVALID: %s", nb_db_errmsg(db));
	ok(run(db, ins, NULL, NULL) == NB_INVALID, "NOT NULL is "
	    "NB_INVALID: %s", nb_db_errmsg(db));
	ok(run(db, "INSERT INTO pgt_child (parent) VALUES (?)", "999",
	    NULL) == NB_INUSE, "a missing parent is NB_INUSE: %s",
	    nb_db_errmsg(db));
	ok(run(db, "INSERT INTO pgt_child (parent) VALUES (?)", "1", NULL) ==
	    NB_OK, "a child of alpha");
	ok(run(db, "DELETE FROM pgt_parent WHERE name = ?", "alpha", NULL) ==
	    NB_INUSE, "deleting a referenced row is NB_INUSE");
	ok(run(db, "SELECT nosuchcolumn FROM pgt_parent", NULL, NULL) ==
	    NB_ERR && strstr(nb_db_errmsg(db), "nosuchcolumn") != NULL,
	    "a bad query is NB_ERR with the server's message: %s",
	    nb_db_errmsg(db));
}

static void
test_tx(struct nb_db *db)
{
	const char	*ins = "INSERT INTO pgt_parent (name) VALUES (?)";

	ok(nb_db_begin(db) == NB_OK, "begin");
	ok(run(db, ins, "beta", NULL) == NB_OK, "insert beta");
	ok(run(db, ins, "alpha", NULL) == NB_EXISTS, "alpha again: exists");
	ok(run(db, ins, "gamma", NULL) == NB_OK, "the transaction goes on");
	ok(nb_db_savepoint(db, NB_SP_BEGIN) == NB_OK &&
	    run(db, ins, "delta", NULL) == NB_OK &&
	    nb_db_savepoint(db, NB_SP_ROLLBACK) == NB_OK, "a savepoint "
	    "rolled back");
	ok(db_last_rowid(db) > 1, "the last rowid inside it");
	ok(nb_db_commit(db) == NB_OK, "commit: %s", nb_db_errmsg(db));
	ok(count(db, "SELECT count(*) FROM pgt_parent") == 3,
	    "alpha, beta, gamma; no delta");
	ok(nb_db_begin(db) == NB_OK && run(db, ins, "epsilon", NULL) ==
	    NB_OK, "begin, insert");
	nb_db_rollback(db);
	nb_db_rollback(db);
	ok(count(db, "SELECT count(*) FROM pgt_parent WHERE name = "
	    "'epsilon'") == 0, "rolled back (twice: the second is a no-op)");
	ok(nb_db_read_begin(db) == NB_OK && count(db, "SELECT count(*) "
	    "FROM pgt_parent") == 3, "a read transaction");
	nb_db_read_end(db);
	nb_db_read_end(db);
	ok(run(db, ins, "zeta", NULL) == NB_OK &&
	    run(db, "DELETE FROM pgt_parent WHERE name = ?", "zeta", NULL) ==
	    NB_OK, "after it, autocommit writes");
}

static void
test_writers(struct nb_db *a, struct nb_db *b)
{
	double	 t;
	int	 rc;

	nb_db_busy_timeout(b, 200);
	ok(nb_db_begin(a) == NB_OK, "a begins a write");
	t = now_us();
	rc = nb_db_begin(b);
	t = now_us() - t;
	ok(rc == NB_BUSY, "b cannot meanwhile: busy after %.0f ms: %s",
	    t / 1000, nb_db_errmsg(b));
	ok(t >= 150000, "after its busy timeout");
	ok(nb_db_commit(a) == NB_OK, "a commits");
	ok(nb_db_begin(b) == NB_OK, "then b can");
	nb_db_rollback(b);
	nb_db_busy_timeout(b, 10000);
}

/* Wait up to a second for db's data_version to leave v; the new one. */
static int64_t
moved(struct nb_db *db, int64_t v)
{
	int64_t	 n = v;
	int	 i;

	for (i = 0; i < 100 && (n = nb_db_data_version(db)) == v; i++)
		usleep(10000);
	return n;
}

static struct nb_db	*writer_db;
static int		 checks;

static int
writer_check(void *arg)
{
	checks++;
	nb_db_data_version(writer_db);
	return 0;
}

static void
test_notify(struct nb_db *a, struct nb_db *b, struct nb_db *c)
{
	struct nb_db_writer	 w;
	const char		*ins = "INSERT INTO pgt_parent (name) VALUES (?)";
	int64_t			 va, vb, vc;

	va = nb_db_data_version(a);
	vb = nb_db_data_version(b);
	ok(run(a, ins, "eta", NULL) == NB_OK, "a writes");
	ok(moved(b, vb) != vb, "b's data_version moves within 1 s");
	ok(nb_db_data_version(a) == va, "a's own does not");

	/* c is a loop tied to its writer, a. */
	memset(&w, 0, sizeof(w));
	w.check = writer_check;
	writer_db = a;
	nb_db_set_writer(c, &w);
	vc = nb_db_data_version(c);
	ok(run(a, ins, "theta", NULL) == NB_OK, "the writer writes");
	vc = moved(c, vc);
	ok(checks > 0, "the loop asked its writer (%d)", checks);
	ok(run(a, ins, "iota", NULL) == NB_OK, "the writer writes again");
	usleep(200000);
	ok(nb_db_data_version(c) == vc, "now the loop ignores its writer");
	ok(run(b, ins, "kappa", NULL) == NB_OK, "another connection writes");
	ok(moved(c, vc) != vc, "the loop sees it");
}

static void
test_gone(const char *conninfo, struct nb_db *a, struct nb_db *b)
{
	struct nb_db	*db = NULL;
	char		 err[1024], sql[80], *s;
	int		 rc;

	/* Keywords: a later one wins. */
	if (strstr(conninfo, "://") == NULL) {
		xasprintf(&s, "%s dbname=nb_no_such_db", conninfo);
		rc = nb_db_open(s, NB_DB_CREATE, &db, err, sizeof(err));
		ok(rc == NB_NOTFOUND && strstr(err, "createdb") != NULL,
		    "a database that does not exist is not created: %s", err);
		free(s);
	}

	rc = nb_db_open("host=/nonexistent port=1 dbname=x", 0, &db, err,
	    sizeof(err));
	ok(rc != NB_OK && db == NULL && strstr(err, "PostgreSQL server") !=
	    NULL, "no server: %s", err);
	rc = nb_db_open("postgresql://u:secret@/x?host=/nonexistent", 0, &db,
	    err, sizeof(err));
	ok(rc != NB_OK && strstr(err, "secret") == NULL, "the password is "
	    "not told: %s", err);

	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)",
	    db_pg_backend(a->pg));
	ok(count(b, sql) == 1, "a's session is ended by the server");
	usleep(200000);
	ok(count(a, "SELECT 1") == -1 && db_errcode(a) == SQLITE_IOERR &&
	    strstr(db_errmsg(a), "unreachable") != NULL, "a says: %s",
	    db_errmsg(a));
	ok(run(a, "SELECT 1", NULL, NULL) == NB_OK, "the next statement "
	    "connects again");
	ok(count(a, "SELECT count(*) FROM pgt_parent") > 0, "and reads");
	ok(nb_db_begin(a) == NB_OK && nb_db_commit(a) == NB_OK,
	    "and writes again");
}

/*
 * With NB_TEST_PG_STOP and NB_TEST_PG_START (shell commands that stop
 * and start the server): a stopped server gives errors, quickly, and
 * its return a connection again and a change of data_version.
 */
static void
test_stopped(struct nb_db *a)
{
	const char	*stop = getenv("NB_TEST_PG_STOP");
	const char	*start = getenv("NB_TEST_PG_START");
	double		 t, worst = 0;
	int64_t		 v;
	int		 i, fails = 0;

	if (stop == NULL || start == NULL) {
		printf("# no NB_TEST_PG_STOP and NB_TEST_PG_START: the server "
		    "is not stopped\n");
		return;
	}
	v = nb_db_data_version(a);
	nb_db_busy_timeout(a, NB_DB_LOOP_BUSY_MS);	/* as a daemon's loop */
	ok(system(stop) == 0, "the server stops");
	for (i = 0; i < 50; i++) {
		t = now_us();
		if (count(a, "SELECT 1") != 1)
			fails++;
		nb_db_data_version(a);
		t = now_us() - t;
		if (t > worst)
			worst = t;
		usleep(20000);
	}
	ok(fails == 50, "every statement fails: %s", db_errmsg(a));
	ok(worst < 50000, "none waits long (at most %.1f ms)", worst / 1e3);
	ok(run(a, "SELECT 1", NULL, NULL) == NB_ERR, "NB_ERR: %s",
	    nb_db_errmsg(a));
	ok(nb_db_begin(a) != NB_OK, "no transaction begins");
	ok(system(start) == 0, "the server starts");
	for (i = 0; i < 300 && count(a, "SELECT 1") != 1; i++)
		usleep(10000);
	ok(i < 300, "a statement works again after %d ms", i * 10);
	ok(nb_db_data_version(a) != v, "data_version moved: caches re-read");
	ok(nb_db_begin(a) == NB_OK && nb_db_commit(a) == NB_OK,
	    "writes again");
	nb_db_busy_timeout(a, 10000);
}

static void
report(const char *msg, void *arg)
{
	printf("# check: %s\n", msg);
	(*(int *)arg)++;
}

/* A session on a read-only server (a standby, after a failover). */
static void
test_standby(struct nb_db *db)
{
	const char	*ins = "INSERT INTO pgt_parent (name) VALUES (?)";
	int		 i, rc;

	ok(db_pg_exec(db->pg, "SET default_transaction_read_only = on") ==
	    SQLITE_OK, "the session becomes read-only");
	ok(run(db, ins, "lambda", NULL) == NB_ERR && db_errcode(db) ==
	    SQLITE_READONLY, "a write fails: %s", nb_db_errmsg(db));
	for (i = 0; i < 150 && (rc = run(db, ins, "lambda", NULL)) != NB_OK;
	    i++)
		usleep(10000);
	ok(rc == NB_OK, "a new session takes the write (%d ms)", i * 10);
}

static void
test_misc(struct nb_db *db)
{
	int	 v, n = 0;

	ok((v = nb_db_version(db)) >= 0, "schema version %d", v);
	ok(nb_db_check(db, report, &n) == (v != NB_DB_VERSION) && n ==
	    (v != NB_DB_VERSION), "check reports the version only if it "
	    "is not %d", NB_DB_VERSION);
	if (&db_pg_nmigrations == NULL) {
		ok(nb_db_migrate(db, 0) == NB_ERR && strstr(nb_db_errmsg(db),
		    "no schema") != NULL, "no schema to migrate to: %s",
		    nb_db_errmsg(db));
	} else {
		ok(nb_db_migrate(db, 0) == NB_OK && nb_db_version(db) ==
		    NB_DB_VERSION, "migrated to %d: %s", NB_DB_VERSION,
		    nb_db_errmsg(db));
		ok(nb_db_check(db, report, &n) == 0, "check: nothing");
	}
	/* A foreign key added NOT VALID over a row that breaks it. */
	n = 0;
	ok(db_pg_exec(db->pg, "DELETE FROM pgt_child;"
	    "ALTER TABLE pgt_child DROP CONSTRAINT pgt_child_parent_fkey;"
	    "INSERT INTO pgt_child (parent) VALUES (4242);"
	    "ALTER TABLE pgt_child ADD CONSTRAINT pgt_child_parent_fkey "
	    "FOREIGN KEY (parent) REFERENCES pgt_parent (id) NOT VALID") ==
	    SQLITE_OK, "a child row of no parent");
	v = nb_db_version(db);
	ok(nb_db_check(db, report, &n) == 1 + (v != NB_DB_VERSION) &&
	    n == 1 + (v != NB_DB_VERSION), "check reports it");
	ok(db_pg_exec(db->pg, "DELETE FROM pgt_child") == SQLITE_OK,
	    "removed");
	ok(nb_db_backup(db, "/tmp/nb-pg-backup") == NB_INVALID,
	    "no backup: %s", nb_db_errmsg(db));
	ok(strstr(nb_db_path(db), "password") == NULL, "path: %s",
	    nb_db_path(db));
}

/* Microseconds per step of n inserts in st, from name i0. */
static double
bench_insert(struct nb_db *db, struct db_st *st, int i0, int n)
{
	double	 t;
	char	 name[16];
	int	 i;

	t = now_us();
	for (i = 0; i < n; i++) {
		dbs_reset(st);
		snprintf(name, sizeof(name), "b%d", i0 + i);
		db_bind_text(st, 1, name);
		if (dbs_step(st) != SQLITE_DONE)
			printf("# insert: %s\n", db_errmsg(db));
	}
	return (now_us() - t) / n;
}

/* Microseconds per statement (NB_TEST_PG_BENCH): reads and writes. */
static void
bench(struct nb_db *db)
{
	static const char sel[] = "SELECT id, name FROM pgt_parent "
	    "WHERE name = ?";
	static const char ins[] = "INSERT INTO pgt_parent (name) VALUES (?)";
	struct db_st	*st;
	double		 t, best[2];
	int		 i, k, n = 2000;

	for (k = 0; k < 2; k++) {
		st = k == 0 ? db_stmt(db, sel) : db_prepare(db, sel);
		t = now_us();
		for (i = 0; i < n; i++) {
			dbs_reset(st);
			db_bind_text(st, 1, "alpha");
			while (dbs_step(st) == SQLITE_ROW)
				;
		}
		printf("# read by key, %s: %.1f us per statement\n",
		    k == 0 ? "planned (db_stmt)" : "parsed each time",
		    (now_us() - t) / n);
		if (k == 1)
			dbs_finalize(st);
	}
	st = db_stmt(db, ins);
	printf("# insert, autocommit: %.1f us\n", bench_insert(db, st, 0, n));
	/* Interleaved, the best of 10 rounds: this machine is shared. */
	nb_db_begin(db);
	for (k = 0, best[0] = best[1] = 1e9; k < 20; k++) {
		db_pg_set_tx(db->pg, k % 2 == 0);
		t = bench_insert(db, st, n + k * 100, 100);
		if (t < best[k % 2])
			best[k % 2] = t;
	}
	db_pg_set_tx(db->pg, 1);
	printf("# insert in a transaction, a savepoint each: %.1f us\n",
	    best[0]);
	printf("# insert in a transaction, no savepoint: %.1f us\n",
	    best[1]);
	t = now_us();
	nb_db_commit(db);
	printf("# commit of 2000 rows: %.0f us\n", now_us() - t);
	t = now_us();
	for (i = 0; i < 200; i++) {
		nb_db_begin(db);
		nb_db_commit(db);
	}
	printf("# begin (with the writers' lock) and commit: %.1f us\n",
	    (now_us() - t) / 200);
	t = now_us();
	for (i = 0; i < n; i++)
		nb_db_data_version(db);
	printf("# data_version: %.2f us\n", (now_us() - t) / n);
	run(db, "DELETE FROM pgt_parent WHERE name LIKE 'b%'", NULL, NULL);
}

int
main(void)
{
	const char	*conninfo = getenv("NB_TEST_PG");
	struct nb_db	*a, *b, *c;

	if (conninfo == NULL || *conninfo == '\0') {
		printf("1..0 # SKIP NB_TEST_PG (a libpq connection string) "
		    "is not set\n");
		return 0;
	}
	if ((a = open_db(conninfo)) == NULL || (b = open_db(conninfo)) ==
	    NULL || (c = open_db(conninfo)) == NULL) {
		printf("Bail out! cannot open %s\n", conninfo);
		return 1;
	}
	if (db_pg_exec(a->pg, schema) != SQLITE_OK) {
		printf("Bail out! %s\n", db_pg_errmsg(a->pg));
		return 1;
	}
	test_binds(a);
	test_translate(a);
	test_errors(a);
	test_tx(a);
	test_writers(a, b);
	test_notify(a, b, c);
	test_gone(conninfo, a, b);
	test_stopped(a);
	test_standby(a);
	test_misc(a);
	if (getenv("NB_TEST_PG_BENCH") != NULL)
		bench(a);
	nb_db_close(c);
	nb_db_close(b);
	nb_db_close(a);
	return done_testing();
}
