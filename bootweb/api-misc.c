/*
 * api-misc.c: /api/v1/events, images, templates, settings, leases,
 * users and tokens: bootctl's other nouns, through the functions bootctl
 * calls.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "setting.h"
#include "tmpl.h"
#include "xmalloc.h"

#define EVENTS_CHUNK	500	/* events read per query while filtering */
#define EVENTS_SCAN	5000	/* and at most per request (kind=) */

struct ev_ctx {
	const char	*kind;
	long long	 limit;
	int64_t		 last;	/* id of the last event read */
	long long	 nread;
	json_t		*a;
};

static int
ev_one(const struct nb_event *ev, void *arg)
{
	struct ev_ctx	*ec = arg;

	ec->last = ev->id;
	ec->nread++;
	if (ec->kind != NULL && strcmp(ev->kind, ec->kind) != 0)
		return 0;
	json_array_append_new(ec->a, nb_event_json(ev));
	return (long long)json_array_size(ec->a) >= ec->limit;
}

/* An id bound of the event list (?after=, ?before=); a status if bad. */
static int
ev_bound(struct bw_req *r, struct evkeyvalq *q, const char *key,
    long long min, int64_t *out)
{
	const char	*s, *errstr;

	if ((s = api_query(r, q, key)) == NULL)
		return 0;
	*out = strtonum(s, min, INT64_MAX, &errstr);
	if (errstr != NULL)
		return bw_fail(r, 400, "%s %s is %s", key, s, errstr);
	return 0;
}

/*
 * GET /api/v1/events: oldest first from ?after=, or newest first with
 * ?order=desc (from the newest, or below ?before=), each an indexed range
 * (nb_event_range). A kind filter reads at most EVENTS_SCAN events per
 * request: the page may then be short with "more" true, and last_id is
 * where the next request goes on from.
 */
int
api_events(struct bw_req *r, const char *rest)
{
	struct evkeyvalq	 q;
	struct ev_ctx		 ec;
	struct nb_db		*db = r->bw->d->db;
	const char		*s, *macs;
	char			 mac[NB_MACSTR_LEN];
	long long		 off, scanned = 0;
	int64_t			 after = 0, before = 0, head = 0;
	int			 code = 0, rc, desc = 0;
	json_t			*o;

	TAILQ_INIT(&q);
	memset(&ec, 0, sizeof(ec));
	if ((code = api_paging(r, &q, &ec.limit, &off)) != 0 ||
	    (code = ev_bound(r, &q, "after", 0, &after)) != 0 ||
	    (code = ev_bound(r, &q, "before", 1, &before)) != 0)
		goto done;
	if ((s = api_query(r, &q, "order")) != NULL &&
	    (desc = strcmp(s, "desc") == 0) == 0 && strcmp(s, "asc") != 0) {
		code = bw_fail(r, 400, "order %s is not asc or desc", s);
		goto done;
	}
	if ((macs = api_query(r, &q, "mac")) != NULL &&
	    nb_mac_canon(macs, mac) == -1) {
		code = bw_fail(r, 400, "'%s' is not a MAC address", macs);
		goto done;
	}
	ec.kind = api_query(r, &q, "kind");
	/* The head first: what the list holds is at or below it. */
	if (desc && (head = nb_event_head(db)) < 0) {
		code = api_dberr(r, NB_ERR);
		goto done;
	}
	if (desc && before == 0)
		before = head + 1;
	ec.last = desc ? before : after;
	ec.a = json_array();
	do {
		ec.nread = 0;
		rc = nb_event_range(db, macs ? mac : NULL, desc ? after :
		    ec.last, desc ? ec.last : before, desc, EVENTS_CHUNK,
		    ev_one, &ec);
		if (rc != NB_OK) {
			json_decref(ec.a);
			code = api_dberr(r, rc);
			goto done;
		}
		scanned += ec.nread;
	} while (ec.nread == EVENTS_CHUNK &&
	    (long long)json_array_size(ec.a) < ec.limit &&
	    scanned < EVENTS_SCAN);
	o = json_pack("{s:o, s:I, s:b}", "events", ec.a, "last_id",
	    (json_int_t)ec.last, "more", ec.nread == EVENTS_CHUNK ||
	    (long long)json_array_size(ec.a) >= ec.limit);
	if (desc)
		json_object_set_new(o, "head", json_integer(head));
	api_send(r, 200, o);
done:
	evhttp_clear_headers(&q);
	return code;
}

static int
image_one(const struct nb_image *img, void *arg)
{
	json_array_append_new(arg, nb_image_json(img));
	return 0;
}

int
api_images(struct bw_req *r, const char *rest)
{
	struct nb_image	 img;
	json_t		*a;
	int		 rc;

	if (*rest == '\0') {
		a = json_array();
		if ((rc = nb_image_list(r->bw->d->db, image_one, a)) != NB_OK) {
			json_decref(a);
			return api_dberr(r, rc);
		}
		api_send(r, 200, json_pack("{s:o}", "images", a));
		return 0;
	}
	nb_image_init(&img);
	if ((rc = nb_image_get(r->bw->d->db, rest, &img)) != NB_OK) {
		nb_image_clear(&img);
		return api_dberr(r, rc);
	}
	api_send_etag(r, 200, nb_image_json(&img));
	nb_image_clear(&img);
	return 0;
}

static int
tmpl_one(const struct nb_template *t, void *arg)
{
	json_array_append_new(arg, nb_template_json(t, 0));
	return 0;
}

/* GET /api/v1/templates/NAME/render?mac=M: what bootweb would serve. */
static int
tmpl_render(struct bw_req *r, const char *name)
{
	struct evkeyvalq	 q;
	const char		*macs;
	char			 mac[NB_MACSTR_LEN], err[512], *out = NULL;
	char			*url;
	size_t			 len = 0;
	int			 code = 0, rc, line;

	TAILQ_INIT(&q);
	if ((macs = api_query(r, &q, "mac")) == NULL ||
	    nb_mac_canon(macs, mac) == -1) {
		code = bw_fail(r, 400, "mac=MAC is needed");
		goto done;
	}
	/* As bootctl template render: no token is minted (tmpl_preview.c). */
	url = nb_tmpl_preview_url(r->bw->d->db,
	    r->bw->listen_host, r->bw->port);
	rc = nb_tmpl_preview(r->bw->d->db, name, mac, url, &out, &len, err,
	    sizeof(err), &line);
	free(url);
	if (rc != NB_OK) {
		code = rc == NB_NOTFOUND ? bw_fail(r, 404, "%s", err[0] ? err :
		    "no such template or client") :
		    bw_fail(r, 422, "%s", err[0] ? err : "cannot render");
		goto done;
	}
	http_send_mem(r, 200, "text/plain; charset=utf-8", out, len);
done:
	free(out);
	evhttp_clear_headers(&q);
	return code;
}

/*
 * POST /api/v1/templates {name, kind, body}, PUT /templates/NAME {body,
 * kind?}, DELETE: bootctl template add, edit, rm.
 */
static int
tmpl_write(struct bw_req *r, const char *name)
{
	struct nb_db		*db = r->bw->d->db;
	struct nb_template	 t;
	const char		*kind = NULL, *body = NULL;
	json_t			*o = NULL, *cur = NULL;
	int			 code = 0, rc;

	memset(&t, 0, sizeof(t));
	if (r->method != EVHTTP_REQ_DELETE &&
	    ((code = api_body(r, &o)) != 0 ||
	    (code = api_str(r, o, "kind", &kind)) != 0 ||
	    (code = api_str(r, o, "body", &body)) != 0 ||
	    (name == NULL && (code = api_str(r, o, "name", &name)) != 0)))
		goto done;
	if (kind != NULL && !nb_template_kind_valid(kind)) {
		code = bw_fail(r, 422, "bad template kind '%s'", kind);
		goto done;
	}
	if (r->method == EVHTTP_REQ_POST) {
		if (name == NULL || kind == NULL || body == NULL) {
			code = bw_fail(r, 422, "name, kind and body are needed");
			goto done;
		}
		if (!nb_name_valid(name)) {
			code = bw_fail(r, 422, "bad template name '%s' (1 to 64 "
			    "letters, digits, '.', '_', '-')", name);
			goto done;
		}
		t.name = xstrdup(name);
		t.kind = xstrdup(kind);
		t.body = xstrdup(body);
		if ((rc = nb_template_add(db, &t)) != NB_OK) {
			code = api_dberr(r, rc);
			goto done;
		}
		log_info("%s: added template %s", r->user, name);
		nb_template_clear(&t);
		memset(&t, 0, sizeof(t));
		if ((rc = nb_template_get(db, name, &t)) != NB_OK)
			code = api_dberr(r, rc);
		else
			api_send_etag(r, 201, nb_template_json(&t, 1));
		goto done;
	}
	if ((rc = nb_db_begin(db)) != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	if ((rc = nb_template_get(db, name, &t)) != NB_OK) {
		code = api_dberr(r, rc);
		goto fail;
	}
	cur = nb_template_json(&t, 1);
	if ((code = api_if_match(r, cur)) != 0)
		goto fail;
	if (r->method == EVHTTP_REQ_DELETE)
		rc = nb_template_rm(db, name);
	else {
		if (body == NULL) {
			code = bw_fail(r, 422, "body is needed");
			goto fail;
		}
		free(t.body);
		t.body = xstrdup(body);
		if (kind != NULL) {
			free(t.kind);
			t.kind = xstrdup(kind);
		}
		rc = nb_template_update(db, &t);
	}
	if (rc != NB_OK || (rc = nb_db_commit(db)) != NB_OK) {
		code = api_dberr(r, rc);
		goto fail;
	}
	log_info("%s: %s template %s", r->user, r->method == EVHTTP_REQ_PUT ?
	    "changed" : "removed", name);
	if (r->method == EVHTTP_REQ_DELETE)
		api_send(r, 200, json_pack("{s:s, s:b}", "name", name,
		    "deleted", 1));
	else {
		nb_template_clear(&t);
		memset(&t, 0, sizeof(t));
		if ((rc = nb_template_get(db, name, &t)) != NB_OK)
			code = api_dberr(r, rc);
		else
			api_send_etag(r, 200, nb_template_json(&t, 1));
	}
	goto done;
fail:
	nb_db_rollback(db);
done:
	nb_template_clear(&t);
	json_decref(cur);
	json_decref(o);
	return code;
}

int
api_templates(struct bw_req *r, const char *rest)
{
	struct nb_template	 t;
	char			 name[128];
	json_t			*a;
	size_t			 len;
	int			 rc;

	if (r->method == EVHTTP_REQ_POST)
		return tmpl_write(r, NULL);
	if (r->method == EVHTTP_REQ_PUT || r->method == EVHTTP_REQ_DELETE)
		return tmpl_write(r, rest);
	if (*rest == '\0') {
		a = json_array();
		if ((rc = nb_template_list(r->bw->d->db, tmpl_one, a)) !=
		    NB_OK) {
			json_decref(a);
			return api_dberr(r, rc);
		}
		api_send(r, 200, json_pack("{s:o}", "templates", a));
		return 0;
	}
	len = strcspn(rest, "/");
	if (len >= sizeof(name))
		return bw_fail(r, 404, "no such template");
	memcpy(name, rest, len);
	name[len] = '\0';
	if (rest[len] == '/') {
		if (strcmp(rest + len + 1, "render") != 0)
			return bw_fail(r, 404, "no such resource: /%s", r->path);
		return tmpl_render(r, name);
	}
	memset(&t, 0, sizeof(t));
	if ((rc = nb_template_get(r->bw->d->db, name, &t)) != NB_OK) {
		nb_template_clear(&t);
		return api_dberr(r, rc);
	}
	api_send_etag(r, 200, nb_template_json(&t, 1));
	nb_template_clear(&t);
	return 0;
}

static int
setting_one(const char *key, const char *value, int is_default, void *arg)
{
	json_object_set_new(arg, key, json_pack("{s:s?, s:b}", "value", value,
	    "default", is_default));
	return 0;
}

/* GET all, GET one, PUT {"value": V} (bootctl settings set), DELETE. */
int
api_settings(struct bw_req *r, const char *rest)
{
	struct nb_db	*db = r->bw->d->db;
	const char	*v;
	char		*val = NULL;
	json_t		*o = NULL, *cur;
	int		 code = 0, rc;

	if (*rest == '\0') {
		if (r->method != EVHTTP_REQ_GET && r->method != EVHTTP_REQ_HEAD) {
			r->allow = BW_GET;
			return bw_fail(r, 405, "settings are set one by one");
		}
		o = json_object();
		if ((rc = nb_setting_list(db, setting_one, o)) != NB_OK) {
			json_decref(o);
			return api_dberr(r, rc);
		}
		/* The table's rows: type, bounds, default, readers, doc. */
		api_send(r, 200, json_pack("{s:o, s:o}", "settings", o,
		    "schema", nb_settings_schema_json()));
		return 0;
	}
	if ((rc = nb_setting_get(db, rest, &val)) != NB_OK)
		return rc == NB_INVALID ? bw_fail(r, 404, "%s",
		    nb_db_errmsg(db)) : api_dberr(r, rc);
	cur = json_pack("{s:s, s:s?}", "key", rest, "value", val);
	free(val);
	if (r->method == EVHTTP_REQ_GET || r->method == EVHTTP_REQ_HEAD) {
		api_send_etag(r, 200, cur);
		return 0;
	}
	if ((code = api_if_match(r, cur)) != 0)
		goto done;
	if (r->method == EVHTTP_REQ_PUT) {
		if ((code = api_body(r, &o)) != 0 ||
		    (code = api_str(r, o, "value", &v)) != 0)
			goto done;
		if (v == NULL) {
			code = bw_fail(r, 422, "value is needed");
			goto done;
		}
		rc = nb_setting_set(db, rest, v);
	} else
		rc = nb_setting_unset(db, rest);
	if (rc != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	log_info("%s: setting %s %s", r->user, rest,
	    r->method == EVHTTP_REQ_PUT ? "set" : "unset");
	json_decref(cur);
	nb_setting_get(db, rest, &val);
	cur = json_pack("{s:s, s:s?}", "key", rest, "value", val);
	free(val);
	api_send_etag(r, 200, cur);
	cur = NULL;
done:
	json_decref(cur);
	json_decref(o);
	return code;
}

static int
lease_one(const struct nb_lease6 *l, void *arg)
{
	json_t	*a = arg;
	char	 duid[3 * sizeof(l->duid)];

	nb_hex_format(l->duid, l->duidlen, duid, sizeof(duid));
	json_array_append_new(a, json_pack("{s:s, s:s?, s:s, s:I, s:b, s:I, "
	    "s:I}", "addr", l->addr, "mac", l->mac[0] ? l->mac : NULL,
	    "duid", duid, "iaid", (json_int_t)l->iaid, "declined",
	    l->declined, "expires", (json_int_t)l->expires, "updated",
	    (json_int_t)l->updated));
	return 0;
}

int
api_leases(struct bw_req *r, const char *rest)
{
	json_t	*a = json_array();
	int	 rc;

	if ((rc = nb_lease6_list(r->bw->d->db, lease_one, a)) != NB_OK) {
		json_decref(a);
		return api_dberr(r, rc);
	}
	api_send(r, 200, json_pack("{s:o}", "leases", a));
	return 0;
}

static int
user_one(const struct nb_user *u, void *arg)
{
	json_array_append_new(arg, nb_user_json(u));
	return 0;
}

/* A role member; *role untouched if absent; a status if bad. */
static int
role_member(struct bw_req *r, json_t *o, enum nb_role *role)
{
	const char	*s;
	int		 code;

	if ((code = api_str(r, o, "role", &s)) != 0 || s == NULL)
		return code;
	if (nb_role_parse(s, role) == -1 || *role == NB_ROLE_NONE)
		return bw_fail(r, 422, "unknown role '%s' (viewer, operator, "
		    "admin)", s);
	return 0;
}

/*
 * GET list; POST {name, role, password}; GET/PATCH {role, password}/DELETE
 * /users/NAME: bootctl user list, add, role, passwd, rm.
 */
int
api_users(struct bw_req *r, const char *rest)
{
	struct nb_db	*db = r->bw->d->db;
	struct nb_user	 u;
	enum nb_role	 role = NB_ROLE_NONE;
	const char	*name, *pw;
	json_t		*o = NULL, *a;
	int		 code = 0, rc;

	memset(&u, 0, sizeof(u));
	if (*rest == '\0' && r->method != EVHTTP_REQ_POST) {
		a = json_array();
		if ((rc = nb_user_list(db, user_one, a)) != NB_OK) {
			json_decref(a);
			return api_dberr(r, rc);
		}
		api_send(r, 200, json_pack("{s:o}", "users", a));
		return 0;
	}
	if (r->method == EVHTTP_REQ_POST) {
		if (*rest != '\0')
			return bw_fail(r, 405, "POST /api/v1/users adds one");
		if ((code = api_body(r, &o)) != 0 ||
		    (code = api_str(r, o, "name", &name)) != 0 ||
		    (code = api_str(r, o, "password", &pw)) != 0 ||
		    (code = role_member(r, o, &role)) != 0)
			goto done;
		if (name == NULL || pw == NULL || role == NB_ROLE_NONE) {
			code = bw_fail(r, 422, "name, role and password are "
			    "needed");
			goto done;
		}
		if ((rc = nb_user_add(db, name, role, pw)) != NB_OK) {
			code = api_dberr(r, rc);
			goto done;
		}
		log_info("%s: added user %s", r->user, name);
		rest = name;
	} else if (r->method == EVHTTP_REQ_DELETE) {
		if ((rc = nb_user_rm(db, rest)) != NB_OK)
			return api_dberr(r, rc);
		log_info("%s: removed user %s", r->user, rest);
		api_send(r, 200, json_pack("{s:s, s:b}", "name", rest,
		    "deleted", 1));
		return 0;
	} else if (r->method == EVHTTP_REQ_PATCH) {
		if ((code = api_body(r, &o)) != 0 ||
		    (code = api_str(r, o, "password", &pw)) != 0 ||
		    (code = role_member(r, o, &role)) != 0)
			goto done;
		if ((rc = nb_user_get(db, rest, &u)) != NB_OK) {
			code = api_dberr(r, rc);
			goto done;
		}
		nb_user_clear(&u);
		if ((role != NB_ROLE_NONE &&
		    (rc = nb_user_set_role(db, rest, role)) != NB_OK) ||
		    (pw != NULL && (rc = nb_user_passwd(db, rest, pw)) !=
		    NB_OK)) {
			code = api_dberr(r, rc);
			goto done;
		}
		log_info("%s: changed user %s", r->user, rest);
	}
	if ((rc = nb_user_get(db, rest, &u)) != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	api_send(r, r->method == EVHTTP_REQ_POST ? 201 : 200,
	    nb_user_json(&u));
	nb_user_clear(&u);
done:
	json_decref(o);
	return code;
}

static int
token_one(const struct nb_apitoken *t, void *arg)
{
	json_array_append_new(arg, nb_apitoken_json(t));
	return 0;
}

/*
 * GET list; POST {user, role?, label?, expires?} (the token shown once);
 * DELETE /tokens/ID: bootctl token list, create, revoke.
 */
int
api_tokens(struct bw_req *r, const char *rest)
{
	struct nb_db	*db = r->bw->d->db;
	enum nb_role	 role = NB_ROLE_NONE;
	const char	*user, *label, *errstr;
	char		 tok[NB_APITOKEN_STRLEN];
	int64_t		 id, expires = 0;
	json_t		*o = NULL, *a, *v;
	int		 code = 0, rc;

	if (r->method == EVHTTP_REQ_GET || r->method == EVHTTP_REQ_HEAD) {
		a = json_array();
		if ((rc = nb_token_list(db, NULL, 0, token_one, a)) != NB_OK) {
			json_decref(a);
			return api_dberr(r, rc);
		}
		api_send(r, 200, json_pack("{s:o}", "tokens", a));
		return 0;
	}
	if (r->method == EVHTTP_REQ_DELETE) {
		id = strtonum(rest, 1, INT64_MAX, &errstr);
		if (errstr != NULL)
			return bw_fail(r, 404, "no token %s", rest);
		if ((rc = nb_token_revoke(db, id)) != NB_OK)
			return api_dberr(r, rc);
		log_info("%s: revoked token %lld", r->user, (long long)id);
		api_send(r, 200, json_pack("{s:I, s:b}", "id", (json_int_t)id,
		    "deleted", 1));
		return 0;
	}
	if ((code = api_body(r, &o)) != 0 ||
	    (code = api_str(r, o, "user", &user)) != 0 ||
	    (code = api_str(r, o, "label", &label)) != 0 ||
	    (code = role_member(r, o, &role)) != 0)
		goto done;
	if ((v = json_object_get(o, "expires")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) <= nb_now()) {
			code = bw_fail(r, 422, "expires is a time in the "
			    "future, in seconds since the epoch");
			goto done;
		}
		expires = json_integer_value(v);
	}
	if (user == NULL)
		user = r->user;
	if ((rc = nb_token_create(db, user, role, label, expires, tok,
	    &id)) != NB_OK) {
		code = api_dberr(r, rc);
		goto done;
	}
	log_info("%s: created token %lld for %s", r->user, (long long)id,
	    user);
	api_send(r, 201, json_pack("{s:I, s:s, s:s, s:s}", "id",
	    (json_int_t)id, "user", user, "token", tok, "note",
	    "shown once: store it now"));
	explicit_bzero(tok, sizeof(tok));
done:
	json_decref(o);
	return code;
}
