/*
 * db_webhook.c: the webhooks table (netboot(7) WEBHOOKS), read and
 * written by bootctl webhook and by bootweb's sender (webhook.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "token.h"
#include "webhook.h"
#include "xmalloc.h"

#define WH_COLS	"id, url, events, secret, cursor, delivered, failed, " \
	"dropped, last_status, last_error, last_attempt, created"

int
nb_webhook_events_valid(const char *events)
{
	static const char	 ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-*";
	const char		*p, *star;
	size_t			 len;

	if (events == NULL || *events == '\0' || strlen(events) > 1024)
		return 0;
	for (p = events; *p != '\0'; p += len + 1) {
		len = strcspn(p, ",");
		star = memchr(p, '*', len);
		/* a kind, a prefix ending in '*', or '*' alone */
		if (len == 0 || len > 64 || strspn(p, ok) < len ||
		    (star != NULL && star != p + len - 1))
			return 0;
		if (p[len] == '\0')
			break;
		if (p[len + 1] == '\0')
			return 0;	/* a trailing comma */
	}
	return 1;
}

int
nb_webhook_match(const char *events, const char *kind)
{
	const char	*p;
	size_t		 len;

	for (p = events; *p != '\0'; p += len + (p[len] == ',')) {
		len = strcspn(p, ",");
		if (len > 0 && p[len - 1] == '*') {
			if (strncmp(kind, p, len - 1) == 0)
				return 1;
		} else if (strlen(kind) == len && strncmp(kind, p, len) == 0)
			return 1;
	}
	return 0;
}

void
nb_webhook_sign(const char *secret, const void *body, size_t len,
    char out[NB_WEBHOOK_SIGLEN])
{
	uint8_t	 mac[32];

	nb_hmac_sha256((const uint8_t *)secret, strlen(secret), body, len,
	    mac);
	memcpy(out, "sha256=", 7);
	nb_hex(mac, sizeof(mac), out + 7);
	explicit_bzero(mac, sizeof(mac));
}

int
nb_webhook_add(struct nb_db *db, const char *url, const char *events,
    const char *secret, int64_t *id)
{
	static const char sql[] = "INSERT INTO webhooks (url, events, secret,"
	    " cursor, created) VALUES (?1, ?2, ?3, (SELECT coalesce(max(id),"
	    " 0) FROM events), ?4)";
	struct db_st	*st;
	int		 rc;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return db_fail(db, NB_INVALID, "a webhook's URL is http:// or "
		    "https://, not '%.64s'", url);
	if (!nb_webhook_events_valid(events))
		return db_fail(db, NB_INVALID, "bad event kinds '%.64s' "
		    "(kinds or prefixes like tftp-*, separated by commas)",
		    events);
	if (strlen(secret) < NB_WEBHOOK_SECRET_MIN)
		return db_fail(db, NB_INVALID, "a webhook's secret has at "
		    "least %d characters", NB_WEBHOOK_SECRET_MIN);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, url);
	db_bind_text(st, 2, events);
	db_bind_text(st, 3, secret);
	dbs_bind_int64(st, 4, nb_now());
	if ((rc = db_exec_stmt(db, st)) == NB_EXISTS)
		return db_fail(db, NB_EXISTS, "a webhook for %.200s exists "
		    "already", url);
	if (rc != NB_OK)
		return rc;
	*id = db_last_rowid(db);
	return NB_OK;
}

int
nb_webhook_rm(struct nb_db *db, int64_t id)
{
	static const char sql[] = "DELETE FROM webhooks WHERE id = ?1";
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_int64(st, 1, id);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	if (db_changes(db) == 0)
		return db_fail(db, NB_NOTFOUND, "no webhook %lld",
		    (long long)id);
	return NB_OK;
}

void
nb_webhook_clear(struct nb_webhook *w)
{
	free(w->url);
	free(w->events);
	if (w->secret != NULL)
		explicit_bzero(w->secret, strlen(w->secret));
	free(w->secret);
	free(w->last_error);
	memset(w, 0, sizeof(*w));
}

int
nb_webhook_list(struct nb_db *db,
    int (*fn)(const struct nb_webhook *, void *), void *arg)
{
	static const char sql[] = "SELECT " WH_COLS " FROM webhooks "
	    "ORDER BY id";
	struct nb_webhook	 w;
	struct db_st		*st;
	int			 rc, stop = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	while (!stop && (rc = dbs_step(st)) == SQLITE_ROW) {
		memset(&w, 0, sizeof(w));
		w.id = dbs_column_int64(st, 0);
		w.url = db_col_str(st, 1);
		w.events = db_col_str(st, 2);
		w.secret = db_col_str(st, 3);
		w.cursor = dbs_column_int64(st, 4);
		w.delivered = dbs_column_int64(st, 5);
		w.failed = dbs_column_int64(st, 6);
		w.dropped = dbs_column_int64(st, 7);
		w.last_status = dbs_column_int(st, 8);
		w.last_error = db_col_str(st, 9);
		w.last_attempt = dbs_column_int64(st, 10);
		w.created = dbs_column_int64(st, 11);
		stop = fn(&w, arg);
		nb_webhook_clear(&w);
	}
	dbs_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_sqlerr(db, rc);
	return NB_OK;
}

json_t *
nb_webhook_json(const struct nb_webhook *w)
{
	json_t	*o;

	o = json_pack("{s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
	    "id", (json_int_t)w->id, "url", w->url, "events", w->events,
	    "cursor", (json_int_t)w->cursor,
	    "delivered", (json_int_t)w->delivered,
	    "failed", (json_int_t)w->failed,
	    "dropped", (json_int_t)w->dropped,
	    "created", (json_int_t)w->created);
	json_object_set_new(o, "last_status", w->last_status ?
	    json_integer(w->last_status) : json_null());
	json_set_str(o, "last_error", w->last_error);
	json_object_set_new(o, "last_attempt", w->last_attempt ?
	    json_integer(w->last_attempt) : json_null());
	return o;
}

int
nb_webhook_mark(struct nb_db *db, int64_t id, int64_t cursor, int delivered,
    int failed, int64_t dropped, int status, const char *error)
{
	static const char sql[] = DB_SQL("UPDATE webhooks SET cursor = max(cursor, "
	    "?2), delivered = delivered + ?3, failed = failed + ?4, "
	    "dropped = dropped + ?5, last_status = coalesce(?6, last_status),"
	    " last_error = ?7, last_attempt = ?8 WHERE id = ?1",
	    "UPDATE webhooks SET cursor = greatest(cursor, "
	    "?2), delivered = delivered + ?3, failed = failed + ?4, "
	    "dropped = dropped + ?5, last_status = coalesce(?6, last_status),"
	    " last_error = ?7, last_attempt = ?8 WHERE id = ?1");
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_int64(st, 1, id);
	dbs_bind_int64(st, 2, cursor);
	dbs_bind_int(st, 3, delivered);
	dbs_bind_int(st, 4, failed);
	dbs_bind_int64(st, 5, dropped);
	if (status > 0)
		dbs_bind_int(st, 6, status);
	else
		dbs_bind_null(st, 6);
	db_bind_text(st, 7, error);
	dbs_bind_int64(st, 8, nb_now());
	return db_exec_stmt(db, st);
}
