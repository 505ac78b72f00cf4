/*
 * upstream.h: files of the files table that live at an HTTP(S) URL,
 * fetched with libcurl on the daemon's own event loop and kept in a
 * bounded on-disk cache (netboot(7) UPSTREAM FILES).
 */
#ifndef NB_UPSTREAM_H
#define NB_UPSTREAM_H

#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "conf.h"

#define NB_UP_CACHE_DIR	".cache/upstream"	/* under the data directory */

struct nb_up;
struct nb_up_wait;

/* What a waiter gets: a cached body to serve, or why there is none. */
struct nb_up_result {
	int		 ok;
	int		 fd;		/* ok: the body, read-only; the waiter closes it */
	int64_t		 size;
	time_t		 mtime;
	int		 fetched;	/* 1: a GET brought a body, 0: the cache served */
	int		 status;	/* the upstream's HTTP status, 0 if none */
	char		 host[256];	/* the URL's host, for events (never the query) */
	char		 msg[256];	/* failure: for the client and the event */
};

typedef void	 nb_up_cb(const struct nb_up_result *, void *arg);

/* A fetcher on base, caching under datadir, limits from conf's global keys. */
struct nb_up	*nb_up_new(struct event_base *base, const char *datadir,
		    const struct nb_conf *conf);
/* Stop every fetch (waiters are not called) and free the fetcher. */
void		 nb_up_free(struct nb_up *);
/* Call cb later with url's body: cached, validated or fetched. */
struct nb_up_wait *nb_up_get(struct nb_up *, const char *url, nb_up_cb *cb,
		    void *arg);
/* Forget a waiter whose client went away (its fetch goes on for the cache). */
void		 nb_up_cancel(struct nb_up_wait *);

#endif
