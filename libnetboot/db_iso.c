/* db_iso.c: the iso_files table, where each file of an imported ISO lies in the ISO file. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "iso.h"
#include "xmalloc.h"

int
nb_iso_index_store(struct nb_db *db, const char *image, const struct nb_iso *iso)
{
	static const char sql[] = "INSERT INTO iso_files (image, path, start, size) "
	    "VALUES (?1, ?2, ?3, ?4)";
	struct db_st	*st;
	size_t		 i;
	int		 rc;

	for (i = 0; i < iso->nfiles; i++) {
		if (iso->files[i].isdir)
			continue;
		if ((st = db_stmt(db, sql)) == NULL)
			return NB_ERR;
		db_bind_text(st, 1, image);
		db_bind_text(st, 2, iso->files[i].path);
		dbs_bind_int64(st, 3, iso->files[i].start);
		dbs_bind_int64(st, 4, iso->files[i].size);
		if ((rc = db_exec_stmt(db, st)) != NB_OK)
			return db_fail(db, rc, "index of %s, file %s: %s", image, iso->files[i].path,
			    db->err);
	}
	return NB_OK;
}

int64_t
nb_iso_index_count(struct nb_db *db, const char *image)
{
	static const char sql[] = "SELECT count(*) FROM iso_files WHERE image = ?1";
	struct db_st	*st;
	int64_t		 n = -1;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	db_bind_text(st, 1, image);
	if (dbs_step(st) == SQLITE_ROW)
		n = dbs_column_int64(st, 0);
	dbs_reset(st);
	return n;
}

/*
 * The exact path first; then ignoring case, since plain ISO9660 names are
 * upper case while boot loader configs and installers ask in lower case.
 */
int
nb_iso_locate(struct nb_db *db, const char *image, const char *path, char **iso_path,
    off_t *offset, off_t *size)
{
	static const char exact[] = "SELECT i.iso_path, f.start, f.size FROM iso_files f "
	    "JOIN images i ON i.name = f.image WHERE f.image = ?1 AND f.path = ?2";
	/* PostgreSQL: the iso_files_nocase index on lower(path) */
	static const char nocase[] = DB_SQL(
	    "SELECT i.iso_path, f.start, f.size FROM iso_files f "
	    "JOIN images i ON i.name = f.image WHERE f.image = ?1 AND f.path = ?2 COLLATE NOCASE "
	    "ORDER BY f.path LIMIT 1",
	    "SELECT i.iso_path, f.start, f.size FROM iso_files f "
	    "JOIN images i ON i.name = f.image WHERE f.image = ?1 "
	    "AND lower(f.path) = lower(?2) ORDER BY f.path LIMIT 1");
	const char	*sqls[2] = { exact, nocase };
	struct db_st	*st;
	int		 i, rc;

	*iso_path = NULL;
	while (*path == '/')
		path++;
	for (i = 0; i < 2; i++) {
		if ((st = db_stmt(db, sqls[i])) == NULL)
			return NB_ERR;
		db_bind_text(st, 1, image);
		db_bind_text(st, 2, path);
		rc = dbs_step(st);
		if (rc == SQLITE_ROW && dbs_column_type(st, 0) != SQLITE_NULL) {
			*iso_path = db_col_str(st, 0);
			*offset = (off_t)dbs_column_int64(st, 1);
			*size = (off_t)dbs_column_int64(st, 2);
			dbs_reset(st);
			return NB_OK;
		}
		dbs_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return db_sqlerr(db, db_errcode(db));
	}
	return db_fail(db, NB_NOTFOUND, "image %s has no file %s in its ISO", image, path);
}
