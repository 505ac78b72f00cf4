/*
 * db_bulk.c: bulk actions over the clients a selector or a list of MACs
 * picks (label.h). The clients are picked and changed inside one BEGIN
 * IMMEDIATE transaction, so no other writer slips between the pick and
 * the change, and a failure on any client changes none.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "label.h"
#include "xmalloc.h"

static const char *const bulk_names[] = {
	[NB_BULK_NEXT_BOOT] = "next-boot", [NB_BULK_WAKE] = "wake",
	[NB_BULK_ALLOW] = "allow", [NB_BULK_DENY] = "deny",
	[NB_BULK_LABEL] = "label",
};

const char *
nb_bulk_action_name(enum nb_bulk_action a)
{
	return bulk_names[a];
}

int
nb_bulk_action_parse(const char *s, enum nb_bulk_action *out)
{
	size_t	 i;

	for (i = 0; i < nitems(bulk_names); i++)
		if (strcmp(s, bulk_names[i]) == 0) {
			*out = (enum nb_bulk_action)i;
			return 0;
		}
	return -1;
}

/* The clients picked: MACs in order, no duplicates. */
struct bulk_pick {
	char	(*macs)[NB_MACSTR_LEN];
	size_t	 n, cap;
};

static void
pick_add(struct bulk_pick *p, const char *mac)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->macs = xreallocarray(p->macs, p->cap, sizeof(*p->macs));
	}
	strlcpy(p->macs[p->n++], mac, NB_MACSTR_LEN);
}

static int
pick_one(const struct nb_client *c, json_t *labels, void *arg)
{
	pick_add(arg, c->mac);
	return 0;
}

static int
mac_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The listed MACs, sorted and unique; each must be a client. */
static int
pick_macs(struct nb_db *db, const struct nb_bulk *b, struct bulk_pick *p)
{
	static const char sql[] = "SELECT 1 FROM clients WHERE mac = ?1";
	struct db_st	*st;
	size_t		 i;
	int		 rc;

	for (i = 0; i < b->nmacs; i++)
		pick_add(p, b->macs[i]);
	if (p->n > 0)
		qsort(p->macs, p->n, sizeof(*p->macs), mac_cmp);
	for (i = 0; i + 1 < p->n; i++)
		if (strcmp(p->macs[i], p->macs[i + 1]) == 0) {
			memmove(p->macs + i, p->macs + i + 1,
			    (p->n - i - 1) * sizeof(*p->macs));
			p->n--;
			i--;
		}
	for (i = 0; i < p->n; i++) {
		if ((st = db_stmt(db, sql)) == NULL)
			return NB_ERR;
		db_bind_text(st, 1, p->macs[i]);
		if ((rc = db_exists(db, st)) == 0)
			return db_fail(db, NB_NOTFOUND, "no client %s",
			    p->macs[i]);
		if (rc < 0)
			return rc;
	}
	return NB_OK;
}

/* Do b's action to the client mac; what was done goes into done. */
static int
bulk_one(struct nb_db *db, const struct nb_bulk *b, const char *mac,
    json_t *done)
{
	struct nb_client	 c;
	char			 sent[NB_WAKE_ADDRLEN];
	int			 rc;

	nb_client_init(&c);
	if ((rc = nb_client_get(db, mac, &c)) != NB_OK)
		goto out;
	json_object_set_new(done, "mac", json_string(mac));
	json_object_set_new(done, "name", c.name ? json_string(c.name) :
	    json_null());
	switch (b->action) {
	case NB_BULK_NEXT_BOOT:
	case NB_BULK_ALLOW:
	case NB_BULK_DENY:
		if (b->action == NB_BULK_NEXT_BOOT)
			c.next_boot = b->next;
		else
			c.allowed = b->action == NB_BULK_ALLOW;
		c.known = 1;
		rc = nb_client_update(db, &c);
		break;
	case NB_BULK_LABEL:
		rc = nb_label_apply(db, mac, b->labels);
		break;
	case NB_BULK_WAKE:
		rc = nb_wake_locked(db, b->daemon ? b->daemon : "bootctl", mac,
		    b->next, b->secureon, sent);
		if (rc == NB_OK)
			json_object_set_new(done, "sent_to", json_string(sent));
		break;
	}
out:
	nb_client_clear(&c);
	return rc;
}

int
nb_client_bulk(struct nb_db *db, const struct nb_bulk *b, json_t **affected)
{
	struct bulk_pick	 p = { NULL, 0, 0 };
	char			 why[sizeof(db->err)];
	json_t			*a, *done;
	size_t			 i;
	int			 rc;

	*affected = NULL;
	if (b->action == NB_BULK_LABEL &&
	    nb_label_changes_check(b->labels, why, sizeof(why)) != NULL)
		return db_fail(db, NB_INVALID, "%s", why);
	if ((rc = nb_db_begin(db)) != NB_OK)
		return rc;
	if (b->sel != NULL)
		rc = nb_client_select(db, b->sel, pick_one, &p);
	else
		rc = pick_macs(db, b, &p);
	a = json_array();
	for (i = 0; rc == NB_OK && i < p.n; i++) {
		done = json_object();
		json_array_append_new(a, done);
		if ((rc = bulk_one(db, b, p.macs[i], done)) != NB_OK) {
			/* Name the client: the rest of the batch is undone. */
			strlcpy(why, db->err, sizeof(why));
			if (strstr(why, p.macs[i]) == NULL)
				db_fail(db, rc, "client %s: %s", p.macs[i],
				    why);
		}
	}
	free(p.macs);
	if (rc == NB_OK)
		rc = nb_db_commit(db);
	if (rc != NB_OK) {
		nb_db_rollback(db);
		json_decref(a);
		return rc;
	}
	*affected = a;
	return NB_OK;
}
