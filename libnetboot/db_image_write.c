/*
 * db_image_write.c: the checks and writes of images that bootctl and the
 * admin API share (image.h): a new or changed image points at files that
 * are there now.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"
#include "image.h"
#include "xmalloc.h"

static const char *const image_kinds[] = {
	"linux", "windows", "tool", "chain", "sanboot",
};

int
nb_image_kind_valid(const char *kind)
{
	size_t	 i;

	for (i = 0; i < nitems(image_kinds); i++)
		if (strcmp(kind, image_kinds[i]) == 0)
			return 1;
	return 0;
}

int
nb_image_path_valid(const char *path)
{
	char	*copy;
	int	 ok;

	if (path[0] == '/')
		return 1;
	copy = xstrdup(path);
	ok = nb_path_clean(copy) == 0 && strcmp(copy, path) == 0;
	free(copy);
	return ok;
}

int
nb_image_file_check(const char *datadir, const char *what, const char *path,
    char *why, size_t whysz)
{
	struct stat	 sb;
	char		*full;
	int		 fd, rc = -1;

	if (path[0] == '/')
		full = xstrdup(path);
	else
		xasprintf(&full, "%s/%s", datadir, path);
	if ((fd = open(full, O_RDONLY | O_NONBLOCK)) == -1 ||
	    fstat(fd, &sb) == -1)
		snprintf(why, whysz, "%s %s: %s", what, full, strerror(errno));
	else if (!S_ISREG(sb.st_mode))
		snprintf(why, whysz, "%s %s: not a regular file", what, full);
	else
		rc = 0;
	if (fd != -1)
		close(fd);
	free(full);
	return rc;
}

const char *
nb_image_check(const struct nb_image *img, const char *datadir, char *why,
    size_t whysz)
{
	int	 linux_kind, ok = 0;
	size_t	 i;

	linux_kind = img->kind == NULL || strcmp(img->kind, "linux") == 0;
	if (img->name == NULL || !nb_name_valid(img->name))
		snprintf(why, whysz, "bad image name '%s' (1 to 64 letters, "
		    "digits, '.', '_', '-'; no leading '.')",
		    img->name ? img->name : "");
	else if (nb_image_name_reserved(img->name))
		snprintf(why, whysz, "image name '%s' is reserved (upload, "
		    "import and detect are not image names)", img->name);
	else if (img->kind != NULL && !nb_image_kind_valid(img->kind))
		snprintf(why, whysz, "unknown image kind '%s' (linux, windows, "
		    "tool, chain or sanboot)", img->kind);
	else if (linux_kind && img->kernel == NULL)
		snprintf(why, whysz, "a linux image needs a kernel");
	else if (linux_kind && img->ninitrds == 0 && img->iso_path == NULL)
		snprintf(why, whysz, "a linux image needs an initrd");
	else if (img->ninitrds > NB_IMAGE_INITRDS_MAX)
		snprintf(why, whysz, "at most %d initrds",
		    NB_IMAGE_INITRDS_MAX);
	else
		ok = 1;
	if (!ok)
		return why;
	if (img->kernel != NULL && (!nb_image_path_valid(img->kernel) ||
	    nb_image_file_check(datadir, "kernel", img->kernel, why, whysz)))
		goto bad;
	for (i = 0; i < img->ninitrds; i++)
		if (!nb_image_path_valid(img->initrds[i]) ||
		    nb_image_file_check(datadir, "initrd", img->initrds[i], why,
		    whysz))
			goto bad;
	return NULL;
bad:
	/* A bad path's check never ran: say what is wrong with it. */
	if (img->kernel != NULL && !nb_image_path_valid(img->kernel))
		snprintf(why, whysz, "bad kernel path '%s' (absolute, or "
		    "relative to the data directory without . or .. parts)",
		    img->kernel);
	for (i = 0; i < img->ninitrds; i++)
		if (!nb_image_path_valid(img->initrds[i]))
			snprintf(why, whysz, "bad initrd path '%s' (absolute, "
			    "or relative to the data directory without . or .. "
			    "parts)", img->initrds[i]);
	return why;
}

int
nb_image_update(struct nb_db *db, const struct nb_image *img)
{
	static const char sql[] = "UPDATE images SET kind = ?2, distro = ?3, "
	    "version = ?4, arch = ?5, kernel = ?6, initrds = ?7, cmdline = ?8, "
	    "template = ?9 WHERE name = ?1";
	struct db_st	*st;
	int		 rc;

	if (img->tmpl != NULL) {
		struct nb_template	 t;

		memset(&t, 0, sizeof(t));
		rc = nb_template_get(db, img->tmpl, &t);
		nb_template_clear(&t);
		if (rc != NB_OK)
			return rc;
	}
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_image_bind(st, img);
	db_bind_text(st, 9, img->tmpl);
	return db_exec_row(db, st, "no image named '%s'", img->name);
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (remove(path) == -1)
		log_warn("cannot remove %s", path);
	return 0;
}

int
nb_image_rm_files(const char *datadir, const char *name)
{
	struct stat	 sb;
	char		*dir;
	int		 done = 0;

	if (!nb_name_valid(name))
		return 0;
	xasprintf(&dir, "%s/%s", datadir, name);
	if (lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		done = 1;
	}
	free(dir);
	return done;
}

int
nb_image_files(struct nb_db *db, const char *image, int64_t offset,
    int64_t limit, int (*fn)(const char *path, int64_t size, void *),
    void *arg, int64_t *total)
{
	static const char sql[] = "SELECT path, size FROM iso_files "
	    "WHERE image = ?1 ORDER BY path LIMIT ?2 OFFSET ?3";
	static const char count[] = "SELECT count(*) FROM iso_files "
	    "WHERE image = ?1";
	struct db_st	*st;
	int		 rc, stop = 0;

	if (total != NULL) {
		if ((st = db_stmt(db, count)) == NULL)
			return NB_ERR;
		db_bind_text(st, 1, image);
		*total = dbs_step(st) == SQLITE_ROW ?
		    dbs_column_int64(st, 0) : 0;
		dbs_reset(st);
	}
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, image);
	dbs_bind_int64(st, 2, limit);
	dbs_bind_int64(st, 3, offset);
	while (!stop && (rc = dbs_step(st)) == SQLITE_ROW)
		stop = fn((const char *)dbs_column_text(st, 0),
		    dbs_column_int64(st, 1), arg);
	dbs_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_sqlerr(db, db_errcode(db));
	return NB_OK;
}
