/*
 * ratelim.h: the one rate limiter: a count of hits per fixed window.
 * nb_rate is one counter (log lines a second, new leases a minute per
 * link); nb_ratelim keeps one per source key plus one for all sources
 * (events a failing or hostile client may add to the boot log).
 */
#ifndef NB_RATELIM_H
#define NB_RATELIM_H

#include <stddef.h>
#include <stdint.h>

/* At most some number of hits in each window; zeroed is ready. */
struct nb_rate {
	uint64_t	 start_ms;	/* of the current window */
	unsigned int	 n;		/* hits counted in it */
	unsigned int	 refused;	/* hits refused in it */
};

/*
 * Count a hit at now_ms against limit hits per window_ms: 1 if it is
 * within the limit, 0 if not. When the hit starts a new window and
 * refused is not NULL, *refused is what the last window refused (else 0).
 */
int	 nb_rate_hit(struct nb_rate *r, unsigned int limit,
	    uint64_t window_ms, uint64_t now_ms, unsigned int *refused);
/* 1 if a hit at now_ms would be refused; counts nothing. */
int	 nb_rate_full(const struct nb_rate *r, unsigned int limit,
	    uint64_t window_ms, uint64_t now_ms);
/*
 * 1 if a log line may go out now on r, at most per_sec a second (else
 * 0); the first line of a second is preceded by one saying how many the
 * last second left out.
 */
int	 nb_rate_log(struct nb_rate *r, unsigned int per_sec);

#define NB_RATELIM_SLOTS	256	/* sources tracked at once */

/*
 * At most per_source hits per source key in each window, and at most
 * total hits of all sources together (spoofed UDP sources are many).
 * Sources share slots by hash: a collision restarts the slot's count,
 * which the total still bounds.
 */
struct nb_ratelim {
	unsigned int	 per_source, total;
	uint64_t	 window_ms;
	struct nb_rate	 all;
	unsigned long long nsuppressed;	/* hits refused, ever */
	struct {
		char		 key[48];
		struct nb_rate	 rate;
	} slot[NB_RATELIM_SLOTS];
};

/* Set up rl: per_source and total hits per window_ms milliseconds. */
void	 nb_ratelim_init(struct nb_ratelim *rl, unsigned int per_source,
	    unsigned int total, uint64_t window_ms);
/* Count a hit of key at now_ms; 1 if it is within the bounds, 0 if not. */
int	 nb_ratelim_hit(struct nb_ratelim *rl, const char *key,
	    uint64_t now_ms);
/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t nb_monotonic_ms(void);

#endif
