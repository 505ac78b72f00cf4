/*
 * self-inventory.c: POST /t/TOKEN/api/v1/self/inventory (netboot(7)
 * INVENTORY): an installer or agent on the client reports its disks,
 * NICs and whatever else, as a JSON object. Only under the client's
 * per-boot token (self.c), only for that client; the report is cleaned
 * and bounded (nb_inventory_report_clean) and queued for the writer,
 * which keeps the client's newest inventory.keep inventories.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "bootweb.h"
#include "inventory.h"

/* A failure of the self-API: {"error": ...}, sent by the abort path. */
static int
inv_fail(struct bw_req *r, int code, const char *msg)
{
	r->json = 1;
	return bw_fail(r, code, "%s", msg);
}

/* The body as a JSON object, or a status. */
static int
inv_body(struct bw_req *r, json_t **out)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(r->req);
	const char	*type;
	size_t		 len = evbuffer_get_length(in);

	*out = NULL;
	type = evhttp_find_header(evhttp_request_get_input_headers(r->req),
	    "Content-Type");
	if (type == NULL || strncasecmp(type, "application/json", 16) != 0)
		return inv_fail(r, 415, "the report is application/json");
	if (len > NB_INV_REPORT_MAX)
		return inv_fail(r, 413, "the report is too large");
	*out = json_loadb((const char *)evbuffer_pullup(in, -1), len, 0,
	    NULL);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return inv_fail(r, 400, "the report must be a JSON object");
	}
	return 0;
}

int
self_inventory(struct bw_req *r, const char *mac)
{
	struct nb_client	 c;
	json_t			*o = NULL, *clean, *reply;
	int			 rc, code;

	if (r->method != EVHTTP_REQ_POST) {
		r->allow = BW_POST;
		return inv_fail(r, 405, "use POST");
	}
	if ((code = inv_body(r, &o)) != 0)
		return code;
	nb_client_init(&c);
	if ((rc = nb_client_get(r->bw->d->db, mac, &c)) != NB_OK) {
		code = inv_fail(r, rc == NB_NOTFOUND ? 404 : 503,
		    rc == NB_NOTFOUND ? "no such client" :
		    nb_db_errmsg(r->bw->d->db));
		goto done;
	}
	clean = nb_inventory_report_clean(o);
	nb_wq_report(r->bw->d->evq, c.mac, clean);
	nb_evq_push(r->bw->d->evq, c.mac, "self-inventory", r->ip,
	    "an inventory of %zu keys", json_object_size(clean));
	reply = json_pack("{s:s, s:o}", "mac", c.mac, "inventory", clean);
	http_send_json(r, 200, reply);
	json_decref(reply);
 done:
	nb_client_clear(&c);
	json_decref(o);
	return code;
}
