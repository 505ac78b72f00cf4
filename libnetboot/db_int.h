/* db_int.h: what the db_*.c files share; not for the rest of the suite. */
#ifndef NB_DB_INT_H
#define NB_DB_INT_H

#include <sqlite3.h>

#include "db.h"

#define DB_STMT_CACHE	128

/*
 * Two engines behind one statement API. A statement is SQLite's, or
 * PostgreSQL's (db_pg.c, when built with libpq); the dbs_* functions
 * below take SQLite's arguments and return SQLite's result codes for
 * both, so the per-table files (db_*.c) are written once. Where the
 * dialects differ, the SQL text says so in one place (DB_SQL).
 */
struct db_pg;			/* a PostgreSQL connection (db_pg.c) */
struct db_pgst;			/* a PostgreSQL statement (db_pg.c) */

struct db_st {
	sqlite3_stmt	*sq;		/* SQLite's, or NULL */
	struct db_pgst	*pg;		/* PostgreSQL's, or NULL */
};

struct nb_db {
	sqlite3		*sq;		/* SQLite: the connection, or NULL */
	struct db_pg	*pg;		/* PostgreSQL: the connection, or NULL */
	char		*path;
	char		*datadir;	/* nb_db_set_datadir's, or NULL */
	char		 err[512];
	int		 in_tx;
	struct {
		const char	*sql;	/* static string: the cache key is its address */
		struct db_st	*st;
	}		 cache[DB_STMT_CACHE];
	int		 ncache;
	struct nb_db_writer *w;		/* nb_db_set_writer */
	int64_t		 w_raw;		/* PRAGMA data_version, last read */
	int64_t		 w_version;	/* what nb_db_data_version returns */
	uint64_t	 w_commits, w_foreign;	/* w's counters, last read */
	int		 w_pgpid;	/* PostgreSQL: the writer's backend */
};

/* A cached, reset prepared statement for a static SQL string; NULL on error. */
struct db_st	*db_stmt(struct nb_db *, const char *sql);
/* A statement of its own (not cached), for dbs_finalize; NULL on error. */
struct db_st	*db_prepare(struct nb_db *, const char *sql);
void		 dbs_finalize(struct db_st *);
/* Rows the last INSERT, UPDATE or DELETE changed. */
int64_t		 db_changes(struct nb_db *);
/* The id the last INSERT gave its row. */
int64_t		 db_last_rowid(struct nb_db *);
/* The last error: SQLite's extended result code (mapped for PostgreSQL). */
int		 db_errcode(struct nb_db *);
const char	*db_errmsg(struct nb_db *);
/* Set the error message and return rc. */
int		 db_fail(struct nb_db *, int rc, const char *fmt, ...) NB_PRINTF(3, 4);
/* Map the result of a failed sqlite3_step to an nb_rc, recording the message. */
int		 db_sqlerr(struct nb_db *, int sqrc);
/* Bind text or NULL. */
int		 db_bind_text(struct db_st *, int idx, const char *);
/*
 * The same SQL text for both engines, or one each: where a query's
 * dialects differ, DB_SQL("sqlite text", "postgresql text") is that one
 * place (db_stmt picks by the connection).
 */
#define DB_SQL(lite, pg)	"\001" lite "\000" pg

#ifdef HAVE_LIBPQ
struct db_pgst	*db_pg_prepare(struct nb_db *, const char *sql);
void		 db_pg_finalize(struct db_pgst *);
int64_t		 db_pg_changes(struct db_pg *);
int64_t		 db_pg_last_rowid(struct db_pg *);
int		 db_pg_errcode(struct db_pg *);
const char	*db_pg_errmsg(struct db_pg *);
int		 db_pg_step(struct db_pgst *);
void		 db_pg_reset(struct db_pgst *);
int		 db_pg_bind_int64(struct db_pgst *, int, int64_t);
int		 db_pg_bind_double(struct db_pgst *, int, double);
int		 db_pg_bind_null(struct db_pgst *, int);
int		 db_pg_bind_text(struct db_pgst *, int, const char *, int,
		    void (*)(void *));
int		 db_pg_bind_blob(struct db_pgst *, int, const void *, int,
		    void (*)(void *));
int64_t		 db_pg_column_int64(struct db_pgst *, int);
double		 db_pg_column_double(struct db_pgst *, int);
const unsigned char *db_pg_column_text(struct db_pgst *, int);
const void	*db_pg_column_blob(struct db_pgst *, int);
int		 db_pg_column_bytes(struct db_pgst *, int);
int		 db_pg_column_type(struct db_pgst *, int);
int		 db_pg_column_count(struct db_pgst *);
const char	*db_pg_column_name(struct db_pgst *, int);
/*
 * Keep plans of st on the server, one per vector of parameter types, for
 * the connection's lifetime (db_stmt's); else each step parses it again.
 */
void		 db_pg_keep(struct db_pgst *);
/* Forget the bound values (db_stmt's clear_bindings). */
void		 db_pg_clear(struct db_pgst *);
/* Connect, LISTEN netboot; NULL with the reason in err. */
struct db_pg	*db_pg_open(const char *conninfo, char *err, size_t errsz);
void		 db_pg_close(struct db_pg *);
/* Run SQL text (one or more statements, no parameters); SQLite's code. */
int		 db_pg_exec(struct db_pg *, const char *sql);
/* Run a query of one integer; SQLite's code. */
int		 db_pg_int(struct db_pg *, const char *sql, int64_t *);
/* Commit; SQLITE_ERROR if a failed statement had aborted the transaction. */
int		 db_pg_commit(struct db_pg *);
/* How long a statement may wait to connect again (the busy timeout). */
void		 db_pg_set_wait(struct db_pg *, int msec);
/* Whether db.c has a write transaction open (its writes get savepoints). */
void		 db_pg_set_tx(struct db_pg *, int);
/* Whether the session is inside a transaction (failed or not). */
int		 db_pg_in_tx(struct db_pg *);
/*
 * Notifications of other backends than this one and pid, -1 if cut off;
 * revive: connect again if need be (not for another thread's caller).
 */
int64_t		 db_pg_notified(struct db_pg *, int pid, int revive);
/* This connection's backend process id. */
int		 db_pg_backend(struct db_pg *);
/* 1 if the connection is down (a later statement makes it again). */
int		 db_pg_lost(struct db_pg *);
/* conninfo without a password: for messages and nb_db_path. */
char		*db_pg_name(const char *conninfo);
#define DB_PG(st, call, lite)	((st)->pg != NULL ? (call) : (lite))
#else
#define DB_PG(st, call, lite)	(lite)
#endif

static inline int
dbs_step(struct db_st *st)
{
	return DB_PG(st, db_pg_step(st->pg), sqlite3_step(st->sq));
}

static inline void
dbs_reset(struct db_st *st)
{
#ifdef HAVE_LIBPQ
	if (st->pg != NULL) {
		db_pg_reset(st->pg);
		return;
	}
#endif
	sqlite3_reset(st->sq);
}

static inline int
dbs_bind_int64(struct db_st *st, int i, int64_t v)
{
	return DB_PG(st, db_pg_bind_int64(st->pg, i, v),
	    sqlite3_bind_int64(st->sq, i, v));
}

static inline int
dbs_bind_int(struct db_st *st, int i, int v)
{
	return dbs_bind_int64(st, i, v);
}

static inline int
dbs_bind_double(struct db_st *st, int i, double v)
{
	return DB_PG(st, db_pg_bind_double(st->pg, i, v),
	    sqlite3_bind_double(st->sq, i, v));
}

static inline int
dbs_bind_null(struct db_st *st, int i)
{
	return DB_PG(st, db_pg_bind_null(st->pg, i),
	    sqlite3_bind_null(st->sq, i));
}

static inline int
dbs_bind_text(struct db_st *st, int i, const char *s, int n,
    void (*d)(void *))
{
	return DB_PG(st, db_pg_bind_text(st->pg, i, s, n, d),
	    sqlite3_bind_text(st->sq, i, s, n, d));
}

static inline int
dbs_bind_blob(struct db_st *st, int i, const void *p, int n,
    void (*d)(void *))
{
	return DB_PG(st, db_pg_bind_blob(st->pg, i, p, n, d),
	    sqlite3_bind_blob(st->sq, i, p, n, d));
}

static inline int64_t
dbs_column_int64(struct db_st *st, int i)
{
	return DB_PG(st, db_pg_column_int64(st->pg, i),
	    sqlite3_column_int64(st->sq, i));
}

static inline int
dbs_column_int(struct db_st *st, int i)
{
	return (int)dbs_column_int64(st, i);
}

static inline double
dbs_column_double(struct db_st *st, int i)
{
	return DB_PG(st, db_pg_column_double(st->pg, i),
	    sqlite3_column_double(st->sq, i));
}

static inline const unsigned char *
dbs_column_text(struct db_st *st, int i)
{
	return DB_PG(st, db_pg_column_text(st->pg, i),
	    sqlite3_column_text(st->sq, i));
}

static inline const void *
dbs_column_blob(struct db_st *st, int i)
{
	return DB_PG(st, db_pg_column_blob(st->pg, i),
	    sqlite3_column_blob(st->sq, i));
}

static inline int
dbs_column_bytes(struct db_st *st, int i)
{
	return DB_PG(st, db_pg_column_bytes(st->pg, i),
	    sqlite3_column_bytes(st->sq, i));
}

static inline int
dbs_column_type(struct db_st *st, int i)
{
	return DB_PG(st, db_pg_column_type(st->pg, i),
	    sqlite3_column_type(st->sq, i));
}

static inline int
dbs_column_count(struct db_st *st)
{
	return DB_PG(st, db_pg_column_count(st->pg),
	    sqlite3_column_count(st->sq));
}

static inline const char *
dbs_column_name(struct db_st *st, int i)
{
	return DB_PG(st, db_pg_column_name(st->pg, i),
	    sqlite3_column_name(st->sq, i));
}

/*
 * Rows per multi-row statement, largest first: a write queue's batch is
 * cut into these (nb_client_seen_many, nb_event_add_many).
 */
#define DB_BATCH_SIZES	3
extern const size_t db_batch_rows[DB_BATCH_SIZES];

/*
 * Bind text, or NULL, that outlives the statement's step (not copied).
 * Inline, as it was in each batch writer: seven binds per client seen.
 */
static inline void
db_bind_static(struct db_st *st, int idx, const char *s)
{
	if (s == NULL)
		dbs_bind_null(st, idx);
	else
		dbs_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

/* The index in db_batch_rows of the largest size of at most left rows. */
static inline size_t
db_batch_pick(size_t left)
{
	size_t	 k;

	for (k = 0; db_batch_rows[k] > left; k++)
		;
	return k;
}
/* Bind a JSON value as its compact text. */
int		 db_bind_json(struct db_st *, int idx, const json_t *);
/* Bind an image's name, kind, distro, version, arch, kernel, initrds and cmdline to ?1..?8. */
void		 db_image_bind(struct db_st *, const struct nb_image *);
/* Copy a text column, NULL stays NULL. */
char		*db_col_str(struct db_st *, int idx);
/* Parse a JSON text column; an empty object or array if NULL. */
json_t		*db_col_json(struct db_st *, int idx, int array);
/* Step a statement that returns no rows; NB_OK or the mapped error. */
int		 db_exec_stmt(struct nb_db *, struct db_st *);
/*
 * Step a one-row SELECT: NB_OK with the row to read, NB_NOTFOUND with
 * the message fmt, or the error. The caller resets st in every case.
 */
int		 db_step_row(struct nb_db *, struct db_st *,
		    const char *fmt, ...) NB_PRINTF(3, 4);
/* Step a query: 1 if it has a row, 0 if not, or the NB_* error. */
int		 db_exists(struct nb_db *, struct db_st *);
/*
 * Step an UPDATE or DELETE of one row (by its key); NB_NOTFOUND, with
 * the message fmt, if it changed none.
 */
int		 db_exec_row(struct nb_db *, struct db_st *,
		    const char *fmt, ...) NB_PRINTF(3, 4);
/* Set a JSON key to a string, or null. */
void		 json_set_str(json_t *, const char *key, const char *value);
/* Schema migrations, from version i to i + 1 at index i. */
extern const char *const db_migrations[];
extern const int db_nmigrations;
/*
 * The same on PostgreSQL (db_schema_pg.c): version i to i + 1 at index
 * i, kept in table netboot_schema; empty up to version 9.
 */
extern const char *const db_pg_migrations[];
extern const int db_pg_nmigrations;

#endif
