/* db_file.c: the files table, virtual paths served over TFTP and HTTP. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "xmalloc.h"

#define FILE_COLS "id, path, mac, kind, content, template, local, url, updated"

static const char *const file_kinds[] = {
	[NB_FILE_CONTENT] = "content", [NB_FILE_TEMPLATE] = "template",
	[NB_FILE_LOCAL] = "local", [NB_FILE_URL] = "url",
};

const char *
nb_file_kind_name(enum nb_file_kind k)
{
	return file_kinds[k];
}

void
nb_file_clear(struct nb_file *f)
{
	free(f->path);
	free(f->content);
	free(f->tmpl);
	free(f->local);
	free(f->url);
	memset(f, 0, sizeof(*f));
}

int
nb_path_clean(char *path)
{
	char	*p, *seg, *next;
	size_t	 len;

	for (p = path; *p != '\0'; p++)
		if (*p == '\\')
			*p = '/';
	len = strspn(path, "/");
	memmove(path, path + len, strlen(path + len) + 1);
	if (*path == '\0')
		return -1;
	for (seg = path; seg != NULL; seg = next) {
		next = strchr(seg, '/');
		len = next ? (size_t)(next - seg) : strlen(seg);
		if (next != NULL)
			next++;
		if (len == 0 || (len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return -1;
	}
	return 0;
}

int
nb_file_path_clean(char *path)
{
	size_t	 len = strlen(path);
	int	 prefix;

	prefix = len > 0 && (path[len - 1] == '/' || path[len - 1] == '\\');
	while (len > 0 && (path[len - 1] == '/' || path[len - 1] == '\\'))
		path[--len] = '\0';
	if (nb_path_clean(path) == -1)
		return -1;
	/* Stripping the /s left room for one. */
	if (prefix)
		strlcat(path, "/", len + 2);
	return 0;
}

/*
 * What may follow a prefix into an upstream URL: plain path characters
 * only. No %, so nothing encoded (%2e%2e, %3f) reaches the upstream to be
 * decoded there; no ? or #, so no query of the client's; no . or ..
 * segment and no empty one.
 */
int
nb_file_suffix_ok(const char *suffix)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+,=@:/";
	const char	*seg, *next;
	size_t		 len;

	if (*suffix == '\0' || strlen(suffix) > 1024 ||
	    suffix[strspn(suffix, ok)] != '\0')
		return 0;
	for (seg = suffix; seg != NULL; seg = next) {
		next = strchr(seg, '/');
		len = next ? (size_t)(next - seg) : strlen(seg);
		if (next != NULL)
			next++;
		if ((len == 0 && next != NULL) || (len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
	}
	return 1;
}

static void
file_from_row(struct db_st *st, struct nb_file *f)
{
	const char	*mac = (const char *)dbs_column_text(st, 2);
	const char	*kind = (const char *)dbs_column_text(st, 3);
	const void	*blob;
	size_t		 i;

	nb_file_clear(f);
	f->id = dbs_column_int64(st, 0);
	f->path = db_col_str(st, 1);
	strlcpy(f->mac, mac ? mac : "", sizeof(f->mac));
	for (i = 0; i < sizeof(file_kinds) / sizeof(file_kinds[0]); i++)
		if (strcmp(kind, file_kinds[i]) == 0)
			f->kind = (enum nb_file_kind)i;
	if ((blob = dbs_column_blob(st, 4)) != NULL || f->kind == NB_FILE_CONTENT) {
		f->content_len = (size_t)dbs_column_bytes(st, 4);
		f->content = xmalloc(f->content_len + 1);
		if (f->content_len > 0)
			memcpy(f->content, blob, f->content_len);
		f->content[f->content_len] = '\0';
	}
	f->tmpl = db_col_str(st, 5);
	f->local = db_col_str(st, 6);
	f->url = db_col_str(st, 7);
	f->prefix = f->path != NULL && f->path[0] != '\0' &&
	    f->path[strlen(f->path) - 1] == '/';
	f->updated = dbs_column_int64(st, 8);
}

static int
file_check(struct nb_db *db, const struct nb_file *f)
{
	struct nb_client	 c;
	struct nb_template	 t;
	int			 rc;

	if (f->mac[0] != '\0') {
		nb_client_init(&c);
		rc = nb_client_get(db, f->mac, &c);
		nb_client_clear(&c);
		if (rc != NB_OK)
			return rc;
	}
	if (f->kind == NB_FILE_TEMPLATE) {
		memset(&t, 0, sizeof(t));
		rc = nb_template_get(db, f->tmpl, &t);
		nb_template_clear(&t);
		if (rc != NB_OK)
			return rc;
	}
	if (f->kind == NB_FILE_LOCAL && (f->local == NULL || f->local[0] != '/'))
		return db_fail(db, NB_INVALID, "a local file needs an absolute path");
	if (f->prefix && (f->kind != NB_FILE_URL || f->url == NULL ||
	    f->url[0] == '\0' || f->url[strlen(f->url) - 1] != '/'))
		return db_fail(db, NB_INVALID,
		    "a prefix maps to an upstream URL ending in /");
	return NB_OK;
}

int
nb_file_add(struct nb_db *db, const struct nb_file *f)
{
	static const char sql[] = "INSERT INTO files (path, mac, kind, content, template, local, "
	    "url, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	struct db_st	*st;
	char		*path;
	int		 rc;

	path = xstrdup(f->path ? f->path : "");
	if (nb_file_path_clean(path) == -1) {
		rc = db_fail(db, NB_INVALID, "bad path '%s' (empty, or . or .. parts)",
		    f->path ? f->path : "");
		goto done;
	}
	/* A path ending in / is a prefix, and only a prefix ends so. */
	if ((path[strlen(path) - 1] == '/') != (f->prefix != 0)) {
		rc = db_fail(db, NB_INVALID,
		    "%s: a prefix is a path ending in / (and --prefix)", path);
		goto done;
	}
	if ((rc = file_check(db, f)) != NB_OK)
		goto done;
	if ((st = db_stmt(db, sql)) == NULL) {
		rc = NB_ERR;
		goto done;
	}
	db_bind_text(st, 1, path);
	db_bind_text(st, 2, f->mac[0] ? f->mac : NULL);
	db_bind_text(st, 3, file_kinds[f->kind]);
	if (f->kind == NB_FILE_CONTENT)
		dbs_bind_blob(st, 4, f->content ? (const void *)f->content : "",
		    (int)f->content_len, SQLITE_TRANSIENT);
	if (f->kind == NB_FILE_TEMPLATE)
		db_bind_text(st, 5, f->tmpl);
	if (f->kind == NB_FILE_LOCAL)
		db_bind_text(st, 6, f->local);
	if (f->kind == NB_FILE_URL)
		db_bind_text(st, 7, f->url);
	dbs_bind_int64(st, 8, nb_now());
	if ((rc = db_exec_stmt(db, st)) == NB_EXISTS)
		rc = db_fail(db, NB_EXISTS, "file %s exists already for %s", path,
		    f->mac[0] ? f->mac : "all clients");
done:
	free(path);
	return rc;
}

int
nb_file_rm(struct nb_db *db, const char *path, const char *mac)
{
	/* the expression of index files_path_mac, on each engine */
	static const char sql[] = DB_SQL(
	    "DELETE FROM files WHERE path = ?1 AND ifnull(mac, '') = ?2",
	    "DELETE FROM files WHERE path = ?1 AND coalesce(mac, '') = ?2");
	struct db_st	*st;
	char		*clean;
	int		 rc;

	clean = xstrdup(path);
	if (nb_file_path_clean(clean) == -1) {
		rc = db_fail(db, NB_INVALID, "bad path '%s'", path);
		goto done;
	}
	if ((st = db_stmt(db, sql)) == NULL) {
		rc = NB_ERR;
		goto done;
	}
	db_bind_text(st, 1, clean);
	db_bind_text(st, 2, mac ? mac : "");
	rc = db_exec_row(db, st, "no file %s for %s", clean,
	    mac && *mac ? mac : "all clients");
done:
	free(clean);
	return rc;
}

/* The first row of sql (?1 path, ?2 mac) into f; NB_NOTFOUND if none. */
static int
file_row(struct nb_db *db, const char *sql, const char *path, const char *mac,
    struct nb_file *f)
{
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, path);
	db_bind_text(st, 2, mac);
	if ((rc = db_step_row(db, st, "no file %s", path)) == NB_OK)
		file_from_row(st, f);
	dbs_reset(st);
	return rc;
}

/*
 * The longest upstream prefix of path for mac (its own before a global one
 * of the same length), its URL extended by the rest of path.
 */
static int
file_lookup_prefix(struct nb_db *db, const char *path, const char *mac,
    struct nb_file *f)
{
	/* substr(s, -1) is all of s on PostgreSQL */
	static const char sql[] = DB_SQL("SELECT " FILE_COLS " FROM files "
	    "WHERE kind = 'url' AND substr(path, -1) = '/' "
	    "AND length(?1) > length(path) "
	    "AND substr(?1, 1, length(path)) = path "
	    "AND (mac IS NULL OR mac = ?2) "
	    "ORDER BY length(path) DESC, mac IS NULL LIMIT 1",
	    "SELECT " FILE_COLS " FROM files "
	    "WHERE kind = 'url' AND right(path, 1) = '/' "
	    "AND length(?1) > length(path) "
	    "AND substr(?1, 1, length(path)) = path "
	    "AND (mac IS NULL OR mac = ?2) "
	    "ORDER BY length(path) DESC, mac IS NULL LIMIT 1");
	const char	*suffix;
	char		*url;
	int		 rc;

	if ((rc = file_row(db, sql, path, mac, f)) != NB_OK)
		return rc;
	suffix = path + strlen(f->path);
	if (!nb_file_suffix_ok(suffix)) {
		nb_file_clear(f);
		return db_fail(db, NB_INVALID, "refused %s: its part after the "
		    "prefix is not a plain path", path);
	}
	xasprintf(&url, "%s%s", f->url, suffix);
	free(f->url);
	f->url = url;
	return NB_OK;
}

int
nb_file_lookup(struct nb_db *db, const char *path, const char *mac, struct nb_file *f)
{
	static const char sql[] = DB_SQL(
	    "SELECT " FILE_COLS " FROM files WHERE path = ?1 "
	    "AND substr(path, -1) <> '/' "
	    "AND (mac IS NULL OR mac = ?2) ORDER BY mac IS NULL LIMIT 1",
	    "SELECT " FILE_COLS " FROM files WHERE path = ?1 "
	    "AND right(path, 1) <> '/' "
	    "AND (mac IS NULL OR mac = ?2) ORDER BY mac IS NULL LIMIT 1");
	int		 rc;

	if ((rc = file_row(db, sql, path, mac, f)) == NB_NOTFOUND)
		rc = file_lookup_prefix(db, path, mac, f);
	return rc;
}

int
nb_file_list(struct nb_db *db, const char *mac, int (*fn)(const struct nb_file *, void *), void *arg)
{
	static const char sql[] = DB_SQL("SELECT " FILE_COLS " FROM files "
	    "WHERE ?1 IS NULL OR mac = ?1 ORDER BY ifnull(mac, ''), path",
	    "SELECT " FILE_COLS " FROM files "
	    "WHERE CAST(?1 AS TEXT) IS NULL OR mac = ?1 "
	    "ORDER BY coalesce(mac, ''), path");
	struct nb_file	 f;
	struct db_st	*st;
	int		 rc, stop = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	memset(&f, 0, sizeof(f));
	while (!stop && (rc = dbs_step(st)) == SQLITE_ROW) {
		file_from_row(st, &f);
		stop = fn(&f, arg);
	}
	nb_file_clear(&f);
	dbs_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_sqlerr(db, db_errcode(db));
	return NB_OK;
}

json_t *
nb_file_json(const struct nb_file *f)
{
	json_t	*o = json_object();

	json_object_set_new(o, "id", json_integer(f->id));
	json_set_str(o, "path", f->path);
	json_set_str(o, "mac", f->mac[0] ? f->mac : NULL);
	json_set_str(o, "kind", file_kinds[f->kind]);
	if (f->kind == NB_FILE_CONTENT) {
		json_object_set_new(o, "size", json_integer((json_int_t)f->content_len));
		json_object_set_new(o, "content", json_stringn((const char *)f->content,
		    f->content_len));	/* NULL (so omitted) unless UTF-8 */
	}
	if (f->kind == NB_FILE_TEMPLATE)
		json_set_str(o, "template", f->tmpl);
	if (f->kind == NB_FILE_LOCAL)
		json_set_str(o, "local", f->local);
	if (f->kind == NB_FILE_URL) {
		json_set_str(o, "url", f->url);
		json_object_set_new(o, "prefix", json_boolean(f->prefix));
	}
	json_object_set_new(o, "updated", json_integer(f->updated));
	return o;
}
