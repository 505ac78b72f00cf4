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
	int		 fd;		/* ok: the body; the waiter closes it */
	int64_t		 size;
	time_t		 mtime;
	int		 fetched;	/* a GET brought it (else cached) */
	int		 status;	/* the upstream's HTTP status or 0 */
	char		 host[256];	/* the URL's host, for events */
	char		 msg[256];	/* why it failed */
};

typedef void	 nb_up_cb(const struct nb_up_result *, void *arg);

/* A fetch under way: the first have bytes of total are in fd. */
struct nb_up_progress {
	int		 fd;		/* the temporary file: pread or dup only */
	int64_t		 have;
	int64_t		 total;		/* the upstream's Content-Length */
};

/*
 * Called as a 200 with a Content-Length arrives, from inside curl's
 * callback: it may send what it has, never call nb_up_*.
 */
typedef void	 nb_up_progress_cb(const struct nb_up_progress *, void *arg);

/* A fetcher on base, caching under datadir, limits from conf's global keys. */
struct nb_up	*nb_up_new(struct event_base *base, const char *datadir,
		    const struct nb_conf *conf);
/* Stop every fetch (waiters are not called) and free the fetcher. */
void		 nb_up_free(struct nb_up *);
/* Call cb later with url's body: cached, validated or fetched. */
struct nb_up_wait *nb_up_get(struct nb_up *, const char *url, nb_up_cb *cb,
		    void *arg);
/* Also tell w of the body as it arrives, before it is whole. */
void		 nb_up_stream(struct nb_up_wait *w, nb_up_progress_cb *cb);
/* Forget a waiter whose client went away (its fetch goes on for the cache). */
void		 nb_up_cancel(struct nb_up_wait *);

#endif
