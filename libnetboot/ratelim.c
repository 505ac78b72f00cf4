/*
 * ratelim.c: the one rate limiter, a count of hits per fixed window,
 * alone (log lines, a link's new leases) or per source plus a total
 * (the events a failing or hostile client may add to the boot log: a
 * TFTP source address is trivially spoofed, hence the total).
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "hash.h"
#include "log.h"
#include "ratelim.h"

int
nb_rate_hit(struct nb_rate *r, unsigned int limit, uint64_t window_ms,
    uint64_t now_ms, unsigned int *refused)
{
	if (refused != NULL)
		*refused = 0;
	/* A clock stepped back starts a new window too (unsigned). */
	if (now_ms - r->start_ms >= window_ms) {
		if (refused != NULL)
			*refused = r->refused;
		r->start_ms = now_ms;
		r->n = r->refused = 0;
	}
	if (r->n >= limit) {
		r->refused++;
		return 0;
	}
	r->n++;
	return 1;
}

int
nb_rate_full(const struct nb_rate *r, unsigned int limit, uint64_t window_ms,
    uint64_t now_ms)
{
	return now_ms - r->start_ms < window_ms && r->n >= limit;
}

int
nb_rate_log(struct nb_rate *r, unsigned int per_sec)
{
	unsigned int	 left;

	if (!nb_rate_hit(r, per_sec, 1000, nb_monotonic_ms(), &left))
		return 0;
	if (left > 0)
		log_warnx("%u more like the next were not logged", left);
	return 1;
}

void
nb_ratelim_init(struct nb_ratelim *rl, unsigned int per_source,
    unsigned int total, uint64_t window_ms)
{
	memset(rl, 0, sizeof(*rl));
	rl->per_source = per_source;
	rl->total = total;
	rl->window_ms = window_ms;
}

int
nb_ratelim_hit(struct nb_ratelim *rl, const char *key, uint64_t now_ms)
{
	size_t	 i = nb_hash_str(key) % NB_RATELIM_SLOTS;

	if (strcmp(rl->slot[i].key, key) != 0) {
		strlcpy(rl->slot[i].key, key, sizeof(rl->slot[i].key));
		memset(&rl->slot[i].rate, 0, sizeof(rl->slot[i].rate));
		rl->slot[i].rate.start_ms = now_ms;
	}
	if (!nb_rate_hit(&rl->slot[i].rate, rl->per_source, rl->window_ms,
	    now_ms, NULL)) {
		rl->nsuppressed++;
		return 0;
	}
	if (!nb_rate_hit(&rl->all, rl->total, rl->window_ms, now_ms, NULL)) {
		rl->slot[i].rate.n--;	/* refused: not the source's */
		rl->nsuppressed++;
		return 0;
	}
	return 1;
}

uint64_t
nb_monotonic_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
