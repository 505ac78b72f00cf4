/*
 * api-inventory.c: GET /api/v1/inventories?mac=M (bootweb(8) ADMIN API):
 * a client's inventory history, newest first, as bootctl client show
 * prints it (netboot(7) INVENTORY).
 */
#include "config.h"

#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "inventory.h"

static int
inv_one(const struct nb_inventory *inv, void *arg)
{
	json_array_append_new(arg, nb_inventory_json(inv));
	return 0;
}

int
api_inventories(struct bw_req *r, const char *rest)
{
	struct evkeyvalq	 q;
	const char		*s;
	char			 mac[NB_MACSTR_LEN];
	long long		 limit, off;
	json_t			*a;
	int			 code, rc;

	TAILQ_INIT(&q);
	if ((code = api_paging(r, &q, &limit, &off)) != 0)
		goto done;
	if ((s = api_query(r, &q, "mac")) == NULL ||
	    nb_mac_canon(s, mac) == -1) {
		code = bw_fail(r, 400, "mac=MAC is needed");
		goto done;
	}
	a = json_array();
	if ((rc = nb_inventory_list(r->bw->d->db, mac, limit, inv_one,
	    a)) != NB_OK) {
		json_decref(a);
		code = api_dberr(r, rc);
		goto done;
	}
	api_send(r, 200, json_pack("{s:s, s:o}", "mac", mac, "inventories",
	    a));
 done:
	evhttp_clear_headers(&q);
	return code;
}
