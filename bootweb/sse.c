/*
 * sse.c: GET /api/v1/events/stream, the events table as Server-Sent
 * Events (issue 13 point 4). Each event goes as
 *
 *	id: ID
 *	event: KIND
 *	data: {the event as GET /api/v1/events has it}
 *
 * A client that reconnects with Last-Event-ID (or ?after=ID) gets every
 * event after that id, none twice: ids grow in commit order, since SQLite
 * has one writer. Without either, the stream starts at the newest event.
 * Filters: ?mac= and ?kind=.
 *
 * One timer for all subscribers (SSE_TICK_MS): when the database's
 * data_version moved (another connection committed; cheap, no query) or,
 * for our own event queue's writes, which data_version does not show, once
 * a second, the events after the oldest subscriber's position are read in
 * one query, at most SSE_BATCH, and each goes to the subscribers it
 * matches. A full batch reads again at the next tick rather than hold the
 * loop (the next batch runs in the next loop pass, after the I/O).
 * A comment line every SSE_HEARTBEAT_SEC keeps proxies and the write
 * timeout from closing an idle stream.
 *
 * Flow control: once a subscriber's unsent output passes SSE_HIGH it gets
 * nothing more (its position stays) until the socket has taken all of it
 * (evhttp's chunk callback), so a stream never holds more than SSE_HIGH
 * plus one event. One that has not drained for SSE_STALL_SEC is dropped
 * (its connection closed, logged, counted): a client that does not read
 * costs bounded memory for a bounded time; it reconnects with
 * Last-Event-ID and loses nothing.
 */
#include "config.h"

#include <sys/queue.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "ratelim.h"
#include "xmalloc.h"

#define SSE_TICK_MS		250
#define SSE_SLOW_TICKS		4	/* look without a data_version change */
#define SSE_HEARTBEAT_SEC	15
#define SSE_BATCH		500	/* events read per pass */
#define SSE_HIGH		(64 * 1024)	/* unsent bytes: pause */
#define SSE_STALL_SEC		10	/* paused that long: dropped */
#define SSE_MAX_SUBS		256	/* subscribers at once */

struct sse_sub {
	TAILQ_ENTRY(sse_sub)		 entry;
	struct evhttp_request		*req;
	struct evhttp_connection	*evcon;
	char				 mac[NB_MACSTR_LEN];	/* "": any */
	char				*kind;		/* NULL: any */
	int64_t				 last;	/* the last id it was past */
	uint64_t			 paused;	/* since (ms), 0: not */
	struct evbuffer			*pend;	/* this pass's, one chunk */
	int				 drop;
	char				 ip[INET6_ADDRSTRLEN];
};
TAILQ_HEAD(sse_subq, sse_sub);

static struct {
	struct bootweb		*bw;
	struct sse_subq		 subs;
	size_t			 nsubs;
	struct event		*ev_tick, *ev_beat, *ev_kick;
	int64_t			 version;
	int			 ticks;
	unsigned long long	 nsent, ndropped;
} sse;

static void
sse_sub_free(struct sse_sub *s)
{
	TAILQ_REMOVE(&sse.subs, s, entry);
	sse.nsubs--;
	evbuffer_free(s->pend);
	free(s->kind);
	free(s);
}

/* Its output drained: it may have more, at once. */
static void
sse_drained(struct evhttp_connection *evcon, void *arg)
{
	struct sse_sub	*s;

	TAILQ_FOREACH(s, &sse.subs, entry)
		if (s->evcon == evcon && s->paused) {
			s->paused = 0;
			event_active(sse.ev_kick, EV_TIMEOUT, 1);
		}
}

/*
 * Send what s has pending as one chunk (one chunk per pass: a chunk per
 * event would cost an evbuffer chain of 1 KiB or more for each). Past
 * SSE_HIGH unsent, pause it until its socket took everything.
 */
static void
sse_flush(struct sse_sub *s)
{
	struct bufferevent	*bev = evhttp_connection_get_bufferevent(
	    s->evcon);

	if (s->drop || evbuffer_get_length(s->pend) == 0)
		return;
	if (evbuffer_get_length(bufferevent_get_output(bev)) +
	    evbuffer_get_length(s->pend) > SSE_HIGH) {
		s->paused = nb_monotonic_ms();
		evhttp_send_reply_chunk_with_cb(s->req, s->pend, sse_drained,
		    NULL);
	} else
		evhttp_send_reply_chunk(s->req, s->pend);
}

/* Whether s should get no more this pass: paused, or a chunk's worth. */
static int
sse_full(struct sse_sub *s)
{
	struct bufferevent	*bev;

	if (s->paused || s->drop)
		return 1;
	bev = evhttp_connection_get_bufferevent(s->evcon);
	if (evbuffer_get_length(bufferevent_get_output(bev)) +
	    evbuffer_get_length(s->pend) <= SSE_HIGH)
		return 0;
	sse_flush(s);
	return 1;
}

/* Close the connections of the subscribers marked to drop. */
static void
sse_drop(void)
{
	struct sse_sub			*s, *next;
	struct evhttp_connection	*evcon;

	TAILQ_FOREACH_SAFE(s, &sse.subs, entry, next) {
		if (!s->drop)
			continue;
		log_warnx("event stream of %s dropped: not reading for %d s "
		    "(at event %" PRId64 ")", s->ip, SSE_STALL_SEC, s->last);
		sse.ndropped++;
		evcon = s->evcon;
		/* Forgotten first: the close callback then finds nothing. */
		sse_sub_free(s);
		evhttp_connection_free(evcon);
	}
}

struct sse_batch {
	int64_t		 n;
};

static int
sse_event(const struct nb_event *ev, void *arg)
{
	struct sse_batch	*b = arg;
	struct sse_sub		*s;
	json_t			*o = NULL;
	char			*data = NULL;

	b->n++;
	TAILQ_FOREACH(s, &sse.subs, entry) {
		if (ev->id <= s->last || sse_full(s))
			continue;
		s->last = ev->id;
		if ((s->mac[0] != '\0' && strcmp(s->mac, ev->mac) != 0) ||
		    (s->kind != NULL && strcmp(s->kind, ev->kind) != 0))
			continue;
		if (data == NULL) {
			o = nb_event_json(ev);
			data = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		}
		evbuffer_add_printf(s->pend, "id: %" PRId64 "\nevent: %s\n"
		    "data: %s\n\n", ev->id, ev->kind, data);
		sse.nsent++;
	}
	free(data);
	json_decref(o);
	return 0;
}

/* Send what is new to every subscriber. */
static void
sse_poll(void)
{
	struct nb_db		*db = sse.bw->d->db;
	struct sse_sub		*s;
	struct sse_batch	 b;
	int64_t			 from = INT64_MAX;
	uint64_t		 now = nb_monotonic_ms();

	TAILQ_FOREACH(s, &sse.subs, entry) {
		if (s->paused && now - s->paused > SSE_STALL_SEC * 1000)
			s->drop = 1;
		else if (!s->paused && s->last < from)
			from = s->last;
	}
	if (from == INT64_MAX) {
		sse_drop();
		return;
	}
	memset(&b, 0, sizeof(b));
	if (nb_event_list(db, NULL, from, SSE_BATCH, sse_event, &b) != NB_OK)
		log_warnx("event stream: %s", nb_db_errmsg(db));
	TAILQ_FOREACH(s, &sse.subs, entry)
		sse_flush(s);
	sse_drop();
	/* A full batch: the rest in the next loop pass, after the I/O. */
	if (b.n == SSE_BATCH)
		event_active(sse.ev_kick, EV_TIMEOUT, 1);
}

static void
sse_kick(evutil_socket_t fd, short events, void *arg)
{
	sse_poll();
}

static void
sse_tick(evutil_socket_t fd, short events, void *arg)
{
	int	 changed;

	if (TAILQ_EMPTY(&sse.subs))
		return;
	changed = nb_db_changed(sse.bw->d->db, &sse.version);
	if (changed || ++sse.ticks >= SSE_SLOW_TICKS) {
		sse.ticks = 0;
		sse_poll();
	}
}

static void
sse_beat(evutil_socket_t fd, short events, void *arg)
{
	struct sse_sub	*s;

	TAILQ_FOREACH(s, &sse.subs, entry) {
		if (s->paused || s->drop)
			continue;
		evbuffer_add(s->pend, ":\n\n", 3);
		sse_flush(s);
	}
	sse_drop();
}

int
sse_stream(struct bw_req *r, const char *rest)
{
	struct evkeyvalq	 q;
	struct sse_sub		*s;
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(r->req);
	const char		*from, *macs, *kind, *errstr;
	char			 mac[NB_MACSTR_LEN] = "";
	int64_t			 last;
	int			 code = 0;

	TAILQ_INIT(&q);
	if (r->head) {
		http_send_mem(r, 200, "text/event-stream", "", 0);
		return 0;
	}
	if (sse.nsubs >= SSE_MAX_SUBS) {
		evhttp_add_header(oh, "Retry-After", "5");
		return bw_fail(r, 503, "too many event streams (%d)",
		    SSE_MAX_SUBS);
	}
	from = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Last-Event-ID");
	if (from == NULL)
		from = api_query(r, &q, "after");
	if (from != NULL) {
		last = strtonum(from, 0, INT64_MAX, &errstr);
		if (errstr != NULL) {
			code = bw_fail(r, 400, "event id %s is %s", from,
			    errstr);
			goto done;
		}
	} else
		last = nb_event_last_id(r->bw->d->db, NULL);
	if ((macs = api_query(r, &q, "mac")) != NULL &&
	    nb_mac_canon(macs, mac) == -1) {
		code = bw_fail(r, 400, "'%s' is not a MAC address", macs);
		goto done;
	}
	kind = api_query(r, &q, "kind");
	s = xcalloc(1, sizeof(*s));
	s->req = r->req;
	s->evcon = evhttp_request_get_connection(r->req);
	strlcpy(s->mac, mac, sizeof(s->mac));
	s->kind = kind != NULL ? xstrdup(kind) : NULL;
	if ((s->pend = evbuffer_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	s->last = last;
	strlcpy(s->ip, r->ip, sizeof(s->ip));
	TAILQ_INSERT_TAIL(&sse.subs, s, entry);
	sse.nsubs++;
	evhttp_add_header(oh, "Content-Type", "text/event-stream");
	http_set_header(r, "Cache-Control", "no-store");
	evhttp_add_header(oh, "X-Accel-Buffering", "no");
	r->status = 200;
	r->bw->nreq++;
	r->bw->nstatus[2]++;
	conn_sending(r->bw, r->req);
	evhttp_send_reply_start(r->req, 200, "OK");
	/* The backlog, if any, in the next loop pass. */
	event_active(sse.ev_kick, EV_TIMEOUT, 1);
	log_debug("event stream for %s (%s) from %" PRId64, r->ip, r->user,
	    last);
done:
	evhttp_clear_headers(&q);
	return code;
}

void
sse_conn_closed(struct bootweb *bw, struct evhttp_connection *evcon)
{
	struct sse_sub	*s, *next;

	TAILQ_FOREACH_SAFE(s, &sse.subs, entry, next)
		if (s->evcon == evcon)
			sse_sub_free(s);
}

/* Subscribers, sent and dropped, for /metrics. */
void
sse_metrics(struct evbuffer *evb)
{
	evbuffer_add_printf(evb, "# TYPE bootweb_sse_subscribers gauge\n"
	    "bootweb_sse_subscribers %zu\n"
	    "# TYPE bootweb_sse_events_total counter\n"
	    "bootweb_sse_events_total %llu\n"
	    "# TYPE bootweb_sse_dropped_total counter\n"
	    "bootweb_sse_dropped_total %llu\n", sse.nsubs, sse.nsent,
	    sse.ndropped);
}

void
sse_init(struct bootweb *bw)
{
	struct timeval	 tick = { 0, SSE_TICK_MS * 1000 };
	struct timeval	 beat = { SSE_HEARTBEAT_SEC, 0 };

	sse.bw = bw;
	TAILQ_INIT(&sse.subs);
	sse.version = nb_db_data_version(bw->d->db);
	sse.ev_tick = event_new(bw->d->base, -1, EV_PERSIST, sse_tick, NULL);
	sse.ev_beat = event_new(bw->d->base, -1, EV_PERSIST, sse_beat, NULL);
	sse.ev_kick = event_new(bw->d->base, -1, 0, sse_kick, NULL);
	if (sse.ev_tick == NULL || sse.ev_beat == NULL || sse.ev_kick == NULL ||
	    event_add(sse.ev_tick, &tick) == -1 ||
	    event_add(sse.ev_beat, &beat) == -1)
		fatalx("cannot start the event stream timers");
}

void
sse_free(struct bootweb *bw)
{
	struct sse_sub	*s;

	while ((s = TAILQ_FIRST(&sse.subs)) != NULL)
		sse_sub_free(s);
	if (sse.ev_tick != NULL)
		event_free(sse.ev_tick);
	if (sse.ev_beat != NULL)
		event_free(sse.ev_beat);
	if (sse.ev_kick != NULL)
		event_free(sse.ev_kick);
	sse.ev_tick = sse.ev_beat = sse.ev_kick = NULL;
}
