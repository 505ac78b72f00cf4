/*
 * db_label.c: the client_labels table and selectors (label.h). A label
 * is checked here before SQLite's CHECK sees it, so that the reason is a
 * sentence; a client's labels are read with one indexed query.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "label.h"
#include "xmalloc.h"

#define ALNUM		"ABCDEFGHIJKLMNOPQRSTUVWXYZ" \
			"abcdefghijklmnopqrstuvwxyz0123456789"
#define LABEL_CHARS	ALNUM "._-"

enum sel_op { SEL_EQ, SEL_NE, SEL_HAS, SEL_HASNOT };

struct sel_term {
	enum sel_op	 op;
	char		 key[NB_LABEL_KEY_MAX + 1];
	char		 value[NB_LABEL_VALUE_MAX + 1];
};

struct nb_selector {
	size_t		 n;
	struct sel_term	 t[NB_SELECTOR_TERMS];
};

int
nb_label_key_valid(const char *key)
{
	size_t	 len = strlen(key);

	return len >= 1 && len <= NB_LABEL_KEY_MAX &&
	    strspn(key, LABEL_CHARS "/") == len &&
	    strchr(ALNUM, key[0]) != NULL &&
	    strchr(ALNUM, key[len - 1]) != NULL;
}

int
nb_label_value_valid(const char *value)
{
	size_t	 len = strlen(value);

	return len <= NB_LABEL_VALUE_MAX && strspn(value, LABEL_CHARS) == len;
}

/* The reasons, one wording for bootctl and the API. */
static void
why_key(char *why, size_t whysz, const char *key)
{
	snprintf(why, whysz, "bad label key '%.80s' (1 to %d letters, digits, "
	    "'.', '_', '-', '/', starting and ending with a letter or digit)",
	    key, NB_LABEL_KEY_MAX);
}

static void
why_value(char *why, size_t whysz, const char *key, const char *value)
{
	snprintf(why, whysz, "bad value '%.80s' of label %s (0 to %d letters, "
	    "digits, '.', '_', '-')", value, key, NB_LABEL_VALUE_MAX);
}

int
nb_label_change_parse(const char *arg, json_t *changes, char *why,
    size_t whysz)
{
	const char	*eq = strchr(arg, '=');
	size_t		 len = eq ? (size_t)(eq - arg) : strlen(arg);
	char		 key[NB_LABEL_KEY_MAX + 2];

	if (eq == NULL && len > 1 && arg[len - 1] == '-')
		len--;
	else if (eq == NULL) {
		snprintf(why, whysz, "bad label change '%.80s' (KEY=VALUE "
		    "sets, KEY- removes)", arg);
		return -1;
	}
	if (len >= sizeof(key)) {
		why_key(why, whysz, arg);
		return -1;
	}
	memcpy(key, arg, len);
	key[len] = '\0';
	if (!nb_label_key_valid(key)) {
		why_key(why, whysz, key);
		return -1;
	}
	if (eq != NULL && !nb_label_value_valid(eq + 1)) {
		why_value(why, whysz, key, eq + 1);
		return -1;
	}
	json_object_set_new(changes, key, eq ? json_string(eq + 1) :
	    json_null());
	return 0;
}

const char *
nb_label_changes_check(json_t *changes, char *why, size_t whysz)
{
	const char	*key;
	json_t		*v;

	if (!json_is_object(changes)) {
		snprintf(why, whysz, "labels must be an object of key: value "
		    "(null removes)");
		return why;
	}
	if (json_object_size(changes) > NB_LABELS_MAX) {
		snprintf(why, whysz, "at most %d labels", NB_LABELS_MAX);
		return why;
	}
	json_object_foreach(changes, key, v) {
		if (!nb_label_key_valid(key)) {
			why_key(why, whysz, key);
			return why;
		}
		if (json_is_null(v))
			continue;
		if (!json_is_string(v)) {
			snprintf(why, whysz, "label %s must be a string or "
			    "null", key);
			return why;
		}
		if (!nb_label_value_valid(json_string_value(v))) {
			why_value(why, whysz, key, json_string_value(v));
			return why;
		}
	}
	return NULL;
}

int
nb_label_get(struct nb_db *db, const char *mac, json_t **out)
{
	static const char sql[] = "SELECT key, value FROM client_labels "
	    "WHERE mac = ?1 ORDER BY key";
	struct db_st	*st;
	int		 rc;

	*out = NULL;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	*out = json_object();
	while ((rc = dbs_step(st)) == SQLITE_ROW)
		json_object_set_new(*out, (const char *)dbs_column_text(st,
		    0), json_string((const char *)dbs_column_text(st, 1)));
	dbs_reset(st);
	if (rc != SQLITE_DONE) {
		json_decref(*out);
		*out = NULL;
		return db_sqlerr(db, db_errcode(db));
	}
	return NB_OK;
}

/* One change of mac's labels: value NULL removes key. */
static int
label_set(struct nb_db *db, const char *mac, const char *key,
    const char *value)
{
	static const char set[] = "INSERT INTO client_labels (mac, key, value) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (mac, key) DO UPDATE SET "
	    "value = excluded.value";
	static const char del[] = "DELETE FROM client_labels "
	    "WHERE mac = ?1 AND key = ?2";
	struct db_st	*st;

	if ((st = db_stmt(db, value != NULL ? set : del)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	db_bind_text(st, 2, key);
	if (value != NULL)
		db_bind_text(st, 3, value);
	return db_exec_stmt(db, st);
}

/*
 * A label is an operator's edit: like bootctl client set, it makes a
 * discovered client known (and so never evicted).
 */
static int
label_touch(struct nb_db *db, const char *mac)
{
	static const char sql[] = "UPDATE clients SET state = 'known', "
	    "updated = ?2 WHERE mac = ?1";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	dbs_bind_int64(st, 2, nb_now());
	return db_exec_row(db, st, "no client %s", mac);
}

int
nb_label_apply(struct nb_db *db, const char *mac, json_t *changes)
{
	static const char count[] = "SELECT count(*) FROM client_labels "
	    "WHERE mac = ?1";
	struct db_st	*st;
	const char	*key;
	char		 why[256];
	json_t		*v;
	int64_t		 n = 0;
	int		 rc;

	if (nb_label_changes_check(changes, why, sizeof(why)) != NULL)
		return db_fail(db, NB_INVALID, "%s", why);
	if ((rc = label_touch(db, mac)) != NB_OK)
		return rc;
	json_object_foreach(changes, key, v)
		if ((rc = label_set(db, mac, key, json_is_null(v) ? NULL :
		    json_string_value(v))) != NB_OK)
			return rc;
	if ((st = db_stmt(db, count)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	if (dbs_step(st) == SQLITE_ROW)
		n = dbs_column_int64(st, 0);
	dbs_reset(st);
	if (n > NB_LABELS_MAX)
		return db_fail(db, NB_INVALID, "client %s would have %lld "
		    "labels (at most %d)", mac, (long long)n, NB_LABELS_MAX);
	return NB_OK;
}

json_t *
nb_client_json_labels(struct nb_db *db, const struct nb_client *c)
{
	json_t	*o, *labels;

	if (nb_label_get(db, c->mac, &labels) != NB_OK)
		return NULL;
	o = nb_client_json(c);
	json_object_set_new(o, "labels", labels);
	return o;
}

/* One term of a selector, trimmed, into t; -1 with why. */
static int
sel_term_parse(const char *s, size_t len, struct sel_term *t, char *why,
    size_t whysz)
{
	char		 buf[NB_SELECTOR_MAX + 1], *op;
	const char	*value = NULL;

	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	memcpy(buf, s, len);
	buf[len] = '\0';
	t->op = SEL_HAS;
	if ((op = strstr(buf, "!=")) != NULL) {
		t->op = SEL_NE;
		value = op + 2;
	} else if ((op = strchr(buf, '=')) != NULL) {
		t->op = SEL_EQ;
		value = op[1] == '=' ? op + 2 : op + 1;
	} else if (buf[0] == '!') {
		t->op = SEL_HASNOT;
		memmove(buf, buf + 1, len);
	}
	if (op != NULL)
		*op = '\0';
	if (!nb_label_key_valid(buf)) {
		if (len == 0)
			snprintf(why, whysz, "an empty term in the selector");
		else
			why_key(why, whysz, buf);
		return -1;
	}
	if (value != NULL && !nb_label_value_valid(value)) {
		why_value(why, whysz, buf, value);
		return -1;
	}
	strlcpy(t->key, buf, sizeof(t->key));
	strlcpy(t->value, value ? value : "", sizeof(t->value));
	return 0;
}

int
nb_selector_parse(const char *s, struct nb_selector **out, char *why,
    size_t whysz)
{
	struct nb_selector	*sel;
	const char		*p;
	size_t			 len;

	*out = NULL;
	if (strlen(s) > NB_SELECTOR_MAX) {
		snprintf(why, whysz, "the selector is over %d bytes",
		    NB_SELECTOR_MAX);
		return NB_INVALID;
	}
	if (s[strspn(s, " \t")] == '\0') {
		snprintf(why, whysz, "an empty selector (want KEY=VALUE,...)");
		return NB_INVALID;
	}
	sel = xcalloc(1, sizeof(*sel));
	for (p = s;; p += len + 1) {
		len = strcspn(p, ",");
		if (sel->n == NB_SELECTOR_TERMS) {
			snprintf(why, whysz, "at most %d terms in a selector",
			    NB_SELECTOR_TERMS);
			goto fail;
		}
		if (sel_term_parse(p, len, &sel->t[sel->n++], why, whysz) == -1)
			goto fail;
		if (p[len] == '\0')
			break;
	}
	*out = sel;
	return NB_OK;
fail:
	free(sel);
	return NB_INVALID;
}

void
nb_selector_free(struct nb_selector *sel)
{
	free(sel);
}

int
nb_selector_match(const struct nb_selector *sel, json_t *labels)
{
	const struct sel_term	*t;
	const char		*v;
	size_t			 i;

	for (i = 0; i < sel->n; i++) {
		t = &sel->t[i];
		v = json_string_value(json_object_get(labels, t->key));
		switch (t->op) {
		case SEL_EQ:
			if (v == NULL || strcmp(v, t->value) != 0)
				return 0;
			break;
		case SEL_NE:
			if (v != NULL && strcmp(v, t->value) == 0)
				return 0;
			break;
		case SEL_HAS:
			if (v == NULL)
				return 0;
			break;
		case SEL_HASNOT:
			if (v != NULL)
				return 0;
			break;
		}
	}
	return 1;
}

struct select_ctx {
	struct nb_db			*db;
	const struct nb_selector	*sel;
	int	(*fn)(const struct nb_client *, json_t *, void *);
	void				*arg;
	int				 rc;
};

static int
select_one(const struct nb_client *c, void *arg)
{
	struct select_ctx	*sc = arg;
	json_t			*labels;
	int			 stop = 0;

	if ((sc->rc = nb_label_get(sc->db, c->mac, &labels)) != NB_OK)
		return 1;
	if (sc->sel == NULL || nb_selector_match(sc->sel, labels))
		stop = sc->fn(c, labels, sc->arg);
	json_decref(labels);
	return stop;
}

/*
 * The MACs that have the label of a term that needs one (k=v or k), in
 * MAC order, through the (key, value) index; NULL with n 0 if no term
 * needs a label (then every client is a candidate).
 */
static int
select_candidates(struct nb_db *db, const struct nb_selector *sel,
    char (**macs)[NB_MACSTR_LEN], size_t *n)
{
	/* PostgreSQL: a parameter's type from its first use */
	static const char sql[] = DB_SQL("SELECT mac FROM client_labels "
	    "WHERE key = ?1 AND (?2 IS NULL OR value = ?2) ORDER BY mac",
	    "SELECT mac FROM client_labels "
	    "WHERE key = ?1 AND (CAST(?2 AS TEXT) IS NULL OR value = ?2) "
	    "ORDER BY mac");
	const struct sel_term	*t = NULL;
	struct db_st		*st;
	size_t			 i, cap = 0;
	int			 rc;

	*macs = NULL;
	*n = 0;
	for (i = 0; i < sel->n && t == NULL; i++)
		if (sel->t[i].op == SEL_EQ || sel->t[i].op == SEL_HAS)
			t = &sel->t[i];
	if (t == NULL)
		return NB_OK;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, t->key);
	db_bind_text(st, 2, t->op == SEL_EQ ? t->value : NULL);
	while ((rc = dbs_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			*macs = xreallocarray(*macs, cap, sizeof(**macs));
		}
		strlcpy((*macs)[(*n)++], (const char *)dbs_column_text(st,
		    0), NB_MACSTR_LEN);
	}
	dbs_reset(st);
	if (rc != SQLITE_DONE)
		return db_sqlerr(db, db_errcode(db));
	return NB_OK;
}

/*
 * A selector that needs a label walks only the clients that have it (the
 * index), not every client: rack=3 among 10,000 clients reads about a
 * thousand. Otherwise every client is read in MAC order.
 */
int
nb_client_select(struct nb_db *db, const struct nb_selector *sel,
    int (*fn)(const struct nb_client *, json_t *labels, void *), void *arg)
{
	struct select_ctx	 sc = { db, sel, fn, arg, NB_OK };
	struct nb_client	 c;
	char			(*macs)[NB_MACSTR_LEN] = NULL;
	size_t			 i, n = 0;
	int			 rc, stop = 0;

	if (sel != NULL && (rc = select_candidates(db, sel, &macs, &n)) !=
	    NB_OK)
		return rc;
	if (macs == NULL) {
		if ((rc = nb_client_list(db, select_one, &sc)) != NB_OK)
			return rc;
		return sc.rc;
	}
	nb_client_init(&c);
	for (i = 0; i < n && !stop && sc.rc == NB_OK; i++) {
		if ((rc = nb_client_get(db, macs[i], &c)) == NB_NOTFOUND)
			continue;
		if (rc != NB_OK) {
			sc.rc = rc;
			break;
		}
		stop = select_one(&c, &sc);
	}
	nb_client_clear(&c);
	free(macs);
	return sc.rc;
}

/* An ordered walk's filter: the MACs that have the label, if any. */
struct order_ctx {
	struct select_ctx	*sc;
	char			(*macs)[NB_MACSTR_LEN];	/* sorted */
	size_t			 n;
};

static int
order_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
order_one(const struct nb_client *c, void *arg)
{
	struct order_ctx	*oc = arg;

	if (oc->macs != NULL && bsearch(c->mac, oc->macs, oc->n,
	    sizeof(*oc->macs), order_cmp) == NULL)
		return 0;
	return select_one(c, oc->sc);
}

/*
 * In another order than the MAC's, the clients are walked along that
 * order's index (nb_client_list_by); a selector's label candidates only
 * spare the label lookups of the others.
 */
int
nb_client_select_by(struct nb_db *db, const struct nb_selector *sel,
    enum nb_client_order order, int desc,
    int (*fn)(const struct nb_client *, json_t *labels, void *), void *arg)
{
	struct select_ctx	 sc = { db, sel, fn, arg, NB_OK };
	struct order_ctx	 oc = { &sc, NULL, 0 };
	int			 rc;

	if (order == NB_ORDER_MAC && !desc)
		return nb_client_select(db, sel, fn, arg);
	if (sel != NULL && (rc = select_candidates(db, sel, &oc.macs,
	    &oc.n)) != NB_OK)
		return rc;
	rc = nb_client_list_by(db, order, desc, order_one, &oc);
	free(oc.macs);
	return rc != NB_OK ? rc : sc.rc;
}
