/* db_image.c: the images table. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "xmalloc.h"

#define IMAGE_COLS \
	"name, kind, distro, version, arch, kernel, initrds, cmdline, iso_path, " \
	"iso_sha256, iso_size, template, created"

static const char *const image_kinds[] = { "linux", "windows", "tool", "chain", "sanboot" };

void
nb_image_init(struct nb_image *img)
{
	memset(img, 0, sizeof(*img));
	img->iso_size = -1;
}

void
nb_image_clear(struct nb_image *img)
{
	size_t	 i;

	free(img->name);
	free(img->kind);
	free(img->distro);
	free(img->version);
	free(img->arch);
	free(img->kernel);
	for (i = 0; i < img->ninitrds; i++)
		free(img->initrds[i]);
	free(img->initrds);
	free(img->cmdline);
	free(img->iso_path);
	free(img->iso_sha256);
	free(img->tmpl);
	nb_image_init(img);
}

void
nb_image_add_initrd(struct nb_image *img, const char *path)
{
	img->initrds = xreallocarray(img->initrds, img->ninitrds + 1, sizeof(char *));
	img->initrds[img->ninitrds++] = xstrdup(path);
}

static void
image_from_row(struct db_st *st, struct nb_image *img)
{
	json_t	*a, *v;
	size_t	 i;

	nb_image_clear(img);
	img->name = db_col_str(st, 0);
	img->kind = db_col_str(st, 1);
	img->distro = db_col_str(st, 2);
	img->version = db_col_str(st, 3);
	img->arch = db_col_str(st, 4);
	img->kernel = db_col_str(st, 5);
	a = db_col_json(st, 6, 1);
	json_array_foreach(a, i, v)
		if (json_is_string(v))
			nb_image_add_initrd(img, json_string_value(v));
	json_decref(a);
	img->cmdline = db_col_str(st, 7);
	img->iso_path = db_col_str(st, 8);
	img->iso_sha256 = db_col_str(st, 9);
	img->iso_size = dbs_column_type(st, 10) == SQLITE_NULL ? -1 :
	    dbs_column_int64(st, 10);
	img->tmpl = db_col_str(st, 11);
	img->created = dbs_column_int64(st, 12);
}

int
nb_image_get(struct nb_db *db, const char *name, struct nb_image *img)
{
	static const char sql[] = "SELECT " IMAGE_COLS " FROM images WHERE name = ?1";
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	if ((rc = db_step_row(db, st, "no image named '%s'", name)) == NB_OK)
		image_from_row(st, img);
	dbs_reset(st);
	return rc;
}

int64_t
nb_image_iso_users(struct nb_db *db, const char *path)
{
	static const char sql[] = "SELECT count(*) FROM images "
	    "WHERE iso_path = ?1";
	struct db_st	*st;
	int64_t		 n = -1;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	db_bind_text(st, 1, path);
	if (dbs_step(st) == SQLITE_ROW)
		n = dbs_column_int64(st, 0);
	dbs_reset(st);
	return n;
}

/* /api/v1/images/NAME would be these routes, not the image. */
static const char *const image_reserved[] = { "upload", "import", "detect" };

int
nb_image_name_reserved(const char *name)
{
	size_t	 i;

	for (i = 0; name != NULL && i < sizeof(image_reserved) /
	    sizeof(image_reserved[0]); i++)
		if (strcmp(name, image_reserved[i]) == 0)
			return 1;
	return 0;
}

static int
image_check(struct nb_db *db, const struct nb_image *img)
{
	struct nb_template	 t;
	size_t			 i;
	int			 rc;

	if (!nb_name_valid(img->name))
		return db_fail(db, NB_INVALID, "bad image name '%s' (letters, digits, . _ -)",
		    img->name ? img->name : "");
	if (nb_image_name_reserved(img->name))
		return db_fail(db, NB_INVALID, "image name '%s' is reserved "
		    "(upload, import and detect are not image names)",
		    img->name);
	for (i = 0; i < sizeof(image_kinds) / sizeof(image_kinds[0]); i++)
		if (img->kind == NULL || strcmp(img->kind, image_kinds[i]) == 0)
			break;
	if (i == sizeof(image_kinds) / sizeof(image_kinds[0]))
		return db_fail(db, NB_INVALID, "bad image kind '%s'", img->kind);
	if ((img->kind == NULL || strcmp(img->kind, "linux") == 0) && img->kernel == NULL)
		return db_fail(db, NB_INVALID, "image %s needs a kernel", img->name);
	if (img->tmpl != NULL) {
		memset(&t, 0, sizeof(t));
		rc = nb_template_get(db, img->tmpl, &t);
		nb_template_clear(&t);
		if (rc != NB_OK)
			return rc;
	}
	return NB_OK;
}

void
db_image_bind(struct db_st *st, const struct nb_image *img)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < img->ninitrds; i++)
		json_array_append_new(a, json_string(img->initrds[i]));
	db_bind_text(st, 1, img->name);
	db_bind_text(st, 2, img->kind ? img->kind : "linux");
	db_bind_text(st, 3, img->distro);
	db_bind_text(st, 4, img->version);
	db_bind_text(st, 5, img->arch);
	db_bind_text(st, 6, img->kernel);
	db_bind_json(st, 7, a);
	db_bind_text(st, 8, img->cmdline ? img->cmdline : "");
	json_decref(a);
}

int
nb_image_add(struct nb_db *db, const struct nb_image *img)
{
	static const char sql[] = "INSERT INTO images (" IMAGE_COLS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
	struct db_st	*st;
	int		 rc;

	if ((rc = image_check(db, img)) != NB_OK)
		return rc;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_image_bind(st, img);
	db_bind_text(st, 9, img->iso_path);
	db_bind_text(st, 10, img->iso_sha256);
	if (img->iso_size >= 0)
		dbs_bind_int64(st, 11, img->iso_size);
	db_bind_text(st, 12, img->tmpl);
	dbs_bind_int64(st, 13, nb_now());
	if ((rc = db_exec_stmt(db, st)) == NB_EXISTS)
		return db_fail(db, NB_EXISTS, "image '%s' exists already", img->name);
	return rc;
}

/* The setting that names image name (default_image, menu.default), or NULL. */
static const char *
image_setting(struct nb_db *db, const char *name, int *err)
{
	static const char sql[] = "SELECT key FROM settings WHERE value = ?1 "
	    "AND key IN ('default_image', 'menu.default') ORDER BY key";
	static const char *const keys[] = { "default_image", "menu.default" };
	struct db_st	*st;
	const char	*key = NULL;
	size_t		 i;
	int		 rc;

	*err = 0;
	if ((st = db_stmt(db, sql)) == NULL) {
		*err = 1;
		return NULL;
	}
	db_bind_text(st, 1, name);
	if ((rc = dbs_step(st)) == SQLITE_ROW)
		for (i = 0; i < nitems(keys); i++)
			if (strcmp((const char *)dbs_column_text(st, 0),
			    keys[i]) == 0)
				key = keys[i];
	dbs_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_sqlerr(db, db_errcode(db));
		*err = 1;
	}
	return key;
}

int
nb_image_rm(struct nb_db *db, const char *name)
{
	static const char users[] = "SELECT count(*) FROM clients "
	    "WHERE image = ?1";
	static const char sql[] = "DELETE FROM images WHERE name = ?1";
	struct db_st	*st;
	const char	*key;
	int64_t		 n = 0;
	int		 err;

	if ((st = db_stmt(db, users)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	if (dbs_step(st) == SQLITE_ROW)
		n = dbs_column_int64(st, 0);
	dbs_reset(st);
	if (n > 0)
		return db_fail(db, NB_INUSE, "image '%s' is assigned to %lld "
		    "client%s", name, (long long)n, n == 1 ? "" : "s");
	if ((key = image_setting(db, name, &err)) != NULL)
		return db_fail(db, NB_INUSE, "image '%s' is the setting %s "
		    "(bootctl settings set %s ...)", name, key, key);
	if (err)
		return NB_ERR;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	return db_exec_row(db, st, "no image named '%s'", name);
}

int
nb_image_list(struct nb_db *db, int (*fn)(const struct nb_image *, void *), void *arg)
{
	static const char sql[] = "SELECT " IMAGE_COLS " FROM images ORDER BY name";
	struct nb_image	 img;
	struct db_st	*st;
	int		 rc, stop = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	nb_image_init(&img);
	while (!stop && (rc = dbs_step(st)) == SQLITE_ROW) {
		image_from_row(st, &img);
		stop = fn(&img, arg);
	}
	nb_image_clear(&img);
	dbs_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_sqlerr(db, db_errcode(db));
	return NB_OK;
}

json_t *
nb_image_json(const struct nb_image *img)
{
	json_t	*o = json_object(), *a = json_array();
	size_t	 i;

	json_set_str(o, "name", img->name);
	json_set_str(o, "kind", img->kind);
	json_set_str(o, "distro", img->distro);
	json_set_str(o, "version", img->version);
	json_set_str(o, "arch", img->arch);
	json_set_str(o, "kernel", img->kernel);
	for (i = 0; i < img->ninitrds; i++)
		json_array_append_new(a, json_string(img->initrds[i]));
	json_object_set_new(o, "initrds", a);
	json_set_str(o, "cmdline", img->cmdline);
	json_set_str(o, "iso_path", img->iso_path);
	json_set_str(o, "iso_sha256", img->iso_sha256);
	json_object_set_new(o, "iso_size", img->iso_size >= 0 ? json_integer(img->iso_size) :
	    json_null());
	json_set_str(o, "template", img->tmpl);
	json_object_set_new(o, "created", json_integer(img->created));
	return o;
}
