/*
 * conn.c: the boot plane's connections: how many are open, accept(2)
 * paused at max_connections and resumed below it, the timeouts, and the
 * graceful stop on SIGTERM.
 *
 * libevent 2.1's evhttp has no connection limit and no callback for a
 * new connection except the one that makes its bufferevent (bevcb). So a
 * connection is counted there, and its evhttp_connection, which does not
 * exist yet, is picked up right after evhttp has made it (conn_fixup, run
 * in the same loop pass): evhttp passes it as the argument of the
 * bufferevent's callbacks. A reference on the bufferevent keeps it valid
 * until then, even if evhttp gives up on the connection at once. The
 * close callback on the connection counts it out, exactly once.
 *
 * At the limit the listener is disabled: further clients wait in the
 * kernel's accept queue (never refused, never accepted only to be
 * dropped) until a connection closes.
 *
 * Timeouts: evhttp puts one timeout on reading and writing, and keeps
 * reading enabled while it sends a reply, to notice a close. With the
 * 2.1 defaults a download that outlasts the timeout dies even though it
 * progresses, since the client sends nothing meanwhile. So while a reply
 * is being sent only the write timeout applies, and it is an inactivity
 * timeout (the client took no byte for that long); the read timeout comes
 * back when the reply is done, for idle keep-alive connections and slow
 * request headers.
 */
#include "config.h"

#include <sys/resource.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "bootweb.h"
#include "xmalloc.h"

#define ACCEPT_RETRY_SEC	1	/* after accept(2) failed for lack of descriptors */
#define STOP_TICK_USEC		50000	/* how often a stopping daemon looks for the last connection */

struct bw_conn {
	TAILQ_ENTRY(bw_conn)		 entry;
	struct bootweb			*bw;
	struct bufferevent		*bev;	/* referenced until the connection is known */
	struct evhttp_connection	*evcon;
};

static struct bootweb	*conn_bw;	/* for the listener's error callback */

static void
conn_pause(struct bootweb *bw, const char *why)
{
	if (bw->paused || bw->listener == NULL)
		return;
	evconnlistener_disable(bw->listener);
	bw->paused = 1;
	bw->npauses++;
	log_debug("not accepting connections: %s", why);
}

static void
conn_resume(struct bootweb *bw)
{
	if (!bw->paused || bw->stopping || bw->listener == NULL)
		return;
	if (bw->nconns >= bw->max_conns)
		return;
	evconnlistener_enable(bw->listener);
	bw->paused = 0;
	log_debug("accepting connections again (%zu open)", bw->nconns);
}

/* One connection fewer: accept again below the limit, or finish stopping. */
static void
conn_gone(struct bootweb *bw)
{
	bw->nconns--;
	if (bw->stopping && bw->nconns == 0) {
		log_info("the last connection closed");
		nb_daemon_exit(bw->d);
		return;
	}
	conn_resume(bw);
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct bw_conn	*c = arg;
	struct bootweb	*bw = c->bw;

	evhttp_connection_set_closecb(evcon, NULL, NULL);
	TAILQ_REMOVE(&bw->conns, c, entry);
	free(c);
	conn_gone(bw);
}

/* Find the evhttp_connection of each connection accepted in this loop pass. */
static void
conn_fixup(evutil_socket_t fd, short events, void *arg)
{
	struct bootweb		*bw = arg;
	struct bw_conn		*c;
	bufferevent_event_cb	 eventcb;
	void			*cbarg;

	while ((c = TAILQ_FIRST(&bw->pending)) != NULL) {
		TAILQ_REMOVE(&bw->pending, c, entry);
		bufferevent_getcb(c->bev, NULL, NULL, &eventcb, &cbarg);
		if (eventcb != NULL && cbarg != NULL) {
			c->evcon = cbarg;
			TAILQ_INSERT_TAIL(&bw->conns, c, entry);
			evhttp_connection_set_closecb(c->evcon, conn_closed, c);
			bufferevent_decref(c->bev);
			c->bev = NULL;
		} else {
			/* evhttp dropped it already (out of memory): ours was the last reference. */
			bufferevent_decref(c->bev);
			free(c);
			conn_gone(bw);
		}
	}
}

struct bufferevent *
conn_bev(struct event_base *base, void *arg)
{
	struct bootweb		*bw = arg;
	struct bufferevent	*bev;
	struct bw_conn		*c;

	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	/* libevent hands a socket at most 16 KB per write: one sendfile(2) per 16 KB. */
	bufferevent_set_max_single_write(bev, BW_MAX_WRITE);
	c = xcalloc(1, sizeof(*c));
	c->bw = bw;
	c->bev = bev;
	bufferevent_incref(bev);
	TAILQ_INSERT_TAIL(&bw->pending, c, entry);
	event_active(bw->ev_fixup, EV_TIMEOUT, 1);
	if (++bw->nconns >= bw->max_conns)
		conn_pause(bw, "max_connections reached");
	return bev;
}

/* accept(2) failed for good (EMFILE, ENFILE, ENOMEM): pause instead of spinning on the queue. */
static void
conn_accept_error(struct evconnlistener *lev, void *arg)
{
	struct bootweb	*bw = conn_bw;
	struct timeval	 tv = { ACCEPT_RETRY_SEC, 0 };
	int		 err = errno;

	log_warnx("accept: %s; pausing for %d s with %zu connections open",
	    strerror(err), ACCEPT_RETRY_SEC, bw->nconns);
	conn_pause(bw, "accept failed");
	evtimer_add(bw->ev_retry, &tv);
}

static void
conn_retry(evutil_socket_t fd, short events, void *arg)
{
	conn_resume(arg);
}

/* The most descriptors the process may have: raise the soft limit to the hard one. */
static size_t
conn_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576 ? 1048576 : rl.rlim_cur;
}

void
conn_init(struct bootweb *bw, struct evhttp_bound_socket *bound)
{
	size_t		 nofile = conn_nofile();
	/* Each connection may hold a socket and a file being sent; keep some for the rest. */
	size_t		 most = nofile > 2 * BW_SPARE_FDS ? (nofile - BW_SPARE_FDS) / 2 : 16;
	long long	 want = nb_conf_getnum(bw->d->conf, "bootweb", "max_connections",
	    BW_MAX_CONNS);

	TAILQ_INIT(&bw->conns);
	TAILQ_INIT(&bw->pending);
	conn_bw = bw;
	bw->bound = bound;
	bw->listener = evhttp_bound_socket_get_listener(bound);
	bw->max_conns = (size_t)want;
	if (bw->max_conns > most) {
		log_warnx("max_connections %lld is more than %zu descriptors allow; using %zu",
		    want, nofile, most);
		bw->max_conns = most;
	}
	bw->ev_fixup = event_new(bw->d->base, -1, 0, conn_fixup, bw);
	bw->ev_retry = evtimer_new(bw->d->base, conn_retry, bw);
	if (bw->ev_fixup == NULL || bw->ev_retry == NULL)
		fatalx("%s: out of memory", __func__);
	evconnlistener_set_error_cb(bw->listener, conn_accept_error);
	log_debug("at most %zu connections (%zu descriptors)", bw->max_conns, nofile);
}

/* Before a reply goes out: only the write timeout, which progress resets, applies. */
void
conn_sending(struct bootweb *bw, struct evhttp_request *req)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct timeval			 wtv = { bw->timeout, 0 };

	if (evcon != NULL)
		bufferevent_set_timeouts(evhttp_connection_get_bufferevent(evcon), NULL, &wtv);
}

/* After a reply: the read timeout again, for the next request or an idle keep-alive. */
void
conn_sent(struct evhttp_request *req, void *arg)
{
	struct bootweb			*bw = arg;
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct timeval			 tv = { bw->timeout, 0 };

	if (evcon != NULL)
		bufferevent_set_timeouts(evhttp_connection_get_bufferevent(evcon), &tv, &tv);
}

static void
conn_stop_tick(evutil_socket_t fd, short events, void *arg)
{
	struct bootweb	*bw = arg;

	if (bw->nconns == 0)
		nb_daemon_exit(bw->d);
}

static void
conn_deadline(evutil_socket_t fd, short events, void *arg)
{
	struct bootweb	*bw = arg;

	log_warnx("shutdown_grace over: closing %zu connections still open", bw->nconns);
	nb_daemon_exit(bw->d);
}

/*
 * SIGTERM: close the listening sockets at once (a new client is refused,
 * not queued), close idle keep-alive connections, let the replies in
 * flight finish for up to shutdown_grace seconds (each with Connection:
 * close), and stop when the last one ends.
 */
void
conn_stop(struct bootweb *bw)
{
	struct bw_conn			*c, *next;
	struct bufferevent		*bev;
	struct timeval			 grace = { bw->grace, 0 }, tick = { 0, STOP_TICK_USEC };

	if (bw->stopping) {
		log_info("stopping now");
		nb_daemon_exit(bw->d);
		return;
	}
	bw->stopping = 1;
	evtimer_del(bw->ev_retry);
	evhttp_del_accept_socket(bw->http, bw->bound);
	bw->bound = NULL;
	bw->listener = NULL;
	if (bw->admin != NULL && bw->admin_bound != NULL) {
		evhttp_del_accept_socket(bw->admin, bw->admin_bound);
		bw->admin_bound = NULL;
	}
	/* Nothing read and nothing to send: between requests, safe to close. */
	for (c = TAILQ_FIRST(&bw->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		bev = evhttp_connection_get_bufferevent(c->evcon);
		if (evbuffer_get_length(bufferevent_get_input(bev)) == 0 &&
		    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			evhttp_connection_free(c->evcon);	/* conn_closed frees c */
	}
	log_info("stopped listening; %zu connections in flight, waiting up to %d s",
	    bw->nconns, bw->grace);
	if (bw->nconns == 0 && TAILQ_EMPTY(&bw->pending)) {
		nb_daemon_exit(bw->d);
		return;
	}
	bw->ev_stop = event_new(bw->d->base, -1, EV_PERSIST, conn_stop_tick, bw);
	bw->ev_deadline = evtimer_new(bw->d->base, conn_deadline, bw);
	if (bw->ev_stop == NULL || bw->ev_deadline == NULL ||
	    event_add(bw->ev_stop, &tick) == -1 || evtimer_add(bw->ev_deadline, &grace) == -1)
		nb_daemon_exit(bw->d);
}

/* Free what conn_init made; the connections themselves go with evhttp_free. */
void
conn_free(struct bootweb *bw)
{
	struct bw_conn	*c;

	while ((c = TAILQ_FIRST(&bw->conns)) != NULL) {
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		TAILQ_REMOVE(&bw->conns, c, entry);
		free(c);
	}
	while ((c = TAILQ_FIRST(&bw->pending)) != NULL) {
		TAILQ_REMOVE(&bw->pending, c, entry);
		bufferevent_decref(c->bev);
		free(c);
	}
	if (bw->ev_fixup != NULL)
		event_free(bw->ev_fixup);
	if (bw->ev_retry != NULL)
		event_free(bw->ev_retry);
	if (bw->ev_stop != NULL)
		event_free(bw->ev_stop);
	if (bw->ev_deadline != NULL)
		event_free(bw->ev_deadline);
}
