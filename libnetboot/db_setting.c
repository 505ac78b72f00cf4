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
	struct db_st	*st;
	long		 arg;
	int		 id, rc;

	*value = NULL;
	if ((id = nb_setting_find(key, &arg)) == -1)
		return db_fail(db, NB_INVALID, "unknown setting '%s' (see "
		    "netboot(7))", key);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, key);
	if ((rc = dbs_step(st)) == SQLITE_ROW)
		*value = db_col_str(st, 0);
	dbs_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(db, db_errcode(db));
	if (*value == NULL && (def = nb_setting_default(id, arg)) != NULL)
		*value = xstrdup(def);
	return NB_OK;
}

/* 1 if an image named name exists, 0 if not, or the NB_* error. */
static int
setting_image_exists(struct nb_db *db, const char *name)
{
	static const char sql[] = "SELECT 1 FROM images WHERE name = ?1";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	return db_exists(db, st);
}

/*
 * What a value names must exist when it is written: default_image an
 * image, menu.default an image or local or shell (netboot(7)).
 */
static int
setting_refs(struct nb_db *db, const char *key, const char *value)
{
	long	 arg;
	int	 id = nb_setting_find(key, &arg), have;

	if (id != NB_S_DEFAULT_IMAGE && id != NB_S_MENU_DEFAULT)
		return NB_OK;
	if (id == NB_S_MENU_DEFAULT &&
	    (strcmp(value, "local") == 0 || strcmp(value, "shell") == 0))
		return NB_OK;
	if ((have = setting_image_exists(db, value)) < 0)
		return have;
	if (have)
		return NB_OK;
	if (id == NB_S_DEFAULT_IMAGE)
		return db_fail(db, NB_INVALID, "%s: no image named '%s'",
		    key, value);
	return db_fail(db, NB_INVALID, "%s: '%s' is not an image, local "
	    "or shell", key, value);
}

int
nb_setting_set(struct nb_db *db, const char *key, const char *value)
{
	static const char sql[] = "INSERT INTO settings (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = ?2";
	struct db_st	*st;
	char		 why[256];
	int		 rc;

	if (nb_setting_check(key, value, why, sizeof(why)) == -1)
		return db_fail(db, NB_INVALID, "%s", why);
	if ((rc = setting_refs(db, key, value)) != NB_OK)
		return rc;
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
	struct db_st	*st;
	long		 arg;

	if (nb_setting_find(key, &arg) == -1)
		return db_fail(db, NB_INVALID, "unknown setting '%s' (see "
		    "netboot(7))", key);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, key);
	return db_exec_stmt(db, st);
}

/* The stored settings, read by one query and sorted by key. */
struct setting_stored {
	char	**kv;		/* key, value, key, value, ... */
	size_t	  n;		/* pairs */
};

/* Read every stored row into st (the walk once asked two queries per key). */
static int
setting_stored_load(struct nb_db *db, struct setting_stored *ss)
{
	static const char sql[] = "SELECT key, value FROM settings ORDER BY key";
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	while ((rc = dbs_step(st)) == SQLITE_ROW) {
		if (dbs_column_type(st, 0) == SQLITE_NULL)
			continue;
		ss->kv = xreallocarray(ss->kv, ss->n + 1, 2 * sizeof(char *));
		ss->kv[2 * ss->n] = db_col_str(st, 0);
		ss->kv[2 * ss->n + 1] = db_col_str(st, 1);
		ss->n++;
	}
	dbs_reset(st);
	if (rc != SQLITE_DONE) {
		db_sqlerr(db, db_errcode(db));
		return -1;
	}
	return 0;
}

static void
setting_stored_free(struct setting_stored *ss)
{
	size_t	 i;

	for (i = 0; i < 2 * ss->n; i++)
		free(ss->kv[i]);
	free(ss->kv);
}

/* The stored value of key, or NULL (binary search: ORDER BY is strcmp's order). */
static const char *
setting_stored_get(const struct setting_stored *ss, const char *key)
{
	size_t	 lo = 0, hi = ss->n, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(key, ss->kv[2 * mid])) == 0)
			return ss->kv[2 * mid + 1];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* One key: its value (stored or default) and whether it is stored. */
static int
setting_walk_one(const struct setting_stored *ss, const char *key, int id,
    long arg, int (*fn)(const struct nb_setting_val *, void *), void *fnarg)
{
	struct nb_setting_val	 v;
	const char		*value = setting_stored_get(ss, key);

	v.id = (enum nb_setting_id)id;
	v.key = key;
	v.arg = arg;
	v.is_default = value == NULL;
	nb_setting_parse(&v, value != NULL ? value :
	    nb_setting_default(v.id, arg));
	return fn(&v, fnarg) != 0;
}

/* The stored keys of families, but for the bootloader.N with a default. */
static int
setting_walk_families(const struct setting_stored *ss,
    int (*fn)(const struct nb_setting_val *, void *), void *fnarg)
{
	const char	*k;
	size_t		 i;
	long		 arg;
	int		 id, stop = 0;

	for (i = 0; i < ss->n && stop == 0; i++) {
		k = ss->kv[2 * i];
		if ((id = nb_setting_find(k, &arg)) == -1 || arg == -1 ||
		    (id == NB_S_BOOTLOADER &&
		    nb_setting_default(NB_S_BOOTLOADER, arg) != NULL))
			continue;
		stop = setting_walk_one(ss, k, id, arg, fn, fnarg);
	}
	return stop;
}

int
nb_setting_walk(struct nb_db *db,
    int (*fn)(const struct nb_setting_val *, void *), void *arg)
{
	const struct nb_setting_arch_file	*bl;
	struct setting_stored			 ss = { NULL, 0 };
	char					 key[64];
	size_t					 i, n;
	int					 stop = 0;

	if (setting_stored_load(db, &ss) == -1) {
		setting_stored_free(&ss);
		return NB_ERR;
	}
	/* Plain keys (stored or default), bootloader defaults, families. */
	for (i = 0; i < NB_S_COUNT && stop == 0; i++)
		if (nb_setting_def(i)->family == NB_SF_NONE)
			stop = setting_walk_one(&ss, nb_setting_def(i)->name,
			    (int)i, -1, fn, arg);
	bl = nb_setting_arch_defaults(&n);
	for (i = 0; i < n && stop == 0; i++) {
		snprintf(key, sizeof(key), "bootloader.%d", bl[i].arch);
		stop = setting_walk_one(&ss, key, NB_S_BOOTLOADER, bl[i].arch,
		    fn, arg);
	}
	if (stop == 0)
		stop = setting_walk_families(&ss, fn, arg);
	setting_stored_free(&ss);
	return NB_OK;
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
