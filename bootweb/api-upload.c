/*
 * api-upload.c: ISOs over the admin API (bootweb(8) ADMIN API): an upload
 * streamed to disk (upload.c) then imported as a job, an import or a
 * detection of an ISO already on the server, and the jobs.
 *
 * An upload is written to DATADIR/uploads/.upload-NAME-XXXXXX (a
 * dot-file: never served), linked to DATADIR/uploads/NAME.iso when its
 * last byte is on disk, and imported by nb_import on a job's thread
 * (job.c); a failed import removes it, and so does image rm once no
 * image has it (and the next upload of the name, if none has it). Paths
 * named by the caller (import, detect) must lie inside the data
 * directory or the import_dir of netboot.conf, after symbolic links, and
 * may not be the database or a dot-file: an admin token cannot read the
 * server's files through them.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "conf.h"
#include "distro.h"
#include "import.h"
#include "iso.h"
#include "ratelim.h"
#include "job.h"
#include "upload.h"
#include "xmalloc.h"

#define UPLOAD_DIR	NB_UPLOAD_DIR
#define UPLOAD_SPARE	(64 << 20)	/* bytes left free on the disk */

/* An upload being written. */
struct upload {
	struct bootweb		*bw;
	struct evhttp_request	*req;
	char			 ip[INET6_ADDRSTRLEN];
	char			 name[65];
	char			*tmpl;
	char			*tmp, *final;
	int			 fd;
	int64_t			 len;
	uint64_t		 started_ms;
	struct upload		*next;
};

static struct upload	*uploads;	/* in flight */

static const char *const iso_types[] = {
	"application/octet-stream", "application/x-iso9660-image",
	"application/vnd.efi.iso",
};

/* Whether an upload of name is in flight. */
static int
upload_busy(const char *name)
{
	struct upload	*u;

	for (u = uploads; u != NULL; u = u->next)
		if (strcmp(u->name, name) == 0)
			return 1;
	return 0;
}

static void
up_free(struct upload *u)
{
	struct upload	**pp;

	for (pp = &uploads; *pp != NULL; pp = &(*pp)->next)
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	if (u->fd != -1)
		close(u->fd);
	free(u->tmpl);
	free(u->tmp);
	free(u->final);
	free(u);
}

/* The request of a finished upload, to answer it. */
static void
upload_req(struct upload *u, struct bw_req *r)
{
	memset(r, 0, sizeof(*r));
	r->bw = u->bw;
	r->req = u->req;
	r->method = EVHTTP_REQ_POST;
	r->json = 1;
	strlcpy(r->path, &UPLOAD_PATH[1], sizeof(r->path));
	strlcpy(r->ip, u->ip, sizeof(r->ip));
}

/* Its failure, with text. */
static void
upload_fail(struct upload *u, int code, const char *fmt, const char *arg)
{
	struct bw_req	 r;

	upload_req(u, &r);
	snprintf(r.why, sizeof(r.why), fmt, arg);
	bw_abort(&r, code);
}

/* The body is on disk (or failed): keep it as NAME.iso and import it. */
static void
upload_done(void *arg, const char *err, int gone)
{
	struct upload		*u = arg;
	struct job_import	 ji;
	struct bw_job		*j;
	struct bw_req		 r;
	double			 secs;

	close(u->fd);
	u->fd = -1;
	secs = (double)(nb_monotonic_ms() - u->started_ms) / 1000;
	if (err != NULL) {
		log_warnx("upload of %s from %s: %s", u->name, u->ip, err);
		unlink(u->tmp);
		if (!gone)
			upload_fail(u, 500, "%s", err);
		goto done;
	}
	if (link(u->tmp, u->final) == -1) {
		log_warn("upload of %s: link %s", u->name, u->final);
		unlink(u->tmp);
		upload_fail(u, errno == EEXIST ? 409 : 500, "%s exists "
		    "already", u->final);
		goto done;
	}
	unlink(u->tmp);
	log_info("upload of %s from %s: %lld bytes in %.1f s", u->name,
	    u->ip, (long long)u->len, secs);
	memset(&ji, 0, sizeof(ji));
	ji.path = u->final;
	ji.name = u->name;
	ji.tmpl = u->tmpl;
	ji.remove = 1;
	if ((j = job_import(u->bw, &ji)) == NULL) {
		unlink(u->final);
		upload_fail(u, 503, "%s", "cannot start the import now");
		goto done;
	}
	upload_req(u, &r);
	api_send(&r, 202, json_pack("{s:o}", "job", job_json(j)));
 done:
	up_free(u);
}

/* The type of an ISO body, or 415. */
static int
upload_type(struct bw_req *r)
{
	const char	*t;
	size_t		 i, n;

	t = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Content-Type");
	for (i = 0; t != NULL && i < nitems(iso_types); i++) {
		n = strlen(iso_types[i]);
		if (strncasecmp(t, iso_types[i], n) == 0 &&
		    (t[n] == '\0' || t[n] == ';' || t[n] == ' '))
			return 0;
	}
	return bw_fail(r, 415, "an ISO is sent as application/octet-stream");
}

/* Whether the name is free: no image, no upload or import of it. */
static int
upload_name_free(struct bw_req *r, const char *name)
{
	struct nb_image	 img;
	int		 rc;

	nb_image_init(&img);
	rc = nb_image_get(r->bw->d->db, name, &img);
	nb_image_clear(&img);
	if (rc == NB_OK)
		return bw_fail(r, 409, "image '%s' exists already", name);
	if (rc != NB_NOTFOUND)
		return api_dberr(r, rc);
	if (upload_busy(name) || job_busy(name))
		return bw_fail(r, 409, "'%s' is being uploaded or imported "
		    "already", name);
	return 0;
}

/* Make the upload's files: DATADIR/uploads/ and the temporary file. */
static int
upload_files(struct bw_req *r, struct upload *u)
{
	struct statvfs	 sv;
	struct stat	 st;
	char		*dir;
	int		 code = 0;

	xasprintf(&dir, "%s/%s", r->bw->datadir, UPLOAD_DIR);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
		log_warn("cannot create %s", dir);
		code = bw_fail(r, 500, "cannot create the uploads directory");
		goto done;
	}
	if (statvfs(dir, &sv) == 0 && (uint64_t)sv.f_bavail * sv.f_frsize <
	    (uint64_t)u->len + UPLOAD_SPARE) {
		code = bw_fail(r, 507, "not enough space for %lld bytes",
		    (long long)u->len);
		goto done;
	}
	xasprintf(&u->final, "%s/%s.iso", dir, u->name);
	/*
	 * One no image has (a bootweb stopped mid-import left it): replaced.
	 * The name is free (upload_name_free), so no upload or job has it.
	 */
	if (lstat(u->final, &st) == 0 && nb_upload_rm_unused(r->bw->d->db,
	    r->bw->datadir, u->final))
		log_info("removed %s: no image has it", u->final);
	if (lstat(u->final, &st) == 0) {
		code = bw_fail(r, 409, "%s/%s.iso exists already", UPLOAD_DIR,
		    u->name);
		goto done;
	}
	xasprintf(&u->tmp, "%s/.upload-%s-XXXXXX", dir, u->name);
	if ((u->fd = mkostemp(u->tmp, O_CLOEXEC)) == -1 ||
	    fchmod(u->fd, 0644) == -1) {
		log_warn("cannot create %s", u->tmp);
		code = bw_fail(r, 500, "cannot create the upload's file");
	}
 done:
	free(dir);
	return code;
}

/* POST /api/v1/images/upload?name=NAME[&template=T], the ISO as body. */
int
api_upload(struct bw_req *r, const char *rest)
{
	struct evkeyvalq	 q;
	struct bw_upload_ops	 ops;
	struct bw_sniff		*s;
	struct upload		*u = NULL;
	const char		*name, *tmpl;
	int64_t			 len = 0;
	long long		 max;
	int			 code;

	TAILQ_INIT(&q);
	if ((s = upload_of(r, &len)) == NULL) {
		code = bw_fail(r, 411, "an upload needs a Content-Length and "
		    "a body (no Transfer-Encoding)");
		goto done;
	}
	if ((code = upload_type(r)) != 0)
		goto done;
	name = api_query(r, &q, "name");
	tmpl = api_query(r, &q, "template");
	if (name == NULL || !nb_name_valid(name)) {
		code = bw_fail(r, 422, "name=NAME is needed (letters, digits, "
		    ". _ -; at most 64)");
		goto done;
	}
	if (nb_image_name_reserved(name)) {
		code = bw_fail(r, 422, "image name '%s' is reserved", name);
		goto done;
	}
	cache_refresh(r->bw);
	max = cache_setting_num(r->bw, NB_S_UPLOAD_MAX_BYTES);
	if (len > max) {
		code = bw_fail(r, 413, "the ISO is %lld bytes; upload.max_bytes"
		    " is %lld", (long long)len, max);
		goto done;
	}
	if ((code = upload_name_free(r, name)) != 0)
		goto done;
	u = xcalloc(1, sizeof(*u));
	u->fd = -1;
	u->bw = r->bw;
	u->req = r->req;
	u->len = len;
	u->started_ms = nb_monotonic_ms();
	strlcpy(u->ip, r->ip, sizeof(u->ip));
	strlcpy(u->name, name, sizeof(u->name));
	u->tmpl = tmpl ? xstrdup(tmpl) : NULL;
	if ((code = upload_files(r, u)) != 0)
		goto done;
	u->next = uploads;
	uploads = u;
	log_info("upload of %s from %s: %lld bytes coming", name, r->ip,
	    (long long)len);
	ops.done = upload_done;
	ops.arg = u;
	if (upload_claim(s, r, u->fd, &ops) == -1) {
		uploads = u->next;
		code = bw_fail(r, 503, "cannot take an upload now");
		goto done;
	}
	u = NULL;	/* the reply comes from upload_done */
 done:
	if (u != NULL) {
		if (u->tmp != NULL && u->fd != -1)
			unlink(u->tmp);
		up_free(u);
	}
	evhttp_clear_headers(&q);
	return code;
}

/*
 * At start: remove the temporary files of uploads a stopped bootweb left
 * (only bootweb writes them, so none is in progress now).
 */
void
api_upload_init(struct bootweb *bw)
{
	struct dirent	*de;
	char		*dir;
	DIR		*d;

	xasprintf(&dir, "%s/%s", bw->datadir, UPLOAD_DIR);
	if ((d = opendir(dir)) == NULL) {
		free(dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, ".upload-", 8) != 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == -1)
			log_warn("cannot remove %s/%s", dir, de->d_name);
		else
			log_info("removed %s/%s, left by an upload that did "
			    "not finish", dir, de->d_name);
	}
	closedir(d);
	free(dir);
}

/* Whether p is inside the directory root (both resolved); the rest in *rel. */
static int
path_under(const char *p, const char *root, const char **rel)
{
	size_t	 len = strlen(root);

	if (strncmp(p, root, len) != 0 || p[len] != '/')
		return 0;
	*rel = p + len;
	return 1;
}

/*
 * A path the caller names, confined: absolute, inside the data directory
 * or import_dir after links, a regular file, not a dot-file, not the
 * database. The resolved path in out, or a status.
 */
static int
api_iso_path(struct bw_req *r, const char *path, char out[PATH_MAX])
{
	const char	*dirs[2], *rel = NULL;
	char		 root[PATH_MAX];
	struct stat	 st;
	size_t		 i;
	int		 inside = 0;

	if (path == NULL || path[0] != '/')
		return bw_fail(r, 422, "path must be an absolute path");
	dirs[0] = r->bw->datadir;
	dirs[1] = nb_conf_get(r->bw->d->conf, "bootweb", "import_dir");
	/* Named outside both: refused before the file system is asked. */
	for (i = 0; i < nitems(dirs); i++)
		if (dirs[i] != NULL && path_under(path, dirs[i], &rel))
			inside = 1;
	/* .. and dot-files too: no path outside is even looked up. */
	if (!inside || nb_path_hidden(rel))
		goto outside;
	if (realpath(path, out) == NULL)
		return bw_fail(r, errno == ENOENT ? 404 : 403, "%s: %s", path,
		    strerror(errno));
	for (i = 0, inside = 0; i < nitems(dirs) && !inside; i++)
		if (dirs[i] != NULL && realpath(dirs[i], root) != NULL &&
		    path_under(out, root, &rel))
			inside = 1;
	if (!inside || nb_path_hidden(rel))
		goto outside;
	if (stat(out, &st) == -1 || !S_ISREG(st.st_mode))
		return bw_fail(r, 422, "%s is not a regular file", path);
	if (nb_db_own_file(nb_daemon_dbpath(r->bw->d), &st))
		return bw_fail(r, 403, "%s is the database", path);
	return 0;
 outside:
	return bw_fail(r, 403, "%s is outside the data directory and "
	    "import_dir (netboot.conf), or hidden", path);
}

/* POST /api/v1/images/import {"path": ..., "name": ..., "template": ...}. */
int
api_import(struct bw_req *r, const char *rest)
{
	struct job_import	 ji;
	struct bw_job		*j;
	const char		*path, *name, *tmpl;
	char			 real[PATH_MAX];
	json_t			*o;
	int			 code;

	if ((code = api_body(r, &o)) != 0)
		return code;
	if ((code = api_str(r, o, "path", &path)) != 0 ||
	    (code = api_str(r, o, "name", &name)) != 0 ||
	    (code = api_str(r, o, "template", &tmpl)) != 0)
		goto done;
	if (name != NULL && *name == '\0')
		name = NULL;
	if (tmpl != NULL && *tmpl == '\0')
		tmpl = NULL;
	if (name != NULL && !nb_name_valid(name)) {
		code = bw_fail(r, 422, "bad image name '%s' (letters, digits, "
		    ". _ -; at most 64)", name);
		goto done;
	}
	if (name != NULL && nb_image_name_reserved(name)) {
		code = bw_fail(r, 422, "image name '%s' is reserved", name);
		goto done;
	}
	if ((code = api_iso_path(r, path, real)) != 0 ||
	    (name != NULL && (code = upload_name_free(r, name)) != 0))
		goto done;
	memset(&ji, 0, sizeof(ji));
	ji.path = real;
	ji.name = name;
	ji.tmpl = tmpl;
	if ((j = job_import(r->bw, &ji)) == NULL) {
		code = bw_fail(r, 503, "cannot start the import now");
		goto done;
	}
	api_send(r, 202, json_pack("{s:o}", "job", job_json(j)));
 done:
	json_decref(o);
	return code;
}

/* POST /api/v1/images/detect {"path": ...}: what import would make of it. */
int
api_detect(struct bw_req *r, const char *rest)
{
	struct nb_iso		*iso = NULL;
	struct nb_detect	 d;
	const char		*path;
	char			 real[PATH_MAX], err[1024];
	json_t			*o;
	int			 code;

	if ((code = api_body(r, &o)) != 0)
		return code;
	if ((code = api_str(r, o, "path", &path)) != 0 ||
	    (code = api_iso_path(r, path, real)) != 0)
		goto done;
	if (nb_iso_open(real, &iso, err, sizeof(err)) == -1 ||
	    nb_distro_detect(iso, &d, err, sizeof(err)) == -1) {
		code = bw_fail(r, 422, "%s", err);
		goto done;
	}
	api_send(r, 200, nb_detect_json(iso, &d));
	nb_detect_clear(&d);
 done:
	nb_iso_close(iso);
	json_decref(o);
	return code;
}

/* GET /api/v1/jobs and /api/v1/jobs/ID. */
int
api_jobs(struct bw_req *r, const char *rest)
{
	struct bw_job	*j;
	const char	*errstr;
	long long	 id;

	if (*rest == '\0' || strcmp(rest, "/") == 0) {
		api_send(r, 200, json_pack("{s:o}", "jobs", job_list()));
		return 0;
	}
	if (*rest == '/')
		rest++;
	id = strtonum(rest, 1, INT64_MAX, &errstr);
	if (errstr != NULL || (j = job_find(id)) == NULL)
		return bw_fail(r, 404, "no job %s", rest);
	api_send(r, 200, job_json(j));
	return 0;
}
