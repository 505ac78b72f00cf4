/*
 * db_bootctl.c: database functions that bootctl needs beyond the tables'
 * own files: online backups, pruning old events, and the start of the
 * newest events for "events list --limit".
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"
#include "xmalloc.h"

/* Copy every page into the open file at dst; NB_OK or the failure recorded in db. */
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
		return db_fail(db, NB_BUSY, "backup: database is locked by another process");
	return db_fail(db, NB_ERR, "backup to %s: %s", tmp, sqlite3_errstr(rc));
}

/* Write a consistent copy of the database to path, replacing it atomically. */
int
nb_db_backup(struct nb_db *db, const char *path)
{
	sqlite3	*dst = NULL;
	char	*tmp;
	int	 fd, rc;

	/* A temporary file beside path, renamed over it when complete: never a half backup. */
	xasprintf(&tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(tmp)) == -1) {
		rc = db_fail(db, NB_ERR, "%s: %s", path, strerror(errno));
		free(tmp);
		return rc;
	}
	close(fd);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
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

/* Delete the events older than before (seconds since the epoch); *n gets how many. */
int
nb_event_prune(struct nb_db *db, double before, int64_t *n)
{
	static const char sql[] = "DELETE FROM events WHERE ts < ?1";
	sqlite3_stmt	*st;
	int		 rc;

	*n = 0;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	sqlite3_bind_double(st, 1, before);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	*n = sqlite3_changes64(db->sq);
	return NB_OK;
}

/* The id just before the oldest of the newest limit events (of mac, if given); 0 if none. */
int64_t
nb_event_tail_id(struct nb_db *db, const char *mac, int64_t limit)
{
	static const char sql[] = "SELECT ifnull(min(id), 1) - 1 FROM (SELECT id FROM events "
	    "WHERE ?1 IS NULL OR mac = ?1 ORDER BY id DESC LIMIT ?2)";
	sqlite3_stmt	*st;
	int64_t		 id = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return 0;
	db_bind_text(st, 1, mac);
	sqlite3_bind_int64(st, 2, limit);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}
