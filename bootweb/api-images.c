/*
 * api-images.c: images and files written over the admin API, and
 * templates rendered for a client: bootctl image add | set | rm | files,
 * file add | list | rm and template render, through the same functions
 * (image.h, tmpl_preview.c). Files on disk are checked as bootctl checks
 * them, as the user bootweb runs as.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "image.h"
#include "tmpl.h"
#include "import.h"
#include "xmalloc.h"

/* The string members of an image body: name, offset of the char * field. */
static const struct {
	const char	*key;
	size_t		 off;
} image_fields[] = {
	{ "kind", offsetof(struct nb_image, kind) },
	{ "distro", offsetof(struct nb_image, distro) },
	{ "version", offsetof(struct nb_image, version) },
	{ "arch", offsetof(struct nb_image, arch) },
	{ "kernel", offsetof(struct nb_image, kernel) },
	{ "cmdline", offsetof(struct nb_image, cmdline) },
	{ "template", offsetof(struct nb_image, tmpl) },
};

/* "initrds": an array of paths replacing img's; a status if bad. */
static int
image_initrds(struct bw_req *r, json_t *a, struct nb_image *img)
{
	json_t	*v;
	size_t	 i;

	if (!json_is_array(a) || json_array_size(a) > NB_IMAGE_INITRDS_MAX)
		return bw_fail(r, 422, "initrds must be an array of at most %d "
		    "paths", NB_IMAGE_INITRDS_MAX);
	json_array_foreach(a, i, v)
		if (!json_is_string(v))
			return bw_fail(r, 422, "initrds[%zu] must be a "
			    "string", i);
	for (i = 0; i < img->ninitrds; i++)
		free(img->initrds[i]);
	img->ninitrds = 0;
	json_array_foreach(a, i, v)
		nb_image_add_initrd(img, json_string_value(v));
	return 0;
}

/*
 * Apply a body's members to img (null clears a string); "name" only
 * names it (a new image's, or the same). Unknown members are refused.
 */
static int
image_apply(struct bw_req *r, json_t *o, struct nb_image *img)
{
	const char	*key, *s;
	json_t		*v;
	char		**f;
	size_t		 i;
	int		 code;

	json_object_foreach(o, key, v) {
		for (i = 0; i < nitems(image_fields); i++)
			if (strcmp(key, image_fields[i].key) == 0)
				break;
		if (i < nitems(image_fields)) {
			if ((code = api_str(r, o, key, &s)) != 0)
				return code;
			f = (char **)((char *)img + image_fields[i].off);
			free(*f);
			*f = *s != '\0' ? xstrdup(s) : NULL;
		} else if (strcmp(key, "initrds") == 0) {
			if ((code = image_initrds(r, v, img)) != 0)
				return code;
		} else if (strcmp(key, "name") == 0) {
			if (!json_is_string(v) || (img->name != NULL &&
			    strcmp(img->name, json_string_value(v)) != 0))
				return bw_fail(r, 422, "name cannot change");
			if (img->name == NULL)
				img->name = xstrdup(json_string_value(v));
		} else
			return bw_fail(r, 422, "unknown member '%s'", key);
	}
	return 0;
}

/* Check img as bootctl image add does, then answer it after f wrote it. */
static int
image_store(struct bw_req *r, struct nb_image *img, int add)
{
	struct nb_db	*db = r->bw->d->db;
	char		 why[512], *name;
	int		 rc;

	if (nb_image_check(img, r->bw->datadir, why, sizeof(why)) != NULL)
		return bw_fail(r, 422, "%s", why);
	rc = add ? nb_image_add(db, img) : nb_image_update(db, img);
	/* A missing template is a bad value, not a bad URL. */
	if (rc != NB_OK)
		return api_dberr(r, rc == NB_NOTFOUND ? NB_INVALID : rc);
	if ((rc = nb_db_commit(db)) != NB_OK)
		return api_dberr(r, rc);
	log_info("%s: %s image %s", r->user, add ? "added" : "changed",
	    img->name);
	name = xstrdup(img->name);
	nb_image_clear(img);
	if ((rc = nb_image_get(db, name, img)) != NB_OK)
		rc = api_dberr(r, rc);
	else
		api_send_etag(r, add ? 201 : 200, nb_image_json(img));
	free(name);
	return rc;
}

/* DELETE /images/NAME, loaded in img: then its imported files go. */
static int
image_delete(struct bw_req *r, struct nb_image *img)
{
	struct nb_db	*db = r->bw->d->db;
	int		 rc;

	if ((rc = nb_image_rm(db, img->name)) != NB_OK ||
	    (rc = nb_db_commit(db)) != NB_OK)
		return api_dberr(r, rc);
	log_info("%s: removed image %s", r->user, img->name);
	/* Only after the commit: a failed delete leaves what it needs. */
	if (img->iso_path != NULL && nb_image_rm_files(r->bw->datadir,
	    img->name))
		log_info("removed %s/%s", r->bw->datadir, img->name);
	if (nb_upload_rm_unused(db, r->bw->datadir, img->iso_path))
		log_info("removed %s, uploaded for %s alone", img->iso_path,
		    img->name);
	api_send(r, 200, json_pack("{s:s, s:b}", "name", img->name,
	    "deleted", 1));
	return 0;
}

/*
 * POST /api/v1/images (bootctl image add), PATCH /images/NAME (image
 * set), DELETE /images/NAME (image rm; 409 while a client or a setting
 * names it).
 */
int
api_image_write(struct bw_req *r, const char *rest)
{
	struct nb_db	*db = r->bw->d->db;
	struct nb_image	 img;
	json_t		*o = NULL, *cur = NULL;
	int		 code = 0, rc, add = r->method == EVHTTP_REQ_POST;

	nb_image_init(&img);
	if ((add && *rest != '\0') || (!add && (*rest == '\0' ||
	    strchr(rest, '/') != NULL)))
		return bw_fail(r, 404, "no such resource: /%s", r->path);
	if (r->method != EVHTTP_REQ_DELETE && (code = api_body(r, &o)) != 0)
		return code;
	if ((rc = nb_db_begin(db)) != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	if (!add) {
		if ((rc = nb_image_get(db, rest, &img)) != NB_OK) {
			code = api_dberr(r, rc);
			goto fail;
		}
		cur = nb_image_json(&img);
		if ((code = api_if_match(r, cur)) != 0)
			goto fail;
	}
	if (r->method == EVHTTP_REQ_DELETE)
		code = image_delete(r, &img);
	else if ((code = image_apply(r, o, &img)) == 0)
		code = image_store(r, &img, add);
	if (code == 0)
		goto done;
fail:
	nb_db_rollback(db);
done:
	nb_image_clear(&img);
	json_decref(cur);
	json_decref(o);
	return code;
}

static int
iso_file_one(const char *path, int64_t size, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s, s:I}", "path", path,
	    "size", (json_int_t)size));
	return 0;
}

/* GET /api/v1/images/NAME/files?limit=&offset=: bootctl image files. */
static int
image_files(struct bw_req *r, const char *name)
{
	struct evkeyvalq	 q;
	struct nb_image		 img;
	long long		 limit, offset;
	int64_t			 total = 0;
	json_t			*a;
	int			 code, rc;

	TAILQ_INIT(&q);
	nb_image_init(&img);
	if ((code = api_paging(r, &q, &limit, &offset)) != 0)
		goto done;
	if ((rc = nb_image_get(r->bw->d->db, name, &img)) != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	a = json_array();
	if ((rc = nb_image_files(r->bw->d->db, name, offset, limit,
	    iso_file_one, a, &total)) != NB_OK) {
		json_decref(a);
		code = api_dberr(r, rc);
		goto done;
	}
	api_send(r, 200, json_pack("{s:s, s:o, s:I, s:b, s:I, s:I}", "image",
	    name, "files", a, "total", (json_int_t)total, "more",
	    offset + limit < total, "limit", (json_int_t)limit, "offset",
	    (json_int_t)offset));
done:
	nb_image_clear(&img);
	evhttp_clear_headers(&q);
	return code;
}

int
api_image_get(struct bw_req *r, const char *rest)
{
	char	 name[128];
	size_t	 len = strcspn(rest, "/");

	if (rest[len] == '\0')
		return api_images(r, rest);
	if (len == 0 || len >= sizeof(name) || strcmp(rest + len, "/files"))
		return bw_fail(r, 404, "no such resource: /%s", r->path);
	memcpy(name, rest, len);
	name[len] = '\0';
	return image_files(r, name);
}

/* The source members of a file body, one of which is given. */
static const char *const file_sources[] = {
	[NB_FILE_CONTENT] = "content", [NB_FILE_TEMPLATE] = "template",
	[NB_FILE_LOCAL] = "local", [NB_FILE_URL] = "url",
};

/* A file body {path, mac, prefix, and one source} into f; a status. */
static int
file_parse(struct bw_req *r, json_t *o, struct nb_file *f)
{
	const char	*key, *s, *src = NULL;
	char		 why[512];
	json_t		*v;
	size_t		 i;
	int		 code;

	json_object_foreach(o, key, v) {
		for (i = 0; i < nitems(file_sources); i++)
			if (strcmp(key, file_sources[i]) == 0)
				break;
		if (i < nitems(file_sources)) {
			if (src != NULL)
				return bw_fail(r, 422, "give one of content, "
				    "template, local, url");
			if ((code = api_str(r, o, key, &src)) != 0)
				return code;
			f->kind = (enum nb_file_kind)i;
		} else if (strcmp(key, "path") == 0) {
			if ((code = api_str(r, o, key, &s)) != 0)
				return code;
			f->path = xstrdup(s ? s : "");
		} else if (strcmp(key, "mac") == 0) {
			if ((code = api_str(r, o, key, &s)) != 0)
				return code;
			if (*s != '\0' && nb_mac_canon(s, f->mac) == -1)
				return bw_fail(r, 422, "mac '%s' is not a MAC "
				    "address (null: for all clients)", s);
		} else if (strcmp(key, "prefix") == 0) {
			if (!json_is_boolean(v))
				return bw_fail(r, 422, "prefix is true or "
				    "false");
			f->prefix = json_is_true(v);
		} else
			return bw_fail(r, 422, "unknown member '%s'", key);
	}
	if (src == NULL || *src == '\0')
		return bw_fail(r, 422, "give one of content, template, local, "
		    "url");
	if (f->path == NULL || nb_file_path_clean(f->path) == -1)
		return bw_fail(r, 422, "path is needed, without . or .. parts");
	switch (f->kind) {
	case NB_FILE_CONTENT:
		f->content = (unsigned char *)xstrdup(src);
		f->content_len = strlen(src);
		break;
	case NB_FILE_TEMPLATE:
		f->tmpl = xstrdup(src);
		break;
	case NB_FILE_LOCAL:
		f->local = xstrdup(src);
		break;
	case NB_FILE_URL:
		f->url = xstrdup(src);
		break;
	}
	if (nb_file_check(f, why, sizeof(why)) != NULL ||
	    (f->kind == NB_FILE_LOCAL &&
	    nb_file_local_resolve(f, why, sizeof(why)) == -1))
		return bw_fail(r, 422, "%s", why);
	return 0;
}

static int
file_one(const struct nb_file *f, void *arg)
{
	json_array_append_new(arg, nb_file_json(f));
	return 0;
}

/* nb_file_list callback: a copy of the file whose id is want's. */
static int
file_find(const struct nb_file *f, void *arg)
{
	struct nb_file	*want = arg;

	if (f->id != want->id)
		return 0;
	want->path = xstrdup(f->path);
	strlcpy(want->mac, f->mac, sizeof(want->mac));
	want->kind = f->kind;
	if (f->content != NULL) {
		want->content = xmalloc(f->content_len + 1);
		memcpy(want->content, f->content, f->content_len);
		want->content_len = f->content_len;
	}
	want->tmpl = f->tmpl ? xstrdup(f->tmpl) : NULL;
	want->local = f->local ? xstrdup(f->local) : NULL;
	want->url = f->url ? xstrdup(f->url) : NULL;
	want->prefix = f->prefix;
	want->updated = f->updated;
	return 1;
}

/* nb_file_list callback: the id of the file at want's path and MAC. */
static int
file_at(const struct nb_file *f, void *arg)
{
	struct nb_file	*want = arg;

	if (strcmp(f->path, want->path) != 0 || strcmp(f->mac, want->mac) != 0)
		return 0;
	want->id = f->id;
	return 1;
}

static int
files_list(struct bw_req *r)
{
	struct evkeyvalq	 q;
	const char		*s;
	char			 mac[NB_MACSTR_LEN];
	json_t			*a;
	int			 code = 0, rc;

	TAILQ_INIT(&q);
	if ((s = api_query(r, &q, "mac")) != NULL &&
	    nb_mac_canon(s, mac) == -1) {
		code = bw_fail(r, 400, "'%s' is not a MAC address", s);
		goto done;
	}
	a = json_array();
	if ((rc = nb_file_list(r->bw->d->db, s ? mac : NULL, file_one, a)) !=
	    NB_OK) {
		json_decref(a);
		code = api_dberr(r, rc);
		goto done;
	}
	api_send(r, 200, json_pack("{s:o}", "files", a));
done:
	evhttp_clear_headers(&q);
	return code;
}

/* Answer the file with f->id (and what it owns) after GET or POST. */
static int
file_answer(struct bw_req *r, struct nb_file *f, int code)
{
	struct nb_file	 g;
	int		 rc;

	memset(&g, 0, sizeof(g));
	g.id = f->id;
	if ((rc = nb_file_list(r->bw->d->db, NULL, file_find, &g)) != NB_OK)
		rc = api_dberr(r, rc);
	else if (g.path == NULL)
		rc = bw_fail(r, 404, "no file %lld", (long long)f->id);
	else
		api_send(r, code, nb_file_json(&g));
	nb_file_clear(&g);
	return rc;
}

/* POST /api/v1/files: bootctl file add. */
static int
files_add(struct bw_req *r)
{
	struct nb_db	*db = r->bw->d->db;
	struct nb_file	 f;
	json_t		*o;
	int		 code, rc;

	memset(&f, 0, sizeof(f));
	if ((code = api_body(r, &o)) != 0)
		return code;
	if ((code = file_parse(r, o, &f)) != 0)
		goto done;
	if ((rc = nb_db_begin(db)) != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	if ((rc = nb_file_add(db, &f)) != NB_OK ||
	    (rc = nb_file_list(db, f.mac[0] ? f.mac : NULL, file_at, &f)) !=
	    NB_OK || (rc = nb_db_commit(db)) != NB_OK) {
		nb_db_rollback(db);
		/* A missing client or template is a bad value. */
		code = api_dberr(r, rc == NB_NOTFOUND ? NB_INVALID : rc);
		goto done;
	}
	log_info("%s: added file %s for %s", r->user, f.path, f.mac[0] ?
	    f.mac : "all clients");
	code = file_answer(r, &f, 201);
done:
	nb_file_clear(&f);
	json_decref(o);
	return code;
}

/*
 * PUT /files/ID {one of content, template, local, url}: bootctl file set,
 * the source replaced, the id kept; path, mac and prefix, if given, are
 * the row's.
 */
static int
files_replace(struct bw_req *r, struct nb_file *f)
{
	struct nb_db	*db = r->bw->d->db;
	struct nb_file	 g;
	json_t		*o, *v;
	int		 code, rc;

	memset(&g, 0, sizeof(g));
	if ((code = api_body(r, &o)) != 0)
		return code;
	if ((rc = nb_db_begin(db)) != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	if ((rc = nb_file_list(db, NULL, file_find, f)) != NB_OK) {
		code = api_dberr(r, rc);
		goto fail;
	}
	if (f->path == NULL) {
		code = bw_fail(r, 404, "no file %lld", (long long)f->id);
		goto fail;
	}
	if (((v = json_object_get(o, "path")) != NULL &&
	    (!json_is_string(v) || strcmp(json_string_value(v), f->path))) ||
	    ((v = json_object_get(o, "prefix")) != NULL &&
	    json_is_true(v) != (f->prefix != 0)) ||
	    ((v = json_object_get(o, "mac")) != NULL &&
	    (json_is_null(v) ? f->mac[0] != '\0' : !json_is_string(v) ||
	    strcmp(json_string_value(v), f->mac) != 0))) {
		code = bw_fail(r, 422, "path, mac and prefix are the file's");
		goto fail;
	}
	json_object_set_new(o, "path", json_string(f->path));
	json_object_set_new(o, "mac", f->mac[0] ? json_string(f->mac) :
	    json_null());
	json_object_set_new(o, "prefix", json_boolean(f->prefix));
	if ((code = file_parse(r, o, &g)) != 0)
		goto fail;
	if ((rc = nb_file_replace(db, &g)) != NB_OK ||
	    (rc = nb_db_commit(db)) != NB_OK) {
		/* A missing template is a bad value. */
		code = api_dberr(r, rc == NB_NOTFOUND ? NB_INVALID : rc);
		goto fail;
	}
	log_info("%s: changed file %s for %s", r->user, g.path, g.mac[0] ?
	    g.mac : "all clients");
	code = file_answer(r, f, 200);
	goto done;
fail:
	nb_db_rollback(db);
done:
	nb_file_clear(&g);
	json_decref(o);
	return code;
}

/*
 * /api/v1/files: GET list (?mac=), POST add {path, mac, prefix, and one of
 * content, template, local, url}; /files/ID: GET, PUT (bootctl file
 * set), DELETE (bootctl file rm). A file is named by its id: paths hold
 * slashes, and one path may be a global file and a client's.
 */
int
api_files(struct bw_req *r, const char *rest)
{
	struct nb_db	*db = r->bw->d->db;
	struct nb_file	 f;
	const char	*errstr;
	int		 rc, code = 0;

	if (*rest == '\0')
		return r->method == EVHTTP_REQ_POST ? files_add(r) :
		    files_list(r);
	memset(&f, 0, sizeof(f));
	f.id = strtonum(rest, 1, INT64_MAX, &errstr);
	if (errstr != NULL)
		return bw_fail(r, 404, "no file %s", rest);
	if (r->method == EVHTTP_REQ_PUT) {
		code = files_replace(r, &f);
		nb_file_clear(&f);
		return code;
	}
	if (r->method != EVHTTP_REQ_DELETE)
		return file_answer(r, &f, 200);
	if ((rc = nb_db_begin(db)) != NB_OK)
		return api_dberr(r, rc);
	if ((rc = nb_file_list(db, NULL, file_find, &f)) != NB_OK ||
	    (f.path != NULL && (rc = nb_file_rm(db, f.path, f.mac)) != NB_OK) ||
	    (rc = nb_db_commit(db)) != NB_OK) {
		nb_db_rollback(db);
		code = api_dberr(r, rc);
	} else if (f.path == NULL)
		code = bw_fail(r, 404, "no file %s", rest);
	else {
		log_info("%s: removed file %s for %s", r->user, f.path,
		    f.mac[0] ? f.mac : "all clients");
		api_send(r, 200, json_pack("{s:I, s:s, s:b}", "id",
		    (json_int_t)f.id, "path", f.path, "deleted", 1));
	}
	nb_file_clear(&f);
	return code;
}

/*
 * POST /api/v1/templates/NAME/render {"mac", "server"?}: {"text"}, the
 * template as the client would get it (nb_tmpl_preview, as bootctl
 * template render); a template error is a 422 naming its line.
 */
int
api_template_render(struct bw_req *r, const char *rest)
{
	const char	*macs, *server;
	char		 name[128], mac[NB_MACSTR_LEN], err[512];
	char		*out = NULL, *url = NULL;
	size_t		 len = strcspn(rest, "/"), outlen = 0;
	json_t		*o = NULL, *o2, *e;
	int		 code, rc, line;

	if (len == 0 || len >= sizeof(name) || strcmp(rest + len, "/render"))
		return bw_fail(r, 404, "no such resource: /%s", r->path);
	memcpy(name, rest, len);
	name[len] = '\0';
	if ((code = api_body(r, &o)) != 0 ||
	    (code = api_str(r, o, "mac", &macs)) != 0 ||
	    (code = api_str(r, o, "server", &server)) != 0)
		goto done;
	if (json_object_size(o) > (size_t)(macs != NULL) + (server != NULL)) {
		code = bw_fail(r, 422, "a render takes mac and server only");
		goto done;
	}
	if (macs == NULL || nb_mac_canon(macs, mac) == -1) {
		code = bw_fail(r, 422, "mac is needed: a MAC address");
		goto done;
	}
	if (server != NULL && strncmp(server, "http://", 7) != 0 &&
	    strncmp(server, "https://", 8) != 0) {
		code = bw_fail(r, 422, "server must be an http:// or https:// "
		    "URL");
		goto done;
	}
	if (server != NULL) {
		url = xstrdup(server);
		while ((len = strlen(url)) > 0 && url[len - 1] == '/')
			url[len - 1] = '\0';
	} else
		url = nb_tmpl_preview_url(r->bw->d->db,
		    r->bw->listen_host, r->bw->port);
	rc = nb_tmpl_preview(r->bw->d->db, name, mac, url, &out, &outlen, err,
	    sizeof(err), &line);
	if (rc == NB_NOTFOUND)
		code = bw_fail(r, 404, "%s", err);
	else if (rc == NB_INVALID) {
		/* The error document with the template's line. */
		e = json_pack("{s:{s:s, s:s}}", "error", "code", "invalid",
		    "message", err);
		json_object_set_new(json_object_get(e, "error"), "line",
		    line > 0 ? json_integer(line) : json_null());
		api_send(r, 422, e);
	} else if (rc != NB_OK)
		code = api_dberr(r, rc);
	else if ((o2 = json_pack("{s:s%}", "text", out, outlen)) == NULL)
		code = bw_fail(r, 422, "the output is not UTF-8 text");
	else
		api_send(r, 200, o2);
done:
	free(url);
	free(out);
	json_decref(o);
	return code;
}
