/* db_bootweb.c: the few writes bootweb makes besides events and inventory. */
#include "config.h"

#include "db_int.h"

int
nb_client_next_boot_done(struct nb_db *db, const char *mac, enum nb_next_boot was)
{
	/* Compare and clear: an action set again meanwhile by bootctl survives. */
	static const char sql[] = "UPDATE clients SET next_boot = NULL, updated = ?3 "
	    "WHERE mac = ?1 AND next_boot IS NOT NULL AND (?2 IS NULL OR next_boot = ?2)";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	if (was != NB_NEXT_NONE)
		db_bind_text(st, 2, nb_next_boot_name(was));
	sqlite3_bind_int64(st, 3, nb_now());
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	if (sqlite3_changes(db->sq) == 0)
		return db_fail(db, NB_NOTFOUND, "client %s has no such next-boot action", mac);
	return NB_OK;
}

int
nb_client_set_suspended(struct nb_db *db, const char *mac, int suspended)
{
	static const char sql[] = "UPDATE clients SET suspended = ?2, updated = ?3 WHERE mac = ?1";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	sqlite3_bind_int(st, 2, suspended ? 1 : 0);
	sqlite3_bind_int64(st, 3, nb_now());
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	if (sqlite3_changes(db->sq) == 0)
		return db_fail(db, NB_NOTFOUND, "no client %s", mac);
	return NB_OK;
}

int
nb_db_read_begin(struct nb_db *db)
{
	/* One snapshot for many reads: one WAL read lock instead of one per statement. */
	static const char sql[] = "BEGIN DEFERRED";
	sqlite3_stmt	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	return db_exec_stmt(db, st);
}

void
nb_db_read_end(struct nb_db *db)
{
	static const char sql[] = "COMMIT";
	sqlite3_stmt	*st;

	if (sqlite3_get_autocommit(db->sq))
		return;
	if ((st = db_stmt(db, sql)) == NULL || db_exec_stmt(db, st) != NB_OK)
		log_warnx("ending a read transaction: %s", db->err);
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
