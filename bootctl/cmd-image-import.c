/*
 * cmd-image-import.c: bootctl image import | detect.
 *
 * import reads the ISO once (nb_iso_pass): its SHA-256, and the kernel
 * and initrds copied into a temporary directory of the data directory as
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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bootctl.h"
#include "conf.h"
#include "distro.h"
#include "iso.h"
#include "xmalloc.h"

#define IMPORT_MAXFILES	(NB_DISTRO_MAXINITRD + 1)

struct import {
	struct nb_iso		*iso;
	struct nb_detect	 det;
	char			*datadir;
	char			*tmpdir;	/* datadir/.import-NAME-XXXXXX until renamed */
	int			 lockfd;	/* tmpdir, flock(2)ed */
	char			*finaldir;	/* datadir/NAME */
	const struct nb_iso_file *want[IMPORT_MAXFILES];
	char			*names[IMPORT_MAXFILES];	/* file names in the directory */
	int			 fds[IMPORT_MAXFILES];
	size_t			 nwant;
	char			*wimboot;	/* copied in for Windows images */
	const char		*cmdline;	/* --cmdline: instead of the detected one */
};

static void
detect_print(const struct nb_iso *iso, const struct nb_detect *d)
{
	size_t	 i;

	printf("family:   %s (%s)\n", d->family, d->name);
	printf("kind:     %s\n", d->kind);
	printf("version:  %s\n", d->version ? d->version : "-");
	printf("arch:     %s\n", d->arch ? d->arch : "-");
	printf("kernel:   %s\n", d->kernel ? d->kernel->path : "-");
	printf("initrds: ");
	for (i = 0; i < d->ninitrds; i++)
		printf(" %s", d->initrds[i]->path);
	printf("%s\n", d->ninitrds ? "" : " -");
	printf("cmdline:  %s\n", d->cmdline);
	printf("volume:   %s\n", iso->volid);
	printf("files:    %zu (%s names)%s\n", iso->nfiles, iso->rockridge ? "Rock Ridge" :
	    iso->joliet ? "Joliet" : "ISO9660", iso->eltorito ? ", El Torito bootable" : "");
	printf("evidence: %s\n", d->evidence);
}

static int
image_detect(struct bootctl *bc, int argc, char *argv[])
{
	struct nb_iso		*iso;
	struct nb_detect	 d;
	char			 err[1024];

	if (argc != 2 || argv[1][0] == '-')
		return bc_usage("usage: bootctl image detect FILE.iso [--json]");
	if (nb_iso_open(argv[1], &iso, err, sizeof(err)) == -1)
		return bc_error("%s", err);
	if (nb_distro_detect(iso, &d, err, sizeof(err)) == -1) {
		nb_iso_close(iso);
		return bc_error("%s", err);
	}
	if (bc->json)
		bc_print_json(nb_detect_json(iso, &d));
	else
		detect_print(iso, &d);
	nb_detect_clear(&d);
	nb_iso_close(iso);
	return 0;
}

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

/* The names the extracted files get: their own, made unique with a number if two clash. */
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
		base = (slash = strrchr(im->want[i]->path, '/')) ? slash + 1 : im->want[i]->path;
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

/* Copy the administrator's wimboot next to the Windows files, so bootweb serves it from /data/. */
static int
import_wimboot(struct bootctl *bc, struct import *im, char *err, size_t errsz)
{
	char	*src = NULL, *dst, *buf;
	size_t	 len;
	int	 fd, rc = -1;

	if (nb_setting_get(bc->db, "wimboot.path", &src) != NB_OK || src == NULL) {
		snprintf(err, errsz, "a Windows image needs wimboot: set its path first "
		    "(bootctl settings set wimboot.path /path/to/wimboot)");
		return -1;
	}
	if ((buf = bc_read_file(src, &len)) == NULL) {
		snprintf(err, errsz, "wimboot.path %s: %s", src, strerror(errno));
		free(src);
		return -1;
	}
	xasprintf(&dst, "%s/wimboot", im->tmpdir);
	if ((fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) == -1 ||
	    write(fd, buf, len) != (ssize_t)len || fsync(fd) == -1)
		snprintf(err, errsz, "%s: %s", dst, strerror(errno));
	else
		rc = 0;
	if (fd != -1)
		close(fd);
	im->wimboot = xstrdup("wimboot");
	free(dst);
	free(buf);
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
		fprintf(stderr, "bootctl: removed %s/%s, left by an import "
		    "that did not finish\n", datadir, name);
}

#define IMPORT_STALE_SECS	60	/* unlocked and this old: stale */

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

/* Unlock the directory (renamed into place or removed by now). */
static void
import_unlock(struct import *im)
{
	if (im->lockfd != -1)
		close(im->lockfd);
	im->lockfd = -1;
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
		im->fds[i] = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (im->fds[i] == -1) {
			snprintf(err, errsz, "%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
		free(p);
	}
	if (nb_iso_pass(im->iso, im->want, im->fds, im->nwant, sha, err, errsz) == -1)
		return -1;
	for (rc = 0, i = 0; i < im->nwant; i++) {
		if (fsync(im->fds[i]) == -1 && rc == 0) {
			snprintf(err, errsz, "%s/%s: %s", im->tmpdir, im->names[i], strerror(errno));
			rc = -1;
		}
		close(im->fds[i]);
		im->fds[i] = -1;
	}
	return rc;
}

static void
import_fill_image(struct import *im, const char *name, const char *tmpl, const char *sha,
    struct nb_image *img)
{
	char	*p;
	size_t	 i = 0;

	nb_image_init(img);
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

/* What was imported, as stored: its row and the files its index holds. */
static int
import_report(struct bootctl *bc, const struct import *im, const char *name,
    const char *sha)
{
	struct nb_image	 img;
	int64_t		 n = nb_iso_index_count(bc->db, name);
	json_t		*o;

	if (!bc->json) {
		printf("imported %s: %s %s %s (%s), %lld files indexed, "
		    "sha256 %s\n", name, im->det.family,
		    im->det.version ? im->det.version : "-",
		    im->det.arch ? im->det.arch : "-", im->det.kind,
		    (long long)n, sha);
		return 0;
	}
	/* Read back: created is the database's. */
	nb_image_init(&img);
	if (nb_image_get(bc->db, name, &img) != NB_OK) {
		nb_image_clear(&img);
		return bc_error("%s", nb_db_errmsg(bc->db));
	}
	o = nb_image_json(&img);
	json_object_set_new(o, "files_indexed", json_integer(n));
	bc_print_json(o);
	nb_image_clear(&img);
	return 0;
}

static int
import_usage(void)
{
	return bc_usage("usage: bootctl image import FILE.iso [--name NAME] "
	    "[--template T] [--cmdline S]");
}

/* Checks that need no reading of the ISO's data: the name is free, the template exists. */
static int
import_precheck(struct bootctl *bc, struct import *im, const char *name, const char *tmpl)
{
	struct nb_image		 img;
	struct nb_template	 t;
	struct stat		 sb;
	int			 rc;

	nb_image_init(&img);
	rc = nb_image_get(bc->db, name, &img);
	nb_image_clear(&img);
	if (rc == NB_OK)
		return bc_error("image '%s' exists already (choose another with --name)", name);
	if (rc != NB_NOTFOUND)
		return bc_dberror(bc);
	if (tmpl != NULL) {
		memset(&t, 0, sizeof(t));
		rc = nb_template_get(bc->db, tmpl, &t);
		nb_template_clear(&t);
		if (rc != NB_OK)
			return bc_dberror(bc);
	}
	xasprintf(&im->finaldir, "%s/%s", im->datadir, name);
	if (lstat(im->finaldir, &sb) == 0)
		return bc_error("%s exists already, though no image '%s' does: remove it or "
		    "choose another --name", im->finaldir, name);
	return 0;
}

static int
import_commit(struct bootctl *bc, struct import *im, struct nb_image *img)
{
	if (bc_begin(bc) != 0)
		return 1;
	if (nb_image_add(bc->db, img) != NB_OK ||
	    nb_iso_index_store(bc->db, img->name, im->iso) != NB_OK)
		return bc_dberror(bc);
	if (rename(im->tmpdir, im->finaldir) == -1) {
		nb_db_rollback(bc->db);
		return bc_error("rename %s to %s: %s", im->tmpdir, im->finaldir, strerror(errno));
	}
	if (nb_db_commit(bc->db) != NB_OK) {
		/* Put the directory back where import_cleanup removes it. */
		if (rename(im->finaldir, im->tmpdir) == -1)
			log_warn("rename %s back", im->finaldir);
		return bc_dberror(bc);
	}
	free(im->tmpdir);
	im->tmpdir = NULL;
	return 0;
}

static int
image_import(struct bootctl *bc, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "template", required_argument, NULL, 't' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct import	 im;
	struct nb_image	 img;
	const char	*name_arg = NULL, *tmpl = NULL, *cmdline = NULL;
	char		 err[1024], sha[65], *name = NULL;
	int		 ch, rc = 1;

	while ((ch = getopt_long(argc, argv, "n:t:c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cmdline = optarg;
			break;
		case 'n':
			name_arg = optarg;
			break;
		case 't':
			tmpl = optarg;
			break;
		default:
			return import_usage();
		}
	}
	if (argc - optind != 1)
		return import_usage();
	if (name_arg != NULL && !nb_name_valid(name_arg))
		return bc_usage("bad image name '%s' (letters, digits, . _ -; at most 64)", name_arg);
	memset(&im, 0, sizeof(im));
	im.lockfd = -1;
	im.cmdline = cmdline;
	nb_image_init(&img);
	if (nb_iso_open(argv[optind], &im.iso, err, sizeof(err)) == -1 ||
	    nb_distro_detect(im.iso, &im.det, err, sizeof(err)) == -1) {
		bc_error("%s", err);
		goto done;
	}
	name = name_arg ? xstrdup(name_arg) :
	    import_default_name(&im.det, argv[optind]);
	im.datadir = nb_datadir(bc->dbpath, nb_conf_get(bc->conf, NULL, "datadir"));
	if ((rc = import_precheck(bc, &im, name, tmpl)) != 0)
		goto done;
	rc = 1;
	import_clean_stale(im.datadir);
	xasprintf(&im.tmpdir, "%s/.import-%s-XXXXXX", im.datadir, name);
	if (mkdtemp(im.tmpdir) == NULL || chmod(im.tmpdir, 0755) == -1) {
		bc_error("cannot create a directory in %s: %s", im.datadir, strerror(errno));
		free(im.tmpdir);
		im.tmpdir = NULL;
		goto done;
	}
	/* Ours while we run: another import leaves a locked directory alone. */
	im.lockfd = open(im.tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (im.lockfd == -1 || flock(im.lockfd, LOCK_EX | LOCK_NB) == -1) {
		bc_error("cannot lock %s: %s", im.tmpdir, strerror(errno));
		goto done;
	}
	import_plan(&im);
	if ((strcmp(im.det.kind, "windows") == 0 && import_wimboot(bc, &im, err, sizeof(err)) == -1) ||
	    import_extract(&im, sha, err, sizeof(err)) == -1) {
		bc_error("%s", err);
		goto done;
	}
	import_fill_image(&im, name, tmpl, sha, &img);
	if ((rc = import_commit(bc, &im, &img)) != 0)
		goto done;
	rc = import_report(bc, &im, name, sha);
done:
	import_cleanup(&im);
	import_unlock(&im);
	for (size_t i = 0; i < im.nwant; i++)
		free(im.names[i]);
	nb_image_clear(&img);
	nb_detect_clear(&im.det);
	nb_iso_close(im.iso);
	free(im.datadir);
	free(im.tmpdir);
	free(im.finaldir);
	free(im.wimboot);
	free(name);
	return rc;
}

const struct bootctl_cmd bc_image_import_cmds[] = {
	{ "image", "import", "FILE.iso [--name NAME] [--template T] "
	    "[--cmdline S]", 0, image_import },
	{ "image", "detect", "FILE.iso", -1, image_detect },
	{ NULL, NULL, NULL, 0, NULL },
};
