/*
 * timeline.h: the chain of a client's last boot as the daemons recorded
 * it in the events table (netboot(7) EVENTS), the same for bootctl
 * client timeline and GET /api/v1/clients/{mac}/timeline.
 */
#ifndef NB_TIMELINE_H
#define NB_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db.h"

/* One step: an event of the client's. */
struct nb_tl_step {
	int64_t		 id;
	double		 ts;
	char		*daemon;
	char		*kind;
	char		*ip;
	char		*detail;
};

struct nb_timeline;

/* An empty timeline of mac's boots. */
struct nb_timeline *nb_timeline_new(const char *mac);
void		 nb_timeline_free(struct nb_timeline *);
/*
 * Read mac's events newer than those read before and feed them in time
 * order; fn (may be NULL) sees each step as it joins the current boot,
 * newboot set when it starts one.
 */
int		 nb_timeline_read(struct nb_db *, struct nb_timeline *,
		    void (*fn)(const struct nb_timeline *,
		    const struct nb_tl_step *, int newboot, void *), void *arg);
/* The steps of the current (last) boot. */
size_t		 nb_timeline_nsteps(const struct nb_timeline *);
const struct nb_tl_step *nb_timeline_step(const struct nb_timeline *,
		    size_t i);
/* The time steps are measured from: the first DHCP packet, else step 0. */
double		 nb_timeline_base(const struct nb_timeline *);
/* A step as an event object with "t", seconds since the base. */
json_t		*nb_timeline_step_json(const struct nb_timeline *,
		    const struct nb_tl_step *);
/* The last boot: {"mac", "name", "start", "steps"}. */
json_t		*nb_timeline_json(const struct nb_timeline *,
		    const char *name);

#endif
