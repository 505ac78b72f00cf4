/*
 * evhttp.c: what bootweb/conn.c takes from libevent's evhttp
 * beyond its documented API, checked against the libevent we link. evhttp
 * 2.1 has no callback for a new connection, so conn.c learns a
 * connection's evhttp_connection from the bufferevent it made for it
 * (evhttp_set_bevcb): in the loop pass after the accept, the argument of
 * that bufferevent's callbacks is the evhttp_connection (libevent's
 * http.c sets it so in every bufferevent_setcb). If a libevent release
 * changes that, this test fails, and conn.c must change with it.
 *
 * The calls are conn.c's, in its order: bevcb, an active event for the
 * fixup, bufferevent_getcb there, the close callback, then the request.
 * Loopback only; each wait is bounded.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "tap.h"

static struct bufferevent	*made;		/* by bevcb */
static struct event		*ev_fixup;
static void			*cbarg_seen;	/* in the fixup */
static int			 ncb, nclosed, nreq, conn_ok, bev_ok;

static struct bufferevent *
bevcb(struct event_base *base, void *arg)
{
	made = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_incref(made);
	event_active(ev_fixup, EV_TIMEOUT, 1);
	return made;
}

static void
closed(struct evhttp_connection *evcon, void *arg)
{
	nclosed++;
}

static void
fixup(evutil_socket_t fd, short events, void *arg)
{
	bufferevent_event_cb	 eventcb;

	bufferevent_getcb(made, NULL, NULL, &eventcb, &cbarg_seen);
	ncb = eventcb != NULL;
	bufferevent_decref(made);
	/* What conn.c then does with it: a public call on a connection. */
	if (cbarg_seen != NULL)
		evhttp_connection_set_closecb(cbarg_seen, closed, NULL);
}

static void
gencb(struct evhttp_request *req, void *arg)
{
	struct evhttp_connection	*evcon;

	evcon = evhttp_request_get_connection(req);
	nreq++;
	conn_ok = evcon != NULL && (void *)evcon == cbarg_seen;
	bev_ok = evcon != NULL &&
	    evhttp_connection_get_bufferevent(evcon) == made;
	evhttp_send_reply(req, 200, "OK", NULL);
}

static int
readable(int s)
{
	struct pollfd	 pfd = { s, POLLIN, 0 };

	return poll(&pfd, 1, 0) == 1;
}

/* Run the loop until cond holds, at most about 5 s. */
#define RUN_UNTIL(base, cond) do {					\
	struct timeval	 tick_ = { 0, 10000 };				\
	int		 i_;						\
	for (i_ = 0; i_ < 500 && !(cond); i_++)				\
		event_base_loopexit(base, &tick_),			\
		event_base_dispatch(base);				\
} while (0)

int
main(void)
{
	struct event_base		*base = event_base_new();
	struct evhttp			*http = evhttp_new(base);
	struct evhttp_bound_socket	*bound;
	struct sockaddr_in		 sin;
	socklen_t			 len = sizeof(sin);
	static const char		 get[] =
	    "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
	char				 buf[512];
	int				 s;

	ev_fixup = event_new(base, -1, 0, fixup, NULL);
	evhttp_set_bevcb(http, bevcb, NULL);
	evhttp_set_gencb(http, gencb, NULL);
	bound = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	ok(bound != NULL, "evhttp listens on loopback");
	if (bound == NULL)
		return done_testing();
	getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sin,
	    &len);
	s = socket(AF_INET, SOCK_STREAM, 0);
	ok(connect(s, (struct sockaddr *)&sin, len) == 0, "connected");
	RUN_UNTIL(base, cbarg_seen != NULL);
	ok(made != NULL, "evhttp made its bufferevent with our bevcb");
	ok(ncb && cbarg_seen != NULL,
	    "in the next loop pass the bufferevent has an event callback");
	ok(write(s, get, sizeof(get) - 1) == (ssize_t)(sizeof(get) - 1),
	    "request written");
	RUN_UNTIL(base, nreq > 0);
	ok(nreq == 1, "the request arrived");
	ok(conn_ok, "its callback argument is the request's "
	    "evhttp_connection (conn.c's fixup relies on it)");
	ok(bev_ok, "whose bufferevent is the one our bevcb made");
	RUN_UNTIL(base, readable(s));	/* let the reply go */
	ok(read(s, buf, sizeof(buf)) > 0, "a reply came");
	close(s);
	RUN_UNTIL(base, nclosed > 0);
	ok(nclosed == 1, "the close callback set on it ran once");
	evhttp_free(http);
	event_free(ev_fixup);
	event_base_free(base);
	return done_testing();
}
