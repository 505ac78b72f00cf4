/*
 * api.c: the admin API's mechanics (issue 13; bootweb(8) ADMIN API):
 * who is calling (a bearer token or a browser session with its CSRF
 * token), whether its role may use the route, JSON request bodies, the
 * error document, ETags, and the login, whose yescrypt call runs on a
 * worker thread so that the event loop never waits for it.
 *
 * Every action calls the libnetboot function bootctl calls (api-*.c);
 * nothing here decides what a client, a user or a setting may be.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "hash.h"
#include "job.h"
#include "upload.h"
#include "xmalloc.h"

#define API_LOGINS	2	/* yescrypt calls at once (16 MiB each) */
#define API_COOKIE	"nb_session"

/* A login handed to a worker thread, back through the pipe. */
struct api_login {
	struct bootweb			*bw;
	struct evhttp_request		*req;
	struct evhttp_connection	*evcon;
	char				*dbpath;
	char				 ip[INET6_ADDRSTRLEN];
	char				*user, *pw;
	int				 rc;
	int64_t				 retry;
	struct nb_auth			 auth;
	int				 dead;	/* the connection closed */
	struct api_login		*next;
};

static struct {
	int			 pipe[2];
	struct event		*ev;
	int			 nrunning;
	struct api_login	*running;	/* list, for api_conn_closed */
} logins = { { -1, -1 }, NULL, 0, NULL };

static const struct {
	int		 status;
	const char	*code;
} codes[] = {
	{ 400, "bad_request" }, { 401, "unauthorized" }, { 403, "forbidden" },
	{ 404, "not_found" }, { 405, "method_not_allowed" },
	{ 409, "conflict" }, { 412, "precondition_failed" },
	{ 413, "payload_too_large" }, { 415, "unsupported_media_type" },
	{ 422, "invalid" }, { 429, "too_many_requests" },
	{ 500, "internal" }, { 503, "unavailable" },
};

const char *
api_code(int status)
{
	size_t	 i;

	for (i = 0; i < nitems(codes); i++)
		if (codes[i].status == status)
			return codes[i].code;
	return "error";
}

void
api_send(struct bw_req *r, int code, json_t *o)
{
	http_set_header(r, "Cache-Control", "no-store");
	http_send_json(r, code, o);
	json_decref(o);
}

int
api_dberr(struct bw_req *r, int rc)
{
	const char	*msg = nb_db_errmsg(r->bw->d->db);

	switch (rc) {
	case NB_NOTFOUND:
		return bw_fail(r, 404, "%s", msg);
	case NB_EXISTS:
	case NB_INUSE:
		return bw_fail(r, 409, "%s", msg);
	case NB_INVALID:
		return bw_fail(r, 422, "%s", msg);
	case NB_BUSY:
		return bw_fail(r, 503, "the database is busy: %s", msg);
	}
	log_warnx("%s: /%s: %s", __func__, r->path, msg);
	return bw_fail(r, 500, "%s", msg);
}

const char *
api_query(struct bw_req *r, struct evkeyvalq *q, const char *key)
{
	if (r->query == NULL)
		return NULL;
	if (TAILQ_EMPTY(q) && evhttp_parse_query_str(r->query, q) == -1)
		return NULL;
	return evhttp_find_header(q, key);
}

int
api_body(struct bw_req *r, json_t **out)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(r->req);
	const char	*type;
	json_error_t	 jerr;
	size_t		 len = evbuffer_get_length(in);
	json_t		*o;

	*out = NULL;
	if (len > API_MAX_BODY)
		return bw_fail(r, 413, "the body is over %d bytes",
		    API_MAX_BODY);
	type = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Content-Type");
	if (type == NULL || strncasecmp(type, "application/json", 16) != 0 ||
	    (type[16] != '\0' && type[16] != ';' && type[16] != ' '))
		return bw_fail(r, 415, "the body must be application/json");
	o = json_loadb((const char *)evbuffer_pullup(in, -1), len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL)
		return bw_fail(r, 400, "bad JSON: %s (line %d)", jerr.text,
		    jerr.line);
	if (!json_is_object(o)) {
		json_decref(o);
		return bw_fail(r, 400, "the body must be a JSON object");
	}
	*out = o;
	return 0;
}

int
api_str(struct bw_req *r, json_t *o, const char *key, const char **out)
{
	json_t	*v = json_object_get(o, key);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (json_is_null(v)) {
		*out = "";
		return 0;
	}
	if (!json_is_string(v))
		return bw_fail(r, 422, "%s must be a string", key);
	*out = json_string_value(v);
	return 0;
}

/* The ETag of o: a hash of its compact JSON, not a secret. */
void
api_etag(json_t *o, char out[API_ETAG_LEN])
{
	char		*s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t	 h = nb_hash64_str(s);

	free(s);
	snprintf(out, API_ETAG_LEN, "\"%016llx\"", (unsigned long long)h);
}

int
api_if_match(struct bw_req *r, json_t *current)
{
	const char	*want;
	char		 etag[API_ETAG_LEN];

	want = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "If-Match");
	if (want == NULL || strcmp(want, "*") == 0)
		return 0;
	api_etag(current, etag);
	if (strstr(want, etag) == NULL)
		return bw_fail(r, 412, "the resource changed (ETag %s, "
		    "If-Match %s)", etag, want);
	return 0;
}

void
api_send_etag(struct bw_req *r, int code, json_t *o)
{
	char	 etag[API_ETAG_LEN];

	api_etag(o, etag);
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "ETag",
	    etag);
	api_send(r, code, o);
}

/* The value of cookie name in the Cookie header, into out; -1 if none. */
static int
api_cookie(struct bw_req *r, const char *name, char *out, size_t outsz)
{
	const char	*h, *p;
	size_t		 nlen = strlen(name), vlen;

	h = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Cookie");
	for (p = h; p != NULL && *p != '\0'; p += strcspn(p, ";")) {
		p += strspn(p, "; ");
		if (strncmp(p, name, nlen) != 0 || p[nlen] != '=')
			continue;
		p += nlen + 1;
		vlen = strcspn(p, "; ");
		if (vlen == 0 || vlen >= outsz)
			return -1;
		memcpy(out, p, vlen);
		out[vlen] = '\0';
		return 0;
	}
	return -1;
}

/* Whether ip is in the metrics.allow list (addresses, commas or blanks). */
static int
api_metrics_open(struct bw_req *r)
{
	const char	*list, *p;
	size_t		 len, iplen = strlen(r->ip);

	cache_refresh(r->bw);
	if ((list = cache_setting(r->bw, NB_S_METRICS_ALLOW)) == NULL)
		return 0;
	for (p = list; *p != '\0'; p += len) {
		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len == iplen && strncmp(p, r->ip, len) == 0)
			return 1;
		/* An IPv4 peer on a dual-stack socket: ::ffff:a.b.c.d. */
		if (iplen > 7 && strncmp(r->ip, "::ffff:", 7) == 0 &&
		    len == iplen - 7 && strncmp(p, r->ip + 7, len) == 0)
			return 1;
	}
	return 0;
}

static int
api_unauth(struct bw_req *r, const char *why)
{
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "WWW-Authenticate", "Bearer realm=\"netboot\"");
	return bw_fail(r, 401, "%s", why);
}

int
api_auth(struct bw_req *r, int flags)
{
	struct nb_db		*db = r->bw->d->db;
	struct evkeyvalq	*ih = evhttp_request_get_input_headers(r->req);
	struct nb_auth		 a;
	enum nb_role		 need = NB_ROLE_VIEWER;
	const char		*h, *csrf, *site;
	char			 sid[NB_APITOKEN_STRLEN + 8];
	int			 safe;

	if (flags & BW_RT_ADMINROLE)
		need = NB_ROLE_ADMIN;
	else if (flags & BW_RT_OPER)
		need = NB_ROLE_OPERATOR;
	if ((flags & BW_RT_METRICS) && api_metrics_open(r))
		return 0;
	memset(&a, 0, sizeof(a));
	safe = r->method == EVHTTP_REQ_GET || r->method == EVHTTP_REQ_HEAD;
	if ((h = evhttp_find_header(ih, "Authorization")) != NULL) {
		if (strncasecmp(h, "Bearer ", 7) != 0)
			return api_unauth(r, "Authorization must be Bearer");
		h += 7;
		h += strspn(h, " ");
		if (nb_token_auth(db, h, nb_now(), &a) != NB_OK)
			return api_unauth(r, "unknown or expired token");
	} else if (api_cookie(r, API_COOKIE, sid, sizeof(sid)) == 0) {
		/*
		 * A session serves the UI's own pages only. SameSite=Strict
		 * still sends the cookie from another port of this host (the
		 * boot plane is same-site), so a request the browser marks
		 * as from another origin is refused (Fetch Metadata).
		 */
		site = evhttp_find_header(ih, "Sec-Fetch-Site");
		if (site != NULL && strcmp(site, "same-origin") != 0 &&
		    strcmp(site, "none") != 0)
			return bw_fail(r, 403, "a session is only good from "
			    "this server's own pages (Sec-Fetch-Site: %s)",
			    strcmp(site, "same-site") == 0 ? "same-site" :
			    "cross-site");
		if (nb_session_auth(db, sid, nb_now(), &a) != NB_OK)
			return api_unauth(r, "the session ended; log in again");
		csrf = evhttp_find_header(ih, "X-CSRF-Token");
		if (!safe && (csrf == NULL ||
		    !nb_session_csrf_check(db, sid, csrf)))
			return bw_fail(r, 403, "a session's %s needs its "
			    "X-CSRF-Token", bw_method_name(r->method));
		strlcpy(r->sid, sid, sizeof(r->sid));
	} else
		return api_unauth(r, "credentials needed (Authorization: "
		    "Bearer, or a session from POST /api/v1/login)");
	strlcpy(r->user, a.user, sizeof(r->user));
	r->role = a.role;
	if (a.role < need)
		return bw_fail(r, 403, "%s needs the %s role; %s has %s",
		    bw_method_name(r->method), nb_role_name(need), a.user,
		    nb_role_name(a.role));
	return 0;
}

/*
 * What every reply of the admin plane carries, its errors too: it is
 * never stored by a browser or a proxy (www.c lets the UI's static files
 * revalidate instead), and never sniffed into another type.
 */
void
api_headers(struct bw_req *r)
{
	http_set_header(r, "Cache-Control", "no-store");
	http_set_header(r, "X-Content-Type-Options", "nosniff");
}

int
api_health(struct bw_req *r, const char *rest)
{
	api_send(r, 200, json_pack("{s:s, s:s}", "status", "ok",
	    "version", PACKAGE_VERSION));
	return 0;
}

int
api_notfound(struct bw_req *r, const char *rest)
{
	if (strncmp(r->path, "api/", 4) == 0)
		r->json = 1;
	return bw_fail(r, 404, "no such resource: /%s", r->path);
}

/* The worker: one yescrypt, on a connection of its own. */
static void *
api_login_thread(void *arg)
{
	struct api_login	*l = arg;
	struct nb_db		*db;
	char			 err[256];

	if (nb_db_open(l->dbpath, 0, &db, err, sizeof(err)) != NB_OK) {
		log_warnx("login: %s", err);
		l->rc = NB_ERR;
	} else {
		nb_db_busy_timeout(db, 5000);
		l->rc = nb_login(db, "bootweb", l->ip, l->user, l->pw,
		    nb_now(), &l->auth, &l->retry);
		nb_db_close(db);
	}
	explicit_bzero(l->pw, strlen(l->pw));
	if (write(logins.pipe[1], &l, sizeof(l)) != sizeof(l))
		log_warn("login: cannot hand back");
	return NULL;
}

static void
api_login_free(struct api_login *l)
{
	struct api_login	**pp;

	for (pp = &logins.running; *pp != NULL; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	logins.nrunning--;
	free(l->dbpath);
	free(l->user);
	free(l->pw);
	free(l);
}

/* A login is done: a session and its cookie, or the failure. */
static void
api_login_done(struct api_login *l)
{
	struct bw_req	 r;
	struct nb_db	*db = l->bw->d->db;
	char		 sid[NB_APITOKEN_STRLEN], csrf[NB_CSRF_STRLEN];
	char		 cookie[NB_APITOKEN_STRLEN + 128], num[32];
	int		 code = 0;

	memset(&r, 0, sizeof(r));
	r.bw = l->bw;
	r.req = l->req;
	r.method = EVHTTP_REQ_POST;
	r.json = 1;
	strlcpy(r.path, "api/v1/login", sizeof(r.path));
	strlcpy(r.ip, l->ip, sizeof(r.ip));
	if (l->rc == NB_BUSY && l->retry > 0) {
		snprintf(num, sizeof(num), "%lld", (long long)l->retry);
		evhttp_add_header(evhttp_request_get_output_headers(r.req),
		    "Retry-After", num);
		code = bw_fail(&r, 429, "too many failed logins; retry in "
		    "%s s", num);
	} else if (l->rc == NB_NOTFOUND)
		code = bw_fail(&r, 401, "wrong user name or password");
	else if (l->rc != NB_OK)
		code = bw_fail(&r, 503, "cannot log in now");
	else if (nb_session_create(db, l->auth.user, NB_SESSION_IDLE,
	    NB_SESSION_MAX, nb_now(), sid) != NB_OK ||
	    nb_session_csrf(db, sid, csrf) != NB_OK)
		code = api_dberr(&r, NB_ERR);
	if (code != 0) {
		bw_abort(&r, code);
		return;
	}
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/api/; HttpOnly; "
	    "SameSite=Strict; Max-Age=%d%s", API_COOKIE, sid, NB_SESSION_MAX,
	    l->bw->adm.pl_tls != NULL ? "; Secure" : "");
	evhttp_add_header(evhttp_request_get_output_headers(r.req),
	    "Set-Cookie", cookie);
	log_info("%s logged in from %s", l->auth.user, l->ip);
	api_send(&r, 200, json_pack("{s:s, s:s, s:s}", "user", l->auth.user,
	    "role", nb_role_name(l->auth.role), "csrf_token", csrf));
}

static void
api_login_cb(evutil_socket_t fd, short events, void *arg)
{
	struct api_login	*l;

	while (read(fd, &l, sizeof(l)) == sizeof(l)) {
		if (!l->dead)
			api_login_done(l);
		api_login_free(l);
	}
}

int
api_login(struct bw_req *r, const char *rest)
{
	struct api_login	*l;
	pthread_t		 t;
	pthread_attr_t		 attr;
	const char		*user, *pw;
	json_t			*o;
	int			 code;

	if ((code = api_body(r, &o)) != 0)
		return code;
	if ((code = api_str(r, o, "user", &user)) != 0 ||
	    (code = api_str(r, o, "password", &pw)) != 0)
		goto done;
	if (user == NULL || pw == NULL || *user == '\0') {
		code = bw_fail(r, 422, "user and password are needed");
		goto done;
	}
	if (logins.nrunning >= API_LOGINS) {
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Retry-After", "1");
		code = bw_fail(r, 429, "logins are busy; retry in 1 s");
		goto done;
	}
	l = xcalloc(1, sizeof(*l));
	l->bw = r->bw;
	l->req = r->req;
	l->evcon = evhttp_request_get_connection(r->req);
	l->dbpath = xstrdup(nb_daemon_dbpath(r->bw->d));
	strlcpy(l->ip, r->ip, sizeof(l->ip));
	if (strncmp(l->ip, "::ffff:", 7) == 0)
		memmove(l->ip, l->ip + 7, strlen(l->ip + 7) + 1);
	l->user = xstrdup(user);
	l->pw = xstrdup(pw);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, api_login_thread, l) != 0) {
		pthread_attr_destroy(&attr);
		free(l->dbpath);
		free(l->user);
		free(l->pw);
		free(l);
		code = bw_fail(r, 503, "cannot log in now");
		goto done;
	}
	pthread_attr_destroy(&attr);
	l->next = logins.running;
	logins.running = l;
	logins.nrunning++;
	/* The reply goes from api_login_done. */
done:
	json_decref(o);
	return code;
}

int
api_logout(struct bw_req *r, const char *rest)
{
	char	 cookie[128];

	if (r->sid[0] == '\0')
		return bw_fail(r, 400, "no session to end (a token is "
		    "revoked with DELETE /api/v1/tokens/ID)");
	if (nb_session_revoke(r->bw->d->db, r->sid) != NB_OK)
		return api_dberr(r, NB_NOTFOUND);
	snprintf(cookie, sizeof(cookie), "%s=; Path=/api/; HttpOnly; "
	    "SameSite=Strict; Max-Age=0%s", API_COOKIE,
	    r->bw->adm.pl_tls != NULL ? "; Secure" : "");
	evhttp_add_header(evhttp_request_get_output_headers(r->req),
	    "Set-Cookie", cookie);
	log_info("%s logged out", r->user);
	api_send(r, 200, json_pack("{s:b}", "ok", 1));
	return 0;
}

void
api_conn_closed(struct bootweb *bw, struct evhttp_connection *evcon)
{
	struct api_login	*l;

	for (l = logins.running; l != NULL; l = l->next)
		if (l->evcon == evcon)
			l->dead = 1;
	sse_conn_closed(bw, evcon);
}

void
api_init(struct bootweb *bw)
{
	if (pipe2(logins.pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe");
	logins.ev = event_new(bw->d->base, logins.pipe[0],
	    EV_READ | EV_PERSIST, api_login_cb, bw);
	if (logins.ev == NULL || event_add(logins.ev, NULL) == -1)
		fatalx("cannot watch the login pipe");
	sse_init(bw);
	job_init(bw);
	upload_init(bw->d->base);
	api_upload_init(bw);
}

void
api_free(struct bootweb *bw)
{
	sse_free(bw);
	job_free();
	upload_free();
	if (logins.ev != NULL)
		event_free(logins.ev);
	logins.ev = NULL;
}
