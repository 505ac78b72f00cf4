/* db_template.c: the templates table. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "tmpl.h"
#include "xmalloc.h"

static const char *const template_kinds[] = {
	"preseed", "kickstart", "autoinstall", "cloud-init", "autounattend", "ipxe", "raw",
	"autoyast",
};

int
nb_template_kind_valid(const char *kind)
{
	size_t	 i;

	for (i = 0; i < sizeof(template_kinds) / sizeof(template_kinds[0]); i++)
		if (kind != NULL && strcmp(kind, template_kinds[i]) == 0)
			return 1;
	return 0;
}

void
nb_template_clear(struct nb_template *t)
{
	free(t->name);
	free(t->kind);
	free(t->body);
	memset(t, 0, sizeof(*t));
}

static void
template_from_row(struct db_st *st, struct nb_template *t)
{
	nb_template_clear(t);
	t->name = db_col_str(st, 0);
	t->kind = db_col_str(st, 1);
	t->body = db_col_str(st, 2);
	t->updated = dbs_column_int64(st, 3);
}

int
nb_template_get(struct nb_db *db, const char *name, struct nb_template *t)
{
	static const char sql[] = "SELECT name, kind, body, updated FROM templates WHERE name = ?1";
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	if ((rc = db_step_row(db, st, "no template named '%s'", name)) == NB_OK)
		template_from_row(st, t);
	dbs_reset(st);
	return rc;
}

static int
template_write(struct nb_db *db, const char *sql, const struct nb_template *t)
{
	struct db_st	*st;
	char		 err[256];

	if (!nb_name_valid(t->name))
		return db_fail(db, NB_INVALID, "bad template name '%s' "
		    "(letters, digits, . _ -)", t->name ? t->name : "");
	if (!nb_template_kind_valid(t->kind))
		return db_fail(db, NB_INVALID, "bad template kind '%s'",
		    t->kind ? t->kind : "");
	if (t->body == NULL)
		return db_fail(db, NB_INVALID, "template %s has no body",
		    t->name);
	/* Refused when written, naming the line, not when a client boots. */
	if (nb_tmpl_check(t->body, err, sizeof(err)) == -1)
		return db_fail(db, NB_INVALID, "template %s: %s", t->name,
		    err);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, t->name);
	db_bind_text(st, 2, t->kind);
	db_bind_text(st, 3, t->body);
	dbs_bind_int64(st, 4, nb_now());
	return db_exec_stmt(db, st);
}

int
nb_template_add(struct nb_db *db, const struct nb_template *t)
{
	static const char sql[] = "INSERT INTO templates (name, kind, body, updated) "
	    "VALUES (?1, ?2, ?3, ?4)";
	int	 rc;

	if ((rc = template_write(db, sql, t)) == NB_EXISTS)
		return db_fail(db, NB_EXISTS, "template '%s' exists already", t->name);
	return rc;
}

int
nb_template_update(struct nb_db *db, const struct nb_template *t)
{
	static const char sql[] = "UPDATE templates SET kind = ?2, body = ?3, updated = ?4 "
	    "WHERE name = ?1";
	int	 rc;

	if ((rc = template_write(db, sql, t)) != NB_OK)
		return rc;
	if (db_changes(db) == 0)
		return db_fail(db, NB_NOTFOUND, "no template named '%s'", t->name);
	return NB_OK;
}

int
nb_template_rm(struct nb_db *db, const char *name)
{
	static const char users[] = "SELECT (SELECT count(*) FROM clients WHERE template = ?1) + "
	    "(SELECT count(*) FROM images WHERE template = ?1) + "
	    "(SELECT count(*) FROM files WHERE template = ?1)";
	static const char sql[] = "DELETE FROM templates WHERE name = ?1";
	struct db_st	*st;
	int64_t		 n = 0;

	if ((st = db_stmt(db, users)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	if (dbs_step(st) == SQLITE_ROW)
		n = dbs_column_int64(st, 0);
	dbs_reset(st);
	if (n > 0)
		return db_fail(db, NB_INUSE, "template '%s' is used by %lld client%s, image%s or file%s",
		    name, (long long)n, n == 1 ? "" : "s", n == 1 ? "" : "s", n == 1 ? "" : "s");
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	return db_exec_row(db, st, "no template named '%s'", name);
}

int
nb_template_list(struct nb_db *db, int (*fn)(const struct nb_template *, void *), void *arg)
{
	static const char sql[] = "SELECT name, kind, body, updated FROM templates ORDER BY name";
	struct nb_template	 t;
	struct db_st		*st;
	int			 rc, stop = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	memset(&t, 0, sizeof(t));
	while (!stop && (rc = dbs_step(st)) == SQLITE_ROW) {
		template_from_row(st, &t);
		stop = fn(&t, arg);
	}
	nb_template_clear(&t);
	dbs_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_sqlerr(db, db_errcode(db));
	return NB_OK;
}

json_t *
nb_template_json(const struct nb_template *t, int with_body)
{
	json_t	*o = json_object();

	json_set_str(o, "name", t->name);
	json_set_str(o, "kind", t->kind);
	json_object_set_new(o, "size", json_integer(t->body ? (json_int_t)strlen(t->body) : 0));
	json_object_set_new(o, "updated", json_integer(t->updated));
	if (with_body)
		json_set_str(o, "body", t->body);
	return o;
}
