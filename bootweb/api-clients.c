/*
 * api-clients.c: /api/v1/clients, bootctl client's nouns over HTTP. Each
 * change loads the row, edits it and writes it back in one transaction
 * with the functions bootctl client calls (nb_client_get, _add, _update,
 * _rm, nb_wake); editing a discovered client makes it known, as there.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "label.h"
#include "xmalloc.h"

/* The fields a body may set: member name, offset of the char * field. */
static const struct {
	const char	*key;
	size_t		 off;
} fields[] = {
	{ "name", offsetof(struct nb_client, name) },
	{ "hostname", offsetof(struct nb_client, hostname) },
	{ "ip", offsetof(struct nb_client, ip) },
	{ "image", offsetof(struct nb_client, image) },
	{ "template", offsetof(struct nb_client, tmpl) },
};

/* The client a path names, by MAC or by name; a status if none. */
static int
client_load(struct bw_req *r, const char *id, struct nb_client *c)
{
	char	 mac[NB_MACSTR_LEN];
	int	 rc;

	if (nb_mac_canon(id, mac) == 0)
		rc = nb_client_get(r->bw->d->db, mac, c);
	else
		rc = nb_client_find_name(r->bw->d->db, id, c);
	if (rc == NB_NOTFOUND)
		return bw_fail(r, 404, "no client %s", id);
	return rc != NB_OK ? api_dberr(r, rc) : 0;
}

/*
 * Apply a body's members to c: strings (null clears), "vars" (an object
 * merged; a null value removes the var), "allowed". Unknown members are
 * refused so that a typo is not silently ignored.
 */
static int
client_apply(struct bw_req *r, json_t *o, struct nb_client *c)
{
	const char	*key, *s;
	char		 mac[NB_MACSTR_LEN], why[256];
	json_t		*v, *vv;
	char		**f;
	size_t		 i;
	int		 code;

	json_object_foreach(o, key, v) {
		for (i = 0; i < nitems(fields); i++)
			if (strcmp(key, fields[i].key) == 0)
				break;
		if (i < nitems(fields)) {
			if ((code = api_str(r, o, key, &s)) != 0)
				return code;
			if (strcmp(key, "name") == 0 && *s != '\0' &&
			    !nb_name_valid(s))
				return bw_fail(r, 422, "bad name '%s' (1 to 64 "
				    "letters, digits, '.', '_', '-')", s);
			if (strcmp(key, "ip") == 0 && *s != '\0' &&
			    !nb_ip_valid(s))
				return bw_fail(r, 422, "bad IPv4 address '%s'",
				    s);
			f = (char **)((char *)c + fields[i].off);
			free(*f);
			*f = *s != '\0' ? xstrdup(s) : NULL;
		} else if (strcmp(key, "vars") == 0) {
			if (!json_is_object(v))
				return bw_fail(r, 422, "vars must be an object");
			json_object_foreach(v, s, vv) {
				if (json_is_null(vv))
					json_object_del(c->vars, s);
				else if (json_is_string(vv))
					json_object_set(c->vars, s, vv);
				else
					return bw_fail(r, 422, "var %s must be a "
					    "string or null", s);
			}
		} else if (strcmp(key, "labels") == 0) {
			/* Checked here, applied by client_commit (label.h). */
			if (nb_label_changes_check(v, why, sizeof(why)) != NULL)
				return bw_fail(r, 422, "%s", why);
		} else if (strcmp(key, "allowed") == 0) {
			if (!json_is_boolean(v))
				return bw_fail(r, 422, "allowed must be true "
				    "or false");
			c->allowed = json_is_true(v);
		} else if (strcmp(key, "mac") == 0) {
			/* A MAC is the client's key: never changed by a body. */
			if (!json_is_string(v) || nb_mac_canon(json_string_value(v),
			    mac) == -1 || strcmp(mac, c->mac) != 0)
				return bw_fail(r, 422, "mac cannot change (it is "
				    "%s)", c->mac);
		} else
			return bw_fail(r, 422, "unknown member '%s'", key);
	}
	c->known = 1;
	return 0;
}

struct list_ctx {
	struct bw_req	*r;
	struct nb_selector *sel;
	const char	*image, *name, *q;
	int		 allowed, known;	/* -1: any */
	int		 count;		/* walk on to count them all */
	long long	 offset, limit, total;
	json_t		*a;
};

static int
list_one(const struct nb_client *c, json_t *labels, void *arg)
{
	struct list_ctx	*lc = arg;
	json_t		*o;

	if (lc->image != NULL && (c->image == NULL ||
	    strcmp(c->image, lc->image) != 0))
		return 0;
	if (lc->name != NULL && (c->name == NULL ||
	    strcmp(c->name, lc->name) != 0))
		return 0;
	if (lc->allowed != -1 && c->allowed != lc->allowed)
		return 0;
	if (lc->known != -1 && c->known != lc->known)
		return 0;
	if (lc->q != NULL && strstr(c->mac, lc->q) == NULL &&
	    (c->name == NULL || strstr(c->name, lc->q) == NULL) &&
	    (c->hostname == NULL || strstr(c->hostname, lc->q) == NULL))
		return 0;
	if (lc->total >= lc->offset && lc->total < lc->offset + lc->limit) {
		o = nb_client_json(c);
		json_object_set(o, "labels", labels);
		json_array_append_new(lc->a, o);
	}
	lc->total++;
	/* One past the page says whether there are more; stop there. */
	return !lc->count && lc->total > lc->offset + lc->limit;
}

/* A boolean query parameter: -1 absent, 0, 1; -2 bad. */
static int
qbool(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		return 1;
	if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		return 0;
	return -2;
}

/* limit and offset of a list; a status if bad. */
int
api_paging(struct bw_req *r, struct evkeyvalq *q, long long *limit,
    long long *offset)
{
	const char	*s, *errstr;

	*limit = API_PAGE;
	*offset = 0;
	if ((s = api_query(r, q, "limit")) != NULL) {
		*limit = strtonum(s, 1, API_PAGE_MAX, &errstr);
		if (errstr != NULL)
			return bw_fail(r, 400, "limit %s is %s (1 to %d)", s,
			    errstr, API_PAGE_MAX);
	}
	if ((s = api_query(r, q, "offset")) != NULL) {
		*offset = strtonum(s, 0, 1LL << 40, &errstr);
		if (errstr != NULL)
			return bw_fail(r, 400, "offset %s is %s", s, errstr);
	}
	return 0;
}

static int
clients_list(struct bw_req *r)
{
	struct evkeyvalq	 q;
	struct list_ctx		 lc;
	enum nb_client_order	 order = NB_ORDER_MAC;
	const char		*sel, *s;
	char			 why[256];
	json_t			*o;
	int			 code, rc, desc = 0;

	TAILQ_INIT(&q);
	memset(&lc, 0, sizeof(lc));
	lc.r = r;
	if ((code = api_paging(r, &q, &lc.limit, &lc.offset)) != 0)
		goto done;
	lc.image = api_query(r, &q, "image");
	lc.name = api_query(r, &q, "name");
	lc.q = api_query(r, &q, "q");
	lc.allowed = qbool(api_query(r, &q, "allowed"));
	lc.known = qbool(api_query(r, &q, "known"));
	lc.count = qbool(api_query(r, &q, "total"));
	if (lc.allowed == -2 || lc.known == -2 || lc.count == -2) {
		code = bw_fail(r, 400, "allowed and known are true or false");
		goto done;
	}
	lc.count = lc.count == 1;
	if ((sel = api_query(r, &q, "selector")) != NULL &&
	    nb_selector_parse(sel, &lc.sel, why, sizeof(why)) != NB_OK) {
		code = bw_fail(r, 400, "selector: %s", why);
		goto done;
	}
	/* ?sort=field or -field: an order with an index (db_client.c) */
	if ((s = api_query(r, &q, "sort")) != NULL &&
	    nb_client_order_parse(s, &order, &desc) == -1) {
		code = bw_fail(r, 400, "sort %s is not one of %s (- before "
		    "one: descending)", s, nb_client_order_names());
		goto done;
	}
	lc.a = json_array();
	if ((rc = nb_client_select_by(r->bw->d->db, lc.sel, order, desc,
	    list_one, &lc)) != NB_OK) {
		json_decref(lc.a);
		code = api_dberr(r, rc);
		goto done;
	}
	o = json_pack("{s:o, s:b, s:I, s:I}", "clients", lc.a, "more",
	    lc.total > lc.offset + lc.limit, "limit", (json_int_t)lc.limit,
	    "offset", (json_int_t)lc.offset);
	if (lc.count)
		json_object_set_new(o, "total", json_integer(lc.total));
	api_send(r, 200, o);
done:
	nb_selector_free(lc.sel);
	evhttp_clear_headers(&q);
	return code;
}

/*
 * Write c back (or add it), with the body's label changes if o has
 * any, and answer it; one transaction.
 */
static int
client_commit(struct bw_req *r, struct nb_client *c, int add, int code,
    json_t *o)
{
	struct nb_db	*db = r->bw->d->db;
	struct nb_client n;
	json_t		*labels = o ? json_object_get(o, "labels") : NULL, *j;
	int		 rc;

	rc = add ? nb_client_add(db, c) : nb_client_update(db, c);
	if (rc == NB_OK && labels != NULL)
		rc = nb_label_apply(db, c->mac, labels);
	if (rc != NB_OK) {
		/* A missing image or template is a bad value, not a bad URL. */
		rc = api_dberr(r, rc == NB_NOTFOUND ? NB_INVALID : rc);
		nb_db_rollback(db);
		return rc;
	}
	if ((rc = nb_db_commit(db)) != NB_OK)
		return api_dberr(r, rc);
	nb_client_init(&n);
	if ((rc = nb_client_get(db, c->mac, &n)) != NB_OK) {
		nb_client_clear(&n);
		return api_dberr(r, rc);
	}
	if ((j = nb_client_json_labels(db, &n)) == NULL)
		code = api_dberr(r, NB_ERR);
	else {
		api_send_etag(r, code, j);
		code = 0;
	}
	nb_client_clear(&n);
	return code;
}

/* POST /api/v1/clients: bootctl client add (a discovered one adopted). */
static int
clients_create(struct bw_req *r)
{
	struct nb_db	*db = r->bw->d->db;
	struct nb_client c;
	const char	*macs;
	char		 mac[NB_MACSTR_LEN];
	json_t		*o;
	int		 code, rc, add = 0;

	if ((code = api_body(r, &o)) != 0)
		return code;
	nb_client_init(&c);
	if ((code = api_str(r, o, "mac", &macs)) != 0)
		goto done;
	if (macs == NULL || nb_mac_canon(macs, mac) == -1) {
		code = bw_fail(r, 422, "mac is needed: a MAC address");
		goto done;
	}
	if ((rc = nb_db_begin(db)) != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	if ((rc = nb_client_get(db, mac, &c)) == NB_OK && c.known) {
		nb_db_rollback(db);
		code = bw_fail(r, 409, "client %s exists already", mac);
		goto done;
	} else if (rc == NB_NOTFOUND) {
		add = 1;
		strlcpy(c.mac, mac, sizeof(c.mac));
	} else if (rc != NB_OK) {
		nb_db_rollback(db);
		code = api_dberr(r, rc);
		goto done;
	}
	if ((code = client_apply(r, o, &c)) != 0) {
		nb_db_rollback(db);
		goto done;
	}
	code = client_commit(r, &c, add, 201, o);
done:
	nb_client_clear(&c);
	json_decref(o);
	return code;
}

int
api_clients(struct bw_req *r, const char *rest)
{
	if (r->method == EVHTTP_REQ_POST)
		return clients_create(r);
	return clients_list(r);
}

/* next-boot, allow, deny, wake of a loaded client; a body for some. */
static int
client_action(struct bw_req *r, struct nb_client *c, const char *action,
    json_t *o)
{
	enum nb_next_boot	 nb = NB_NEXT_NONE;
	const char		*s = NULL;
	char			 sent[NB_WAKE_ADDRLEN];
	int			 code, rc;

	if (strcmp(action, "allow") == 0 || strcmp(action, "deny") == 0) {
		c->allowed = action[0] == 'a';
		c->known = 1;
		return 0;
	}
	if (o != NULL && (code = api_str(r, o, "next_boot", &s)) != 0)
		return code;
	if (s != NULL && *s != '\0' && strcmp(s, "clear") != 0 &&
	    nb_next_boot_parse(s, &nb) == -1)
		return bw_fail(r, 422, "unknown action '%s' (install, local, "
		    "menu, shell or clear)", s);
	if (strcmp(action, "next-boot") == 0) {
		if (s == NULL)
			return bw_fail(r, 422, "next_boot is needed");
		c->next_boot = nb;
		c->known = 1;
		return 0;
	}
	/* wake: nb_wake is its own transaction, as for bootctl. */
	if ((rc = nb_wake(r->bw->d->db, "bootweb", c->mac, nb, NULL,
	    sent)) != NB_OK)
		return api_dberr(r, rc == NB_ERR ? NB_INVALID : rc);
	api_send(r, 200, json_pack("{s:s, s:s, s:s}", "mac", c->mac, "sent_to",
	    sent, "next_boot", nb_next_boot_name(nb)));
	return -1;
}

int
api_client(struct bw_req *r, const char *rest)
{
	struct nb_db		*db = r->bw->d->db;
	struct nb_client	 c;
	const char		*action;
	char			 id[128];
	json_t			*o = NULL, *cur = NULL;
	size_t			 len;
	int			 code, rc;

	len = strcspn(rest, "/");
	action = rest[len] == '/' ? rest + len + 1 : NULL;
	if (len == 0 || len >= sizeof(id) || (action != NULL &&
	    strcmp(action, "next-boot") != 0 && strcmp(action, "allow") != 0 &&
	    strcmp(action, "deny") != 0 && strcmp(action, "wake") != 0 &&
	    strcmp(action, "timeline") != 0))
		return bw_fail(r, 404, "no such resource: /%s", r->path);
	memcpy(id, rest, len);
	id[len] = '\0';
	if (action != NULL && strcmp(action, "timeline") == 0) {
		if (r->method != EVHTTP_REQ_GET &&
		    r->method != EVHTTP_REQ_HEAD) {
			r->allow = BW_GET;
			return bw_fail(r, 405, "method not allowed here");
		}
		return api_client_timeline(r, id);
	}
	if ((action == NULL && r->method == EVHTTP_REQ_POST) ||
	    (action != NULL && r->method != EVHTTP_REQ_POST)) {
		r->allow = action == NULL ? BW_GET | EVHTTP_REQ_PATCH |
		    EVHTTP_REQ_DELETE : BW_POST;
		return bw_fail(r, 405, "method not allowed here");
	}
	nb_client_init(&c);
	if (r->method == EVHTTP_REQ_GET || r->method == EVHTTP_REQ_HEAD) {
		if ((code = client_load(r, id, &c)) == 0 &&
		    (cur = nb_client_json_labels(db, &c)) == NULL)
			code = api_dberr(r, NB_ERR);
		else if (code == 0)
			api_send_etag(r, 200, cur);
		nb_client_clear(&c);
		return code;
	}
	/* A body is needed by PATCH, optional for actions, none for DELETE. */
	if (r->method == EVHTTP_REQ_PATCH || (action != NULL &&
	    evbuffer_get_length(evhttp_request_get_input_buffer(r->req)) > 0))
		if ((code = api_body(r, &o)) != 0)
			goto done;
	if ((rc = nb_db_begin(db)) != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	if ((code = client_load(r, id, &c)) != 0)
		goto fail;
	if ((cur = nb_client_json_labels(db, &c)) == NULL) {
		code = api_dberr(r, NB_ERR);
		goto fail;
	}
	if ((code = api_if_match(r, cur)) != 0)
		goto fail;
	if (r->method == EVHTTP_REQ_DELETE) {
		if ((rc = nb_client_rm(db, c.mac)) != NB_OK ||
		    (rc = nb_db_commit(db)) != NB_OK) {
			code = api_dberr(r, rc);
			goto fail;
		}
		api_send(r, 200, json_pack("{s:s, s:b}", "mac", c.mac,
		    "deleted", 1));
		goto done;
	}
	if (action != NULL && strcmp(action, "wake") == 0) {
		nb_db_rollback(db);
		code = client_action(r, &c, action, o);
		if (code == -1)
			code = 0;
		goto done;
	}
	if (action != NULL)
		code = client_action(r, &c, action, o);
	else
		code = client_apply(r, o, &c);
	if (code != 0)
		goto fail;
	code = client_commit(r, &c, 0, 200, action == NULL ? o : NULL);
	goto done;
fail:
	nb_db_rollback(db);
done:
	json_decref(cur);
	json_decref(o);
	nb_client_clear(&c);
	return code;
}
