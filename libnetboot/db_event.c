/*
 * db_event.c: the append-only events table. Daemons do not write it
 * here: they queue their events (nb_evq_push, wq.c), a thread writes them
 * in batches (nb_event_add_many). Old events go by age and count
 * (nb_event_trim, nb_event_prune).
 */
#include "config.h"

#include <sys/time.h>

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "xmalloc.h"

static double
now_precise(void)
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int
event_insert(struct nb_db *db, double ts, const char *mac, const char *daemon,
    const char *kind, const char *ip, const char *detail)
{
	static const char sql[] = "INSERT INTO events (ts, mac, ip, daemon, kind, detail) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_double(st, 1, ts);
	db_bind_text(st, 2, mac && *mac ? mac : NULL);
	db_bind_text(st, 3, ip);
	db_bind_text(st, 4, daemon);
	db_bind_text(st, 5, kind);
	db_bind_text(st, 6, detail ? detail : "");
	return db_exec_stmt(db, st);
}

int
nb_event_add(struct nb_db *db, const char *mac, const char *daemon, const char *kind,
    const char *ip, const char *fmt, ...)
{
	va_list	 ap;
	char	*detail;
	int	 rc;

	va_start(ap, fmt);
	if (vasprintf(&detail, fmt, ap) == -1)
		fatal("%s", __func__);
	va_end(ap);
	rc = event_insert(db, now_precise(), mac, daemon, kind, ip, detail);
	free(detail);
	return rc;
}

/* Call fn for each event st selects (its columns: nb_event_list's). */
static int
event_walk(struct nb_db *db, struct db_st *st,
    int (*fn)(const struct nb_event *, void *), void *arg)
{
	struct nb_event	 ev;
	const char	*mac_col;
	int		 rc, stop = 0;

	while (!stop && (rc = dbs_step(st)) == SQLITE_ROW) {
		memset(&ev, 0, sizeof(ev));
		ev.id = dbs_column_int64(st, 0);
		ev.ts = dbs_column_double(st, 1);
		mac_col = (const char *)dbs_column_text(st, 2);
		strlcpy(ev.mac, mac_col ? mac_col : "", sizeof(ev.mac));
		ev.ip = (const char *)dbs_column_text(st, 3);
		ev.daemon = (const char *)dbs_column_text(st, 4);
		ev.kind = (const char *)dbs_column_text(st, 5);
		ev.detail = (const char *)dbs_column_text(st, 6);
		stop = fn(&ev, arg);
	}
	dbs_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_sqlerr(db, db_errcode(db));
	return NB_OK;
}

int
nb_event_list(struct nb_db *db, const char *mac, int64_t after, int64_t limit,
    int (*fn)(const struct nb_event *, void *), void *arg)
{
	/* PostgreSQL: a parameter's type from its first use */
	static const char sql[] = DB_SQL(
	    "SELECT id, ts, mac, ip, daemon, kind, detail FROM events "
	    "WHERE id > ?1 AND (?2 IS NULL OR mac = ?2) ORDER BY id LIMIT ?3",
	    "SELECT id, ts, mac, ip, daemon, kind, detail FROM events "
	    "WHERE id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR mac = ?2) "
	    "ORDER BY id LIMIT ?3");
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_int64(st, 1, after);
	db_bind_text(st, 2, mac);
	/* no LIMIT -1 on PostgreSQL */
	dbs_bind_int64(st, 3, limit > 0 ? limit : INT64_MAX);
	return event_walk(db, st, fn, arg);
}

/*
 * One statement per order and filter, so that each is planned on its
 * index: the rowid range, or events_mac (mac, id) for one client.
 */
#define EVENT_RANGE(w, o) "SELECT id, ts, mac, ip, daemon, kind, detail " \
	"FROM events WHERE " w "id > ?1 AND id < ?2 ORDER BY id " o " LIMIT ?3"
static const char *const event_ranges[2][2] = {
	{ EVENT_RANGE("", ""), EVENT_RANGE("", "DESC") },
	{ EVENT_RANGE("mac = ?4 AND ", ""),
	    EVENT_RANGE("mac = ?4 AND ", "DESC") },
};

int
nb_event_range(struct nb_db *db, const char *mac, int64_t after,
    int64_t before, int desc, int64_t limit,
    int (*fn)(const struct nb_event *, void *), void *arg)
{
	struct db_st	*st;

	if ((st = db_stmt(db, event_ranges[mac != NULL][desc != 0])) == NULL)
		return NB_ERR;
	dbs_bind_int64(st, 1, after);
	dbs_bind_int64(st, 2, before > 0 ? before : INT64_MAX);
	dbs_bind_int64(st, 3, limit > 0 ? limit : INT64_MAX);
	if (mac != NULL)
		db_bind_text(st, 4, mac);
	return event_walk(db, st, fn, arg);
}

int64_t
nb_event_head(struct nb_db *db)
{
	struct db_st	*st;
	int64_t		 id = -1;

	/* max() of the rowid is one step to the b-tree's end */
	if ((st = db_stmt(db, "SELECT coalesce(max(id), 0) FROM events")) ==
	    NULL)
		return -1;
	if (dbs_step(st) == SQLITE_ROW)
		id = dbs_column_int64(st, 0);
	dbs_reset(st);
	return id;
}

int64_t
nb_event_last_id(struct nb_db *db, const char *mac)
{
	static const char sql[] = DB_SQL("SELECT ifnull(max(id), 0) FROM events "
	    "WHERE ?1 IS NULL OR mac = ?1",
	    "SELECT coalesce(max(id), 0) FROM events "
	    "WHERE CAST(?1 AS TEXT) IS NULL OR mac = ?1");
	struct db_st	*st;
	int64_t		 id = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return 0;
	db_bind_text(st, 1, mac);
	if (dbs_step(st) == SQLITE_ROW)
		id = dbs_column_int64(st, 0);
	dbs_reset(st);
	return id;
}

json_t *
nb_event_json(const struct nb_event *ev)
{
	json_t	*o = json_object();

	json_object_set_new(o, "id", json_integer(ev->id));
	json_object_set_new(o, "ts", json_real(ev->ts));
	json_set_str(o, "mac", ev->mac[0] ? ev->mac : NULL);
	json_set_str(o, "ip", ev->ip);
	json_set_str(o, "daemon", ev->daemon);
	json_set_str(o, "kind", ev->kind);
	json_set_str(o, "detail", ev->detail);
	return o;
}

int
nb_event_trim(struct nb_db *db, double before, int64_t max_rows,
    int64_t limit, int64_t *n)
{
	/*
	 * Ids grow with time and only the oldest rows are ever deleted, so
	 * the oldest limit events are a range of the rowid b-tree from its
	 * start, and max(id) - min(id) + 1 is the row count: no scan. The
	 * age rule deletes in that range, which is empty while the oldest
	 * row is young enough (no scan of limit rows every pass: 3 M
	 * instructions); then the count rule.
	 */
	static const char sql_age[] = "DELETE FROM events WHERE id < "
	    "(SELECT CASE WHEN ts < ?1 THEN id + ?2 ELSE id END FROM events "
	    "ORDER BY id LIMIT 1) AND ts < ?1";
	static const char sql_count[] = DB_SQL(
	    "DELETE FROM events WHERE id <= min("
	    "(SELECT max(id) FROM events) - ?1, "
	    "(SELECT min(id) FROM events) + ?2 - 1)",
	    "DELETE FROM events WHERE id <= least("
	    "(SELECT max(id) FROM events) - ?1, "
	    "(SELECT min(id) FROM events) + ?2 - 1)");
	struct db_st	*st;
	int		 rc;

	*n = 0;
	if ((st = db_stmt(db, sql_age)) == NULL)
		return NB_ERR;
	dbs_bind_double(st, 1, before);
	dbs_bind_int64(st, 2, limit);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	*n = db_changes(db);
	if (*n >= limit || max_rows <= 0)
		return NB_OK;
	if ((st = db_stmt(db, sql_count)) == NULL)
		return NB_ERR;
	dbs_bind_int64(st, 1, max_rows);
	dbs_bind_int64(st, 2, limit - *n);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	*n += db_changes(db);
	return NB_OK;
}

/* Rows of a multi-row event insert, ?1 being the daemon: 5 parameters each. */
#define EVENT_COLS	5

/*
 * The SQL texts of nb_event_add_many, one per batch size, built once.
 * db_stmt() caches statements by the address of their text, so each size
 * keeps its own prepared statement.
 */
static char	 event_sql[DB_BATCH_SIZES][32 * 48 + 128];

/* Append the rows of a multi-row event insert: ?1 is the daemon. */
static void
event_values(char *sql, size_t sqlsz, size_t rows)
{
	size_t	 r, len;
	int	 p;

	for (r = 0, p = 2; r < rows; r++, p += EVENT_COLS) {
		len = strlen(sql);
		snprintf(sql + len, sqlsz - len,
		    "%s(?%d, ?%d, ?%d, ?1, ?%d, ?%d)", r == 0 ? "" : ", ",
		    p, p + 1, p + 2, p + 3, p + 4);
	}
}

static void
event_sql_init(void)
{
	size_t	 i;

	if (event_sql[0][0] != '\0')
		return;
	for (i = 0; i < DB_BATCH_SIZES; i++) {
		strlcpy(event_sql[i], "INSERT INTO events (ts, mac, ip, "
		    "daemon, kind, detail) VALUES ", sizeof(event_sql[i]));
		event_values(event_sql[i], sizeof(event_sql[i]),
		    db_batch_rows[i]);
	}
}

/*
 * A write queue's batch in multi-row INSERTs: SQLite opens its cursors,
 * reads the AUTOINCREMENT counter and checks the schema once per
 * statement instead of once per row (tools/callgrind-pxedhcpd.sh).
 */
int
nb_event_add_many(struct nb_db *db, const char *daemon,
    const struct nb_event *ev, size_t n)
{
	struct db_st	*st;
	size_t		 i, k, rows;
	int		 p, rc;

	event_sql_init();
	for (i = 0; i < n; i += rows) {
		k = db_batch_pick(n - i);
		rows = db_batch_rows[k];
		if ((st = db_stmt(db, event_sql[k])) == NULL)
			return NB_ERR;
		dbs_bind_text(st, 1, daemon, -1, SQLITE_STATIC);
		for (p = 2; p < (int)(rows * EVENT_COLS) + 2;
		    p += EVENT_COLS, ev++) {
			dbs_bind_double(st, p, ev->ts);
			db_bind_static(st, p + 1,
			    ev->mac[0] != '\0' ? ev->mac : NULL);
			db_bind_static(st, p + 2, ev->ip);
			db_bind_static(st, p + 3, ev->kind);
			db_bind_static(st, p + 4,
			    ev->detail != NULL ? ev->detail : "");
		}
		if ((rc = db_exec_stmt(db, st)) != NB_OK)
			return rc;
	}
	return NB_OK;
}

/*
 * Delete the events older than before (seconds since the epoch); *n gets
 * how many.
 */
int
nb_event_prune(struct nb_db *db, double before, int64_t *n)
{
	static const char sql[] = "DELETE FROM events WHERE ts < ?1";
	struct db_st	*st;
	int		 rc;

	*n = 0;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_double(st, 1, before);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	*n = db_changes(db);
	return NB_OK;
}

/*
 * The id just before the oldest of the newest limit events (of mac, if
 * given); 0 if none.
 */
int64_t
nb_event_tail_id(struct nb_db *db, const char *mac, int64_t limit)
{
	static const char sql[] = DB_SQL("SELECT ifnull(min(id), 1) - 1 FROM "
	    "(SELECT id FROM events WHERE ?1 IS NULL OR mac = ?1 "
	    "ORDER BY id DESC LIMIT ?2)",
	    "SELECT coalesce(min(id), 1) - 1 FROM "
	    "(SELECT id FROM events WHERE CAST(?1 AS TEXT) IS NULL "
	    "OR mac = ?1 ORDER BY id DESC LIMIT ?2) AS e");
	struct db_st	*st;
	int64_t		 id = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return 0;
	db_bind_text(st, 1, mac);
	dbs_bind_int64(st, 2, limit);
	if (dbs_step(st) == SQLITE_ROW)
		id = dbs_column_int64(st, 0);
	dbs_reset(st);
	return id;
}
