/*
 * inventory.h: inventory history (netboot(7) INVENTORY): each boot's
 * report from iPXE and each installer's report of disks and NICs, the
 * last inventory.keep of each client.
 */
#ifndef NB_INVENTORY_H
#define NB_INVENTORY_H

#include <stdint.h>

#include "db.h"

#define NB_INV_KEEP		10	/* inventory.keep's default */
#define NB_INV_LIST_MAX		64	/* entries of a list in a report */
#define NB_INV_REPORT_MAX	(64 * 1024)	/* bytes of a report, as JSON */

struct nb_inventory {
	int64_t		 id;
	char		 mac[NB_MACSTR_LEN];
	const char	*source;	/* "ipxe", "self" */
	json_t		*data;
	int64_t		 time;
};

/*
 * Clean a report of the self-API: at most NB_INVENTORY_MAX keys, each a
 * clean scalar, or a list of at most NB_INV_LIST_MAX clean scalars or
 * objects of clean scalars (disks, NICs); what does not fit is left out.
 */
json_t	*nb_inventory_report_clean(json_t *report);
/*
 * Append an inventory of mac from source ("ipxe": cleaned as iPXE's
 * variables; "self": as a report), then keep only its newest
 * inventory.keep. Call in a transaction (the writer's).
 */
int	 nb_inventory_add(struct nb_db *, const char *mac, const char *source,
	    json_t *data, int64_t when);
/* Call fn for mac's inventories, newest first, at most limit. */
int	 nb_inventory_list(struct nb_db *, const char *mac, int64_t limit,
	    int (*fn)(const struct nb_inventory *, void *), void *arg);
/* An inventory as JSON: id, source, time, data. */
json_t	*nb_inventory_json(const struct nb_inventory *);

#endif
