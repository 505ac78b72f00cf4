/*
 * feed.c: policies on their way from the writer thread to the loop. The
 * writer (the skeleton's write-behind queue, record.c) calls feed_check
 * between passes: when PRAGMA data_version on its connection moved,
 * which only another process's commit (bootctl, bootweb) does, or a
 * reload asks, it builds a new policy (policy.c) and leaves it here; the
 * loop takes the newest between two receive batches, so a policy never
 * changes under a request.
 *
 * The DHCPv6 leases travel the same way (lease6.c): read again after
 * another process's commit or when the loop asks, and, when they differ
 * from the last read, built into a copy stamped with the last lease
 * change of the loop's that the writer had committed.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "pxedhcpd.h"
#include "ratelim.h"
#include "xmalloc.h"

#define FIRST_SEC	30	/* the start's wait for the first policy */
#define LEASES_SHARE	10	/* leases6 reads: a tenth of the thread */

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
	uint32_t	 good;		/* the last policy read whole */
	int		 down;		/* the database cannot be read */
	/* The DHCPv6 leases: as last read, and a copy for the loop. */
	struct lease6_rows l6rows;
	struct lease6_tab *l6next;
	int		 l6dirty;	/* another process committed */
	uint64_t	 l6at;		/* the next read, not before (ms) */
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

/*
 * The DHCPv6 leases, read again when another process committed, or at
 * once when asked (now), for the loop's copy (lease6.c). A read costs a
 * scan of leases6: after one that took d, the next waits (LEASES_SHARE -
 * 1) d, so that a large table is not read on every commit of bootweb's
 * events; a small one is read within the idle hook's 50 ms.
 */
static void
feed_leases_check(struct nb_db *db, struct feed *f, uint64_t seq, int now)
{
	struct lease6_tab	*t = NULL, *old;
	uint64_t		 t0 = nb_monotonic_ms();

	if (!now && (!f->l6dirty || t0 < f->l6at))
		return;
	f->l6dirty = lease6_read(db, &f->l6rows, seq, &t) == -1;
	f->l6at = t0 + LEASES_SHARE * (nb_monotonic_ms() - t0);
	if (t == NULL)
		return;
	pthread_mutex_lock(&f->mtx);
	old = f->l6next;	/* never taken: superseded */
	f->l6next = t;
	pthread_mutex_unlock(&f->mtx);
	lease6_tab_free(old);
}

/*
 * The database cannot be read: the loop keeps the policy and leases it
 * has, events wait in the write queue; one line says so, not one a tick.
 * A reload waits for the database.
 */
static void
feed_down(struct feed *f, int reload)
{
	if (reload) {
		pthread_mutex_lock(&f->mtx);
		f->reload = 1;
		pthread_mutex_unlock(&f->mtx);
	}
	if (f->down)
		return;
	f->down = 1;
	log_warnx("the database cannot be read: answering from memory with "
	    "policy %u until it returns", f->good);
}

void
feed_check(struct nb_db *db, struct feed *f, uint64_t seq)
{
	struct policy_conf	 conf;
	struct policy		*p, *old = NULL;
	int			 reload, changed, ok;

	pthread_mutex_lock(&f->mtx);
	reload = f->reload;
	f->reload = 0;
	conf = f->conf;
	pthread_mutex_unlock(&f->mtx);
	if ((changed = nb_db_changed(db, &f->data_version)))
		f->l6dirty = 1;
	/* Unreachable (PostgreSQL down): keep answering from memory. */
	if (f->data_version == -1 && f->gen > 0) {
		feed_down(f, reload);
		return;
	}
	/* First: at start, the loop has the leases when it has a policy. */
	feed_leases_check(db, f, seq, reload);
	if (!changed && !reload)
		return;
	p = policy_build(db, &conf, ++f->gen, &ok);
	if (!ok && f->gen > 1) {
		/* Half a policy would answer wrongly: keep the last one. */
		policy_free(p);
		f->data_version = -1;	/* build again once readable */
		feed_down(f, reload);
		return;
	}
	if (ok)
		f->good = f->gen;
	if (ok && f->down) {
		log_warnx("the database is readable again: policy %u read",
		    f->gen);
		f->down = 0;
	}
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
feed_refresh(struct feed *f)
{
	pthread_mutex_lock(&f->mtx);
	f->reload = 1;
	pthread_mutex_unlock(&f->mtx);
}

struct lease6_tab *
feed_leases(struct feed *f)
{
	struct lease6_tab	*t;

	pthread_mutex_lock(&f->mtx);
	t = f->l6next;
	f->l6next = NULL;
	pthread_mutex_unlock(&f->mtx);
	return t;
}

void
feed_free(struct feed *f)
{
	policy_free(f->cur);
	policy_free(f->next);
	lease6_tab_free(f->l6next);
	lease6_rows_free(&f->l6rows);
	pthread_mutex_destroy(&f->mtx);
	pthread_cond_destroy(&f->cond);
	free(f);
}
