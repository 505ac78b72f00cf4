/*
 * conn.c: the connections of both planes: how many are open, accept(2)
 * paused at each plane's limit and resumed below it, the cap per source
 * address, the timeouts and the request deadline, and the graceful stop
 * on SIGTERM.
 *
 * libevent 2.1's evhttp has no connection limit and no callback for a
 * new connection except the one that makes its bufferevent (bevcb). So a
 * connection is counted there, and its evhttp_connection, which does not
 * exist yet, is picked up right after evhttp has made it (conn_fixup, run
 * in the same loop pass): evhttp passes it as the argument of the
 * bufferevent's callbacks. That is not evhttp's documented API but what
 * every bufferevent_setcb of libevent's http.c does (2.1: in
 * evhttp_connection_base_bufferevent_new and evhttp_start_read_, both
 * run by evhttp_get_request_connection before the next loop pass);
 * tests/bootweb/evhttp.c fails if a libevent release changes it, and a
 * request on a connection the fixup did not know is logged
 * (conn_request). A reference on the bufferevent keeps it valid
 * until then, even if evhttp gives up on the connection at once. The
 * close callback on the connection counts it out, exactly once.
 *
 * At a plane's limit its listener is disabled: further clients wait in
 * the kernel's accept queue (never refused, never accepted only to be
 * dropped) until a connection closes. The boot and admin planes are
 * counted apart, and the descriptors are shared out between them at
 * start, so idle connections to one cannot starve accept(2) on the other.
 * A connection from an address that already has max_connections_per_address
 * open on the boot plane is closed as soon as it is known (conn_fixup).
 *
 * Timeouts: evhttp puts one timeout on reading and writing, and keeps
 * reading enabled while it sends a reply, to notice a close. With the
 * 2.1 defaults a download that outlasts the timeout dies even though it
 * progresses, since the client sends nothing meanwhile. So while a reply
 * is being sent only the write timeout applies, and it is an inactivity
 * timeout (the client took no byte for that long); the read timeout comes
 * back when the reply is done, for idle keep-alive connections and slow
 * request headers.
 *
 * The read timeout is reset by every byte, so a client that trickles a
 * byte every few seconds would hold its connection for ever (slowloris).
 * Hence the deadline: a whole request (headers and body) must arrive
 * within request_timeout seconds of the connection's start, or of the end
 * of the previous reply on a keep-alive connection, else the connection is
 * closed. It is one timer per connection, stopped when evhttp hands us the
 * request (conn_request) and started again when the reply is sent.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "api.h"
#include "bootweb.h"
#include "tls.h"
#include "upload.h"
#include "xmalloc.h"

#define ACCEPT_RETRY_SEC	1	/* after accept(2) failed for lack of descriptors */
#define STOP_TICK_USEC		50000	/* how often a stopping daemon looks for the last connection */

struct bw_conn {
	TAILQ_ENTRY(bw_conn)		 entry;
	struct bw_plane			*pl;
	struct bufferevent		*bev;	/* referenced until the connection is known */
	struct evhttp_connection	*evcon;
	struct in6_addr			 addr;	/* peer, v4-mapped */
	struct event			*ev_late;	/* deadline */
	struct bw_sniff			*sniff;	/* admin: uploads (upload.c) */
};

static struct bootweb	*conn_bw;	/* for the listener's error callback */

static void
conn_pause(struct bw_plane *pl, const char *why)
{
	if (pl->pl_paused || pl->pl_listener == NULL)
		return;
	evconnlistener_disable(pl->pl_listener);
	pl->pl_paused = 1;
	pl->pl_npauses++;
	log_debug("%s plane: not accepting connections: %s", pl->pl_name, why);
}

static void
conn_resume(struct bw_plane *pl)
{
	if (!pl->pl_paused || pl->pl_bw->stopping || pl->pl_listener == NULL)
		return;
	if (pl->pl_nconns >= pl->pl_max)
		return;
	evconnlistener_enable(pl->pl_listener);
	pl->pl_paused = 0;
	log_debug("%s plane: accepting connections again (%zu open)",
	    pl->pl_name, pl->pl_nconns);
}

/* One connection fewer: accept again below the limit, or finish stopping. */
static void
conn_gone(struct bw_plane *pl)
{
	struct bootweb	*bw = pl->pl_bw;

	pl->pl_nconns--;
	if (bw->stopping && pl == &bw->boot && pl->pl_nconns == 0) {
		log_info("the last connection closed");
		nb_daemon_exit(bw->d);
		return;
	}
	conn_resume(pl);
}

/* Free c; alive: its bufferevent still exists. */
static void
conn_release_alive(struct bw_conn *c, int alive)
{
	upload_detach(c->sniff, alive);
	if (c->ev_late != NULL)
		event_free(c->ev_late);
	free(c);
}

static void
conn_release(struct bw_conn *c)
{
	conn_release_alive(c, 0);
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct bw_conn	*c = arg;
	struct bw_plane	*pl = c->pl;

	evhttp_connection_set_closecb(evcon, NULL, NULL);
	if (pl == &pl->pl_bw->adm)
		api_conn_closed(pl->pl_bw, evcon);
	TAILQ_REMOVE(&pl->pl_conns, c, entry);
	conn_release_alive(c, 1);
	conn_gone(pl);
}

/* No whole request within request_timeout: close (slowloris). */
static void
conn_late(evutil_socket_t fd, short events, void *arg)
{
	struct bw_conn	*c = arg;
	char		 ip[INET6_ADDRSTRLEN];

	c->pl->pl_nlate++;
	log_debug("%s plane: no whole request from %s in %d s: closing",
	    c->pl->pl_name, inet_ntop(AF_INET6, &c->addr, ip, sizeof(ip)) ?
	    ip : "?", c->pl->pl_bw->req_timeout);
	evhttp_connection_free(c->evcon);	/* conn_closed frees c */
}

static void
conn_arm(struct bw_conn *c)
{
	struct timeval	 tv = { c->pl->pl_bw->req_timeout, 0 };

	evtimer_add(c->ev_late, &tv);
}

/* The peer's address, IPv4 as IPv4-mapped so that both families compare. */
static void
conn_addr(const struct sockaddr *sa, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET6)
		*a = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	else if (sa->sa_family == AF_INET) {
		a->s6_addr[10] = a->s6_addr[11] = 0xff;
		memcpy(&a->s6_addr[12],
		    &((const struct sockaddr_in *)sa)->sin_addr, 4);
	}
}

/* Whether the plane already has its most connections from this address. */
static int
conn_addr_full(struct bw_plane *pl, const struct in6_addr *a)
{
	struct bw_conn	*c;
	size_t		 n = 0;

	if (pl->pl_max_addr == 0)
		return 0;
	TAILQ_FOREACH(c, &pl->pl_conns, entry)
		if (memcmp(&c->addr, a, sizeof(*a)) == 0 &&
		    ++n >= pl->pl_max_addr)
			return 1;
	return 0;
}

/* A connection now known: capped per address, else given its deadline. */
static void
conn_known(struct bw_plane *pl, struct bw_conn *c)
{
	char	 ip[INET6_ADDRSTRLEN];

	conn_addr(evhttp_connection_get_addr(c->evcon), &c->addr);
	if (conn_addr_full(pl, &c->addr)) {
		pl->pl_nrefused++;
		if (nb_rate_hit(&pl->pl_refused_log, 1, 1000,
		    nb_monotonic_ms(), NULL))
			log_warnx("%s plane: %s has %zu connections open "
			    "(max_connections_per_address): closing new ones "
			    "(%llu so far)", pl->pl_name,
			    inet_ntop(AF_INET6, &c->addr, ip, sizeof(ip)) ?
			    ip : "?", pl->pl_max_addr, pl->pl_nrefused);
		/* No close callback yet: counted out here. */
		evhttp_connection_free(c->evcon);
		conn_release(c);
		conn_gone(pl);
		return;
	}
	c->ev_late = evtimer_new(pl->pl_bw->d->base, conn_late, c);
	if (c->ev_late == NULL) {
		evhttp_connection_free(c->evcon);
		conn_release(c);
		conn_gone(pl);
		return;
	}
	TAILQ_INSERT_TAIL(&pl->pl_conns, c, entry);
	evhttp_connection_set_closecb(c->evcon, conn_closed, c);
	conn_arm(c);
}

/* Find the evhttp_connection of each connection accepted in this loop pass. */
static void
conn_fixup(evutil_socket_t fd, short events, void *arg)
{
	struct bw_plane		*pl = arg;
	struct bw_conn		*c;
	bufferevent_event_cb	 eventcb;
	void			*cbarg;

	while ((c = TAILQ_FIRST(&pl->pl_pending)) != NULL) {
		TAILQ_REMOVE(&pl->pl_pending, c, entry);
		bufferevent_getcb(c->bev, NULL, NULL, &eventcb, &cbarg);
		bufferevent_decref(c->bev);
		c->bev = NULL;
		if (eventcb != NULL && cbarg != NULL) {
			c->evcon = cbarg;
			conn_known(pl, c);
		} else {
			/* evhttp dropped it already (out of memory): ours was the last reference. */
			conn_release(c);
			conn_gone(pl);
		}
	}
}

struct bufferevent *
conn_bev(struct event_base *base, void *arg)
{
	struct bw_plane		*pl = arg;
	struct bufferevent	*bev;
	struct bw_conn		*c;

	bev = pl->pl_tls != NULL ? tls_bev(base, pl->pl_tls) :
	    bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		return NULL;
	/* libevent hands a socket at most 16 KB per write: one sendfile(2) per 16 KB. */
	bufferevent_set_max_single_write(bev, BW_MAX_WRITE);
	c = xcalloc(1, sizeof(*c));
	c->pl = pl;
	c->bev = bev;
	if (pl == &pl->pl_bw->adm)
		c->sniff = upload_attach(bev, pl->pl_tls != NULL);
	bufferevent_incref(bev);
	TAILQ_INSERT_TAIL(&pl->pl_pending, c, entry);
	event_active(pl->pl_ev_fixup, EV_TIMEOUT, 1);
	if (++pl->pl_nconns >= pl->pl_max)
		conn_pause(pl, "its connection limit reached");
	return bev;
}

/* accept(2) failed for good (EMFILE, ENFILE, ENOMEM): pause instead of spinning on the queue. */
static void
conn_accept_error(struct evconnlistener *lev, void *arg)
{
	struct bootweb	*bw = conn_bw;
	struct bw_plane	*pl;
	struct timeval	 tv = { ACCEPT_RETRY_SEC, 0 };
	int		 err = errno;

	pl = lev == bw->adm.pl_listener ? &bw->adm : &bw->boot;
	log_warnx("%s plane: accept: %s; pausing for %d s with %zu "
	    "connections open", pl->pl_name, strerror(err), ACCEPT_RETRY_SEC,
	    pl->pl_nconns);
	conn_pause(pl, "accept failed");
	evtimer_add(pl->pl_ev_retry, &tv);
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

/* A plane's limit from the configuration, lowered to what descriptors allow. */
static size_t
conn_limit(struct bootweb *bw, const char *key, long long def, size_t most)
{
	long long	 want;

	want = nb_conf_getnum(bw->d->conf, "bootweb", key, def);
	if ((unsigned long long)want <= most)
		return (size_t)want;
	log_warnx("%s %lld is more than the descriptors allow; using %zu",
	    key, want, most);
	return most;
}

/*
 * Descriptors are shared out once, at the boot plane's conn_init: the
 * admin plane's limit is set aside (one each), and each boot connection
 * may hold a socket and a file being sent; some are kept for the rest.
 */
static void
conn_limits(struct bootweb *bw)
{
	size_t	 nofile = conn_nofile(), spare, avail, boot;

	spare = nofile / 4 < BW_SPARE_FDS ? nofile / 4 : BW_SPARE_FDS;
	avail = nofile - spare;
	bw->adm.pl_max = bw->admin == NULL ? 0 :
	    conn_limit(bw, "admin_max_connections", BW_ADMIN_CONNS, avail / 4);
	boot = (avail - bw->adm.pl_max) / 2;
	bw->boot.pl_max = conn_limit(bw, "max_connections", BW_MAX_CONNS,
	    boot > 0 ? boot : 1);
	bw->boot.pl_max_addr = (size_t)nb_conf_getnum(bw->d->conf, "bootweb",
	    "max_connections_per_address", BW_MAX_PER_ADDR);
	log_debug("at most %zu boot, %zu from one address, and %zu admin "
	    "connections (%zu descriptors)", bw->boot.pl_max,
	    bw->boot.pl_max_addr, bw->adm.pl_max, nofile);
}

void
conn_init(struct bootweb *bw, struct bw_plane *pl, struct evhttp *http,
    struct evhttp_bound_socket *bound)
{
	TAILQ_INIT(&pl->pl_conns);
	TAILQ_INIT(&pl->pl_pending);
	conn_bw = bw;
	pl->pl_bw = bw;
	pl->pl_name = pl == &bw->boot ? "boot" : "admin";
	pl->pl_http = http;
	pl->pl_bound = bound;
	pl->pl_listener = evhttp_bound_socket_get_listener(bound);
	if (pl == &bw->boot)
		conn_limits(bw);
	pl->pl_ev_fixup = event_new(bw->d->base, -1, 0, conn_fixup, pl);
	pl->pl_ev_retry = evtimer_new(bw->d->base, conn_retry, pl);
	if (pl->pl_ev_fixup == NULL || pl->pl_ev_retry == NULL)
		fatalx("%s: out of memory", __func__);
	evconnlistener_set_error_cb(pl->pl_listener, conn_accept_error);
}

/*
 * The connection of evcon on a plane, or NULL. It moves to the front: the
 * lookup after a request's (its reply's end) and those of busy keep-alive
 * connections are then short, not a walk of every idle connection.
 */
static struct bw_conn *
conn_find(struct bw_plane *pl, struct evhttp_connection *evcon)
{
	struct bw_conn	*c;

	TAILQ_FOREACH(c, &pl->pl_conns, entry)
		if (c->evcon == evcon) {
			TAILQ_REMOVE(&pl->pl_conns, c, entry);
			TAILQ_INSERT_HEAD(&pl->pl_conns, c, entry);
			return c;
		}
	return NULL;
}

/* A whole request arrived: its deadline no longer applies. */
void
conn_request(struct bw_plane *pl, struct evhttp_request *req)
{
	static int	 warned;
	struct bw_conn	*c;

	if ((c = conn_find(pl, evhttp_request_get_connection(req))) != NULL)
		evtimer_del(c->ev_late);
	else if (!warned++)
		log_warnx("%s plane: a request on a connection not counted: "
		    "libevent's evhttp no longer works as conn.c expects",
		    pl->pl_name);
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

/* After a reply: the read timeout and the deadline, for the next request. */
void
conn_sent(struct evhttp_request *req, void *arg)
{
	struct bw_plane			*pl = arg;
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct timeval			 tv = { pl->pl_bw->timeout, 0 };
	struct bw_conn			*c;

	if (evcon == NULL)
		return;
	bufferevent_set_timeouts(evhttp_connection_get_bufferevent(evcon),
	    &tv, &tv);
	if ((c = conn_find(pl, evcon)) != NULL)
		conn_arm(c);
}

static void
conn_stop_tick(evutil_socket_t fd, short events, void *arg)
{
	struct bootweb	*bw = arg;

	if (bw->boot.pl_nconns == 0)
		nb_daemon_exit(bw->d);
}

static void
conn_deadline(evutil_socket_t fd, short events, void *arg)
{
	struct bootweb	*bw = arg;

	log_warnx("shutdown_grace over: closing %zu connections still open",
	    bw->boot.pl_nconns);
	nb_daemon_exit(bw->d);
}

/* Stop accepting on a plane. */
static void
conn_unlisten(struct bw_plane *pl)
{
	if (pl->pl_ev_retry != NULL)
		evtimer_del(pl->pl_ev_retry);
	if (pl->pl_http != NULL && pl->pl_bound != NULL)
		evhttp_del_accept_socket(pl->pl_http, pl->pl_bound);
	pl->pl_bound = NULL;
	pl->pl_listener = NULL;
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
	conn_unlisten(&bw->boot);
	conn_unlisten(&bw->adm);
	/* Nothing read and nothing to send: between requests, safe to close. */
	for (c = TAILQ_FIRST(&bw->boot.pl_conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		bev = evhttp_connection_get_bufferevent(c->evcon);
		if (evbuffer_get_length(bufferevent_get_input(bev)) == 0 &&
		    evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			evhttp_connection_free(c->evcon);	/* conn_closed frees c */
	}
	log_info("stopped listening; %zu connections in flight, waiting up to %d s",
	    bw->boot.pl_nconns, bw->grace);
	if (bw->boot.pl_nconns == 0 && TAILQ_EMPTY(&bw->boot.pl_pending)) {
		nb_daemon_exit(bw->d);
		return;
	}
	bw->ev_stop = event_new(bw->d->base, -1, EV_PERSIST, conn_stop_tick, bw);
	bw->ev_deadline = evtimer_new(bw->d->base, conn_deadline, bw);
	if (bw->ev_stop == NULL || bw->ev_deadline == NULL ||
	    event_add(bw->ev_stop, &tick) == -1 || evtimer_add(bw->ev_deadline, &grace) == -1)
		nb_daemon_exit(bw->d);
}

/* Free a plane's part of what conn_init made. */
static void
conn_free_plane(struct bw_plane *pl)
{
	struct bw_conn	*c;

	while ((c = TAILQ_FIRST(&pl->pl_conns)) != NULL) {
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		TAILQ_REMOVE(&pl->pl_conns, c, entry);
		conn_release_alive(c, 1);
	}
	while ((c = TAILQ_FIRST(&pl->pl_pending)) != NULL) {
		TAILQ_REMOVE(&pl->pl_pending, c, entry);
		bufferevent_decref(c->bev);
		conn_release(c);
	}
	if (pl->pl_ev_fixup != NULL)
		event_free(pl->pl_ev_fixup);
	if (pl->pl_ev_retry != NULL)
		event_free(pl->pl_ev_retry);
}

/* Free what conn_init made; the connections themselves go with evhttp_free. */
void
conn_free(struct bootweb *bw)
{
	conn_free_plane(&bw->boot);
	conn_free_plane(&bw->adm);
	if (bw->ev_stop != NULL)
		event_free(bw->ev_stop);
	if (bw->ev_deadline != NULL)
		event_free(bw->ev_deadline);
}
