/*
 * ratelim.c: a fixed-size window counter per source, plus one for all
 * sources. It bounds the events a failing or hostile client can add to
 * the boot log (a TFTP source address is trivially spoofed, hence the
 * total). Sources share slots by hash: a collision restarts the slot's
 * count, which the total still bounds.
 */
#include "config.h"

#include <string.h>
#include <time.h>

#include "ratelim.h"

void
nb_ratelim_init(struct nb_ratelim *rl, unsigned int per_source,
    unsigned int total, uint64_t window_ms)
{
	memset(rl, 0, sizeof(*rl));
	rl->per_source = per_source;
	rl->total = total;
	rl->window_ms = window_ms;
}

/* FNV-1a of a source key. */
static uint32_t
ratelim_hash(const char *key)
{
	uint32_t	 h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

int
nb_ratelim_hit(struct nb_ratelim *rl, const char *key, uint64_t now_ms)
{
	size_t	 i = ratelim_hash(key) % NB_RATELIM_SLOTS;

	if (now_ms - rl->start_ms >= rl->window_ms) {
		rl->start_ms = now_ms;
		rl->ntotal = 0;
	}
	if (strcmp(rl->slot[i].key, key) != 0 ||
	    now_ms - rl->slot[i].start_ms >= rl->window_ms) {
		strlcpy(rl->slot[i].key, key, sizeof(rl->slot[i].key));
		rl->slot[i].start_ms = now_ms;
		rl->slot[i].n = 0;
	}
	if (rl->slot[i].n >= rl->per_source || rl->ntotal >= rl->total) {
		rl->nsuppressed++;
		return 0;
	}
	rl->slot[i].n++;
	rl->ntotal++;
	return 1;
}

uint64_t
nb_monotonic_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
