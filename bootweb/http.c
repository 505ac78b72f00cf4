/*
 * http.c: the HTTP mechanics of bootweb: request paths decoded and kept
 * inside their roots, bodies from memory or from files by sendfile, single
 * byte ranges (RFC 9110 §14), and every reply with a Content-Length and no
 * redirect, ever: EDK2's HTTP Boot does HEAD then GET and gives up on a
 * 3xx (tinkerbell/smee#229).
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "bootweb.h"
#include "xmalloc.h"

static const struct {
	int		 code;
	const char	*reason;
} reasons[] = {
	{ 200, "OK" }, { 201, "Created" }, { 206, "Partial Content" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" }, { 403, "Forbidden" },
	{ 412, "Precondition Failed" }, { 413, "Content Too Large" },
	{ 415, "Unsupported Media Type" }, { 422, "Unprocessable Content" },
	{ 429, "Too Many Requests" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
	{ 409, "Conflict" }, { 416, "Range Not Satisfiable" },
	{ 500, "Internal Server Error" }, { 502, "Bad Gateway" }, { 503, "Service Unavailable" },
};

static const struct {
	const char	*suffix;
	const char	*type;
} types[] = {
	{ ".efi", "application/efi" },	/* EDK2 HttpBootCheckImageType */
	{ ".ipxe", "text/plain" },
	{ ".cfg", "text/plain" },
	{ ".txt", "text/plain" },
	{ ".xml", "text/xml" },
};

const char *
http_reason(int code)
{
	size_t	 i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == code)
			return reasons[i].reason;
	return "Error";
}

const char *
http_content_type(const char *name)
{
	size_t	 i, nlen = strlen(name), slen;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		slen = strlen(types[i].suffix);
		if (nlen >= slen && strcasecmp(name + nlen - slen, types[i].suffix) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
http_path_decode(const char *target, char *out, size_t outsz)
{
	const char	*p = target;
	size_t		 n = 0;
	int		 hi, lo, c;

	/*
	 * The absolute form (RFC 9112 §3.2.2), which a server must accept:
	 * "http://host:port/path" names the same resource as "/path" here,
	 * the authority is ignored (there are no virtual hosts).
	 */
	if (strncasecmp(p, "http://", 7) == 0 ||
	    strncasecmp(p, "https://", 8) == 0) {
		p += strcspn(p, ":") + 3;
		p += strcspn(p, "/?#");
		if (*p != '/') {
			out[0] = '\0';
			return 0;
		}
	}
	if (*p != '/')
		return 400;
	for (; *p != '\0' && *p != '?' && *p != '#'; p++) {
		c = (unsigned char)*p;
		if (c == '%') {
			if ((hi = hexval(p[1])) == -1 || (lo = hexval(p[2])) == -1)
				return 400;
			c = hi << 4 | lo;
			p += 2;
			/* An encoded NUL ends the string early; encoded separators smuggle "..". */
			if (c == 0)
				return 400;
			if (c == '/' || c == '\\')
				return 404;
		}
		/* Control bytes, literal or encoded, never reach a path, log or event. */
		if (c < 0x20 || c == 0x7f)
			return 400;
		if (n + 1 >= outsz)
			return 404;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	if (n == 1 && out[0] == '/') {
		out[0] = '\0';
		return 0;
	}
	/* Strips the leading /; rejects empty, "." and ".." parts ("\" counts as "/"). */
	if (nb_path_clean(out) == -1)
		return 404;
	return 0;
}

int
http_resolve(const char *root, const char *relpath, char **out)
{
	char		 rroot[PATH_MAX], rpath[PATH_MAX], joined[PATH_MAX];
	struct stat	 st;
	size_t		 rlen;
	int		 n;

	*out = NULL;
	if (realpath(root, rroot) == NULL)
		return 404;
	n = snprintf(joined, sizeof(joined), "%s/%s", rroot, relpath);
	if (n < 0 || (size_t)n >= sizeof(joined))
		return 404;
	if (realpath(joined, rpath) == NULL)
		return errno == EACCES ? 403 : 404;
	rlen = strlen(rroot);
	/* A symlink may point anywhere: what counts is where it lands. */
	if (strncmp(rpath, rroot, rlen) != 0 || (rpath[rlen] != '/' && rlen > 1))
		return 403;
	/* Dot-files and partial imports (.import-*), asked for or linked to. */
	if (nb_path_hidden(relpath) || nb_path_hidden(rpath + rlen))
		return 404;
	if (stat(rpath, &st) == -1)
		return 404;
	if (!S_ISREG(st.st_mode))
		return 404;
	*out = xstrdup(rpath);
	return 0;
}

/* Count a reply and set up its connection for sending. */
static void
http_account(struct bw_req *r, int code, off_t len)
{
	struct bootweb	*bw = r->bw;

	r->status = code;
	bw->nreq++;
	bw->nstatus[code / 100 < 6 ? code / 100 : 0]++;
	if (!r->head && code < 300)
		bw->nbytes += (unsigned long long)len;
	/* Stopping: this reply is the connection's last. */
	if (bw->stopping)
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Connection", "close");
	conn_sending(bw, r->req);
	evhttp_request_set_on_complete_cb(r->req, conn_sent,
	    r->req_boot ? &bw->boot : &bw->adm);
}

/* Count and send; the one place every whole reply goes through. */
static void
http_reply(struct bw_req *r, int code, struct evbuffer *body, off_t len)
{
	http_account(r, code, len);
	evhttp_send_reply(r->req, code, http_reason(code), r->head ? NULL : body);
}

static void
http_set_length(struct bw_req *r, off_t len)
{
	char	 num[32];

	snprintf(num, sizeof(num), "%lld", (long long)len);
	evhttp_remove_header(evhttp_request_get_output_headers(r->req), "Content-Length");
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Length", num);
}

void
http_stream_start(struct bw_req *r, const char *type, off_t len)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Content-Type", type);
	http_set_length(r, len);
	http_account(r, 200, len);
	/* With a Content-Length evhttp sends the pieces as they are. */
	evhttp_send_reply_start(r->req, 200, http_reason(200));
}

void
http_send_mem(struct bw_req *r, int code, const char *type, const void *body, size_t len)
{
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(r->req);
	struct evbuffer		*evb = evbuffer_new();

	if (evb == NULL)
		fatalx("%s: out of memory", __func__);
	evhttp_add_header(oh, "Content-Type", type);
	http_set_length(r, (off_t)len);
	if (!r->head && len > 0)
		evbuffer_add(evb, body, len);
	http_reply(r, code, evb, (off_t)len);
	evbuffer_free(evb);
}

/* Set header name to value, replacing any value set before. */
void
http_set_header(struct bw_req *r, const char *name, const char *value)
{
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(r->req);

	while (evhttp_remove_header(oh, name) == 0)
		;
	evhttp_add_header(oh, name, value);
}

void
http_send_evb(struct bw_req *r, int code, const char *type, struct evbuffer *evb)
{
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(r->req);
	size_t			 len = evbuffer_get_length(evb);

	evhttp_add_header(oh, "Content-Type", type);
	/* Scripts and unattended files change with the database: never cache them. */
	http_set_header(r, "Cache-Control", "no-store");
	http_set_length(r, (off_t)len);
	if (r->head)
		evbuffer_drain(evb, len);
	http_reply(r, code, evb, (off_t)len);
}

void
http_error(struct bw_req *r, int code, const char *fmt, ...)
{
	char	 msg[512];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg) - 1)
		n = (int)sizeof(msg) - 2;
	msg[n++] = '\n';
	msg[n] = '\0';
	http_send_mem(r, code, "text/plain", msg, (size_t)n);
}

void
http_send_json(struct bw_req *r, int code, json_t *o)
{
	char	*s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS), *t;

	xasprintf(&t, "%s\n", s);
	http_send_mem(r, code, "application/json", t, strlen(t));
	free(s);
	free(t);
}

/* A decimal byte position: digits only, no sign, no overflow. */
static int
range_num(const char **p, off_t *v)
{
	const char	*s = *p;
	uint64_t	 n = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (n > (uint64_t)INT64_MAX / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > (uint64_t)INT64_MAX)
			return -1;
	}
	*v = (off_t)n;
	*p = s;
	return 0;
}

/*
 * Parse a Range header against size (RFC 9110 §14.1.2): 1 for a single
 * satisfiable range in [*start, *end], 0 to ignore it (bad syntax, or
 * several ranges, which we may answer with the whole file), -1 when it
 * cannot be satisfied (416).
 */
static int
range_parse(const char *h, off_t size, off_t *start, off_t *end)
{
	const char	*p = h;
	off_t		 a, b;

	while (*p == ' ')
		p++;
	if (strncasecmp(p, "bytes", 5) != 0)
		return 0;
	p += 5;
	while (*p == ' ')
		p++;
	if (*p++ != '=')
		return 0;
	while (*p == ' ')
		p++;
	if (strchr(p, ',') != NULL)
		return 0;
	if (*p == '-') {
		p++;
		if (range_num(&p, &b) == -1 || *p != '\0')
			return 0;
		if (b == 0 || size == 0)
			return -1;
		*start = b >= size ? 0 : size - b;
		*end = size - 1;
		return 1;
	}
	if (range_num(&p, &a) == -1 || *p++ != '-')
		return 0;
	if (*p == '\0')
		b = size - 1;
	else if (range_num(&p, &b) == -1 || *p != '\0' || b < a)
		return 0;
	if (a >= size)
		return -1;
	*start = a;
	*end = b >= size ? size - 1 : b;
	return 1;
}

void
http_send_range(struct bw_req *r, int fd, off_t off, off_t size, time_t mtime, const char *type)
{
	struct evkeyvalq	*ih = evhttp_request_get_input_headers(r->req);
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(r->req);
	struct evbuffer		*evb = NULL;
	const char		*range, *ifrange;
	char			 etag[64], lastmod[64], cr[96];
	struct tm		 tm;
	off_t			 start = 0, end = size - 1, len = size;
	int			 code = 200, rc, tls;

	/* The validator covers where the bytes come from, so an ISO's inner files differ. */
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx\"", (unsigned long long)mtime,
	    (unsigned long long)size, (unsigned long long)off);
	gmtime_r(&mtime, &tm);
	strftime(lastmod, sizeof(lastmod), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	evhttp_add_header(oh, "Content-Type", type);
	evhttp_add_header(oh, "Accept-Ranges", "bytes");
	evhttp_add_header(oh, "ETag", etag);
	evhttp_add_header(oh, "Last-Modified", lastmod);

	range = evhttp_find_header(ih, "Range");
	ifrange = evhttp_find_header(ih, "If-Range");
	/* If-Range: a range only if the client's copy is still this one (§13.1.5). */
	if (range != NULL && ifrange != NULL && strcmp(ifrange, etag) != 0 &&
	    strcmp(ifrange, lastmod) != 0)
		range = NULL;
	if (range != NULL && r->method != EVHTTP_REQ_POST) {
		if ((rc = range_parse(range, size, &start, &end)) == -1) {
			close(fd);
			snprintf(cr, sizeof(cr), "bytes */%lld", (long long)size);
			evhttp_add_header(oh, "Content-Range", cr);
			http_set_length(r, 0);
			http_reply(r, 416, NULL, 0);
			return;
		}
		if (rc == 1) {
			code = 206;
			len = end - start + 1;
			snprintf(cr, sizeof(cr), "bytes %lld-%lld/%lld", (long long)start,
			    (long long)end, (long long)size);
			evhttp_add_header(oh, "Content-Range", cr);
		} else
			start = 0;
	}
	http_set_length(r, len);
	if (r->head || len == 0) {
		close(fd);
		http_reply(r, code, NULL, len);
		return;
	}
	/*
	 * sendfile(2) from fd, never read into memory; the evbuffer closes fd.
	 * libevent makes a sendfile chain only in a buffer that drains to a
	 * descriptor; in any other it maps the file and the socket gets
	 * copies (bootweb held 2 GB of mapped initrds in a boot storm).
	 */
	/* Over TLS (the admin plane's) the bytes go through OpenSSL: no sendfile. */
	tls = !r->req_boot && r->bw->adm.pl_tls != NULL;
	if ((evb = evbuffer_new()) == NULL ||
	    (!tls && evbuffer_set_flags(evb, EVBUFFER_FLAG_DRAINS_TO_FD) == -1) ||
	    evbuffer_add_file(evb, fd, off + start, len) == -1) {
		log_warnx("cannot queue %lld bytes of a file", (long long)len);
		close(fd);
		if (evb != NULL)
			evbuffer_free(evb);
		evhttp_remove_header(oh, "Content-Range");
		http_error(r, 500, "cannot send the file");
		return;
	}
	http_reply(r, code, evb, len);
	evbuffer_free(evb);
}

int
http_send_path(struct bw_req *r, const char *path, const char *type)
{
	struct stat	 pre, st;
	const char	*why;
	int		 fd;

	/* The database is refused unopened: closing it would drop our locks. */
	if (stat(path, &pre) == -1)
		return errno == EACCES ? 403 : 404;
	if (nb_db_own_file(nb_daemon_dbpath(r->bw->d), &pre)) {
		log_warnx("refused %s to %s: it is the database or a journal "
		    "of it", path, r->ip);
		return 404;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) == -1)
		return errno == EACCES ? 403 : 404;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_dev != pre.st_dev || st.st_ino != pre.st_ino) {
		close(fd);
		return 404;
	}
	/* Whatever the route or name: never a backup, a copy, a journal. */
	if ((why = nb_db_file_kind(fd)) != NULL) {
		log_warnx("refused %s to %s: it is %s", path, r->ip, why);
		close(fd);
		return 404;
	}
	http_send_range(r, fd, 0, st.st_size, st.st_mtime, type);
	return 0;
}
