/*
 * webhook.c: the webhook sender (netboot(7) WEBHOOKS), a thread of
 * bootweb with its own database connection, never the event loop's.
 *
 * A webhook's queue is the events table past its cursor: nothing is held
 * in memory, so a dead endpoint loses nothing, across restarts too. Each
 * pass (every second) sends each due webhook its next events in order,
 * one POST each, signed with HMAC-SHA256 of the body under its secret;
 * a 2xx moves the cursor past the event. A failure leaves it and waits
 * 1, 2, 4 ... 300 seconds before the next try. A webhook more than
 * webhook.backlog events behind skips to the newest backlog ones and
 * counts the matching events it skipped as dropped. The events trimmed
 * by events.max_rows or events.keep_days before delivery are gone too;
 * the backlog should stay below those limits.
 *
 * One POST waits at most WH_TIMEOUT_MS (a stop ends it at once); the
 * webhooks are served in turn, at most WH_BURST events each per pass, so
 * one slow endpoint delays the others by seconds, never the boot plane.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "ratelim.h"
#include "webhook.h"
#include "xmalloc.h"

#define WH_BURST		64	/* events per webhook per pass */
#define WH_CONNECT_MS		3000
#define WH_TIMEOUT_MS		10000
#define WH_BACKOFF_MAX		300	/* seconds */
#define WH_MAX			256	/* webhooks served */

/* What the sender remembers of a webhook between passes. */
struct wh_state {
	int64_t		 id;
	int		 tries;		/* failures in a row */
	uint64_t	 next_ms;	/* not before */
};

struct nb_webhook_sender {
	char		*dbpath;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 stop;
	struct nb_db	*db;
	CURL		*curl;
	struct wh_state	 st[WH_MAX];
	size_t		 nst;
	int64_t		 backlog;
	int		 lost;		/* said the server is gone */
};

/* An event read for sending. */
struct wh_event {
	int64_t		 id;
	char		*kind;
	char		*body;
};

struct wh_batch {
	struct wh_event	 ev[WH_BURST];
	size_t		 n;
	const char	*events;	/* counting: the webhook's kinds */
	int64_t		 upto, last;
	int64_t		 matched;
};

static int
wh_collect(const struct nb_event *ev, void *arg)
{
	struct wh_batch	*b = arg;
	json_t		*o = nb_event_json(ev);

	b->ev[b->n].id = ev->id;
	b->ev[b->n].kind = xstrdup(ev->kind);
	b->ev[b->n].body = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return ++b->n == WH_BURST;
}

static int
wh_count(const struct nb_event *ev, void *arg)
{
	struct wh_batch	*b = arg;

	b->last = ev->id;
	if (ev->id > b->upto)
		return 1;
	if (nb_webhook_match(b->events, ev->kind))
		b->matched++;
	return 0;
}

static void
wh_batch_clear(struct wh_batch *b)
{
	size_t	 i;

	for (i = 0; i < b->n; i++) {
		free(b->ev[i].kind);
		free(b->ev[i].body);
	}
	b->n = 0;
}

static size_t
wh_discard(char *p, size_t size, size_t n, void *arg)
{
	return size * n;
}

/* A POST in flight ends when the sender is told to stop. */
static int
wh_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct nb_webhook_sender	*s = arg;
	int				 stop;

	pthread_mutex_lock(&s->mu);
	stop = s->stop;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

/* POST one event; its HTTP status, or 0 with err. */
static long
wh_post(struct nb_webhook_sender *s, const struct nb_webhook *w,
    const struct wh_event *e, char *err, size_t errsz)
{
	struct curl_slist	*h = NULL;
	char			 line[256], sig[NB_WEBHOOK_SIGLEN];
	char			 cerr[CURL_ERROR_SIZE];
	size_t			 len = strlen(e->body);
	long			 status = 0;
	CURLcode		 rc;

	nb_webhook_sign(w->secret, e->body, len, sig);
	h = curl_slist_append(h, "Content-Type: application/json");
	snprintf(line, sizeof(line), "X-Netboot-Event: %s", e->kind);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-Netboot-Delivery: %lld",
	    (long long)e->id);
	h = curl_slist_append(h, line);
	snprintf(line, sizeof(line), "X-Netboot-Signature: %s", sig);
	h = curl_slist_append(h, line);
	h = curl_slist_append(h, "Expect:");
	curl_easy_reset(s->curl);
	cerr[0] = '\0';
	curl_easy_setopt(s->curl, CURLOPT_URL, w->url);
	curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, e->body);
	curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(s->curl, CURLOPT_USERAGENT,
	    "netboot/" PACKAGE_VERSION);
	curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, WH_CONNECT_MS);
	curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, WH_TIMEOUT_MS);
	curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, wh_discard);
	curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(s->curl, CURLOPT_XFERINFOFUNCTION, wh_progress);
	curl_easy_setopt(s->curl, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(s->curl, CURLOPT_NOPROGRESS, 0L);
	rc = curl_easy_perform(s->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errsz, "%s", cerr[0] ? cerr :
		    curl_easy_strerror(rc));
	if (rc == CURLE_OK && (status < 200 || status > 299))
		snprintf(err, errsz, "HTTP status %ld", status);
	curl_slist_free_all(h);
	explicit_bzero(sig, sizeof(sig));
	return status;
}

/* The sender's memory of webhook id (made on first sight). */
static struct wh_state *
wh_state(struct nb_webhook_sender *s, int64_t id)
{
	size_t	 i;

	for (i = 0; i < s->nst; i++)
		if (s->st[i].id == id)
			return &s->st[i];
	if (s->nst == WH_MAX)
		return NULL;
	memset(&s->st[s->nst], 0, sizeof(s->st[0]));
	s->st[s->nst].id = id;
	return &s->st[s->nst++];
}

/* Skip a webhook more than the backlog behind; the new cursor. */
static int64_t
wh_skip(struct nb_webhook_sender *s, const struct nb_webhook *w)
{
	struct wh_batch	 b;
	int64_t		 last = nb_event_last_id(s->db, NULL), from;

	if (last - w->cursor <= s->backlog)
		return w->cursor;
	memset(&b, 0, sizeof(b));
	b.events = w->events;
	b.upto = last - s->backlog;
	for (from = w->cursor; from < b.upto; from = b.last) {
		b.last = from;
		if (nb_event_list(s->db, NULL, from, 1000, wh_count,
		    &b) != NB_OK || b.last == from)
			break;
	}
	log_warnx("webhook %lld (%s): %lld events behind; dropping %lld "
	    "of its oldest", (long long)w->id, w->url,
	    (long long)(last - w->cursor), (long long)b.matched);
	nb_webhook_mark(s->db, w->id, b.upto, 0, 0, b.matched, 0,
	    "fell behind webhook.backlog: dropped the oldest");
	return b.upto;
}

/* Send a webhook its next events; 1 if it has more. */
static int
wh_serve(struct nb_webhook_sender *s, const struct nb_webhook *w,
    struct wh_state *ws)
{
	struct wh_batch	 b;
	char		 err[CURL_ERROR_SIZE + 64];
	int64_t		 cursor = wh_skip(s, w), skipped = cursor;
	size_t		 i;
	long		 status;
	int		 more;

	memset(&b, 0, sizeof(b));
	if (nb_event_list(s->db, NULL, cursor, WH_BURST, wh_collect,
	    &b) != NB_OK) {
		wh_batch_clear(&b);
		return 0;
	}
	more = b.n == WH_BURST;
	for (i = 0; i < b.n; i++) {
		if (!nb_webhook_match(w->events, b.ev[i].kind)) {
			skipped = b.ev[i].id;
			continue;
		}
		err[0] = '\0';
		status = wh_post(s, w, &b.ev[i], err, sizeof(err));
		if (err[0] != '\0') {
			ws->tries++;
			ws->next_ms = nb_monotonic_ms() + 1000ULL *
			    (ws->tries > 9 ? WH_BACKOFF_MAX :
			    ((1 << (ws->tries - 1)) < WH_BACKOFF_MAX ?
			    1 << (ws->tries - 1) : WH_BACKOFF_MAX));
			log_debug("webhook %lld: event %lld: %s; try %d",
			    (long long)w->id, (long long)b.ev[i].id, err,
			    ws->tries);
			nb_webhook_mark(s->db, w->id, skipped, 0, 1, 0,
			    (int)status, err);
			more = 0;
			goto done;
		}
		ws->tries = 0;
		skipped = b.ev[i].id;
		nb_webhook_mark(s->db, w->id, skipped, 1, 0, 0, (int)status,
		    NULL);
	}
	if (skipped > cursor)
		nb_webhook_mark(s->db, w->id, skipped, 0, 0, 0, 0, NULL);
 done:
	wh_batch_clear(&b);
	return more;
}

/* The webhooks, copied out of the list. */
struct wh_list {
	struct nb_webhook	 w[WH_MAX];
	size_t			 n;
};

static int
wh_copy(const struct nb_webhook *w, void *arg)
{
	struct wh_list		*l = arg;
	struct nb_webhook	*c = &l->w[l->n];

	*c = *w;
	c->url = xstrdup(w->url);
	c->events = xstrdup(w->events);
	c->secret = xstrdup(w->secret);
	c->last_error = NULL;
	return ++l->n == WH_MAX;
}

/* One pass over every webhook; 1 if one has more to send now. */
static int
wh_pass(struct nb_webhook_sender *s)
{
	struct wh_list		*l = xcalloc(1, sizeof(*l));
	struct wh_state		*ws;
	char			*v = NULL;
	size_t			 i;
	int			 more = 0;

	s->backlog = 10000;
	if (nb_setting_get(s->db, "webhook.backlog", &v) == NB_OK)
		s->backlog = nb_setting_num(NB_S_WEBHOOK_BACKLOG, v);
	free(v);
	if (nb_webhook_list(s->db, wh_copy, l) != NB_OK) {
		/* PostgreSQL gone: once, not once a second. */
		if (!s->lost)
			log_warnx("webhooks: %s", nb_db_errmsg(s->db));
		s->lost = nb_db_lost(s->db);
	} else
		s->lost = 0;
	for (i = 0; i < l->n; i++) {
		pthread_mutex_lock(&s->mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		pthread_mutex_unlock(&s->mu);
		ws = wh_state(s, l->w[i].id);
		if (ws != NULL && nb_monotonic_ms() >= ws->next_ms)
			more |= wh_serve(s, &l->w[i], ws);
	}
	for (i = 0; i < l->n; i++)
		nb_webhook_clear(&l->w[i]);
	free(l);
	return more;
}

static void *
wh_thread(void *arg)
{
	struct nb_webhook_sender	*s = arg;
	struct timespec			 ts;
	char				 err[256];
	int				 more = 0;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		pthread_mutex_unlock(&s->mu);
		if (s->db == NULL && nb_db_open(s->dbpath, 0, &s->db, err,
		    sizeof(err)) != NB_OK) {
			log_warnx("webhooks: %s", err);
			s->db = NULL;
		} else if (s->db != NULL) {
			nb_db_busy_timeout(s->db, 5000);
			more = wh_pass(s);
		}
		pthread_mutex_lock(&s->mu);
		if (more || s->stop)
			continue;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

struct nb_webhook_sender *
nb_webhook_start(const char *dbpath)
{
	struct nb_webhook_sender	*s = xcalloc(1, sizeof(*s));

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init");
	if ((s->curl = curl_easy_init()) == NULL)
		fatalx("%s: curl_easy_init", __func__);
	s->dbpath = xstrdup(dbpath);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	if (pthread_create(&s->thread, NULL, wh_thread, s) != 0)
		fatalx("%s: cannot start the webhook sender", __func__);
	return s;
}

void
nb_webhook_stop(struct nb_webhook_sender *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	if (s->db != NULL)
		nb_db_close(s->db);
	curl_easy_cleanup(s->curl);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s->dbpath);
	free(s);
}
