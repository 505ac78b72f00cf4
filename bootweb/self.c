/*
 * self.c: the self-API for booting hosts (netbootd parity). It cannot
 * authenticate firmware, so a call is taken only under the capability
 * prefix of the client's boot script, /t/TOKEN/api/v1/self (netboot(7)
 * TRUST MODEL), and reads or changes only that client's record. The bare
 * /api/v1/self is refused with an event.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "bootweb.h"
#include "xmalloc.h"

/* A failure of the self-API: {"error": msg}, sent by the abort path. */
static int
self_fail(struct bw_req *r, int code, const char *msg)
{
	r->json = 1;
	return bw_fail(r, code, "%s", msg);
}

int
self_serve(struct bw_req *r, const char *rest)
{
	log_info("refused /api/v1/self to %s: a token URL is needed", r->ip);
	nb_evq_push(r->bw->d->evq, NULL, "self-refused", r->ip,
	    "refused /%s: the self-API is served only under the token URL "
	    "of the client's boot script", r->path);
	return self_fail(r, 403, "the self-API is served only under the "
	    "self_url of your boot script");
}

int
self_call(struct bw_req *r, const char *mac, const char *rest)
{
	struct nb_db		*db = r->bw->d->db;
	struct nb_client	 c;
	json_t			*o;
	int			 rc, code = 0;
	int			 post = r->method == EVHTTP_REQ_POST;

	if (strcmp(rest, "inventory") == 0)
		return self_inventory(r, mac);
	nb_client_init(&c);
	if (*rest != '\0' && strcmp(rest, "done") != 0 &&
	    strcmp(rest, "suspend") != 0 && strcmp(rest, "unsuspend") != 0) {
		code = self_fail(r, 404, "no such self-API call");
		goto done;
	}
	if ((*rest == '\0') == post) {
		r->allow = post ? BW_GET : BW_POST;
		code = self_fail(r, 405, *rest == '\0' ? "use GET" :
		    "use POST");
		goto done;
	}
	if ((rc = nb_client_get(db, mac, &c)) != NB_OK) {
		code = self_fail(r, rc == NB_NOTFOUND ? 404 : 503,
		    rc == NB_NOTFOUND ? "no such client" : nb_db_errmsg(db));
		goto done;
	}
	/* Queued, and answered from the record as it will be once written. */
	if (strcmp(rest, "done") == 0) {
		nb_wq_next_boot_done(r->bw->d->evq, c.mac, NB_NEXT_NONE);
		nb_evq_push(r->bw->d->evq, c.mac, "self-done", r->ip,
		    "installation done%s%s",
		    c.next_boot != NB_NEXT_NONE ? ", cleared next_boot " : "",
		    c.next_boot != NB_NEXT_NONE ?
		    nb_next_boot_name(c.next_boot) : "");
		c.next_boot = NB_NEXT_NONE;
	} else if (*rest != '\0') {
		c.suspended = strcmp(rest, "suspend") == 0;
		nb_wq_suspended(r->bw->d->evq, c.mac, c.suspended);
		nb_evq_push(r->bw->d->evq, c.mac, c.suspended ?
		    "self-suspend" : "self-unsuspend", r->ip,
		    "%s by the client itself", rest);
	}
	o = nb_client_json(&c);
	http_send_json(r, 200, o);
	json_decref(o);
 done:
	nb_client_clear(&c);
	return code;
}
