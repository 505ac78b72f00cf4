/*
 * fuzz-http.c: what bootweb makes of a request (bootweb/http.c compiled
 * in, for its static range parser). The input is the bytes a client
 * sends: libevent parses the request line and headers as evhttp does,
 * then the target is decoded and resolved under a scratch root holding
 * symlinks that lead out of it, the Range header is parsed against files
 * of several sizes, and the query is read as GET /boot reads it (a MAC
 * and the inventory, cleaned as the database stores it). Whatever the
 * input, the target and the Range header also go through the decoders
 * on their own.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/stat.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../bootweb/http.c"

#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include "fuzz.h"

/*
 * libevent's own parsers of a request's first line and headers: exported
 * by libevent 2.1 for its regression tests, declared in its private
 * http-internal.h; they return 1 when the part is complete.
 */
int	evhttp_parse_firstline_(struct evhttp_request *, struct evbuffer *);
int	evhttp_parse_headers_(struct evhttp_request *, struct evbuffer *);

/* http.c's references to conn.c: never reached, no reply is sent. */
void
conn_sending(struct bootweb *bw, struct evhttp_request *req)
{
	abort();
}

void
conn_sent(struct evhttp_request *req, void *arg)
{
	abort();
}

const char *const fuzz_tokens[] = {
	"GET ", "HEAD ", "POST ", " HTTP/1.1\r\n", "\r\n", "Range: bytes=",
	"If-Range: ", "Host: ", "%2e", "%2f", "%00", "%5c", "/..", "/.",
	"?mac=", "&serial=", "&uuid=", "52:54:00:12:34:56", "/boot", "/data/",
	"/out/", "/in", "/up/", NULL
};

static char	 root[PATH_MAX], rroot[PATH_MAX];

static void
root_remove(void)
{
	static const char *const names[] = { "a.efi", "dir/b.cfg", "out",
	    "up", "loop", "in", "dir/esc", "dir" };
	char	 p[PATH_MAX + 16];
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", root, names[i]);
		if (unlink(p) == -1)
			rmdir(p);
	}
	rmdir(root);
}

/* A document root with files and symlinks that point out of it. */
static void
root_make(void)
{
	const char	*tmp = getenv("TMPDIR");
	char		 p[PATH_MAX + 16];
	FILE		*f;

	snprintf(root, sizeof(root), "%s/fuzz-http.XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	fuzz_check(mkdtemp(root) != NULL && realpath(root, rroot) != NULL,
	    "a scratch root");
	atexit(root_remove);
	snprintf(p, sizeof(p), "%s/dir", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/a.efi", root);
	if ((f = fopen(p, "w")) != NULL)
		fclose(f);
	snprintf(p, sizeof(p), "%s/dir/b.cfg", root);
	if ((f = fopen(p, "w")) != NULL)
		fclose(f);
	snprintf(p, sizeof(p), "%s/out", root);
	symlink("/etc", p);
	snprintf(p, sizeof(p), "%s/up", root);
	symlink("..", p);
	snprintf(p, sizeof(p), "%s/loop", root);
	symlink("loop", p);
	snprintf(p, sizeof(p), "%s/in", root);
	symlink("a.efi", p);
	snprintf(p, sizeof(p), "%s/dir/esc", root);
	symlink("../../", p);
}

/* http_path_decode, then http_resolve when it decodes. */
static void
fuzz_path(const char *target)
{
	char	 path[BW_PATHLEN], *seg, *copy, *out, *save;
	size_t	 i;

	if (http_path_decode(target, path, sizeof(path)) != 0)
		return;
	fuzz_check(strlen(path) < sizeof(path), "a decoded path fits");
	fuzz_check(path[0] != '/' && strstr(path, "//") == NULL,
	    "no empty part");
	/*
	 * Encoded control bytes (%0a, %7f) pass http_path_decode today: not
	 * checked.
	 */
	for (i = 0; path[i] != '\0'; i++)
		fuzz_check(path[i] != '\\', "no backslash");
	copy = strdup(path);
	for (seg = strtok_r(copy, "/", &save); seg != NULL;
	    seg = strtok_r(NULL, "/", &save))
		fuzz_check(strcmp(seg, ".") != 0 && strcmp(seg, "..") != 0,
		    "no . or .. part");
	free(copy);
	http_content_type(path);
	if (http_resolve(root, path, &out) == 0) {
		fuzz_check(strncmp(out, rroot, strlen(rroot)) == 0 &&
		    out[strlen(rroot)] == '/',
		    "a resolved path stays under its root");
		free(out);
	}
}

/*
 * range_parse against files of several sizes: a range it grants lies inside the
 * file.
 */
static void
fuzz_range(const char *h)
{
	static const off_t sizes[] = { 0, 1, 100, 4096, (off_t)1 << 40,
	    INT64_MAX };
	off_t	 start, end;
	size_t	 i;
	int	 rc;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		start = end = -7;
		rc = range_parse(h, sizes[i], &start, &end);
		fuzz_check(rc >= -1 && rc <= 1,
		    "range_parse returns -1, 0 or 1");
		if (rc == 1)
			fuzz_check(start >= 0 && start <= end && end < sizes[i],
			    "a granted range lies inside the file");
	}
}

/* Clean text as the database stores it: no control byte, bounded. */
static void
check_clean(const char *v)
{
	const unsigned char	*p;

	fuzz_check(strlen(v) <= NB_CLIENT_TEXT_MAX,
	    "a stored value is bounded");
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		fuzz_check(*p >= 0x20 && *p != 0x7f,
		    "a stored value has no control byte");
}

/*
 * The query as GET /boot reads it (bootweb/script.c): a MAC, and the
 * inventory as nb_client_set_inventory stores it, cleaned.
 */
static void
fuzz_query(const char *q)
{
	static const char *const inv[] = { "uuid", "serial", "manufacturer",
	    "product", "platform", "buildarch", "memsize", "asset", "ip" };
	struct evkeyvalq	 kv;
	struct evkeyval		*e;
	const char		*v, *k;
	char			 mac[NB_MACSTR_LEN];
	char			 buf[NB_CLIENT_TEXT_MAX + 1];
	json_t			*o, *clean, *jv;
	size_t			 i;

	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(q, &kv) == -1) {
		evhttp_clear_headers(&kv);
		return;
	}
	if ((v = evhttp_find_header(&kv, "mac")) != NULL &&
	    nb_mac_canon(v, mac) == 0)
		fuzz_check(strlen(mac) == NB_MACSTR_LEN - 1, "a canonical MAC");
	o = json_object();
	for (i = 0; i < sizeof(inv) / sizeof(inv[0]); i++)
		if ((v = evhttp_find_header(&kv, inv[i])) != NULL)
			json_object_set_new(o, inv[i],
			    json_stringn(v, strlen(v)));
	/* Any other key too: the cleaning bounds keys and their number. */
	TAILQ_FOREACH(e, &kv, next) {
		check_clean(nb_client_text(e->value, buf));
		if (strcmp(e->key, "mac") != 0)
			json_object_set_new(o, e->key, json_stringn(e->value,
			    strlen(e->value)));
	}
	clean = nb_client_inventory_clean(o);
	fuzz_check(clean != NULL && json_is_object(clean), "a clean inventory");
	fuzz_check(json_object_size(clean) <= NB_INVENTORY_MAX,
	    "inventory keys bounded");
	json_object_foreach(clean, k, jv) {
		fuzz_check(strlen(k) <= NB_INVENTORY_KEY_MAX,
		    "an inventory key is bounded");
		check_clean(k);
		if (json_is_string(jv))
			check_clean(json_string_value(jv));
	}
	json_decref(clean);
	json_decref(o);
	evhttp_clear_headers(&kv);
}

/* An absolute-form target's parts (RFC 9112 §3.2.2). */
static void
fuzz_uri(const char *target)
{
	struct evhttp_uri	*u;

	if ((u = evhttp_uri_parse_with_flags(target,
	    EVHTTP_URI_NONCONFORMANT)) == NULL)
		return;
	evhttp_uri_get_host(u);
	evhttp_uri_get_path(u);
	evhttp_uri_free(u);
}

/* The request as evhttp parses it off the connection. */
static void
fuzz_request(const uint8_t *data, size_t size)
{
	struct evhttp_request	*req = evhttp_request_new(NULL, NULL);
	struct evbuffer		*buf = evbuffer_new();
	struct evkeyvalq	*ih;
	const char		*uri, *q, *range;
	const uint8_t		*sp;

	fuzz_check(req != NULL && buf != NULL, "libevent allocates");
	/*
	 * An absolute-form target makes libevent look its host up among the
	 * server's virtual hosts, which a request without a connection lacks:
	 * such a target goes to the decoders on its own (below) instead.
	 */
	if ((sp = memchr(data, ' ', size)) == NULL || sp + 1 == data + size ||
	    sp[1] != '/')
		goto done;
	req->kind = EVHTTP_REQUEST;
	evbuffer_add(buf, data, size);
	if (evhttp_parse_firstline_(req, buf) != 1 ||
	    evhttp_parse_headers_(req, buf) != 1)
		goto done;
	if ((uri = evhttp_request_get_uri(req)) == NULL)
		goto done;
	fuzz_uri(uri);
	fuzz_path(uri);
	if ((q = strchr(uri, '?')) != NULL)
		fuzz_query(q + 1);
	ih = evhttp_request_get_input_headers(req);
	if ((range = evhttp_find_header(ih, "Range")) != NULL)
		fuzz_range(range);
	evhttp_find_header(ih, "Host");
	evhttp_find_header(ih, "If-Range");
done:
	evhttp_request_free(req);
	evbuffer_free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, *eol, *sp;

	if (root[0] == '\0')
		root_make();
	fuzz_request(data, size);
	/* The first line as a bare target, a Range value and a query. */
	s = fuzz_strndup(data, size);
	if ((eol = strpbrk(s, "\r\n")) != NULL)
		*eol = '\0';
	fuzz_path(s);
	fuzz_range(s);
	fuzz_query(s);
	/* The target of a request line, whatever its form. */
	if ((sp = strchr(s, ' ')) != NULL) {
		sp++;
		if ((eol = strchr(sp, ' ')) != NULL)
			*eol = '\0';
		fuzz_uri(sp);
		fuzz_path(sp);
	}
	free(s);
	return 0;
}
