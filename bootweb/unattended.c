/*
 * unattended.c: what belongs to one client, reached only through its
 * capability prefix /t/TOKEN/ (netboot(7) TRUST MODEL): its unattended
 * files (preseed, kickstart, cloud-init, autoyast, autounattend.xml: they
 * can hold password hashes), its per-client virtual files and template
 * files of the files table, and its self-API. The token comes only in the
 * script served to the verified client; it names the client, its boot
 * and an expiry. Global virtual files (static, local file) stay open.
 *
 * The old form /unattended/<mac>/<file> is refused with an event, so a
 * timeline shows an installer (or anyone) still using it.
 *
 * An upstream URL file (or one under a URL prefix) is fetched through
 * libnetboot's upstream cache (upstream.c) on this loop: the request waits,
 * other clients do not. A GET whose upstream answers 200 with a length is
 * streamed as the body arrives (from the temporary file, by sendfile, so
 * a firmware's idle timeout does not run out on a big first fetch); HEAD,
 * a Range and a cached copy get the cached body like a local file. A
 * failure is a 502 and an upstream-error event, or, once a 200 went out,
 * a closed connection short of its Content-Length.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "bootweb.h"
#include "tmpl.h"
#include "upstream.h"
#include "xmalloc.h"

#define VF_STREAM_STEP	(256 * 1024)	/* bytes a streamed piece waits for */

/* A descriptor shared by the file segments of a streamed reply. */
struct vf_fd {
	int	 fd;
	int	 refs;
};

/* A request for an upstream file, waiting for its body. */
struct vf_up {
	struct bootweb		*vu_bw;
	struct evhttp_request	*vu_req;
	int			 vu_head, vu_method, vu_boot;
	char			 vu_ip[INET6_ADDRSTRLEN];
	char			 vu_path[BW_PATHLEN];	/* as logs show it */
	char			 vu_file[BW_PATHLEN];	/* for its type */
	char			 vu_mac[NB_MACSTR_LEN];	/* "" if anonymous */
	int			 vu_range;	/* a Range: the whole body first */
	int			 vu_streaming;	/* the 200 went, pieces follow */
	int			 vu_answered;	/* HEAD: answered from the headers */
	off_t			 vu_sent, vu_total;
	struct vf_fd		*vu_fd;
};

/* Names installers ask for: "my unattended file", whatever its template. */
static const char *const aliases[] = {
	"preseed.cfg", "ks.cfg", "user-data", "autoinstall.yaml",
	"autounattend.xml", "unattend.xml", "autoinst.xml",
};

static int
alias(const char *file)
{
	size_t	 i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(file, aliases[i]) == 0)
			return 1;
	return 0;
}

/*
 * cloud-init NoCloud wants meta-data next to user-data; make one unless a
 * template is called that.
 */
static void
meta_data(struct bw_req *r, const struct nb_client *c)
{
	struct evbuffer	*evb = evbuffer_new();
	char		 id[NB_MACSTR_LEN];
	size_t		 i, j;

	for (i = j = 0; c->mac[i] != '\0'; i++)
		if (c->mac[i] != ':')
			id[j++] = c->mac[i];
	id[j] = '\0';
	evbuffer_add_printf(evb,
	    "instance-id: netboot-%s\nlocal-hostname: %s%s\n", id,
	    c->hostname ? c->hostname : c->name ? c->name : "netboot-",
	    c->hostname || c->name ? "" : id);
	http_send_evb(r, 200, "text/plain", evb);
	evbuffer_free(evb);
}

static void
render_free(const void *data, size_t len, void *arg)
{
	free(arg);
}

/*
 * What template name sees for c with the request's token (so its URLs are
 * this boot's): nb_tmpl_context_token()'s data, from the cache.
 */
static json_t *
render_context(struct bw_req *r, const struct nb_client *c, const char *tok)
{
	struct bootweb		*bw = r->bw;
	const struct nb_image	*img;
	json_t			*image = NULL, *u = NULL, *o;
	const char		*tname = c->tmpl;
	char			*base;
	size_t			 i;

	if ((img = cache_image(bw, c->image, &i)) != NULL) {
		image = json_array_get(cache_site(bw, r->server_url)->images, i);
		if (tname == NULL)
			tname = img->tmpl;
	}
	if (tname != NULL && tok != NULL) {
		xasprintf(&base, "%s/t/%s", r->server_url, tok);
		u = cache_unattended_url(bw, base, tname);
		free(base);
	}
	o = nb_tmpl_context_parts(c, r->server_url, tok, image, u,
	    bw->cache.settings);
	json_decref(u);
	return o;
}

/*
 * Render template name for c with the request's token and send it, or the
 * error bootctl template render prints. file is what the client asked for
 * (the path without the token).
 */
static int
render_send(struct bw_req *r, const char *name, const struct nb_client *c,
    const char *tok, const char *file, const char *what)
{
	struct evbuffer		*evb;
	json_t			*data;
	const char		*body = cache_body(r->bw, name);
	char			 err[512], *out = NULL;
	size_t			 len = 0;

	if (body == NULL)
		snprintf(err, sizeof(err), "no template %s", name);
	else {
		data = render_context(r, c, tok);
		out = nb_tmpl_render_as(body, data, nb_tmpl_esc_kind(
		    cache_kind(r->bw, name)), &len, err, sizeof(err));
		json_decref(data);
	}
	if (out == NULL) {
		log_warnx("%s: template %s: %s", c->mac, name, err);
		nb_evq_push(r->bw->d->evq, c->mac, what, r->ip,
		    "template %s does not render: %s", name, err);
		return bw_fail(r, 500, "%s", err);
	}
	nb_evq_push(r->bw->d->evq, c->mac, what, r->ip,
	    "rendered %s (template %s, %zu bytes)", file, name, len);
	/* The rendered text goes out as is, freed once written. */
	evb = evbuffer_new();
	if (evbuffer_add_reference(evb, out, len, render_free, out) == -1)
		free(out);
	http_send_evb(r, 200, "text/plain", evb);
	evbuffer_free(evb);
	return 0;
}

int
unattended_serve(struct bw_req *r, const char *rest)
{
	char		 mac[NB_MACSTR_LEN], macpart[64];
	const char	*slash = strchr(rest, '/');
	int		 named;

	if (slash == NULL || (size_t)(slash - rest) >= sizeof(macpart))
		return bw_fail(r, 404, "not found: unattended files are under "
		    "the token URL of the client's boot script");
	memcpy(macpart, rest, (size_t)(slash - rest));
	macpart[slash - rest] = '\0';
	named = nb_mac_canon(macpart, mac) == 0;
	/* Whoever asks, whether the client exists or not: the same answer. */
	log_info("refused /unattended/ for %s to %s: a token URL is needed",
	    named ? mac : "?", r->ip);
	nb_evq_push(r->bw->d->evq, named ? mac : NULL, "http-unattended", r->ip,
	    "refused /unattended/%s/...: files are served only under the "
	    "token URL of the client's boot script", named ? mac : "?");
	return bw_fail(r, 403, "unattended files are served only under the "
	    "token URL of the client's boot script");
}

/* The request as the reply functions take it. */
static void
vfile_up_req(const struct vf_up *vu, struct bw_req *r)
{
	memset(r, 0, sizeof(*r));
	r->bw = vu->vu_bw;
	r->req = vu->vu_req;
	r->head = vu->vu_head;
	r->method = vu->vu_method;
	r->req_boot = vu->vu_boot;
	strlcpy(r->ip, vu->vu_ip, sizeof(r->ip));
	strlcpy(r->path, vu->vu_path, sizeof(r->path));
}

static void
vf_fd_unref(struct vf_fd *ref)
{
	if (--ref->refs == 0) {
		close(ref->fd);
		free(ref);
	}
}

static void
vf_seg_done(const struct evbuffer_file_segment *seg, int flags, void *arg)
{
	vf_fd_unref(arg);
}

/*
 * Send bytes [vu_sent, upto) of the file, by sendfile once the socket
 * takes them. evhttp drops them if the client left (the request is then
 * detached from its connection until the reply ends).
 */
static void
vfile_up_push(struct vf_up *vu, off_t upto)
{
	struct evbuffer_file_segment	*seg;
	struct evbuffer			*evb;
	off_t				 len = upto - vu->vu_sent;

	if (len <= 0)
		return;
	if ((seg = evbuffer_file_segment_new(vu->vu_fd->fd, vu->vu_sent, len,
	    0)) == NULL || (evb = evbuffer_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	vu->vu_fd->refs++;
	evbuffer_file_segment_add_cleanup_cb(seg, vf_seg_done, vu->vu_fd);
	evbuffer_add_file_segment(evb, seg, 0, len);
	evbuffer_file_segment_free(seg);
	evhttp_send_reply_chunk(vu->vu_req, evb);
	evbuffer_free(evb);
	vu->vu_sent = upto;
}

/* More of a 200 arrived: start the reply, or send what came since. */
static void
vfile_up_progress(const struct nb_up_progress *p, void *arg)
{
	struct vf_up	*vu = arg;
	struct bw_req	 r;
	int		 fd;

	if (vu->vu_answered || vu->vu_range)
		return;
	if (!vu->vu_streaming) {
		if ((fd = fcntl(p->fd, F_DUPFD_CLOEXEC, 0)) == -1)
			return;
		/* HEAD (UEFI HTTP Boot asks it first): the length will do. */
		if (vu->vu_head) {
			vfile_up_req(vu, &r);
			http_send_range(&r, fd, 0, p->total, time(NULL),
			    http_content_type(vu->vu_file));
			vu->vu_answered = 1;
			return;
		}
		vu->vu_fd = xcalloc(1, sizeof(*vu->vu_fd));
		vu->vu_fd->fd = fd;
		vu->vu_fd->refs = 1;
		vu->vu_streaming = 1;
		vu->vu_total = p->total;
		vfile_up_req(vu, &r);
		http_stream_start(&r, http_content_type(vu->vu_file), p->total);
	}
	if (p->have - vu->vu_sent >= VF_STREAM_STEP)
		vfile_up_push(vu, p->have);
}

/*
 * The end of a streamed reply: the rest of the body and the end, or, if
 * the fetch failed, the connection closed (the client sees the body short
 * of its Content-Length: never a partial file taken for a whole one).
 */
static void
vfile_up_finish(struct vf_up *vu, const struct nb_up_result *res)
{
	struct evhttp_connection	*evcon;

	if (res->ok && res->size == vu->vu_total) {
		vfile_up_push(vu, res->size);
		evhttp_send_reply_end(vu->vu_req);
	} else if ((evcon = evhttp_request_get_connection(vu->vu_req)) != NULL)
		evhttp_connection_free(evcon);
	else
		evhttp_send_reply_end(vu->vu_req);	/* frees it */
	vf_fd_unref(vu->vu_fd);
}

/*
 * The upstream's answer for a waiting request: the body (the descriptor
 * goes to the reply), or a 502 naming the host and what went wrong. If
 * the client left meanwhile, evhttp frees the request at the reply.
 */
static void
vfile_up_done(const struct nb_up_result *res, void *arg)
{
	struct vf_up	*vu = arg;
	struct bw_req	 r;
	const char	*mac = vu->vu_mac[0] != '\0' ? vu->vu_mac : NULL;

	vfile_up_req(vu, &r);
	if (vu->vu_answered) {
		if (res->ok)
			close(res->fd);
	} else if (vu->vu_streaming) {
		if (res->ok)
			nb_evq_push(r.bw->d->evq, mac, "http-file", r.ip,
			    "file %s from upstream %s (%lld bytes, streamed)",
			    vu->vu_file, res->host, (long long)res->size);
		else
			nb_evq_push(r.bw->d->evq, mac, "upstream-error", r.ip,
			    "%s: upstream %s: %s (after %lld bytes sent)",
			    vu->vu_file, res->host, res->msg,
			    (long long)vu->vu_sent);
		vfile_up_finish(vu, res);
		if (res->ok)
			close(res->fd);
	} else if (!res->ok) {
		nb_evq_push(r.bw->d->evq, mac, "upstream-error", r.ip,
		    "%s: upstream %s: %s", vu->vu_file, res->host, res->msg);
		http_error(&r, 502, "upstream %s: %s", res->host, res->msg);
	} else {
		nb_evq_push(r.bw->d->evq, mac, "http-file", r.ip,
		    "file %s from upstream %s (%lld bytes, %s)", vu->vu_file,
		    res->host, (long long)res->size, res->fetched ? "fetched" :
		    res->status == 304 ? "validated" : "cached");
		http_send_range(&r, res->fd, 0, res->size, res->mtime,
		    http_content_type(vu->vu_file));
	}
	free(vu);
}

/* Ask the upstream cache for f's URL; the reply goes when it answers. */
static int
vfile_upstream(struct bw_req *r, const struct nb_file *f, const char *mac,
    const char *path)
{
	struct bootweb	*bw = r->bw;
	struct vf_up	*vu;

	if (bw->up == NULL)
		bw->up = nb_up_new(bw->d->base, bw->datadir, bw->d->conf);
	vu = xcalloc(1, sizeof(*vu));
	vu->vu_bw = bw;
	vu->vu_req = r->req;
	vu->vu_head = r->head;
	vu->vu_method = r->method;
	vu->vu_boot = r->req_boot;
	strlcpy(vu->vu_ip, r->ip, sizeof(vu->vu_ip));
	strlcpy(vu->vu_path, r->path, sizeof(vu->vu_path));
	strlcpy(vu->vu_file, path, sizeof(vu->vu_file));
	strlcpy(vu->vu_mac, mac != NULL ? mac : "", sizeof(vu->vu_mac));
	vu->vu_range = evhttp_find_header(evhttp_request_get_input_headers(
	    r->req), "Range") != NULL;
	nb_up_stream(nb_up_get(bw->up, f->url, vfile_up_done, vu),
	    vfile_up_progress);
	return 0;
}

/*
 * A virtual file f at path for client c (NULL: anonymous); templates
 * render for c with its token tok.
 */
static int
vfile_send(struct bw_req *r, const struct nb_file *f, const struct nb_client *c,
    const char *tok, const char *path)
{
	const char	*mac = c != NULL ? c->mac : NULL;
	int		 code;

	switch (f->kind) {
	case NB_FILE_CONTENT:
		nb_evq_push(r->bw->d->evq, mac, "http-file", r->ip,
		    "file %s (%zu bytes)", path, f->content_len);
		http_send_mem(r, 200, http_content_type(path), f->content,
		    f->content_len);
		return 0;
	case NB_FILE_TEMPLATE:
		if (c == NULL)
			return bw_fail(r, 403, "template files are rendered "
			    "per client, under the token URL of its boot "
			    "script");
		return render_send(r, f->tmpl, c, tok, path, "http-file");
	case NB_FILE_LOCAL:
		code = http_send_path(r, f->local, http_content_type(path));
		if (code != 0) {
			log_warnx("file %s: cannot open %s", path, f->local);
			return bw_fail(r, code, "not found");
		}
		nb_evq_push(r->bw->d->evq, mac, "http-file", r->ip,
		    "file %s from %s", path, f->local);
		return 0;
	case NB_FILE_URL:
		break;
	}
	return vfile_upstream(r, f, mac, path);
}

int
unattended_vfile(struct bw_req *r)
{
	struct nb_db	*db = r->bw->d->db;
	struct nb_file	 f;
	int		 rc;

	memset(&f, 0, sizeof(f));
	/* Without a token only global files; a client's own need its token. */
	if ((rc = nb_file_lookup(db, r->path, NULL, &f)) != NB_OK) {
		if (rc == NB_INVALID)
			return bw_fail(r, 400, "%s", nb_db_errmsg(db));
		if (rc != NB_NOTFOUND)
			log_warnx("looking up virtual file %s: %s", r->path,
			    nb_db_errmsg(db));
		nb_file_clear(&f);
		return -1;
	}
	rc = vfile_send(r, &f, NULL, NULL, r->path);
	nb_file_clear(&f);
	return rc;
}

/*
 * Check tok: 0 and the client's MAC if it is valid now for that client's
 * current boot, else an HTTP status. The nonce is the one queued by the
 * client's last /boot, else the stored one; a database error is a 503.
 */
static int
token_check(struct bw_req *r, const char *tok, char mac[NB_MACSTR_LEN])
{
	struct bootweb	*bw = r->bw;
	uint8_t		 nonce[NB_NONCE_LEN];
	int64_t		 expires;

	if (nb_token_parse(tok, mac, &expires) == -1)
		return 404;
	if (!bw->cache.has_key)
		return 503;
	if (script_nonce(bw, mac, nonce) != NB_OK) {
		log_warnx("%s: reading the boot nonce: %s", mac,
		    nb_db_errmsg(bw->d->db));
		return 503;
	}
	if (!nb_token_valid_keyed(&bw->cache.hkey, tok, nonce, nb_now()))
		return 403;
	return 0;
}

/* A client's own file at file: its unattended files, then its virtual files. */
static int
token_file(struct bw_req *r, const struct nb_client *c, const char *tok,
    const char *file)
{
	struct nb_db		*db = r->bw->d->db;
	struct nb_file		 f;
	const struct nb_image	*img;
	const char		*eff = c->tmpl;
	int			 rc, code = 0;

	if (eff == NULL && (img = cache_image(r->bw, c->image, NULL)) != NULL)
		eff = img->tmpl;
	memset(&f, 0, sizeof(f));
	if (strchr(file, '/') == NULL && cache_kind(r->bw, file) != NULL)
		code = render_send(r, file, c, tok, file, "http-unattended");
	else if (eff != NULL && alias(file))
		code = render_send(r, eff, c, tok, file, "http-unattended");
	else if (eff != NULL && strcmp(file, "meta-data") == 0) {
		nb_evq_push(r->bw->d->evq, c->mac, "http-unattended", r->ip,
		    "generated meta-data");
		meta_data(r, c);
	} else if (eff != NULL && strcmp(file, "vendor-data") == 0) {
		nb_evq_push(r->bw->d->evq, c->mac, "http-unattended", r->ip,
		    "empty vendor-data");
		http_send_mem(r, 200, "text/plain", "", 0);
	} else if ((rc = nb_file_lookup(db, file, c->mac, &f)) == NB_OK)
		code = vfile_send(r, &f, c, tok, file);
	else if (rc == NB_INVALID)
		code = bw_fail(r, 400, "%s", nb_db_errmsg(db));
	else if (rc != NB_NOTFOUND) {
		log_warnx("looking up virtual file %s: %s", file,
		    nb_db_errmsg(db));
		code = bw_fail(r, 503, "the database cannot be read");
	} else
		code = bw_fail(r, 404, "no template or file %s for this "
		    "client", file);
	nb_file_clear(&f);
	return code;
}

/*
 * Take the token out of r->path into tok (from here on, logs and events
 * show /t/TOKEN/), and what follows it into file.
 */
static int
token_split(struct bw_req *r, const char *rest, char tok[NB_TOKEN_STRLEN],
    char file[BW_PATHLEN])
{
	const char	*slash = strchr(rest, '/');
	size_t		 n;

	n = slash ? (size_t)(slash - rest) : strlen(rest);

	if (n == 0 || n >= NB_TOKEN_STRLEN) {
		tok[0] = '\0';
		n = strcspn(rest, "/");
	} else {
		memcpy(tok, rest, n);
		tok[n] = '\0';
	}
	strlcpy(file, slash ? slash + 1 : "", BW_PATHLEN);
	/* file was part of r->path: shorter than it, so this fits. */
	strlcpy(r->path, "t/" NB_TOKEN_PLACEHOLDER "/", sizeof(r->path));
	strlcat(r->path, file, sizeof(r->path));
	return slash == NULL || tok[0] == '\0' ? -1 : 0;
}

int
unattended_token(struct bw_req *r, const char *rest)
{
	struct nb_db		*db = r->bw->d->db;
	struct nb_client	 c;
	char			 tok[NB_TOKEN_STRLEN], file[BW_PATHLEN];
	char			 mac[NB_MACSTR_LEN];
	const char		*why;
	int			 code, rc;

	nb_client_init(&c);
	if (token_split(r, rest, tok, file) == -1) {
		code = bw_fail(r, 404, "not found: /t/TOKEN/FILE");
		goto done;
	}
	if ((code = token_check(r, tok, mac)) != 0) {
		/* Never the token itself in a log or an event. */
		why = code == 403 ? "a stale, expired or forged" :
		    code == 404 ? "a malformed" : "an unverifiable";
		log_info("%s: refused %s token from %s for %s",
		    code == 404 ? "?" : mac, why, r->ip, file);
		nb_evq_push(r->bw->d->evq, code == 404 ? NULL : mac,
		    "http-token", r->ip, "refused %s: %s token", file, why);
		code = bw_fail(r, code, "%s", code == 503 ?
		    "the database cannot be read" : "this URL is not valid "
		    "(any more): boot again for a new one");
		goto done;
	}
	if (strcmp(file, "api/v1/self") == 0 ||
	    strncmp(file, "api/v1/self/", 12) == 0) {
		code = self_call(r, mac, file[11] == '/' ? file + 12 : "");
		goto done;
	}
	if (r->method == EVHTTP_REQ_POST) {
		r->allow = BW_GET;
		code = bw_fail(r, 405, "only the self-API takes POST");
		goto done;
	}
	if ((rc = nb_client_get(db, mac, &c)) != NB_OK) {
		if (rc != NB_NOTFOUND)
			log_warnx("%s: reading the client: %s", mac,
			    nb_db_errmsg(db));
		code = bw_fail(r, rc == NB_NOTFOUND ? 404 : 503, "%s",
		    rc == NB_NOTFOUND ? "no such client" :
		    "the database cannot be read");
		goto done;
	}
	if (file[0] == '\0')
		code = bw_fail(r, 404, "not found: /t/TOKEN/FILE");
	else
		code = token_file(r, &c, tok, file);
 done:
	explicit_bzero(tok, sizeof(tok));
	nb_client_clear(&c);
	return code;
}
