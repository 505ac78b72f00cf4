/*
 * import.c: importing an ISO as an image, for bootctl image import and
 * the admin API's import jobs (one implementation for both).
 *
 * The ISO is read once (nb_iso_pass): its SHA-256, and the kernel and
 * initrds copied into a temporary directory of the data directory as
 * their bytes go by. Then one transaction adds the image row and the index
 * of the ISO's files, and the directory is renamed into place. A failure
 * at any step removes the directory and rolls the transaction back: no
 * file and no row are left behind. An import that was killed leaves its
 * .import-* directory; the daemons never serve it (a dot-directory), and
 * the next import removes it: each import holds flock(2) on its own
 * directory, so one whose lock can be taken is no longer running.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "distro.h"
#include "import.h"
#include "iso.h"
#include "xmalloc.h"

#define IMPORT_MAXFILES	(NB_DISTRO_MAXINITRD + 1)
#define IMPORT_STALE_SECS	60	/* unlocked and this old: stale */
#define IMPORT_WIMBOOT_MAX	(16 << 20)	/* bytes of wimboot */

struct import {
	struct nb_iso		*iso;
	struct nb_detect	 det;
	const char		*datadir;
	/* datadir/.import-NAME-XXXXXX until renamed */
	char			*tmpdir;
	int			 lockfd;	/* tmpdir, flock(2)ed */
	char			*finaldir;	/* datadir/NAME */
	const struct nb_iso_file *want[IMPORT_MAXFILES];
	char			*names[IMPORT_MAXFILES];	/* files made */
	int			 fds[IMPORT_MAXFILES];
	size_t			 nwant;
	char			*wimboot;	/* copied in for Windows */
	const char		*cmdline;	/* instead of the detected */
};

/*
 * family-version-arch; an ISO no family matched (generic, unknown) is
 * named after its file, without .iso. Made to fit the name rule.
 */
static char *
import_default_name(const struct nb_detect *d, const char *path)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-";
	const char	*base = strrchr(path, '/');
	char		*s, *p;
	size_t		 len;

	if (strcmp(d->family, "unknown") == 0 ||
	    strcmp(d->family, "generic") == 0) {
		s = xstrdup(base != NULL ? base + 1 : path);
		len = strlen(s);
		if (len > 4 && strcasecmp(s + len - 4, ".iso") == 0)
			s[len - 4] = '\0';
		if (*s == '\0' || *s == '.') {
			free(s);
			s = xstrdup(d->family);
		}
	} else
		xasprintf(&s, "%s%s%s%s%s", d->family, d->version ? "-" : "",
		    d->version ? d->version : "", d->arch ? "-" : "",
		    d->arch ? d->arch : "");
	for (p = s; *p != '\0'; p++)
		if (strchr(ok, *p) == NULL)
			*p = '-';
	if (strlen(s) > 64)
		s[64] = '\0';
	return s;
}

/*
 * The names the extracted files get: their own, made unique with a
 * number if two clash.
 */
static void
import_plan(struct import *im)
{
	const struct nb_detect	*d = &im->det;
	const char		*base, *slash;
	size_t			 i, j;

	if (d->kernel != NULL)
		im->want[im->nwant++] = d->kernel;
	for (i = 0; i < d->ninitrds && im->nwant < IMPORT_MAXFILES; i++)
		im->want[im->nwant++] = d->initrds[i];
	for (i = 0; i < im->nwant; i++) {
		base = (slash = strrchr(im->want[i]->path, '/')) ? slash + 1 :
		    im->want[i]->path;
		for (j = 0; j < i; j++)
			if (strcmp(im->names[j], base) == 0)
				break;
		if (j < i || strcmp(base, "wimboot") == 0)
			xasprintf(&im->names[i], "%zu-%s", i, base);
		else
			im->names[i] = xstrdup(base);
		im->fds[i] = -1;
	}
}

/* Copy src to dst (created), fsynced; -1 with errno. */
static int
import_copy(const char *src, const char *dst)
{
	char	 buf[65536];
	ssize_t	 n;
	off_t	 total = 0;
	int	 in, out = -1, rc = -1, saved;

	if ((in = open(src, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0644)) == -1)
		goto done;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if ((total += n) > IMPORT_WIMBOOT_MAX) {
			errno = EFBIG;
			goto done;
		}
		if (write(out, buf, (size_t)n) != n)
			goto done;
	}
	if (n == 0 && fsync(out) == 0)
		rc = 0;
 done:
	saved = errno;
	close(in);
	if (out != -1)
		close(out);
	errno = saved;
	return rc;
}

/*
 * Copy the administrator's wimboot next to the Windows files, so bootweb
 * serves it from /data/.
 */
static int
import_wimboot(struct nb_db *db, struct import *im, char *err, size_t errsz)
{
	char	*src = NULL, *dst;
	int	 rc = -1;

	if (nb_setting_get(db, "wimboot.path", &src) != NB_OK || src == NULL) {
		snprintf(err, errsz, "a Windows image needs wimboot: set its "
		    "path first (bootctl settings set wimboot.path "
		    "/path/to/wimboot)");
		return -1;
	}
	xasprintf(&dst, "%s/wimboot", im->tmpdir);
	im->wimboot = xstrdup("wimboot");
	if (import_copy(src, dst) == -1)
		snprintf(err, errsz, "wimboot.path %s: %s", src,
		    strerror(errno));
	else
		rc = 0;
	free(dst);
	free(src);
	return rc;
}

/* Remove the files of a stale import directory (open as dfd), then it. */
static void
import_rm_stale(int datafd, int dfd, const char *name, const char *datadir)
{
	DIR		*d;
	struct dirent	*de;
	int		 fd;

	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (unlinkat(dfd, de->d_name, 0) == -1)
			log_warn("%s/%s/%s", datadir, name, de->d_name);
	}
	closedir(d);
	if (unlinkat(datafd, name, AT_REMOVEDIR) == -1)
		log_warn("cannot remove %s/%s", datadir, name);
	else
		log_info("removed %s/%s, left by an import that did not "
		    "finish", datadir, name);
}

/*
 * Remove the .import-* directories of imports that are no longer running
 * (killed, or the machine went down): their flock(2) is free. One that is
 * locked belongs to an import running now and is left alone, and so is
 * one younger than a minute (made, not yet locked).
 */
static void
import_clean_stale(const char *datadir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	int		 dfd;

	if ((d = opendir(datadir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ".import-", 8) != 0)
			continue;
		dfd = openat(dirfd(d), de->d_name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd == -1)
			continue;
		if (fstat(dfd, &st) == 0 &&
		    st.st_mtime < time(NULL) - IMPORT_STALE_SECS &&
		    flock(dfd, LOCK_EX | LOCK_NB) == 0)
			import_rm_stale(dirfd(d), dfd, de->d_name, datadir);
		close(dfd);
	}
	closedir(d);
}

/* Remove the temporary directory and what we put in it. */
static void
import_cleanup(struct import *im)
{
	char	*p;
	size_t	 i;

	for (i = 0; i < im->nwant; i++)
		if (im->fds[i] != -1)
			close(im->fds[i]);
	if (im->tmpdir == NULL)
		return;
	for (i = 0; i < im->nwant; i++) {
		xasprintf(&p, "%s/%s", im->tmpdir, im->names[i]);
		unlink(p);
		free(p);
	}
	if (im->wimboot != NULL) {
		xasprintf(&p, "%s/%s", im->tmpdir, im->wimboot);
		unlink(p);
		free(p);
	}
	if (rmdir(im->tmpdir) == -1 && errno != ENOENT)
		log_warn("cannot remove %s", im->tmpdir);
}

/* Extract the planned files during the one pass over the ISO. */
static int
import_extract(struct import *im, char sha[65], char *err, size_t errsz)
{
	char	*p;
	size_t	 i;
	int	 rc;

	for (i = 0; i < im->nwant; i++) {
		xasprintf(&p, "%s/%s", im->tmpdir, im->names[i]);
		im->fds[i] = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
		if (im->fds[i] == -1) {
			snprintf(err, errsz, "%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	if (nb_iso_pass(im->iso, im->want, im->fds, im->nwant, sha, err,
	    errsz) == -1)
		return -1;
	for (rc = 0, i = 0; i < im->nwant; i++) {
		if (fsync(im->fds[i]) == -1 && rc == 0) {
			snprintf(err, errsz, "%s/%s: %s", im->tmpdir,
			    im->names[i], strerror(errno));
			rc = -1;
		}
		close(im->fds[i]);
		im->fds[i] = -1;
	}
	return rc;
}

static void
import_fill_image(struct import *im, const char *name, const char *tmpl,
    const char *sha, struct nb_image *img)
{
	char	*p;
	size_t	 i = 0;

	img->name = xstrdup(name);
	img->kind = xstrdup(im->det.kind);
	img->distro = xstrdup(im->det.family);
	img->version = im->det.version ? xstrdup(im->det.version) : NULL;
	img->arch = im->det.arch ? xstrdup(im->det.arch) : NULL;
	if (im->wimboot != NULL)
		xasprintf(&img->kernel, "%s/%s", name, im->wimboot);
	else if (im->det.kernel != NULL)
		xasprintf(&img->kernel, "%s/%s", name, im->names[i++]);
	for (; i < im->nwant; i++) {
		xasprintf(&p, "%s/%s", name, im->names[i]);
		nb_image_add_initrd(img, p);
		free(p);
	}
	img->cmdline = xstrdup(im->cmdline ? im->cmdline : im->det.cmdline);
	img->iso_path = xstrdup(im->iso->path);
	img->iso_sha256 = xstrdup(sha);
	img->iso_size = im->iso->size;
	img->tmpl = tmpl ? xstrdup(tmpl) : NULL;
}

/*
 * Checks that need no reading of the ISO's data: the name is free, the
 * template exists.
 */
static int
import_precheck(struct nb_db *db, struct import *im, const char *name,
    const char *tmpl, char *err, size_t errsz)
{
	struct nb_image		 img;
	struct nb_template	 t;
	struct stat		 sb;
	int			 rc;

	nb_image_init(&img);
	rc = nb_image_get(db, name, &img);
	nb_image_clear(&img);
	if (rc == NB_OK) {
		snprintf(err, errsz, "image '%s' exists already (choose "
		    "another with --name)", name);
		return NB_EXISTS;
	}
	if (rc != NB_NOTFOUND)
		goto dberr;
	if (tmpl != NULL) {
		memset(&t, 0, sizeof(t));
		rc = nb_template_get(db, tmpl, &t);
		nb_template_clear(&t);
		if (rc != NB_OK)
			goto dberr;
	}
	xasprintf(&im->finaldir, "%s/%s", im->datadir, name);
	if (lstat(im->finaldir, &sb) == 0) {
		snprintf(err, errsz, "%s exists already, though no image '%s' "
		    "does: remove it or choose another --name", im->finaldir,
		    name);
		return NB_EXISTS;
	}
	return NB_OK;
 dberr:
	snprintf(err, errsz, "%s", nb_db_errmsg(db));
	return rc;
}

static int
import_commit(struct nb_db *db, struct import *im, struct nb_image *img,
    char *err, size_t errsz)
{
	int	 rc;

	if ((rc = nb_db_begin(db)) != NB_OK) {
		nb_db_rollback(db);
		snprintf(err, errsz, "%s: %s", nb_db_path(db),
		    nb_db_errmsg(db));
		return rc;
	}
	if ((rc = nb_image_add(db, img)) != NB_OK ||
	    (rc = nb_iso_index_store(db, img->name, im->iso)) != NB_OK) {
		snprintf(err, errsz, "%s", nb_db_errmsg(db));
		nb_db_rollback(db);
		return rc;
	}
	if (rename(im->tmpdir, im->finaldir) == -1) {
		nb_db_rollback(db);
		snprintf(err, errsz, "rename %s to %s: %s", im->tmpdir,
		    im->finaldir, strerror(errno));
		return NB_ERR;
	}
	if ((rc = nb_db_commit(db)) != NB_OK) {
		snprintf(err, errsz, "%s", nb_db_errmsg(db));
		nb_db_rollback(db);
		/* Put the directory back where import_cleanup removes it. */
		if (rename(im->finaldir, im->tmpdir) == -1)
			log_warn("rename %s back", im->finaldir);
		return rc;
	}
	free(im->tmpdir);
	im->tmpdir = NULL;
	return NB_OK;
}

/* Make and lock the temporary directory. */
static int
import_tmpdir(struct import *im, const char *name, char *err, size_t errsz)
{
	xasprintf(&im->tmpdir, "%s/.import-%s-XXXXXX", im->datadir, name);
	if (mkdtemp(im->tmpdir) == NULL || chmod(im->tmpdir, 0755) == -1) {
		snprintf(err, errsz, "cannot create a directory in %s: %s",
		    im->datadir, strerror(errno));
		free(im->tmpdir);
		im->tmpdir = NULL;
		return -1;
	}
	/* Ours while we run: another import leaves a locked directory alone. */
	im->lockfd = open(im->tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (im->lockfd == -1 || flock(im->lockfd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(err, errsz, "cannot lock %s: %s", im->tmpdir,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static void
import_free(struct import *im)
{
	size_t	 i;

	import_cleanup(im);
	if (im->lockfd != -1)
		close(im->lockfd);
	for (i = 0; i < im->nwant; i++)
		free(im->names[i]);
	nb_detect_clear(&im->det);
	nb_iso_close(im->iso);
	free(im->tmpdir);
	free(im->finaldir);
	free(im->wimboot);
}

int
nb_upload_rm_unused(struct nb_db *db, const char *datadir, const char *path)
{
	size_t	 len = strlen(datadir), ulen = strlen(NB_UPLOAD_DIR);
	const char *file;

	if (path == NULL || strncmp(path, datadir, len) != 0 ||
	    path[len] != '/' || strncmp(path + len + 1, NB_UPLOAD_DIR,
	    ulen) != 0 || path[len + 1 + ulen] != '/')
		return 0;
	file = path + len + ulen + 2;
	if (*file == '\0' || *file == '.' || strchr(file, '/') != NULL ||
	    nb_image_iso_users(db, path) != 0)
		return 0;
	if (unlink(path) == -1) {
		if (errno != ENOENT)
			log_warn("cannot remove %s", path);
		return 0;
	}
	return 1;
}

int
nb_import(struct nb_db *db, const struct nb_import_opts *o,
    struct nb_image *img, char *err, size_t errsz)
{
	struct import	 im;
	char		 sha[65], *name = NULL;
	int		 rc = NB_INVALID;

	memset(&im, 0, sizeof(im));
	im.lockfd = -1;
	im.cmdline = o->cmdline;
	im.datadir = o->datadir;
	nb_image_init(img);
	if (o->name != NULL && !nb_name_valid(o->name)) {
		snprintf(err, errsz, "bad image name '%s' (letters, digits, "
		    ". _ -; at most 64)", o->name);
		return NB_INVALID;
	}
	if (nb_image_name_reserved(o->name)) {
		snprintf(err, errsz, "image name '%s' is reserved (upload, "
		    "import and detect are not image names)", o->name);
		return NB_INVALID;
	}
	if (nb_iso_open(o->path, &im.iso, err, errsz) == -1 ||
	    nb_distro_detect(im.iso, &im.det, err, errsz) == -1)
		goto done;
	im.iso->pass_cb = o->progress;
	im.iso->pass_arg = o->arg;
	name = o->name ? xstrdup(o->name) :
	    import_default_name(&im.det, o->path);
	if ((rc = import_precheck(db, &im, name, o->tmpl, err, errsz)) != 0)
		goto done;
	rc = NB_ERR;
	import_clean_stale(im.datadir);
	if (import_tmpdir(&im, name, err, errsz) == -1)
		goto done;
	import_plan(&im);
	if ((strcmp(im.det.kind, "windows") == 0 &&
	    import_wimboot(db, &im, err, errsz) == -1) ||
	    import_extract(&im, sha, err, errsz) == -1)
		goto done;
	import_fill_image(&im, name, o->tmpl, sha, img);
	if ((rc = import_commit(db, &im, img, err, errsz)) == NB_OK) {
		/* As stored: created is the database's. */
		nb_image_clear(img);
		nb_image_init(img);
		if ((rc = nb_image_get(db, name, img)) != NB_OK)
			snprintf(err, errsz, "%s", nb_db_errmsg(db));
	}
 done:
	if (rc != NB_OK)
		nb_image_clear(img);
	import_free(&im);
	free(name);
	return rc;
}
