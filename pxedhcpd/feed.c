/*
 * feed.c: policies on their way from the writer thread to the loop. The
 * writer (the skeleton's write-behind queue, record.c) calls feed_check
 * between passes: when PRAGMA data_version on its connection moved,
 * which only another process's commit (bootctl, bootweb) does, or a
 * reload asks, it builds a new policy (policy.c) and leaves it here; the
 * loop takes the newest between two receive batches, so a policy never
 * changes under a request.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "pxedhcpd.h"
#include "xmalloc.h"

#define FIRST_SEC	30	/* the start's wait for the first policy */

struct feed {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	/* The policy: the loop's, and a newer one waiting for it. */
	struct policy	*cur, *next;
	atomic_int	 fresh;		/* next is set */
	struct policy_conf conf;
	int		 reload;	/* build one with conf now */
	int64_t		 data_version;
	uint32_t	 gen;
};

struct feed *
feed_new(const struct policy_conf *conf)
{
	struct feed		*f = xcalloc(1, sizeof(*f));
	pthread_condattr_t	 ca;

	f->conf = *conf;
	f->reload = 1;		/* the first policy, before any packet */
	f->data_version = -1;
	pthread_mutex_init(&f->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cond, &ca);
	pthread_condattr_destroy(&ca);
	return f;
}

void
feed_check(struct nb_db *db, struct feed *f)
{
	struct policy_conf	 conf;
	struct policy		*p, *old = NULL;
	int			 reload;

	pthread_mutex_lock(&f->mtx);
	reload = f->reload;
	f->reload = 0;
	conf = f->conf;
	pthread_mutex_unlock(&f->mtx);
	if (!nb_db_changed(db, &f->data_version) && !reload)
		return;
	p = policy_build(db, &conf, ++f->gen);
	pthread_mutex_lock(&f->mtx);
	old = f->next;		/* built earlier, never taken: superseded */
	f->next = p;
	atomic_store_explicit(&f->fresh, 1, memory_order_release);
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->mtx);
	policy_free(old);
}

const struct policy *
feed_first(struct feed *f)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += FIRST_SEC;
	pthread_mutex_lock(&f->mtx);
	while (f->next == NULL)
		if (pthread_cond_timedwait(&f->cond, &f->mtx, &ts) ==
		    ETIMEDOUT)
			fatalx("no policy after %d s: the database cannot "
			    "be read", FIRST_SEC);
	pthread_mutex_unlock(&f->mtx);
	return feed_take(f);
}

const struct policy *
feed_take(struct feed *f)
{
	struct policy	*old;

	if (!atomic_load_explicit(&f->fresh, memory_order_acquire))
		return f->cur;
	pthread_mutex_lock(&f->mtx);
	old = f->cur;
	if (f->next != NULL) {
		f->cur = f->next;
		f->next = NULL;
	} else
		old = NULL;
	atomic_store_explicit(&f->fresh, 0, memory_order_relaxed);
	pthread_mutex_unlock(&f->mtx);
	/*
	 * The loop was the only user of the old one, and it is between two
	 * batches.
	 */
	policy_free(old);
	return f->cur;
}

void
feed_reload(struct feed *f, const struct policy_conf *conf)
{
	pthread_mutex_lock(&f->mtx);
	f->conf = *conf;
	f->reload = 1;
	pthread_mutex_unlock(&f->mtx);
}

void
feed_free(struct feed *f)
{
	policy_free(f->cur);
	policy_free(f->next);
	pthread_mutex_destroy(&f->mtx);
	pthread_cond_destroy(&f->cond);
	free(f);
}
