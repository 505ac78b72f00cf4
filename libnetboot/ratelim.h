/* ratelim.h: bounds on what one source, and all together, may cost us. */
#ifndef NB_RATELIM_H
#define NB_RATELIM_H

#include <stddef.h>
#include <stdint.h>

#define NB_RATELIM_SLOTS	256	/* sources tracked at once */

/*
 * At most per_source hits per source key in each window, and at most
 * total hits of all sources together (spoofed UDP sources are many).
 */
struct nb_ratelim {
	unsigned int	 per_source, total;
	uint64_t	 window_ms;
	uint64_t	 start_ms;	/* of the current window */
	unsigned int	 ntotal;
	unsigned long long nsuppressed;	/* hits refused, ever */
	struct {
		char		 key[48];
		uint64_t	 start_ms;
		unsigned int	 n;
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
