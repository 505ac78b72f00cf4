/*
 * db.c: opening the shared database, migrations, transactions (read
 * ones too), checks, online backups and the statement cache. Each
 * process opens one connection; daemons keep it for their lifetime, so
 * their statements stay prepared.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include <stdint.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"
#include "xmalloc.h"

#define DB_BUSY_MS	10000
/*
 * PostgreSQL: the advisory lock every write transaction takes first, so
 * that writers run one at a time as under SQLite's BEGIN IMMEDIATE
 * ("netboot" in ASCII).
 */
#define DB_PG_WRITE_LOCK	"31073797980254068"

#ifdef HAVE_LIBPQ
/* The loop's connection asking its writer's (db_foreign_version). */
static _Thread_local struct nb_db *db_asking;
#endif

/*
 * Whether a database value names a PostgreSQL database: a postgresql://
 * URI or libpq's keywords (service=netboot, host=... dbname=...), not a
 * path (one starting with / or ., or SQLite's file: names).
 */
int
nb_db_is_pg(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 ||
	    strncmp(s, "postgres://", 11) == 0 ||
	    (s[0] != '/' && s[0] != '.' && strncmp(s, "file:", 5) != 0 &&
	    strchr(s, '=') != NULL);
}

int64_t
nb_now(void)
{
	return (int64_t)time(NULL);
}

int
db_fail(struct nb_db *db, int rc, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	return rc;
}

int
db_sqlerr(struct nb_db *db, int sqrc)
{
	const char	*msg = db_errmsg(db);

	switch (sqrc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return db_fail(db, NB_BUSY, "database is locked by another process");
	case SQLITE_CONSTRAINT:
		if (sqrc == SQLITE_CONSTRAINT_PRIMARYKEY || sqrc == SQLITE_CONSTRAINT_UNIQUE)
			return db_fail(db, NB_EXISTS, "%s", msg);
		if (sqrc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return db_fail(db, NB_INUSE, "%s", msg);
		return db_fail(db, NB_INVALID, "%s", msg);
	default:
		return db_fail(db, NB_ERR, "%s", msg);
	}
}

/* The text of sql for db's engine: DB_SQL's first or second part. */
static const char *
db_dialect(const struct nb_db *db, const char *sql)
{
	if (sql[0] != '\001')
		return sql;
	sql++;
	return db->pg == NULL ? sql : sql + strlen(sql) + 1;
}

struct db_st *
db_prepare(struct nb_db *db, const char *sql)
{
	struct db_st	*st;

	st = xcalloc(1, sizeof(*st));
#ifdef HAVE_LIBPQ
	if (db->pg != NULL) {
		if ((st->pg = db_pg_prepare(db, db_dialect(db, sql))) == NULL) {
			free(st);
			return NULL;
		}
		return st;
	}
#endif
	if (sqlite3_prepare_v3(db->sq, db_dialect(db, sql), -1,
	    SQLITE_PREPARE_PERSISTENT, &st->sq, NULL) != SQLITE_OK) {
		db_fail(db, NB_ERR, "prepare: %s", sqlite3_errmsg(db->sq));
		free(st);
		return NULL;
	}
	return st;
}

void
dbs_finalize(struct db_st *st)
{
	if (st == NULL)
		return;
#ifdef HAVE_LIBPQ
	if (st->pg != NULL)
		db_pg_finalize(st->pg);
#endif
	sqlite3_finalize(st->sq);
	free(st);
}

struct db_st *
db_stmt(struct nb_db *db, const char *sql)
{
	struct db_st	*st;
	int		 i;

	for (i = 0; i < db->ncache; i++) {
		if (db->cache[i].sql == sql) {
			st = db->cache[i].st;
			dbs_reset(st);
			if (st->sq != NULL)
				sqlite3_clear_bindings(st->sq);
#ifdef HAVE_LIBPQ
			else
				db_pg_clear(st->pg);
#endif
			return st;
		}
	}
	if ((st = db_prepare(db, sql)) == NULL)
		return NULL;
#ifdef HAVE_LIBPQ
	if (st->pg != NULL)
		db_pg_keep(st->pg);
#endif
	if (db->ncache == DB_STMT_CACHE)
		fatalx("%s: statement cache full", __func__);
	db->cache[db->ncache].sql = sql;
	db->cache[db->ncache].st = st;
	db->ncache++;
	return st;
}

int64_t
db_changes(struct nb_db *db)
{
#ifdef HAVE_LIBPQ
	if (db->pg != NULL)
		return db_pg_changes(db->pg);
#endif
	return sqlite3_changes64(db->sq);
}

int64_t
db_last_rowid(struct nb_db *db)
{
#ifdef HAVE_LIBPQ
	if (db->pg != NULL)
		return db_pg_last_rowid(db->pg);
#endif
	return sqlite3_last_insert_rowid(db->sq);
}

int
db_errcode(struct nb_db *db)
{
#ifdef HAVE_LIBPQ
	if (db->pg != NULL)
		return db_pg_errcode(db->pg);
#endif
	return sqlite3_extended_errcode(db->sq);
}

const char *
db_errmsg(struct nb_db *db)
{
#ifdef HAVE_LIBPQ
	if (db->pg != NULL)
		return db_pg_errmsg(db->pg);
#endif
	return sqlite3_errmsg(db->sq);
}

int
db_exec_stmt(struct nb_db *db, struct db_st *st)
{
	int	 rc;

	rc = dbs_step(st);
	dbs_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_sqlerr(db, db_errcode(db));
	return NB_OK;
}

int
db_exists(struct nb_db *db, struct db_st *st)
{
	int	 rc;

	rc = dbs_step(st);
	dbs_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_sqlerr(db, db_errcode(db));
}

int
db_step_row(struct nb_db *db, struct db_st *st, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	if ((rc = dbs_step(st)) == SQLITE_ROW)
		return NB_OK;
	if (rc != SQLITE_DONE)
		return db_sqlerr(db, db_errcode(db));
	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	return NB_NOTFOUND;
}

int
db_exec_row(struct nb_db *db, struct db_st *st, const char *fmt, ...)
{
	va_list	 ap;
	int	 rc;

	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	if (db_changes(db) > 0)
		return NB_OK;
	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	return NB_NOTFOUND;
}

int
db_bind_text(struct db_st *st, int idx, const char *s)
{
	if (s == NULL)
		return dbs_bind_null(st, idx);
	return dbs_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

const size_t db_batch_rows[DB_BATCH_SIZES] = { 32, 8, 1 };

int
db_bind_json(struct db_st *st, int idx, const json_t *j)
{
	char	*s;
	int	 rc;

	if (j == NULL)
		return dbs_bind_null(st, idx);
	if ((s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("%s: json_dumps", __func__);
	rc = dbs_bind_text(st, idx, s, -1, free);
	return rc;
}

char *
db_col_str(struct db_st *st, int idx)
{
	const unsigned char	*s;

	if ((s = dbs_column_text(st, idx)) == NULL)
		return NULL;
	return xstrdup((const char *)s);
}

json_t *
db_col_json(struct db_st *st, int idx, int array)
{
	const char	*s = (const char *)dbs_column_text(st, idx);
	json_t		*j = NULL;

	if (s != NULL)
		j = json_loads(s, JSON_DECODE_ANY, NULL);
	if (j == NULL)
		j = array ? json_array() : json_object();
	return j;
}

void
json_set_str(json_t *o, const char *key, const char *value)
{
	json_object_set_new(o, key, value ? json_string(value) : json_null());
}

static int
db_exec(struct nb_db *db, const char *sql)
{
	char	*msg = NULL;
	int	 rc;

#ifdef HAVE_LIBPQ
	if (db->pg != NULL) {
		if ((rc = db_pg_exec(db->pg, sql)) == SQLITE_OK)
			return NB_OK;
		rc = rc == SQLITE_BUSY ? NB_BUSY : NB_ERR;
		return db_fail(db, rc, "%s", db_pg_errmsg(db->pg));
	}
#endif
	if ((rc = sqlite3_exec(db->sq, sql, NULL, NULL, &msg)) != SQLITE_OK) {
		db_fail(db, (rc & 0xff) == SQLITE_BUSY ? NB_BUSY : NB_ERR, "%s",
		    msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return (rc & 0xff) == SQLITE_BUSY ? NB_BUSY : NB_ERR;
	}
	return NB_OK;
}

static int
db_pragma_int(struct nb_db *db, const char *sql, int64_t *out)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(db->sq, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, NB_ERR, "%s", sqlite3_errmsg(db->sq));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return db_fail(db, NB_ERR, "%s", sqlite3_errmsg(db->sq));
	return NB_OK;
}

int
nb_db_version(struct nb_db *db)
{
	int64_t	 v = -1;

#ifdef HAVE_LIBPQ
	if (db->pg != NULL) {
		/*
		 * A failed query would abort a transaction: look first, in
		 * the catalog itself (to_regclass's cache may not have seen
		 * the table another migration just made).
		 */
		if (db_pg_int(db->pg, "SELECT count(*) FROM pg_class c JOIN "
		    "pg_namespace n ON n.oid = c.relnamespace WHERE "
		    "c.relname = 'netboot_schema' AND "
		    "n.nspname = current_schema()", &v) != SQLITE_OK ||
		    (v == 1 && db_pg_int(db->pg,
		    "SELECT coalesce(max(version), 0) FROM netboot_schema",
		    &v) != SQLITE_OK)) {
			db_fail(db, NB_ERR, "%s", db_pg_errmsg(db->pg));
			return -1;
		}
		return (int)v;
	}
#endif
	db_pragma_int(db, "PRAGMA user_version", &v);
	return (int)v;
}

int
nb_db_begin(struct nb_db *db)
{
	int	 rc;

#ifdef HAVE_LIBPQ
	if (db->pg != NULL) {
		if ((rc = db_exec(db, "BEGIN; SELECT pg_advisory_xact_lock("
		    DB_PG_WRITE_LOCK ")")) != NB_OK) {
			if (db_pg_in_tx(db->pg))
				db_pg_exec(db->pg, "ROLLBACK");
			if (rc == NB_BUSY)
				db_fail(db, rc, "database is locked by another "
				    "writer (%s)", db_pg_errmsg(db->pg));
			return rc;
		}
		db->in_tx = 1;
		db_pg_set_tx(db->pg, 1);
		return NB_OK;
	}
#endif
	if ((rc = db_exec(db, "BEGIN IMMEDIATE")) == NB_OK)
		db->in_tx = 1;
	return rc;
}

int
nb_db_commit(struct nb_db *db)
{
	int	 rc;

#ifdef HAVE_LIBPQ
	if (db->pg != NULL) {
		rc = db_pg_commit(db->pg);
		if (!db_pg_in_tx(db->pg)) {
			db->in_tx = 0;
			db_pg_set_tx(db->pg, 0);
		}
		if (rc == SQLITE_OK)
			return NB_OK;
		return db_fail(db, rc == SQLITE_BUSY ? NB_BUSY : NB_ERR, "%s",
		    db_pg_errmsg(db->pg));
	}
#endif
	if ((rc = db_exec(db, "COMMIT")) == NB_OK)
		db->in_tx = 0;
	return rc;
}

void
nb_db_rollback(struct nb_db *db)
{
#ifdef HAVE_LIBPQ
	if (db->pg != NULL) {
		if (db_pg_in_tx(db->pg))
			db_pg_exec(db->pg, "ROLLBACK");
		db->in_tx = 0;
		db_pg_set_tx(db->pg, 0);
		return;
	}
#endif
	if (sqlite3_get_autocommit(db->sq))
		return;
	sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
	db->in_tx = 0;
}

int
nb_db_savepoint(struct nb_db *db, enum nb_savepoint op)
{
	static const char *const sql[] = {
		"SAVEPOINT nb", "RELEASE nb", "ROLLBACK TO nb; RELEASE nb",
	};

	return db_exec(db, sql[op]);
}

int
nb_db_read_begin(struct nb_db *db)
{
	/*
	 * One snapshot for many reads: one WAL read lock instead of one per
	 * statement.
	 */
	static const char sql[] = "BEGIN DEFERRED";
	struct db_st	*st;

	/* PostgreSQL: one snapshot for the whole transaction. */
	if (db->pg != NULL)
		return db_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ");
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	return db_exec_stmt(db, st);
}

void
nb_db_read_end(struct nb_db *db)
{
	static const char sql[] = "COMMIT";
	struct db_st	*st;

#ifdef HAVE_LIBPQ
	if (db->pg != NULL) {
		if (db_pg_in_tx(db->pg) && db_exec(db, "COMMIT") != NB_OK)
			log_warnx("ending a read transaction: %s", db->err);
		return;
	}
#endif
	if (sqlite3_get_autocommit(db->sq))
		return;
	if ((st = db_stmt(db, sql)) == NULL || db_exec_stmt(db, st) != NB_OK)
		log_warnx("ending a read transaction: %s", db->err);
}

int
nb_db_migrate(struct nb_db *db, int target)
{
	const char *const *mig = db_migrations;
	char	 sql[160], why[sizeof(db->err)];
	int	 v, rc, nmig = db_nmigrations;

#ifdef HAVE_LIBPQ
	if (db->pg != NULL) {
		if (db_pg_nmigrations != NB_DB_VERSION)
			return db_fail(db, NB_ERR, "this build of netboot has "
			    "no schema version %d for PostgreSQL",
			    NB_DB_VERSION);
		mig = db_pg_migrations;
		nmig = db_pg_nmigrations;
	}
#endif
	if (target <= 0 || target > nmig)
		target = nmig;
	if ((rc = nb_db_begin(db)) != NB_OK)
		return rc;
	/* Read the version inside the write lock: another process may have migrated. */
	if ((v = nb_db_version(db)) < 0) {
		rc = NB_ERR;
		goto fail;
	}
	if (v > nmig) {
		rc = db_fail(db, NB_INVALID, "%s has schema version %d, newer than this "
		    "program's %d: upgrade netboot", db->path, v, nmig);
		goto fail;
	}
	for (; v < target; v++) {
		if ((rc = db_exec(db, mig[v])) != NB_OK) {
			/* Not db->err itself: db_fail writes there. */
			strlcpy(why, db->err, sizeof(why));
			db_fail(db, rc, "migration to version %d failed: %s", v + 1, why);
			goto fail;
		}
	}
	if (db->pg != NULL)
		snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS "
		    "netboot_schema (version integer NOT NULL); DELETE FROM "
		    "netboot_schema; INSERT INTO netboot_schema VALUES (%d)", v);
	else
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	if ((rc = db_exec(db, sql)) != NB_OK)
		goto fail;
	return nb_db_commit(db);
fail:
	nb_db_rollback(db);
	return rc;
}

/* Switch to WAL; while another process creates the same file this can be busy. */
static int
db_set_wal(struct nb_db *db)
{
	sqlite3_stmt	*st;
	const char	*mode;
	int		 rc, tries;

	for (tries = 0; tries < DB_BUSY_MS / 10; tries++) {
		if (sqlite3_prepare_v2(db->sq, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK)
			rc = sqlite3_extended_errcode(db->sq);
		else {
			rc = sqlite3_step(st);
			mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
			if (mode != NULL && strcmp(mode, "wal") == 0) {
				sqlite3_finalize(st);
				return NB_OK;
			}
			rc = sqlite3_extended_errcode(db->sq);
			sqlite3_finalize(st);
		}
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			break;
		sqlite3_sleep(10);
	}
	return db_fail(db, NB_ERR, "cannot switch %s to WAL mode: %s", db->path,
	    sqlite3_errmsg(db->sq));
}

void
nb_db_busy_timeout(struct nb_db *db, int msec)
{
#ifdef HAVE_LIBPQ
	char	 sql[64];

	/*
	 * PostgreSQL: how long to wait for a lock, the writers' one too, and
	 * for a connection made again.
	 */
	if (db->pg != NULL) {
		db_pg_set_wait(db->pg, msec);
		snprintf(sql, sizeof(sql), "SET lock_timeout = %d", msec);
		/* The server gone: the next statement's error says so. */
		if (db_exec(db, sql) != NB_OK && !nb_db_lost(db))
			log_warnx("%s: %s", sql, db->err);
		return;
	}
#endif
	sqlite3_busy_timeout(db->sq, msec);
}

int
nb_db_threads_init(void)
{
	/*
	 * pxedhcpd reads on its loop thread and writes on a recorder thread,
	 * each with its own connection. Serialized mode and memory statistics
	 * would make both take SQLite's global mutexes on every allocation;
	 * under a DISCOVER storm the loop then sleeps behind the writer.
	 */
	if (sqlite3_config(SQLITE_CONFIG_MULTITHREAD) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		return NB_ERR;
	return NB_OK;
}

static int
db_setup(struct nb_db *db)
{
	int	 rc;

	sqlite3_busy_timeout(db->sq, DB_BUSY_MS);
	if ((rc = db_set_wal(db)) != NB_OK)
		return rc;
	return db_exec(db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
}

/*
 * Why this process may not use the database at path, if that is the
 * reason an open failed: who it acts as (effective ids: bootctl run by
 * root acts as the database's owner) and what to chown. "" if not.
 */
static void
db_perm_hint(const char *path, char *hint, size_t hintsz)
{
	struct passwd	*pw;
	struct stat	 st;
	char		*copy, who[64], owner[80];
	const char	*dir, *what = NULL, *need = "";

	hint[0] = '\0';
	copy = xstrdup(path);
	dir = dirname(copy);
	if (faccessat(AT_FDCWD, dir, X_OK, AT_EACCESS) == -1 &&
	    errno == EACCES) {
		what = dir;
		need = "enter";
	} else if (faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) == -1 &&
	    errno == EACCES) {
		what = dir;
		need = "write in";
	} else if (faccessat(AT_FDCWD, path, R_OK | W_OK, AT_EACCESS) == -1 &&
	    errno == EACCES) {
		what = path;
		need = "read and write";
	}
	if (what != NULL) {
		if ((pw = getpwuid(geteuid())) != NULL)
			strlcpy(who, pw->pw_name, sizeof(who));
		else
			snprintf(who, sizeof(who), "uid %u",
			    (unsigned)geteuid());
		if (stat(what, &st) == 0)
			snprintf(owner, sizeof(owner),
			    ", owned by uid %u mode %04o", (unsigned)st.st_uid,
			    (unsigned)(st.st_mode & 07777));
		else
			snprintf(owner, sizeof(owner), " (%s)",
			    strerror(errno));
		snprintf(hint, hintsz, " (acting as %s, which cannot %s %s%s: "
		    "chown -R the user the daemons run as, netboot by default, "
		    "on %s)", who, need, what, owner, dir);
	}
	free(copy);
}

/*
 * Check the schema version of a database just opened and upgrade it
 * unless NB_DB_NOMIGRATE; NB_ERR with the reason in err.
 */
static int
db_open_schema(struct nb_db *db, int flags, char *err, size_t errsz)
{
	int	 v;

	if ((v = nb_db_version(db)) < 0)
		goto fail_db;
	if (v > NB_DB_VERSION) {
		snprintf(err, errsz, "%s has schema version %d, newer than this program's %d: "
		    "upgrade netboot", db->path, v, NB_DB_VERSION);
		return NB_ERR;
	}
	if (v < NB_DB_VERSION && !(flags & NB_DB_NOMIGRATE) && nb_db_migrate(db, 0) != NB_OK)
		goto fail_db;
	return NB_OK;
fail_db:
	snprintf(err, errsz, "%s: %s", db->path, db->err);
	return NB_ERR;
}

/* Open a PostgreSQL database: nb_db_open for a connection string. */
static int
db_open_pg(const char *conninfo, int flags, struct nb_db **out, char *err,
    size_t errsz)
{
#ifdef HAVE_LIBPQ
	struct nb_db	*db;
	char		*name;

	name = db_pg_name(conninfo);
	db = xcalloc(1, sizeof(*db));
	db->path = name;
	if ((db->pg = db_pg_open(conninfo, err, errsz)) == NULL) {
		nb_db_close(db);
		/* The database must exist: netboot does not create one. */
		if (strstr(err, "database \"") == NULL ||
		    strstr(err, "does not exist") == NULL)
			return NB_ERR;
		strlcat(err, " (create it with createdb(1): netboot creates "
		    "tables, not PostgreSQL databases)", errsz);
		return NB_NOTFOUND;
	}
	nb_db_busy_timeout(db, DB_BUSY_MS);
	if (db_open_schema(db, flags, err, errsz) != NB_OK) {
		nb_db_close(db);
		return NB_ERR;
	}
	*out = db;
	return NB_OK;
#else
	snprintf(err, errsz, "%s: a PostgreSQL database, and this build of "
	    "netboot has no PostgreSQL support (configure --with-postgresql)",
	    conninfo);
	return NB_ERR;
#endif
}

int
nb_db_open(const char *path, int flags, struct nb_db **out, char *err, size_t errsz)
{
	struct nb_db	*db;
	struct stat	 sb;
	char		 hint[PATH_MAX + 200];
	mode_t		 mask;
	int		 oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int		 rc;

	*out = NULL;
	if (db_nmigrations != NB_DB_VERSION)
		fatalx("%s: schema has %d migrations, NB_DB_VERSION is %d", __func__,
		    db_nmigrations, NB_DB_VERSION);
	if (nb_db_is_pg(path))
		return db_open_pg(path, flags, out, err, errsz);
	if (!(flags & NB_DB_CREATE) && stat(path, &sb) == -1) {
		if (errno == EACCES) {
			db_perm_hint(path, hint, sizeof(hint));
			snprintf(err, errsz, "%s: %s%s", path, strerror(EACCES),
			    hint);
			return NB_ERR;
		}
		snprintf(err, errsz, "%s: %s (create it with 'bootctl db init')", path,
		    strerror(errno));
		return NB_NOTFOUND;
	}
	if (flags & NB_DB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	db = xcalloc(1, sizeof(*db));
	db->path = xstrdup(path);
	/*
	 * Never readable by others: it holds password hashes and secrets.
	 * SQLite gives -wal, -shm and -journal the database's own mode.
	 */
	mask = umask(0);
	umask(mask | S_IRWXO);
	if (sqlite3_open_v2(path, &db->sq, oflags, NULL) != SQLITE_OK) {
		umask(mask);
		db_perm_hint(path, hint, sizeof(hint));
		snprintf(err, errsz, "%s: %s%s", path,
		    db->sq ? sqlite3_errmsg(db->sq) : "out of memory", hint);
		goto fail;
	}
	sqlite3_extended_result_codes(db->sq, 1);
	rc = db_setup(db);
	umask(mask);
	if (rc != NB_OK) {
		/* Opened read-only (no write permission): WAL cannot start. */
		db_perm_hint(path, hint, sizeof(hint));
		snprintf(err, errsz, "%s: %s%s", path, db->err, hint);
		goto fail;
	}
	if (db_open_schema(db, flags, err, errsz) != NB_OK)
		goto fail;
	*out = db;
	return NB_OK;
fail:
	nb_db_close(db);
	return NB_ERR;
}

void
nb_db_close(struct nb_db *db)
{
	int	 i;

	if (db == NULL)
		return;
	for (i = 0; i < db->ncache; i++)
		dbs_finalize(db->cache[i].st);
#ifdef HAVE_LIBPQ
	db_pg_close(db->pg);
#endif
	sqlite3_close(db->sq);
	free(db->path);
	free(db->datadir);
	free(db);
}

const char *
nb_db_errmsg(const struct nb_db *db)
{
	return db->err;
}

const char *
nb_db_path(const struct nb_db *db)
{
	return db->path;
}

void
nb_db_set_datadir(struct nb_db *db, const char *datadir)
{
	free(db->datadir);
	db->datadir = datadir != NULL ? xstrdup(datadir) : NULL;
}

char *
nb_db_datadir(const struct nb_db *db)
{
	return nb_datadir(db->path, db->datadir);
}

static int64_t	db_foreign_version(struct nb_db *, int64_t, uint64_t);

#ifdef HAVE_LIBPQ
/*
 * PostgreSQL: the count of others' notifications (the schema's triggers
 * notify netboot on every write), read from what has come on the socket,
 * no round trip. A loop's connection tied to its writer ignores the
 * writer's backend: it learns which one that is by asking the writer to
 * count (w->check calls nb_db_data_version on the writer's connection in
 * this thread, which then names its backend in db_asking). Until then,
 * and after the writer reconnects, its commits count as others': a
 * needless re-read, never a stale cache.
 */
static int64_t
db_pg_version(struct nb_db *db)
{
	int64_t	 v;

	/* Asked for a loop: its writer's connection is not made again here. */
	if (db_asking != NULL && db_asking != db) {
		db_asking->w_pgpid = db_pg_backend(db->pg);
		return db_pg_notified(db->pg, 0, 0);
	}
	v = db_pg_notified(db->pg, db->w != NULL ? db->w_pgpid : 0, 1);
	if (db->w != NULL && v != db->w_raw) {
		db->w_raw = v;
		db_asking = db;
		db->w->check(db->w->arg);
		db_asking = NULL;
	}
	return v;
}
#endif

int64_t
nb_db_data_version(struct nb_db *db)
{
	static const char sql[] = "PRAGMA data_version";
	struct db_st	*st;
	int64_t		 v = -1;
	uint64_t	 done = 0;

#ifdef HAVE_LIBPQ
	if (db->pg != NULL)
		return db_pg_version(db);
#endif
	/* Called per request by daemons: keep it prepared. */
	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	if (db->w != NULL)		/* before the read: all it includes */
		done = atomic_load(&db->w->commits);
	if (dbs_step(st) == SQLITE_ROW)
		v = dbs_column_int64(st, 0);
	dbs_reset(st);
	return db->w == NULL || v == -1 ? v : db_foreign_version(db, v, done);
}

/*
 * The loop's own writes come from its writer thread's connection, so they
 * move PRAGMA data_version too; a daemon's caches must follow only other
 * processes. When raw moves, the writer looks at its own data_version,
 * which only other processes' commits move, and counts them (w->check,
 * wq.c): a change is someone else's if that count moved (a commit
 * counted after the raw read is then in the cache's fresh reads anyway),
 * or if no commit of the writer can be in it (none began, started, since
 * the last look's done count, read before its raw), or if the writer was
 * too busy to look.
 */
static int64_t
db_foreign_version(struct nb_db *db, int64_t raw, uint64_t done)
{
	uint64_t	 started, foreign;
	int		 unsure;

	if (raw == db->w_raw)
		return db->w_version;
	started = atomic_load(&db->w->started);
	unsure = db->w->check(db->w->arg);
	foreign = atomic_load(&db->w->foreign);
	if (unsure || started == db->w_commits || foreign != db->w_foreign)
		db->w_version++;
	db->w_raw = raw;
	db->w_commits = done;
	db->w_foreign = foreign;
	return db->w_version;
}

void
nb_db_set_writer(struct nb_db *db, struct nb_db_writer *w)
{
	db->w = w;
	db->w_raw = -2;		/* the first look is a change */
	db->w_version = 1;
	db->w_commits = atomic_load(&w->commits);
	db->w_foreign = atomic_load(&w->foreign);
}

int
nb_db_lost(struct nb_db *db)
{
#ifdef HAVE_LIBPQ
	if (db->pg != NULL)
		return db_pg_lost(db->pg);
#endif
	return 0;
}

int
nb_db_changed(struct nb_db *db, int64_t *version)
{
	int64_t	 v = nb_db_data_version(db);

	if (v == -1 || v != *version) {
		*version = v;
		return 1;
	}
	return 0;
}

/* Report every row of a check pragma except the "ok" one; return how many. */
static int
db_check_rows(struct nb_db *db, const char *sql, void (*report)(const char *, void *), void *arg)
{
	sqlite3_stmt	*st;
	char		 msg[512];
	int		 n = 0, rc;

	if (sqlite3_prepare_v2(db->sq, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, NB_ERR, "%s", sqlite3_errmsg(db->sq));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		const char *b = (const char *)sqlite3_column_text(st, 2);

		if (sqlite3_column_count(st) == 1 && a != NULL && strcmp(a, "ok") == 0)
			continue;
		if (sqlite3_column_count(st) == 1)
			snprintf(msg, sizeof(msg), "integrity: %s", a ? a : "?");
		else
			snprintf(msg, sizeof(msg), "table %s row %lld refers to a missing row of %s",
			    a ? a : "?", (long long)sqlite3_column_int64(st, 1), b ? b : "?");
		report(msg, arg);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(db, NB_ERR, "%s", sqlite3_errmsg(db->sq));
	return n;
}

/*
 * PostgreSQL: each foreign key of the schema, as the child table, the
 * parent, the condition of a set key, the join and the key as text.
 */
static const char db_pg_fks[] =
    "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, "
    "string_agg(format('t.%I IS NOT NULL', a.attname), ' AND '), "
    "string_agg(format('p.%I = t.%I', b.attname, a.attname), ' AND '), "
    "string_agg(format('t.%I::text', a.attname), ' || '','' || ') "
    "FROM pg_constraint c "
    "JOIN pg_namespace n ON n.oid = c.connamespace "
    "CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(ca, pa) "
    "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.ca "
    "JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = k.pa "
    "WHERE c.contype = 'f' AND n.nspname = current_schema() "
    "GROUP BY c.oid, c.conrelid, c.confrelid ORDER BY 1, 2";

/* Report the rows of one foreign key of fk's row that miss their parent. */
static int
db_pg_check_fk(struct nb_db *db, struct db_st *fk,
    void (*report)(const char *, void *), void *arg)
{
	struct db_st	*st;
	const char	*child = (const char *)dbs_column_text(fk, 0);
	const char	*parent = (const char *)dbs_column_text(fk, 1);
	char		*sql, msg[512];
	int		 n = 0, rc;

	xasprintf(&sql, "SELECT %s FROM %s t WHERE %s AND NOT EXISTS "
	    "(SELECT 1 FROM %s p WHERE %s)", dbs_column_text(fk, 4), child,
	    dbs_column_text(fk, 2), parent, dbs_column_text(fk, 3));
	st = db_prepare(db, sql);
	free(sql);
	if (st == NULL)
		return -1;
	while ((rc = dbs_step(st)) == SQLITE_ROW) {
		snprintf(msg, sizeof(msg), "table %s row with key %s refers "
		    "to a missing row of %s", child, dbs_column_text(st, 0),
		    parent);
		report(msg, arg);
		n++;
	}
	dbs_finalize(st);
	return rc == SQLITE_DONE ? n : db_fail(db, NB_ERR, "%s",
	    db_errmsg(db));
}

/* Report the rows whose foreign keys miss their parent; how many. */
static int
db_pg_check_fks(struct nb_db *db, void (*report)(const char *, void *),
    void *arg)
{
	struct db_st	*fk;
	int		 n = 0, m = 0, rc = SQLITE_DONE;

	if ((fk = db_prepare(db, db_pg_fks)) == NULL)
		return -1;
	while (m >= 0 && (rc = dbs_step(fk)) == SQLITE_ROW)
		if ((m = db_pg_check_fk(db, fk, report, arg)) >= 0)
			n += m;
	if (m >= 0 && rc != SQLITE_DONE)
		m = db_fail(db, NB_ERR, "%s", db_errmsg(db));
	dbs_finalize(fk);
	return m < 0 ? -1 : n;
}

int
nb_db_check(struct nb_db *db, void (*report)(const char *, void *), void *arg)
{
	char	 msg[128];
	int	 n = 0, m, v;

	/*
	 * PostgreSQL checks its own pages; its foreign keys hold unless
	 * someone turned them off (session_replication_role), as SQLite's.
	 */
	if (db->pg != NULL) {
		if ((n = db_pg_check_fks(db, report, arg)) < 0)
			return -1;
		goto version;
	}
	if ((n = db_check_rows(db, "PRAGMA integrity_check", report, arg)) < 0)
		return -1;
	if ((m = db_check_rows(db, "PRAGMA foreign_key_check", report, arg)) < 0)
		return -1;
	n += m;
 version:
	if ((v = nb_db_version(db)) != NB_DB_VERSION) {
		snprintf(msg, sizeof(msg), "schema version %d, expected %d (run 'bootctl db migrate')",
		    v, NB_DB_VERSION);
		report(msg, arg);
		n++;
	}
	return n;
}

char *
nb_datadir(const char *dbpath, const char *datadir)
{
	char	*copy, *dir;

	if (datadir != NULL)
		return xstrdup(datadir);
	/* A PostgreSQL database has no directory: the default one. */
	if (nb_db_is_pg(dbpath))
		return xstrdup(LOCALSTATEDIR "/lib/netboot");
	copy = xstrdup(dbpath);
	dir = xstrdup(dirname(copy));
	free(copy);
	return dir;
}

/* Whether st is the file at path (same device and inode). */
static int
db_same_file(const struct stat *fst, const char *path)
{
	struct stat	 st;

	return stat(path, &st) == 0 && st.st_dev == fst->st_dev &&
	    st.st_ino == fst->st_ino;
}

int
nb_db_own_file(const char *dbpath, const struct stat *st)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char	 p[PATH_MAX];
	size_t	 i;

	if (dbpath != NULL && nb_db_is_pg(dbpath))
		return 0;
	for (i = 0; dbpath != NULL && i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		if ((size_t)snprintf(p, sizeof(p), "%s%s", dbpath, sfx[i]) >=
		    sizeof(p))
			continue;
		if (db_same_file(st, p))
			return 1;
	}
	return 0;
}

/*
 * What the first bytes of a file say it is, if it is a file of SQLite:
 * a database (its header string), a rollback journal (its 8-byte magic)
 * or a WAL file (its two magic numbers), all per SQLite's file format
 * document, and the wal-index (-shm), whose header version 3007000 is
 * followed by a copy of the same 48 bytes.
 */
const char *
nb_db_file_kind(int fd)
{
	static const uint8_t	 journal[8] = {
		0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7 };
	uint8_t			 b[96];
	uint32_t		 v;
	ssize_t			 n;

	if ((n = pread(fd, b, sizeof(b), 0)) < 8)
		return NULL;
	if (n >= 16 && memcmp(b, "SQLite format 3", 16) == 0)
		return "a SQLite database";
	if (memcmp(b, journal, sizeof(journal)) == 0)
		return "a SQLite journal";
	v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	if (v == 0x377f0682 || v == 0x377f0683)
		return "a SQLite WAL file";
	memcpy(&v, b, sizeof(v));
	if (n == sizeof(b) && v == 3007000 && memcmp(b, b + 48, 48) == 0)
		return "a SQLite wal-index";
	return NULL;
}

int
nb_path_hidden(const char *path)
{
	const char	*p = path;

	while (*p == '/')
		p++;
	while (*p != '\0') {
		if (*p == '.')
			return 1;
		p += strcspn(p, "/");
		p += strspn(p, "/");
	}
	return 0;
}

int
nb_name_valid(const char *s)
{
	size_t	 len;

	if (s == NULL || (len = strlen(s)) == 0 || len > 64 || s[0] == '.')
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

/*
 * Copy every page into the open file at dst; NB_OK or the failure
 * recorded in db.
 */
static int
db_backup_copy(struct nb_db *db, sqlite3 *dst, const char *tmp)
{
	sqlite3_backup	*b;
	int		 rc;

	if ((b = sqlite3_backup_init(dst, "main", db->sq, "main")) == NULL)
		return db_fail(db, NB_ERR, "%s: %s", tmp, sqlite3_errmsg(dst));
	/*
	 * One step copies the whole file under one read transaction, so the
	 * copy is a consistent snapshot; in WAL mode writers are not blocked.
	 */
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc == SQLITE_DONE)
		return NB_OK;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
		return db_fail(db, NB_BUSY,
		    "backup: database is locked by another process");
	return db_fail(db, NB_ERR, "backup to %s: %s", tmp, sqlite3_errstr(rc));
}

/* Write a consistent copy of the database to path, replacing it atomically. */
int
nb_db_backup(struct nb_db *db, const char *path)
{
	sqlite3	*dst = NULL;
	char	*tmp;
	int	 fd, rc;

	if (db->pg != NULL)
		return db_fail(db, NB_INVALID, "a PostgreSQL database is backed "
		    "up with pg_dump(1), or copied with 'bootctl db copy'");

	/*
	 * A temporary file beside path, renamed over it when complete: never
	 * a half backup.
	 */
	xasprintf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		rc = db_fail(db, NB_ERR, "%s: %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		rc = db_fail(db, NB_ERR, "%s: %s", tmp, sqlite3_errmsg(dst));
		goto fail;
	}
	if ((rc = db_backup_copy(db, dst, tmp)) != NB_OK)
		goto fail;
	/* Closing the last connection checkpoints, so the file stands alone. */
	if (sqlite3_close(dst) != SQLITE_OK) {
		rc = db_fail(db, NB_ERR, "%s: %s", tmp, sqlite3_errmsg(dst));
		dst = NULL;
		goto fail;
	}
	dst = NULL;
	if (rename(tmp, path) == -1) {
		rc = db_fail(db, NB_ERR, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(tmp);
	return NB_OK;
fail:
	sqlite3_close(dst);
	unlink(tmp);
	free(tmp);
	return rc;
}
