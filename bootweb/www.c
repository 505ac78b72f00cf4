/*
 * www.c: the web UI's files on the admin plane (issue 14; bootweb(8)
 * WEB UI): / is index.html, /ui/NAME a file of the www directory
 * (www_dir, by default $(datadir)/netboot/www). The UI itself is static
 * HTML, CSS and JavaScript modules that only call the admin API, so
 * these routes need no credentials and serve nothing but that directory:
 * a path leaving it (.., a symlink out) or naming a dot-file is refused
 * by http_resolve. Every reply carries a strict Content-Security-Policy;
 * a file with a NAME.gz beside it is sent compressed to a browser that
 * accepts gzip. Files revalidate by ETag: the UI has no build step that
 * could give them hashed names.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "bootweb.h"
#include "xmalloc.h"

#ifndef WWW_DIR
#define WWW_DIR	"/usr/share/netboot/www"
#endif

/*
 * No inline script or style, nothing from elsewhere, never in a frame;
 * and no string ever reaches an HTML or script sink (innerHTML, eval...):
 * Trusted Types with no policy at all, so that the browser enforces
 * what ui.js does (text goes in as text).
 */
#define WWW_CSP	"default-src 'self'; script-src 'self'; " \
	"style-src 'self'; img-src 'self'; connect-src 'self'; " \
	"font-src 'self'; object-src 'none'; base-uri 'none'; " \
	"form-action 'self'; frame-ancestors 'none'; " \
	"require-trusted-types-for 'script'; trusted-types 'none'"

static const struct {
	const char	*suffix;
	const char	*type;
} www_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".json", "application/json" },
	{ ".txt", "text/plain; charset=utf-8" },
};

/* The type of a UI file by its suffix; NULL if the UI has no such type. */
static const char *
www_type(const char *name)
{
	size_t	 i, nlen = strlen(name), slen;

	for (i = 0; i < nitems(www_types); i++) {
		slen = strlen(www_types[i].suffix);
		if (nlen > slen && strcmp(name + nlen - slen,
		    www_types[i].suffix) == 0)
			return www_types[i].type;
	}
	return NULL;
}

/*
 * Whether Accept-Encoding takes gzip: a "gzip" or "*" member whose q is
 * not 0 (RFC 9110 §12.5.3).
 */
static int
www_gzip_ok(const char *ae)
{
	const char	*p, *tok, *end;
	size_t		 len;

	for (p = ae; p != NULL && *p != '\0'; p = end + (*end == ',')) {
		tok = p + strspn(p, " \t");
		len = strcspn(tok, ",; \t");
		end = tok + strcspn(tok, ",");
		if (!(len == 4 && strncasecmp(tok, "gzip", 4) == 0) &&
		    !(len == 1 && *tok == '*'))
			continue;
		p = tok + len;
		p += strspn(p, " \t");
		if (*p != ';')
			return 1;
		p++;
		p += strspn(p, " \t");
		return strncasecmp(p, "q=", 2) != 0 || strtod(p + 2, NULL) > 0;
	}
	return 0;
}

/*
 * Open a resolved file; -1 if it is not a regular file any more, or is
 * the database, a journal of it or any SQLite file (as every file route
 * refuses them, bootweb(8) WHAT IS SERVED).
 */
static int
www_open(struct bw_req *r, const char *path, struct stat *st)
{
	struct stat	 pre;
	const char	*why;
	int		 fd;

	/* checked unopened: closing the database would drop our locks */
	if (stat(path, &pre) == -1)
		return -1;
	if (nb_db_own_file(nb_daemon_dbpath(r->bw->d), &pre)) {
		log_warnx("refused %s to %s: it is the database", path, r->ip);
		errno = ENOENT;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1)
		return -1;
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    st->st_dev != pre.st_dev || st->st_ino != pre.st_ino) {
		close(fd);
		errno = ENOENT;
		return -1;
	}
	if ((why = nb_db_file_kind(fd)) != NULL) {
		log_warnx("refused %s to %s: it is %s", path, r->ip, why);
		close(fd);
		errno = ENOENT;
		return -1;
	}
	return fd;
}

/* The headers every UI reply carries, the errors' too. */
static void
www_headers(struct bw_req *r)
{
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(r->req);

	evhttp_add_header(oh, "Content-Security-Policy", WWW_CSP);
	http_set_header(r, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(oh, "X-Frame-Options", "DENY");
	evhttp_add_header(oh, "Referrer-Policy", "no-referrer");
	evhttp_add_header(oh, "Cross-Origin-Opener-Policy", "same-origin");
}

/*
 * Send the file rel of the www directory: its .gz copy if the browser
 * takes it, a 304 if the browser's copy is current, else the file.
 */
static int
www_send(struct bw_req *r, const char *rel)
{
	struct evkeyvalq	*ih = evhttp_request_get_input_headers(r->req);
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(r->req);
	const char		*root, *type, *inm;
	char			*path = NULL, *gzpath = NULL;
	char			 gzrel[BW_PATHLEN];
	char			 etag[64];
	struct stat		 st;
	int			 code, fd = -1, gz = 0;

	if ((root = nb_conf_get(r->bw->d->conf, "bootweb", "www_dir")) == NULL)
		root = WWW_DIR;
	if ((type = www_type(rel)) == NULL)
		return bw_fail(r, 404, "not a file of the web UI");
	if ((code = http_resolve(root, rel, &path)) != 0) {
		if (code == 404 && strcmp(rel, "index.html") == 0)
			log_warnx("%s: no web UI in %s (www_dir)", __func__,
			    root);
		return code;
	}
	if (www_gzip_ok(evhttp_find_header(ih, "Accept-Encoding")) &&
	    (size_t)snprintf(gzrel, sizeof(gzrel), "%s.gz", rel) <
	    sizeof(gzrel) && http_resolve(root, gzrel, &gzpath) == 0 &&
	    (fd = www_open(r, gzpath, &st)) != -1)
		gz = 1;
	if (fd == -1 && (fd = www_open(r, path, &st)) == -1) {
		code = errno == EACCES ? 403 : 404;
		goto done;
	}
	/* http_send_range's validator; the .gz copy's differs by its size. */
	snprintf(etag, sizeof(etag), "\"%llx-%llx-0\"",
	    (unsigned long long)st.st_mtime, (unsigned long long)st.st_size);
	evhttp_add_header(oh, "Vary", "Accept-Encoding");
	/* Revalidated at each use: a new version is seen at once. */
	http_set_header(r, "Cache-Control", "no-cache");
	if ((inm = evhttp_find_header(ih, "If-None-Match")) != NULL &&
	    strstr(inm, etag) != NULL) {
		close(fd);
		evhttp_add_header(oh, "ETag", etag);
		http_send_mem(r, 304, type, NULL, 0);
		goto done;
	}
	if (gz)
		evhttp_add_header(oh, "Content-Encoding", "gzip");
	http_send_range(r, fd, 0, st.st_size, st.st_mtime, type);
done:
	free(path);
	free(gzpath);
	return code;
}

/* GET / and /ui/...: the web UI (routes[] in bootweb.c). */
int
www_serve(struct bw_req *r, const char *rest)
{
	www_headers(r);
	if (strncmp(r->path, "ui/", 3) != 0)
		return www_send(r, "index.html");
	if (*rest == '\0')
		return bw_fail(r, 404, "not a file of the web UI");
	return www_send(r, rest);
}
