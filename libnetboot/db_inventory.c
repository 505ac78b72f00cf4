/*
 * db_inventory.c: the inventories table (netboot(7) INVENTORY). bootweb's
 * writer thread appends a row for each boot's inventory (iPXE's
 * variables, nb_wq_inventory) and each installer's report (the
 * self-API's inventory call, nb_wq_report), and trims each client to its
 * newest inventory.keep rows in the same statement's transaction.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "inventory.h"
#include "xmalloc.h"

/* A clean scalar, or NULL if v is none. */
static json_t *
inv_scalar(json_t *v)
{
	char	 buf[NB_CLIENT_TEXT_MAX + 1];

	if (json_is_string(v))
		return json_string(nb_client_text(json_string_value(v), buf));
	if (json_is_number(v) || json_is_boolean(v) || json_is_null(v))
		return json_incref(v);
	return NULL;
}

/* A clean list: scalars, or objects of scalars; NULL if a is not a list. */
static json_t *
inv_list(json_t *a)
{
	json_t	*out, *v, *o;
	size_t	 i;

	if (!json_is_array(a))
		return NULL;
	out = json_array();
	json_array_foreach(a, i, v) {
		if (i >= NB_INV_LIST_MAX)
			break;
		if (json_is_object(v))
			o = nb_client_inventory_clean(v);
		else if ((o = inv_scalar(v)) == NULL)
			continue;
		json_array_append_new(out, o);
	}
	return out;
}

json_t *
nb_inventory_report_clean(json_t *report)
{
	json_t		*o = json_object(), *v, *c;
	const char	*key, *k;
	char		 kbuf[NB_CLIENT_TEXT_MAX + 1];

	if (!json_is_object(report))
		return o;
	json_object_foreach(report, key, v) {
		if (json_object_size(o) >= NB_INVENTORY_MAX)
			break;
		k = nb_client_text(key, kbuf);
		if (*k == '\0' || strlen(k) > NB_INVENTORY_KEY_MAX)
			continue;
		if ((c = inv_scalar(v)) == NULL && (c = inv_list(v)) == NULL &&
		    json_is_object(v))
			c = nb_client_inventory_clean(v);
		if (c != NULL)
			json_object_set_new(o, k, c);
	}
	return o;
}

int
nb_inventory_add(struct nb_db *db, const char *mac, const char *source,
    json_t *data, int64_t when)
{
	static const char ins[] = "INSERT INTO inventories (mac, source, "
	    "data, time) VALUES (?1, ?2, ?3, ?4)";
	/* inventory.keep, else 10: the setting's row and default. */
	static const char trim[] = "DELETE FROM inventories WHERE mac = ?1 "
	    "AND id NOT IN (SELECT id FROM inventories WHERE mac = ?1 "
	    "ORDER BY id DESC LIMIT coalesce((SELECT CAST(value AS INTEGER) "
	    "FROM settings WHERE key = 'inventory.keep'), ?2))";
	struct db_st	*st;
	json_t		*clean;
	int		 rc;

	if ((st = db_stmt(db, ins)) == NULL)
		return NB_ERR;
	clean = strcmp(source, "self") == 0 ?
	    nb_inventory_report_clean(data) : nb_client_inventory_clean(data);
	db_bind_text(st, 1, mac);
	db_bind_text(st, 2, source);
	db_bind_json(st, 3, clean);
	dbs_bind_int64(st, 4, when);
	json_decref(clean);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	if ((st = db_stmt(db, trim)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	dbs_bind_int(st, 2, NB_INV_KEEP);
	return db_exec_stmt(db, st);
}

int
nb_inventory_list(struct nb_db *db, const char *mac, int64_t limit,
    int (*fn)(const struct nb_inventory *, void *), void *arg)
{
	static const char sql[] = "SELECT id, mac, source, data, time FROM "
	    "inventories WHERE mac = ?1 ORDER BY id DESC LIMIT ?2";
	struct nb_inventory	 inv;
	struct db_st		*st;
	int			 rc, stop = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	dbs_bind_int64(st, 2, limit);
	while (!stop && (rc = dbs_step(st)) == SQLITE_ROW) {
		memset(&inv, 0, sizeof(inv));
		inv.id = dbs_column_int64(st, 0);
		strlcpy(inv.mac, (const char *)dbs_column_text(st, 1),
		    sizeof(inv.mac));
		inv.source = (const char *)dbs_column_text(st, 2);
		inv.data = db_col_json(st, 3, 0);
		inv.time = dbs_column_int64(st, 4);
		stop = fn(&inv, arg);
		json_decref(inv.data);
	}
	dbs_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_sqlerr(db, rc);
	return NB_OK;
}

json_t *
nb_inventory_json(const struct nb_inventory *inv)
{
	return json_pack("{s:I, s:s, s:s, s:I, s:O}", "id", (json_int_t)inv->id,
	    "mac", inv->mac, "source", inv->source, "time",
	    (json_int_t)inv->time, "data", inv->data);
}
