/*
 * api-webhook.c: /api/v1/webhooks (bootweb(8) ADMIN API), what bootctl
 * webhook add, list and rm do, through the same functions. A webhook's
 * secret is never shown, except the one made up when none is given,
 * once, in the answer that made it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"
#include "webhook.h"

#define WH_SECRET_BYTES	32	/* of a secret made up */

static int
wh_one(const struct nb_webhook *w, void *arg)
{
	json_array_append_new(arg, nb_webhook_json(w));
	return 0;
}

/* POST: add {url, events, secret}. */
static int
wh_add(struct bw_req *r)
{
	uint8_t		 rnd[WH_SECRET_BYTES];
	char		 made[2 * WH_SECRET_BYTES + 1];
	const char	*url, *events, *secret;
	int64_t		 id;
	json_t		*o, *out;
	int		 code, rc;

	if ((code = api_body(r, &o)) != 0)
		return code;
	if ((code = api_str(r, o, "url", &url)) != 0 ||
	    (code = api_str(r, o, "events", &events)) != 0 ||
	    (code = api_str(r, o, "secret", &secret)) != 0)
		goto done;
	if (url == NULL || *url == '\0') {
		code = bw_fail(r, 422, "url is needed");
		goto done;
	}
	if (events == NULL || *events == '\0')
		events = "*";
	made[0] = '\0';
	if (secret == NULL || *secret == '\0') {
		arc4random_buf(rnd, sizeof(rnd));
		nb_hex(rnd, sizeof(rnd), made);
		explicit_bzero(rnd, sizeof(rnd));
		secret = made;
	}
	if ((rc = nb_webhook_add(r->bw->d->db, url, events, secret,
	    &id)) != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	log_info("%s: webhook %lld for %s", r->user, (long long)id, url);
	out = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "url", url,
	    "events", events);
	if (made[0] != '\0')
		json_object_set_new(out, "secret", json_string(made));
	api_send(r, 201, out);
 done:
	explicit_bzero(made, sizeof(made));
	json_decref(o);
	return code;
}

/* GET /api/v1/webhooks, POST /api/v1/webhooks, DELETE /api/v1/webhooks/ID. */
int
api_webhooks(struct bw_req *r, const char *rest)
{
	const char	*errstr;
	int64_t		 id;
	json_t		*a;
	int		 rc;

	if (*rest == '\0' && r->method == EVHTTP_REQ_POST)
		return wh_add(r);
	if (*rest == '\0') {
		a = json_array();
		if ((rc = nb_webhook_list(r->bw->d->db, wh_one, a)) != NB_OK) {
			json_decref(a);
			return api_dberr(r, rc);
		}
		api_send(r, 200, json_pack("{s:o}", "webhooks", a));
		return 0;
	}
	id = strtonum(rest + (*rest == '/'), 1, INT64_MAX, &errstr);
	if (errstr != NULL)
		return bw_fail(r, 404, "no webhook %s", rest);
	if ((rc = nb_webhook_rm(r->bw->d->db, id)) != NB_OK)
		return api_dberr(r, rc);
	log_info("%s: webhook %lld removed", r->user, (long long)id);
	api_send(r, 200, json_pack("{s:b}", "ok", 1));
	return 0;
}
