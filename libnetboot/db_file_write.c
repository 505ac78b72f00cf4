/*
 * db_file_write.c: what a row of the files table must be before it is
 * stored, and a row's source replaced, shared by bootctl file add | set
 * and /api/v1/files (db_file.c has the rest of the table's functions):
 * a clean path, a URL the daemons can fetch, a prefix that maps
 * PATH/SUFFIX to URL/SUFFIX, a local file that is there.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"
#include "image.h"
#include "xmalloc.h"

/* Whether url is http:// or https:// with something after it. */
static int
file_url_ok(const char *url)
{
	return (strncmp(url, "http://", 7) == 0 && url[7] != '\0') ||
	    (strncmp(url, "https://", 8) == 0 && url[8] != '\0');
}

const char *
nb_file_check(const struct nb_file *f, char *why, size_t whysz)
{
	size_t	 len = f->path ? strlen(f->path) : 0;

	if (len == 0 || len > NB_FILE_PATH_MAX)
		snprintf(why, whysz, "bad path (1 to %d bytes)",
		    NB_FILE_PATH_MAX);
	else if ((f->path[len - 1] == '/') != (f->prefix != 0))
		snprintf(why, whysz, "a path ending in / needs prefix, and "
		    "prefix a path ending in /");
	else if (f->kind == NB_FILE_URL && !file_url_ok(f->url))
		snprintf(why, whysz, "bad url '%s' (http:// or https:// only)",
		    f->url);
	else if (f->prefix && (f->kind != NB_FILE_URL ||
	    f->url[strlen(f->url) - 1] != '/'))
		snprintf(why, whysz, "prefix needs a url ending in /");
	else if (f->prefix && strchr(f->url, '?') != NULL)
		snprintf(why, whysz, "prefix needs a url without a query");
	else
		return NULL;
	return why;
}

int
nb_file_local_resolve(struct nb_file *f, char *why, size_t whysz)
{
	struct stat	 sb;
	char		 real[PATH_MAX];
	int		 fd;

	/* Stored absolute, as the daemons open it; it must be readable now. */
	if (realpath(f->local, real) == NULL ||
	    (fd = open(real, O_RDONLY | O_NONBLOCK)) == -1) {
		snprintf(why, whysz, "%s: %s", f->local, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(why, whysz, "%s: not a regular file", f->local);
		return -1;
	}
	close(fd);
	free(f->local);
	f->local = xstrdup(real);
	return 0;
}

int
nb_file_replace(struct nb_db *db, const struct nb_file *f)
{
	/* the expression of index files_path_mac, on each engine */
	static const char sql[] = DB_SQL("UPDATE files SET kind = ?3, "
	    "content = ?4, template = ?5, local = ?6, url = ?7, updated = ?8 "
	    "WHERE path = ?1 AND ifnull(mac, '') = ?2",
	    "UPDATE files SET kind = ?3, "
	    "content = ?4, template = ?5, local = ?6, url = ?7, updated = ?8 "
	    "WHERE path = ?1 AND coalesce(mac, '') = ?2");
	static const char *const kinds[] = {
		[NB_FILE_CONTENT] = "content", [NB_FILE_TEMPLATE] = "template",
		[NB_FILE_LOCAL] = "local", [NB_FILE_URL] = "url",
	};
	struct nb_template	 t;
	struct db_st		*st;
	char			 why[256];
	int			 rc;

	if (nb_file_check(f, why, sizeof(why)) != NULL)
		return db_fail(db, NB_INVALID, "%s", why);
	if (f->kind == NB_FILE_TEMPLATE) {
		memset(&t, 0, sizeof(t));
		rc = nb_template_get(db, f->tmpl, &t);
		nb_template_clear(&t);
		if (rc != NB_OK)
			return rc;
	}
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, f->path);
	db_bind_text(st, 2, f->mac);
	db_bind_text(st, 3, kinds[f->kind]);
	if (f->kind == NB_FILE_CONTENT)
		dbs_bind_blob(st, 4, f->content ? (const void *)f->content :
		    "", (int)f->content_len, SQLITE_TRANSIENT);
	if (f->kind == NB_FILE_TEMPLATE)
		db_bind_text(st, 5, f->tmpl);
	if (f->kind == NB_FILE_LOCAL)
		db_bind_text(st, 6, f->local);
	if (f->kind == NB_FILE_URL)
		db_bind_text(st, 7, f->url);
	dbs_bind_int64(st, 8, nb_now());
	return db_exec_row(db, st, "no file %s for %s", f->path,
	    f->mac[0] ? f->mac : "all clients");
}
