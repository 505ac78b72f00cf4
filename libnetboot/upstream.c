/*
 * upstream.c: files of the files table that live at an HTTP(S) URL.
 *
 * libcurl's multi interface runs on the daemon's own libevent loop (the
 * pattern of libcurl's docs: CURLMOPT_SOCKETFUNCTION gives one event per
 * socket, CURLMOPT_TIMERFUNCTION one timer, both end in
 * curl_multi_socket_action). No thread: curl's state, the cache and the
 * waiters are touched by one thread only, and a slow upstream costs a
 * socket, never the loop. Name resolution is curl's threaded resolver.
 *
 * A body goes to a temporary file in the cache directory as it arrives
 * (never into memory), is renamed over the cached copy only once it is
 * whole, and every waiter then gets its own descriptor to serve. The
 * cache is keyed by the SHA-256 of the URL; next to each body, NAME.meta
 * holds its validators (ETag, Last-Modified) and when it was last checked.
 * A copy checked within upstream_fresh seconds is served as is; an older
 * one is validated by a conditional GET (If-None-Match, If-Modified-Since),
 * and a 304 serves it again. Requests for one URL share one fetch; at most
 * upstream_max_fetches run, the rest queue. The cache is held to
 * upstream_cache_max bytes by evicting the least recently served bodies.
 *
 * libcurl reads http_proxy, HTTPS_PROXY, ALL_PROXY and NO_PROXY from the
 * environment (not HTTP_PROXY in capitals: CGI sets that from a header),
 * verifies certificates, and is limited to http and https, also across
 * redirects.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/queue.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sha2.h>

#include "log.h"
#include "upstream.h"
#include "xmalloc.h"

#define UP_FRESH	300		/* seconds a copy goes unchecked */
#define UP_CACHE_MAX	(1024LL << 20)	/* bytes of cache */
#define UP_MAX_SIZE	(4096LL << 20)	/* bytes of one file */
#define UP_CONNECT	10		/* seconds to connect */
#define UP_TIMEOUT	600		/* seconds for a whole fetch */
#define UP_FETCHES	4		/* fetches at once */
#define UP_HDRLEN	256		/* an ETag or Last-Modified kept */

struct up_fetch;

struct nb_up_wait {
	TAILQ_ENTRY(nb_up_wait)	 w_entry;
	struct nb_up		*w_up;
	struct up_fetch		*w_fetch;	/* NULL: the cache answers */
	struct event		*w_ev;		/* the cache's answer */
	struct nb_up_result	 w_res;
	nb_up_cb		*w_cb;
	nb_up_progress_cb	*w_progress;	/* NULL: only the whole body */
	void			*w_arg;
};
TAILQ_HEAD(up_waits, nb_up_wait);

/* What NAME.meta says about a cached body. */
struct up_meta {
	char		 etag[UP_HDRLEN];
	char		 lastmod[UP_HDRLEN];
	time_t		 checked;
};

struct up_fetch {
	TAILQ_ENTRY(up_fetch)	 f_entry;
	struct nb_up		*f_up;
	char			*f_url;
	char			 f_host[256];
	char			 f_name[65];	/* SHA-256 of the URL, hex */
	struct up_meta		 f_meta;	/* of the cached copy, if any */
	int			 f_have;	/* a cached copy exists */
	CURL			*f_curl;
	struct curl_slist	*f_hdrs;
	char			 f_tmp[PATH_MAX];
	int			 f_fd;		/* the temporary file */
	int64_t			 f_got;
	int			 f_toobig;
	int			 f_running;
	struct up_waits		 f_waits;
};
TAILQ_HEAD(up_fetches, up_fetch);

struct nb_up {
	struct event_base	*u_base;
	char			*u_dir;
	CURLM			*u_multi;
	struct event		*u_timer;
	struct up_fetches	 u_fetches;	/* running, then queued */
	unsigned int		 u_running;
	/* limits: netboot.conf(5) upstream_* */
	long long		 u_fresh, u_cache_max, u_max_size;
	long			 u_connect, u_timeout;
	unsigned int		 u_max_fetches;
};

/* The socket curl watches, and its event. */
struct up_sock {
	struct event	*s_ev;
};

static void	up_start(struct nb_up *, struct up_fetch *);
static void	up_check_done(struct nb_up *);

/* The cache path of name with suffix ("" or ".meta"). */
static void
up_path(const struct nb_up *u, const char *name, const char *sfx, char *out,
    size_t outsz)
{
	snprintf(out, outsz, "%s/%s%s", u->u_dir, name, sfx);
}

/* mkdir -p of the cache directory (0750: the daemon's user only). */
static int
up_mkdir(const char *dir)
{
	char	 buf[PATH_MAX], *p;

	if (strlcpy(buf, dir, sizeof(buf)) >= sizeof(buf))
		return -1;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, 0750) == -1 && errno != EEXIST ? -1 : 0;
}

/* The host of url for logs and events: never its user, path or query. */
static void
up_host(const char *url, char *out, size_t outsz)
{
	CURLU	*h = curl_url();
	char	*host = NULL;

	strlcpy(out, "?", outsz);
	if (h != NULL && curl_url_set(h, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(h, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		strlcpy(out, host, outsz);
	curl_free(host);
	curl_url_cleanup(h);
}

/* Read NAME.meta; -1 if there is none or it is not ours. */
static int
up_meta_read(const struct nb_up *u, const char *name, const char *url,
    struct up_meta *m)
{
	char	 path[PATH_MAX], line[PATH_MAX + 16], *nl;
	FILE	*fp;
	int	 rc = -1;

	memset(m, 0, sizeof(*m));
	up_path(u, name, ".meta", path, sizeof(path));
	if ((fp = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (strncmp(line, "url ", 4) == 0)
			rc = strcmp(line + 4, url) == 0 ? 0 : -1;
		else if (strncmp(line, "etag ", 5) == 0)
			strlcpy(m->etag, line + 5, sizeof(m->etag));
		else if (strncmp(line, "lastmod ", 8) == 0)
			strlcpy(m->lastmod, line + 8, sizeof(m->lastmod));
		else if (strncmp(line, "checked ", 8) == 0)
			m->checked = (time_t)strtonum(line + 8, 0, LLONG_MAX,
			    NULL);
	}
	fclose(fp);
	return rc;
}

/* Write NAME.meta whole, by rename: a reader sees the old or the new. */
static void
up_meta_write(const struct nb_up *u, const char *name, const char *url,
    const struct up_meta *m)
{
	char	 path[PATH_MAX], tmp[PATH_MAX];
	FILE	*fp;
	int	 fd;

	up_path(u, name, ".meta", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s/.meta-XXXXXX", u->u_dir);
	if ((fd = mkstemp(tmp)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn("%s: %s", __func__, tmp);
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		return;
	}
	fprintf(fp, "url %s\netag %s\nlastmod %s\nchecked %lld\n", url,
	    m->etag, m->lastmod, (long long)m->checked);
	if (fclose(fp) != 0 || rename(tmp, path) == -1) {
		log_warn("%s: %s", __func__, path);
		unlink(tmp);
	}
}

/* Open the cached body of name for a waiter and mark it recently used. */
static int
up_open(const struct nb_up *u, const char *name, struct nb_up_result *res)
{
	struct timespec	 ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	struct stat	 st;
	char		 path[PATH_MAX];
	int		 fd;

	up_path(u, name, "", path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	/* The access time orders eviction, whatever noatime says. */
	(void)futimens(fd, ts);
	res->ok = 1;
	res->fd = fd;
	res->size = st.st_size;
	res->mtime = st.st_mtime;
	return 0;
}

struct up_ent {
	char		 name[72];
	off_t		 size;
	struct timespec	 used;
};

static int
up_ent_cmp(const void *a, const void *b)
{
	const struct up_ent	*x = a, *y = b;

	if (x->used.tv_sec != y->used.tv_sec)
		return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
	return x->used.tv_nsec < y->used.tv_nsec ? -1 :
	    x->used.tv_nsec > y->used.tv_nsec;
}

/*
 * Delete a temporary file no fetch can still be writing (older than
 * upstream_timeout and a minute): what a daemon that died mid-fetch left.
 */
static void
up_stale(const struct nb_up *u, int dfd, const char *name)
{
	struct stat	 st;

	if ((strncmp(name, ".part-", 6) != 0 &&
	    strncmp(name, ".meta-", 6) != 0) ||
	    fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
	    !S_ISREG(st.st_mode) ||
	    time(NULL) - st.st_mtime < u->u_timeout + 60)
		return;
	log_info("upstream cache: deleting %s, left by a fetch that died",
	    name);
	(void)unlinkat(dfd, name, 0);
}

/*
 * Evict the least recently served bodies until the cache holds at most
 * upstream_cache_max bytes. Served descriptors stay valid after unlink.
 */
static void
up_evict(struct nb_up *u)
{
	struct up_ent	*e = NULL;
	struct dirent	*de;
	struct stat	 st;
	size_t		 n = 0, cap = 0, i;
	long long	 total = 0;
	char		 path[PATH_MAX];
	DIR		*dir;
	int		 dfd;

	if ((dir = opendir(u->u_dir)) == NULL)
		return;
	dfd = dirfd(dir);
	while ((de = readdir(dir)) != NULL) {
		up_stale(u, dfd, de->d_name);
		/* bodies only: not NAME.meta, not .part-* or .meta-* */
		if (de->d_name[0] == '.' || strlen(de->d_name) != 64 ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			e = xreallocarray(e, cap, sizeof(*e));
		}
		strlcpy(e[n].name, de->d_name, sizeof(e[n].name));
		e[n].size = st.st_size;
		e[n].used = st.st_atim;
		total += st.st_size;
		n++;
	}
	closedir(dir);
	if (n > 0)
		qsort(e, n, sizeof(*e), up_ent_cmp);
	for (i = 0; i < n && total > u->u_cache_max; i++) {
		up_path(u, e[i].name, "", path, sizeof(path));
		log_info("upstream cache over %lld bytes: evicting %s "
		    "(%lld bytes)", u->u_cache_max, e[i].name,
		    (long long)e[i].size);
		if (unlink(path) == 0)
			total -= e[i].size;
		up_path(u, e[i].name, ".meta", path, sizeof(path));
		unlink(path);
	}
	free(e);
}

/* Answer every waiter of f with res (each its own descriptor), free f. */
static void
up_finish(struct up_fetch *f, const struct nb_up_result *res)
{
	struct nb_up		*u = f->f_up;
	struct nb_up_wait	*w;

	while ((w = TAILQ_FIRST(&f->f_waits)) != NULL) {
		TAILQ_REMOVE(&f->f_waits, w, w_entry);
		w->w_res = *res;
		w->w_res.fd = -1;
		if (res->ok && (w->w_res.fd = fcntl(res->fd, F_DUPFD_CLOEXEC,
		    0)) == -1) {
			w->w_res.ok = 0;
			snprintf(w->w_res.msg, sizeof(w->w_res.msg),
			    "cannot open the cached copy: %s", strerror(errno));
		}
		w->w_fetch = NULL;
		w->w_cb(&w->w_res, w->w_arg);
		free(w);
	}
	TAILQ_REMOVE(&u->u_fetches, f, f_entry);
	if (f->f_running)
		u->u_running--;
	if (f->f_curl != NULL) {
		curl_multi_remove_handle(u->u_multi, f->f_curl);
		curl_easy_cleanup(f->f_curl);
	}
	curl_slist_free_all(f->f_hdrs);
	if (f->f_fd != -1)
		close(f->f_fd);
	if (f->f_tmp[0] != '\0')
		unlink(f->f_tmp);
	free(f->f_url);
	free(f);
}

/* Fail f: one log line, every waiter told why. */
static void
up_fail(struct up_fetch *f, int status, const char *fmt, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
up_fail(struct up_fetch *f, int status, const char *fmt, ...)
{
	struct nb_up_result	 res;
	va_list			 ap;

	memset(&res, 0, sizeof(res));
	res.fd = -1;
	res.status = status;
	strlcpy(res.host, f->f_host, sizeof(res.host));
	va_start(ap, fmt);
	vsnprintf(res.msg, sizeof(res.msg), fmt, ap);
	va_end(ap);
	log_warnx("upstream %s: %s", f->f_host, res.msg);
	up_finish(f, &res);
}

/* Tell streaming waiters how much of a 200 with a known length is here. */
static void
up_progress(struct up_fetch *f)
{
	struct nb_up_progress	 p;
	struct nb_up_wait	*w;
	curl_off_t		 cl = -1;
	long			 code = 0;

	curl_easy_getinfo(f->f_curl, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(f->f_curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	if (code != 200 || cl < 0)
		return;
	p.fd = f->f_fd;
	p.have = f->f_got;
	p.total = cl;
	TAILQ_FOREACH(w, &f->f_waits, w_entry)
		if (w->w_progress != NULL)
			w->w_progress(&p, w->w_arg);
}

/* Body bytes: to the temporary file, within upstream_max_size. */
static size_t
up_write(char *p, size_t sz, size_t n, void *arg)
{
	struct up_fetch	*f = arg;
	size_t		 len = sz * n, off = 0;
	ssize_t		 w;

	if (f->f_got + (int64_t)len > f->f_up->u_max_size) {
		f->f_toobig = 1;
		return 0;
	}
	while (off < len) {
		if ((w = write(f->f_fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("upstream %s: writing %s", f->f_host,
			    f->f_tmp);
			return 0;
		}
		off += (size_t)w;
	}
	f->f_got += (int64_t)len;
	up_progress(f);
	return len;
}

/* A header of the reply, if it came, into out. */
static void
up_header(CURL *c, const char *name, char *out, size_t outsz)
{
	struct curl_header	*h;

	out[0] = '\0';
	if (curl_easy_header(c, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK &&
	    strchr(h->value, '\n') == NULL)
		strlcpy(out, h->value, outsz);
}

/* A whole 200: the temporary file becomes the cached copy. */
static void
up_store(struct up_fetch *f)
{
	struct nb_up		*u = f->f_up;
	struct nb_up_result	 res;
	curl_off_t		 cl = -1;
	char			 path[PATH_MAX];

	curl_easy_getinfo(f->f_curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	/* A short body is never a whole file (curl says so too). */
	if (cl >= 0 && cl != f->f_got) {
		up_fail(f, 200, "the body ended after %lld of %lld bytes",
		    (long long)f->f_got, (long long)cl);
		return;
	}
	up_header(f->f_curl, "ETag", f->f_meta.etag, sizeof(f->f_meta.etag));
	up_header(f->f_curl, "Last-Modified", f->f_meta.lastmod,
	    sizeof(f->f_meta.lastmod));
	f->f_meta.checked = time(NULL);
	up_path(u, f->f_name, "", path, sizeof(path));
	if (fsync(f->f_fd) == -1 || rename(f->f_tmp, path) == -1) {
		up_fail(f, 0, "cannot keep the file: %s", strerror(errno));
		return;
	}
	f->f_tmp[0] = '\0';
	up_meta_write(u, f->f_name, f->f_url, &f->f_meta);
	memset(&res, 0, sizeof(res));
	res.fd = -1;
	res.status = 200;
	res.fetched = 1;
	strlcpy(res.host, f->f_host, sizeof(res.host));
	if (up_open(u, f->f_name, &res) == -1) {
		up_fail(f, 0, "the cached copy went away");
		return;
	}
	log_info("upstream %s: fetched %lld bytes", f->f_host,
	    (long long)res.size);
	/* Evict now: a body over the cap goes, its waiters keep their fd. */
	up_evict(u);
	up_finish(f, &res);
	close(res.fd);
}

/* The cached copy is still good (304): served again, checked now. */
static void
up_revalidated(struct up_fetch *f)
{
	struct nb_up_result	 res;

	memset(&res, 0, sizeof(res));
	res.fd = -1;
	res.status = 304;
	strlcpy(res.host, f->f_host, sizeof(res.host));
	if (up_open(f->f_up, f->f_name, &res) == -1) {
		up_fail(f, 304, "not modified, but the cached copy went away");
		return;
	}
	f->f_meta.checked = time(NULL);
	up_meta_write(f->f_up, f->f_name, f->f_url, &f->f_meta);
	up_finish(f, &res);
	close(res.fd);
}

/* A transfer ended: store, revalidate or fail, then start a queued one. */
static void
up_done(struct up_fetch *f, CURLcode cc)
{
	long	 code = 0;

	curl_easy_getinfo(f->f_curl, CURLINFO_RESPONSE_CODE, &code);
	if (f->f_toobig || cc == CURLE_FILESIZE_EXCEEDED)
		up_fail(f, (int)code, "larger than upstream_max_size (%lld "
		    "bytes)", f->f_up->u_max_size);
	else if (cc != CURLE_OK)
		up_fail(f, (int)code, "%s", curl_easy_strerror(cc));
	else if (code == 304 && f->f_have)
		up_revalidated(f);
	else if (code == 200)
		up_store(f);
	else
		up_fail(f, (int)code, "HTTP status %ld", code);
}

/* Collect finished transfers; start queued ones in the free slots. */
static void
up_check_done(struct nb_up *u)
{
	struct up_fetch	*f, *next;
	CURLMsg		*m;
	char		*p;
	int		 left;

	while ((m = curl_multi_info_read(u->u_multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		p = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
		if ((f = (struct up_fetch *)p) != NULL)
			up_done(f, m->data.result);
	}
	for (f = TAILQ_FIRST(&u->u_fetches); f != NULL; f = next) {
		next = TAILQ_NEXT(f, f_entry);
		if (u->u_running >= u->u_max_fetches)
			break;
		if (!f->f_running)
			up_start(u, f);
	}
}

/* libevent: a socket curl watches is ready (or its timeout passed). */
static void
up_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct nb_up	*u = arg;
	int		 flags = 0, running;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(u->u_multi, fd, flags, &running);
	up_check_done(u);
}

/* libevent: curl's timer fired. */
static void
up_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct nb_up	*u = arg;
	int		 running;

	curl_multi_socket_action(u->u_multi, CURL_SOCKET_TIMEOUT, 0, &running);
	up_check_done(u);
}

/* curl: watch s for what (CURL_POLL_*), or stop watching it. */
static int
up_socket(CURL *c, curl_socket_t s, int what, void *uarg, void *sarg)
{
	struct nb_up	*u = uarg;
	struct up_sock	*sk = sarg;
	short		 ev = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (sk != NULL) {
			event_free(sk->s_ev);
			free(sk);
		}
		curl_multi_assign(u->u_multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= EV_WRITE;
	if (sk == NULL) {
		sk = xcalloc(1, sizeof(*sk));
		curl_multi_assign(u->u_multi, s, sk);
	} else
		event_free(sk->s_ev);
	if ((sk->s_ev = event_new(u->u_base, s, ev, up_sock_cb, u)) == NULL ||
	    event_add(sk->s_ev, NULL) == -1)
		fatalx("%s: event_new", __func__);
	return 0;
}

/* curl: call back in ms milliseconds (-1: never). */
static int
up_timer(CURLM *m, long ms, void *arg)
{
	struct nb_up	*u = arg;
	struct timeval	 tv;

	if (ms < 0) {
		evtimer_del(u->u_timer);
		return 0;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(u->u_timer, &tv);
	return 0;
}

/* Set up and add f's transfer: a conditional GET if a copy is cached. */
static void
up_start(struct nb_up *u, struct up_fetch *f)
{
	char	 hdr[UP_HDRLEN + 32];
	CURL	*c;

	f->f_running = 1;
	u->u_running++;
	snprintf(f->f_tmp, sizeof(f->f_tmp), "%s/.part-XXXXXX", u->u_dir);
	if ((f->f_fd = mkostemp(f->f_tmp, O_CLOEXEC)) == -1) {
		f->f_tmp[0] = '\0';
		up_fail(f, 0, "cannot write to the cache: %s", strerror(errno));
		return;
	}
	if ((c = f->f_curl = curl_easy_init()) == NULL) {
		up_fail(f, 0, "curl_easy_init failed");
		return;
	}
	curl_easy_setopt(c, CURLOPT_URL, f->f_url);
	curl_easy_setopt(c, CURLOPT_PRIVATE, f);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, up_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, u->u_connect);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, u->u_timeout);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)u->u_max_size);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "netboot/" PACKAGE_VERSION);
	if (f->f_have && f->f_meta.etag[0] != '\0') {
		snprintf(hdr, sizeof(hdr), "If-None-Match: %s", f->f_meta.etag);
		f->f_hdrs = curl_slist_append(f->f_hdrs, hdr);
	}
	if (f->f_have && f->f_meta.lastmod[0] != '\0') {
		snprintf(hdr, sizeof(hdr), "If-Modified-Since: %s",
		    f->f_meta.lastmod);
		f->f_hdrs = curl_slist_append(f->f_hdrs, hdr);
	}
	if (f->f_hdrs != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, f->f_hdrs);
	log_debug("%s: fetching from %s%s", __func__, f->f_host,
	    f->f_hdrs != NULL ? " (conditional)" : "");
	if (curl_multi_add_handle(u->u_multi, c) != CURLM_OK)
		up_fail(f, 0, "curl_multi_add_handle failed");
}

struct nb_up *
nb_up_new(struct event_base *base, const char *datadir,
    const struct nb_conf *conf)
{
	struct nb_up	*u = xcalloc(1, sizeof(*u));

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init");
	u->u_base = base;
	xasprintf(&u->u_dir, "%s/%s", datadir, NB_UP_CACHE_DIR);
	TAILQ_INIT(&u->u_fetches);
	u->u_fresh = nb_conf_getnum(conf, NULL, "upstream_fresh", UP_FRESH);
	u->u_cache_max = nb_conf_getnum(conf, NULL, "upstream_cache_max",
	    UP_CACHE_MAX >> 20) << 20;
	u->u_max_size = nb_conf_getnum(conf, NULL, "upstream_max_size",
	    UP_MAX_SIZE >> 20) << 20;
	u->u_connect = (long)nb_conf_getnum(conf, NULL,
	    "upstream_connect_timeout", UP_CONNECT);
	u->u_timeout = (long)nb_conf_getnum(conf, NULL, "upstream_timeout",
	    UP_TIMEOUT);
	u->u_max_fetches = (unsigned int)nb_conf_getnum(conf, NULL,
	    "upstream_max_fetches", UP_FETCHES);
	if ((u->u_multi = curl_multi_init()) == NULL ||
	    (u->u_timer = evtimer_new(base, up_timer_cb, u)) == NULL)
		fatalx("%s: curl_multi_init", __func__);
	curl_multi_setopt(u->u_multi, CURLMOPT_SOCKETFUNCTION, up_socket);
	curl_multi_setopt(u->u_multi, CURLMOPT_SOCKETDATA, u);
	curl_multi_setopt(u->u_multi, CURLMOPT_TIMERFUNCTION, up_timer);
	curl_multi_setopt(u->u_multi, CURLMOPT_TIMERDATA, u);
	return u;
}

void
nb_up_free(struct nb_up *u)
{
	struct up_fetch		*f;
	struct nb_up_wait	*w;

	if (u == NULL)
		return;
	while ((f = TAILQ_FIRST(&u->u_fetches)) != NULL) {
		while ((w = TAILQ_FIRST(&f->f_waits)) != NULL) {
			TAILQ_REMOVE(&f->f_waits, w, w_entry);
			free(w);
		}
		up_fail(f, 0, "stopping");
	}
	curl_multi_cleanup(u->u_multi);
	event_free(u->u_timer);
	free(u->u_dir);
	free(u);
}

/* The cache's answer, one loop pass after nb_up_get. */
static void
up_cached_cb(evutil_socket_t fd, short what, void *arg)
{
	struct nb_up_wait	*w = arg;

	event_free(w->w_ev);
	w->w_ev = NULL;
	w->w_cb(&w->w_res, w->w_arg);
	free(w);
}

struct nb_up_wait *
nb_up_get(struct nb_up *u, const char *url, nb_up_cb *cb, void *arg)
{
	struct nb_up_wait	*w = xcalloc(1, sizeof(*w));
	struct up_fetch		*f;
	struct up_meta		 m;
	struct timeval		 now = { 0, 0 };
	char			 name[65];

	w->w_up = u;
	w->w_cb = cb;
	w->w_arg = arg;
	w->w_res.fd = -1;
	/* One fetch per URL: a second client waits for the same one. */
	TAILQ_FOREACH(f, &u->u_fetches, f_entry)
		if (strcmp(f->f_url, url) == 0) {
			w->w_fetch = f;
			TAILQ_INSERT_TAIL(&f->f_waits, w, w_entry);
			return w;
		}
	SHA256Data((const uint8_t *)url, strlen(url), name);
	if (up_mkdir(u->u_dir) == -1)
		log_warn("%s: %s", __func__, u->u_dir);
	/* A copy checked within upstream_fresh: no request at all. */
	if (up_meta_read(u, name, url, &m) == 0 &&
	    time(NULL) - m.checked < u->u_fresh &&
	    up_open(u, name, &w->w_res) == 0) {
		up_host(url, w->w_res.host, sizeof(w->w_res.host));
		if ((w->w_ev = evtimer_new(u->u_base, up_cached_cb, w)) ==
		    NULL || evtimer_add(w->w_ev, &now) == -1)
			fatalx("%s: evtimer_new", __func__);
		return w;
	}
	f = xcalloc(1, sizeof(*f));
	f->f_up = u;
	f->f_url = xstrdup(url);
	f->f_fd = -1;
	strlcpy(f->f_name, name, sizeof(f->f_name));
	up_host(url, f->f_host, sizeof(f->f_host));
	TAILQ_INIT(&f->f_waits);
	if (up_meta_read(u, name, url, &f->f_meta) == 0) {
		up_path(u, name, "", w->w_res.msg, sizeof(w->w_res.msg));
		f->f_have = access(w->w_res.msg, R_OK) == 0;
		w->w_res.msg[0] = '\0';
	}
	w->w_fetch = f;
	TAILQ_INSERT_TAIL(&f->f_waits, w, w_entry);
	TAILQ_INSERT_TAIL(&u->u_fetches, f, f_entry);
	/*
	 * Started from the timer, one loop pass on (up_check_done): a fetch
	 * that fails at once must not call back before this returns.
	 */
	if (u->u_running >= u->u_max_fetches)
		log_debug("%s: %u fetches running: %s waits", __func__,
		    u->u_running, f->f_host);
	evtimer_add(u->u_timer, &now);
	return w;
}

void
nb_up_stream(struct nb_up_wait *w, nb_up_progress_cb *cb)
{
	w->w_progress = cb;
}

void
nb_up_cancel(struct nb_up_wait *w)
{
	if (w == NULL)
		return;
	if (w->w_ev != NULL) {
		event_free(w->w_ev);
		if (w->w_res.fd != -1)
			close(w->w_res.fd);
	} else if (w->w_fetch != NULL)
		TAILQ_REMOVE(&w->w_fetch->f_waits, w, w_entry);
	free(w);
}
