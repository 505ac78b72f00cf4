/* db_int.h: what the db_*.c files share; not for the rest of the suite. */
#ifndef NB_DB_INT_H
#define NB_DB_INT_H

#include <sqlite3.h>

#include "db.h"

#define DB_STMT_CACHE	128

struct nb_db {
	sqlite3		*sq;
	char		*path;
	char		 err[512];
	int		 in_tx;
	struct {
		const char	*sql;	/* static string: the cache key is its address */
		sqlite3_stmt	*st;
	}		 cache[DB_STMT_CACHE];
	int		 ncache;
	struct nb_db_writer *w;		/* nb_db_set_writer */
	int64_t		 w_raw;		/* PRAGMA data_version, last read */
	int64_t		 w_version;	/* what nb_db_data_version returns */
	uint64_t	 w_commits, w_foreign;	/* w's counters, last read */
};

/* A cached, reset prepared statement for a static SQL string; NULL on error. */
sqlite3_stmt	*db_stmt(struct nb_db *, const char *sql);
/* Set the error message and return rc. */
int		 db_fail(struct nb_db *, int rc, const char *fmt, ...) NB_PRINTF(3, 4);
/* Map the result of a failed sqlite3_step to an nb_rc, recording the message. */
int		 db_sqlerr(struct nb_db *, int sqrc);
/* Bind text or NULL. */
int		 db_bind_text(sqlite3_stmt *, int idx, const char *);
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
db_bind_static(sqlite3_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
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
int		 db_bind_json(sqlite3_stmt *, int idx, const json_t *);
/* Bind an image's name, kind, distro, version, arch, kernel, initrds and cmdline to ?1..?8. */
void		 db_image_bind(sqlite3_stmt *, const struct nb_image *);
/* Copy a text column, NULL stays NULL. */
char		*db_col_str(sqlite3_stmt *, int idx);
/* Parse a JSON text column; an empty object or array if NULL. */
json_t		*db_col_json(sqlite3_stmt *, int idx, int array);
/* Step a statement that returns no rows; NB_OK or the mapped error. */
int		 db_exec_stmt(struct nb_db *, sqlite3_stmt *);
/*
 * Step a one-row SELECT: NB_OK with the row to read, NB_NOTFOUND with
 * the message fmt, or the error. The caller resets st in every case.
 */
int		 db_step_row(struct nb_db *, sqlite3_stmt *,
		    const char *fmt, ...) NB_PRINTF(3, 4);
/* Step a query: 1 if it has a row, 0 if not, or the NB_* error. */
int		 db_exists(struct nb_db *, sqlite3_stmt *);
/*
 * Step an UPDATE or DELETE of one row (by its key); NB_NOTFOUND, with
 * the message fmt, if it changed none.
 */
int		 db_exec_row(struct nb_db *, sqlite3_stmt *,
		    const char *fmt, ...) NB_PRINTF(3, 4);
/* Set a JSON key to a string, or null. */
void		 json_set_str(json_t *, const char *key, const char *value);
/* Schema migrations, from version i to i + 1 at index i. */
extern const char *const db_migrations[];
extern const int db_nmigrations;

#endif
