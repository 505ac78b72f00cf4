/*
 * db_event.c: the append-only events table, and the queue through which
 * daemons write it: a request is answered first, its event is queued, and
 * the queue is written in one transaction per loop tick.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <stdarg.h>
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
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	sqlite3_bind_double(st, 1, ts);
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

int
nb_event_list(struct nb_db *db, const char *mac, int64_t after, int64_t limit,
    int (*fn)(const struct nb_event *, void *), void *arg)
{
	static const char sql[] = "SELECT id, ts, mac, ip, daemon, kind, detail FROM events "
	    "WHERE id > ?1 AND (?2 IS NULL OR mac = ?2) ORDER BY id LIMIT ?3";
	struct nb_event	 ev;
	sqlite3_stmt	*st;
	const char	*mac_col;
	int		 rc, stop = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	sqlite3_bind_int64(st, 1, after);
	db_bind_text(st, 2, mac);
	sqlite3_bind_int64(st, 3, limit > 0 ? limit : -1);
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&ev, 0, sizeof(ev));
		ev.id = sqlite3_column_int64(st, 0);
		ev.ts = sqlite3_column_double(st, 1);
		mac_col = (const char *)sqlite3_column_text(st, 2);
		strlcpy(ev.mac, mac_col ? mac_col : "", sizeof(ev.mac));
		ev.ip = (const char *)sqlite3_column_text(st, 3);
		ev.daemon = (const char *)sqlite3_column_text(st, 4);
		ev.kind = (const char *)sqlite3_column_text(st, 5);
		ev.detail = (const char *)sqlite3_column_text(st, 6);
		stop = fn(&ev, arg);
	}
	sqlite3_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_sqlerr(db, sqlite3_extended_errcode(db->sq));
	return NB_OK;
}

int64_t
nb_event_last_id(struct nb_db *db, const char *mac)
{
	static const char sql[] = "SELECT ifnull(max(id), 0) FROM events "
	    "WHERE ?1 IS NULL OR mac = ?1";
	sqlite3_stmt	*st;
	int64_t		 id = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return 0;
	db_bind_text(st, 1, mac);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
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

struct evq_item {
	STAILQ_ENTRY(evq_item)	 entry;
	double			 ts;
	char			 mac[NB_MACSTR_LEN];
	char			 ip[INET_ADDRSTRLEN];
	char			 kind[64];
	char			*detail;
};

struct nb_evq {
	STAILQ_HEAD(, evq_item)	 items;
	const char		*daemon;
	size_t			 len, max;
	uint64_t		 dropped;
};

struct nb_evq *
nb_evq_new(const char *daemon, size_t max)
{
	struct nb_evq	*q = xcalloc(1, sizeof(*q));

	STAILQ_INIT(&q->items);
	q->daemon = daemon;
	q->max = max;
	return q;
}

static void
evq_pop(struct nb_evq *q)
{
	struct evq_item	*it = STAILQ_FIRST(&q->items);

	STAILQ_REMOVE_HEAD(&q->items, entry);
	free(it->detail);
	free(it);
	q->len--;
}

void
nb_evq_push(struct nb_evq *q, const char *mac, const char *kind, const char *ip,
    const char *fmt, ...)
{
	struct evq_item	*it;
	va_list		 ap;

	if (q->len >= q->max) {
		evq_pop(q);
		if (q->dropped++ == 0)
			log_warnx("event queue full: dropping the oldest events");
	}
	it = xcalloc(1, sizeof(*it));
	it->ts = now_precise();
	strlcpy(it->mac, mac ? mac : "", sizeof(it->mac));
	strlcpy(it->ip, ip ? ip : "", sizeof(it->ip));
	strlcpy(it->kind, kind, sizeof(it->kind));
	va_start(ap, fmt);
	if (vasprintf(&it->detail, fmt, ap) == -1)
		fatal("%s", __func__);
	va_end(ap);
	STAILQ_INSERT_TAIL(&q->items, it, entry);
	q->len++;
}

int
nb_evq_flush(struct nb_evq *q, struct nb_db *db)
{
	struct evq_item	*it;
	int		 rc;

	if (q->len == 0)
		return NB_OK;
	if ((rc = nb_db_begin(db)) != NB_OK)
		return rc;
	STAILQ_FOREACH(it, &q->items, entry) {
		rc = event_insert(db, it->ts, it->mac, q->daemon, it->kind,
		    it->ip[0] ? it->ip : NULL, it->detail);
		if (rc != NB_OK) {
			nb_db_rollback(db);
			if (rc != NB_BUSY) {
				/* A row the schema refuses would block the queue for good. */
				log_warnx("event %s dropped: %s", it->kind, nb_db_errmsg(db));
				STAILQ_REMOVE(&q->items, it, evq_item, entry);
				free(it->detail);
				free(it);
				q->len--;
			}
			return rc;
		}
	}
	if ((rc = nb_db_commit(db)) != NB_OK) {
		nb_db_rollback(db);
		return rc;
	}
	while (q->len > 0)
		evq_pop(q);
	return NB_OK;
}

size_t
nb_evq_len(const struct nb_evq *q)
{
	return q->len;
}

void
nb_evq_free(struct nb_evq *q)
{
	if (q == NULL)
		return;
	while (q->len > 0)
		evq_pop(q);
	free(q);
}
