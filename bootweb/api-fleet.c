/*
 * api-fleet.c: the fleet's routes: POST /api/v1/clients/actions (a bulk
 * action over a selector or a list of MACs, nb_client_bulk, as bootctl's
 * --selector verbs) and GET /api/v1/clients/{id}/timeline (timeline.c,
 * as bootctl client timeline --json).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api.h"
#include "label.h"
#include "timeline.h"
#include "xmalloc.h"

/* The members an actions body may have. */
static const char *const action_members[] = {
	"action", "selector", "macs", "next_boot", "labels", "secureon",
};

/* The "macs" member: canonical MACs into b; a status if bad. */
static int
actions_macs(struct bw_req *r, json_t *a, struct nb_bulk *b)
{
	json_t	*v;
	size_t	 i;

	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > NB_BULK_MACS_MAX)
		return bw_fail(r, 422, "macs must be an array of 1 to %d MAC "
		    "addresses", NB_BULK_MACS_MAX);
	b->macs = xcalloc(json_array_size(a), sizeof(*b->macs));
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || nb_mac_canon(json_string_value(v),
		    b->macs[i]) == -1)
			return bw_fail(r, 422, "macs[%zu] is not a MAC address",
			    i);
		b->nmacs++;
	}
	return 0;
}

/* The arguments of b's action from the body o; a status if bad. */
static int
actions_args(struct bw_req *r, json_t *o, struct nb_bulk *b,
    uint8_t secureon[NB_MAC_LEN])
{
	const char	*s, *pw;
	int		 code;

	if ((code = api_str(r, o, "next_boot", &s)) != 0 ||
	    (code = api_str(r, o, "secureon", &pw)) != 0)
		return code;
	if (b->action == NB_BULK_NEXT_BOOT && (s == NULL || *s == '\0'))
		return bw_fail(r, 422, "next_boot is needed (install, local, "
		    "menu, shell or clear)");
	if (s != NULL && *s != '\0' && strcmp(s, "clear") != 0 &&
	    nb_next_boot_parse(s, &b->next) == -1)
		return bw_fail(r, 422, "unknown next_boot '%s' (install, "
		    "local, menu, shell or clear)", s);
	if (s != NULL && b->action != NB_BULK_NEXT_BOOT &&
	    b->action != NB_BULK_WAKE)
		return bw_fail(r, 422, "next_boot goes with next-boot or wake");
	if (pw != NULL && (b->action != NB_BULK_WAKE ||
	    nb_mac_parse(pw, secureon) == -1))
		return bw_fail(r, 422, "secureon is 6 bytes as "
		    "xx:xx:xx:xx:xx:xx, with wake");
	b->secureon = pw != NULL ? secureon : NULL;
	b->labels = json_object_get(o, "labels");
	if ((b->labels != NULL) != (b->action == NB_BULK_LABEL))
		return bw_fail(r, 422, "labels goes with label, and label "
		    "needs labels");
	return 0;
}

/* The body of POST /clients/actions into b; a status if bad. */
static int
actions_parse(struct bw_req *r, json_t *o, struct nb_bulk *b,
    struct nb_selector **sel, uint8_t secureon[NB_MAC_LEN])
{
	const char	*key, *action, *s;
	char		 why[256];
	json_t		*v;
	size_t		 i;
	int		 code;

	json_object_foreach(o, key, v) {
		for (i = 0; i < nitems(action_members); i++)
			if (strcmp(key, action_members[i]) == 0)
				break;
		if (i == nitems(action_members))
			return bw_fail(r, 422, "unknown member '%s'", key);
	}
	if ((code = api_str(r, o, "action", &action)) != 0 ||
	    (code = api_str(r, o, "selector", &s)) != 0)
		return code;
	if (action == NULL || nb_bulk_action_parse(action, &b->action) == -1)
		return bw_fail(r, 422, "action is needed: next-boot, wake, "
		    "allow, deny or label");
	if ((s != NULL) == (json_object_get(o, "macs") != NULL))
		return bw_fail(r, 422, "give one of selector and macs");
	if (s != NULL && nb_selector_parse(s, sel, why, sizeof(why)) != NB_OK)
		return bw_fail(r, 422, "selector: %s", why);
	b->sel = *sel;
	if (s == NULL && (code = actions_macs(r, json_object_get(o, "macs"),
	    b)) != 0)
		return code;
	return actions_args(r, o, b, secureon);
}

/*
 * POST /api/v1/clients/actions {"action", "selector" | "macs", and its
 * arguments}: one transaction; answers what it did to which clients.
 */
int
api_client_actions(struct bw_req *r, const char *rest)
{
	struct nb_selector	*sel = NULL;
	struct nb_bulk		 b;
	uint8_t			 secureon[NB_MAC_LEN];
	json_t			*o, *a;
	int			 code, rc;

	memset(&b, 0, sizeof(b));
	if ((code = api_body(r, &o)) != 0)
		return code;
	if ((code = actions_parse(r, o, &b, &sel, secureon)) != 0)
		goto done;
	b.daemon = "bootweb";
	if ((rc = nb_client_bulk(r->bw->d->db, &b, &a)) != NB_OK) {
		/* A listed MAC that is no client is a bad value, not a URL. */
		code = api_dberr(r, rc == NB_NOTFOUND || rc == NB_ERR ?
		    NB_INVALID : rc);
		goto done;
	}
	log_info("%s: %s on %zu client%s", r->user, nb_bulk_action_name(
	    b.action), json_array_size(a), json_array_size(a) == 1 ? "" : "s");
	api_send(r, 200, json_pack("{s:s, s:I, s:o}", "action",
	    nb_bulk_action_name(b.action), "count",
	    (json_int_t)json_array_size(a), "clients", a));
done:
	nb_selector_free(sel);
	free(b.macs);
	json_decref(o);
	return code;
}

/*
 * GET /api/v1/clients/{id}/timeline: the client's last boot, as bootctl
 * client timeline --json prints it; 404 for no client and no events.
 */
int
api_client_timeline(struct bw_req *r, const char *id)
{
	struct nb_db		*db = r->bw->d->db;
	struct nb_timeline	*tl;
	struct nb_client	 c;
	char			 mac[NB_MACSTR_LEN];
	int			 rc, known;

	nb_client_init(&c);
	if (nb_mac_canon(id, mac) == 0)
		rc = nb_client_get(db, mac, &c);
	else if ((rc = nb_client_find_name(db, id, &c)) == NB_OK)
		strlcpy(mac, c.mac, sizeof(mac));
	else if (rc == NB_NOTFOUND) {
		nb_client_clear(&c);
		return bw_fail(r, 404, "no client %s", id);
	}
	known = rc == NB_OK;
	if (rc != NB_OK && rc != NB_NOTFOUND) {
		nb_client_clear(&c);
		return api_dberr(r, rc);
	}
	tl = nb_timeline_new(mac);
	if ((rc = nb_timeline_read(db, tl, NULL, NULL)) != NB_OK)
		rc = api_dberr(r, rc);
	else if (!known && nb_timeline_nsteps(tl) == 0)
		rc = bw_fail(r, 404, "no client %s and no events for it", mac);
	else
		api_send(r, 200, nb_timeline_json(tl, known ? c.name : NULL));
	nb_timeline_free(tl);
	nb_client_clear(&c);
	return rc;
}
