/*
 * cmd-client-inventory.c: the inventory history that bootctl client
 * show prints (netboot(7) INVENTORY): the newest inventory.keep reports
 * of a client, from its boots (iPXE) and from its installer (self-API).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"
#include "inventory.h"

#define INV_SHOW	1000	/* inventories listed at most */

static int
inv_json(const struct nb_inventory *inv, void *arg)
{
	json_array_append_new(arg, nb_inventory_json(inv));
	return 0;
}

/* One inventory as "  TIME SOURCE key=value ...", values escaped. */
static int
inv_print(const struct nb_inventory *inv, void *arg)
{
	const char	*key;
	json_t		*v;
	char		 t[64], k[256], buf[1024], *s;

	printf("  %s %-4s", bc_time(inv->time, t, sizeof(t)), inv->source);
	json_object_foreach(inv->data, key, v) {
		if (json_is_string(v))
			s = strdup(json_string_value(v));
		else
			s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
			    JSON_SORT_KEYS);
		printf(" %s=%s", bc_safe(k, sizeof(k), key),
		    s != NULL ? bc_safe(buf, sizeof(buf), s) : "?");
		free(s);
	}
	printf("\n");
	return 0;
}

int
bc_client_inventories(struct bootctl *bc, const char *mac, json_t *o)
{
	json_t	*a;

	if (o != NULL) {
		a = json_array();
		if (nb_inventory_list(bc->db, mac, INV_SHOW, inv_json,
		    a) != NB_OK) {
			json_decref(a);
			return bc_dberror(bc);
		}
		json_object_set_new(o, "inventories", a);
		return 0;
	}
	printf("inventories (newest first):\n");
	if (nb_inventory_list(bc->db, mac, INV_SHOW, inv_print,
	    NULL) != NB_OK)
		return bc_dberror(bc);
	return 0;
}
