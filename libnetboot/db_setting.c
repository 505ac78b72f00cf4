/*
 * db_setting.c: the settings as stored, key = value, with the defaults
 * and checks of the table in setting.c for what is not stored.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "xmalloc.h"

int
nb_setting_get(struct nb_db *db, const char *key, char **value)
{
	static const char sql[] = "SELECT value FROM settings WHERE key = ?1";
	const char	*def;
	sqlite3_stmt	*st;
	long		 arg;
	int		 id, rc;

	*value = NULL;
	if ((id = nb_setting_find(key, &arg)) == -1)
		return db_fail(db, NB_INVALID, "unknown setting '%s' (see "
		    "netboot(7))", key);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, key);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*value = db_col_str(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(db, sqlite3_extended_errcode(db->sq));
	if (*value == NULL && (def = nb_setting_default(id, arg)) != NULL)
		*value = xstrdup(def);
	return NB_OK;
}

int
nb_setting_set(struct nb_db *db, const char *key, const char *value)
{
	static const char sql[] = "INSERT INTO settings (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = ?2";
	sqlite3_stmt	*st;
	char		 why[256];

	if (nb_setting_check(key, value, why, sizeof(why)) == -1)
		return db_fail(db, NB_INVALID, "%s", why);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	return db_exec_stmt(db, st);
}

int
nb_setting_unset(struct nb_db *db, const char *key)
{
	static const char sql[] = "DELETE FROM settings WHERE key = ?1";
	sqlite3_stmt	*st;
	long		 arg;

	if (nb_setting_find(key, &arg) == -1)
		return db_fail(db, NB_INVALID, "unknown setting '%s' (see "
		    "netboot(7))", key);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, key);
	return db_exec_stmt(db, st);
}

/* One key: its value (stored or default) and whether it is stored. */
static int
setting_walk_one(struct nb_db *db, const char *key, int id, long arg,
    int (*fn)(const struct nb_setting_val *, void *), void *fnarg)
{
	static const char sql[] = "SELECT value FROM settings WHERE key = ?1";
	struct nb_setting_val	 v;
	sqlite3_stmt		*st;
	char			*value = NULL;
	int			 rc, stop;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	db_bind_text(st, 1, key);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		value = db_col_str(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_sqlerr(db, sqlite3_extended_errcode(db->sq));
		return -1;
	}
	v.id = (enum nb_setting_id)id;
	v.key = key;
	v.arg = arg;
	v.is_default = value == NULL;
	nb_setting_parse(&v, value != NULL ? value :
	    nb_setting_default(v.id, arg));
	stop = fn(&v, fnarg) != 0;
	free(value);
	return stop;
}

/* The stored keys of families, but for the bootloader.N with a default. */
static int
setting_walk_families(struct nb_db *db,
    int (*fn)(const struct nb_setting_val *, void *), void *fnarg)
{
	static const char sql[] = "SELECT key FROM settings ORDER BY key";
	sqlite3_stmt	*st;
	char		**keys = NULL;
	const char	*k;
	size_t		 i, n = 0;
	long		 arg;
	int		 id, stop = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		k = (const char *)sqlite3_column_text(st, 0);
		if ((id = nb_setting_find(k, &arg)) == -1 || arg == -1 ||
		    (id == NB_S_BOOTLOADER &&
		    nb_setting_default(NB_S_BOOTLOADER, arg) != NULL))
			continue;
		keys = xreallocarray(keys, n + 1, sizeof(char *));
		keys[n++] = xstrdup(k);
	}
	sqlite3_reset(st);
	for (i = 0; i < n; i++) {
		if (stop == 0 && (id = nb_setting_find(keys[i], &arg)) != -1)
			stop = setting_walk_one(db, keys[i], id, arg, fn,
			    fnarg);
		free(keys[i]);
	}
	free(keys);
	return stop;
}

int
nb_setting_walk(struct nb_db *db,
    int (*fn)(const struct nb_setting_val *, void *), void *arg)
{
	const struct nb_setting_arch_file	*bl;
	char					 key[64];
	size_t					 i, n;
	int					 stop = 0;

	/* Plain keys (stored or default), bootloader defaults, families. */
	for (i = 0; i < NB_S_COUNT && stop == 0; i++)
		if (nb_setting_def(i)->family == NB_SF_NONE)
			stop = setting_walk_one(db, nb_setting_def(i)->name,
			    (int)i, -1, fn, arg);
	bl = nb_setting_arch_defaults(&n);
	for (i = 0; i < n && stop == 0; i++) {
		snprintf(key, sizeof(key), "bootloader.%d", bl[i].arch);
		stop = setting_walk_one(db, key, NB_S_BOOTLOADER, bl[i].arch,
		    fn, arg);
	}
	if (stop == 0)
		stop = setting_walk_families(db, fn, arg);
	return stop == -1 ? NB_ERR : NB_OK;
}

struct setting_list {
	int	(*fn)(const char *, const char *, int, void *);
	void	*arg;
};

static int
setting_list_one(const struct nb_setting_val *v, void *arg)
{
	struct setting_list	*l = arg;

	return l->fn(v->key, v->str, v->is_default, l->arg) != 0;
}

int
nb_setting_list(struct nb_db *db,
    int (*fn)(const char *, const char *, int, void *), void *arg)
{
	struct setting_list	 l = { fn, arg };

	return nb_setting_walk(db, setting_list_one, &l);
}
